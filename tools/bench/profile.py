#!/usr/bin/env python3
"""tools/bench/profile.py - name the addresses of a cost-model profile.

Usage: profile.py PROF LOG [ROW...] [--partner NAME=ELF ...] [--top N]
  PROF  the file written by the model plugin's prof=FILE option
        (lines: row vaddr hostpage count, counts summed over timed batches)
  LOG   the boot log with the BENCH and BENCH-INFO lines (row names, ops)
Prints per row the instructions per operation by function (and, for
kernel functions, how often they were entered, counted at their first
instruction): kernel
addresses named from build/spinel.elf, user addresses from build/user/bench
when the code lies in the benchmark's own frames (those it runs in the
rows without a partner env),
otherwise from the partner programs given (first one with a symbol)."""
import bisect, re, subprocess, sys
from collections import defaultdict

def symtab(elf):
    out = subprocess.run(["nm", "-n", "-S", "--defined-only", elf], capture_output=True,
                         text=True, check=True).stdout
    addrs, names, ends = [], [], []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in "tTwW":
            a = int(f[0], 16)
            addrs.append(a); names.append(f[3]); ends.append(a + int(f[1], 16))
        elif len(f) == 3 and f[1] in "tTwW":  # no size: up to the next symbol
            a = int(f[0], 16)
            addrs.append(a); names.append(f[2]); ends.append(None)
    return addrs, names, ends

def lookup(tab, a):
    i = bisect.bisect_right(tab[0], a) - 1
    if i < 0:
        return "?"
    if tab[2][i] is not None and a >= tab[2][i] and tab[2][i] > tab[0][i]:
        return "(outside any function: JIT code, or a symbol without a size)"
    return tab[1][i]

def is_start(tab, a):
    i = bisect.bisect_left(tab[0], a)
    return i < len(tab[0]) and tab[0][i] == a

def main():
    args = sys.argv[1:]
    top, partners, rest = 25, [], []
    while args:
        x = args.pop(0)
        if x == "--top": top = int(args.pop(0))
        elif x == "--partner": partners.append(args.pop(0).split("=", 1))  # first match wins
        else: rest.append(x)
    prof, log, want = rest[0], rest[1], set(rest[2:])
    names, ops = [], {}
    for line in open(log, errors="replace"):
        line = line.strip("\r\n")
        m = re.search(r"BENCH ([A-Za-z0-9_]+) ([0-9]+|n/a)$", line)
        if m: names.append(m.group(1))
        m = re.search(r"BENCH-INFO ([A-Za-z0-9_]+) ops=([0-9]+)", line)
        if m: ops[m.group(1)] = int(m.group(2))
    ktab = symtab("build/spinel.elf")
    btab = symtab("build/user/bench")
    ptabs = [(n, symtab(e)) for n, e in partners]
    rows = defaultdict(list)
    for line in open(prof):
        r, va, hp, n = line.split()
        rows[int(r)].append((int(va, 16), int(hp, 16), int(n)))
    # the benchmark's own code: what runs in the rows without a partner env
    solo = ("null_call", "exception_rt", "prot_fault", "map_touch_unmap", "mutex_uncontended",
            "thread_switch", "thread_create_join", "model_tlb_1000")
    own = {hp for r, name in enumerate(names) if name in solo
           for va, hp, n in rows.get(r, []) if va < 1 << 47}
    for r in sorted(rows):
        if r < 0 or r >= len(names): continue
        name = names[r]
        if want and name not in want: continue
        batches = 9
        per = ops.get(name, 1) * batches
        fn = defaultdict(int)
        calls = defaultdict(int)
        for va, hp, n in rows[r]:
            if va >= 1 << 63:
                key = "k:" + lookup(ktab, va)
                if is_start(ktab, va): calls[key] += n
            elif hp in own:
                key = "u:" + lookup(btab, va)
            else:
                key = "p:?"
                for pn, t in ptabs:
                    s = lookup(t, va)
                    if s != "?": key = "p:%s:%s" % (pn, s); break
            fn[key] += n
        total = sum(fn.values())
        print("== %s: %.1f insns/op" % (name, total / per))
        for k, v in sorted(fn.items(), key=lambda kv: -kv[1])[:top]:
            c = "%7.2f calls" % (calls[k] / per) if k in calls else ""
            print("  %8.1f  %-40s %s" % (v / per, k, c))

main()
