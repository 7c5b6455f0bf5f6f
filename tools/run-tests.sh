#!/bin/bash
# make test: the host unit tests, then the in-guest test suite under QEMU.
# Strict: the run passes only if every part ran and passed in full:
#   - each host part's test programs (plain and ASan+UBSan builds) print
#     "N passed, M failed"; all their lines are counted;
#   - QEMU starts (nothing on its stderr: a bad option or a missing file is
#     an error, not a pass) and the kernel ends the run through
#     isa-debug-exit: status 1 when every test passed, 3 when some failed,
#     5 on a kernel panic; anything else (a reset, a hang killed by the
#     timeout) is a failure;
#   - the kernel announces its plan ("test: plan N: ...") before running
#     anything; the summary must say N passed, 0 failed; every program listed
#     in user/tests.manifest (each at most once) must have its own PASS line.
# Then boots that must panic: the panic report, a kernel stack overflow, a
# machine check in user mode.
# The output always ends with "total: N passed, M failed" (every part's
# counts; a part that could not say how many it ran counts as one failure).
qemu_cmd=$1
log=build/test.log
manifest=user/tests.manifest
total_pass=0
total_fail=0
failed_parts=""

fail_part() { # what
    failed_parts="$failed_parts; $1"
    echo "make test: FAILED: $1"
}

