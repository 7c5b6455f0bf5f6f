#!/usr/bin/env bash
# tools/deb-src.sh PKG - make sure `apt-get source PKG` can work: when apt
# knows no source package PKG, add a deb-src entry for the system's Debian
# mirror (a copy of its first deb822 stanza or deb line, in
# /etc/apt/sources.list.d/spinel-bench-src.*) if there is none, and run
# apt-get update. Needs root for that; otherwise prints the commands to run
# and fails. Used by tools/lwip.sh and tools/bench/plugin-header.sh.
set -euo pipefail
PKG=${1:?usage: deb-src.sh PKG}
log() { echo "deb-src: $*" >&2; }
apt-cache showsrc "$PKG" 2>/dev/null | grep -q "^Package: $PKG\$" && exit 0
if [ "$(id -u)" != 0 ]; then
    log "error: no deb-src entry for Debian; as root, add one and run:"
    log "  apt-get update && apt-get source --download-only $PKG"
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
log "apt-get update (for the $PKG source package)"
apt-get update -qq >/dev/null || log "apt-get update failed"
