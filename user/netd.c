/* netd: the machine's TCP/IP as a server env (lib/net/netd.h has the
 * protocol). It owns one network endpoint and one lwIP (lib/net, with its
 * BSD sockets, every one non-blocking), and serves the Unix library OS's
 * server, unixd, which forwards its processes' socket calls after
 * resolving their descriptors: so sockets are Unix descriptors, shared
 * across fork like any other, and many processes use one TCP/IP stack.
 *
 * Two contexts touch lwIP: this env's own loop (frames arriving, lwIP's
 * timers) and the protected calls (on the caller's time, on the
 * protected-entry stack, which may come while the loop is anywhere). The
 * lock `busy` is held by whichever is inside lwIP; a call that finds it
 * held answers -NETD_BUSY at once (the client yields and calls again), and
 * the loop, finding it held, yields. Nothing else is shared.
 *
 * Waiting: a call that cannot finish notes the caller's channel on the
 * socket (rwait for reading, accepting; wwait for sending, connecting);
 * after every call and every turn of the loop, sockets whose waiters can
 * go on have their channels rung on the Unix doorbell (and cleared). */
#include "../lib/exo/exo.h"
#include <string.h>
#include "../lib/net/lnet.h"
#include "../lib/net/sock.h"
#include "../lib/net/netd.h"

#define RING_VA 0x0000500000000000UL
#define ARG_VA  0x0000510000000000UL

static volatile int busy; /* 1 while the loop or a call is inside lwIP */
static uint32_t client;   /* the env served (0: none yet) */
static uint32_t doorbell; /* our copy of the Unix doorbell */
static volatile int up;   /* lwIP runs (set once, by the first bind) */
static long frame = -1;   /* the argument page */
static struct netd_page *const page = (struct netd_page *)ARG_VA;
/* Channels waiting on each socket (index: socket - SOCK_FD_BASE). */
static uint64_t rwait[NSOCK], wwait[NSOCK];
static uint64_t ncalls, nrings, nbusy;

