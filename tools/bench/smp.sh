#!/usr/bin/env bash
# tools/bench/smp.sh - the scalability table of make bench (make bench-smp):
# Spinel's user/bench/bench_smp.c booted with -smp 1, 2 and 4, once under
# -icount (single-threaded TCG: the figures are guest instructions) and once
# under multi-threaded TCG (wall time of the host). Prints one Markdown
# table per mode and writes them to build/bench/smp.md.
#
# Environment: QEMU (qemu-system-x86_64), BENCH_TIMEOUT (seconds per boot,
# default 900), SMP_CPUS (default "1 2 4"), SMP_MODES (default
# "icount mttcg"), B (the build directory, default build), SMP_TABLE_ONLY=1
# (no boots: the table from the logs of the last run).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=${B:-build}
OUT=$ROOT/$B/bench
case $B in /*) OUT=$B/bench ;; esac
QEMU=${QEMU:-qemu-system-x86_64}
TIMEOUT=${BENCH_TIMEOUT:-900}
CPUS=${SMP_CPUS:-1 2 4}
MODES=${SMP_MODES:-icount mttcg}
mkdir -p "$OUT"
cd "$ROOT"

boot() { # mode ncpu -> log
    local accel
    case $1 in
    icount) accel=(-accel tcg -icount "shift=0,sleep=off" -cpu qemu64) ;;
    mttcg) accel=(-accel "tcg,thread=multi" -cpu qemu64) ;;
    esac
    timeout "$TIMEOUT" "$QEMU" "${accel[@]}" -m 512M -smp "$2" -no-reboot \
        -rtc base=2025-01-01T00:00:00,clock=vm -kernel "$B/spinel.bin" -initrd "$B/initrd.cpio" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -display none -serial stdio \
        -append "init=bench_smp" < /dev/null > "$OUT/smp-$1-$2.log" 2>&1
    grep -q '^SMP-END' "$OUT/smp-$1-$2.log"
}

: > "$OUT/smp.md"
status=0
for mode in $MODES; do
    for n in $CPUS; do
        [ "${SMP_TABLE_ONLY:-0}" = 1 ] && continue
        echo "bench-smp: $mode, $n CPU(s)" >&2
        boot "$mode" "$n" || { echo "bench-smp: $mode -smp $n did not finish (see $OUT/smp-$mode-$n.log)" >&2; status=1; }
    done
    {
        if [ "$mode" = icount ]; then
            echo "Spinel, -icount (guest instructions per operation, all CPUs together: the run's elapsed virtual ns / (ncpu x k); equal to the 1-CPU figure when it scales linearly)"
        else
            echo "Spinel, multi-threaded TCG (host wall time: ns per operation on each CPU, the mean over the CPUs; equal to the 1-CPU figure when it scales linearly)"
        fi
        echo
        printf '| row |'; for n in $CPUS; do printf ' %s CPU |' "$n"; done
        for n in $CPUS; do [ "$n" = 1 ] || printf ' %s CPU / 1 CPU |' "$n"; done; echo
        printf '| --- |'; for n in $CPUS; do printf ' ---: |'; done
        for n in $CPUS; do [ "$n" = 1 ] || printf ' ---: |'; done; echo
        awk -v mode="$mode" -v cpus="$CPUS" '
            { sub(/\r$/, "") } # (the serial console ends lines with CR LF)
            $1 == "SMP" {
                row = $2; split($3, a, "="); n = a[2]; split($4, b, "="); k = b[2]
                split($5, c, "="); mx = c[2]; split($6, d, "="); mean = d[2]; split($7, e, "="); fail = e[2]
                # icount: the CPUs share one virtual clock (one instruction, one ns, whichever CPU):
                # instructions per operation = elapsed / (n k) (the max over the workers, who run together).
                # mttcg: each CPU its own ns per operation, the mean over the workers.
                v = (mode == "icount") ? mx / (n * k) : mean / k
                if (fail > 0) v = -1
                val[row, n] = v
                if (!(row in seen)) { seen[row] = 1; order[++nr] = row }
            }
            END {
                m = split(cpus, cs, " ")
                for (i = 1; i <= nr; i++) {
                    r = order[i]; line = "| " r " |"
                    for (j = 1; j <= m; j++) {
                        x = val[r, cs[j]]
                        line = line (x == "" ? " n/a |" : x < 0 ? " failed |" : sprintf(" %.0f |", x))
                    }
                    for (j = 1; j <= m; j++) {
                        if (cs[j] == 1) continue
                        x = val[r, cs[j]]; y = val[r, 1]
                        line = line ((x == "" || y == "" || x < 0 || y <= 0) ? " n/a |" : sprintf(" %.2f |", x / y))
                    }
                    print line
                }
            }' $(for n in $CPUS; do echo "$OUT/smp-$mode-$n.log"; done)
        echo
    } | tee -a "$OUT/smp.md"
done
exit $status
