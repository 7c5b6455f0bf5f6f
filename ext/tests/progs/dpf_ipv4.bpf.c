/* DPF: accept IPv4/UDP packets to port 53, parsing Ethernet + IPv4 + UDP. */
#include "ext_ctx.h"

struct eth {
    uint8_t dst[6], src[6];
    uint16_t type;
};

struct ip4 {
    uint8_t vhl, tos;
    uint16_t len, id, frag;
    uint8_t ttl, proto;
    uint16_t csum;
    uint32_t saddr, daddr;
};

struct udp {
    uint16_t sport, dport, len, csum;
};

static inline uint16_t be16(uint16_t v)
{
    return (uint16_t)((v >> 8) | (v << 8));
}

SEC("filter/packet")
int dns_filter(struct ext_dpf_ctx *ctx)
{
    uint8_t *data = (uint8_t *)(long)ctx->data;
    uint8_t *end = (uint8_t *)(long)ctx->data_end;
    struct eth *eth = (struct eth *)data;
    if ((uint8_t *)(eth + 1) > end)
        return 0;
    if (eth->type != be16(0x0800))
        return 0;
    struct ip4 *ip = (struct ip4 *)(eth + 1);
    if ((uint8_t *)(ip + 1) > end)
        return 0;
    if (ip->proto != 17)
        return 0;
    uint32_t ihl = (ip->vhl & 0xf) * 4;
    if (ihl < 20)
        return 0;
    struct udp *udp = (struct udp *)((uint8_t *)ip + ihl);
    if ((uint8_t *)(udp + 1) > end)
        return 0;
    return udp->dport == be16(53) ? 1 : 0;
}
