/* The Linux personality (lib/linux): Debian's unmodified busybox-static
 * runs as a process of the Unix library OS, with its output compared byte
 * for byte with what it prints on Linux; and hostile Linux programs, made
 * here as tiny ELF files: a garbage system call number (-ENOSYS), bad
 * pointers (-EFAULT, also a pointer into the personality's own memory),
 * a segfault (the parent sees SIGSEGV), truncated and malformed ELF files
 * (ENOEXEC: /bin/linux exits 126), and the entry state (rdx 0, rsp
 * 16-byte aligned, argc). */
#include "../../lib/unix/unix.h"
#include "../../lib/c/libc.h"
#include "check.h"
#include "unix_run.h"

static int expect(const char *what, char *const argv[], const char *want_out, int want_status)
{
    static char out[4096];
    int st = run_status(argv, out, sizeof out);
    if (st != want_status || strcmp(out, want_out) != 0) {
        printf("  %s: status 0x%x (want 0x%x), output \"%s\" (want \"%s\")\n", what, st,
               want_status, out, want_out);
        check_failures++;
        return 0;
    }
    return 1;
}

/* A static ELF64 executable at 0x400000 whose code is code[0..len). */
static int mkelf(const char *path, const uint8_t *code, size_t len, size_t truncate_to)
{
    uint8_t img[512];
    memset(img, 0, sizeof img);
    size_t total = 120 + len;
    memcpy(img,
           "\x7f"
           "ELF\x02\x01\x01",
           7);
    *(uint16_t *)(img + 16) = 2;  /* ET_EXEC */
    *(uint16_t *)(img + 18) = 62; /* x86-64 */
    *(uint32_t *)(img + 20) = 1;
    *(uint64_t *)(img + 24) = 0x400000 + 120; /* entry */
    *(uint64_t *)(img + 32) = 64;             /* phoff */
    *(uint16_t *)(img + 52) = 64;
    *(uint16_t *)(img + 54) = 56;
    *(uint16_t *)(img + 56) = 1;
    uint8_t *ph = img + 64;
    *(uint32_t *)(ph + 0) = 1; /* PT_LOAD */
    *(uint32_t *)(ph + 4) = 5; /* R X */
    *(uint64_t *)(ph + 16) = 0x400000;
    *(uint64_t *)(ph + 32) = total;
    *(uint64_t *)(ph + 40) = total;
    *(uint64_t *)(ph + 48) = 4096;
    memcpy(img + 120, code, len);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0)
        return -1;
    size_t n = truncate_to ? truncate_to : total;
    int ok = write(fd, img, n) == (ssize_t)n;
    close(fd);
    return ok && chmod(path, 0755) == 0 ? 0 : -1;
}

/* exit_group(-rax): 89 c7 (mov %eax,%edi) f7 df (neg %edi) b8 e7 00 00 00 0f 05 */
#define EXIT_NEG_RAX 0x89, 0xc7, 0xf7, 0xdf, 0xb8, 0xe7, 0, 0, 0, 0x0f, 0x05

