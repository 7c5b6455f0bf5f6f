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
# Shell scripts (tests/linux/sh/NAME.sh) run under Debian's busybox-static with
# the environment cleared down to PATH=/bin HOME=/ TZ=UTC (busybox env -i,
# the same on both sides); C programs (tests/linux/c/NAME.c, built by
# tools/linux/build-c.sh with musl-gcc -static and gcc -static) run with an
# empty environment.
cd "$(dirname "$0")/../.." && export LC_ALL=C
status() {
    if [ -f "tests/linux/$1.status" ]; then cat "tests/linux/$1.status"; else echo -; fi
}
for f in tests/linux/sh/*.sh; do
    n=$(basename "$f" .sh)
    echo "sh/$n sh/$n $(status sh/$n) /bin/busybox env -i PATH=/bin HOME=/ TZ=UTC /bin/busybox sh /tests/linux/sh/$n.sh"
done
for f in tests/linux/c/*.c; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .c)
    for libc in musl glibc; do
        echo "c/$libc/$n c/$n.$libc $(status c/$n.$libc) /bin/linux-corpus/c/$libc/$n"
    done
done
