#!/usr/bin/env bash
# tools/bench/disk.sh - make bench-disk: the storage benchmark (bench/disk.c,
# the same code on both sides) on Spinel (diskd, lib/diskfs) and on
# Debian's Linux kernel (ext4), each on a fresh 256 MiB virtio-blk disk in
# the same QEMU as make bench (TCG, -icount shift=0,sleep=off, -cpu qemu64,
# one CPU, 512 MiB), with the cost-model plugin (tools/bench/model.c);
# prints one Markdown table.  docs/benchmarks.md, "Storage", says what the
# rows do and what the figures mean.
#
# Environment: BENCH_DISK_RUNS (boots per side, default 1), BENCH_TIMEOUT
# (seconds per boot, 900), BENCH_MODEL=0 (no plugin: no cycles column),
# BENCH_DISK_SIDES (default "spinel linux"; "spinel" alone while tuning:
# the Linux columns are then n/a).
# Needs: mkfs.ext4 (e2fsprogs; installed by tools/need.sh like make deps),
# the kernel and busybox .debs of make bench (build/bench-cache/).
# Files: build/bench-disk/ (images, initramfs, logs, model records).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=$ROOT/build/bench-cache
OUT=$ROOT/build/bench-disk
RUNS=${BENCH_DISK_RUNS:-1}
SIDES=${BENCH_DISK_SIDES:-spinel linux}
TIMEOUT=${BENCH_TIMEOUT:-900}
MODEL=${BENCH_MODEL:-1}
log() { echo "bench-disk: $*" >&2; }
die() { echo "bench-disk: error: $*" >&2; exit 1; }
"$ROOT/tools/need.sh" mkfs.ext4:e2fsprogs qemu-system-x86_64:qemu-system-x86 || exit 1
mkdir -p "$CACHE" "$OUT"
QEMU=(qemu-system-x86_64 -accel tcg -icount shift=0,sleep=off -cpu qemu64 -smp 1 -m 512M
      -rtc base=2025-01-01T00:00:00,clock=vm -nic none -no-reboot -display none -serial stdio)
# cache=unsafe: the guests' flushes still reach QEMU and are counted, but
# QEMU does not fdatasync the image on the host, whose latency (ms on a busy
# host) would otherwise be time the guest waits, differently on each run.
disk_opts() { echo "-drive file=$1,if=none,id=d0,format=raw,cache=unsafe -device virtio-blk-pci,drive=d0,disable-legacy=on"; }