# Adds up every "N passed, M failed" line of a log; sets sum_pass, sum_fail
# and sum_lines.
sum_counts() {
    sum_pass=0 sum_fail=0 sum_lines=0
    while read -r p _ f _; do
        sum_pass=$((sum_pass + p))
        sum_fail=$((sum_fail + f))
        sum_lines=$((sum_lines + 1))
    done < <(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$1")
}

# A host part: `make -C dir test`, whose programs (plain and sanitized
# builds: `runs` of them) each end with a summary line.
host_part() { # name dir runs
    local name=$1 dir=$2 runs=$3 hlog=build/test-$1.log
    echo "make test: host unit tests ($dir)"
    make -s -C "$dir" test > "$hlog" 2>&1
    local st=$?
    sum_counts "$hlog"
    grep -aE '^[0-9]+ passed, [0-9]+ failed' "$hlog" | sed "s/^/  $name: /"
    total_pass=$((total_pass + sum_pass))
    total_fail=$((total_fail + sum_fail))
    if [ $st != 0 ] || [ $sum_fail != 0 ] || [ $sum_lines != "$runs" ]; then
        [ $sum_fail = 0 ] && total_fail=$((total_fail + 1))
        fail_part "$name host tests (status $st, $sum_lines of $runs summaries, $sum_fail failed; see $hlog)"
    fi
}

mkdir -p build
# 1. The extension library's host unit tests (plain and under ASan+UBSan).
host_part ext ext 2

# The kernel-call reference must match the table it is generated from.
awk -v out=doc -f tools/kcalls.awk kernel/kcalls.tbl > build/kernel-calls.md
if cmp -s build/kernel-calls.md docs/kernel-calls.md; then
    total_pass=$((total_pass + 1))
else
    total_fail=$((total_fail + 1))
    fail_part "docs/kernel-calls.md is stale: run make docs"
fi

# 2. The Unix library OS's file system, on the host (plain and ASan+UBSan).
host_part fs lib/unix/fs 2
# The disk file system (lib/diskfs): plain and ASan+UBSan builds (each with a
# short crash run), and its host tools (mkfs, fsck, dfsctl).
host_part diskfs lib/diskfs 3

# 2b. libblk's host backend (plain and ASan+UBSan).
host_part blk lib/blk 2
# 2c. lib/net's checksums (csum.c), plain and ASan+UBSan.
host_part net lib/net 2
# 2c. The barriers and the litmus tests on the host's CPUs (plain and ASan+UBSan).
host_part barrier lib/barrier 4

# The Linux test corpus (tests/linux, docs/testing.md): the shells' recorded
# results match a fresh recording with Debian's busybox on this host (a few
# seconds; the corpus itself runs under Spinel in make test-linux).
echo "make test: Linux corpus recordings (tools/linux/record.sh --check --only 'sh bash sash dyn')"
rlog=build/test-linux-record.log
tools/linux/record.sh --check --only "sh bash sash dyn" > "$rlog" 2>&1
rstatus=$?
sum_counts "$rlog"
grep -aE '^[0-9]+ passed, [0-9]+ failed' "$rlog" | sed "s/^/  linux-record: /"
total_pass=$((total_pass + sum_pass))
total_fail=$((total_fail + sum_fail))
if [ $rstatus != 0 ] || [ $sum_fail != 0 ] || [ $sum_lines != 1 ]; then
    [ $sum_fail = 0 ] && total_fail=$((total_fail + 1))
    fail_part "Linux corpus recordings (status $rstatus, $sum_fail differ; see $rlog)"
fi

# 3. The in-guest suite.
# The programs the manifest lists: each must run once and pass.
names=$(awk '!/^[ \t]*(#|$)/ && NF >= 2 { print $1 }' "$manifest")
nlisted=$(echo "$names" | grep -c .)
dups=$(echo "$names" | sort | uniq -d | tr '\n' ' ')
if [ -n "$dups" ]; then
    total_fail=$((total_fail + 1))
    fail_part "$manifest lists $dups more than once"
fi

limit=${TEST_TIMEOUT:-600}
qerr=build/test-qemu.err
echo "make test: booting the test kernel (log in $log, limit ${limit}s)"
timeout --foreground -k 5 "$limit" $qemu_cmd < /dev/null 2> "$qerr" | tee "$log"
status=${PIPESTATUS[0]}

# QEMU's own complaints (bad option, missing kernel or initrd, ...): QEMU
# then exits with 1 too, the status of a passing run, so look at stderr.
if [ -s "$qerr" ]; then
    echo "make test: QEMU wrote to stderr:"
    sed 's/^/  /' "$qerr"
    total_fail=$((total_fail + 1))
    fail_part "QEMU reported errors (see $qerr)"
fi

plan_line=$(grep -aE '^test: plan [0-9]+: [0-9]+ kernel unit tests, [0-9]+ user programs, [0-9]+ final checks' "$log" | head -n 1)
summary=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
if [ -z "$plan_line" ] || [ -z "$summary" ]; then
    total_fail=$((total_fail + 1))
    fail_part "the guest gave no plan or no summary (QEMU status $status)"
else
    read -r plan nunit nuser nfinal < <(echo "$plan_line" |
        sed -E 's/^test: plan ([0-9]+): ([0-9]+) kernel unit tests, ([0-9]+) user programs, ([0-9]+) final checks.*/\1 \2 \3 \4/')
    gpass=${summary%% passed*}
    gfail=${summary#*passed, }
    gfail=${gfail%% failed*}
    total_pass=$((total_pass + gpass))
    total_fail=$((total_fail + gfail))
    ran=$((gpass + gfail))
    if [ "$ran" -lt "$plan" ]; then
        total_fail=$((total_fail + plan - ran))
        fail_part "only $ran of the $plan planned tests reported"
    fi
    [ "$gfail" = 0 ] || fail_part "in guest: $summary"
    if [ "$nuser" != "$nlisted" ]; then
        total_fail=$((total_fail + 1))
        fail_part "the kernel planned $nuser user programs, $manifest lists $nlisted"
    fi
    nkernel=$(grep -acE '^(PASS|FAIL) kernel/' "$log")
    if [ "$nkernel" != $((nunit + nfinal)) ]; then
        total_fail=$((total_fail + 1))
        fail_part "$nkernel kernel verdicts, $((nunit + nfinal)) planned"
    fi
    missing=""
    for n in $names; do
        grep -aq "^PASS user/$n: " "$log" || missing="$missing $n"
    done
    if [ -n "$missing" ]; then
        # (Those that printed FAIL are counted already.)
        fail_part "no PASS line for:$missing"
    fi
fi
case $status in
1) ;;
3) fail_part "in-guest tests failed (QEMU status 3)" ;;
5) fail_part "kernel panic" ;;
124 | 137) fail_part "timed out after ${limit}s" ;;
*) fail_part "QEMU exit status $status: reset or crash" ;;
esac

