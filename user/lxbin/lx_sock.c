/* A Linux program, built with the host's gcc (static, no C library), that
 * makes the socket system calls with bad arguments and checks each answer
 * (run by t_unix_lxnet, with netd up): bad descriptors (EBADF), a pipe as a
 * socket (ENOTSOCK), unmapped addresses (EFAULT), address lengths out of
 * range (EINVAL), a family not ours (EAFNOSUPPORT), a refused connection
 * (ECONNREFUSED), a port in use (EADDRINUSE), socketpair (EAFNOSUPPORT for
 * AF_INET, EOPNOTSUPP for AF_UNIX), and the good path: bind, listen,
 * connect, accept4, sendto/recvfrom, sendmsg/recvmsg, getsockname, select
 * and pselect6 (with a bad descriptor: EBADF; a bad set: EFAULT). Prints
 * "lx_sock: N checks, M failed" and exits with M. */
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

static char *put(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static char *num(char *p, unsigned long v)
{
    char d[24];
    int k = 0;
    do
        d[k++] = (char)('0' + v % 10);
    while (v /= 10);
    while (k)
        *p++ = d[--k];
    return p;
}

static unsigned long checks, failed;

static void check(long line, long got, long want)
{
    checks++;
    if (got == want)
        return;
    failed++;
    char buf[128], *p = buf;
    p = put(p, "lx_sock: line ");
    p = num(p, (unsigned long)line);
    p = put(p, ": got ");
    if (got < 0) {
        *p++ = '-';
        got = -got;
    }
    p = num(p, (unsigned long)got);
    p = put(p, "\n");
    sys6(1, 1, (long)buf, p - buf, 0, 0, 0);
}
#define CHECK(got, want) check(__LINE__, (got), (want))

struct sin {
    unsigned short family, port;
    unsigned int addr;
    unsigned char zero[8];
};
struct iov {
    void *base;
    unsigned long len;
};
struct msg {
    void *name;
    unsigned int namelen, pad;
    struct iov *iov;
    unsigned long iovlen;
    void *control;
    unsigned long controllen;
    int flags;
};

#define BAD 0xdead0000L

__attribute__((force_align_arg_pointer, noreturn)) void _start(void)
{
    struct sin me = {2, 0x5a23 /* port 9050 */, 0x0900000a /* 10.0.0.9 */, {0}};
    struct sin any = {2, 0x5a23, 0, {0}};
    int fds[2];
    CHECK(sys6(22, (long)fds, 0, 0, 0, 0, 0), 0);   /* pipe */
    CHECK(sys6(41, 10, 1, 0, 0, 0, 0), -97);        /* socket(AF_INET6): EAFNOSUPPORT */
    long s = sys6(41, 2, 1 | 02000000, 0, 0, 0, 0); /* socket(AF_INET, SOCK_STREAM|CLOEXEC) */
    CHECK(s >= 3, 1);
    CHECK(sys6(49, 99, (long)&any, 16, 0, 0, 0), -9);      /* bind: EBADF */
    CHECK(sys6(49, fds[0], (long)&any, 16, 0, 0, 0), -88); /* bind a pipe: ENOTSOCK */
    CHECK(sys6(49, s, BAD, 16, 0, 0, 0), -14);             /* EFAULT */
    CHECK(sys6(49, s, (long)&any, 4096, 0, 0, 0), -22);    /* length: EINVAL */
    CHECK(sys6(49, s, (long)&any, -1, 0, 0, 0), -22);
    CHECK(sys6(49, s, (long)&any, 8, 0, 0, 0), -22);
    CHECK(sys6(42, s, (long)&me, 16, 0, 0, 0), -111); /* connect: ECONNREFUSED */
    long l = sys6(41, 2, 1, 0, 0, 0, 0);
    int one = 1;
    CHECK(sys6(54, l, 1, 2, (long)&one, 4, 0), 0);     /* SO_REUSEADDR */
    CHECK(sys6(54, l, 1, 2, BAD, 4, 0), -14);          /* setsockopt: EFAULT */
    CHECK(sys6(54, l, 1, 2, (long)&one, -1, 0), -22);  /* EINVAL */
    CHECK(sys6(54, l, 1, 999, (long)&one, 4, 0), -92); /* ENOPROTOOPT */
    CHECK(sys6(49, l, (long)&any, 16, 0, 0, 0), 0);
    CHECK(sys6(50, l, 4, 0, 0, 0, 0), 0);
    long l2 = sys6(41, 2, 1, 0, 0, 0, 0);
    CHECK(sys6(49, l2, (long)&any, 16, 0, 0, 0), -98); /* EADDRINUSE */
    sys6(3, l2, 0, 0, 0, 0, 0);
    struct sin got;
    int len = 16;
    CHECK(sys6(51, l, (long)&got, (long)&len, 0, 0, 0), 0); /* getsockname */
    CHECK(got.port, 0x5a23);
    CHECK(sys6(51, l, BAD, (long)&len, 0, 0, 0), -14);
    CHECK(sys6(51, l, (long)&got, BAD, 0, 0, 0), -14);
    len = -1;
    CHECK(sys6(51, l, (long)&got, (long)&len, 0, 0, 0), -22);
    CHECK(sys6(52, l, (long)&got, (long)&len, 0, 0, 0), -22);
    len = 16;
    CHECK(sys6(52, l, (long)&got, (long)&len, 0, 0, 0), -107); /* getpeername: ENOTCONN */
    CHECK(sys6(43, 99, 0, 0, 0, 0, 0), -9);                    /* accept: EBADF */
    CHECK(sys6(288, l, 0, 0, 0x7, 0, 0), -22);                 /* accept4 flags: EINVAL */
    CHECK(sys6(43, l, (long)&got, BAD, 0, 0, 0), -14);
    long c = sys6(41, 2, 1, 0, 0, 0, 0);
    CHECK(sys6(42, c, (long)&me, 16, 0, 0, 0), 0);
    len = 16;
    long a = sys6(288, l, (long)&got, (long)&len, 04000, 0, 0); /* SOCK_NONBLOCK */
    CHECK(a >= 3, 1);
    CHECK(got.addr, 0x0900000a);
    char buf[16];
    CHECK(sys6(45, a, (long)buf, 16, 0, 0, 0), -11);    /* non-blocking: EAGAIN */
    CHECK(sys6(45, c, (long)buf, 16, 0x40, 0, 0), -11); /* MSG_DONTWAIT */
    CHECK(sys6(44, c, BAD, 5, 0, 0, 0), -14);           /* sendto: EFAULT */
    unsigned long set[16] = {0};
    long zero[2] = {0, 0}, five[2] = {5, 0};
    set[0] = 1UL << a;
    CHECK(sys6(23, a + 1, (long)set, 0, 0, (long)zero, 0), 0); /* select: nothing yet */
    CHECK(sys6(23, -1, (long)set, 0, 0, (long)zero, 0), -22);
    CHECK(sys6(23, a + 1, BAD, 0, 0, (long)zero, 0), -14);
    CHECK(sys6(23, a + 1, (long)set, 0, 0, BAD, 0), -14);
    set[1] = 1UL << (99 - 64);
    CHECK(sys6(23, 100, (long)set, 0, 0, (long)zero, 0), -9); /* a bad descriptor: EBADF */
    set[1] = 0;
    CHECK(sys6(44, c, (long)"hello", 5, 0, 0, 0), 5);
    set[0] = 1UL << a;
    CHECK(sys6(23, a + 1, (long)set, 0, 0, (long)five, 0), 1); /* select: a is readable */
    CHECK(set[0], 1UL << a);
    set[0] = 1UL << c;
    CHECK(sys6(270, c + 1, 0, (long)set, 0, (long)zero, 0), 1); /* pselect6: c is writable */
    CHECK(sys6(45, a, BAD, 16, 0, 0, 0), -14);                  /* recvfrom: EFAULT */
    char r1[2], r2[8];
    struct iov v[2] = {{r1, 2}, {r2, 8}};
    struct msg m = {0, 0, 0, v, 2, 0, 0, 0};
    long n = 0;
    for (int i = 0; i < 100000 && (n = sys6(47, a, (long)&m, 0, 0, 0, 0)) == -11; i++)
        sys6(24, 0, 0, 0, 0, 0, 0); /* sched_yield until it comes */
    CHECK(n, 5);
    CHECK(r1[0] == 'h' && r1[1] == 'e' && r2[0] == 'l' && r2[2] == 'o', 1);
    CHECK(sys6(47, a, BAD, 0, 0, 0, 0), -14); /* recvmsg: EFAULT */
    struct iov w = {(void *)"xy", 2};
    struct msg mw = {0, 0, 0, &w, 1, 0, 0, 0};
    CHECK(sys6(46, a, (long)&mw, 0, 0, 0, 0), 2); /* sendmsg */
    CHECK(sys6(45, c, (long)buf, 16, 0, 0, 0), 2);
    struct iov wb = {(void *)BAD, 2};
    mw.iov = &wb;
    CHECK(sys6(46, a, (long)&mw, 0, 0, 0, 0), -14);
    CHECK(sys6(48, c, 7, 0, 0, 0, 0), -22);              /* shutdown: EINVAL */
    CHECK(sys6(48, c, 1, 0, 0, 0, 0), 0);                /* SHUT_WR */
    CHECK(sys6(44, c, (long)"z", 1, 0x4000, 0, 0), -32); /* MSG_NOSIGNAL: EPIPE, no signal */
    int e = 1, el = 4;
    CHECK(sys6(55, c, 1, 4, (long)&e, (long)&el, 0), 0); /* SO_ERROR */
    CHECK(e, 0);
    CHECK(sys6(55, c, 1, 4, (long)&e, BAD, 0), -14);
    CHECK(sys6(53, 2, 1, 0, (long)fds, 0, 0), -97); /* socketpair(AF_INET) */
    CHECK(sys6(53, 1, 1, 0, (long)fds, 0, 0), -95); /* socketpair(AF_UNIX) */
    CHECK(sys6(53, 1, 1, 0, BAD, 0, 0), -14);
    char out[64], *p = out;
    p = put(p, "lx_sock: ");
    p = num(p, checks);
    p = put(p, " checks, ");
    p = num(p, failed);
    p = put(p, " failed\n");
    sys6(1, 1, (long)out, p - out, 0, 0, 0);
    sys6(231, (long)failed, 0, 0, 0, 0, 0);
    for (;;)
        ;
}
