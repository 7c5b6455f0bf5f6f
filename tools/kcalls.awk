# Generates code and documentation from kernel/kcalls.tbl, the one
# declarative table of kernel calls. Usage:
#   awk -v out=nums   -f tools/kcalls.awk kernel/kcalls.tbl   > kcall_nums.h
#   awk -v out=kernel -f tools/kcalls.awk kernel/kcalls.tbl   > kcall_table.h
#   awk -v out=user   -f tools/kcalls.awk kernel/kcalls.tbl   > exo_calls.h
#   awk -v out=doc    -f tools/kcalls.awk kernel/kcalls.tbl   > kernel-calls.md
# Table syntax (one block per call):
#   call NAME NUMBER [TYPE ARG, TYPE ARG, ...] [-> noreturn]
#   doc TEXT          (repeatable)
#   rights TEXT
#   error E_NAME TEXT (repeatable)
#   frame full       (the call may switch envs: it gets a full trap frame)
#   fastpath SYMBOL  (an entry.S routine handles the common case first)
#   lock none        (with several CPUs the call runs without the kernel lock:
#                     it touches only its caller, which no CPU can tear down
#                     meanwhile, and state under locks of its own; klock.c)
#   lock local SYMBOL (with several CPUs SYMBOL runs first, under its CPU's
#                     local lock only; it answers KCALL_LOCKED to have the
#                     call run on the locked path; klock.c). SYMBOL may be
#                     the call's own sys_NAME if it is local in all cases.
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
function argname(a,   n) { n = split(a, w, /[ *]+/); return w[n] }
function argtype(a,   t) { t = a; sub(/[A-Za-z_0-9]+$/, "", t); return trim(t) }
/^#/ || /^[ \t]*$/ { next }
$1 == "call" {
    n++
    name[n] = $2; num[n] = $3
    rest = $0; sub(/^call[ \t]+[^ \t]+[ \t]+[0-9]+[ \t]*/, "", rest)
    noret[n] = 0
    if (rest ~ /-> *noreturn/) { noret[n] = 1; sub(/-> *noreturn/, "", rest) }
    args[n] = trim(rest)
    ndoc[n] = 0; nerr[n] = 0; rights[n] = "none"; full[n] = 0; nolock[n] = 0
    next
}
$1 == "doc" { s = $0; sub(/^doc[ \t]*/, "", s); doc[n, ++ndoc[n]] = s; next }
$1 == "frame" && $2 == "full" { full[n] = 1; next }
$1 == "fastpath" { fast[n] = $2; next }
$1 == "lock" && $2 == "none" { nolock[n] = 1; next }
$1 == "lock" && $2 == "local" && $3 != "" { local[n] = $3; next }
$1 == "rights" { s = $0; sub(/^rights[ \t]*/, "", s); rights[n] = s; next }
$1 == "error" { s = $0; sub(/^error[ \t]+[A-Z_]+[ \t]*/, "", s); errname[n, ++nerr[n]] = $2; errtext[n, nerr[n]] = s; next }
{ printf "kcalls.tbl: cannot parse: %s\n", $0 > "/dev/stderr"; exit 1 }
END {
    if (out == "nums") {
        print "/* Generated from kernel/kcalls.tbl by tools/kcalls.awk. Do not edit. */"
        print "#ifndef SPINEL_KCALL_NUMS_H\n#define SPINEL_KCALL_NUMS_H"
        max = 0
        for (i = 1; i <= n; i++) { printf "#define SYS_%s %d\n", name[i], num[i]; if (num[i] + 0 > max) max = num[i] + 0 }
        printf "#define SYS_NCALLS %d\n#endif\n", max + 1
    } else if (out == "kernel") {
        print "/* Generated from kernel/kcalls.tbl by tools/kcalls.awk. Do not edit. */"
        print "#ifndef KERNEL_KCALL_TABLE_H\n#define KERNEL_KCALL_TABLE_H"
        print "#include \"../../kernel/types.h\""
        print "typedef s64 (*kcall_fn)(u64, u64, u64, u64, u64, u64);"
        for (i = 1; i <= n; i++) {
            na = split(args[i], a, /,/)
            printf "s64 sys_%s(", name[i]
            if (na == 0) printf "void"
            for (j = 1; j <= na; j++) printf "%su64 %s", (j > 1 ? ", " : ""), argname(trim(a[j]))
            print ");"
        }
        print "#ifdef KCALL_DEFINE_TABLE"
        print "/* Every call reads its arguments from the same registers; a function with"
        print " * fewer parameters ignores the rest (SysV ABI), hence the casts. */"
        print "const kcall_fn kcall_table[SYS_NCALLS] = {"
        for (i = 1; i <= n; i++) printf "    [%d] = (kcall_fn)(void (*)(void))sys_%s,\n", num[i], name[i]
        print "};"
        print "/* What the syscall fast path calls: the function itself, or, for calls"
        print " * that may switch envs (\"frame full\"), the way to the full path. */"
        print "void kcall_to_full(void);"
        for (i = 1; i <= n; i++) if (fast[i] != "") printf "void %s(void);\n", fast[i]
        print "/* Numbers below SYS_NCALLS that name no call answer -E_NOSYS: the fast"
        print " * path calls through this table without a check (a gap was a jump to 0). */"
        print "s64 kcall_nosys(void);"
        print "const kcall_fn kcall_entry[SYS_NCALLS] = {"
        max = 0
        for (i = 1; i <= n; i++) {
            printf "    [%d] = (kcall_fn)(void (*)(void))%s,\n", num[i], fast[i] != "" ? fast[i] : full[i] ? "kcall_to_full" : "sys_" name[i]
            used[num[i] + 0] = 1
            if (num[i] + 0 > max) max = num[i] + 0
        }
        for (k = 0; k <= max; k++) if (!(k in used)) printf "    [%d] = (kcall_fn)(void (*)(void))kcall_nosys,\n", k
        print "};"
        print "/* With several CPUs, the calls that syscall_entry_klock runs without the"
        print " * kernel lock (\"lock none\": klock.c). Never a \"frame full\" call. */"
        print "const u8 kcall_nolock[SYS_NCALLS] = {"
        for (i = 1; i <= n; i++) {
            if (!nolock[i]) continue
            if (full[i] || fast[i] != "") { printf "kcalls.tbl: %s: lock none with frame full or fastpath\n", name[i] > "/dev/stderr"; exit 1 }
            printf "    [%d] = 1,\n", num[i]
        }
        print "};"
        print "/* With several CPUs, what syscall_entry_klock runs first under its CPU's"
        print " * local lock only (\"lock local\": klock.c); NULL for the other calls. */"
        for (i = 1; i <= n; i++) if (local[i] != "" && local[i] != "sys_" name[i]) printf "void %s(void);\n", local[i]
        print "const kcall_fn kcall_local[SYS_NCALLS] = {"
        for (i = 1; i <= n; i++) {
            if (local[i] == "") continue
            if (full[i] || nolock[i]) { printf "kcalls.tbl: %s: lock local with frame full or lock none\n", name[i] > "/dev/stderr"; exit 1 }
            printf "    [%d] = (kcall_fn)(void (*)(void))%s,\n", num[i], local[i]
        }
        print "};\n#endif\n#endif"
    } else if (out == "user") {
        print "/* Generated from kernel/kcalls.tbl by tools/kcalls.awk. Do not edit. */"
        print "#ifndef LIBEXO_CALLS_H\n#define LIBEXO_CALLS_H"
        for (i = 1; i <= n; i++) {
            na = split(args[i], a, /,/)
            printf "static inline %s sys_%s(", noret[i] ? "__attribute__((noreturn)) void" : "long", name[i]
            if (na == 0) printf "void"
            for (j = 1; j <= na; j++) printf "%s%s", (j > 1 ? ", " : ""), trim(a[j])
            print ")\n{"
            printf "    %sexo_syscall6(SYS_%s", noret[i] ? "" : "return ", name[i]
            for (j = 1; j <= 6; j++) printf ", %s", (j <= na ? "(long)" argname(trim(a[j])) : "0")
            print ");"
            if (noret[i]) print "    __builtin_unreachable();"
            print "}"
        }
        print "#endif"
    } else if (out == "doc") {
        print "# Kernel calls"
        print ""
        print "<!-- Generated from kernel/kcalls.tbl by tools/kcalls.awk (make docs). Do not edit. -->"
        print ""
        print "Calling convention: `syscall` with the call number in `rax` and arguments in"
        print "`rdi, rsi, rdx, r10, r8, r9`. The result comes back in `rax`: `>= 0` on"
        print "success, `-E_xxx` on failure (`include/spinel/errno.h`). `rcx` and `r11` are"
        print "clobbered; every other register is preserved unless the call says otherwise."
        print "An unknown call number returns `-E_NOSYS`. User stubs: `lib/exo/exo.h`"
        print "(generated `exo_calls.h`). Capability slots name capabilities in the caller's"
        print "table; slot `0` (`CAP_SELF`) always names the caller itself."
        print ""
        print "| # | call | rights needed |"
        print "| --- | --- | --- |"
        for (i = 1; i <= n; i++) printf "| %d | [`sys_%s`](#sys_%s) | %s |\n", num[i], name[i], name[i], rights[i]
        for (i = 1; i <= n; i++) {
            printf "\n## sys_%s\n\n", name[i]
            printf "`%s sys_%s(%s)` — call %d\n\n", noret[i] ? "noreturn" : "long", name[i], args[i] == "" ? "void" : args[i], num[i]
            for (j = 1; j <= ndoc[i]; j++) print doc[i, j]
            printf "\nRights: %s\n\n", rights[i]
            if (nolock[i]) print "Kernel lock: none (with several CPUs it runs on each at once).\n"
            if (local[i] != "") print "Kernel lock: with several CPUs, its common case runs under its CPU's local lock only (kernel/klock.c).\n"
            if (nerr[i] == 0) print "Errors: none."
            else { print "Errors:\n"; for (j = 1; j <= nerr[i]; j++) printf "- `%s`: %s\n", errname[i, j], errtext[i, j] }
        }
    }
}
