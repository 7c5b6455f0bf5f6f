/* Sockets for the Unix library OS: descriptors whose open file description
 * (type OF_SOCK, in the shared state) names a socket of netd, the
 * machine's TCP/IP server (user/netd.c, lib/net/netd.h). Every call goes
 * to the library OS's server (U_NET), which checks that the descriptor is
 * ours and a socket and forwards it to netd; addresses and data travel on
 * our argument page (the address at data[0..16), data from data + 64).
 *
 * netd never waits: a call that cannot finish comes back EAGAIN (connect:
 * EINPROGRESS) with our channel noted on the socket, and netd rings it
 * when the socket can go on. Here a descriptor without O_NONBLOCK sleeps
 * (unix_block: a ring that came first ends it at once) and calls again. */
#include "../unix_internal.h"
#include "../../exo/exo.h"
#include "../../c/libc.h"
#include "../../net/netd.h"

#define NET_DATA (UNIX_ARG_DATA - 64) /* bytes one call moves */

static int fail(int e)
{
    errno = e;
    return -1;
}

/* Our descriptor's open file description (read-only), or NULL. */
static const struct ofile *ofile_of(int fd)
{
    if (fd < 0 || fd >= NOFILE || unix_chan < 0)
        return NULL;
    int o = SH->fdtab[unix_chan][fd];
    return o >= 0 && o < NOFILE_SYS ? &SH->ofiles[o] : NULL;
}

/* Whether a call on fd that would wait fails instead: its description's
 * O_NONBLOCK, or the caller's unix_nonblock (the Linux personality's). */
static int nonblocking(int fd)
{
    const struct ofile *o = ofile_of(fd);
    return unix_nonblock || (o && (*(volatile int *)&o->flags & O_NONBLOCK));
}

/* Sleeps until rung; -1 (EINTR) instead if a signal's handler is due. */
static int sleep_rung(void)
{
    if (unix_intr_hook && unix_intr_hook())
        return fail(EINTR);
    unix_block();
    return 0;
}

/* One call to netd about socket fd: x[1..4] and the address as the caller
 * put them on our page. */
static int64_t ncall(int fd, int op, int64_t a2)
{
    UNIX_ARG->x[0] = a2;
    return unix_call(U_NET, (uint64_t)fd, (uint64_t)op);
}

/* The same, again after each ring while it would wait and fd blocks. */
static int64_t ncall_wait(int fd, int op, int64_t a2, const struct sockaddr_in *addr)
{
    for (;;) {
        if (addr)
            memcpy(UNIX_ARG->data, addr, sizeof *addr);
        int64_t r = ncall(fd, op, a2);
        if (r >= 0 || errno != EAGAIN || nonblocking(fd))
            return r;
        if (sleep_rung() < 0)
            return -1;
    }
}

/* A socket address from the caller: AF_INET, long enough. */
static int take_addr(const struct sockaddr *a, socklen_t len, struct sockaddr_in *in)
{
    if (!a)
        return fail(EFAULT);
    if (len < sizeof *in)
        return fail(EINVAL);
    memcpy(in, a, sizeof *in);
    if (in->sin_family != AF_INET)
        return fail(EAFNOSUPPORT);
    return 0;
}

/* Gives the address on our page to the caller (truncated to *len, which
 * becomes the full length, as POSIX says). */
static void give_addr(struct sockaddr *a, socklen_t *len)
{
    if (!a || !len)
        return;
    struct sockaddr_in in;
    memcpy(&in, UNIX_ARG->data, sizeof in);
    in.sin_family = AF_INET;
    memset(in.sin_zero, 0, sizeof in.sin_zero);
    memcpy(a, &in, *len < sizeof in ? *len : sizeof in);
    *len = sizeof in;
}

int socket(int domain, int type, int protocol)
{
    int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (domain != AF_INET)
        return fail(EAFNOSUPPORT);
    if (kind != SOCK_STREAM && kind != SOCK_DGRAM)
        return fail(EPROTOTYPE);
    if (protocol != 0 && !(kind == SOCK_STREAM && protocol == 6) &&
        !(kind == SOCK_DGRAM && protocol == 17))
        return fail(EPROTONOSUPPORT);
    return (int)unix_call(U_SOCKET, (uint64_t)kind, type & SOCK_NONBLOCK ? O_NONBLOCK : 0);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct sockaddr_in in;
    if (take_addr(addr, len, &in) < 0)
        return -1;
    memcpy(UNIX_ARG->data, &in, sizeof in);
    return ncall(fd, NETD_ADDR, 0) < 0 ? -1 : 0;
}

