#!/bin/sh
# Lays out the root of the dynamically linked Linux programs (issue 12,
# stage 2) that the Linux test corpus's group dyn runs: Debian's lua5.4 and
# sqlite3 (usr/bin/), the dynamic loader at its PT_INTERP path
# (lib64/ld-linux-x86-64.so.2) and every shared library the programs need
# (DT_NEEDED, recursively) where Debian 12 puts it (lib/x86_64-linux-gnu/
# or usr/lib/x86_64-linux-gnu/), from libc6 and the programs' packages,
# fetched by tools/linux/fetch-debs.sh. Symbolic links are resolved (each
# library is a plain file under its soname: the boot image's import skips
# links); no etc/ld.so.cache (the loader then searches its default
# directories). The same tree is / in tools/linux/record.sh's chroot and is
# moved to / on Spinel by the personality (lib/linux, lx_files_init).
# The group's C programs, tests/linux/dyn/*.c, are built here with the
# host's gcc, dynamically linked (gcc's default, PIE), into usr/local/bin/.
#   tools/linux/dynroot.sh        prints the root (build/linux/dynroot)
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
pkgs="libc6 lua5.4 libreadline8 libtinfo6 sqlite3 libsqlite3-0 zlib1g"
src=$(tools/linux/fetch-debs.sh --root "$B/linux/dynpkg" $pkgs)
root=$B/linux/dynroot
rm -rf "$root"
mkdir -p "$root/usr/bin" "$root/lib64" "$root/lib/x86_64-linux-gnu" "$root/usr/lib/x86_64-linux-gnu"
cp -L "$src/usr/bin/lua5.4" "$src/usr/bin/sqlite3" "$root/usr/bin/"
cp -L "$src/lib64/ld-linux-x86-64.so.2" "$root/lib64/"
mkdir -p "$B/linux/dyn" "$root/usr/local/bin"
for c in tests/linux/dyn/*.c; do
    [ -e "$c" ] || continue
    bin=$B/linux/dyn/$(basename "$c" .c)
    if [ ! -e "$bin" ] || [ "$c" -nt "$bin" ]; then
        echo "gcc -o $bin $c" >&2
        gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$bin.tmp" "$c"
        strip "$bin.tmp" && mv "$bin.tmp" "$bin"
    fi
    cp "$bin" "$root/usr/local/bin/"
done
# The libraries a set of ELF files needs, by soname.
needed() { for f in "$@"; do readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; done | sort -u; }
todo=$(needed "$root"/usr/bin/* "$root"/usr/local/bin/*)
done_=""
while [ -n "$todo" ]; do
    next=""
    for so in $todo; do
        case " $done_ " in *" $so "*) continue ;; esac
        done_="$done_ $so"
        [ "$so" = ld-linux-x86-64.so.2 ] && continue # (the loader itself)
        found=""
        for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
            if [ -e "$src/$d/$so" ]; then
                cp -L "$src/$d/$so" "$root/$d/$so"
                found=$root/$d/$so
                break
            fi
        done
        [ -n "$found" ] || { echo "dynroot.sh: $so is in none of: $pkgs" >&2; exit 1; }
        next="$next $(needed "$found")"
    done
    todo=$next
done
echo "$root"
