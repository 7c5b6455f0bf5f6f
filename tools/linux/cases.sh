#!/bin/sh
# The Linux test corpus's manifest (issue 12), one case a line:
#   NAME EXPECTED STATUS ARGV...
# NAME names the case; EXPECTED is the path, below tests/linux/ here and below
# /bin/linux-corpus/ in the boot image, of its recorded EXPECTED.out (stdout
# and stderr together); STATUS is the recorded exit status (from
# tests/linux/EXPECTED.status; - if not recorded yet); ARGV is the command,
# with the paths it has both on Spinel and in tools/linux/record.sh's chroot.
# No argument holds a space.
#
# Groups (all by default; name some to list only those):
#   sh    tests/linux/sh/NAME.sh, run by Debian's busybox-static (sh);
#   bash  tests/linux/bash/NAME.sh, run by Debian's bash-static;
#   sash  tests/linux/sash/NAME.sash, run by Debian's sash (sash -f);
#   c     tests/linux/c/NAME.c, built by tools/linux/build-c.sh with
#         musl-gcc -static and gcc -static, run with an empty environment;
#   dyn   dynamically linked programs (stage 2), in the root that
#         tools/linux/dynroot.sh lays out: tests/linux/dyn/NAME.lua run by
#         Debian's /usr/bin/lua5.4, NAME.sh by busybox sh (sqlite3 ...),
#         NAME.c built there with gcc (dynamic, PIE) as /usr/local/bin/NAME.
# The shells run with the environment cleared down to PATH=/bin HOME=/ TZ=UTC
# by busybox env -i, the same on both sides.
cd "$(dirname "$0")/../.." && export LC_ALL=C
groups=${*:-sh bash sash c dyn}
env="/bin/busybox env -i PATH=/bin HOME=/ TZ=UTC"
status() {
    if [ -f "tests/linux/$1.status" ]; then cat "tests/linux/$1.status"; else echo -; fi
}
for g in $groups; do
    case $g in
    sh | bash)
        shell=/bin/busybox\ sh
        [ $g = bash ] && shell=/bin/bash-static
        for f in tests/linux/$g/*.sh; do
            [ -e "$f" ] || continue
            n=$(basename "$f" .sh)
            echo "$g/$n $g/$n $(status $g/$n) $env $shell /tests/linux/$g/$n.sh"
        done
        ;;
    sash)
        for f in tests/linux/sash/*.sash; do
            [ -e "$f" ] || continue
            n=$(basename "$f" .sash)
            echo "sash/$n sash/$n $(status sash/$n) $env /bin/sash -f /tests/linux/sash/$n.sash"
        done
        ;;
    c)
        for f in tests/linux/c/*.c; do
            [ -e "$f" ] || continue
            n=$(basename "$f" .c)
            for libc in musl glibc; do
                echo "c/$libc/$n c/$n.$libc $(status c/$n.$libc) /bin/linux-corpus/c/$libc/$n"
            done
        done
        ;;
    dyn)
        for f in tests/linux/dyn/*.lua tests/linux/dyn/*.sh tests/linux/dyn/*.c; do
            [ -e "$f" ] || continue
            n=$(basename "$f") && n=${n%.*}
            case $f in
            *.lua) argv="/usr/bin/lua5.4 /tests/linux/dyn/$n.lua" ;;
            *.sh) argv="/bin/busybox sh /tests/linux/dyn/$n.sh" ;;
            *.c) argv="/usr/local/bin/$n" ;;
            esac
            echo "dyn/$n dyn/$n $(status dyn/$n) $env $argv"
        done
        ;;
    *) echo "cases.sh: no group $g (sh bash sash c dyn)" >&2; exit 2 ;;
    esac
done
