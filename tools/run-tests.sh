#!/bin/bash
# Runs the in-guest test suite and turns QEMU's exit status into ours. The
# kernel ends the run through isa-debug-exit, so QEMU exits with 1 when every
# test passed, 3 when some failed, 5 when the kernel panicked; anything else
# (a reset, or a hang killed by the timeout) is a failure too.
qemu_cmd=$1
log=build/test.log

# 1. The extension library's host unit tests (plain and under ASan+UBSan).
echo "make test: host unit tests of the extension library (ext/)"
make -s -C ext test > build/test-ext.log 2>&1
ext_status=$?
tail -n 3 build/test-ext.log
ext_line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' build/test-ext.log | tail -n 1)
ext_pass=${ext_line%% passed*}
ext_fail=${ext_line#*passed, }
ext_fail=${ext_fail%% failed*}
if [ $ext_status != 0 ] || [ -z "$ext_line" ]; then
    echo "make test: FAILED (ext host tests; see build/test-ext.log)"
    exit 1
fi

# The kernel-call reference must match the table it is generated from.
awk -v out=doc -f tools/kcalls.awk kernel/kcalls.tbl > build/kernel-calls.md
if ! cmp -s build/kernel-calls.md docs/kernel-calls.md; then
    echo "make test: FAILED (docs/kernel-calls.md is stale: run make docs)"
    exit 1
fi

# 2. The Unix library OS's file system, on the host.
echo "make test: host unit tests of the Unix file system (lib/unix/fs)"
make -s -C lib/unix/fs test > build/test-fs.log 2>&1
fs_status=$?
tail -n 1 build/test-fs.log
fs_line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' build/test-fs.log | tail -n 1)
fs_pass=${fs_line%% passed*}
if [ $fs_status != 0 ] || [ -z "$fs_line" ]; then
    echo "make test: FAILED (fs host tests; see build/test-fs.log)"
    exit 1
fi

# 3. The in-guest suite.
limit=${TEST_TIMEOUT:-600}
echo "make test: booting the test kernel (log in $log, limit ${limit}s)"
timeout --foreground -k 5 "$limit" $qemu_cmd < /dev/null | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
# The panic report: a deliberate kernel fault must end the machine with the
# panic status, the registers and a backtrace with symbol names.
check_panic() {
    local plog=build/test-panic.log
    timeout --foreground -k 5 60 ${qemu_cmd/-append test/-append panic-test} < /dev/null > "$plog"
    local pstatus=$?
    if [ $pstatus = 5 ] && grep -aq 'KERNEL PANIC' "$plog" && grep -aq 'rip ffffffff8' "$plog" &&
        grep -aq 'panic_selftest+0x' "$plog" && grep -aq 'kmain+0x' "$plog"; then
        echo "PASS host/panic-report: registers and symbolized backtrace (see $plog)"
        return 0
    fi
    echo "FAIL host/panic-report: status $pstatus; see $plog"
    return 1
}

# A kernel stack overflow: the guard page below the stack must turn it into a
# panic naming it (through the double-fault stack), with a symbolized
# backtrace, not a silent corruption or a reset.
check_stack_overflow() {
    local plog=build/test-stack-overflow.log
    timeout --foreground -k 5 60 ${qemu_cmd/-append test/-append stack-overflow-test} < /dev/null > "$plog"
    local pstatus=$?
    if [ $pstatus = 5 ] && grep -aq 'KERNEL PANIC.*kernel stack overflow' "$plog" &&
        grep -aq 'stack_overflow_selftest.*+0x' "$plog"; then
        echo "PASS host/stack-overflow: guard page, panic on the double-fault stack (see $plog)"
        return 0
    fi
    echo "FAIL host/stack-overflow: status $pstatus; see $plog"
    return 1
}

# A machine check while a user program runs is the machine's error, not the
# program's: injected through QEMU's monitor (on a pair of FIFOs), it must
# end in the kernel's panic, not in an upcall or a reset.
check_machine_check() {
    local plog=build/test-mce.log mon=build/test-mce-mon
    rm -f $mon.in $mon.out && mkfifo $mon.in $mon.out || return 1
    timeout --foreground -k 5 60 ${qemu_cmd/-append test/-append mce-test} \
        -monitor pipe:$mon < /dev/null > "$plog" &
    local qpid=$!
    cat $mon.out > /dev/null &
    local cpid=$!
    for _ in $(seq 1 300); do
        grep -aq 'mce-test: ready' "$plog" && break
        sleep 0.1
    done
    sleep 1 # t_spin is running by then (it spins for up to 60 s)
    # bank 0: valid, uncorrected, enabled, context corrupt; MCG_STATUS: MCIP, EIPV
    timeout 5 sh -c "echo 'mce 0 0 0xb200000000000000 0x6 0 0' > $mon.in" # QEMU may be gone
    wait $qpid
    local pstatus=$?
    kill $cpid 2> /dev/null
    rm -f $mon.in $mon.out
    if [ $pstatus = 5 ] && grep -aq 'KERNEL PANIC.*machine check (#MC) in user mode' "$plog"; then
        echo "PASS host/machine-check: #MC in user mode is a kernel panic (see $plog)"
        return 0
    fi
    echo "FAIL host/machine-check: status $pstatus; see $plog"
    return 1
}

case $status in
1) check_panic || { echo "make test: FAILED (panic report)"; exit 1; }
   check_stack_overflow || { echo "make test: FAILED (kernel stack overflow report)"; exit 1; }
   check_machine_check || { echo "make test: FAILED (machine check)"; exit 1; }
   guest_pass=${summary%% passed*}
   echo "make test: OK (ext host: $ext_line; fs host: $fs_line; in guest: $summary; panic report: 1 passed; stack overflow report: 1 passed; machine check: 1 passed)"
   echo "total: $((ext_pass + fs_pass + guest_pass + 3)) passed, $ext_fail failed"
   exit 0 ;;
3) echo "make test: FAILED ($summary)" ;;
5) echo "make test: FAILED (kernel panic)" ;;
124|137) echo "make test: FAILED (timed out after ${limit}s)" ;;
*) echo "make test: FAILED (QEMU exit status $status: reset or crash)" ;;
esac
exit 1