# 3b. The Linux test corpus under Spinel's Linux personality (make
# test-linux, docs/testing.md): the busybox, bash-static and sash scripts
# and group dyn (Debian's dynamically linked lua5.4 and sqlite3, C programs),
# then in a boot of its own (the memory file system cannot hold both) group
# c (static C programs, musl and glibc), less those
# tests/linux/known-failures lists (the personality's known gaps; make
# test-linux alone runs every case). Each must pass.
for lgroups in "sh sash bash dyn" "c"; do
    echo "make test: the Linux corpus under Spinel, groups $lgroups (make test-linux, log in build/test-linux.log)"
    llog=build/test-linux-run.log
    make -s test-linux LINUX_GROUPS="$lgroups" LINUX_SKIP=tests/linux/known-failures > "$llog" 2>&1
    lstatus=$?
    grep -aE '^FAIL linux/|^test-linux: ' "$llog" | sed 's/^/  /'
    lsum=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$llog" | tail -n 1)
    if [ -n "$lsum" ]; then
        echo "  linux: $lsum"
        lpass=${lsum%% passed*}
        lfail=${lsum#*passed, }
        lfail=${lfail%% failed*}
        total_pass=$((total_pass + lpass))
        total_fail=$((total_fail + lfail))
        if [ $lstatus != 0 ]; then
            [ "$lfail" = 0 ] && total_fail=$((total_fail + 1))
            fail_part "the Linux corpus under Spinel, groups $lgroups (status $lstatus; see $llog)"
        fi
    else
        total_fail=$((total_fail + 1))
        fail_part "the Linux corpus under Spinel, groups $lgroups, gave no summary (see $llog)"
    fi
    cp "$llog" "build/test-linux-run-${lgroups%% *}.log"
done

# 4. Boots that must end in a kernel panic, each checked for its report.
host_check() { # name: runs check_name, counts its verdict
    if "check_$1"; then
        total_pass=$((total_pass + 1))
    else
        total_fail=$((total_fail + 1))
        fail_part "$1"
    fi
}

# The panic report: a deliberate kernel fault must end the machine with the
# panic status, the registers and a backtrace with symbol names.
check_panic_report() {
    local plog=build/test-panic.log
    timeout --foreground -k 5 60 ${qemu_cmd/-append test/-append panic-test} < /dev/null > "$plog" 2>&1
    local pstatus=$?
    if [ $pstatus = 5 ] && grep -aq 'KERNEL PANIC' "$plog" && grep -aq 'rip ffffffff8' "$plog" &&
        grep -aq 'panic_selftest+0x' "$plog" && grep -aq 'kmain+0x' "$plog" &&
        ! grep -aq '^qemu-system' "$plog"; then
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
    timeout --foreground -k 5 60 ${qemu_cmd/-append test/-append stack-overflow-test} < /dev/null > "$plog" 2>&1
    local pstatus=$?
    if [ $pstatus = 5 ] && grep -aq 'KERNEL PANIC.*kernel stack overflow' "$plog" &&
        grep -aq 'stack_overflow_selftest.*+0x' "$plog" && ! grep -aq '^qemu-system' "$plog"; then
        echo "PASS host/stack-overflow: guard page, panic on the double-fault stack (see $plog)"
        return 0
    fi
    echo "FAIL host/stack-overflow: status $pstatus; see $plog"
    return 1
}

# A machine check while a user program runs is the machine's error, not the
# program's: injected through QEMU's monitor (on a pair of FIFOs), it must
# end in the kernel's panic, not in an upcall or a reset.
# One try: boot mce-test, wait until t_spin runs, inject the #MC. The #MC
# can still land while the CPU is in the kernel (a timer tick, or t_spin not
# yet entered on a loaded host): the kernel then panics with "in kernel
# mode", which is right too but not the case this checks, so the caller
# tries again (three times at most).
mce_try() {
    local plog=$1 mon=build/test-mce-mon
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
    sleep 2 # t_spin is running by then (it spins for up to 60 s)
    # bank 0: valid, uncorrected, enabled, context corrupt; MCG_STATUS: MCIP, EIPV
    timeout 5 sh -c "echo 'mce 0 0 0xb200000000000000 0x6 0 0' > $mon.in" # QEMU may be gone
    wait $qpid
    local pstatus=$?
    kill $cpid 2> /dev/null
    rm -f $mon.in $mon.out
    return $pstatus
}

check_machine_check() {
    local plog=build/test-mce.log pstatus
    for try in 1 2 3; do
        mce_try $plog
        pstatus=$?
        if [ $pstatus = 5 ] && grep -aq 'KERNEL PANIC.*machine check (#MC) in user mode' "$plog"; then
            echo "PASS host/machine-check: #MC in user mode is a kernel panic (try $try; see $plog)"
            return 0
        fi
        [ $pstatus = 5 ] && grep -aq 'KERNEL PANIC.*machine check (#MC) in kernel mode' "$plog" || break
    done
    echo "FAIL host/machine-check: status $pstatus; see $plog"
    return 1
}

# The network from the host: the machine boots as for make run, with a host
# port forwarded to the guest's web server (httpd, started by init on the
# network card); curl on the host must get its page, a 404 and a byte range,
# and a file of the Unix library OS's memory file system (/fs/bin/tests.sh,
# the boot image's copy of user/sh/tests.sh).
# The port is picked at random and tried again if QEMU cannot bind it.
check_http_curl() {
    local plog=build/test-http.log body=build/test-http.body port qpid ok=0
    for _try in 1 2 3; do
        port=$((20000 + RANDOM % 20000))
        local cmd=${qemu_cmd/-append test/-append http-test}
        timeout --foreground -k 5 120 ${cmd/-netdev user,id=n0/-netdev user,id=n0,hostfwd=tcp:127.0.0.1:$port-:80} \
            < /dev/null > "$plog" 2>&1 &
        qpid=$!
        for _ in $(seq 1 600); do
            grep -aq 'httpd: listening' "$plog" && break
            kill -0 $qpid 2> /dev/null || break
            sleep 0.1
        done
        grep -aq 'httpd: listening' "$plog" && break
        kill $qpid 2> /dev/null
        wait $qpid 2> /dev/null
        grep -aq 'host forwarding' "$plog" || break
    done
    if grep -aq 'httpd: listening' "$plog" &&
        grep -aq 'httpd: address 10.0.2.15 from DHCP (server 10.0.2.2)' "$plog" &&
        curl -s -m 20 -o $body http://localhost:$port/ && grep -q 'Hello from Spinel' $body &&
        [ "$(curl -s -m 20 -o /dev/null -w '%{http_code}' http://localhost:$port/nope)" = 404 ] &&
        [ "$(curl -s -m 20 -r 6-9 http://localhost:$port/hello.txt)" = from ] &&
        [ "$(curl -s -m 60 http://localhost:$port/1m.bin | wc -c)" = 1048576 ] &&
        curl -s -m 20 -o build/test-http.json http://localhost:$port/spinel/status.json &&
        grep -q '"ash_handled":' build/test-http.json &&
        grep -q '"envs":\[{"id":[0-9]*,"name":"init"' build/test-http.json &&
        grep -q '"name":"httpd","parent":[1-9][0-9]*,"state":[23],"quota":[1-9][0-9]*,"used":[1-9]' build/test-http.json &&
        grep -q '"cpus":\[{"cpu":0,"online":1,"env":[0-9]*,"pos":[0-9]*,"ticks":[1-9][0-9]*,"owner":\[[0-9,]*[1-9]' build/test-http.json &&
        grep -q '"prog":"filter/packet/lnet","progs":2,"code":[1-9][0-9]*,"handlers":0,"runs":0,"handled":0,"filters":3,"packets":[1-9]' build/test-http.json &&
        curl -s -m 20 http://localhost:$port/fs/bin/tests.sh | cmp -s - user/sh/tests.sh &&
        [ "$(curl -s -m 20 -I http://localhost:$port/fs/bin/tests.sh | tr -d '\r' | sed -n 's/^Content-Length: //p')" = "$(wc -c < user/sh/tests.sh)" ] &&
        [ "$(curl -s -m 20 -r 2-6 http://localhost:$port/fs/bin/tests.sh)" = "$(head -c 7 user/sh/tests.sh | tail -c 5)" ] &&
        [ "$(curl -s -m 20 -o /dev/null -w '%{http_code}' http://localhost:$port/fs/bin/nosuch)" = 404 ] &&
        [ "$(curl -s -m 20 -o /dev/null -w '%{http_code}' -H 'If-Modified-Since: Mon, 07 Dec 2026 00:00:00 GMT' http://localhost:$port/fs/bin/tests.sh)" = 304 ] &&
        [ "$(curl -s -m 20 -o /dev/null -w '%{http_code}' -H 'If-Modified-Since: Sun, 06 Dec 2026 00:00:00 GMT' http://localhost:$port/fs/bin/tests.sh)" = 200 ]; then
        ok=1
    fi
    # The live view in a real browser: headless Chromium (Debian's) loads
    # /spinel/, whose script fetches the JSON and fills the page.
    if [ $ok = 1 ] && tools/need.sh chromium:chromium; then
        timeout 90 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=3000 \
            --dump-dom http://127.0.0.1:$port/spinel/ > build/test-http.dom 2> /dev/null
        grep -q 'id="http-requests">[1-9]' build/test-http.dom &&
            grep -q 'id="net-rx_frames">[1-9]' build/test-http.dom &&
            grep -q 'id="filter-1-hits">[1-9]' build/test-http.dom &&
            grep -q 'id="env-[0-9a-f]*-name">httpd<' build/test-http.dom &&
            grep -q 'id="env-[0-9a-f]*-used">[1-9][0-9]* / [1-9]' build/test-http.dom &&
            grep -Eq 'id="cpu0-slots">(<div [^>]*></div>)*<div class="slot[^"]*" data-owner="[1-9a-f]' build/test-http.dom &&
            grep -q 'id="mod-[0-9]*-packets">[1-9]' build/test-http.dom &&
            grep -q 'id="membar" style="width: [0-9.]*[1-9]' build/test-http.dom || ok=0
    fi
    kill $qpid 2> /dev/null
    wait $qpid 2> /dev/null
    if [ $ok = 1 ]; then
        echo "PASS host/http-curl: httpd's address came from QEMU's DHCP server; curl on the host got the guest's page, a 404, a range, 1 MiB, the live view's JSON (envs, slot vectors, modules) and a file of the Unix file system (bytes, Content-Length, a range, 404, 304 and 200 for If-Modified-Since) through port $port, and headless Chromium drew /spinel/ (envs, slot vectors, modules, filters; see $plog, build/test-http.dom)"
        return 0
    fi
    echo "FAIL host/http-curl: see $plog"
    return 1
}

# Sockets for every process (netd, lib/unix/net) on the network card, with
# Debian's busybox run unmodified by the Linux personality, driven through
# the console: busybox wget in the guest fetches a file from a web server on
# the host (python3's, through QEMU's gateway 10.0.2.2), and curl on the
# host fetches a file of the guest's file system from busybox httpd in the
# guest (a host port forwarded to netd's 10.0.2.16:8080): its bytes, its
# Content-Length, a byte range, a 304 and a 404.
check_net_busybox() {
    local plog=build/test-netbb.log dir=build/test-netbb hp gp qpid spid ok=0 fifo=build/test-netbb.in
    tools/need.sh python3:python3 || return 1
    rm -rf $dir $fifo && mkdir -p $dir && mkfifo $fifo || return 1
    echo "host file $RANDOM$RANDOM" > $dir/host.txt
    hp=$((20000 + RANDOM % 20000))
    gp=$((20000 + RANDOM % 20000))
    (cd $dir && exec python3 -m http.server $hp --bind 127.0.0.1) > build/test-netbb-py.log 2>&1 &
    spid=$!
    local cmd=${qemu_cmd/-append test/-append http-test}
    timeout --foreground -k 5 300 ${cmd/-netdev user,id=n0/-netdev user,id=n0,hostfwd=tcp:127.0.0.1:$gp-10.0.2.16:8080} \
        < $fifo > "$plog" 2>&1 &
    qpid=$!
    exec 7> $fifo
    for _ in $(seq 1 600); do
        # The prompt: busybox sh's "/ # " (or Spinel's sh's "$ ").
        grep -aq 'netd up' "$plog" && grep -aEq '^(/[^ ]* )?[$#] ' "$plog" && break
        kill -0 $qpid 2> /dev/null || break
        sleep 0.1
    done
    # The host's server must be listening before the guest asks it (on a
    # loaded host python3 may start after the guest's prompt: the wget was
    # refused).
    for _ in $(seq 1 100); do
        curl -s -m 5 -o /dev/null http://127.0.0.1:$hp/host.txt && break
        sleep 0.1
    done
    local token="guest file $RANDOM$RANDOM"
    # Written from a subshell: if QEMU is gone, SIGPIPE ends that alone and
    # the check fails instead of the whole runner.
    (echo "busybox wget -O /tmp/got http://10.0.2.2:$hp/host.txt && busybox cat /tmp/got" >&7) 2> /dev/null
    (echo "busybox mkdir /tmp/www; echo $token > /tmp/www/index.html; busybox seq 1 2000 > /tmp/www/n.txt; busybox httpd -f -p 8080 -h /tmp/www &" >&7) 2> /dev/null
    local body=""
    for _ in $(seq 1 100); do
        body=$(curl -s -m 5 http://127.0.0.1:$gp/index.html) && [ -n "$body" ] && break
        sleep 0.3
    done
    for _ in $(seq 1 100); do
        grep -aq "^$(cat $dir/host.txt)" "$plog" && break
        sleep 0.1
    done
    # The file served from the guest's file system: its length, a byte
    # range, and 304 for a validator that still holds (busybox httpd
    # answers If-None-Match with its ETag).
    local url=http://127.0.0.1:$gp/n.txt etag
    seq 1 2000 > $dir/n.txt
    etag=$(curl -s -m 5 -D - -o $dir/n.got $url | tr -d '\r' | sed -n 's/^ETag: //p')
    if [ "$body" = "$token" ] && grep -aq "^$(cat $dir/host.txt)" "$plog" &&
        [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:$gp/nope)" = 404 ] &&
        cmp -s $dir/n.got $dir/n.txt &&
        [ "$(curl -s -m 5 -I $url | tr -d '\r' | sed -n 's/^Content-Length: //p')" = "$(wc -c < $dir/n.txt)" ] &&
        [ "$(curl -s -m 5 -r 10-17 $url)" = "$(head -c 18 $dir/n.txt | tail -c 8)" ] &&
        [ -n "$etag" ] &&
        [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" $url)" = 304 ]; then
        ok=1
    fi
    (echo exit >&7) 2> /dev/null
    exec 7>&-
    kill $qpid $spid 2> /dev/null
    wait $qpid $spid 2> /dev/null
    rm -f $fifo
    if [ $ok = 1 ]; then
        echo "PASS host/net-busybox: busybox wget in the guest got a file from the host's python3 server, curl on the host got guest files from busybox httpd in the guest through port $gp (body, Content-Length, a range, 304, a 404; see $plog)"
        return 0
    fi
    echo "FAIL host/net-busybox: see $plog"
    return 1
}

# The disk file system survives crashes in the guest: three crash points of
# t_diskfs's crash-mode workload (the kernel stops the machine at a random block
# write), each checked by the host's fsck and by a second boot on the same
# image that finds every record fsync acknowledged (tools/diskfs-crash.sh;
# make test-crash runs many more).
check_diskfs_crash() {
    local q=${qemu_cmd%-append test} plog=build/test-diskfs-crash.log
    q=${q//${TEST_DISK:-build/test-disk.img}/build/diskfs-crash.img}
    if tools/diskfs-crash.sh 3 1 "$q" > "$plog" 2>&1; then
        echo "PASS host/diskfs-crash: 3 crash points in the guest, fsck clean and fsynced data there after a second boot (see $plog)"
        return 0
    fi
    echo "FAIL host/diskfs-crash: see $plog"
    return 1
}

# The disk keeps what was written across boots: t_blk (in the suite above)
# left a token on the scratch disk's last block, durably (FUA); it must be
# in the image file once QEMU has exited, and a second boot on the same
# image must read it back.
check_disk_persist() {
    local plog=build/test-persist.log img=${TEST_DISK:-build/test-disk.img}
    local token size off ondisk
    token=$(grep -ao 't_blk: persist token [0-9a-f]*' "$log" | head -n 1 | awk '{print $4}')
    if [ -z "$token" ] || [ ! -f "$img" ]; then
        echo "FAIL host/disk-persist: no token from t_blk, or no image $img"
        return 1
    fi
    size=$(stat -c %s "$img")
    off=$(((size / 4096 - 1) * 4096 + 16))
    ondisk=$(od -A n -t x8 -j $off -N 8 "$img" | tr -d ' ')
    timeout --foreground -k 5 60 ${qemu_cmd/-append test/-append init=t_blk_persist} < /dev/null > "$plog" 2>&1
    local pstatus=$?
    if [ -n "$ondisk" ] && [ $((16#$ondisk)) = $((16#$token)) ] && [ $pstatus = 1 ] &&
        tr -d '\r' < "$plog" | grep -aqx "t_blk_persist: token $token"; then
        echo "PASS host/disk-persist: token $token in the image and read back by a second boot (see $plog)"
        return 0
    fi
    echo "FAIL host/disk-persist: token $token, image has ${ondisk:-nothing}, second boot status $pstatus; see $plog"
    return 1
}

# Files on the disk survive a reboot through the Unix library OS: t_unix_disk
# (in the suite above) mounted its part of the scratch disk at /disk, wrote
# /disk/persist with a token and fsynced it; a second boot on the same image
# runs t_unix_disk again, which finds the file and prints what it read. Then
# the host's fsck checks that file system (blocks 15360 on), where a hostile
# process threw garbage at the server's file calls.
check_unix_disk_persist() {
    local plog=build/test-unix-persist.log token
    token=$(grep -ao 't_unix_disk: persist token [0-9a-f]*' "$log" | head -n 1 | awk '{print $4}')
    if [ -z "$token" ]; then
        echo "FAIL host/unix-disk-persist: no token from t_unix_disk"
        return 1
    fi
    timeout --foreground -k 5 90 ${qemu_cmd/-append test/-append init=t_unix_disk} < /dev/null > "$plog" 2>&1
    local pstatus=$?
    if [ $pstatus = 1 ] && tr -d '\r' < "$plog" | grep -aq "^t_unix_disk: persist read $token " &&
        build/diskfs/fsck -q -o 15360 "${TEST_DISK:-build/test-disk.img}" >> "$plog" 2>&1; then
        echo "PASS host/unix-disk-persist: /disk/persist (token $token) read back through open/read by a second boot; the host's fsck finds t_unix_disk's file system clean after its hostile process (see $plog)"
        return 0
    fi
    echo "FAIL host/unix-disk-persist: token $token, second boot status $pstatus; see $plog"
    return 1
}

# The disk as the root file system, as make run has it: t_unix_root boots as
# the first process on a fresh image of its own, mounts the whole disk as
# "/" (the boot image's programs copied to its /bin, /tmp and /dev in
# memory) and runs programs from it: the shell's 46 checks, shell and busybox
# commands on files and directories, several processes, permissions. A second
# boot of the same image finds what the first fsynced and what it only synced,
# and the host's fsck finds the image clean.
check_root_disk() {
    local plog=build/test-root.log plog2=build/test-root2.log img=build/test-root-disk.img q token
    rm -f $img && truncate -s 64M $img
    q=${qemu_cmd//${TEST_DISK:-build/test-disk.img}/$img}
    timeout --foreground -k 5 300 ${q/-append test/-append init=t_unix_root} < /dev/null > "$plog" 2>&1
    local pstatus=$?
    token=$(tr -d '\r' < "$plog" | grep -ao 't_unix_root: persist token [0-9a-f]*' | head -n 1 | awk '{print $4}')
    if [ $pstatus != 1 ] || [ -z "$token" ] || ! tr -d '\r' < "$plog" | grep -aqx 't_unix_root: 0 failed checks'; then
        echo "FAIL host/root-disk: first boot, status $pstatus; see $plog"
        return 1
    fi
    timeout --foreground -k 5 120 ${q/-append test/-append init=t_unix_root} < /dev/null > "$plog2" 2>&1
    pstatus=$?
    if [ $pstatus = 1 ] && tr -d '\r' < "$plog2" | grep -aq "^t_unix_root: persist read $token " &&
        tr -d '\r' < "$plog2" | grep -aqx 't_unix_root: 0 failed checks' &&
        build/diskfs/fsck -q $img >> "$plog2" 2>&1; then
        echo "PASS host/root-disk: the disk as /: programs, the shell's checks, busybox, permissions on it; a second boot read back /persist (token $token); the host's fsck finds the image clean (see $plog, $plog2)"
        return 0
    fi
    echo "FAIL host/root-disk: token $token, second boot status $pstatus; see $plog2"
    return 1
}

# Legacy INTx: with the boot option blkintx the disk interrupts through its
# INTx line and the I/O APIC (level triggered), not MSI-X; t_blk, whose
# requests complete only through the disk's interrupts, must pass so.
check_disk_intx() {
    local plog=build/test-intx.log img=build/test-intx-disk.img q
    rm -f $img && truncate -s 64M $img
    q=${qemu_cmd//${TEST_DISK:-build/test-disk.img}/$img}
    timeout --foreground -k 5 120 ${q%-append test} -append "init=t_blk blkintx" < /dev/null > "$plog" 2>&1
    local pstatus=$?
    if [ $pstatus = 1 ] && tr -d '\r' < "$plog" | grep -aq '^blk: virtio-blk at .* intx (irq [0-9]*, level)' &&
        tr -d '\r' < "$plog" | grep -aqx 't_blk: 0 failed checks'; then
        echo "PASS host/disk-intx: t_blk with the disk on its INTx line through the I/O APIC (see $plog)"
        return 0
    fi
    echo "FAIL host/disk-intx: status $pstatus; see $plog"
    return 1
}

# The crash point: the machine stops at the N-th block write (status 7), with
# every write before it in the image and none after, even within one
# request (t_blk_crash), set from the command line or by the kernel call
# (which only a boot with blkcrash= allows).
crash_boot() { # extra-cmdline last-written-index
    local plog=build/test-crash.log img=${TEST_DISK:-build/test-disk.img}
    # (make test's command ends with "-append test")
    timeout --foreground -k 5 60 ${qemu_cmd%-append test} -append "init=t_blk_crash $1" < /dev/null > "$plog" 2>&1
    local pstatus=$? i want got bad=0
    for i in $(seq 0 49); do
        got=$(od -A n -t x8 -j $(((9000 + i) * 4096)) -N 8 "$img" | tr -d ' ')
        want=0000000000000000
        [ "$i" -le "$2" ] && want=$(printf '%016x' $((0xc0de0000 + i)))
        [ "$got" = "$want" ] || bad=$((bad + 1))
    done
    if [ $pstatus = 7 ] && [ $bad = 0 ] && grep -aq 'blk: crash point' "$plog"; then
        return 0
    fi
    echo "  crash boot ($1): status $pstatus, $bad of 50 blocks wrong; see $plog"
    return 1
}
check_disk_crash_point() {
    if crash_boot blkcrash=5 3 && crash_boot blkcrash=0 38; then
        echo "PASS host/disk-crash-point: halted at the 5th block write (blkcrash=5) and the 30th after arming (kernel call, allowed by blkcrash=0), mid-request"
        return 0
    fi
    echo "FAIL host/disk-crash-point"
    return 1
}

# Device errors: the same disk behind QEMU's blkdebug driver, which fails
# reads of block 10000 and writes of block 10001 (sectors 80000, 80008):
# those transfers, and only those, must complete with E_IO (t_blk_eio).
check_disk_eio() {
    local plog=build/test-eio.log img=${TEST_DISK:-build/test-disk.img} conf=build/test-blkdebug.conf
    printf '[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "80000"\n\n[inject-error]\nevent = "write_aio"\nerrno = "5"\nsector = "80008"\n' > $conf
    local cmd=${qemu_cmd/-drive file=$img,if=none,id=d0,format=raw/-blockdev driver=raw,node-name=d0,file.driver=blkdebug,file.config=$conf,file.image.driver=file,file.image.filename=$img}
    timeout --foreground -k 5 60 ${cmd/-append test/-append init=t_blk_eio} < /dev/null > "$plog" 2>&1
    local pstatus=$?
    if [ $pstatus = 1 ] && grep -aq 't_blk_eio: 0 failed checks' "$plog" &&
        grep -aq 't_blk_eio stopped: exit 0' "$plog"; then
        echo "PASS host/disk-eio: reads and writes the device fails complete with E_IO, the others not (see $plog)"
        return 0
    fi
    echo "FAIL host/disk-eio: status $pstatus; see $plog"
    return 1
}

# make run's console (issue 12's list): the make run image and kernel
# command line, a fresh disk, busybox sh as the login shell, the issue's
# commands typed by tools/linux/console-check.py, ^C as the byte 0x03.
check_console() {
    local plog=build/test-console.log img=build/test-console-disk.img
    tools/need.sh python3:python3 || return 1
    rm -f $img && truncate -s 256M $img || return 1
    tools/linux/run-disk.sh $img > /dev/null || return 1 # (lua5.4 and sqlite3, as make run's disk)
    local -a argv
    read -ra argv <<< "${qemu_cmd//$TEST_DISK/$img}"
    for i in "${!argv[@]}"; do # (make run's empty kernel command line)
        [ "${argv[$i]}" = -append ] && argv[i + 1]=""
    done
    if timeout --foreground -k 5 300 python3 tools/linux/console-check.py "$plog" "${argv[@]}" \
        > build/test-console.out 2>&1; then
        echo "PASS host/console: make run's login shell (busybox sh) answered the issue's list: ls -l /bin | head, arithmetic, for | tac, a here-document to /tmp/f, seq | sort -rn | head, sed, awk, grep -c, md5sum, gzip | gunzip, tar, find /tmp, lua5.4 and sqlite3 (on the disk), sleep 5 & + jobs + kill %1, trap 'echo bye' EXIT at exit, ^C interrupting sleep 100 (see $plog)"
        rm -f $img
        return 0
    fi
    sed 's/^/  /' build/test-console.out
    echo "FAIL host/console: see $plog"
    rm -f $img
    return 1
}

host_check disk_persist
host_check unix_disk_persist
host_check root_disk
host_check disk_intx
host_check disk_crash_point
host_check disk_eio
host_check diskfs_crash
host_check panic_report
host_check stack_overflow
host_check machine_check
host_check http_curl
host_check net_busybox
host_check console

if [ -z "$failed_parts" ] && [ $total_fail = 0 ]; then
    echo "make test: OK (every part ran in full and passed)"
    echo "total: $total_pass passed, $total_fail failed"
    exit 0
fi
echo "make test: FAILED${failed_parts#;}"
[ $total_fail = 0 ] && total_fail=1
echo "total: $total_pass passed, $total_fail failed"
exit 1
