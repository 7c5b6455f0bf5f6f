/* The Linux personality's socket calls, on lib/unix's sockets (lib/unix/net,
 * served by netd): IPv4 TCP and UDP, with Linux's numbers and structures
 * (sockaddr_in is the same). Every pointer is checked (lx_ok) before use:
 * -EFAULT, never a fault here; a length out of range is -EINVAL. */
#include "linux.h"
#include "../c/libc.h"
#include "../unix/unix_internal.h"

#define ARGS                                                                                       \
    uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t g, struct upcall_frame *f
#define UNUSED (void)a, (void)b, (void)c, (void)d, (void)e, (void)g, (void)f

#define SIGPIPE         13
#define MSG_DONTWAIT    0x40
#define MSG_NOSIGNAL    0x4000
#define ADDR_MAX        128 /* sizeof(struct sockaddr_storage) */
#define LX_EMSGSIZE     90
#define LX_EOPNOTSUPP   95
#define LX_EAFNOSUPPORT 97

static long err(void)
{
    return -(long)errno;
}

static void set_cloexec(long fd, int on)
{
    if (fd < 0 || fd >= 64)
        return;
    if (on)
        lx.cloexec |= 1UL << fd;
    else
        lx.cloexec &= ~(1UL << fd);
}

/* An address argument: length within Linux's bounds, memory readable. */
static long addr_in(uint64_t p, uint64_t len)
{
    if ((int64_t)len < 0 || len > ADDR_MAX)
        return -LX_EINVAL;
    if (!lx_ok(p, len, 0))
        return -LX_EFAULT;
    return 0;
}

/* An address result (p, lenp): *lenp readable and writable, and non-negative;
 * then p writable for *lenp bytes. p 0: none wanted. */
static long addr_out(uint64_t p, uint64_t lenp)
{
    if (!p)
        return 0;
    if (!lx_ok(lenp, 4, 1))
        return -LX_EFAULT;
    int n = *(int *)lenp;
    if (n < 0)
        return -LX_EINVAL;
    if (!lx_ok(p, (uint64_t)n, 1))
        return -LX_EFAULT;
    return 0;
}

long lx_socket(ARGS)
{
    UNUSED;
    int r = socket((int)a, (int)b, (int)c);
    if (r < 0)
        return err();
    set_cloexec(r, (b & SOCK_CLOEXEC) != 0);
    return r;
}

long lx_bind(ARGS)
{
    UNUSED;
    long r = addr_in(b, c);
    if (r < 0)
        return r;
    return bind((int)a, (const struct sockaddr *)b, (socklen_t)c) < 0 ? err() : 0;
}

long lx_connect(ARGS)
{
    UNUSED;
    long r = addr_in(b, c);
    if (r < 0)
        return r;
    return connect((int)a, (const struct sockaddr *)b, (socklen_t)c) < 0 ? err() : 0;
}

long lx_listen(ARGS)
{
    UNUSED;
    return listen((int)a, (int)b) < 0 ? err() : 0;
}

