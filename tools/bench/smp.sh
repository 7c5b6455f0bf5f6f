#!/usr/bin/env bash
# tools/bench/smp.sh - the scalability table of make bench (make bench-smp):
# Spinel's user/bench/bench_smp.c booted with -smp 1, 2 and 4, and Linux
# (Debian's cloud kernel, bench/smp_linux.c as its /init: the rows Linux
# has, the same work) under the same QEMU with the same -smp, once under
# -icount (single-threaded TCG: the figures are guest instructions) and once
# under multi-threaded TCG (wall time of the host). Prints one Markdown
# table per mode and writes them to build/bench/smp.md.
#
# Environment: QEMU (qemu-system-x86_64), BENCH_TIMEOUT (seconds per boot,
# default 900), SMP_CPUS (default "1 2 4"), SMP_MODES (default
# "icount mttcg"), SMP_SIDES (default "spinel linux"), B (the build
# directory, default build), SMP_TABLE_ONLY=1 (no boots: the table from the
# logs of the last run), SMP_LINUX_ICOUNT_SMP=1 (try Linux with -smp 2 and
# 4 under -icount too: it hangs in its SMP boot, so they are skipped).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=${B:-build}
OUT=$ROOT/$B/bench
case $B in /*) OUT=$B/bench ;; esac
CACHE=$ROOT/build/bench-cache
QEMU=${QEMU:-qemu-system-x86_64}
TIMEOUT=${BENCH_TIMEOUT:-900}
CPUS=${SMP_CPUS:-1 2 4}
MODES=${SMP_MODES:-icount mttcg}
SIDES=${SMP_SIDES:-spinel linux}
mkdir -p "$OUT" "$CACHE"
cd "$ROOT"
die() { echo "bench-smp: error: $*" >&2; exit 1; }

accel() { # mode -> ACCEL array
    case $1 in
    icount) ACCEL=(-accel tcg -icount "shift=0,sleep=off" -cpu qemu64) ;;
    mttcg) ACCEL=(-accel "tcg,thread=multi" -cpu qemu64) ;;
    esac
}

# ---- Linux: Debian's cloud kernel (the one make bench uses), an initramfs
# with bench/smp_linux.c as /init ----
prepare_linux() {
    newest() { printf '%s\n' "$@" | sort -V | tail -n 1; }
    local pkg kdeb kdir
    pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-cloud-amd64$/ { print $2; exit }')
    if [ -z "$pkg" ] && ! compgen -G "$CACHE/linux-image-*-cloud-amd64_*.deb" >/dev/null; then
        apt-get update -qq >/dev/null 2>&1 || true
        pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
            awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-cloud-amd64$/ { print $2; exit }')
    fi
    (cd "$CACHE" && { [ -z "$pkg" ] || compgen -G "${pkg}_*.deb" >/dev/null ||
        apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null; }) ||
        die "apt-get download $pkg failed"
    if [ -n "$pkg" ] && compgen -G "$CACHE/${pkg}_*.deb" >/dev/null; then
        kdeb=$(newest "$CACHE/${pkg}"_*.deb)
    else
        kdeb=$(newest "$CACHE"/linux-image-*-cloud-amd64_*.deb)
    fi
    [ -f "$kdeb" ] || die "no linux-image-cloud-amd64 .deb"
    kdir=$CACHE/x-$(basename "$kdeb" .deb)
    if [ ! -e "$kdir/.done" ]; then
        rm -rf "$kdir" && mkdir -p "$kdir" && dpkg-deb -x "$kdeb" "$kdir" && touch "$kdir/.done"
    fi
    VMLINUZ=$(newest "$kdir"/boot/vmlinuz-*)
    [ -f "$VMLINUZ" ] || die "no vmlinuz in $kdeb"
    gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread -o "$OUT/smp-linux" \
        "$ROOT/bench/smp_linux.c" || die "cannot build bench/smp_linux.c"
    gcc -O2 -o "$OUT/mkcpio" "$ROOT/tools/bench/mkcpio.c" || die "cannot build mkcpio"
    "$OUT/mkcpio" dir:dev:0755 nod:dev/console:0600:c:5:1 dir:proc:0755 dir:sys:0755 \
        dir:tmp:1777 "file:init:0755:$OUT/smp-linux" | gzip -9n >"$OUT/initramfs-smp.gz"
}

boot() { # side mode ncpu -> log
    local logf=$OUT/smp-$2-$3.log
    [ "$1" = linux ] && logf=$OUT/smp-linux-$2-$3.log
    accel "$2"
    if [ "$1" = spinel ]; then
        timeout "$TIMEOUT" "$QEMU" "${ACCEL[@]}" -m 512M -smp "$3" -no-reboot \
            -rtc base=2025-01-01T00:00:00,clock=vm -kernel "$B/spinel.bin" -initrd "$B/initrd.cpio" \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 -display none -serial stdio \
            -append "init=bench_smp" </dev/null >"$logf" 2>&1
    else
        timeout "$TIMEOUT" "$QEMU" "${ACCEL[@]}" -m 512M -smp "$3" -no-reboot \
            -rtc base=2025-01-01T00:00:00,clock=vm -nic none -kernel "$VMLINUZ" \
            -initrd "$OUT/initramfs-smp.gz" -append "console=ttyS0 quiet norandmaps" \
            -display none -serial stdio </dev/null >"$logf" 2>&1
    fi
    local rc=$?
    [ $rc = 139 ] && echo "bench-smp: QEMU died of SIGSEGV ($1, $2, -smp $3)" >&2
    grep -aq '^SMP-END' "$logf"
}

if [ "${SMP_TABLE_ONLY:-0}" != 1 ] && [[ " $SIDES " == *" linux "* ]]; then
    prepare_linux
fi

: >"$OUT/smp.md"
status=0
for mode in $MODES; do
    for side in $SIDES; do
        for n in $CPUS; do
            [ "${SMP_TABLE_ONLY:-0}" = 1 ] && continue
            # Linux 6.1 does not get past "x86: Booting SMP configuration"
            # under -icount with -smp 2 or 4 (docs/benchmarks.md,
            # "Scalability"): those boots are skipped (n/a) unless asked for.
            if [ "$side" = linux ] && [ "$mode" = icount ] && [ "$n" != 1 ] &&
                [ "${SMP_LINUX_ICOUNT_SMP:-0}" != 1 ]; then
                echo "bench-smp: linux, icount, $n CPUs: skipped (its SMP boot hangs under -icount)" >&2
                rm -f "$OUT/smp-linux-icount-$n.log"
                continue
            fi
            echo "bench-smp: $side, $mode, $n CPU(s)" >&2
            boot "$side" "$mode" "$n" ||
                { echo "bench-smp: $side $mode -smp $n did not finish (see $OUT/)" >&2; status=1; }
        done
    done
    {
        if [ "$mode" = icount ]; then
            echo "-icount (guest instructions per operation, all CPUs together: the run's elapsed virtual ns / (ncpu x k); equal to the 1-CPU figure when it scales linearly)"
        else
            echo "Multi-threaded TCG (host wall time: ns per operation on each CPU, the mean over the CPUs; equal to the 1-CPU figure when it scales linearly)"
        fi
        echo
        hdr='| row |' sep='| --- |'
        for side in $SIDES; do
            S=Spinel; [ "$side" = linux ] && S=Linux
            for n in $CPUS; do hdr+=" $S $n CPU |"; sep+=' ---: |'; done
            for n in $CPUS; do [ "$n" = 1 ] || { hdr+=" $S $n/1 |"; sep+=' ---: |'; }; done
        done
        echo "$hdr"
        echo "$sep"
        files=()
        for side in $SIDES; do
            for n in $CPUS; do
                if [ "$side" = linux ]; then f=$OUT/smp-linux-$mode-$n.log; else f=$OUT/smp-$mode-$n.log; fi
                [ -f "$f" ] && files+=("$side=$f")
            done
        done
        for sf in "${files[@]}"; do
            echo "FILE ${sf%%=*}"
            tr -d '\r' <"${sf#*=}"
        done | awk -v mode="$mode" -v cpus="$CPUS" -v sides="$SIDES" '
            $1 == "FILE" { side = $2; next }
            $1 == "SMP" {
                row = $2; split($3, a, "="); n = a[2]; split($4, b, "="); k = b[2]
                split($5, c, "="); mx = c[2]; split($6, d, "="); mean = d[2]; split($7, e, "="); fail = e[2]
                # icount: the CPUs share one virtual clock (one instruction, one ns, whichever CPU):
                # instructions per operation = elapsed / (n k) (the max over the workers, who run together).
                # mttcg: each CPU its own ns per operation, the mean over the workers.
                v = (mode == "icount") ? mx / (n * k) : mean / k
                if (fail > 0) v = -1
                val[side, row, n] = v
                if (!(row in seen)) { seen[row] = 1; order[++nr] = row }
            }
            END {
                m = split(cpus, cs, " "); ns = split(sides, ss, " ")
                for (i = 1; i <= nr; i++) {
                    r = order[i]; line = "| " r " |"
                    for (s = 1; s <= ns; s++) {
                        for (j = 1; j <= m; j++) {
                            x = val[ss[s], r, cs[j]]
                            line = line (x == "" ? " n/a |" : x < 0 ? " failed |" : sprintf(" %.0f |", x))
                        }
                        for (j = 1; j <= m; j++) {
                            if (cs[j] == 1) continue
                            x = val[ss[s], r, cs[j]]; y = val[ss[s], r, 1]
                            line = line ((x == "" || y == "" || x < 0 || y <= 0) ? " n/a |" : sprintf(" %.2f |", x / y))
                        }
                    }
                    print line
                }
            }'
        echo
    } | tee -a "$OUT/smp.md"
done
exit $status
