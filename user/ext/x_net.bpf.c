/* Packet programs for t_net: filters (the kernel checks each one's declared
 * key first; a program can only narrow what its key admits) and an ASH that
 * answers ARP requests and ICMP echo requests for 10.0.0.3 in the kernel,
 * from the loopback device's address, without waking its env. */
#include "ext_ctx.h"

#define MYIP 0x0a000003u /* 10.0.0.3 */
static const uint8_t mymac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01}; /* the loopback's */

SEC("filter/packet/all")
int all(struct ext_dpf_ctx *ctx)
{
    (void)ctx;
    return 1;
}

/* UDP frames whose first payload byte is not 'X' (IPv4 header of 20 bytes). */
SEC("filter/packet/notx")
int notx(struct ext_dpf_ctx *ctx)
{
    const uint8_t *p = (const uint8_t *)(long)ctx->data;
    if (p + 43 > (const uint8_t *)(long)ctx->data_end)
        return 0;
    return p[42] != 'X';
}

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

SEC("ash/packet/ping")
int ping(struct ext_ash_ctx *ctx)
{
    const uint8_t *p = (const uint8_t *)(long)ctx->data;
    const uint8_t *end = (const uint8_t *)(long)ctx->data_end;
    uint8_t *r = (uint8_t *)(long)ctx->reply;
    if (p + 42 > end)
        return 0;
    if (p[12] == 0x08 && p[13] == 0x06) { /* ARP */
        if (p[20] != 0 || p[21] != 1 || rd32(p + 38) != MYIP)
            return 0; /* not a request for us */
        for (int i = 0; i < 6; i++) {
            r[i] = p[6 + i];       /* to the asker */
            r[6 + i] = mymac[i];   /* from us */
            r[22 + i] = mymac[i];  /* sender hardware address */
            r[32 + i] = p[22 + i]; /* target hardware address: the asker's */
        }
        r[12] = 0x08, r[13] = 0x06;
        r[14] = 0, r[15] = 1, r[16] = 0x08, r[17] = 0, r[18] = 6, r[19] = 4;
        r[20] = 0, r[21] = 2; /* a reply */
        r[28] = MYIP >> 24, r[29] = MYIP >> 16 & 0xff, r[30] = MYIP >> 8 & 0xff, r[31] = MYIP & 0xff;
        for (int i = 0; i < 4; i++)
            r[38 + i] = p[28 + i]; /* target protocol address: the asker's */
        return ext_ash_send(ctx, 42) == 0;
    }
    /* ICMP echo request to us, IPv4 header of 20 bytes, up to 128 bytes. */
    if (p[12] != 0x08 || p[13] != 0 || p[14] != 0x45 || p[23] != 1 || p[34] != 8 ||
        rd32(p + 30) != MYIP)
        return 0;
    uint32_t len = ctx->len;
    if (len > 128 || len < 42)
        return 0;
    for (uint32_t i = 0; i < 128; i += 8) {
        if (i + 8 > len || p + i + 8 > end)
            break;
        *(uint64_t *)(r + i) = *(const uint64_t *)(p + i);
    }
    if (len & 7) { /* the last bytes: one more word, overlapping */
        uint32_t t = len - 8;
        if (p + t + 8 > end)
            return 0;
        *(uint64_t *)(r + t) = *(const uint64_t *)(p + t);
    }
    for (int i = 0; i < 6; i++) {
        r[i] = p[6 + i];
        r[6 + i] = p[i];
    }
    for (int i = 0; i < 4; i++) {
        r[26 + i] = p[30 + i];
        r[30 + i] = p[26 + i];
    }
    r[34] = 0; /* echo reply: the checksum grows by 0x0800 (one's complement) */
    uint32_t c = ((uint32_t)p[36] << 8 | p[37]) + 0x0800;
    c = (c & 0xffff) + (c >> 16);
    r[36] = c >> 8, r[37] = c & 0xff;
    return ext_ash_send(ctx, len) == 0;
}