static int lock(void)
{
    int z = 0;
    return __atomic_compare_exchange_n(&busy, &z, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static void unlock(void)
{
    __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
}

static void ring(uint64_t chans)
{
    for (; chans; chans &= chans - 1, nrings++)
        sys_notify_signal(doorbell, (uint32_t)__builtin_ctzl(chans));
}

/* Notes channel chan as waiting on socket sid for events. */
static void note(long sid, uint32_t chan, int events)
{
    long i = sid - SOCK_FD_BASE;
    if (i < 0 || i >= NSOCK || chan >= 64)
        return;
    if (events & POLLIN)
        rwait[i] |= 1UL << chan;
    if (events & POLLOUT)
        wwait[i] |= 1UL << chan;
}

/* Rings the waiters of every socket that can go on (a socket that is gone
 * answers POLLNVAL: its waiters look again and find it so). */
static void wake(void)
{
    for (int i = 0; i < NSOCK; i++) {
        if (!rwait[i] && !wwait[i])
            continue;
        short r = sock_revents(SOCK_FD_BASE + i);
        if (r & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) {
            ring(rwait[i]);
            rwait[i] = 0;
        }
        if (r & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)) {
            ring(wwait[i]);
            wwait[i] = 0;
        }
    }
}

/* Our copies of the network device and the doorbell, given by the first
 * process before it binds us. */
static uint32_t find_caps(void)
{
    static struct cap_info ci[256];
    uint32_t dev = 0;
    for (uint32_t s = 0; s < NCAPSLOTS; s += 256) {
        long n = sys_cap_list(s, ci, 256);
        if (n <= 0)
            break;
        for (long i = 0; i < n; i++) {
            if (ci[i].type == CAP_NET && !dev)
                dev = s + (uint32_t)i;
            if (ci[i].type == CAP_NOTIFY && !doorbell)
                doorbell = s + (uint32_t)i;
        }
    }
    return dev;
}

static long do_bind(uint64_t a1, uint64_t a2, uint32_t caller)
{
    if (client)
        return -EPERM;
    uint32_t dev = find_caps();
    if (!dev || !doorbell) {
        printf("netd: no %s capability\n", dev ? "doorbell" : "network device");
        return -EINVAL;
    }
    frame = sys_frame_alloc(-1);
    if (frame < 0 || exo_map(CAP_SELF, (uint32_t)frame, ARG_VA, MMU_W) != 1)
        return -ENOMEM;
    struct lnet_conf c = {dev, (uint32_t)a1, (uint32_t)a2, (uint32_t)(a1 >> 32), RING_VA, 1, 0, 0};
    long r = lnet_init(&c);
    if (r < 0) {
        printf("netd: lib/net: %ld\n", r);
        return -EINVAL;
    }
    r = sys_pct_give((uint32_t)frame, R_READ | R_WRITE);
    if (r < 0)
        return -ENOMEM;
    client = caller;
    up = 1;
    return r;
}

/* -1 and errno from lib/net's sockets into -errno. */
static long ret(long r)
{
    return r < 0 ? -(long)errno : r;
}

static long dispatch(uint32_t op, uint32_t chan, int64_t a1, int64_t a2)
{
    int sid = a1 < SOCK_FD_BASE || a1 >= SOCK_FD_BASE + NSOCK ? -1 : (int)a1;
    struct sockaddr_in in;
    socklen_t len = sizeof in;
    long r;
    if (op != NETD_SOCKET && op != NETD_STAT && sid < 0)
        return -EBADF;
    switch (op) {
    case NETD_SOCKET:
        r = socket(AF_INET, (int)a1, 0);
        if (r >= 0)
            fcntl((int)r, F_SETFL, O_NONBLOCK);
        return ret(r);
    case NETD_CLOSE:
        r = ret(close(sid));
        rwait[sid - SOCK_FD_BASE] = wwait[sid - SOCK_FD_BASE] = 0;
        return r;
    case NETD_ADDR:
        memcpy(&in, &page->addr, sizeof in);
        return ret(bind(sid, (struct sockaddr *)&in, sizeof in));
    case NETD_LISTEN:
        return ret(listen(sid, (int)a2));
    case NETD_ACCEPT:
        r = accept(sid, (struct sockaddr *)&in, &len);
        if (r < 0 && errno == EAGAIN)
            note(sid, chan, POLLIN);
        if (r >= 0) {
            fcntl((int)r, F_SETFL, O_NONBLOCK);
            memcpy(&page->addr, &in, sizeof in);
        }
        return ret(r);
    case NETD_CONNECT:
        memcpy(&in, &page->addr, sizeof in);
        r = connect(sid, (struct sockaddr *)&in, sizeof in);
        if (r < 0 && (errno == EINPROGRESS || errno == EALREADY))
            note(sid, chan, POLLOUT);
        return ret(r);
    case NETD_SEND: {
        size_t n = a2 < 0 ? 0 : a2 > NETD_DATA ? NETD_DATA : (size_t)a2;
        if (page->x[0] == 1) {
            memcpy(&in, &page->addr, sizeof in);
            r = sendto(sid, page->data, n, 0, (struct sockaddr *)&in, sizeof in);
        } else {
            r = send(sid, page->data, n, 0);
        }
        if (r < 0 && errno == EAGAIN)
            note(sid, chan, POLLOUT);
        return ret(r);
    }
    case NETD_RECV: {
        size_t n = a2 < 0 ? 0 : a2 > NETD_DATA ? NETD_DATA : (size_t)a2;
        memset(&in, 0, sizeof in);
        r = recvfrom(sid, page->data, n, 0, (struct sockaddr *)&in, &len);
        if (r < 0 && errno == EAGAIN)
            note(sid, chan, POLLIN);
        if (r >= 0)
            memcpy(&page->addr, &in, sizeof in);
        return ret(r);
    }
    case NETD_SHUTDOWN:
        return ret(shutdown(sid, (int)a2));
    case NETD_NAME:
        r = sock_name(sid, a2 != 0, &in);
        if (r == 0)
            memcpy(&page->addr, &in, sizeof in);
        return ret(r);
    case NETD_SETOPT: {
        int v = (int)page->x[2];
        return ret(setsockopt(sid, (int)page->x[0], (int)page->x[1], &v, sizeof v));
    }
    case NETD_GETOPT:
        return ret(sock_getopt(sid, (int)page->x[0], (int)page->x[1]));
    case NETD_POLL: {
        int want = (int)a2 & (POLLIN | POLLOUT);
        short rv = sock_revents(sid);
        rv &= (short)(want | POLLERR | POLLHUP | POLLNVAL);
        if (!rv)
            note(sid, chan, want);
        return rv;
    }
    case NETD_STAT: {
        long n = 0;
        for (int i = 0; i < NSOCK; i++)
            n += !(sock_revents(SOCK_FD_BASE + i) & POLLNVAL);
        page->x[0] = (int64_t)ncalls;
        page->x[1] = (int64_t)nrings;
        page->x[2] = (int64_t)nbusy;
        return n;
    }
    }
    return -EINVAL;
}

static uint64_t serve(uint64_t opw, uint64_t a1, uint64_t a2, uint32_t caller)
{
    uint32_t op = (uint32_t)(opw & 0xff), chan = (uint32_t)(opw >> 8 & 0xff);
    long r;
    if (op == NETD_BIND) {
        r = do_bind(a1, a2, caller);
    } else if (!client || caller != client || !up) {
        r = -EPERM;
    } else if (!lock()) {
        nbusy++;
        return (uint64_t)-NETD_BUSY;
    } else {
        ncalls++;
        r = dispatch(op, chan, (int64_t)a1, (int64_t)a2);
        lnet_poll(); /* (sends what the call queued, takes what came meanwhile) */
        wake();
        unlock();
    }
    return (uint64_t)(r < 0 ? r - NETD_EBASE : r);
}

int main(void)
{
    exo_set_pct_entry(serve);
    for (;;) {
        if (!up) {
            sys_block(10000);
            continue;
        }
        if (!lock()) {
            sys_yield(-1);
            continue;
        }
        lnet_poll();
        wake();
        unlock();
        lnet_wait(5000);
    }
}
