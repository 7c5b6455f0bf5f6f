#!/usr/bin/env bash
# tools/bench/plugin-header.sh CACHE - make sure CACHE/qemu-plugin.h exists:
# the TCG plugin API header of the installed QEMU, taken from Debian's qemu
# source package (Debian ships it in no binary package).  Adds a deb-src
# entry for the same mirror and suites as the system's deb entry if there is
# none, runs apt-get update, `apt-get source --download-only` the source
# version of the installed qemu-system-x86 and extracts only
# include/qemu/qemu-plugin.h from the upstream tarball.  Nothing of QEMU is
# ever committed: the header lives in the cache (build/bench-cache).
set -euo pipefail
CACHE=${1:?usage: plugin-header.sh CACHE}
HDR=$CACHE/qemu-plugin.h
[ -s "$HDR" ] && exit 0
log() { echo "bench: $*" >&2; }
mkdir -p "$CACHE/qemu-src"

have_src() { apt-cache showsrc qemu 2>/dev/null | grep -q '^Package: qemu$'; }
if ! have_src; then
    if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        # Copy the first deb822 stanza (or deb line) for the Debian mirror as deb-src.
        src=/etc/apt/sources.list.d/debian.sources
        if [ -f "$src" ]; then
            log "adding a deb-src entry (/etc/apt/sources.list.d/spinel-bench-src.sources)"
            awk 'BEGIN { RS = ""; ORS = "\n\n" }
                 /URIs:[^\n]*debian\/?($|\n)/ && !done { sub(/Types: deb/, "Types: deb-src"); print; done = 1 }' \
                "$src" >/etc/apt/sources.list.d/spinel-bench-src.sources
        else
            log "adding a deb-src line (/etc/apt/sources.list.d/spinel-bench-src.list)"
            awk '$1 == "deb" && $2 ~ /debian\/?$/ { $1 = "deb-src"; print; exit }' \
                /etc/apt/sources.list >/etc/apt/sources.list.d/spinel-bench-src.list
        fi
    fi
    log "apt-get update (for the qemu source package)"
    apt-get update -qq >/dev/null || log "apt-get update failed"
fi
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
