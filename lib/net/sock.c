/* lib/net's BSD sockets over lwIP's raw API (see sock.h). Each socket is a
 * slot of socks[]: its lwIP control block, the data lwIP delivered and the
 * program has not read yet (a pbuf chain), the connections a listener has
 * accepted and accept() has not returned yet (each already a socket, so
 * data arriving before accept() is kept). lwIP calls back into the slot
 * through tcp_arg; a slot is never freed while lwIP may still call it (its
 * callbacks are cleared first). */
#include <string.h>
#include "sock.h"
#include "lnet.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

__attribute__((weak)) int errno;

#define MIN(a, b) ((a) < (b) ? (a) : (b))

#define ACCEPTQ 16
/* Room for a whole window of segments (TCP_WND is 180 full ones): a full
 * queue makes lwIP keep the data as "refused" and offer it again only at
 * its next timer, 250 ms later. */
#define RXQ 256

struct sock {
    bool used, nonblock, reuse, listening, connecting, connected, fin;
    bool nodelay, rdshut, wrshut; /* TCP_NODELAY; shut down for reading, writing */
    int type;
    int err; /* a pending error (errno value), reported once */
    struct tcp_pcb *pcb;
    struct udp_pcb *upcb;
    struct pbuf *rx[RXQ]; /* TCP: unread data, one chain per lwIP delivery (a chain's */
    int rxh, rxn;         /* length is 16 bits), a ring from rx[rxh] ... */
    uint16_t rxoff;       /* ... and the bytes of the first already read */
    struct pbuf *rxq[16];
    uint32_t rxq_from[16];
    uint16_t rxq_port[16];
    int nrxq;
    int acc[ACCEPTQ]; /* sockets accepted by the listener, not yet returned */
    int nacc;
};
static struct sock socks[NSOCK];

static int fail(int e)
{
    errno = e;
    return -1;
}

static struct sock *sock_of(int fd)
{
    int i = fd - SOCK_FD_BASE;
    return i >= 0 && i < NSOCK && socks[i].used ? &socks[i] : NULL;
}

static int sock_new(int type)
{
    for (int i = 0; i < NSOCK; i++) {
        if (!socks[i].used) {
            memset(&socks[i], 0, sizeof socks[i]);
            socks[i].used = true;
            socks[i].type = type;
            return i;
        }
    }
    return -1;
}

/* Runs the network until cond(s) holds; false if the socket is
 * non-blocking and it does not hold now. */
static bool wait_for(struct sock *s, bool (*cond)(struct sock *))
{
    lnet_poll();
    while (!cond(s)) {
        if (s->nonblock)
            return false;
        lnet_wait(5000);
        lnet_poll();
    }
    return true;
}

static int lwip_errno(err_t e)
{
    switch (e) {
    case ERR_OK:
        return 0;
    case ERR_MEM:
    case ERR_BUF:
        return ENOMEM;
    case ERR_USE:
        return EADDRINUSE;
    case ERR_RST:
        return ECONNRESET;
    case ERR_ABRT:
    case ERR_CLSD:
        return ECONNRESET;
    case ERR_CONN:
        return ENOTCONN;
    case ERR_ISCONN:
        return EISCONN;
    case ERR_ALREADY:
        return EALREADY;
    default:
        return EINVAL;
    }
}

/* ---- lwIP's callbacks ---- */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)pcb, (void)err;
    struct sock *s = arg;
    if (!s) {
        if (p)
            pbuf_free(p);
        return ERR_OK;
    }
    if (!p) {
        s->fin = true;
        return ERR_OK;
    }
    if (s->rxn == RXQ)
        return ERR_MEM; /* lwIP keeps it and offers it again */
    s->rx[(s->rxh + s->rxn++) % RXQ] = p;
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    struct sock *s = arg;
    if (!s)
        return;
    s->pcb = NULL; /* lwIP has freed it */
    s->err = s->connecting && err == ERR_RST ? ECONNREFUSED : lwip_errno(err);
    s->connecting = s->connected = false;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)pcb;
    struct sock *s = arg;
    if (s) {
        s->connecting = false;
        s->connected = err == ERR_OK;
        if (err != ERR_OK)
            s->err = lwip_errno(err);
    }
    return ERR_OK;
}