int listen(int fd, int backlog)
{
    return ncall(fd, NETD_LISTEN, backlog) < 0 ? -1 : 0;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return fail(EINVAL);
    if (addr && !len)
        return fail(EFAULT);
    int64_t r = ncall_wait(fd, NETD_ACCEPT, 0, NULL);
    if (r < 0)
        return -1;
    give_addr(addr, len);
    if (flags & SOCK_NONBLOCK)
        fd_setfl((int)r, O_NONBLOCK);
    return (int)r;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    return accept4(fd, addr, len, 0);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct sockaddr_in in;
    if (take_addr(addr, len, &in) < 0)
        return -1;
    memcpy(UNIX_ARG->data, &in, sizeof in);
    if (ncall(fd, NETD_CONNECT, 0) == 0)
        return 0;
    if (errno != EINPROGRESS || nonblocking(fd))
        return -1;
    /* Blocking: until it is connected or failed. */
    for (;;) {
        int rv = sock_poll(fd, POLLOUT, 1);
        if (rv < 0)
            return -1;
        if (rv) {
            int err = 0;
            socklen_t l = sizeof err;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
                return -1;
            if (err)
                return fail(err);
            return rv & POLLOUT ? 0 : fail(ECONNREFUSED);
        }
        if (sleep_rung() < 0)
            return -1;
    }
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
               socklen_t tolen)
{
    (void)flags;
    struct sockaddr_in in;
    if (to && take_addr(to, tolen, &in) < 0)
        return -1;
    if (!buf && n)
        return fail(EFAULT);
    size_t done = 0;
    do {
        size_t k = n - done < NET_DATA ? n - done : NET_DATA;
        memcpy(UNIX_ARG->data + 64, (const char *)buf + done, k);
        UNIX_ARG->x[1] = to ? 1 : 0;
        int64_t r = ncall_wait(fd, NETD_SEND, (int64_t)k, to ? &in : NULL);
        if (r < 0)
            return done ? (ssize_t)done : -1;
        done += (size_t)r;
        if (to || ((size_t)r < k && nonblocking(fd)))
            break; /* a datagram, or the socket's buffer is full (non-blocking) */
    } while (done < n);
    return (ssize_t)done;
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    return sendto(fd, buf, n, flags, NULL, 0);
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *fromlen)
{
    (void)flags;
    if (!buf && n)
        return fail(EFAULT);
    if (from && !fromlen)
        return fail(EFAULT);
    size_t k = n < NET_DATA ? n : NET_DATA;
    int64_t r = ncall_wait(fd, NETD_RECV, (int64_t)k, NULL);
    if (r < 0)
        return -1;
    if (r > (int64_t)k)
        return fail(EIO);
    memcpy(buf, UNIX_ARG->data + 64, (size_t)r);
    give_addr(from, fromlen);
    return (ssize_t)r;
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    return recvfrom(fd, buf, n, flags, NULL, NULL);
}

int shutdown(int fd, int how)
{
    return ncall(fd, NETD_SHUTDOWN, how) < 0 ? -1 : 0;
}

static int name(int fd, struct sockaddr *addr, socklen_t *len, int peer)
{
    if (!addr || !len)
        return fail(EFAULT);
    if (ncall(fd, NETD_NAME, peer) < 0)
        return -1;
    give_addr(addr, len);
    return 0;
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    return name(fd, addr, len, 0);
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
    return name(fd, addr, len, 1);
}

int setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
    if (!val)
        return fail(EFAULT);
    if (len < sizeof(int))
        return fail(EINVAL);
    UNIX_ARG->x[1] = level;
    UNIX_ARG->x[2] = opt;
    UNIX_ARG->x[3] = *(const int *)val;
    return ncall(fd, NETD_SETOPT, 0) < 0 ? -1 : 0;
}

int getsockopt(int fd, int level, int opt, void *val, socklen_t *len)
{
    if (!val || !len)
        return fail(EFAULT);
    if (*len < sizeof(int))
        return fail(EINVAL);
    UNIX_ARG->x[1] = level;
    UNIX_ARG->x[2] = opt;
    int64_t r = ncall(fd, NETD_GETOPT, 0);
    if (r < 0)
        return -1;
    *(int *)val = (int)r;
    *len = sizeof(int);
    return 0;
}

int fd_getfl(int fd)
{
    const struct ofile *o = ofile_of(fd);
    if (!o)
        return fail(EBADF);
    return *(volatile int *)&o->flags & (O_ACCMODE | O_APPEND | O_NONBLOCK);
}

int fd_setfl(int fd, int flags)
{
    return unix_call(U_SETFL, (uint64_t)fd, (uint64_t)(flags & O_NONBLOCK)) < 0 ? -1 : 0;
}

int sock_poll(int fd, int events, int arm)
{
    const struct ofile *o = ofile_of(fd);
    if (!o)
        return POLLNVAL;
    if (o->type != OF_SOCK)
        return fail(ENOTSOCK);
    (void)arm; /* (netd notes the waiter whenever nothing is ready) */
    int64_t r = ncall(fd, NETD_POLL, events & (POLLIN | POLLOUT));
    return r < 0 ? POLLERR : (int)r;
}

static uint64_t now_ms(void)
{
    return __builtin_ia32_rdtsc() / exo_info->tsc_per_ms;
}

int sock_poll_fds(struct pollfd *fds, unsigned long n, int timeout_ms)
{
    if (n && !fds)
        return fail(EFAULT);
    uint64_t start = now_ms();
    for (;;) {
        int ready = 0;
        for (unsigned long i = 0; i < n; i++) {
            struct pollfd *p = &fds[i];
            p->revents = 0;
            if (p->fd < 0)
                continue;
            const struct ofile *o = ofile_of(p->fd);
            if (!o)
                p->revents = POLLNVAL;
            else
                p->revents = (short)fd_poll(p->fd, p->events, 1);
            ready += p->revents != 0;
        }
        if (ready || timeout_ms == 0)
            return ready;
        uint64_t waited = now_ms() - start;
        if (timeout_ms > 0 && waited >= (uint64_t)timeout_ms)
            return 0;
        /* Rung by netd, or at the time limit. */
        if (timeout_ms < 0) {
            unix_block();
        } else {
            UNIX_ARG->asleep = 1;
            sys_block(((uint64_t)timeout_ms - waited) * 1000);
            UNIX_ARG->asleep = 0;
        }
    }
}
