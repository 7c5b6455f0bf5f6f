#!/bin/bash
# The host tools on an image file: mkfs, dfsctl (put, ls, cat, mv, rm,
# mkdir), fsck on clean and damaged images.  Prints "N passed, M failed".
B=$1
img=$B/tools-test.img
pass=0
fail=0
ok() { # what, command...
    local what=$1
    shift
    if "$@" > "$B/tools-test.out" 2>&1; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $what"
        cat "$B/tools-test.out"
    fi
}
not() { ! "$@"; }

rm -f "$img"
ok "mkfs" "$B/mkfs" -s 32M "$img"
ok "fsck of a new image" "$B/fsck" -q "$img"
head -c 300000 /dev/urandom > "$B/tools-test.data"
ok "mkdir" "$B/dfsctl" "$img" mkdir /dir
ok "put" "$B/dfsctl" "$img" put "$B/tools-test.data" /dir/data
ok "cat" bash -c "'$B/dfsctl' '$img' cat /dir/data | cmp - '$B/tools-test.data'"
ok "ls" bash -c "'$B/dfsctl' '$img' ls /dir | grep -q ' 300000 data\$'"
chmod 644 "$B/tools-test.data"
ok "put keeps the permission bits (644)" bash -c "'$B/dfsctl' '$img' ls /dir | grep -q '^100644 .* data\$'"
cp "$B/tools-test.data" "$B/tools-test.exe" && chmod 755 "$B/tools-test.exe"
ok "put keeps the permission bits (755)" bash -c "'$B/dfsctl' '$img' put '$B/tools-test.exe' /dir/exe && '$B/dfsctl' '$img' ls /dir | grep -q '^100755 .* exe\$'"
ok "rm" "$B/dfsctl" "$img" rm /dir/exe
ok "mv" "$B/dfsctl" "$img" mv /dir/data /moved
ok "cat after mv" bash -c "'$B/dfsctl' '$img' cat /moved | cmp - '$B/tools-test.data'"
ok "fsck after changes" "$B/fsck" -q "$img"
ok "rm" "$B/dfsctl" "$img" rm /moved
ok "cat of a removed file fails" not "$B/dfsctl" "$img" cat /moved
ok "fsck after rm" "$B/fsck" -q "$img"
# Damage: clear the block bitmap; fsck must say so and exit 1.
ok "put again" "$B/dfsctl" "$img" put "$B/tools-test.data" /again
bb=$(od -An -tu4 -j 40 -N4 "$img" | tr -d ' ')
dd if=/dev/zero of="$img" bs=4096 seek="$bb" count=1 conv=notrunc status=none
"$B/fsck" "$img" > "$B/tools-test.out" 2>&1
st=$?
if [ $st = 1 ] && grep -q "block bitmap" "$B/tools-test.out"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL: fsck of a damaged image: status $st"
    cat "$B/tools-test.out"
fi
ok "fsck of a missing image fails" not "$B/fsck" -q "$B/no-such-image"
ok "mkfs of a too small image fails" not "$B/mkfs" -s 64K "$B/tools-test-small.img"
rm -f "$img" "$B/tools-test-small.img" "$B/tools-test.data" "$B/tools-test.out"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