int main(void)
{
    unix_init("t_linux");

    /* busybox, unmodified: outputs as on Linux. */
    char *echo[] = {"/bin/busybox", "echo", "hi", NULL};
    expect("echo", echo, "hi\n", 0);
    char *arith[] = {"/bin/busybox", "sh", "-c", "echo $((6*7))", NULL};
    expect("sh arithmetic", arith, "42\n", 0);
    char *vars[] = {"/bin/busybox", "sh", "-c",
                    "x=abcabc; echo ${#x} ${x%c} ${x#ab}; f() { echo \"[$1]\"; }; f 'a b'", NULL};
    expect("sh variables and functions", vars, "6 abcab cabc\n[a b]\n", 0);
    char *status[] = {"/bin/busybox", "sh", "-c", "exit 7", NULL};
    expect("sh exit status", status, "", 7 << 8);
    char *pf[] = {"/bin/busybox", "printf", "%s-%d-%x\\n", "a", "42", "255", NULL};
    expect("printf", pf, "a-42-ff\n", 0);
    char *un[] = {"/bin/busybox", "uname", "-s", NULL};
    expect("uname", un, "Linux\n", 0);
    char *cat[] = {"/bin/busybox", "cat", "/etc/passwd", NULL};
    expect("cat /etc/passwd", cat, "root:x:0:0:root:/root:/bin/sh\n", 0);
    char *id[] = {"/bin/busybox", "id", "-u", NULL};
    expect("id -u", id, "0\n", 0);
    char *rd[] = {"/bin/busybox", "sh", "-c",
                  "echo hello world > /tmp/lx1; read a b < /tmp/lx1; echo \"$b $a\"", NULL};
    expect("redirections", rd, "world hello\n", 0);
    char *cat2[] = {"/bin/busybox", "cat", "/tmp/lx1", NULL};
    expect("cat a file", cat2, "hello world\n", 0);
    char *fls[] = {"/bin/busybox", "false", NULL};
    expect("false", fls, "", 1 << 8);

    /* Shell scripts: pipelines, redirections, here-documents, command
     * substitution, subshells, functions, traps, text and checksum and
     * compression applets, files under /tmp, signals (trap, kill, SIGCHLD,
     * a child ended by SIGTERM), background jobs. The expected outputs were
     * recorded by running the same busybox with `busybox sh -c SCRIPT` on
     * Linux (PATH unset: applets run as busybox's own). */
    static const struct {
        const char *script, *out;
        int status;
    } scripts[] = {
        {"seq 100 | sort -rn | head -3", "100\n99\n98\n", 0},
        {"for i in 1 2 3; do echo $i; done | tac", "3\n2\n1\n", 0},
        {"echo hello world > /tmp/lx1; wc -c < /tmp/lx1; cat /tmp/lx1; rm /tmp/lx1",
         "12\nhello world\n", 0},
        {"cat <<EOT\nab $((1+2))\ncd\nEOT", "ab 3\ncd\n", 0},
        {"x=$(echo abc | tr a-c A-C); echo $x", "ABC\n", 0},
        {"(exit 3); echo $?", "3\n", 0},
        {"echo a b c | awk '{print $2}'", "b\n", 0},
        {"printf 'b\\na\\nc\\n' | sort | md5sum", "40c53c58fdafacc83cfff6ee3d2f6d69  -\n", 0},
        {"echo hi | gzip -c | gunzip -c", "hi\n", 0},
        {"echo hello | sed s/l/L/g", "heLLo\n", 0},
        {"printf 'a\\nb\\na\\n' | grep -c a", "2\n", 0},
        {"mkdir -p /tmp/lxd/sub; echo x > /tmp/lxd/f; ls /tmp/lxd; rm -r /tmp/lxd; ls /tmp/lxd "
         "2>/dev/null || echo gone",
         "f\nsub\ngone\n", 0},
        {"f() { return $(($1 + 1)); }; f 4; echo $?; trap 'echo bye' EXIT; echo main",
         "5\nmain\nbye\n", 0},
        {"echo abc > /dev/null; head -c 4 /dev/zero | od -An -tx1", " 00 00 00 00\n", 0},
        {"trap 'echo got INT' INT; kill -INT $$; echo after", "got INT\nafter\n", 0},
        {"trap 'echo bye' EXIT; trap 'echo t; exit 3' TERM; kill $$; echo notreached", "t\nbye\n",
         3},
        {"(sleep 1; echo child) & echo parent; wait; echo done", "parent\nchild\ndone\n", 0},
        {"sleep 5 & kill $!; wait $!; echo $?", "143\n", 0},
        {"trap 'echo chld' CHLD; true & wait; echo end", "chld\nend\n", 0},
        {"kill -0 $$ && echo alive; kill -0 99999 2>/dev/null || echo nosuch", "alive\nnosuch\n",
         0},
        {"sh -c 'kill -TERM $$'; echo $?", "143\n", 0},
        {"x=$(sh -c 'exit 5'); echo $?; exec 3>/tmp/lxe; echo via3 >&3; exec 3>&-; cat /tmp/lxe; "
         "rm /tmp/lxe",
         "5\nvia3\n", 0},
        {"yes | head -2; sh -c 'yes | head -1; echo $?'", "y\ny\ny\n0\n", 0},
        {"echo a > /tmp/m1; mv /tmp/m1 /tmp/m2; cat /tmp/m2; ls /tmp/m1 2>/dev/null || echo moved; "
         "rm /tmp/m2",
         "a\nmoved\n", 0},
        {"touch /tmp/t1; chmod 755 /tmp/t1 && echo ok; rm /tmp/t1", "ok\n", 0},
        {"cd /tmp && mkdir d && cd d && pwd && cd .. && rmdir d && echo $?", "/tmp/d\n0\n", 0},
        {"echo hello > /tmp/h; tar cf /tmp/h.tar -C /tmp h; rm /tmp/h; tar xf /tmp/h.tar -C /tmp; "
         "cat /tmp/h; rm /tmp/h /tmp/h.tar",
         "hello\n", 0},
        {"mkdir -p /tmp/fd/a/b; touch /tmp/fd/a/b/c; find /tmp/fd | sort; rm -r /tmp/fd",
         "/tmp/fd\n/tmp/fd/a\n/tmp/fd/a/b\n/tmp/fd/a/b/c\n", 0},
        {"seq 1 5 | xargs echo", "1 2 3 4 5\n", 0},
    };
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        char *sc[] = {"/bin/busybox", "sh", "-c", (char *)scripts[i].script, NULL};
        expect(scripts[i].script, sc, scripts[i].out, scripts[i].status << 8);
    }

    /* SPINEL_STRACE=/PATH: every call of every process of a pipeline (a
     * shell in wait4 while its children run, readers and writers of a
     * pipe) is one whole line in the file, "[pid N] name(args) = result",
     * never mixed with another process's. */
    char *stc[] = {"/bin/busybox",
                   "env",
                   "SPINEL_STRACE=/tmp/lx.trace",
                   "/bin/busybox",
                   "sh",
                   "-c",
                   "echo a | /bin/busybox cat; /bin/busybox true & wait",
                   NULL};
    expect("strace to a file", stc, "a\n", 0);
    static char trc[65536];
    int tfd = open("/tmp/lx.trace", O_RDONLY);
    long tn = tfd < 0 ? -1 : read(tfd, trc, sizeof trc - 1);
    close(tfd);
    int lines = 0, badl = 0, pids = 0, lastpid = -1, waits = 0;
    for (char *l = trc; tn > 0 && l < trc + tn;) {
        char *e = l;
        while (e < trc + tn && *e != '\n')
            e++;
        if (e == trc + tn)
            badl++; /* (a line cut short) */
        *e = 0;
        int pid = -1;
        char *q = strstr(l + 1, "[pid ");
        if (strncmp(l, "[pid ", 5) != 0 || q || !strstr(l, ") = "))
            badl++;
        else
            for (pid = 0, q = l + 5; *q >= '0' && *q <= '9'; q++)
                pid = pid * 10 + (*q - '0');
        if (pid != lastpid && pid > 0)
            pids++, lastpid = pid;
        waits += strstr(l, "] wait4(") != NULL;
        lines++;
        l = e + 1;
    }
    if (tn <= 0 || lines < 20 || badl || pids < 3 || !waits) {
        printf("  strace file: %ld bytes, %d lines, %d bad, %d pid changes, %d wait4\n", tn, lines,
               badl, pids, waits);
        check_failures++;
    }
    unlink("/tmp/lx.trace");

    /* Every call number from 0 to 450 with hostile arguments (bad, kernel
     * and personality addresses, huge lengths): the process survives them
     * all (user/lxbin/lx_badptr.c). */
    char *bp[] = {"/bin/lx_badptr", NULL};
    expect("hostile arguments to every call", bp, "survived 2115 calls\n", 0);

    /* Bad arguments to the newer calls, each answered as Linux answers
     * (user/lxbin/lx_badargs.c: creat, clock_getres, gettid, tkill,
     * tgkill, rt_sigpending, kill, poll, ppoll, select, pselect6,
     * getitimer, setitimer, alarm, nanosleep, clock_nanosleep, O_NONBLOCK,
     * symlink, symlinkat, readlink, readlinkat, lstat, link, linkat, the *at calls from a
     * directory descriptor). */
    char *ba[] = {"/bin/lx_badargs", NULL};
    expect("bad arguments to the newer calls", ba, "badargs: 101 of 101 as Linux\n", 0);

    /* Entry state: rdx 0, rsp 16-byte aligned; exits with argc.
     * mov %rsp,%rbx; and $15,%ebx; or %rdx,%rbx; jnz bad; mov (%rsp),%rdi;
     * mov $231,%eax; syscall; bad: mov $99,%edi; mov $231,%eax; syscall */
    static const uint8_t entry_code[] = {0x48, 0x89, 0xe3, 0x83, 0xe3, 0x0f, 0x48, 0x09, 0xd3,
                                         0x75, 0x0b, 0x48, 0x8b, 0x3c, 0x24, 0xb8, 0xe7, 0,
                                         0,    0,    0x0f, 0x05, 0xbf, 99,   0,    0,    0,
                                         0xb8, 0xe7, 0,    0,    0,    0x0f, 0x05};
    CHECK_EQ(mkelf("/tmp/lx_entry", entry_code, sizeof entry_code, 0), 0);
    char *ent[] = {"/tmp/lx_entry", "a", "b", NULL};
    expect("entry state", ent, "", 3 << 8);

    /* fork (the fork syscall, 57): the child exits 9, the parent waits
     * for it (wait4(-1, &st, 0, 0)) and exits with its status >> 8.
     * mov $57,%eax; syscall; test %eax,%eax; jz child;
     * sub $16,%rsp; mov $61,%eax; mov $-1,%rdi; mov %rsp,%rsi; xor %edx,%edx;
     * xor %r10d,%r10d; syscall; mov (%rsp),%edi; shr $8,%edi; mov $231,%eax; syscall;
     * child: mov $9,%edi; mov $231,%eax; syscall */
    static const uint8_t forkc[] = {
        0xb8, 57,   0,    0,    0,    0x0f, 0x05, 0x85, 0xc0, 0x74, 0x27, 0x48, 0x83,
        0xec, 0x10, 0xb8, 61,   0,    0,    0,    0x48, 0xc7, 0xc7, 0xff, 0xff, 0xff,
        0xff, 0x48, 0x89, 0xe6, 0x31, 0xd2, 0x45, 0x31, 0xd2, 0x0f, 0x05, 0x8b, 0x3c,
        0x24, 0xc1, 0xef, 0x08, 0xb8, 0xe7, 0,    0,    0,    0x0f, 0x05, 0xbf, 9,
        0,    0,    0,    0xb8, 0xe7, 0,    0,    0,    0x0f, 0x05};
    CHECK_EQ(mkelf("/tmp/lx_fork", forkc, sizeof forkc, 0), 0);
    char *fk[] = {"/tmp/lx_fork", NULL};
    expect("fork and wait4", fk, "", 9 << 8);

    /* A garbage system call number: -ENOSYS (38). mov $-5,%rax; syscall */
    static const uint8_t nosys[] = {0x48, 0xc7, 0xc0, 0xfb, 0xff,
                                    0xff, 0xff, 0x0f, 0x05, EXIT_NEG_RAX};
    CHECK_EQ(mkelf("/tmp/lx_nosys", nosys, sizeof nosys, 0), 0);
    char *ns[] = {"/tmp/lx_nosys", NULL};
    expect("garbage call number", ns, "", 38 << 8);
    static const uint8_t nosys2[] = {0xb8, 0x39, 0x30, 0, 0, 0x0f, 0x05, EXIT_NEG_RAX}; /* 12345 */
    CHECK_EQ(mkelf("/tmp/lx_nosys2", nosys2, sizeof nosys2, 0), 0);
    char *ns2[] = {"/tmp/lx_nosys2", NULL};
    expect("unknown call number", ns2, "", 38 << 8);

    /* Bad pointers: write(1, p, 10) with p unmapped, a kernel address, and
     * the personality's own image: -EFAULT (14).
     * mov $1,%eax; mov $1,%edi; mov $P,%rsi; mov $10,%edx; syscall */
    static const uint64_t bad[] = {0xdead0000UL, 0xffff800000001000UL, 0x70001000UL, 0};
    for (int i = 0; i < 4; i++) {
        uint8_t code[64];
        size_t n = 0;
        const uint8_t pre[] = {0xb8, 1, 0, 0, 0, 0xbf, 1, 0, 0, 0, 0x48, 0xbe};
        memcpy(code + n, pre, sizeof pre);
        n += sizeof pre;
        memcpy(code + n, &bad[i], 8);
        n += 8;
        const uint8_t post[] = {0xba, 10, 0, 0, 0, 0x0f, 0x05, EXIT_NEG_RAX};
        memcpy(code + n, post, sizeof post);
        n += sizeof post;
        CHECK_EQ(mkelf("/tmp/lx_efault", code, n, 0), 0);
        char *ef[] = {"/tmp/lx_efault", NULL};
        expect("bad pointer", ef, "", 14 << 8);
    }
    /* uname into the text (read-only): -EFAULT. mov $63,%eax; mov $0x400000,%edi; syscall */
    static const uint8_t ro[] = {0xb8, 63, 0, 0, 0, 0xbf, 0, 0, 0x40, 0, 0x0f, 0x05, EXIT_NEG_RAX};
    CHECK_EQ(mkelf("/tmp/lx_ro", ro, sizeof ro, 0), 0);
    char *rop[] = {"/tmp/lx_ro", NULL};
    expect("write into text", rop, "", 14 << 8);

    /* A segfault: the parent sees SIGSEGV. mov 0,%rax */
    static const uint8_t segv[] = {0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0};
    CHECK_EQ(mkelf("/tmp/lx_segv", segv, sizeof segv, 0), 0);
    char *sg[] = {"/tmp/lx_segv", NULL};
    static char out[256];
    int st = run_status(sg, out, sizeof out);
    CHECK_EQ(WIFSIGNALED(st), 1);
    CHECK_EQ(WTERMSIG(st), SIGSEGV);
    /* int $0x80 and the vsyscall page: faults too. */
    static const uint8_t i80[] = {0xb8, 39, 0, 0, 0, 0xcd, 0x80, EXIT_NEG_RAX};
    CHECK_EQ(mkelf("/tmp/lx_int80", i80, sizeof i80, 0), 0);
    char *ia[] = {"/tmp/lx_int80", NULL};
    st = run_status(ia, out, sizeof out);
    CHECK_EQ(WTERMSIG(st), SIGSEGV);
    /* mov $0xffffffffff600000,%rax; call *%rax */
    static const uint8_t vsys[] = {0x48, 0xc7, 0xc0, 0x00, 0x00, 0x60, 0xff, 0xff, 0xd0};
    CHECK_EQ(mkelf("/tmp/lx_vsys", vsys, sizeof vsys, 0), 0);
    char *vs[] = {"/tmp/lx_vsys", NULL};
    st = run_status(vs, out, sizeof out);
    CHECK_EQ(WTERMSIG(st), SIGSEGV);

    /* A program whose mode has no execute bit: EACCES (/bin/linux exits 126). */
    CHECK_EQ(mkelf("/tmp/lx_noexec", entry_code, sizeof entry_code, 0), 0);
    CHECK_EQ(chmod("/tmp/lx_noexec", 0644), 0);
    char *nx[] = {"/tmp/lx_noexec", NULL};
    st = run_status(nx, out, sizeof out);
    CHECK_EQ(st, 126 << 8);

    /* Malformed ELF files: ENOEXEC, and /bin/linux exits 126. */
    CHECK_EQ(mkelf("/tmp/lx_trunc", entry_code, sizeof entry_code, 90), 0); /* in the phdrs */
    char *tr[] = {"/tmp/lx_trunc", NULL};
    st = run_status(tr, out, sizeof out);
    CHECK_EQ(st, 126 << 8);
    int fd = open("/tmp/lx_junk", O_WRONLY | O_CREAT | O_TRUNC);
    write(fd,
          "\x7f"
          "ELF\x02\x01\x01garbage garbage garbage garbage garbage garbage garbage garbage garbage "
          "garbage garbage garbage",
          100);
    close(fd);
    CHECK_EQ(chmod("/tmp/lx_junk", 0755), 0);
    char *jk[] = {"/tmp/lx_junk", NULL};
    st = run_status(jk, out, sizeof out);
    CHECK_EQ(st, 126 << 8);
    return check_failures;
}
