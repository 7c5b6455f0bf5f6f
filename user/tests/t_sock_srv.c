/* Helper for t_sock (not in the manifest): an echo server on lib/net's
 * sockets at 10.0.0.2 port 7, TCP and UDP, one poll loop over a
 * non-blocking listener, its connections and the UDP socket. Checks the
 * calls' errors on the way; exits with the number of failed checks once
 * two TCP connections have come and gone and one datagram was echoed. */
#include "lnet_xfer.h"
#include "../../lib/net/sock.h"
#include "check.h"

static struct sockaddr_in addr(uint32_t ip, uint16_t port)
{
    struct sockaddr_in a = {AF_INET, sock_htons(port), {sock_htonl(ip)}, {0}};
    return a;
}

int main(void)
{
    if (xfer_up(SRV_IP, 0) < 0)
        return 100;
    struct sockaddr_in any7 = addr(INADDR_ANY, 7);
    int one = 1;
    /* Bad input. */
    CHECK_EQ(socket(99, SOCK_STREAM, 0), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(recv(5, NULL, 0, 0), -1);
    CHECK_EQ(errno, EBADF);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_EQ(l >= SOCK_FD_BASE, 1);
    CHECK_EQ(accept(l, NULL, NULL), -1); /* not listening */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(bind(l, (struct sockaddr *)&any7, 4), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(setsockopt(l, SOL_SOCKET, 77, &one, sizeof one), -1);
    CHECK_EQ(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
    CHECK_EQ(bind(l, (struct sockaddr *)&any7, sizeof any7), 0);
    CHECK_EQ(listen(l, 8), 0);
    int l2 = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_EQ(bind(l2, (struct sockaddr *)&any7, sizeof any7), -1); /* no SO_REUSEADDR */
    CHECK_EQ(errno, EADDRINUSE);
    CHECK_EQ(close(l2), 0);
    CHECK_EQ(close(l2), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(fcntl(l, F_SETFL, O_NONBLOCK), 0);
    CHECK_EQ(fcntl(l, F_GETFL, 0), O_NONBLOCK);
    CHECK_EQ(accept(l, NULL, NULL), -1);
    CHECK_EQ(errno, EAGAIN);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK_EQ(listen(u, 1), -1);
    CHECK_EQ(errno, EOPNOTSUPP);
    CHECK_EQ(bind(u, (struct sockaddr *)&any7, sizeof any7), 0);

    struct pollfd fds[10];
    int nconn = 0, served = 0, dgrams = 0;
    static char buf[8192];
    while (served < 2 || dgrams < 1) {
        fds[0] = (struct pollfd){l, POLLIN, 0};
        fds[1] = (struct pollfd){u, POLLIN, 0};
        int n = 2;
        static int conns[8];
        for (int i = 0; i < nconn; i++)
            fds[n++] = (struct pollfd){conns[i], POLLIN, 0};
        int r = poll(fds, (unsigned long)n, 20000);
        CHECK_EQ(r > 0, 1);
        if (r <= 0)
            break;
        if (fds[0].revents & POLLIN) {
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            int c = accept(l, (struct sockaddr *)&from, &fl);
            CHECK_EQ(c >= SOCK_FD_BASE, 1);
            CHECK_EQ(from.sin_addr.s_addr, sock_htonl(CLI_IP));
            CHECK_EQ(fcntl(c, F_SETFL, O_NONBLOCK), 0);
            conns[nconn++] = c;
        }
        if (fds[1].revents & POLLIN) {
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            long k = recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
            CHECK_EQ(k, 5);
            CHECK_EQ(sendto(u, buf, (size_t)k, 0, (struct sockaddr *)&from, fl), k);
            dgrams++;
        }
        for (int i = 2; i < n; i++) {
            if (!fds[i].revents)
                continue;
            long k = recv(fds[i].fd, buf, sizeof buf, 0);
            if (k > 0) {
                CHECK_EQ(fcntl(fds[i].fd, F_SETFL, 0), 0); /* echo it all, blocking */
                CHECK_EQ(send(fds[i].fd, buf, (size_t)k, 0), k);
                CHECK_EQ(fcntl(fds[i].fd, F_SETFL, O_NONBLOCK), 0);
            } else if (k == 0 || (k < 0 && errno != EAGAIN)) {
                CHECK_EQ(close(fds[i].fd), 0);
                for (int j = 0; j < nconn; j++)
                    if (conns[j] == fds[i].fd)
                        conns[j] = conns[--nconn];
                served++;
            }
        }
    }
    CHECK_EQ(close(u), 0);
    CHECK_EQ(close(l), 0);
    for (int i = 0; i < 50; i++)
        lnet_poll(), lnet_wait(1000);
    printf("t_sock_srv: %d connections served, %d datagrams, %d failures\n", served, dgrams,
           check_failures);
    return check_failures;
}
