#!/bin/bash
# make fuzz-kernel: runs the kernel-call fuzzer (user/tests/t_fuzz.c) under
# QEMU once per seed, each time in a fresh machine whose boot image holds a
# manifest with t_fuzz alone and a "fuzzargs" file with its settings.
#
#   SEEDS="1 2 3"  seeds (decimal or 0x...)          default: 1 2 3 4
#   CALLS=N        fuzz steps per seed               default: 100000
#   FLAGS=N        FZ_* classes (user/tests/fuzz.h)  default: 15, all of them
#   MINIMIZE=N     runs a failing seed may spend on its reproducer; 0: none
#   LIMIT=S        seconds per run                   default: 600
#   ICOUNT=0       no -icount (faster, but runs do not repeat exactly)
#
# A run fails if the kernel panics, the machine hangs or resets, or t_fuzz
# or the kernel's test runner finds a leak or a broken system. For a failing
# seed it then looks for the shortest sequence of steps that still fails:
# first the shortest failing prefix (bisection), then steps taken out of it
# in chunks, halving the chunks (delta debugging), within MINIMIZE runs, as
# long as it fails the same way; it prints the steps (replay them with
# OPS=...) and their calls, traced (the children's too).
#
#   OPS="0-99,140"  replay only these steps (with one seed), traced
#   TRACEFROM=N     run all the steps (one seed), tracing from step N on
# Exit status: 0 if every seed passed.
set -u
qemu_base=$1 # QEMU with -kernel and -initrd build/initrd.cpio
seeds=${SEEDS:-1 2 3 4}
calls=${CALLS:-100000}
flags=${FLAGS:-15}
minimize=${MINIMIZE:-40}
limit=${LIMIT:-600}
dir=${FUZZ_DIR:-build/fuzz}
mkdir -p "$dir"
[ -d build/initrd ] || { echo "fuzz-kernel: build/initrd missing (run make)"; exit 2; }
qemu=${qemu_base/build\/initrd.cpio/$dir\/initrd.cpio}
# Under TCG, count instructions (-icount): the virtual clock, so the timer
# and with it the interleaving of the envs, then repeats from run to run,
# and a run replays the same way (what the minimisation needs).
[ "${ICOUNT:-1}" = 1 ] && qemu=${qemu/-accel tcg/-accel tcg -icount shift=0,sleep=off}

# One run: fuzzargs in $2; log in $dir/$1.log. Status 0 if it passed.
runs=0
run() { # name args
    local name=$1 args=$2 tmo=$((limit + 30))
    rm -rf "$dir/root" && cp -r build/initrd "$dir/root"
    echo "t_fuzz exit:0 $limit 64" > "$dir/root/tests"
    printf '%s\n' "$args" > "$dir/root/fuzzargs"
    (cd "$dir/root" && ls | LC_ALL=C sort | cpio --quiet -o -H newc > ../initrd.cpio)
    timeout --foreground -k 5 "$tmo" $qemu -append test < /dev/null > "$dir/$name.log" 2> "$dir/$name.err"
    local st=$?
    runs=$((runs + 1))
    symptom="" kind=""
    if [ -s "$dir/$name.err" ]; then
        symptom="QEMU: $(head -n 1 "$dir/$name.err")" kind=qemu
        return 2
    fi
    grep -aq '^PASS user/t_fuzz' "$dir/$name.log" && grep -aq '^PASS kernel/no-leaks' "$dir/$name.log" &&
        [ $st = 1 ] && return 0
    local first
    first=$(grep -aE '^(fuzz: FAIL|FAIL)' "$dir/$name.log" | head -n 1 | tr -d '\r')
    case $st in
    5) symptom="kernel panic: $(grep -a -m1 -A1 'KERNEL PANIC' "$dir/$name.log" | tr '\n' ' ' | tr -d '\r')"
       kind="panic: $(grep -a -m1 'KERNEL PANIC' "$dir/$name.log" | tr -d '\r')" ;;
    124 | 137) symptom="hang: killed after ${tmo}s" kind=hang ;;
    1 | 3) symptom=$(grep -aE '^(FAIL|fuzz: FAIL)' "$dir/$name.log" | head -n 3 | tr '\n' ' ' | tr -d '\r')
       case $first in
       *"fuzz: FAIL: quota"*) kind=quota ;;
       *"frames free"* | *leaked*) kind=frames ;;
       *"fresh env"*) kind=fresh ;;
       *) kind="fail: ${first%%:*}" ;;
       esac ;;
    *) symptom="QEMU status $st (reset or crash)" kind=reset ;;
    esac
    return 1
}

