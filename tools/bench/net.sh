#!/usr/bin/env bash
# tools/bench/net.sh - make bench-net: the same HTTP load, from the host, on
# Spinel's httpd (lib/net, lwIP) and on Debian's Linux kernel running two
# servers, busybox's httpd and Debian's lighttpd (dynamically linked: its
# libraries from Debian's packages go into the initramfs), all in the same
# QEMU (TCG, one CPU, a virtio-net card on QEMU's user networking, host
# ports forwarded to the guest's ports 80 and 81).
# ApacheBench (Debian's apache2-utils) fetches files of 100 B, 4 KiB,
# 64 KiB and 1 MiB, one connection per request, NET_CONC at a time; the
# table gives requests per second, Spinel over the better Linux server,
# and guest instructions per request: a TCG plugin (tools/bench/icount.c)
# counts the guest's instructions, read before and after each ab run
# (everything the guest ran meanwhile, idle loops and timer ticks included,
# divided by the requests; the plugin is loaded for every server alike).
#
# Environment: NET_REQUESTS (per small file, default 2000; a tenth for
# 1 MiB), NET_CONC (default 8), BENCH_TIMEOUT (seconds per boot, 600).
# Files: build/bench-cache/ (the Linux kernel and busybox .debs, shared
# with make bench), build/bench-net/ (initramfs, boot logs, ab's output).
#
# Caveats: under TCG the guest is slow and QEMU's user networking (slirp)
# sits between ab and the guest on both sides, so the figures are those of
# this setup, not of real hardware; requests per second are wall-clock
# timing on a shared host (they vary from run to run), instructions per
# request are not.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=$ROOT/build/bench-cache
OUT=$ROOT/build/bench-net
N=${NET_REQUESTS:-2000}
C=${NET_CONC:-8}
TIMEOUT=${BENCH_TIMEOUT:-600}
log() { echo "bench-net: $*" >&2; }
die() { echo "bench-net: error: $*" >&2; exit 1; }
"$ROOT/tools/need.sh" ab:apache2-utils qemu-system-x86_64:qemu-system-x86 || exit 1
mkdir -p "$CACHE" "$OUT"
# The instruction counter (a TCG plugin against Debian's qemu-plugin.h).
"$ROOT/tools/bench/plugin-header.sh" "$CACHE" || die "no qemu-plugin.h"
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -I "$CACHE" -o "$OUT/icount.so" \
    "$ROOT/tools/bench/icount.c" -lpthread
QEMU=(qemu-system-x86_64 -accel tcg -cpu max -m 512M -smp 1 -no-reboot -display none)
FILES=(100.bin 4k.bin 64k.bin 1m.bin)
SIZES=(100 4096 65536 1048576)

# ---- Linux: Debian's cloud kernel, its virtio-net modules, busybox ----
newest() { printf '%s\n' "$@" | sort -V | tail -n 1; }
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-cloud-amd64$/ { print $2; exit }')
[ -n "$pkg" ] || die "cannot resolve linux-image-cloud-amd64 (apt-get update?)"
(cd "$CACHE" &&
    { compgen -G "${pkg}_*.deb" >/dev/null || apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null; } &&
    { compgen -G "busybox-static_*.deb" >/dev/null || apt-get download -q -o APT::Sandbox::User=root busybox-static >/dev/null; }) ||
    die "apt-get download failed"
# lighttpd and the libraries it needs (the same release's libc6 for its loader).
LT_PKGS=(lighttpd libc6 libpcre2-8-0 libnettle8 libxxhash0)
for p in "${LT_PKGS[@]}"; do
    (cd "$CACHE" && { compgen -G "${p}_*.deb" >/dev/null ||
        apt-get download -q -o APT::Sandbox::User=root "$p" >/dev/null; }) ||
        die "apt-get download $p failed"
done
KDEB=$(newest "$CACHE/${pkg}"_*.deb)
BDEB=$(newest "$CACHE"/busybox-static_*.deb)
kdir=$CACHE/x-$(basename "$KDEB" .deb)
bdir=$CACHE/x-$(basename "$BDEB" .deb)
for d in "$KDEB:$kdir" "$BDEB:$bdir"; do
    if [ ! -e "${d#*:}/.done" ]; then
        rm -rf "${d#*:}" && mkdir -p "${d#*:}" && dpkg-deb -x "${d%%:*}" "${d#*:}" && touch "${d#*:}/.done"
    fi
