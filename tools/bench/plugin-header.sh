#!/usr/bin/env bash
# tools/bench/plugin-header.sh CACHE - make sure CACHE/qemu-plugin.h exists:
# the TCG plugin API header of the installed QEMU, taken from Debian's qemu
# source package (Debian ships it in no binary package).  tools/deb-src.sh
# makes the source package reachable (a deb-src entry), then
# `apt-get source --download-only` fetches the source
# version of the installed qemu-system-x86 and extracts only
# include/qemu/qemu-plugin.h from the upstream tarball.  Nothing of QEMU is
# ever committed: the header lives in the cache (build/bench-cache).
set -euo pipefail
CACHE=${1:?usage: plugin-header.sh CACHE}
HDR=$CACHE/qemu-plugin.h
[ -s "$HDR" ] && exit 0
log() { echo "bench: $*" >&2; }
mkdir -p "$CACHE/qemu-src"

"$(dirname "$0")"/../deb-src.sh qemu
ver=$(dpkg-query -W -f='${source:Version}' qemu-system-x86 2>/dev/null || true)
cd "$CACHE/qemu-src"
if ! compgen -G '*.orig.tar.*' >/dev/null; then
    log "apt-get source --download-only qemu${ver:+=$ver}"
    apt-get source -q --download-only -o APT::Sandbox::User=root "qemu${ver:+=$ver}" >/dev/null ||
        apt-get source -q --download-only -o APT::Sandbox::User=root qemu >/dev/null
fi
tarball=$(compgen -G '*.orig.tar.*' | head -n 1)
[ -n "$tarball" ] || { echo "bench: error: no qemu source tarball" >&2; exit 1; }
member=$(tar -tf "$tarball" | grep '/include/qemu/qemu-plugin.h$' | head -n 1)
tar -xOf "$tarball" "$member" >"$HDR.tmp"
mv "$HDR.tmp" "$HDR"
log "extracted $member from $tarball"
