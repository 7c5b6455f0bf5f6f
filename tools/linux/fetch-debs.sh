#!/bin/sh
# Fetches Debian packages for the Linux personality (issue 12) and unpacks
# them, never into the repository: the .deb files are cached under
# build/linux/debs/ and each package is unpacked (dpkg -x) into its own root
# build/linux/pkg/NAME/. Idempotent: a package already unpacked is not
# fetched again (its version is in build/linux/pkg/NAME/.version).
#
#   tools/linux/fetch-debs.sh busybox-static        prints build/linux/pkg/busybox-static
#   tools/linux/fetch-debs.sh busybox-static sash   one root per line, in order
#   tools/linux/fetch-debs.sh --root DIR lua5.4 liblua5.4-0 ...
#                                                   unpacks them all into DIR, prints DIR
#   tools/linux/fetch-debs.sh --deps lua5.4         also every package it depends on
#                                                   (recursively; for stage 2's libraries)
#
# Paths printed are relative to the repository's top when run from there
# (B= overrides build/). Only stdout carries paths; messages go to stderr.
# When apt-get cannot download (no network, stale lists, not root for
# apt-get update), it prints the exact commands to run and fails.
set -eu

B=${B:-build}
debs=$B/linux/debs
roots=$B/linux/pkg
root=""
deps=0
while [ $# -gt 0 ]; do
    case $1 in
    --root) root=$2; shift 2 ;;
    --deps) deps=1; shift ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "fetch-debs.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: fetch-debs.sh [--root DIR] [--deps] PACKAGE..." >&2; exit 2; }

for tool in apt-get apt-cache dpkg dpkg-deb; do
    command -v $tool >/dev/null 2>&1 || {
        echo "fetch-debs.sh: $tool is missing: this needs a Debian (12, amd64) host" >&2
        exit 1
    }
done

mkdir -p "$debs" "$roots"
debs_abs=$(cd "$debs" && pwd)

# The packages, with their dependencies if asked: real packages only
# (apt-cache prints virtual ones in <angle brackets>), and none of Debian's
# Essential ones (dpkg, tar...: tools of a Debian system, not libraries a
# program loads), unless named.
pkgs="$*"
if [ $deps = 1 ]; then
    all=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances "$@" 2>/dev/null |
        awk '/^[a-z0-9]/ { print $1 }' | sort -u)
    [ -n "$all" ] || { echo "fetch-debs.sh: apt-cache knows none of: $* (run: apt-get update)" >&2; exit 1; }
    pkgs="$*"
    for p in $all; do
        case " $* " in *" $p "*) continue ;; esac
        apt-cache show --no-all-versions "$p" 2>/dev/null | grep -q '^Essential: yes' && continue
        pkgs="$pkgs $p"
    done
fi

# The .deb of package $1 in the cache, downloading it if needed; sets deb.
fetch() {
    deb=$(ls "$debs"/"$1"_*.deb 2>/dev/null | head -n 1 || true)
    [ -n "$deb" ] && return 0
    echo "fetch-debs.sh: apt-get download $1" >&2
    if ! (cd "$debs_abs" && apt-get download -q "$1" >&2); then
        if [ "$(id -u)" = 0 ]; then
            echo "fetch-debs.sh: apt-get update, then again" >&2
            apt-get update -q >&2 || true
            (cd "$debs_abs" && apt-get download -q "$1" >&2) || {
                echo "fetch-debs.sh: cannot download $1. Run:" >&2
                echo "  apt-get update && (cd $debs_abs && apt-get download $1)" >&2
                exit 1
            }
        else
            echo "fetch-debs.sh: cannot download $1. Run:" >&2
            echo "  sudo apt-get update && (cd $debs_abs && apt-get download $1)" >&2
            exit 1
        fi
    fi
    deb=$(ls "$debs"/"$1"_*.deb 2>/dev/null | head -n 1)
    [ -n "$deb" ] || { echo "fetch-debs.sh: apt-get download $1 left no .deb in $debs" >&2; exit 1; }
}

# Unpacks $2 (a .deb) into root $1 unless its stamp says it is there.
unpack() {
    ver=$(dpkg-deb -f "$2" Package Version | tr '\n' ' ')
    stamp=$1/.version-$(dpkg-deb -f "$2" Package)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$ver" ]; then
        return 0
    fi
    mkdir -p "$1"
    dpkg -x "$2" "$1"
    echo "$ver" > "$stamp"
}

if [ -n "$root" ]; then
    for p in $pkgs; do
        fetch "$p"
        unpack "$root" "$deb"
    done
    echo "$root"
else
    for p in $pkgs; do
        fetch "$p"
        unpack "$roots/$p" "$deb"
        echo "$roots/$p"
    done
fi