static void set_callbacks(struct tcp_pcb *pcb, struct sock *s)
{
    tcp_arg(pcb, s);
    tcp_recv(pcb, s ? on_recv : NULL);
    tcp_err(pcb, s ? on_err : NULL);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct sock *l = arg;
    int i;
    if (!l || err != ERR_OK || l->nacc == ACCEPTQ || (i = sock_new(SOCK_STREAM)) < 0) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    socks[i].pcb = pcb;
    socks[i].connected = true;
    set_callbacks(pcb, &socks[i]);
    l->acc[l->nacc++] = i;
    return ERR_OK;
}

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *from,
                   u16_t port)
{
    (void)pcb;
    struct sock *s = arg;
    if (!s || s->nrxq == 16) {
        pbuf_free(p);
        return;
    }
    s->rxq[s->nrxq] = p;
    s->rxq_from[s->nrxq] = ip4_addr_get_u32(ip_2_ip4(from));
    s->rxq_port[s->nrxq++] = port;
}

/* ---- the calls ---- */

int socket(int domain, int type, int protocol)
{
    if (domain != AF_INET || (type != SOCK_STREAM && type != SOCK_DGRAM) || protocol < 0)
        return fail(EINVAL);
    int i = sock_new(type);
    if (i < 0)
        return fail(EMFILE);
    struct sock *s = &socks[i];
    if (type == SOCK_STREAM) {
        if (!(s->pcb = tcp_new()))
            return s->used = false, fail(ENOMEM);
        set_callbacks(s->pcb, s);
    } else {
        if (!(s->upcb = udp_new()))
            return s->used = false, fail(ENOMEM);
        udp_recv(s->upcb, on_udp, s);
    }
    return SOCK_FD_BASE + i;
}

static int addr_of(const struct sockaddr *a, socklen_t len, ip_addr_t *ip, uint16_t *port)
{
    const struct sockaddr_in *in = (const struct sockaddr_in *)a;
    if (!a || len < sizeof *in || in->sin_family != AF_INET)
        return -1;
    ip_addr_set_ip4_u32(ip, in->sin_addr.s_addr);
    *port = sock_htons(in->sin_port);
    return 0;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct sock *s = sock_of(fd);
    ip_addr_t ip;
    uint16_t port;
    if (!s)
        return fail(EBADF);
    if (addr_of(addr, len, &ip, &port) < 0)
        return fail(EINVAL);
    err_t e;
    if (s->type == SOCK_DGRAM) {
        e = udp_bind(s->upcb, &ip, port);
    } else {
        if (!s->pcb || s->listening || s->connected)
            return fail(EINVAL);
        if (s->reuse)
            ip_set_option(s->pcb, SOF_REUSEADDR);
        e = tcp_bind(s->pcb, &ip, port);
    }
    return e == ERR_OK ? 0 : fail(lwip_errno(e));
}

int listen(int fd, int backlog)
{
    struct sock *s = sock_of(fd);
    if (!s)
        return fail(EBADF);
    if (s->type != SOCK_STREAM || !s->pcb || s->connected || s->connecting)
        return fail(s->type != SOCK_STREAM ? EOPNOTSUPP : EINVAL);
    if (s->listening)
        return 0;
    if (backlog < 1 || backlog > 255)
        backlog = 255;
    err_t e;
    struct tcp_pcb *l = tcp_listen_with_backlog_and_err(s->pcb, (u8_t)backlog, &e);
    if (!l)
        return fail(lwip_errno(e));
    s->pcb = l; /* (the old one is freed) */
    s->listening = true;
    tcp_arg(l, s);
    tcp_accept(l, on_accept);
    return 0;
}

static bool can_accept(struct sock *s)
{
    return s->nacc > 0;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    struct sock *s = sock_of(fd);
    if (!s)
        return fail(EBADF);
    if (!s->listening)
        return fail(EINVAL);
    if (!wait_for(s, can_accept))
        return fail(EAGAIN);
    int i = s->acc[0];
    memmove(s->acc, s->acc + 1, (size_t)--s->nacc * sizeof s->acc[0]);
    struct sock *c = &socks[i];
    if (addr && len && *len >= sizeof(struct sockaddr_in) && c->pcb) {
        struct sockaddr_in *in = (struct sockaddr_in *)addr;
        memset(in, 0, sizeof *in);
        in->sin_family = AF_INET;
        in->sin_port = sock_htons(c->pcb->remote_port);
        in->sin_addr.s_addr = ip4_addr_get_u32(ip_2_ip4(&c->pcb->remote_ip));
        *len = sizeof *in;
    }
    return SOCK_FD_BASE + i;
}

