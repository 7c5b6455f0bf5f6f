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
#   BENCH_TIMEOUT        seconds per QEMU boot before it is killed (300)
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
TIMEOUT=${BENCH_TIMEOUT:-300}
# norandmaps: see docs/benchmarks.md (layout-dependent page-table costs).
LINUX_APPEND=${BENCH_LINUX_APPEND:-"console=ttyS0 quiet norandmaps"}
export BENCH_QEMU_ACCEL="${QEMU_ACCEL[*]}" BENCH_QEMU_MEM=$QEMU_MEM \
    BENCH_QEMU_RTC=$QEMU_RTC

CFLAGS=(-std=c11 -O2 -Wall -Wextra -Werror)

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
    "$OUT/mkcpio" dir:dev:0755 nod:dev/console:0600:c:5:1 \
        dir:proc:0755 dir:sys:0755 dir:tmp:1777 dir:bin:0755 \
        "file:bin/busybox:0755:$busybox" slink:bin/sh:busybox \
        "file:init:0755:$OUT/bench-linux" |
        gzip -9n >"$OUT/initramfs-linux.gz"
}

linux_qemu_cmd() { # append-line -> QEMU_CMD array
    QEMU_CMD=(qemu-system-x86_64 "${QEMU_ACCEL[@]}" -smp 1 -m "$QEMU_MEM"
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
                <(awk '$1 == "BENCH" { print $2, $3 }' \
                     "$OUT/$name-run1.txt" | sort) \
                <(awk '$1 == "BENCH" { print $2, $3 }' \
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
linux_qemu_cmd "$LINUX_APPEND"

if [ $SHELL_MODE = 1 ]; then
    linux_qemu_cmd "console=ttyS0 rdinit=/bin/sh ${LINUX_APPEND#console=ttyS0}"
    log "busybox shell; run /init for the suite; Ctrl-A x quits QEMU"
    exec "${QEMU_CMD[@]}"
fi

rm -f "$OUT"/linux-run*.log "$OUT"/linux-run*.txt \
    "$OUT"/spinel-run*.log "$OUT"/spinel-run*.txt
printf '%q ' "${QEMU_CMD[@]}" >"$OUT/linux-qemu-cmd.txt"
echo >>"$OUT/linux-qemu-cmd.txt"

LINUX_OK=1
for ((i = 1; i <= RUNS; i++)); do
    run_side linux "$i" "${QEMU_CMD[@]}" || LINUX_OK=0
done
LINUX_DET=$(compare_runs linux)
[ $LINUX_OK = 1 ] ||
    LINUX_DET="FAILED: a run printed no BENCH-END (build/bench/linux-run*.log)"

SPINEL_OK=0
SPINEL_DET="not run"
if [ $SPINEL = 1 ] && [ -n "${SPINEL_BENCH_CMD:-}" ]; then
    SPINEL_OK=1
    for ((i = 1; i <= RUNS; i++)); do
        run_side spinel "$i" bash -c "$SPINEL_BENCH_CMD" || SPINEL_OK=0
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

TABLE=$(awk '
    # Linux first: its rows come in bench.c order; Spinel-only rows last.
    FNR == 1 { side = (FILENAME == ARGV[1]) ? "L" : "S" }
    $1 == "BENCH" {
        if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
        v[side, $2] = $3
    }
    function fmt(x,   t) {   # thousands separators for readability
        if (x !~ /^[0-9]+$/) return x
        t = ""
        while (length(x) > 3) {
            t = "," substr(x, length(x) - 2) t
            x = substr(x, 1, length(x) - 3)
        }
        return x t
    }
    END {
        print "| benchmark | Spinel ticks | Linux ticks | Linux/Spinel |"
        print "|---|---:|---:|---:|"
        for (i = 1; i <= n; i++) {
            r = order[i]
            s = (("S", r) in v) ? v["S", r] : "n/a"
            l = (("L", r) in v) ? v["L", r] : "n/a"
            ratio = "n/a"
            if (s ~ /^[0-9.]+$/ && l ~ /^[0-9.]+$/ && s + 0 > 0)
                ratio = sprintf("%.2f", l / s)
            printf "| %s | %s | %s | %s |\n", r, fmt(s), fmt(l), ratio
        }
    }' "$OUT/linux-run1.txt" "$OUT/spinel-run1.txt")

ELAPSED=$(( $(date +%s) - START ))
REPORT=$(cat <<EOF
- Ticks per operation: median of 9 batches, from run 1 of $RUNS per side;
  smaller is better.
- Ticks = $TICKS.
- Linux: Debian $KVER, append "$LINUX_APPEND", -m $QEMU_MEM -smp 1.
- Linux runs: $LINUX_DET.
- Spinel runs: $SPINEL_DET.

$TABLE
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
