/* Sockets as Unix descriptors: the first process starts netd (the machine's
 * TCP/IP server, lwIP) on the kernel's loopback device, then processes use
 * one stack together: a server and forked clients over TCP (accept,
 * connect, read/write and send/recv on the descriptors, getsockname,
 * getpeername), a connection inherited across fork and written by the
 * child, 1 MiB through a connection with every byte checked, shutdown,
 * non-blocking mode (EAGAIN, EINPROGRESS, then SO_ERROR), poll on
 * sockets, UDP, a process that exits with a socket open (the peer sees the
 * end), and the bad cases: bad descriptors (EBADF), a pipe as a socket
 * (ENOTSOCK), bad families, types and protocols, NULL and short addresses
 * (EFAULT, EINVAL), a refused connection (ECONNREFUSED), a port in use
 * (EADDRINUSE), options netd does not know (ENOPROTOOPT). */
#include "../../lib/unix/unix.h"
#include "../../lib/exo/exo.h"
#include "check.h"

#define IP                   LNET_IP4(10, 0, 0, 9)
#define PORT                 7000
#define LNET_IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct sockaddr_in addr(uint32_t ip, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(ip);
    return a;
}

static long read_all(int fd, char *buf, long n)
{
    long done = 0;
    while (done < n) {
        long r = read(fd, buf + done, (size_t)(n - done));
        if (r <= 0)
            break;
        done += r;
    }
    return done;
}

static int dial(uint16_t port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = addr(IP, port);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0)
        return -1;
    return s;
}

static int listener(uint16_t port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = addr(INADDR_ANY, port);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 8) < 0)
        return -1;
    return s;
}

#define BIG (1 << 20)
static unsigned char big[BIG];

