/* Shared by t_lnet_srv and t_lnet_cli: the TCP transfer between two envs
 * running lib/net (lwIP) over the kernel's loopback. The client sends
 * XFER_BYTES of a known pattern, the server checks every byte and sends
 * the same amount back, which the client checks too. */
#ifndef USER_TESTS_LNET_XFER_H
#define USER_TESTS_LNET_XFER_H
#include "../../lib/exo/exo.h"
#include "../../lib/net/lnet.h"
#include "lwip/tcp.h"

#define XFER_BYTES (10UL << 20)
#define XFER_PORT  5001
#define SRV_IP     LNET_IP(10, 0, 0, 2)
#define CLI_IP     LNET_IP(10, 0, 0, 1)

static inline uint8_t pattern(uint64_t i)
{
    return (uint8_t)(i * 7 + (i >> 11) + (i >> 19));
}

/* Waits for the device capability the parent gives, brings lib/net up. */
static inline long xfer_up(uint32_t ip, int ash)
{
    static struct cap_info ci[256];
    uint32_t dev = 0;
    for (int tries = 0; !dev && tries < 100000; tries++) {
        for (uint32_t s = 0; s < NCAPSLOTS && !dev; s += 256) {
            long n = sys_cap_list(s, ci, 256);
            for (long i = 0; i < n && !dev; i++)
                if (ci[i].type == CAP_NET)
                    dev = s + (uint32_t)i;
            if (n <= 0)
                break;
        }
        if (!dev)
            sys_yield(-1);
    }
    if (!dev)
        return -E_NOENT;
    struct lnet_conf c = {dev, ip, LNET_IP(255, 255, 255, 0), 0, 0x0000500000000000UL, ash, 0, 0};
    long r = lnet_init(&c);
    if (r < 0)
        printf("lnet_init: %ld\n", r);
    return r;
}

/* Writes as much of [*sent, XFER_BYTES) as the connection takes. */
static inline void xfer_push(struct tcp_pcb *pcb, uint64_t *sent)
{
    static uint8_t chunk[4096];
    while (*sent < XFER_BYTES) {
        uint32_t room = tcp_sndbuf(pcb), n = sizeof chunk;
        if (n > room)
            n = room;
        if (n > XFER_BYTES - *sent)
            n = (uint32_t)(XFER_BYTES - *sent);
        if (n == 0)
            break;
        for (uint32_t i = 0; i < n; i++)
            chunk[i] = pattern(*sent + i);
        if (tcp_write(pcb, chunk, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;
        *sent += n;
    }
    tcp_output(pcb);
}

/* Checks received bytes against the pattern; returns the number wrong. */
static inline uint64_t xfer_check(struct pbuf *p, uint64_t *got)
{
    uint64_t bad = 0;
    for (struct pbuf *q = p; q; q = q->next)
        for (uint32_t i = 0; i < q->len; i++)
            bad += ((uint8_t *)q->payload)[i] != pattern((*got)++);
    return bad;
}
#endif
