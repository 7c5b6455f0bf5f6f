#!/bin/sh
# Records the expected results of the Linux test corpus (issue 12) by running
# every case of tools/linux/cases.sh on this Linux host, with the same Debian
# binaries Spinel runs, in a chroot laid out as Spinel's file system is for
# the in-guest runner (user/linux_tests.c):
#   /bin/busybox and one symbolic link to it per applet (PATH=/bin holds
#   nothing else), /bin/bash-static, /bin/sash, /dev/null, /dev/zero, an
#   empty /tmp, the scripts in /tests/linux/{sh,bash,sash}/, the C programs
#   in /bin/linux-corpus/c/{musl,glibc}/; no /proc, no /etc; for group
#   dyn, the tree of tools/linux/dynroot.sh (lua5.4, sqlite3, their
#   libraries and the loader where Debian puts them, no ld.so.cache) and
#   the scripts in /tests/linux/dyn/.
# Each case runs as the runner runs it: cwd /, stdin /dev/null, stdout and
# stderr into one pipe, umask 022, the environment cleared (env -i).
# Writes tests/linux/EXPECTED.out and .status, or with --check compares them
# with what is there and fails on a difference (make test's sanity check).
#   tools/linux/record.sh [--check] [--only "GROUP..."] [NAME...]
# (groups: sh bash sash c dyn, as in tools/linux/cases.sh; NAME: group/name or name)
# Needs root (chroot, mknod) and a Debian host (tools/linux/fetch-debs.sh).
set -eu
cd "$(dirname "$0")/../.."
export LC_ALL=C
B=${B:-build}
check=0
only=""
while [ $# -gt 0 ]; do
    case $1 in
    --check) check=1; shift ;;
    --only) only=$2; shift 2 ;;
    *) break ;;
    esac
done
if [ "$(id -u)" != 0 ]; then
    echo "record.sh: needs root (chroot and mknod). Run: sudo $0 $*" >&2
    exit 1
fi

chroot=$(command -v chroot) && timeout=$(command -v timeout) || {
    echo "record.sh: needs chroot and timeout (coreutils)" >&2
    exit 1
}
bbroot=$(tools/linux/fetch-debs.sh busybox-static)
root=$B/linux/recroot
rm -rf "$root"
mkdir -p "$root/bin" "$root/dev" "$root/tmp" "$root/tests/linux/sh" "$root/bin/linux-corpus/c"
chmod 1777 "$root/tmp"
cp "$bbroot/bin/busybox" "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
    [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
mknod -m 666 "$root/dev/null" c 1 3
mknod -m 666 "$root/dev/zero" c 1 5
cp tests/linux/sh/*.sh "$root/tests/linux/sh/"
# Whether group $1 is recorded (--only "sh bash": those).
want() { [ -z "$only" ] || case " $only " in *" $1 "*) true ;; *) false ;; esac; }
if want bash; then
    cp "$(tools/linux/fetch-debs.sh bash-static)/bin/bash-static" "$root/bin/"
    mkdir -p "$root/tests/linux/bash" && cp tests/linux/bash/*.sh "$root/tests/linux/bash/"
fi
if want sash; then
    cp "$(tools/linux/fetch-debs.sh sash)/bin/sash" "$root/bin/"
    mkdir -p "$root/tests/linux/sash" && cp tests/linux/sash/*.sash "$root/tests/linux/sash/"
fi
if want dyn; then
    dyn=$(tools/linux/dynroot.sh) || { echo "record.sh: tools/linux/dynroot.sh failed" >&2; exit 1; }
    cp -a "$dyn/." "$root/"
    mkdir -p "$root/tests/linux/dyn"
    for f in tests/linux/dyn/*.lua tests/linux/dyn/*.sh; do
        [ -e "$f" ] && cp "$f" "$root/tests/linux/dyn/"
    done
fi
if want c && ls tests/linux/c/*.c > /dev/null 2>&1; then
    tools/linux/build-c.sh > /dev/null
    cp -r "$B/linux/c/musl" "$B/linux/c/glibc" "$root/bin/linux-corpus/c/"
fi

umask 022
tmp=$B/linux/rec.$$
mkdir -p "$tmp"
n=0 bad=0
tools/linux/cases.sh $only > "$tmp/cases"
while read -r name exp _ argv; do
    if [ $# -gt 0 ]; then
        case " $* " in *" ${name#*/} "* | *" $name "*) ;; *) continue ;; esac
    fi
    # shellcheck disable=SC2086 # (argv: words without spaces)
    set +e
    { env -i "$timeout" 120 "$chroot" "$root" $argv < /dev/null 2>&1; echo $? > "$tmp/st"; } | cat > "$tmp/out"
    set -e
    st=$(cat "$tmp/st")
    echo "$st" > "$tmp/status"
    if [ -n "$(ls -A "$root/tmp")" ]; then
        echo "record.sh: $name left files in /tmp: $(ls -A "$root/tmp" | tr '\n' ' ')" >&2
        rm -rf "$root/tmp/"* "$root/tmp/".[!.]* 2>/dev/null || true
        bad=$((bad + 1))
    fi
    if [ "$st" = 124 ]; then
        echo "record.sh: $name timed out" >&2
        bad=$((bad + 1))
    fi
    n=$((n + 1))
    if [ $check = 1 ]; then
        if ! cmp -s "$tmp/out" "tests/linux/$exp.out" || ! cmp -s "$tmp/status" "tests/linux/$exp.status"; then
            echo "record.sh: $name differs from its recording:" >&2
            diff "tests/linux/$exp.out" "$tmp/out" | head -n 10 >&2 || true
            echo "status: recorded $(cat "tests/linux/$exp.status" 2>/dev/null), now $st" >&2
            bad=$((bad + 1))
        fi
    else
        cp "$tmp/out" "tests/linux/$exp.out"
        cp "$tmp/status" "tests/linux/$exp.status"
    fi
done < "$tmp/cases"
rm -rf "$tmp"
if [ $check = 1 ]; then
    echo "$((n - bad)) passed, $bad failed"
else
    echo "record.sh: recorded $n cases ($bad problems)"
fi
[ $bad = 0 ]