static uint32_t sum(const unsigned char *p, long n)
{
    uint32_t h = 2166136261u;
    for (long i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

int main(void)
{
    unix_init("t_unix_net");
    CHECK_EQ(socket(AF_INET, SOCK_STREAM, 0), -1); /* no network yet */
    CHECK_EQ(errno, ENETDOWN);
    CHECK_EQ(unix_start_net((uint32_t)sys_net_open(NETIF_LO), IP, LNET_IP4(255, 255, 255, 0), 0),
             0);

    /* Bad input. */
    CHECK_EQ(socket(10, SOCK_STREAM, 0), -1);
    CHECK_EQ(errno, EAFNOSUPPORT);
    CHECK_EQ(socket(AF_INET, 7, 0), -1);
    CHECK_EQ(errno, EPROTOTYPE);
    CHECK_EQ(socket(AF_INET, SOCK_STREAM, 17), -1);
    CHECK_EQ(errno, EPROTONOSUPPORT);
    struct sockaddr_in a = addr(INADDR_ANY, PORT);
    CHECK_EQ(bind(99, (struct sockaddr *)&a, sizeof a), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(bind(-1, (struct sockaddr *)&a, sizeof a), -1);
    CHECK_EQ(errno, EBADF);
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(listen(p[0], 1), -1);
    CHECK_EQ(errno, ENOTSOCK);
    CHECK_EQ(bind(p[0], (struct sockaddr *)&a, sizeof a), -1);
    CHECK_EQ(errno, ENOTSOCK);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_EQ(s >= 0, 1);
    CHECK_EQ(bind(s, NULL, sizeof a), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(bind(s, (struct sockaddr *)&a, 8), -1);
    CHECK_EQ(errno, EINVAL);
    struct sockaddr_in bad = a;
    bad.sin_family = 10;
    CHECK_EQ(connect(s, (struct sockaddr *)&bad, sizeof bad), -1);
    CHECK_EQ(errno, EAFNOSUPPORT);
    int v = 1;
    CHECK_EQ(setsockopt(s, 99, 1, &v, sizeof v), -1);
    CHECK_EQ(errno, ENOPROTOOPT);
    CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, NULL, 4), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v), 0);
    socklen_t vl = sizeof v;
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl), 0);
    CHECK_EQ(v, SOCK_STREAM);
    char ch;
    CHECK_EQ(recv(s, &ch, 1, 0), -1); /* not connected */
    CHECK_EQ(errno, ENOTCONN);
    CHECK_EQ(close(s), 0);
    CHECK_EQ(close(s), -1);
    CHECK_EQ(errno, EBADF);

    /* A refused connection, blocking and not. */
    CHECK_EQ(dial(PORT + 1), -1);
    CHECK_EQ(errno, ECONNREFUSED);

    /* A server; a second bind to its port is refused. */
    int l = listener(PORT);
    CHECK_EQ(l >= 0, 1);
    struct sockaddr_in got;
    socklen_t gl = sizeof got;
    CHECK_EQ(getsockname(l, (struct sockaddr *)&got, &gl), 0);
    CHECK_EQ(ntohs(got.sin_port), PORT);
    CHECK_EQ(gl, sizeof got);
    int s2 = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_EQ(bind(s2, (struct sockaddr *)&a, sizeof a), -1);
    CHECK_EQ(errno, EADDRINUSE);
    close(s2);

    /* A forked client: one request, one answer. */
    pid_t pid = fork();
    if (pid == 0) {
        int c1 = dial(PORT);
        char buf[16] = {0};
        if (c1 < 0 || write(c1, "hello", 5) != 5 || read_all(c1, buf, 5) != 5)
            exit(1);
        exit(strcmp(buf, "HELLO") == 0 ? 0 : 2);
    }
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int c = accept(l, (struct sockaddr *)&peer, &pl);
    CHECK_EQ(c >= 0, 1);
    CHECK_EQ(ntohl(peer.sin_addr.s_addr), IP);
    char buf[16] = {0};
    CHECK_EQ(read_all(c, buf, 5), 5);
    CHECK_EQ(strcmp(buf, "hello"), 0);
    CHECK_EQ(send(c, "HELLO", 5, 0), 5);
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0);
    CHECK_EQ(read(c, buf, sizeof buf), 0); /* it exited: its socket went */
    CHECK_EQ(getpeername(c, (struct sockaddr *)&peer, &pl), 0);
    close(c);

    /* A connection inherited across fork: the child writes, the parent
     * closes its descriptor; the peer sees the child's bytes, then the end
     * when the child exits. 1 MiB, checked. */
    for (long i = 0; i < BIG; i++)
        big[i] = (unsigned char)(i * 7 + (i >> 9));
    int cl = dial(PORT);
    CHECK_EQ(cl >= 0, 1);
    c = accept(l, NULL, NULL);
    CHECK_EQ(c >= 0, 1);
    uint64_t t0 = __builtin_ia32_rdtsc();
    pid = fork();
    if (pid == 0) {
        long w = write(c, big, BIG);
        exit(w == BIG ? 0 : 3);
    }
    CHECK_EQ(close(c), 0);
    static unsigned char back[BIG];
    CHECK_EQ(read_all(cl, (char *)back, BIG), BIG);
    /* (a figure for the report, not a check: fork, 1 MiB through netd) */
    printf("t_unix_net: 1 MiB between two processes through netd in %lu ms of guest time\n",
           (unsigned long)((__builtin_ia32_rdtsc() - t0) / exo_info->tsc_per_ms));
    CHECK_EQ(sum(back, BIG), sum(big, BIG));
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0);
    CHECK_EQ(read(cl, buf, 1), 0);
    close(cl);

    /* shutdown: the peer reads the end, and can still answer. */
    cl = dial(PORT);
    c = accept(l, NULL, NULL);
    CHECK_EQ(shutdown(cl, SHUT_WR), 0);
    CHECK_EQ(read(c, buf, 1), 0);
    CHECK_EQ(write(c, "x", 1), 1);
    CHECK_EQ(read(cl, buf, 1), 1);
    CHECK_EQ(write(cl, "y", 1), -1);
    CHECK_EQ(errno, EPIPE);
    CHECK_EQ(shutdown(cl, 9), -1);
    CHECK_EQ(errno, EINVAL);
    close(c);
    close(cl);

    /* Non-blocking: accept and recv would wait; poll. */
    CHECK_EQ(fd_setfl(l, O_NONBLOCK), 0);
    CHECK_EQ(fd_getfl(l) & O_NONBLOCK, O_NONBLOCK);
    CHECK_EQ(accept(l, NULL, NULL), -1);
    CHECK_EQ(errno, EAGAIN);
    struct pollfd pf[2] = {{l, POLLIN, 0}, {-1, 0, 0}};
    CHECK_EQ(sock_poll_fds(pf, 1, 30), 0);
    int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = addr(IP, PORT);
    int r = connect(nb, (struct sockaddr *)&to, sizeof to);
    CHECK_EQ(r == 0 || errno == EINPROGRESS, 1);
    pf[0] = (struct pollfd){nb, POLLOUT, 0};
    CHECK_EQ(sock_poll_fds(pf, 1, -1), 1);
    CHECK_EQ(pf[0].revents, POLLOUT);
    pf[0] = (struct pollfd){l, POLLIN, 0};
    CHECK_EQ(sock_poll_fds(pf, 1, -1), 1);
    c = accept(l, NULL, NULL);
    CHECK_EQ(c >= 0, 1);
    CHECK_EQ(recv(nb, buf, 1, 0), -1);
    CHECK_EQ(errno, EAGAIN);
    pf[0] = (struct pollfd){nb, POLLIN, 0};
    pf[1] = (struct pollfd){p[0], POLLIN, 0};
    CHECK_EQ(sock_poll_fds(pf, 1, 20), 0);
    pid = fork();
    if (pid == 0) { /* wakes the parent's poll from another process */
        usleep(20000);
        exit(write(c, "z", 1) == 1 ? 0 : 4);
    }
    CHECK_EQ(sock_poll_fds(pf, 1, -1), 1);
    CHECK_EQ(pf[0].revents, POLLIN);
    CHECK_EQ(recv(nb, buf, 1, 0), 1);
    CHECK_EQ(buf[0], 'z');
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0);
    close(c);
    close(nb);
    /* A refused non-blocking connection: SO_ERROR says why. */
    nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    to = addr(IP, PORT + 2);
    r = connect(nb, (struct sockaddr *)&to, sizeof to);
    if (r < 0 && errno == EINPROGRESS) {
        pf[0] = (struct pollfd){nb, POLLOUT, 0};
        CHECK_EQ(sock_poll_fds(pf, 1, -1), 1);
        CHECK_EQ((pf[0].revents & (POLLERR | POLLHUP)) != 0, 1);
        vl = sizeof v;
        CHECK_EQ(getsockopt(nb, SOL_SOCKET, SO_ERROR, &v, &vl), 0);
        CHECK_EQ(v, ECONNREFUSED);
    } else {
        CHECK_EQ(errno, ECONNREFUSED);
    }
    close(nb);
    close(l);

    /* UDP between two sockets. */
    int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ua = addr(INADDR_ANY, 7001), ub = addr(IP, 7001);
    CHECK_EQ(bind(u1, (struct sockaddr *)&ua, sizeof ua), 0);
    CHECK_EQ(sendto(u2, "dgram", 5, 0, (struct sockaddr *)&ub, sizeof ub), 5);
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    memset(buf, 0, sizeof buf);
    CHECK_EQ(recvfrom(u1, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl), 5);
    CHECK_EQ(strcmp(buf, "dgram"), 0);
    CHECK_EQ(ntohl(from.sin_addr.s_addr), IP);
    CHECK_EQ(sendto(u1, "back", 4, 0, (struct sockaddr *)&from, fl), 4);
    CHECK_EQ(recv(u2, buf, sizeof buf, 0), 4);
    close(u1);
    close(u2);
    close(p[0]);
    close(p[1]);
    return check_failures;
}
