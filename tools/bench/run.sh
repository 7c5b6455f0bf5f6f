#!/usr/bin/env bash
# tools/bench/run.sh - run the microbenchmark suite (bench/) on Spinel and on
# Debian's Linux kernel, both under QEMU, and print one Markdown table.
#
# Usage: tools/bench/run.sh [--record] [--runs N] [--no-spinel] [--shell]
#   --record     also write the table to bench/results.md
#   --runs N     boots per side (default 2; the runs are compared)
#   --no-spinel  skip the Spinel side even if SPINEL_BENCH_CMD is set
#   --shell      boot the Linux initramfs into a busybox shell (interactive,
#                same QEMU options; run /init there by hand), then exit
#
# Environment:
#   ACCEL=tcg (default)  -accel tcg -icount shift=0,sleep=off -cpu $BENCH_CPU:
#                        ticks are guest instructions, deterministic
#   BENCH_CPU            CPU model under TCG (default qemu64, QEMU's default;
#                        both sides must use the same: see docs/benchmarks.md)
#   ACCEL=kvm            -accel kvm -cpu host: ticks are real TSC cycles
#   SPINEL_BENCH_CMD     command (run with bash -c in the repo root) that
#                        boots Spinel's benchmark build and prints its BENCH
#                        lines on stdout; unset or failing -> Spinel n/a.
#                        It sees BENCH_QEMU_ACCEL (the accel options above,
#                        as one string), BENCH_QEMU_MEM and BENCH_QEMU_RTC.
#   SPINEL_LINUX_CMD     the same for the Spinel-Linux column: boots Spinel
#                        running the Linux side's own benchmark binary
#                        ($OUT/bench-linux, with $OUT/exit0; BENCH_LINUX_DIR
#                        says where) under the Linux personality; unset or
#                        failing -> that column is n/a
#   SPINEL_BOOT_CMD      the same for an ordinary boot of Spinel to its shell
#                        prompt (the boot row; needs the model: the plugin
#                        counts up to the prompt and ends QEMU there)
#   BENCH_MODEL=0        do not load the cost-model plugin (tools/bench/model.c;
#                        on by default under TCG, off with KVM)
#   BENCH_TIMEOUT        seconds per QEMU boot before it is killed (600)
#   BENCH_LINUX_APPEND   Linux command line (console=ttyS0 quiet norandmaps)
#
# Files: build/bench-cache/ (downloaded .debs, extracted kernel, busybox),
# build/bench/ (binaries, initramfs, logs of every run).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=$ROOT/build/bench-cache
OUT=$ROOT/build/bench
START=$(date +%s)

RECORD=0
RUNS=2
SPINEL=1
SHELL_MODE=0
while [ $# -gt 0 ]; do
    case $1 in
    --record) RECORD=1 ;;
    --runs) RUNS=${2:?--runs needs a number}; shift ;;
    --no-spinel) SPINEL=0 ;;
    --shell) SHELL_MODE=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
case $RUNS in ''|*[!0-9]*|0) echo "run.sh: bad --runs" >&2; exit 2 ;; esac

log() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

# ---- QEMU configuration (shared by both sides) --------------------------
ACCEL=${ACCEL:-tcg}
case $ACCEL in
tcg) BENCH_CPU=${BENCH_CPU:-qemu64}
     QEMU_ACCEL=(-accel tcg -icount "shift=0,sleep=off" -cpu "$BENCH_CPU")
     TICKS="guest instructions (TCG, -icount shift=0,sleep=off, -cpu $BENCH_CPU)" ;;
kvm) [ -w /dev/kvm ] || die "ACCEL=kvm but /dev/kvm is not usable"
     QEMU_ACCEL=(-accel kvm -cpu host)
     TICKS="TSC cycles (KVM, -cpu host)" ;;
