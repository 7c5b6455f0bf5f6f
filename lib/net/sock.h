/* lib/net's BSD sockets: TCP (and UDP) sockets over lwIP's raw API for a
 * program running lib/net, with the usual calls and semantics: blocking
 * calls run the env's network loop (lnet_poll/lnet_wait) until they can
 * complete; non-blocking ones (O_NONBLOCK) fail with EAGAIN or EINPROGRESS.
 * Errors are -1 and errno. Socket descriptors count from SOCK_FD_BASE; they
 * are this env's own, not the Unix library OS's descriptors (a Unix
 * process does not share them across fork or exec). */
#ifndef LIB_NET_SOCK_H
#define LIB_NET_SOCK_H

#include <stddef.h>
#include <stdint.h>

#define SOCK_FD_BASE 1000
#define NSOCK        64

#define AF_INET      2
#define SOCK_STREAM  1
#define SOCK_DGRAM   2
#define SOL_SOCKET   1
#define SO_REUSEADDR 2
#define SO_TYPE      3
#define SO_ERROR     4
#define SO_SNDBUF    7
#define SO_RCVBUF    8
#define SO_KEEPALIVE 9
#define IPPROTO_TCP  6
#define TCP_NODELAY  1
#define INADDR_ANY   0u
#define F_GETFL      3
#define F_SETFL      4
#define O_NONBLOCK   04000
#define POLLIN       0x001
#define POLLOUT      0x004
#define POLLERR      0x008
#define POLLHUP      0x010
#define POLLNVAL     0x020

/* errno values (Linux's numbers). */
#define EPERM        1
#define EBADF        9
#define EAGAIN       11
#define ENOMEM       12
#define EINVAL       22
#define EMFILE       24
#define EPIPE        32
#define EADDRINUSE   98
#define ECONNRESET   104
#define EISCONN      106
#define ENOTCONN     107
#define ECONNREFUSED 111
#define EALREADY     114
#define EINPROGRESS  115
#define EOPNOTSUPP   95
#define ENOPROTOOPT  92
extern int errno;

typedef uint32_t socklen_t;
struct in_addr {
    uint32_t s_addr; /* network byte order */
};
struct sockaddr_in {
    uint16_t sin_family;
    uint16_t sin_port; /* network byte order */
    struct in_addr sin_addr;
    uint8_t sin_zero[8];
};
struct sockaddr {
    uint16_t sa_family;
    char sa_data[14];
};
struct pollfd {
    int fd;
    short events, revents;
};

static inline uint16_t sock_htons(uint16_t v)
{
    return (uint16_t)(v << 8 | v >> 8);
}
static inline uint32_t sock_htonl(uint32_t v)
{
    return __builtin_bswap32(v);
}

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr *addr, socklen_t len);
int listen(int fd, int backlog);
int accept(int fd, struct sockaddr *addr, socklen_t *len);
int connect(int fd, const struct sockaddr *addr, socklen_t len);
long send(int fd, const void *buf, size_t len, int flags);
long recv(int fd, void *buf, size_t len, int flags);
long sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
            socklen_t tolen);
long recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen);
int close(int fd);
int poll(struct pollfd *fds, unsigned long n, int timeout_ms);
int setsockopt(int fd, int level, int opt, const void *val, socklen_t len);
int fcntl(int fd, int cmd, long arg);
int shutdown(int fd, int how);
int sock_getopt(int fd, int level, int opt);
int sock_name(int fd, int peer, struct sockaddr_in *in);
short sock_revents(int fd);

#endif
