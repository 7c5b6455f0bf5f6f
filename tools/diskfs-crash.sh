#!/bin/bash
# Crash consistency of lib/diskfs in the guest, on the virtio disk:
#   tools/diskfs-crash.sh POINTS SEED "QEMU command without -append"
# A first boot runs the workload of t_diskfs (its crash mode, user/tests/diskfs_crash.h) to the end
# and says how many blocks it writes (W). Then, for each of POINTS crash
# points N drawn in 1..W: a boot runs the same workload and the kernel's
# crash point stops the machine at its N-th block write (blkcrash=0 allows
# the program to arm it); the host's fsck checks the image as left; a second
# boot checks it too, mounts it (replaying the journal) and checks that no
# record acknowledged by fsync is lost, that /config is a whole version, and
# that the file system still works. Prints "N passed, M failed".
points=$1
seed=$2
qemu=$3
img=build/diskfs-crash.img
log=build/diskfs-crash.log
fsck=build/diskfs/fsck
pass=0
fail=0

le32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }
param() { # mode crash_after seed a0 a1 a2 a3 config
    { printf 'DFSCRASH'; for v in "$@"; do le32 "$v"; done; } |
        dd of="$img" bs=4096 count=1 iflag=fullblock conv=notrunc,sync status=none
}
boot() { # log
    timeout --foreground -k 5 120 $qemu -append "init=t_diskfs blkcrash=0" < /dev/null > "$1" 2>&1
}

rm -f "$img"
truncate -s 32M "$img"
param 1 0 "$seed" 0 0 0 0 0
boot "$log"
st=$?
W=$(grep -ao 'done, [0-9]* block writes' "$log" | awk '{print $2}')
if [ $st != 1 ] || [ -z "$W" ] || [ "$W" -lt 10 ]; then
    echo "FAIL: diskfs-crash: the full run (status $st, ${W:-no} block writes); see $log"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "diskfs-crash: seed $seed: the workload writes $W blocks; $points crash points"
RANDOM=$seed
for p in $(seq 1 "$points"); do
    n=$(( (RANDOM * 32768 + RANDOM) % W + 1 ))
    param 1 "$n" "$seed" 0 0 0 0 0
    boot "$log.1"
    st=$?
    ack=$(grep -a '^ack ' "$log.1" | tail -n 1 | tr -d '\r')
    set -- ${ack:-ack 0 0 0 0 0}
    shift
    ok=1
    if [ $st != 7 ] || ! grep -aq 'blk: crash point' "$log.1"; then
        echo "FAIL: crash point $n: status $st, no crash; see $log.1"
        ok=0
    elif ! "$fsck" -q -o 1 "$img" > "$log.fsck" 2>&1; then
        echo "FAIL: crash point $n: host fsck:"
        cat "$log.fsck"
        ok=0
    else
        param 2 0 "$seed" "$1" "$2" "$3" "$4" "$5"
        boot "$log.2"
        st=$?
        if [ $st != 1 ] || ! grep -aq 'verify ok' "$log.2"; then
            echo "FAIL: crash point $n (acknowledged: $*): second boot status $st:"
            grep -a "t_diskfs" "$log.2" | head -5
            ok=0
        elif ! "$fsck" -q -o 1 "$img" > "$log.fsck" 2>&1; then
            echo "FAIL: crash point $n: host fsck after recovery:"
            cat "$log.fsck"
            ok=0
        fi
    fi
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
        cp "$log.1" "$log.last-crash"
    else
        fail=$((fail + 1))
        cp "$log.1" "$log.fail-$n.1" 2>/dev/null
        cp "$log.2" "$log.fail-$n.2" 2>/dev/null
    fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