*) die "ACCEL must be tcg or kvm, not '$ACCEL'" ;;
esac
QEMU_MEM=512M
# A fixed, virtual RTC: the kernel seeds its entropy pool partly from the
# wall clock, and a different seed means a different address-space layout
# and different counts.
QEMU_RTC="base=2025-01-01T00:00:00,clock=vm"
TIMEOUT=${BENCH_TIMEOUT:-600}
# norandmaps: see docs/benchmarks.md (layout-dependent page-table costs).
LINUX_APPEND=${BENCH_LINUX_APPEND:-"console=ttyS0 quiet norandmaps"}
export BENCH_QEMU_ACCEL="${QEMU_ACCEL[*]}" BENCH_QEMU_MEM=$QEMU_MEM \
    BENCH_QEMU_RTC=$QEMU_RTC

CFLAGS=(-std=c11 -O2 -Wall -Wextra -Werror)
MODEL=${BENCH_MODEL:-1}
[ "$ACCEL" = tcg ] || MODEL=0

# ---- Linux kernel and busybox from Debian -------------------------------
# Prints the name of the real kernel package behind the metapackage.
resolve_kernel_pkg() {
    apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-cloud-amd64$/ \
             { print $2; exit }'
}

newest() { printf '%s\n' "$@" | sort -V | tail -n 1; }

apt_download() {
    (cd "$CACHE" &&
     apt-get download -q -o APT::Sandbox::User=root "$@" >/dev/null)
}

