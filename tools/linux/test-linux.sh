#!/bin/bash
# make test-linux: boots Spinel with build/initrd-linux.cpio, whose kernel
# test manifest runs t_ext (for the kernel's final checks) and
# user/linuxtests/linuxtests (the Linux test corpus), and reports: every case's
# PASS/FAIL line is in the log, then the runner's "linux: N passed, M
# failed". Exits 0 only if every case of the image's manifest passed and the
# kernel's run passed (QEMU status 1). LINUX_TIMEOUT (seconds, 3600 by
# default) bounds the whole boot.
qemu_cmd=$1
log=build/test-linux.log
limit=${LINUX_TIMEOUT:-3600}
ncases=$(grep -c . build/initrd-linux/linux-corpus/manifest)
echo "test-linux: booting Spinel with $ncases Linux cases (log in $log, limit ${limit}s)"
timeout --foreground -k 5 "$limit" $qemu_cmd < /dev/null 2> build/test-linux.err |
    tee "$log" | grep -a --line-buffered -E '^(PASS|FAIL) linux/|^    |^linux: |^linuxtests:'
status=${PIPESTATUS[0]}
summary=$(grep -aE '^linux: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
npass=$(grep -acE '^PASS linux/' "$log")
nfail=$(grep -acE '^FAIL linux/' "$log")
if [ -s build/test-linux.err ]; then
    echo "test-linux: QEMU wrote to stderr:"
    sed 's/^/  /' build/test-linux.err
fi
grep -aE '^FAIL ' "$log" | grep -av '^FAIL linux/' | sed 's/^/test-linux: (kernel run) /'
echo "test-linux: QEMU status $status; $npass of $ncases cases passed, $nfail failed, $((ncases - npass - nfail)) never reported"
echo "$npass passed, $((ncases - npass)) failed"
[ -n "$summary" ] && [ "$ncases" -gt 0 ] && [ "$npass" = "$ncases" ] && [ "$status" = 1 ] && [ ! -s build/test-linux.err ]
