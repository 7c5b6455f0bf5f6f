/* Helpers of the network tests: an endpoint's ring mapped in the env, and
 * frames built by hand (Ethernet, ARP, IPv4, UDP, ICMP). */
#ifndef USER_TESTS_NET_H
#define USER_TESTS_NET_H
#include "../../lib/exo/exo.h"
#include "../../lib/c/libc.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct ep {
    long cap, block;    /* the endpoint's capability, its ring block's */
    struct net_ring *r; /* the block, mapped here */
    uint64_t bytes;
    uint32_t tx_off; /* next place for a frame to send (second half of the block) */
};

static const uint8_t lo_mac[6] = {0x02, 0, 0, 0, 0, 1};
/* The addresses the frame builders put in: the loopback's unless a test
 * sets them. */
static uint8_t src_mac[6] = {0x02, 0, 0, 0, 0, 1}, dst_mac[6] = {0x02, 0, 0, 0, 0, 1};

/* Makes an endpoint on dev with a ring of 2^order pages mapped at va,
 * ringing chan of notify (CAP_SELF: none). */
static inline long ep_make(struct ep *ep, uint32_t dev, uint32_t order, uint64_t va,
                           uint32_t notify, uint32_t chan)
{
    ep->block = sys_frame_alloc_in(CAP_SELF, -1, order);
    if (ep->block < 0)
        return ep->block;
    long r = exo_map(CAP_SELF, (uint32_t)ep->block, va, MMU_W);
    if (r < 0)
        return r;
    ep->r = (struct net_ring *)va;
    ep->bytes = 4096UL << order;
    ep->tx_off = (uint32_t)(ep->bytes / 2);
    ep->cap = sys_net_endpoint(dev, (uint32_t)ep->block, notify, chan);
    return ep->cap;
}

/* Posts a frame for sending (copied into the block's transmit area). */
static inline void ep_post(struct ep *ep, const void *frame, uint32_t len)
{
    if (ep->tx_off + 2048 > ep->bytes)
        ep->tx_off = (uint32_t)(ep->bytes / 2);
    memcpy((char *)ep->r + ep->tx_off, frame, len);
    struct net_txdesc *d = &ep->r->tx[ep->r->tx_head % NET_NTX];
    d->off = ep->tx_off;
    d->len = (uint16_t)len;
    d->status = 1;
    ep->tx_off += 2048;
    ep->r->tx_head++;
}

/* The next received frame (NULL if none) and its length; ep_next releases it. */
static const uint8_t *ep_peek(struct ep *ep, uint32_t *len)
{
    struct net_ring *r = ep->r;
    if (r->rx_tail == r->rx_head)
        return NULL;
    uint32_t i = r->rx_tail % r->nrx;
    *len = r->rx[i].len;
    return (const uint8_t *)r + 4096 + i * NET_SLOT_SIZE;
}
static inline void ep_next(struct ep *ep)
{
    ep->r->rx_tail++;
}

static inline void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}
static inline void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16), put16(p + 2, v);
}
static inline uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}
static inline uint32_t get32(const uint8_t *p)
{
    return get16(p) << 16 | get16(p + 2);
}

static inline uint32_t csum(const uint8_t *p, uint32_t len)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i + 1 < len; i += 2)
        s += get16(p + i);
    if (len & 1)
        s += (uint32_t)p[len - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return ~s & 0xffff;
}

static inline uint32_t eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    put16(f + 12, type);
    return 14;
}

/* An IPv4 frame from src to dst with `plen` bytes of payload already at
 * f + 34; returns the frame's length. */
static inline uint32_t ipv4(uint8_t *f, uint32_t proto, uint32_t src, uint32_t dst, uint32_t plen)
{
    eth(f, dst_mac, src_mac, 0x0800);
    uint8_t *h = f + 14;
    memset(h, 0, 20);
    h[0] = 0x45;
    put16(h + 2, 20 + plen);
    h[8] = 64;
    h[9] = (uint8_t)proto;
    put32(h + 12, src);
    put32(h + 16, dst);
    put16(h + 10, csum(h, 20));
    return 34 + plen;
}

static inline uint32_t udp(uint8_t *f, uint32_t src, uint32_t sport, uint32_t dst, uint32_t dport,
                           const char *data, uint32_t n)
{
    uint8_t *u = f + 34;
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, 8 + n);
    put16(u + 6, 0);
    memcpy(u + 8, data, n);
    return ipv4(f, 17, src, dst, 8 + n);
}

static inline uint32_t icmp_echo(uint8_t *f, uint32_t src, uint32_t dst, uint32_t seq, uint32_t n)
{
    uint8_t *c = f + 34;
    c[0] = 8, c[1] = 0;
    put16(c + 2, 0);
    put16(c + 4, 0x5350);
    put16(c + 6, seq);
    for (uint32_t i = 0; i < n; i++)
        c[8 + i] = (uint8_t)(seq + i);
    put16(c + 2, csum(c, 8 + n));
    return ipv4(f, 1, src, dst, 8 + n);
}

static inline uint32_t arp_request(uint8_t *f, uint32_t spa, uint32_t tpa)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    eth(f, bcast, src_mac, 0x0806);
    uint8_t *a = f + 14;
    put16(a, 1);
    put16(a + 2, 0x0800);
    a[4] = 6, a[5] = 4;
    put16(a + 6, 1);
    memcpy(a + 8, src_mac, 6);
    put32(a + 14, spa);
    memset(a + 18, 0, 6);
    put32(a + 24, tpa);
    return 42;
}
#endif
