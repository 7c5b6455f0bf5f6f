/* netd.h - the protocol of netd (user/netd.c): the machine's TCP/IP (lwIP,
 * lib/net) as a server env that owns a network endpoint, shared by every
 * process of the Unix library OS through the library OS's server (unixd).
 *
 * netd has one client, the env that binds first (unixd), which resolves a
 * process's descriptor to a netd socket in that process's own table before
 * it calls: a process can only name sockets it holds. A call is
 * sys_pct_call(netd, op | chan << 8, a1, a2): the channel (the caller's
 * process slot) is the one netd rings on the Unix doorbell when a socket
 * the call found not ready becomes ready. Addresses and data travel on the
 * argument page (struct netd_page), the answer is the return value (>= 0,
 * or -(NETD_EBASE + a Linux errno); a small negative number is the kernel's
 * error of the call itself, such as netd being gone). Every call is non-blocking: a call that
 * cannot finish now returns -EAGAIN (or -EINPROGRESS for connect) and
 * notes the channel; the client decides whether to wait (the descriptor's
 * O_NONBLOCK). While netd's own loop is inside lwIP a call gets
 * -NETD_BUSY: the client yields and calls again. */
#ifndef LIB_NET_NETD_H
#define LIB_NET_NETD_H

#include <stdint.h>

#define NETD_DATA  4032    /* most bytes one send or receive moves */
#define NETD_BUSY  4095    /* (-NETD_BUSY: netd's loop holds lwIP, call again) */
#define NETD_EBASE 0x10000 /* errors: -(NETD_EBASE + errno) */

/* A socket address as netd takes and gives it: Linux's sockaddr_in. */
struct netd_addr {
    uint16_t family; /* 2: AF_INET */
    uint16_t port;   /* network byte order */
    uint32_t addr;   /* network byte order */
    uint8_t zero[8];
};

struct netd_page {
    int64_t x[4];          /* extra arguments and results */
    struct netd_addr addr; /* an address in or out */
    uint8_t pad[64 - 32 - sizeof(struct netd_addr)];
    uint8_t data[NETD_DATA];
};
_Static_assert(sizeof(struct netd_page) == 4096, "netd's argument page is a page");

enum netd_op {
    NETD_BIND = 1, /* a1: ip | gw << 32, a2: mask (host order) -> slot of the page's capability */
    NETD_SOCKET,   /* a1: type (1 stream, 2 datagram) -> socket */
    NETD_CLOSE,    /* a1: socket (its last descriptor went) */
    NETD_ADDR,     /* a1: socket; addr -> 0 (bind) */
    NETD_LISTEN,   /* a1: socket, a2: backlog */
    NETD_ACCEPT,   /* a1: socket -> new socket; addr: the peer */
    NETD_CONNECT,  /* a1: socket; addr -> 0, -EINPROGRESS, -EALREADY, -EISCONN, ... */
    NETD_SEND,     /* a1: socket, a2: bytes in data; x[0]: 1 = to addr -> bytes */
    NETD_RECV,     /* a1: socket, a2: most bytes -> bytes, in data; addr: the sender */
    NETD_SHUTDOWN, /* a1: socket, a2: how (0 rd, 1 wr, 2 both) */
    NETD_NAME,     /* a1: socket, a2: 1 = the peer's -> 0; addr */
    NETD_SETOPT,   /* a1: socket; x[0]: level, x[1]: option, x[2]: value */
    NETD_GETOPT,   /* a1: socket; x[0]: level, x[1]: option -> value */
    NETD_POLL,     /* a1: socket, a2: events (POLLIN/POLLOUT) -> revents (noted if none) */
    NETD_STAT,     /* -> sockets in use; x[0]: calls, x[1]: rings, x[2]: busy retries */
    NETD_NOPS
};

#endif
