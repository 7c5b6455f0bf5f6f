/* Helper for t_sock (not in the manifest): lib/net's sockets as a client
 * at 10.0.0.1: a refused connection, a blocking connection echoing 200,000
 * bytes, a non-blocking one (EINPROGRESS, poll, EAGAIN), a UDP datagram.
 * Exits with the number of failed checks. */
#include "lnet_xfer.h"
#include "../../lib/net/sock.h"
#include "check.h"

#define BIG 200000

static struct sockaddr_in addr(uint32_t ip, uint16_t port)
{
    struct sockaddr_in a = {AF_INET, sock_htons(port), {sock_htonl(ip)}, {0}};
    return a;
}

int main(void)
{
    if (xfer_up(CLI_IP, 0) < 0)
        return 100;
    struct sockaddr_in srv7 = addr(SRV_IP, 7), srv9 = addr(SRV_IP, 9);
    /* Nobody listens on port 9. */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_EQ(connect(c, (struct sockaddr *)&srv9, sizeof srv9), -1);
    CHECK_EQ(errno, ECONNREFUSED);
    CHECK_EQ(close(c), 0);
    /* Blocking: 200,000 bytes out, the same back. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_EQ(send(c, "x", 1, 0), -1);
    CHECK_EQ(errno, ENOTCONN);
    CHECK_EQ(connect(c, (struct sockaddr *)&srv7, sizeof srv7), 0);
    CHECK_EQ(connect(c, (struct sockaddr *)&srv7, sizeof srv7), -1);
    CHECK_EQ(errno, EISCONN);
    static char out[BIG], in[BIG];
    for (int i = 0; i < BIG; i++)
        out[i] = (char)pattern((uint64_t)i);
    CHECK_EQ(send(c, out, BIG, 0), BIG);
    long got = 0;
    while (got < BIG) {
        long k = recv(c, in + got, (size_t)(BIG - got), 0);
        if (k <= 0)
            break;
        got += k;
    }
    CHECK_EQ(got, BIG);
    CHECK_EQ(memcmp(in, out, BIG), 0);
    CHECK_EQ(close(c), 0);
    /* Non-blocking. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_EQ(fcntl(c, F_SETFL, O_NONBLOCK), 0);
    CHECK_EQ(connect(c, (struct sockaddr *)&srv7, sizeof srv7), -1);
    CHECK_EQ(errno, EINPROGRESS);
    struct pollfd p = {c, POLLOUT, 0};
    CHECK_EQ(poll(&p, 1, 10000), 1);
    CHECK_EQ(p.revents & POLLOUT, POLLOUT);
    CHECK_EQ(send(c, "ping", 4, 0), 4);
    p.events = POLLIN;
    CHECK_EQ(poll(&p, 1, 10000), 1);
    char b[16];
    CHECK_EQ(recv(c, b, sizeof b, 0), 4);
    CHECK_EQ(memcmp(b, "ping", 4), 0);
    CHECK_EQ(recv(c, b, sizeof b, 0), -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(close(c), 0);
    /* UDP. */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK_EQ(sendto(u, "dgram", 5, 0, (struct sockaddr *)&srv7, sizeof srv7), 5);
    p = (struct pollfd){u, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 10000), 1);
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    CHECK_EQ(recvfrom(u, b, sizeof b, 0, (struct sockaddr *)&from, &fl), 5);
    CHECK_EQ(memcmp(b, "dgram", 5), 0);
    CHECK_EQ(from.sin_addr.s_addr, sock_htonl(SRV_IP));
    CHECK_EQ(from.sin_port, sock_htons(7));
    CHECK_EQ(close(u), 0);
    CHECK_EQ(send(u, "x", 1, 0), -1);
    CHECK_EQ(errno, EBADF);
    for (int i = 0; i < 50; i++)
        lnet_poll(), lnet_wait(1000);
    printf("t_sock_cli: %d failures\n", check_failures);
    return check_failures;
}
