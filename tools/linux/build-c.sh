#!/bin/sh
# Builds the Linux test programs tests/linux/c/*.c twice, as static x86-64
# Linux executables: with musl-gcc -static (Debian's musl-tools) into
# build/linux/c/musl/ and with gcc -static (glibc) into build/linux/c/glibc/.
# Installs musl-tools if missing (tools/need.sh). Prints the output folder.
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
tools/need.sh musl-gcc:musl-tools >&2
out=$B/linux/c
mkdir -p "$out/musl" "$out/glibc"
flags="-std=gnu11 -O2 -Wall -Wextra -Werror -static"
for src in tests/linux/c/*.c; do
    n=$(basename "$src" .c)
    for cc in musl glibc; do
        bin=$out/$cc/$n
        if [ ! -e "$bin" ] || [ "$src" -nt "$bin" ] || [ tests/linux/c/common.h -nt "$bin" ]; then
            [ $cc = musl ] && c=musl-gcc || c=gcc
            echo "$c -static -o $bin $src" >&2
            $c $flags -o "$bin.tmp" "$src"
            strip "$bin.tmp"
            mv "$bin.tmp" "$bin"
        fi
    done
done
echo "$out"
