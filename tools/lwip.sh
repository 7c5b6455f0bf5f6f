#!/usr/bin/env bash
# tools/lwip.sh DIR - make sure DIR/lwip-2.1.3 holds lwIP's source, from
# Debian's lwip source package (lib/net builds it into the library OS).
# tools/deb-src.sh makes the source package reachable (a deb-src entry),
# then `apt-get source --download-only lwip` and the upstream tarball is
# unpacked.
# Nothing of lwIP is ever committed: it lives under build/.
set -euo pipefail
DIR=${1:?usage: lwip.sh DIR}
[ -f "$DIR/.unpacked" ] && exit 0
log() { echo "lwip: $*" >&2; }
mkdir -p "$DIR"
"$(dirname "$0")"/deb-src.sh lwip
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
