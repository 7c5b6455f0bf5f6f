#!/bin/sh
# Puts Debian's dynamically linked lua5.4 and sqlite3 on make run's disk
# (issue 12, stage 2, at the console): the tree of tools/linux/dynroot.sh
# (usr/bin/lua5.4, usr/bin/sqlite3, the loader at lib64/, their libraries
# under lib/ and usr/lib/; not its test programs) is written into the
# disk's file system with the host tool dfsctl, where the programs find it
# when the disk is the root. A blank image is formatted first (mkfs, as
# the guest would at its first boot); an image that already holds
# usr/bin/sqlite3 is left alone, and so is one that is not blank but holds
# no file system dfsctl can mount (what make run wrote is never lost).
# Nothing of it goes into the boot image: the boot time and the memory
# file system stay as they were.
#   tools/linux/run-disk.sh IMAGE
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
img=$1
dfs=$B/diskfs
make -s -C lib/diskfs "$(pwd)/$dfs/mkfs" "$(pwd)/$dfs/fsck" "$(pwd)/$dfs/dfsctl" > /dev/null
if "$dfs/dfsctl" "$img" stat /usr/bin/sqlite3 > /dev/null 2>&1; then
    exit 0
fi
if [ -z "$(head -c 1048576 "$img" | tr -d '\0' | head -c 1)" ]; then
    "$dfs/mkfs" "$img" > /dev/null # (blank: formatted as the guest would)
elif ! "$dfs/dfsctl" "$img" stat / > /dev/null 2>&1; then
    echo "run-disk.sh: $img holds no file system dfsctl can mount: left alone (no lua5.4, sqlite3)" >&2
    exit 0
fi
root=$(tools/linux/dynroot.sh)
n=0
for d in $(cd "$root" && find lib lib64 usr -type d ! -path 'usr/local*' | LC_ALL=C sort); do
    "$dfs/dfsctl" "$img" mkdir "/$d" > /dev/null 2>&1 || true
done
for f in $(cd "$root" && find lib lib64 usr -type f ! -path 'usr/local/*' | LC_ALL=C sort); do
    "$dfs/dfsctl" "$img" put "$root/$f" "/$f" > /dev/null
    n=$((n + 1))
done
echo "run-disk.sh: lua5.4, sqlite3 and their libraries ($n files, $(du -sh --exclude=local "$root" | cut -f1)) put on $img"