long lx_accept4(ARGS)
{
    UNUSED;
    long r = addr_out(b, c);
    if (r < 0)
        return r;
    if (d & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -LX_EINVAL;
    int fd = accept4((int)a, (struct sockaddr *)b, b ? (socklen_t *)c : NULL, (int)d);
    if (fd < 0)
        return err();
    set_cloexec(fd, (d & SOCK_CLOEXEC) != 0);
    return fd;
}

long lx_accept(ARGS)
{
    UNUSED;
    return lx_accept4(a, b, c, 0, 0, 0, f);
}

/* MSG_DONTWAIT: fails with EAGAIN unless the socket is ready now. */
static long dontwait(int fd, uint64_t flags, int events)
{
    if (!(flags & MSG_DONTWAIT))
        return 0;
    int r = sock_poll(fd, events, 0);
    if (r < 0)
        return err();
    return r ? 0 : -LX_EAGAIN;
}

static long sent(ssize_t r, uint64_t flags)
{
    if (r < 0 && errno == EPIPE && !(flags & MSG_NOSIGNAL) && !lx_signal(SIGPIPE))
        unix_die(SIGPIPE);
    return r < 0 ? err() : r;
}

long lx_sendto(ARGS)
{
    UNUSED;
    if (!lx_ok(b, c, 0))
        return -LX_EFAULT;
    if (e) {
        long r = addr_in(e, g);
        if (r < 0)
            return r;
    }
    long w = dontwait((int)a, d, POLLOUT);
    if (w < 0)
        return w;
    return sent(sendto((int)a, (const void *)b, c, (int)d, e ? (const struct sockaddr *)e : NULL,
                       (socklen_t)g),
                d);
}

long lx_recvfrom(ARGS)
{
    UNUSED;
    if (!lx_ok(b, c, 1))
        return -LX_EFAULT;
    long r = addr_out(e, g);
    if (r < 0)
        return r;
    if ((r = dontwait((int)a, d, POLLIN)) < 0)
        return r;
    ssize_t n = recvfrom((int)a, (void *)b, c, (int)d, e ? (struct sockaddr *)e : NULL,
                         e ? (socklen_t *)g : NULL);
    return n < 0 ? err() : n;
}

struct lx_iovec {
    uint64_t base, len;
};
struct lx_msghdr {
    uint64_t name;
    uint32_t namelen;
    uint32_t pad;
    uint64_t iov, iovlen;
    uint64_t control, controllen;
    int32_t flags;
};

/* sendmsg and recvmsg without ancillary data: the vector goes through one
 * buffer (a datagram stays one datagram), at most MSG_MAX bytes a call. */
#define MSG_MAX 65536
static char *msgbuf; /* (from the heap at the first use: 16 pages in bss would be
                      * mapped in every process, and copied by every fork) */

static long msgbuf_get(void)
{
    if (!msgbuf)
        msgbuf = malloc(MSG_MAX);
    return msgbuf ? 0 : -LX_ENOMEM;
}

static long msg_check(uint64_t m, int write)
{
    if (!lx_ok(m, sizeof(struct lx_msghdr), write))
        return -LX_EFAULT;
    const struct lx_msghdr *h = (const struct lx_msghdr *)m;
    if (h->iovlen > 1024)
        return -LX_EMSGSIZE;
    if (h->iovlen && !lx_ok(h->iov, h->iovlen * sizeof(struct lx_iovec), 0))
        return -LX_EFAULT;
    const struct lx_iovec *v = (const struct lx_iovec *)h->iov;
    for (uint64_t i = 0; i < h->iovlen; i++)
        if (!lx_ok(v[i].base, v[i].len, write))
            return -LX_EFAULT;
    return 0;
}

long lx_sendmsg(ARGS)
{
    UNUSED;
    long r = msg_check(b, 0);
    if (r < 0 || (r = msgbuf_get()) < 0)
        return r;
    const struct lx_msghdr *h = (const struct lx_msghdr *)b;
    if (h->name && (r = addr_in(h->name, h->namelen)) < 0)
        return r;
    const struct lx_iovec *v = (const struct lx_iovec *)h->iov;
    size_t n = 0;
    for (uint64_t i = 0; i < h->iovlen && n < MSG_MAX; i++) {
        size_t k = v[i].len < MSG_MAX - n ? v[i].len : MSG_MAX - n;
        memcpy(msgbuf + n, (const void *)v[i].base, k);
        n += k;
    }
    if ((r = dontwait((int)a, c, POLLOUT)) < 0)
        return r;
    return sent(sendto((int)a, msgbuf, n, (int)c, h->name ? (const struct sockaddr *)h->name : NULL,
                       h->namelen),
                c);
}

long lx_recvmsg(ARGS)
{
    UNUSED;
    long r = msg_check(b, 1);
    if (r < 0 || (r = msgbuf_get()) < 0)
        return r;
    struct lx_msghdr *h = (struct lx_msghdr *)b;
    if (h->name && !lx_ok(h->name, h->namelen, 1))
        return -LX_EFAULT;
    const struct lx_iovec *v = (const struct lx_iovec *)h->iov;
    size_t want = 0;
    for (uint64_t i = 0; i < h->iovlen; i++)
        want += v[i].len;
    if (want > MSG_MAX)
        want = MSG_MAX;
    if ((r = dontwait((int)a, c, POLLIN)) < 0)
        return r;
    socklen_t nl = h->namelen;
    ssize_t n = recvfrom((int)a, msgbuf, want, (int)c, h->name ? (struct sockaddr *)h->name : NULL,
                         h->name ? &nl : NULL);
    if (n < 0)
        return err();
    size_t off = 0;
    for (uint64_t i = 0; i < h->iovlen && off < (size_t)n; i++) {
        size_t k = v[i].len < (size_t)n - off ? v[i].len : (size_t)n - off;
        memcpy((void *)v[i].base, msgbuf + off, k);
        off += k;
    }
    if (h->name)
        h->namelen = nl;
    h->controllen = 0;
    h->flags = 0;
    return n;
}

long lx_shutdown(ARGS)
{
    UNUSED;
    return shutdown((int)a, (int)b) < 0 ? err() : 0;
}

static long name(uint64_t fd, uint64_t p, uint64_t lenp, int peer)
{
    if (!p)
        return -LX_EFAULT;
    long r = addr_out(p, lenp);
    if (r < 0)
        return r;
    int k = peer ? getpeername((int)fd, (struct sockaddr *)p, (socklen_t *)lenp)
                 : getsockname((int)fd, (struct sockaddr *)p, (socklen_t *)lenp);
    return k < 0 ? err() : 0;
}

long lx_getsockname(ARGS)
{
    UNUSED;
    return name(a, b, c, 0);
}

long lx_getpeername(ARGS)
{
    UNUSED;
    return name(a, b, c, 1);
}

long lx_setsockopt(ARGS)
{
    UNUSED;
    if ((int64_t)e < 0)
        return -LX_EINVAL;
    if (!lx_ok(d, e, 0))
        return -LX_EFAULT;
    return setsockopt((int)a, (int)b, (int)c, (const void *)d, (socklen_t)e) < 0 ? err() : 0;
}

long lx_getsockopt(ARGS)
{
    UNUSED;
    if (!lx_ok(e, 4, 1))
        return -LX_EFAULT;
    int n = *(int *)e;
    if (n < 0)
        return -LX_EINVAL;
    if (!lx_ok(d, (uint64_t)n, 1))
        return -LX_EFAULT;
    return getsockopt((int)a, (int)b, (int)c, (void *)d, (socklen_t *)e) < 0 ? err() : 0;
}

/* socketpair: only AF_INET would be ours, and Linux has none there. */
long lx_socketpair(ARGS)
{
    UNUSED;
    if (!lx_ok(d, 8, 1))
        return -LX_EFAULT;
    return a == 1 ? -LX_EOPNOTSUPP : -LX_EAFNOSUPPORT;
}