done
ltdir=$CACHE/x-lighttpd
if [ ! -e "$ltdir/.done" ]; then
    rm -rf "$ltdir" && mkdir -p "$ltdir"
    for p in "${LT_PKGS[@]}"; do dpkg-deb -x "$(newest "$CACHE/${p}"_*.deb)" "$ltdir"; done
    touch "$ltdir/.done"
fi
VMLINUZ=$(newest "$kdir"/boot/vmlinuz-*)
MODS=$(echo "$kdir"/lib/modules/*/kernel)
gcc -O2 -o "$OUT/mkcpio" "$ROOT/tools/bench/mkcpio.c"
cat >"$OUT/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover \
    net_failover virtio_net; do
    insmod /lib/$m.ko
done
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
mkdir -p /www
head -c 100 /dev/zero | tr '\0' a >/www/100.bin
head -c 4096 /dev/zero | tr '\0' a >/www/4k.bin
head -c 65536 /dev/zero | tr '\0' a >/www/64k.bin
head -c 1048576 /dev/zero | tr '\0' a >/www/1m.bin
httpd -p 80 -h /www
lighttpd -f /etc/lighttpd.conf
echo "linux-httpd: listening"
while :; do sleep 1000; done
EOF
modargs=()
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
    drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci net/core/failover \
    drivers/net/net_failover drivers/net/virtio_net; do
    modargs+=("file:lib/$(basename $m).ko:0644:$MODS/$m.ko")
done
bb=$bdir/bin/busybox
links=()
for a in sh mount insmod ip mkdir head tr httpd sleep echo; do links+=("slink:bin/$a:busybox"); done
cat >"$OUT/lighttpd.conf" <<'LTEOF'
server.document-root = "/www"
server.port = 81
server.errorlog = "/tmp/lighttpd.log"
mimetype.assign = (".bin" => "application/octet-stream", ".html" => "text/html")
LTEOF
ltlibs=()
for l in lib/x86_64-linux-gnu/libc.so.6 lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
    usr/lib/x86_64-linux-gnu/libpcre2-8.so.0 usr/lib/x86_64-linux-gnu/libnettle.so.8 \
    usr/lib/x86_64-linux-gnu/libxxhash.so.0; do
    ltlibs+=("file:lib/x86_64-linux-gnu/$(basename $l):0755:$(readlink -f "$ltdir/$l")")
done
"$OUT/mkcpio" dir:dev:0755 nod:dev/console:0600:c:5:1 nod:dev/null:0666:c:1:3 \
    nod:dev/zero:0666:c:1:5 nod:dev/urandom:0666:c:1:9 dir:proc:0755 dir:sys:0755 dir:tmp:1777 \
    dir:bin:0755 dir:lib:0755 "file:bin/busybox:0755:$bb" "${links[@]}" "${modargs[@]}" \
    dir:lib/x86_64-linux-gnu:0755 dir:lib64:0755 "${ltlibs[@]}" \
    "file:lib64/ld-linux-x86-64.so.2:0755:$(readlink -f "$ltdir/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")" \
    dir:etc:0755 "file:etc/lighttpd.conf:0644:$OUT/lighttpd.conf" \
    "file:bin/lighttpd:0755:$ltdir/usr/sbin/lighttpd" \
    "file:init:0755:$OUT/init" | gzip -9n >"$OUT/initramfs-net.gz"

# ---- one boot: wait for its servers, run ab on every file of each ----
QPID=
stop() { [ -n "$QPID" ] && kill "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null || true; QPID=; }
trap stop EXIT
declare -A RPS IPR
insns() { cat "$OUT/$1.icount" 2>/dev/null || echo 0; }
# run_boot NAME READY-LINE "SERVER:GUESTPORT ..." QEMU-ARGS...
run_boot() {
    local name=$1 ready=$2 servers=$3 fwd port sv
    shift 3
    declare -A PORT
    for _try in 1 2 3; do
        fwd=
        for sv in $servers; do
            PORT[$sv]=$((20000 + RANDOM % 20000))
            fwd+=",hostfwd=tcp:127.0.0.1:${PORT[$sv]}-:${sv#*:}"
        done
        rm -f "$OUT/$name.icount"
        timeout -k 5 "$TIMEOUT" "${QEMU[@]}" "$@" -plugin "$OUT/icount.so,out=$OUT/$name.icount" \
            -netdev "user,id=n0$fwd" \
            -device virtio-net-pci,netdev=n0,disable-legacy=on \
            -serial "file:$OUT/$name.log" </dev/null &
        QPID=$!
        for _ in $(seq 1 1200); do
            grep -aq "$ready" "$OUT/$name.log" 2>/dev/null && break
            kill -0 $QPID 2>/dev/null || break
            sleep 0.1
        done
        grep -aq "$ready" "$OUT/$name.log" 2>/dev/null && break
        stop
    done
    grep -aq "$ready" "$OUT/$name.log" || die "$name: its server did not come up (see $OUT/$name.log)"
    for sv in $servers; do
        local srv=${sv%%:*}
        port=${PORT[$sv]}
        log "$srv: server up on port $port"
        # Warm-up (the first connections after boot may be refused while the
        # guest's address is not yet known to QEMU, and TCG translates code the
        # first time it runs): until a page comes, then a few requests per file.
        for _ in $(seq 1 30); do
            [ "$(curl -s -m 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/100.bin")" = 200 ] && break
            sleep 0.5
        done
        for f in "${FILES[@]}"; do
            ab -q -n 16 -c 2 -s 60 "http://127.0.0.1:$port/$f" >/dev/null 2>&1 || true
        done
        for i in "${!FILES[@]}"; do
            local f=${FILES[$i]} n=$N i0 i1 r fails len
            [ "${SIZES[$i]}" -ge 1048576 ] && n=$((N / 10))
            [ $n -ge $C ] || n=$C
            sleep 0.2 # (the plugin writes its count every 50 ms)
            i0=$(insns "$name")
            ab -q -n "$n" -c "$C" -s 60 "http://127.0.0.1:$port/$f" >"$OUT/$srv-$f.ab" 2>&1 || true
            sleep 0.2
            i1=$(insns "$name")
            r=$(awk '/^Requests per second/ { print $4 }' "$OUT/$srv-$f.ab")
            fails=$(awk '/^Failed requests/ { print $3 }' "$OUT/$srv-$f.ab")
            len=$(awk '/^Document Length/ { print $3 }' "$OUT/$srv-$f.ab")
            if [ -z "$r" ] || [ "${fails:-1}" != 0 ] || [ "$len" != "${SIZES[$i]}" ]; then
                log "$srv $f: ab failed or wrong length (see $OUT/$srv-$f.ab)"
                r=n/a
            fi
            RPS[$srv,$f]=$r
            IPR[$srv,$f]=n/a
            if [ "$r" != n/a ] && [ "$i1" -gt "$i0" ]; then IPR[$srv,$f]=$(((i1 - i0) / n)); fi
            log "$srv $f: $r requests/s, ${IPR[$srv,$f]} guest instructions each ($n requests, $C at a time)"
        done
    done
    stop
}

make -C "$ROOT" -s all >/dev/null
run_boot spinel 'httpd: listening' "spinel:80" -kernel "$ROOT/build/spinel.bin" \
    -initrd "$ROOT/build/initrd.cpio" -device isa-debug-exit,iobase=0xf4,iosize=0x04 -append ""
run_boot linux 'linux-httpd: listening' "busybox:80 lighttpd:81" -kernel "$VMLINUZ" \
    -initrd "$OUT/initramfs-net.gz" -append "console=ttyS0 quiet"

num() { [[ $1 =~ ^[0-9.]+$ ]]; }
echo "| file | Spinel httpd (req/s) | Linux busybox httpd (req/s) | Linux lighttpd (req/s) | Spinel / best Linux | instructions/request: Spinel | busybox | lighttpd |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for f in "${FILES[@]}"; do
    s=${RPS[spinel,$f]} b=${RPS[busybox,$f]} l=${RPS[lighttpd,$f]} best=n/a ratio=n/a
    num "$b" && best=$b
    if num "$l" && { [ "$best" = n/a ] || awk -v l="$l" -v b="$best" 'BEGIN { exit !(l > b) }'; }; then
        best=$l
    fi
    if num "$s" && num "$best"; then
        ratio=$(awk -v s="$s" -v l="$best" 'BEGIN { printf "%.2f", s / l }')
    fi
    echo "| $f | $s | $b | $l | $ratio | ${IPR[spinel,$f]} | ${IPR[busybox,$f]} | ${IPR[lighttpd,$f]} |"
done
echo
echo "$N requests per file ($((N / 10)) for 1m.bin), $C concurrent, one connection each (ab without -k);"
echo "QEMU TCG -cpu max, 1 CPU, virtio-net on user networking (slirp), host ports forwarded;"
echo "guest instructions counted by tools/bench/icount.c over each ab run, divided by its requests; $(date -u +%F)."