# Ranges "a-b,c" from a list of step numbers, one per line, sorted.
ranges() {
    awk 'NR == 1 { lo = hi = $1; next }
         $1 == hi + 1 { hi = $1; next }
         { printf "%s%s,", lo, (hi > lo ? "-" hi : ""); lo = hi = $1 }
         END { if (NR) printf "%s%s", lo, (hi > lo ? "-" hi : "") }'
}

# Fails with the steps listed in file $1 (one per line)?
fails_with() { # file
    local ops
    ops=$(ranges < "$1")
    [ ${#ops} -gt 14000 ] && return 1 # (more than the guest reads)
    ! run min "seed=$seed calls=$n flags=$flags ops=$ops" && [ "$kind" = "$want" ]
}

# Minimises a failing seed, keeping the kind of failure (the same panic
# message, a hang, a quota or frame leak, a broken system).
minimize_seed() {
    budget=$((runs + minimize))
    want=$kind
    # 1. The shortest failing prefix: the steps 0 .. n-1.
    local lo=0 hi=$calls
    while [ $((hi - lo)) -gt 1 ] && [ $runs -lt $budget ]; do
        local mid=$(((lo + hi) / 2))
        if ! run min "seed=$seed calls=$mid flags=$flags" && [ "$kind" = "$want" ]; then
            hi=$mid
        else
            lo=$mid
        fi
    done
    n=$hi
    seq 0 $((n - 1)) > "$dir/keep"
    # 2. Delta debugging: take chunks out while it still fails.
    local chunks=2
    while [ $runs -lt $budget ]; do
        local total
        total=$(wc -l < "$dir/keep")
        [ "$total" -le 1 ] && break
        [ $chunks -gt "$total" ] && chunks=$total
        local size=$(((total + chunks - 1) / chunks)) removed=0 i=0
        while [ $((i * size)) -lt "$total" ] && [ $runs -lt $budget ]; do
            awk -v a=$((i * size)) -v b=$(((i + 1) * size)) 'NR - 1 < a || NR - 1 >= b' \
                "$dir/keep" > "$dir/try"
            if [ -s "$dir/try" ] && fails_with "$dir/try"; then
                cp "$dir/try" "$dir/keep"
                removed=1
                total=$(wc -l < "$dir/keep")
            else
                i=$((i + 1))
            fi
        done
        if [ $removed = 0 ]; then
            [ $chunks -ge "$total" ] && break
            chunks=$((chunks * 2))
        fi
    done
    ops=$(ranges < "$dir/keep")
    echo "fuzz-kernel: seed $seed: $(wc -l < "$dir/keep") steps still fail (of the first $n), after $((runs - budget + minimize)) runs:"
    echo "  replay: make fuzz-kernel SEEDS=$seed CALLS=$n FLAGS=$flags OPS=$ops"
    run trace "seed=$seed calls=$n flags=$flags trace=1 ops=$ops"
    echo "  symptom: $symptom (looked for: $want; the replay's: ${kind:-passed})"
    echo "  the calls (log $dir/trace.log):"
    grep -aE '^(fuzz: step|  )' "$dir/trace.log" | head -n 80 | tr -d '\r' | sed 's/^/    /'
}

if [ -n "${OPS:-}${TRACEFROM:-}" ]; then
    seed=${seeds%% *}
    if [ -n "${OPS:-}" ]; then
        run trace "seed=$seed calls=$calls flags=$flags trace=1 ops=$OPS"
    else
        run trace "seed=$seed calls=$calls flags=$flags tracefrom=$TRACEFROM"
    fi
    st=$?
    grep -aE '^(fuzz|  )' "$dir/trace.log" | tr -d '\r'
    [ $st = 0 ] && echo "fuzz-kernel: replay passed" || echo "fuzz-kernel: replay FAILED: $symptom"
    exit $st
fi

bad=0
total=0
for seed in $seeds; do
    start=$(date +%s)
    if run "seed-$seed" "seed=$seed calls=$calls flags=$flags"; then
        c=$(grep -a 'kernel calls by the root' "$dir/seed-$seed.log" | tr -d '\r' | sed -E 's/.*steps, ([0-9]+) kernel calls.*/\1/')
        total=$((total + ${c:-0}))
        echo "fuzz-kernel: seed $seed: ok, $calls steps, ${c:-?} kernel calls by the root ($(($(date +%s) - start)) s)"
    else
        bad=$((bad + 1))
        echo "fuzz-kernel: seed $seed: FAILED: $symptom (log $dir/seed-$seed.log)"
        cp "$dir/seed-$seed.log" "$dir/failed-seed-$seed.log"
        [ "$minimize" -gt 0 ] && minimize_seed
    fi
done
echo "fuzz-kernel: $bad of $(echo $seeds | wc -w) seeds failed; $total kernel calls by the root envs of the passing runs"
[ $bad = 0 ]