fetch_debs() {
    mkdir -p "$CACHE"
    local pkg
    pkg=$(resolve_kernel_pkg || true)
    if [ -z "$pkg" ]; then
        log "apt-get update (no package lists)"
        apt-get update -qq >/dev/null || log "apt-get update failed"
        pkg=$(resolve_kernel_pkg || true)
    fi
    local want=()
    if [ -n "$pkg" ]; then
        compgen -G "$CACHE/${pkg}_*.deb" >/dev/null || want+=("$pkg")
    elif ! compgen -G "$CACHE/linux-image-*-cloud-amd64_*.deb" >/dev/null; then
        die "cannot resolve linux-image-cloud-amd64 and nothing cached"
    fi
    compgen -G "$CACHE/busybox-static_*.deb" >/dev/null ||
        want+=(busybox-static)
    if [ ${#want[@]} -gt 0 ]; then
        log "apt-get download ${want[*]}"
        if ! apt_download "${want[@]}"; then
            # Stale package lists name a kernel the archive no longer has.
            log "download failed; apt-get update and retry"
            apt-get update -qq >/dev/null || log "apt-get update failed"
            pkg=$(resolve_kernel_pkg || true)
            [ -n "$pkg" ] || die "cannot resolve linux-image-cloud-amd64"
            want=("$pkg" busybox-static)
            apt_download "${want[@]}" || die "apt-get download failed"
        fi
    fi
    if [ -n "$pkg" ]; then
        KDEB=$(newest "$CACHE/${pkg}"_*.deb)
    else
        KDEB=$(newest "$CACHE"/linux-image-*-cloud-amd64_*.deb)
    fi
    BDEB=$(newest "$CACHE"/busybox-static_*.deb)
}

extract() { # deb -> directory (once)
    local deb=$1 dir=$2
    if [ ! -e "$dir/.done" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        dpkg-deb -x "$deb" "$dir"
        touch "$dir/.done"
    fi
}

prepare_linux() {
    fetch_debs
    local kdir bdir
    kdir=$CACHE/x-$(basename "$KDEB" .deb)
    bdir=$CACHE/x-$(basename "$BDEB" .deb)
    extract "$KDEB" "$kdir"
    extract "$BDEB" "$bdir"
    local k
    VMLINUZ=
    for k in "$kdir"/boot/vmlinuz-*; do VMLINUZ=$k; done
    [ -f "$VMLINUZ" ] || die "no vmlinuz in $KDEB"
    KVER=$(basename "$KDEB" .deb)
    local busybox=$bdir/bin/busybox
    [ -x "$busybox" ] || die "no busybox in $BDEB"

    mkdir -p "$OUT"
    # BENCH_CFLAGS (e.g. -DBENCH_VERBOSE: every batch) is split on purpose.
    # shellcheck disable=SC2086
    gcc "${CFLAGS[@]}" ${BENCH_CFLAGS:-} -static -o "$OUT/bench-linux" \
        "$ROOT/bench/bench.c" "$ROOT/bench/plat_linux.c"
    gcc "${CFLAGS[@]}" -o "$OUT/mkcpio" "$ROOT/tools/bench/mkcpio.c"
    # /bin/exit0 for domain_create: a static binary of three instructions
    # (exit(0)), started with vfork + execve.
    printf '%s\n' '.globl _start' '_start:' '    mov $60, %eax' \
        '    xor %edi, %edi' '    syscall' >"$OUT/exit0.S"
    gcc -nostdlib -static -Wl,--build-id=none -o "$OUT/exit0" "$OUT/exit0.S"
    "$OUT/mkcpio" dir:dev:0755 nod:dev/console:0600:c:5:1 \
        dir:proc:0755 dir:sys:0755 dir:tmp:1777 dir:bin:0755 \
        "file:bin/busybox:0755:$busybox" slink:bin/sh:busybox \
        "file:bin/exit0:0755:$OUT/exit0" \
        "file:init:0755:$OUT/bench-linux" |
        gzip -9n >"$OUT/initramfs-linux.gz"
}

# The cost model: a TCG plugin built against the installed QEMU's
# qemu-plugin.h (from Debian's source package, into the cache).
prepare_model() {
    [ "$MODEL" = 1 ] || return 0
    "$ROOT/tools/bench/plugin-header.sh" "$CACHE" ||
        die "no qemu-plugin.h (set BENCH_MODEL=0 to run without the model)"
    gcc "${CFLAGS[@]}" -shared -fPIC -I "$CACHE" -o "$OUT/model.so" \
        "$ROOT/tools/bench/model.c"
}

# plugin_opts NAME I -> PLUGIN array: QEMU options that load the model for
# one boot (records in $OUT/NAME-runI.model).
plugin_opts() {
    PLUGIN=()
    rm -f "$OUT/$1-run$2.model"
    [ "$MODEL" = 1 ] || return 0
    PLUGIN=(-plugin "$OUT/model.so,out=$OUT/$1-run$2.model")
}

linux_qemu_cmd() { # append-line -> QEMU_CMD array
    QEMU_CMD=(qemu-system-x86_64 "${QEMU_ACCEL[@]}" "${PLUGIN[@]}" -smp 1 -m "$QEMU_MEM"
              -rtc "$QEMU_RTC" -nic none
              -kernel "$VMLINUZ" -initrd "$OUT/initramfs-linux.gz"
              -append "$1" -nographic -no-reboot)
}

# ---- running and parsing -------------------------------------------------
# Keep the result lines "BENCH <name> <value>" and "BENCH-END"; firmware or
# kernel output on the same serial line may precede them.
extract_bench() {
    tr -d '\r' <"$1" |
        grep -aoE 'BENCH( [A-Za-z0-9_]+ ([0-9]+(\.[0-9]+)?|n/a)|-END)$' ||
        true
}

# model_rows NAME I: append to $OUT/NAME-runI.txt one line per row,
#   MODELROW <row> <cycles/op> insns=.. l1i=.. l1d=.. l2=.. tlb=.. walk=..
# (per operation, from the batch with the median modelled cycles; the
# plugin numbers rows as bench.c prints them, batch 0 is the warm-up).
model_rows() {
    local logf=$OUT/$1-run$2.log mf=$OUT/$1-run$2.model res=$OUT/$1-run$2.txt
    [ -s "$mf" ] && [ -s "$res" ] || return 0
    tr -d '\r' <"$logf" |
        grep -aoE 'BENCH( [A-Za-z0-9_]+ ([0-9]+|n/a)$|-INFO [A-Za-z0-9_]+ ops=[0-9]+)' |
        awk -v MF="$mf" '
        $1 == "BENCH" { name[n++] = $2 }
        $1 == "BENCH-INFO" { sub(/^ops=/, "", $3); ops[$2] = $3 }
        END {
            while ((getline line < MF) > 0) {
                m = split(line, f, " ")
                if (f[1] != "MODEL" || f[2] < 0 || f[3] < 1) continue
                r = f[2]; b = f[3]; if (b > nb[r]) nb[r] = b
                for (i = 4; i <= m; i++) {
                    split(f[i], kv, "="); v[r, b, kv[1]] = kv[2]
                }
            }
            for (r = 0; r < n; r++) {
                o = ops[name[r]]
                if (o == "" || nb[r] < 1) continue
                k = 0
                for (b = 1; b <= nb[r]; b++) idx[++k] = b
                for (i = 2; i <= k; i++) {  # insertion sort by cycles
                    x = idx[i]
                    for (j = i - 1; j >= 1 && v[r, idx[j], "cycles"] + 0 > v[r, x, "cycles"] + 0; j--)
                        idx[j + 1] = idx[j]
                    idx[j + 1] = x
                }
                b = idx[int((k + 1) / 2)]
                printf "MODELROW %s %d", name[r], v[r, b, "cycles"] / o + 0.5
                split("insns l1i l1d l2 tlb walk", keys, " ")
                for (i = 1; i <= 6; i++)
                    printf " %s=%.1f", keys[i], v[r, b, keys[i]] / o
                printf "\n"
            }
        }' >>"$res"
}

# boot_row MODELFILE RESULTS: append the boot row (instructions from the
# first one to the boot point; model.c) from the BOOT record of MODELFILE
# to RESULTS, if there is one.
boot_row() {
    [ -s "$1" ] || return 0
    awk '$1 == "BOOT" { sub(/^insns=/, "", $2); print "BENCH boot " $2; exit }' \
        "$1" >>"$2"
}

# run_side NAME I CMD... : one boot, log in $OUT/NAME-runI.log,
# results in $OUT/NAME-runI.txt.  A run counts if it printed BENCH-END (the
# exit status is only reported: QEMU's isa-debug-exit, for one, makes it
# non-zero on success).  Returns non-zero if it did not count.
run_side() {
    local name=$1 i=$2
    shift 2
    local logf=$OUT/$name-run$i.log res=$OUT/$name-run$i.txt rc=0
    local t0=$SECONDS
    nice -n 10 timeout -k 10 "$TIMEOUT" "$@" </dev/null >"$logf" 2>&1 ||
        rc=$?
    extract_bench "$logf" >"$res"
    model_rows "$name" "$i"
    log "$name run $i: $((SECONDS - t0)) s, exit status $rc," \
        "$(grep -c '^BENCH ' "$res" || true) rows"
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        log "$name run $i: killed after the ${TIMEOUT} s timeout"
    fi
    if ! grep -qx 'BENCH-END' "$res"; then
        log "$name run $i: no BENCH-END, results discarded (see $logf)"
        : >"$res"
        return 1
    fi
    return 0
}

# compare_runs NAME: a sentence on whether all runs gave identical rows.
compare_runs() {
    local name=$1 i diffs=""
    if [ "$RUNS" = 1 ]; then
        echo "one run only, not compared"
        return
    fi
    for ((i = 2; i <= RUNS; i++)); do
        if ! cmp -s "$OUT/$name-run1.txt" "$OUT/$name-run$i.txt"; then
            diffs+=$(join -j 1 -a 1 -a 2 -e - -o 0,1.2,2.2 \
                <(awk '$1 == "BENCH" { print $2, $3 }
                       $1 == "MODELROW" { print "model:" $2, $3 }' \
                     "$OUT/$name-run1.txt" | sort) \
                <(awk '$1 == "BENCH" { print $2, $3 }
                       $1 == "MODELROW" { print "model:" $2, $3 }' \
                     "$OUT/$name-run$i.txt" | sort) |
                awk -v r="$i" '$2 != $3 { printf " %s: %s vs %s (run %s);",
                                          $1, $2, $3, r }')
        fi
    done
    if [ -z "$diffs" ]; then
        echo "identical in all $RUNS runs"
    else
        echo "NOT identical:${diffs%;}"
    fi
}

# ---- main -----------------------------------------------------------------
cd "$ROOT"
prepare_linux
prepare_model
PLUGIN=()
linux_qemu_cmd "$LINUX_APPEND"

if [ $SHELL_MODE = 1 ]; then
    linux_qemu_cmd "console=ttyS0 rdinit=/bin/sh ${LINUX_APPEND#console=ttyS0}"
    log "busybox shell; run /init for the suite; Ctrl-A x quits QEMU"
    exec "${QEMU_CMD[@]}"
fi

rm -f "$OUT"/linux-run*.log "$OUT"/linux-run*.txt \
    "$OUT"/spinel-run*.log "$OUT"/spinel-run*.txt \
    "$OUT"/spinel-linux-run*.log "$OUT"/spinel-linux-run*.txt
printf '%q ' "${QEMU_CMD[@]}" >"$OUT/linux-qemu-cmd.txt"
echo >>"$OUT/linux-qemu-cmd.txt"

LINUX_OK=1
for ((i = 1; i <= RUNS; i++)); do
    plugin_opts linux "$i"
    linux_qemu_cmd "$LINUX_APPEND"
    run_side linux "$i" "${QEMU_CMD[@]}" || LINUX_OK=0
    boot_row "$OUT/linux-run$i.model" "$OUT/linux-run$i.txt"
done
LINUX_DET=$(compare_runs linux)
[ $LINUX_OK = 1 ] ||
    LINUX_DET="FAILED: a run printed no BENCH-END (build/bench/linux-run*.log)"

SPINEL_OK=0
SPINEL_DET="not run"
if [ $SPINEL = 1 ] && [ -n "${SPINEL_BENCH_CMD:-}" ]; then
    SPINEL_OK=1
    for ((i = 1; i <= RUNS; i++)); do
        plugin_opts spinel "$i"
        run_side spinel "$i" env BENCH_QEMU_ACCEL="${QEMU_ACCEL[*]} ${PLUGIN[*]}" \
            bash -c "$SPINEL_BENCH_CMD" || SPINEL_OK=0
        # The boot row: an ordinary boot, to the shell's first prompt.
        if [ "$MODEL" = 1 ] && [ -n "${SPINEL_BOOT_CMD:-}" ] &&
            [ -s "$OUT/spinel-run$i.txt" ]; then
            boot_model=$OUT/spinel-boot-run$i.model
            rm -f "$boot_model"
            nice -n 10 timeout -k 10 "$TIMEOUT" env \
                BENCH_QEMU_ACCEL="${QEMU_ACCEL[*]} -plugin $OUT/model.so,out=$boot_model,bootexit=1" \
                bash -c "$SPINEL_BOOT_CMD" </dev/null >"$OUT/spinel-boot-run$i.log" 2>&1 || true
            grep -q '^BOOT' "$boot_model" 2>/dev/null ||
                log "spinel boot run $i: no boot record (see $OUT/spinel-boot-run$i.log)"
            boot_row "$boot_model" "$OUT/spinel-run$i.txt"
        fi
    done
    SPINEL_DET=$(compare_runs spinel)
    [ $SPINEL_OK = 1 ] ||
        SPINEL_DET="FAILED: a run printed no BENCH-END (build/bench/spinel-run*.log)"
elif [ $SPINEL = 1 ]; then
    SPINEL_DET="not run: SPINEL_BENCH_CMD is not set"
fi
if [ $SPINEL_OK = 0 ] && [ ! -s "$OUT/spinel-run1.txt" ]; then
    : >"$OUT/spinel-run1.txt" # not run: an empty Spinel column
fi

# The Spinel-Linux column: the very binary that just ran on Linux
# ($OUT/bench-linux), unmodified, under Spinel's Linux personality.
LX_OK=0
LX_DET="not run"
if [ $SPINEL = 1 ] && [ -n "${SPINEL_LINUX_CMD:-}" ]; then
    LX_OK=1
    for ((i = 1; i <= RUNS; i++)); do
        plugin_opts spinel-linux "$i"
        run_side spinel-linux "$i" env BENCH_QEMU_ACCEL="${QEMU_ACCEL[*]} ${PLUGIN[*]}" \
            BENCH_LINUX_DIR="$OUT" bash -c "$SPINEL_LINUX_CMD" || LX_OK=0
    done
    LX_DET=$(compare_runs spinel-linux)
    [ $LX_OK = 1 ] ||
        LX_DET="FAILED: a run printed no BENCH-END (build/bench/spinel-linux-run*.log)"
elif [ $SPINEL = 1 ]; then
    LX_DET="not run: SPINEL_LINUX_CMD is not set"
fi
if [ $LX_OK = 0 ] && [ ! -s "$OUT/spinel-linux-run1.txt" ]; then
    : >"$OUT/spinel-linux-run1.txt"
fi

TABLE=$(awk '
    # Linux first: its rows come in bench.c order; Spinel-only rows last.
    FNR == 1 { side = (FILENAME == ARGV[1]) ? "L" : (FILENAME == ARGV[2]) ? "S" : "X" }
    $1 == "BENCH" {
        if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
        v[side, $2] = $3
    }
    $1 == "MODELROW" { c[side, $2] = $3 }
    function fmt(x,   t) {   # thousands separators for readability
        if (x !~ /^[0-9]+$/) return x
        t = ""
        while (length(x) > 3) {
            t = "," substr(x, length(x) - 2) t
            x = substr(x, 1, length(x) - 3)
        }
        return x t
    }
    function get(a, s, r) { return ((s, r) in a) ? a[s, r] : "n/a" }
    function ratio(l, s) {
        return (s ~ /^[0-9.]+$/ && l ~ /^[0-9.]+$/ && s + 0 > 0) ? sprintf("%.2f", l / s) : "n/a"
    }
    BEGIN {
        note["pct_rt"] = "seL4 fast path: 457 ticks [^sel4]; Linux has no PCT [^pct]"
        note["map_touch_unmap"] = "both take a demand-zero fault on the write [^map]"
        note["yield"] = "strict alternation checked on both sides"
        note["domain_create"] = "Spinel: spawn tiny env; Linux: vfork + execve of a 3-instruction binary [^dom]"
        note["unix_fork_exit_wait"] = "Spinel: library-OS copy-on-write fork; Linux: kernel fork"
        note["unix_pipe_rt"] = "Spinel: library-OS pipes; Linux: kernel pipes"
        note["thread_create_join"] = "threads: Spinel user-level strands, Linux kernel threads [^thr]"
        note["mutex_uncontended"] = note["thread_create_join"]
        note["thread_switch"] = note["thread_create_join"]
        note["ext_exception_rt"] = "in-kernel verified handler; compare exception_rt"
        note["ext_pct_rt"] = "in-kernel verified handler; compare pct_rt"
        note["net_ash_ping_rt"] = "ping on the loopback answered by an ASH: send call, 2 deliveries, filters, handler"
        note["model_chase_1k"] = "model check: 256 dependent loads in 1 KiB"
        note["model_chase_64k"] = "model check: 256 dependent loads in 64 KiB"
        note["model_chase_8m"] = "model check: 256 dependent loads in 8 MiB"
        note["model_tlb_1000"] = "model check: 1,000 pages written"
        note["model_tlb_1000_cr3"] = "model check: a yield (CR3 writes), then 1,000 pages written"
        note["boot"] = "Spinel: to the shell prompt; Linux: to the start of /init [^boot]"
        note["bb_fork_exit_wait"] = "fork + exit + wait by a process holding a busybox image [^bb]"
        note["bb_sh_c_true"] = "fork + execve `busybox sh -c true` + wait; Spinel: its own sh [^bb]"
        # Why the Spinel-Linux column has no figure where it has none.
        lxna["pct_rt"] = lxna["ext_exception_rt"] = lxna["ext_pct_rt"] = lxna["net_ash_ping_rt"] = "Linux binary: n/a"
        lxna["thread_create_join"] = "Spinel-Linux n/a: no threads (CLONE_THREAD) [^lxna]"
        lxna["model_chase_1k"] = "Spinel-Linux n/a: 8 MiB more do not fit in 4,096 capability slots [^lxna]"
        lxna["model_chase_64k"] = lxna["model_chase_8m"] = lxna["model_tlb_1000"] = lxna["model_chase_1k"]
        lxna["model_tlb_1000_cr3"] = lxna["model_chase_1k"]
        lxna["thread_switch"] = lxna["thread_create_join"]
        lxna["boot"] = "Spinel-Linux: not a boot of its own"
    }
    function addnote(a, b) { return a == "" ? b : (b == "" ? a : a "; " b) }
    END {
        print "| benchmark | Spinel ticks | Spinel cycles | Spinel-Linux ticks | Spinel-Linux cycles | Linux ticks | Linux cycles | Linux/Spinel ticks | Linux/Spinel cycles | Linux/Spinel-Linux ticks | Linux/Spinel-Linux cycles | notes |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        for (i = 1; i <= n; i++) {
            r = order[i]
            st = get(v, "S", r); lt = get(v, "L", r); xt = get(v, "X", r)
            sc = get(c, "S", r); lc = get(c, "L", r); xc = get(c, "X", r)
            nt = note[r]
            if (xt == "n/a" && (r in lxna)) nt = addnote(nt, lxna[r])
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r, fmt(st), fmt(sc),
                fmt(xt), fmt(xc), fmt(lt), fmt(lc), ratio(lt, st), ratio(lc, sc),
                ratio(lt, xt), ratio(lc, xc), nt
        }
    }' "$OUT/linux-run1.txt" "$OUT/spinel-run1.txt" "$OUT/spinel-linux-run1.txt")

# The model's counters per operation, both sides (the figures behind the
# cycles column, and the model checks), in bench.c order.
DETAIL=$(awk '
    FNR == 1 { side = (FILENAME == ARGV[1]) ? "Spinel" : (FILENAME == ARGV[2]) ? "Spinel-Linux" : "Linux" }
    $1 == "MODELROW" {
        if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
        for (i = 4; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        line[$2, side] = sprintf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |", $2, side,
            f["insns"], f["l1i"], f["l1d"], f["l2"], f["tlb"], f["walk"], $3)
    }
    END {
        for (i = 1; i <= n; i++)
            for (k = 1; k <= 3; k++) {
                s = (k == 1) ? "Spinel" : (k == 2) ? "Spinel-Linux" : "Linux"
                if ((order[i], s) in line) print line[order[i], s]
            }
    }' "$OUT/spinel-run1.txt" "$OUT/spinel-linux-run1.txt" "$OUT/linux-run1.txt")

FOOTNOTES=$(cat <<'EOF'
[^sel4]: seL4 (sel4bench, release build, fast path): Call + ReplyRecv round
  trip between two address spaces, zero-length message, measured earlier
  under the same method (QEMU TCG, icount shift=0, 1 vCPU); a reference
  figure, not rerun by this script, and without a modelled-cycles figure.
[^pct]: Linux has no protected control transfer (a system call that runs
  code in another address space and returns its answer without going
  through the scheduler); its closest primitives, a pipe or futex round trip
  between two processes, go through the scheduler: see `unix_pipe_rt`.
[^map]: Linux: `mmap` + write (demand-zero fault) + `munmap`.  Spinel: the
  library OS maps nothing; the write faults, the page-fault upcall maps a
  zeroed frame, the write restarts; then unmap and free the frame.
[^dom]: Spinel: create an env, load a static binary of three instructions
  (sys_exit(0), user/bench/bench_exit.c) from the boot image, give it a
  slot, start it; it exits; wait; delete it.  Linux: `vfork` + `execve`
  of a static binary of three instructions (exit(0)) + `waitpid`.  The fork
  comparison is `unix_fork_exit_wait`.
[^thr]: Spinel's threads (lib/unix/thread) are user-level strands in one
  env; Linux's pthreads are kernel threads (1:1).  Both run on one CPU here.
[^bb]: busybox = Debian's busybox-static (1.9 MB), the same file on all
  sides.  `bb_fork_exit_wait`: fork + `_exit` + wait, as
  `unix_fork_exit_wait`, by the benchmark process after it mapped
  busybox's PT_LOAD segments from the file as a loader does and touched
  every page (Linux and Spinel-Linux: `mmap` of the file, one write per
  page of the data segment; Spinel: the file read into memory).
  `bb_sh_c_true`: fork + `execve("/bin/busybox", {"sh", "-c", "true"})` +
  wait, end to end (Linux and Spinel-Linux); Spinel's own column runs its
  own `/bin/sh -c true` (lib/unix's fork + execv + waitpid).
[^lxna]: the Spinel-Linux column runs the Linux column's binary, unmodified,
  under the Linux personality (lib/linux); rows it cannot run print n/a
  there: the thread rows need `clone(CLONE_VM|CLONE_THREAD)`, which the
  personality does not have; the model rows need 8 MiB more of
  `mmap`, and the personality maps every page with a frame capability of
  its own: the env's 4,096 capability slots are full by then (glibc keeps
  the 8 MiB stack of the failed `pthread_create` cached, 2,049 pages).  docs/benchmarks.md, "The Spinel-Linux column".
[^boot]: guest instructions from the first one (the firmware's: SeaBIOS
  and the -kernel loader, the same on both sides) to the boot point, counted
  by the cost-model plugin (ticks here exclude the virtual time the clock
  skips while a guest idles; no modelled cycles: the plugin counts only
  instructions before the boot point).  Spinel: an ordinary boot (init,
  the Unix library OS, /bin/sh) to the shell's first prompt; Linux: the
  kernel and its initramfs to the first instruction of /init (the
  benchmark program).  One boot, not a median; n/a without the plugin.
EOF
)

# model_check FILE: one sentence on the cost model's known cases in one
# side's results: the three pointer chases must cost clearly different
# amounts (each at least twice the one before), and the 1,000-page loop
# must walk at least 3,000 more page-table references per operation after
# an address-space switch than without one.
model_check() {
    awk '
        $1 == "MODELROW" {
            c[$2] = $3
            for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "walk") w[$2] = kv[2] }
        }
        END {
            if (!("model_chase_8m" in c) || !("model_tlb_1000_cr3" in c)) { print "not run"; exit }
            ok = c["model_chase_64k"] >= 2 * c["model_chase_1k"] &&
                 c["model_chase_8m"] >= 2 * c["model_chase_64k"] &&
                 w["model_tlb_1000_cr3"] - w["model_tlb_1000"] >= 3000
            printf "%s (chase 1 KiB / 64 KiB / 8 MiB: %d / %d / %d cycles; walk references without / after a CR3 write: %s / %s)\n",
                ok ? "passed" : "FAILED", c["model_chase_1k"], c["model_chase_64k"],
                c["model_chase_8m"], w["model_tlb_1000"], w["model_tlb_1000_cr3"]
        }' "$1"
}

ELAPSED=$(( $(date +%s) - START ))
REPORT=$(cat <<EOF
- Ticks per operation: median of 9 batches, from run 1 of $RUNS per side;
  smaller is better.
- Ticks = $TICKS.
- Linux: Debian $KVER, append "$LINUX_APPEND", -m $QEMU_MEM -smp 1.
- Linux runs: $LINUX_DET.
- Spinel runs: $SPINEL_DET.
- Spinel-Linux runs (the Linux benchmark binary, unmodified, under Spinel's
  Linux personality): $LX_DET.
- Cycles = modelled cycles per operation from the cost-model plugin
  (tools/bench/model.c; docs/benchmarks.md, "The cost model"), same batch
  method; n/a when the model was off.
- Model checks: Linux $(model_check "$OUT/linux-run1.txt");
  Spinel $(model_check "$OUT/spinel-run1.txt");
  Spinel-Linux $(model_check "$OUT/spinel-linux-run1.txt").

$TABLE

$FOOTNOTES

Model counters per operation (median batch by modelled cycles): L1I/L1D/L2
= cache misses, TLB = L1 TLB misses (ITLB + DTLB), walk = page-walk memory
references.

| row | side | insns | L1I | L1D | L2 | TLB | walk | cycles |
|---|---|---:|---:|---:|---:|---:|---:|---:|
$DETAIL
EOF
)
echo
echo "$REPORT"
echo
log "total time ${ELAPSED} s"

if [ $RECORD = 1 ]; then
    REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "(none yet)")
    [ -z "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n 1)" ] ||
        REV="$REV (with uncommitted changes)"
    {
        echo "# Benchmark results"
        echo
        echo "Recorded $(date -u '+%Y-%m-%d %H:%M UTC') at commit $REV" \
             "with \`tools/bench/run.sh --record\` (ACCEL=$ACCEL)."
        echo "Method and caveats: [docs/benchmarks.md](../docs/benchmarks.md)."
        echo
        echo "$REPORT"
    } >"$ROOT/bench/results.md"
    log "wrote bench/results.md"
fi

[ $LINUX_OK = 1 ] || die "the Linux side failed"
