#!/usr/bin/env python3
# make test's check of the make run console (issue 12's list): boots the
# make run image (its kernel command line, a fresh disk) with the console
# on this script's pipes, types the commands into the login shell
# (busybox sh) as a user would, ^C as the byte 0x03, and checks each answer.
# Usage: console-check.py LOG QEMU ARGS...   Exit status 0 if all passed.
import os
import re
import select
import subprocess
import sys
import time

log = open(sys.argv[1], "wb")
qemu = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT)
out = b""
fails = []


def read_until(pattern, secs):
    """Reads the console until pattern (bytes regex) appears after what was
    consumed; returns the text before the match, or None after secs."""
    global out
    end = time.time() + secs
    rx = re.compile(pattern)
    while True:
        m = rx.search(out)
        if m:
            before, out = out[:m.start()], out[m.end():]
            return before
        left = end - time.time()
        if left <= 0 or qemu.poll() is not None:
            return None
        r, _, _ = select.select([qemu.stdout], [], [], min(left, 0.5))
        if r:
            data = os.read(qemu.stdout.fileno(), 4096)
            log.write(data)
            log.flush()
            out += data


def type_line(s):
    # (a byte at a time would be slow: the UART takes a line at once)
    qemu.stdin.write(s.encode() + b"\n")
    qemu.stdin.flush()


seq = [0]


def run(name, lines, want, secs=60):
    """Types lines, then a marker the shell must compute (so its echo does
    not match); checks that the output before the marker matches want."""
    seq[0] += 1
    n = 1000 + seq[0]
    for l in lines:
        type_line(l)
    type_line("echo @@$((%d+1))@@" % (n - 1))
    got = read_until(rb"@@%d@@" % n, secs)
    if got is None:
        fails.append("%s: no answer in %d s" % (name, secs))
        return ""
    text = got.decode(errors="replace").replace("\r", "")
    if not re.search(want, text, re.S | re.M):
        fails.append("%s: want /%s/, got %r" % (name, want, text[-300:]))
    else:
        print("  console: %s ok" % name)
    return text


if read_until(rb"init: starting busybox sh", 240) is None:
    print("console-check: no login shell in 240 s")
    qemu.kill()
    sys.exit(1)
time.sleep(2)  # (the shell's first prompt)
run("ls -l /bin | head", ["ls -l /bin | head -3"], r"^[-lrwx]{10} .*\n[-lrwx]{10} ")
run("arithmetic", ["echo $((6*7))"], r"^42$")
run("for | tac", ["for i in 1 2 3; do echo $i; done | tac"], r"^3\n2\n1$")
run("here-document", ["cat > /tmp/f <<EOF", "hello $((1+1)) here", "EOF", "cat /tmp/f"],
    r"^hello 2 here$")
run("seq | sort | head", ["seq 100 | sort -rn | head -3"], r"^100\n99\n98$")
run("sed", ["echo abc | sed s/b/X/"], r"^aXc$")
run("awk", ["echo 1 2 3 | awk '{print $2 + $3}'"], r"^5$")
run("grep -c", ["printf 'a\\nb\\na\\n' | grep -c a"], r"^2$")
run("md5sum", ["echo -n hello | md5sum"], r"^5d41402abc4b2a76b9719d911017c592  -$")
run("gzip | gunzip", ["echo payload | gzip -c | gunzip -c"], r"^payload$")
run("tar", ["rm -rf /tmp/t; mkdir -p /tmp/t && echo x > /tmp/t/a && tar -cf /tmp/t.tar -C /tmp t",
            "tar -tf /tmp/t.tar"], r"^t/a$")
run("find /tmp", ["find /tmp -name a"], r"^/tmp/t/a$")
run("sleep & jobs", ["sleep 5 &", "jobs"], r"\[1\]\+ +Running +sleep 5")
run("kill %1", ["kill %1", "wait; jobs"], r"Terminated +sleep 5")
# Debian's dynamically linked lua5.4 and sqlite3 (stage 2), on make run's
# disk (tools/linux/run-disk.sh put them there).
run("lua5.4", ["lua5.4 -e 'print(6*7, (\"ab\"):rep(3))'"], r"^42\tababab$")
run("sqlite3", ["echo 'create table t(a); insert into t values(6),(7); "
                "select a*7 from t order by a;' | sqlite3"], r"^42\n49$")
run("trap EXIT", ["trap 'echo bye' EXIT"], r"")
# ^C interrupts the foreground sleep: the prompt is back at once.
seq[0] += 1
t0 = time.time()
type_line("sleep 100")
time.sleep(2)
qemu.stdin.write(b"\x03")
qemu.stdin.flush()
time.sleep(0.5)
run("^C sleep 100", ["echo status $?"], r"status 130", 30)
if time.time() - t0 > 40:
    fails.append("^C: the sleep was not interrupted (%d s)" % (time.time() - t0))
type_line("exit")
got = read_until(rb"init: the shell ended", 60)
if got is None or b"bye" not in got:
    fails.append("trap EXIT: no 'bye' before the shell ended (%r)" % (got or b"")[-200:])
else:
    print("  console: trap EXIT ran at exit ok")
try:
    qemu.wait(30)
except subprocess.TimeoutExpired:
    qemu.kill()
for f in fails:
    print("  console: FAIL %s" % f)
print("console-check: %d failed" % len(fails))
sys.exit(1 if fails else 0)