static bool connect_done(struct sock *s)
{
    return !s->connecting;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct sock *s = sock_of(fd);
    ip_addr_t ip;
    uint16_t port;
    if (!s)
        return fail(EBADF);
    if (addr_of(addr, len, &ip, &port) < 0)
        return fail(EINVAL);
    if (s->type == SOCK_DGRAM) {
        err_t e = udp_connect(s->upcb, &ip, port);
        return e == ERR_OK ? 0 : fail(lwip_errno(e));
    }
    if (s->connected)
        return fail(EISCONN);
    if (s->connecting)
        return fail(EALREADY);
    if (!s->pcb || s->listening)
        return fail(EINVAL);
    err_t e = tcp_connect(s->pcb, &ip, port, on_connected);
    if (e != ERR_OK)
        return fail(lwip_errno(e));
    s->connecting = true;
    if (!wait_for(s, connect_done))
        return fail(EINPROGRESS);
    if (s->connected)
        return 0;
    int err = s->err ? s->err : ECONNREFUSED;
    s->err = 0;
    return fail(err);
}

static bool can_send(struct sock *s)
{
    return !s->pcb || !s->connected || tcp_sndbuf(s->pcb) > 0;
}

long send(int fd, const void *buf, size_t len, int flags)
{
    (void)flags;
    struct sock *s = sock_of(fd);
    if (!s)
        return fail(EBADF);
    if (s->type == SOCK_DGRAM)
        return sendto(fd, buf, len, flags, NULL, 0);
    size_t done = 0;
    while (done < len) {
        if (s->err) {
            int e = s->err;
            s->err = 0;
            return done ? (long)done : fail(e);
        }
        if (!s->pcb || !s->connected || s->wrshut)
            return done ? (long)done : fail(s->fin || s->wrshut ? EPIPE : ENOTCONN);
        if (!wait_for(s, can_send))
            return done ? (long)done : fail(EAGAIN);
        if (!s->pcb || !s->connected)
            continue;
        size_t n = MIN(MIN(len - done, (size_t)tcp_sndbuf(s->pcb)), 0xffff);
        err_t e = tcp_write(s->pcb, (const char *)buf + done, (u16_t)n, TCP_WRITE_FLAG_COPY);
        if (e == ERR_MEM) { /* lwIP's queue is full: let it drain */
            tcp_output(s->pcb);
            if (s->nonblock)
                return done ? (long)done : fail(EAGAIN);
            lnet_wait(1000);
            lnet_poll();
            continue;
        }
        if (e != ERR_OK)
            return done ? (long)done : fail(lwip_errno(e));
        done += n;
        tcp_output(s->pcb);
    }
    return (long)done;
}

static bool can_recv(struct sock *s)
{
    return s->rxn || s->fin || s->err || !s->pcb || s->nrxq;
}

long recv(int fd, void *buf, size_t len, int flags)
{
    return recvfrom(fd, buf, len, flags, NULL, NULL);
}

long recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
    (void)flags;
    struct sock *s = sock_of(fd);
    if (!s)
        return fail(EBADF);
    if (s->type == SOCK_STREAM && !s->connected && !s->fin && !s->rxn && !s->err)
        return fail(ENOTCONN);
    if (s->rdshut && !s->rxn && s->type == SOCK_STREAM)
        return 0;
    if (!wait_for(s, can_recv))
        return fail(EAGAIN);
    if (s->type == SOCK_DGRAM) {
        struct pbuf *p = s->rxq[0];
        long n = pbuf_copy_partial(p, buf, (u16_t)MIN(len, p->tot_len), 0);
        if (from && fromlen && *fromlen >= sizeof(struct sockaddr_in)) {
            struct sockaddr_in *in = (struct sockaddr_in *)from;
            memset(in, 0, sizeof *in);
            in->sin_family = AF_INET;
            in->sin_port = sock_htons(s->rxq_port[0]);
            in->sin_addr.s_addr = s->rxq_from[0];
            *fromlen = sizeof *in;
        }
        pbuf_free(p);
        s->nrxq--;
        memmove(s->rxq, s->rxq + 1, (size_t)s->nrxq * sizeof s->rxq[0]);
        memmove(s->rxq_from, s->rxq_from + 1, (size_t)s->nrxq * sizeof s->rxq_from[0]);
        memmove(s->rxq_port, s->rxq_port + 1, (size_t)s->nrxq * sizeof s->rxq_port[0]);
        return n;
    }
    if (s->rxn) {
        size_t done = 0;
        while (done < len && s->rxn) {
            struct pbuf *p = s->rx[s->rxh];
            size_t n = MIN(len - done, (size_t)(p->tot_len - s->rxoff));
            pbuf_copy_partial(p, (char *)buf + done, (u16_t)n, s->rxoff);
            done += n;
            s->rxoff += (uint16_t)n;
            if (s->rxoff == p->tot_len) {
                pbuf_free(p);
                s->rxh = (s->rxh + 1) % RXQ;
                s->rxn--;
                s->rxoff = 0;
            }
        }
        for (size_t left = done; s->pcb && left;) { /* reopen the window */
            u16_t k = (u16_t)MIN(left, 0xffff);
            tcp_recved(s->pcb, k);
            left -= k;
        }
        return (long)done;
    }
    if (s->err) {
        int e = s->err;
        s->err = 0;
        return fail(e);
    }
    return 0; /* the peer closed */
}

long sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
            socklen_t tolen)
{
    (void)flags;
    struct sock *s = sock_of(fd);
    if (!s)
        return fail(EBADF);
    if (s->type == SOCK_STREAM)
        return to ? fail(EISCONN) : send(fd, buf, len, flags);
    if (len > 1472)
        return fail(EINVAL);
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    if (!p)
        return fail(ENOMEM);
    pbuf_take(p, buf, (u16_t)len);
    ip_addr_t ip;
    uint16_t port;
    err_t e;
    if (to) {
        if (addr_of(to, tolen, &ip, &port) < 0) {
            pbuf_free(p);
            return fail(EINVAL);
        }
        e = udp_sendto(s->upcb, p, &ip, port);
    } else {
        e = udp_send(s->upcb, p);
    }
    pbuf_free(p);
    lnet_poll(); /* (sends it) */
    return e == ERR_OK ? (long)len : fail(lwip_errno(e));
}

int close(int fd)
{
    struct sock *s = sock_of(fd);
    if (!s)
        return fail(EBADF);
    if (s->listening) {
        for (int k = 0; k < s->nacc; k++)
            close(SOCK_FD_BASE + s->acc[k]);
        tcp_arg(s->pcb, NULL);
        tcp_accept(s->pcb, NULL);
        tcp_close(s->pcb);
    } else if (s->pcb) {
        set_callbacks(s->pcb, NULL);
        if (tcp_close(s->pcb) != ERR_OK)
            tcp_abort(s->pcb);
    }
    if (s->upcb)
        udp_remove(s->upcb);
    for (int k = 0; k < s->rxn; k++)
        pbuf_free(s->rx[(s->rxh + k) % RXQ]);
    for (int k = 0; k < s->nrxq; k++)
        pbuf_free(s->rxq[k]);
    memset(s, 0, sizeof *s);
    lnet_poll();
    return 0;
}

static short revents(struct pollfd *p)
{
    struct sock *s = sock_of(p->fd);
    if (!s)
        return POLLNVAL;
    short r = 0;
    if (s->listening ? s->nacc > 0 : (s->rxn || s->fin || s->nrxq || s->rdshut))
        r |= POLLIN;
    if (s->type == SOCK_DGRAM || (s->connected && s->pcb && tcp_sndbuf(s->pcb) > 0))
        r |= POLLOUT;
    if (s->err)
        r |= POLLERR;
    if (s->fin || (s->type == SOCK_STREAM && !s->pcb && !s->listening))
        r |= POLLHUP;
    return r & (p->events | POLLERR | POLLHUP | POLLNVAL);
}

int poll(struct pollfd *fds, unsigned long n, int timeout_ms)
{
    uint32_t start = sys_now();
    for (;;) {
        lnet_poll();
        int ready = 0;
        for (unsigned long i = 0; i < n; i++)
            ready += (fds[i].revents = revents(&fds[i])) != 0;
        if (ready || timeout_ms == 0)
            return ready;
        if (timeout_ms > 0 && sys_now() - start >= (uint32_t)timeout_ms)
            return 0;
        lnet_wait(timeout_ms > 0 ? MIN(5000u, (uint32_t)timeout_ms * 1000u) : 5000);
    }
}

/* SO_REUSEADDR and TCP_NODELAY act; SO_KEEPALIVE, SO_SNDBUF and SO_RCVBUF
 * are taken and change nothing (lwIP's buffers are fixed); anything else
 * is ENOPROTOOPT. */
int setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
    struct sock *s = sock_of(fd);
    if (!s)
        return fail(EBADF);
    if (!val || len < sizeof(int))
        return fail(EINVAL);
    int on = *(const int *)val != 0;
    if (level == IPPROTO_TCP && opt == TCP_NODELAY) {
        if (s->type != SOCK_STREAM)
            return fail(ENOPROTOOPT);
        s->nodelay = on;
        if (s->pcb && !s->listening) {
            if (on)
                tcp_nagle_disable(s->pcb);
            else
                tcp_nagle_enable(s->pcb);
        }
        return 0;
    }
    if (level != SOL_SOCKET)
        return fail(ENOPROTOOPT);
    if (opt == SO_KEEPALIVE || opt == SO_SNDBUF || opt == SO_RCVBUF)
        return 0;
    if (opt != SO_REUSEADDR)
        return fail(ENOPROTOOPT);
    s->reuse = on;
    if (s->pcb && !s->listening) {
        if (s->reuse)
            ip_set_option(s->pcb, SOF_REUSEADDR);
        else
            ip_reset_option(s->pcb, SOF_REUSEADDR);
    }
    return 0;
}

/* SO_ERROR (the pending error, cleared), SO_TYPE, SO_REUSEADDR,
 * TCP_NODELAY: the value, or -1 and errno. */
int sock_getopt(int fd, int level, int opt)
{
    struct sock *s = sock_of(fd);
    if (!s)
        return fail(EBADF);
    if (level == IPPROTO_TCP && opt == TCP_NODELAY)
        return s->nodelay;
    if (level != SOL_SOCKET)
        return fail(ENOPROTOOPT);
    switch (opt) {
    case SO_ERROR: {
        int e = s->err;
        s->err = 0;
        return e;
    }
    case SO_TYPE:
        return s->type;
    case SO_REUSEADDR:
        return s->reuse;
    }
    return fail(ENOPROTOOPT);
}

int shutdown(int fd, int how)
{
    struct sock *s = sock_of(fd);
    if (!s)
        return fail(EBADF);
    if (how < 0 || how > 2)
        return fail(EINVAL);
    if (s->type != SOCK_STREAM || !s->pcb || s->listening || !s->connected)
        return fail(ENOTCONN);
    /* Reading: only marked here (recv answers 0); writing: a FIN, lwIP's
     * pcb stays ours until close. */
    if (how != 0 && !s->wrshut) {
        err_t e = tcp_shutdown(s->pcb, 0, 1);
        if (e != ERR_OK)
            return fail(lwip_errno(e));
        s->wrshut = true;
    }
    if (how != 1)
        s->rdshut = true;
    lnet_poll();
    return 0;
}

/* The socket's own address (peer 0) or its peer's (peer 1). */
int sock_name(int fd, int peer, struct sockaddr_in *in)
{
    struct sock *s = sock_of(fd);
    if (!s)
        return fail(EBADF);
    memset(in, 0, sizeof *in);
    in->sin_family = AF_INET;
    const ip_addr_t *ip = NULL;
    uint16_t port = 0;
    if (s->pcb) {
        ip = peer ? &s->pcb->remote_ip : &s->pcb->local_ip;
        port = peer ? s->pcb->remote_port : s->pcb->local_port;
        if (peer && !s->connected)
            return fail(ENOTCONN);
    } else if (s->upcb) {
        ip = peer ? &s->upcb->remote_ip : &s->upcb->local_ip;
        port = peer ? s->upcb->remote_port : s->upcb->local_port;
        if (peer && !(s->upcb->flags & UDP_FLAGS_CONNECTED))
            return fail(ENOTCONN);
    } else if (peer) {
        return fail(ENOTCONN);
    }
    if (ip)
        in->sin_addr.s_addr = ip4_addr_get_u32(ip_2_ip4(ip));
    in->sin_port = sock_htons(port);
    return 0;
}

/* What poll would say of fd: every condition, not only those asked for. */
short sock_revents(int fd)
{
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    return revents(&p);
}

int fcntl(int fd, int cmd, long arg)
{
    struct sock *s = sock_of(fd);
    if (!s)
        return fail(EBADF);
    if (cmd == F_GETFL)
        return s->nonblock ? O_NONBLOCK : 0;
    if (cmd == F_SETFL) {
        s->nonblock = (arg & O_NONBLOCK) != 0;
        return 0;
    }
    return fail(EINVAL);
}
