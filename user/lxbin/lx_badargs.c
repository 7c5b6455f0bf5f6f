/* A Linux program, built with the host's gcc (static, no C library), that
 * calls the personality's newer system calls with bad arguments and checks
 * each answer against what Linux answers (the errno of each case is
 * Linux's): bad pointers (EFAULT), bad numbers, sizes and times (EINVAL),
 * processes that do not exist (ESRCH), descriptors that are not open
 * (EBADF, POLLNVAL). Prints "badargs: N of N as Linux" and exits 0, or
 * one line per difference and exits 1. */
#define EPERM   1
#define ENOENT  2
#define ESRCH   3
#define EINTR   4
#define EBADF   9
#define EAGAIN  11
#define EFAULT  14
#define EEXIST  17
#define EINVAL  22
#define ENOTDIR 20
#define ELOOP   40

#define BAD   0xdead0000L         /* unmapped */
#define KADDR 0xffff800000001000L /* the kernel's */

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long r;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return r;
}
#define S(n, a, b, c, d, e) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

static char out[4096];
static int outn, checks, bad;

static void put(const char *s)
{
    while (*s && outn < (int)sizeof out)
        out[outn++] = *s++;
}
static void num(long v)
{
    char d[24];
    int k = 0;
    unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
    if (v < 0)
        put("-");
    do
        d[k++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    while (k) {
        char c[2] = {d[--k], 0};
        put(c);
    }
}

/* One check: the call's answer must be want. */
static void want(const char *what, long got, long wanted)
{
    checks++;
    if (got == wanted)
        return;
    bad++;
    put("differs: ");
    put(what);
    put(": got ");
    num(got);
    put(", Linux gives ");
    num(wanted);
    put("\n");
}

struct timespec {
    long sec, nsec;
};
struct pollfd {
    int fd;
    short events, revents;
};

__attribute__((force_align_arg_pointer, noreturn)) void _start(void)
{
    long pid = S(39, 0, 0, 0, 0, 0);
    struct timespec ts = {0, 0};
    unsigned long set = 0;

    /* creat (85) */
    want("creat(unmapped path)", S(85, BAD, 0644, 0, 0, 0), -EFAULT);
    want("creat(kernel path)", S(85, KADDR, 0644, 0, 0, 0), -EFAULT);
    want("creat(\"\")", S(85, "", 0644, 0, 0, 0), -ENOENT);
    want("creat(/nosuch/dir/f)", S(85, "/nosuch/dir/f", 0644, 0, 0, 0), -ENOENT);
    /* clock_getres (229) */
    want("clock_getres(99)", S(229, 99, &ts, 0, 0, 0), -EINVAL);
    want("clock_getres(-1)", S(229, -1, &ts, 0, 0, 0), -EINVAL);
    want("clock_getres(unmapped)", S(229, 0, BAD, 0, 0, 0), -EFAULT);
    want("clock_getres(NULL)", S(229, 1, 0, 0, 0, 0), 0);
    /* gettid (186): one thread, the pid */
    want("gettid", S(186, 0, 0, 0, 0, 0), pid);
    /* tkill (200), tgkill (234) */
    want("tkill(0)", S(200, 0, 0, 0, 0, 0), -EINVAL);
    want("tkill(-1)", S(200, -1, 0, 0, 0, 0), -EINVAL);
    want("tkill(no such tid)", S(200, 99999, 0, 0, 0, 0), -ESRCH);
    want("tkill(self, 65)", S(200, pid, 65, 0, 0, 0), -EINVAL);
    want("tkill(self, 0)", S(200, pid, 0, 0, 0, 0), 0);
    want("tgkill(0, 1)", S(234, 0, 1, 0, 0, 0), -EINVAL);
    want("tgkill(self, other tid)", S(234, pid, pid + 1000, 0, 0, 0), -ESRCH);
    want("tgkill(self, self, 65)", S(234, pid, pid, 65, 0, 0), -EINVAL);
    /* rt_sigpending (127) */
    want("rt_sigpending(unmapped)", S(127, BAD, 8, 0, 0, 0), -EFAULT);
    want("rt_sigpending(size 9)", S(127, &set, 9, 0, 0, 0), -EINVAL);
    want("rt_sigpending", S(127, &set, 8, 0, 0, 0), 0);
    /* kill (62) */
    want("kill(no such pid)", S(62, 99999, 15, 0, 0, 0), -ESRCH);
    want("kill(self, 65)", S(62, pid, 65, 0, 0, 0), -EINVAL);
    want("kill(self, -1)", S(62, pid, -1, 0, 0, 0), -EINVAL);

    /* poll (7), ppoll (271) */
    struct pollfd pf = {99, 1, 0};
    want("poll(unmapped)", S(7, BAD, 1, 0, 0, 0), -EFAULT);
    want("poll(kernel)", S(7, KADDR, 1, 0, 0, 0), -EFAULT);
    want("poll(fd 99)", S(7, &pf, 1, 0, 0, 0), 1);
    want("poll(fd 99) revents", pf.revents, 0x20); /* POLLNVAL */
    want("poll(none, 10 ms)", S(7, 0, 0, 10, 0, 0), 0);
    pf.fd = -1;
    want("poll(fd -1)", S(7, &pf, 1, 0, 0, 0), 0);
    want("ppoll(unmapped timeout)", S(271, &pf, 1, BAD, 0, 8), -EFAULT);
    struct timespec bad_ts = {0, 2000000000};
    want("ppoll(nsec 2e9)", S(271, &pf, 1, &bad_ts, 0, 8), -EINVAL);
    struct timespec neg_ts = {-1, 0};
    want("ppoll(sec -1)", S(271, &pf, 1, &neg_ts, 0, 8), -EINVAL);
    want("ppoll(sigsetsize 4)", S(271, &pf, 1, &ts, &set, 4), -EINVAL);
    want("ppoll(unmapped sigmask)", S(271, &pf, 1, &ts, BAD, 8), -EFAULT);
    want("ppoll(zero timeout)", S(271, &pf, 1, &ts, &set, 8), 0);

    /* select (23), pselect6 (270) */
    unsigned long fds[16] = {0};
    long tv[2] = {0, 0};
    want("select(nfds -1)", S(23, -1, 0, 0, 0, tv), -EINVAL);
    want("select(unmapped set)", S(23, 1, BAD, 0, 0, tv), -EFAULT);
    fds[0] = 1UL << 30;
    want("select(fd 30 not open)", S(23, 31, fds, 0, 0, tv), -EBADF);
    fds[0] = 1UL << 1;
    long bad_tv[2] = {0, 2000000};
    want("select(usec 2e6: 2 s)", S(23, 2, 0, fds, 0, bad_tv), 1);
    long neg_tv[2] = {0, -1};
    want("select(usec -1)", S(23, 2, 0, fds, 0, neg_tv), -EINVAL);
    want("select(unmapped timeout)", S(23, 2, 0, fds, 0, BAD), -EFAULT);
    want("select(stdout writable)", S(23, 2, 0, fds, 0, tv), 1);
    want("pselect6(unmapped timeout)", sys6(270, 2, 0, (long)fds, 0, BAD, 0), -EFAULT);
    want("pselect6(unmapped sigmask arg)", sys6(270, 2, 0, (long)fds, 0, (long)&ts, BAD), -EFAULT);
    want("pselect6(nfds 2000, no sets)", sys6(270, 2000, 0, 0, 0, (long)&ts, 0), 0);

    /* getitimer (36), setitimer (38), alarm (37) */
    long itv[4] = {0, 0, 0, 0};
    want("getitimer(9)", S(36, 9, itv, 0, 0, 0), -EINVAL);
    want("getitimer(unmapped)", S(36, 0, BAD, 0, 0, 0), -EFAULT);
    want("setitimer(9)", S(38, 9, itv, 0, 0, 0), -EINVAL);
    want("setitimer(unmapped new)", S(38, 0, BAD, 0, 0, 0), -EFAULT);
    want("setitimer(unmapped old)", S(38, 0, itv, BAD, 0, 0), -EFAULT);
    long bad_itv[4] = {0, 0, 0, 2000000};
    want("setitimer(usec 2e6)", S(38, 0, bad_itv, 0, 0, 0), -EINVAL);
    want("alarm(0), none before", S(37, 0, 0, 0, 0, 0), 0);
    want("alarm(100)", S(37, 100, 0, 0, 0, 0), 0);
    want("alarm(0) after alarm(100)", S(37, 0, 0, 0, 0, 0), 100);
    want("getitimer after alarm(0)", S(36, 0, itv, 0, 0, 0), 0);
    want("getitimer: stopped", itv[2] | itv[3], 0);

    /* nanosleep (35), clock_nanosleep (230) */
    want("nanosleep(unmapped)", S(35, BAD, 0, 0, 0, 0), -EFAULT);
    struct timespec m1 = {0, -1};
    want("nanosleep(nsec -1)", S(35, &m1, 0, 0, 0, 0), -EINVAL);
    want("nanosleep(0)", S(35, &ts, 0, 0, 0, 0), 0);
    want("clock_nanosleep(clock 99)", S(230, 99, 0, &ts, 0, 0), -EINVAL);
    want("clock_nanosleep(unmapped)", S(230, 1, 0, BAD, 0, 0), -EFAULT);

    /* O_NONBLOCK: a pipe read with nothing in it */
    int p[2];
    want("pipe2(O_NONBLOCK)", S(293, p, 0x800, 0, 0, 0), 0);
    char c;
    want("read(empty nonblocking pipe)", S(0, p[0], &c, 1, 0, 0), -EAGAIN);
    want("fcntl(F_GETFL) has O_NONBLOCK", S(72, p[0], 3, 0, 0, 0) & 0x800, 0x800);
    want("pipe2(bad flag)", S(293, p, 0x1, 0, 0, 0), -EINVAL);

    /* symlink (88), symlinkat (266), readlink (89), readlinkat (267), lstat
     * (6), and the *at calls from a directory descriptor */
    char lb[64], st[144];
    S(87, "/tmp/badargs_l", 0, 0, 0, 0);
    S(87, "/tmp/badargs_loop", 0, 0, 0, 0);
    want("symlink(unmapped target)", S(88, BAD, "/tmp/badargs_l", 0, 0, 0), -EFAULT);
    want("symlink(unmapped path)", S(88, "t", BAD, 0, 0, 0), -EFAULT);
    want("symlink(\"\" target)", S(88, "", "/tmp/badargs_l", 0, 0, 0), -ENOENT);
    want("symlink(no such directory)", S(88, "t", "/nosuch/l", 0, 0, 0), -ENOENT);
    want("symlink(over /tmp)", S(88, "t", "/tmp", 0, 0, 0), -EEXIST);
    want("symlink", S(88, "badargs_t", "/tmp/badargs_l", 0, 0, 0), 0);
    want("readlink", S(89, "/tmp/badargs_l", lb, sizeof lb, 0, 0), 9);
    want("readlink(size 3)", S(89, "/tmp/badargs_l", lb, 3, 0, 0), 3);
    want("readlink(size 0)", S(89, "/tmp/badargs_l", lb, 0, 0, 0), -EINVAL);
    want("readlink(unmapped buffer)", S(89, "/tmp/badargs_l", BAD, 10, 0, 0), -EFAULT);
    want("readlink(not a link)", S(89, "/tmp", lb, sizeof lb, 0, 0), -EINVAL);
    want("readlink(no such file)", S(89, "/tmp/badargs_none", lb, sizeof lb, 0, 0), -ENOENT);
    want("stat(dangling link)", S(4, "/tmp/badargs_l", st, 0, 0, 0), -ENOENT);
    want("lstat(dangling link)", S(6, "/tmp/badargs_l", st, 0, 0, 0), 0);
    want("lstat: S_IFLNK", *(unsigned *)(st + 24) & 0170000, 0120000);
    want("lstat(unmapped)", S(6, "/tmp/badargs_l", BAD, 0, 0, 0), -EFAULT);
    want("symlinkat(loop)", S(266, "badargs_loop", -100, "/tmp/badargs_loop", 0, 0), 0);
    want("stat(a link to itself)", S(4, "/tmp/badargs_loop", st, 0, 0, 0), -ELOOP);
    want("open(a link to itself)", S(2, "/tmp/badargs_loop", 0, 0, 0, 0), -ELOOP);
    long dfd = S(2, "/tmp", 0x10000, 0, 0, 0); /* O_DIRECTORY */
    want("readlinkat(dirfd)", S(267, dfd, "badargs_l", lb, sizeof lb, 0), 9);
    want("readlinkat(bad fd)", S(267, 99, "badargs_l", lb, sizeof lb, 0), -EBADF);
    want("readlinkat(fd not a directory)", S(267, 1, "badargs_l", lb, sizeof lb, 0), -ENOTDIR);
    want("newfstatat(dirfd, NOFOLLOW)", S(262, dfd, "badargs_l", st, 0x100, 0), 0);
    want("newfstatat(dirfd)", S(262, dfd, "badargs_l", st, 0, 0), -ENOENT);
    want("mkdirat(fd not a directory)", S(258, 1, "badargs_d", 0755, 0, 0), -ENOTDIR);
    want("unlinkat(bad flags)", S(263, dfd, "badargs_l", 0x1, 0, 0), -EINVAL);
    want("unlinkat(dirfd)", S(263, dfd, "badargs_l", 0, 0, 0), 0);
    want("unlinkat(dirfd) again", S(263, dfd, "badargs_l", 0, 0, 0), -ENOENT);
    want("unlink(loop)", S(87, "/tmp/badargs_loop", 0, 0, 0, 0), 0);
    /* link (86), linkat (265) */
    want("link(unmapped)", S(86, BAD, "/tmp/badargs_h", 0, 0, 0), -EFAULT);
    want("link(a directory)", S(86, "/tmp", "/tmp/badargs_h", 0, 0, 0), -EPERM);
    want("link(no such file)", S(86, "/tmp/badargs_none", "/tmp/badargs_h", 0, 0, 0), -ENOENT);
    want("linkat(bad flags)", sys6(265, -100, (long)"/tmp", -100, (long)"/tmp/badargs_h", 1, 0),
         -EINVAL);
    long fd = S(85, "/tmp/badargs_f", 0644, 0, 0, 0);
    S(3, fd, 0, 0, 0, 0);
    want("link", S(86, "/tmp/badargs_f", "/tmp/badargs_h", 0, 0, 0), 0);
    want("link(over an existing name)", S(86, "/tmp/badargs_f", "/tmp/badargs_h", 0, 0, 0),
         -EEXIST);
    want("stat: 2 links", (S(4, "/tmp/badargs_h", st, 0, 0, 0), *(long *)(st + 16)), 2);
    S(87, "/tmp/badargs_f", 0, 0, 0, 0);
    S(87, "/tmp/badargs_h", 0, 0, 0, 0);
    S(3, dfd, 0, 0, 0, 0);

    if (!bad) {
        put("badargs: ");
        num(checks);
        put(" of ");
        num(checks);
        put(" as Linux\n");
    }
    sys6(1, 1, (long)out, outn, 0, 0, 0);
    sys6(231, bad != 0, 0, 0, 0, 0, 0);
    for (;;)
        ;
}