# ---- Linux: Debian's cloud kernel, its virtio-blk modules, busybox ----
newest() { printf '%s\n' "$@" | sort -V | tail -n 1; }
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-cloud-amd64$/ { print $2; exit }')
if [ -z "$pkg" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-cloud-amd64$/ { print $2; exit }')
fi
[ -n "$pkg" ] || compgen -G "$CACHE/linux-image-*-cloud-amd64_*.deb" >/dev/null ||
    die "cannot resolve linux-image-cloud-amd64"
(cd "$CACHE" &&
    { [ -z "$pkg" ] || compgen -G "${pkg}_*.deb" >/dev/null ||
        apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null; } &&
    { compgen -G "busybox-static_*.deb" >/dev/null ||
        apt-get download -q -o APT::Sandbox::User=root busybox-static >/dev/null; }) ||
    die "apt-get download failed"
if [ -n "$pkg" ]; then KDEB=$(newest "$CACHE/${pkg}"_*.deb); else KDEB=$(newest "$CACHE"/linux-image-*-cloud-amd64_*.deb); fi
BDEB=$(newest "$CACHE"/busybox-static_*.deb)
kdir=$CACHE/x-$(basename "$KDEB" .deb)
bdir=$CACHE/x-$(basename "$BDEB" .deb)
for d in "$KDEB:$kdir" "$BDEB:$bdir"; do
    if [ ! -e "${d#*:}/.done" ]; then
        rm -rf "${d#*:}" && mkdir -p "${d#*:}" && dpkg-deb -x "${d%%:*}" "${d#*:}" && touch "${d#*:}/.done"
    fi
done
VMLINUZ=$(newest "$kdir"/boot/vmlinuz-*)
MODS=$(echo "$kdir"/lib/modules/*/kernel)
CONFIG=$(newest "$kdir"/boot/config-*)
grep -q '^CONFIG_EXT4_FS=y' "$CONFIG" || die "the kernel has no built-in ext4"
gcc -std=c11 -O2 -Wall -Wextra -Werror -static -o "$OUT/bench-disk-linux" \
    "$ROOT/bench/disk.c" "$ROOT/bench/disk_linux.c"
gcc -O2 -o "$OUT/mkcpio" "$ROOT/tools/bench/mkcpio.c"
MODLIST="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk"
cat >"$OUT/init" <<EOF2
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $MODLIST; do insmod /lib/\$m.ko; done
mount -t ext4 /dev/vda /mnt || echo "BENCH-INFO cannot mount /dev/vda"
/bin/bench-disk
umount /mnt
poweroff -f
EOF2
modargs=()
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
    drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci drivers/block/virtio_blk; do
    modargs+=("file:lib/$(basename $m).ko:0644:$MODS/$m.ko")
done
links=()
for a in sh mount umount insmod poweroff echo; do links+=("slink:bin/$a:busybox"); done
"$OUT/mkcpio" dir:dev:0755 nod:dev/console:0600:c:5:1 dir:proc:0755 dir:sys:0755 dir:mnt:0755 \
    dir:tmp:1777 dir:bin:0755 dir:lib:0755 "file:bin/busybox:0755:$bdir/bin/busybox" "${links[@]}" \
    "${modargs[@]}" "file:bin/bench-disk:0755:$OUT/bench-disk-linux" "file:init:0755:$OUT/init" |
    gzip -9n >"$OUT/initramfs-disk.gz"

# ---- the cost model ----
PLUG=
if [ "$MODEL" = 1 ]; then
    "$ROOT/tools/bench/plugin-header.sh" "$CACHE" || die "no qemu-plugin.h (BENCH_MODEL=0 runs without)"
    gcc -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -I "$CACHE" -o "$OUT/model.so" \
        "$ROOT/tools/bench/model.c"
    PLUG=1
fi

# ---- one boot: side, run ----
declare -A TICKS CYC INS OPS HALTS
run_side() {
    local side=$1 i=$2 img=$OUT/$1-disk.img logf=$OUT/$1-run$2.log mf=$OUT/$1-run$2.model
    local plug=()
    rm -f "$img" "$mf"
    truncate -s 256M "$img"
    [ -n "$PLUG" ] && plug=(-plugin "$OUT/model.so,out=$mf")
    local t0=$SECONDS
    if [ "$side" = linux ]; then
        # lazy init off: no background thread zeroing inode tables during the run
        mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$img" >/dev/null
        # shellcheck disable=SC2046
        nice -n 10 timeout -k 10 "$TIMEOUT" "${QEMU[@]}" "${plug[@]}" $(disk_opts "$img") \
            -kernel "$VMLINUZ" -initrd "$OUT/initramfs-disk.gz" \
            -append "console=ttyS0 quiet norandmaps" </dev/null >"$logf" 2>&1 || true
    else
        # shellcheck disable=SC2046
        nice -n 10 timeout -k 10 "$TIMEOUT" "${QEMU[@]}" "${plug[@]}" $(disk_opts "$img") \
            -kernel "$ROOT/build/spinel.bin" -initrd "$ROOT/build/initrd.cpio" \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 -append "init=bench_disk" \
            </dev/null >"$logf" 2>&1 || true
    fi
    log "$side run $i: $((SECONDS - t0)) s, $(grep -ac '^BENCH ' "$logf" || true) rows"
    grep -aq '^BENCH-END' "$logf" || { log "$side run $i: no BENCH-END (see $logf)"; return 1; }
    local n=0 row v
    while read -r _ row v; do
        TICKS[$side,$i,$row]=$v
        if [ -s "$mf" ]; then
            CYC[$side,$i,$row]=$(awk -v r=$n '$1 == "MODEL" && $2 == r && $3 == 1 {
                for (k = 4; k <= NF; k++) if ($k ~ /^cycles=/) { sub(/^cycles=/, "", $k); print $k } }' "$mf")
            INS[$side,$i,$row]=$(awk -v r=$n '$1 == "MODEL" && $2 == r && $3 == 1 {
                for (k = 4; k <= NF; k++) if ($k ~ /^insns=/) { sub(/^insns=/, "", $k); print $k } }' "$mf")
            HALTS[$side,$i,$row]=$(awk -v r=$n '$1 == "MODEL" && $2 == r && $3 == 1 {
                for (k = 4; k <= NF; k++) if ($k ~ /^halts=/) { sub(/^halts=/, "", $k); print $k } }' "$mf")
        fi
        n=$((n + 1))
    done < <(tr -d '\r' <"$logf" | grep -aE '^BENCH disk_[a-z0-9_]+ [0-9]+$')
    while read -r _ row o; do OPS[$row]=${o#ops=}; done < <(tr -d '\r' <"$logf" | grep -aE '^BENCH-INFO disk_[a-z0-9_]+ ops=[0-9]+$')
}

make -C "$ROOT" -s all >/dev/null
ROWS=(disk_create_4k_fsync disk_read_4k_cold disk_seq_write_64m disk_seq_read_64m disk_tar_x_2000 disk_delete_all)
ok=1
for ((i = 1; i <= RUNS; i++)); do
    for side in $SIDES; do run_side "$side" "$i" || ok=0; done
done

fmt() { [[ ${1:-} =~ ^[0-9]+$ ]] && printf "%'d" "$1" || echo n/a; }
ratio() { [[ ${1:-} =~ ^[0-9]+$ && ${2:-} =~ ^[0-9]+$ && $2 -gt 0 ]] && awk -v l="$1" -v s="$2" 'BEGIN { printf "%.2f", l / s }' || echo n/a; }
per() { [[ ${1:-} =~ ^[0-9]+$ && ${2:-} =~ ^[0-9]+$ ]] && echo $(( ($1 + $2 / 2) / $2 )) || echo n/a; }
echo "| row (per operation) | ops | Spinel ticks | Spinel cycles | Spinel insns | Linux ticks | Linux cycles | Linux insns | Linux/Spinel ticks | Linux/Spinel cycles |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for ((i = 1; i <= RUNS; i++)); do
    for r in "${ROWS[@]}"; do
        o=${OPS[$r]:-1}
        st=$(per "${TICKS[spinel,$i,$r]:-}" "$o") sc=$(per "${CYC[spinel,$i,$r]:-}" "$o") si=$(per "${INS[spinel,$i,$r]:-}" "$o")
        lt=$(per "${TICKS[linux,$i,$r]:-}" "$o") lc=$(per "${CYC[linux,$i,$r]:-}" "$o") li=$(per "${INS[linux,$i,$r]:-}" "$o")
        name=$r
        [ "$RUNS" -gt 1 ] && name="$r (run $i)"
        echo "| $name | $o | $(fmt "$st") | $(fmt "$sc") | $(fmt "$si") | $(fmt "$lt") | $(fmt "$lc") | $(fmt "$li") | $(ratio "$lt" "$st") | $(ratio "$lc" "$sc") |"
    done
done
echo
echo "Waits (whole row): the guest's halts (hlt run in the region, cost model), and the virtual time QEMU"
echo "skipped meanwhile (ticks minus instructions: the jumps to the next armed timer under sleep=off)."
echo
echo "| row | ops | Spinel halts | Spinel ticks skipped | Linux halts | Linux ticks skipped |"
echo "|---|---:|---:|---:|---:|---:|"
skipped() { [[ ${1:-} =~ ^[0-9]+$ && ${2:-} =~ ^[0-9]+$ ]] && echo $(($1 > $2 ? $1 - $2 : 0)) || echo n/a; }
for ((i = 1; i <= RUNS; i++)); do
    for r in "${ROWS[@]}"; do
        name=$r
        [ "$RUNS" -gt 1 ] && name="$r (run $i)"
        echo "| $name | ${OPS[$r]:-1} | $(fmt "${HALTS[spinel,$i,$r]:-}") | $(fmt "$(skipped "${TICKS[spinel,$i,$r]:-}" "${INS[spinel,$i,$r]:-}")") | $(fmt "${HALTS[linux,$i,$r]:-}") | $(fmt "$(skipped "${TICKS[linux,$i,$r]:-}" "${INS[linux,$i,$r]:-}")") |"
    done
done
echo
echo "Per operation: per file (create, read, tar x), per 64 KiB write or read (seq rows), per name removed (delete)."
echo "Ticks: rdtsc under -icount shift=0,sleep=off (guest instructions, plus the virtual time skipped while a"
echo "halted guest waits: a jump to its next armed timer, none if it armed none); cycles and insns: the cost"
echo "model (instructions executed: a guest that halts to wait adds nothing, one that polls adds its polling)."
echo "See docs/benchmarks.md, \"Storage\". $(date -u +%F)."
[ $ok = 1 ] || exit 1
