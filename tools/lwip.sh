#!/usr/bin/env bash
# tools/lwip.sh DIR - make sure DIR/lwip-2.1.3 holds lwIP's source, from
# Debian's lwip source package (lib/net builds it into the library OS).
# Adds a deb-src entry for the system's Debian mirror if there is none and
# runs apt-get update (as root; otherwise prints the commands to run), then
# `apt-get source --download-only lwip` and unpacks the upstream tarball.
# Nothing of lwIP is ever committed: it lives under build/.
set -euo pipefail
DIR=${1:?usage: lwip.sh DIR}
[ -f "$DIR/.unpacked" ] && exit 0
log() { echo "lwip: $*" >&2; }
mkdir -p "$DIR"
have_src() { apt-cache showsrc lwip 2>/dev/null | grep -q '^Package: lwip$'; }
if ! have_src; then
    if [ "$(id -u)" != 0 ]; then
        log "error: no deb-src entry for Debian; as root, add one and run:"
        log "  apt-get update && apt-get source --download-only lwip (in $DIR)"
        exit 1
    fi
    if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
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
    log "apt-get update (for the lwip source package)"
    apt-get update -qq >/dev/null || log "apt-get update failed"
fi
cd "$DIR"
if ! compgen -G 'lwip_*.orig.tar.*' >/dev/null; then
    log "apt-get source --download-only lwip"
    apt-get source -q --download-only -o APT::Sandbox::User=root lwip >/dev/null
fi
tarball=$(compgen -G 'lwip_*.orig.tar.*' | head -n 1)
[ -n "$tarball" ] || { log "error: no lwip source tarball"; exit 1; }
tar -xf "$tarball"
[ -d lwip-2.1.3/src/core ] || { log "error: $tarball has no lwip-2.1.3/src"; exit 1; }
touch .unpacked
log "unpacked $tarball in $DIR"
