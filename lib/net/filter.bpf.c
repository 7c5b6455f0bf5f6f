/* lib/net's packet programs: a filter that takes what its declared key
 * admits, and an ASH that answers ARP requests and ICMP echo requests for
 * the env's address in the kernel. lnet_init writes the address into cfg
 * (found by its tag) in its copy of this object before loading it. */
#include "ext_ctx.h"

static volatile const struct {
    char tag[8];
    uint8_t mac[6];
    uint8_t ip[4];
    uint8_t pad[6];
} cfg = {"LNETCFG", {0}, {0}, {0}};

SEC("filter/packet/lnet")
int lnet_filter(struct ext_dpf_ctx *ctx)
{
    (void)ctx;
    return 1;
}

SEC("ash/packet/lnet")
int lnet_ash(struct ext_ash_ctx *ctx)
{
    const uint8_t *p = (const uint8_t *)(long)ctx->data;
    const uint8_t *end = (const uint8_t *)(long)ctx->data_end;
    uint8_t *r = (uint8_t *)(long)ctx->reply;
    if (p + 42 > end)
        return 0;
    if (p[12] == 0x08 && p[13] == 0x06) { /* ARP request for us */
        if (p[20] != 0 || p[21] != 1 || p[38] != cfg.ip[0] || p[39] != cfg.ip[1] ||
            p[40] != cfg.ip[2] || p[41] != cfg.ip[3])
            return 0;
        for (int i = 0; i < 6; i++) {
            r[i] = p[6 + i];
            r[6 + i] = cfg.mac[i];
            r[22 + i] = cfg.mac[i];
            r[32 + i] = p[22 + i];
        }
        r[12] = 0x08, r[13] = 0x06;
        r[14] = 0, r[15] = 1, r[16] = 0x08, r[17] = 0, r[18] = 6, r[19] = 4;
        r[20] = 0, r[21] = 2;
        for (int i = 0; i < 4; i++) {
            r[28 + i] = cfg.ip[i];
            r[38 + i] = p[28 + i];
        }
        return ext_ash_send(ctx, 42) == 0;
    }
    /* ICMP echo request (IPv4 header of 20 bytes, up to 128 bytes). */
    if (p[12] != 0x08 || p[13] != 0 || p[14] != 0x45 || p[23] != 1 || p[34] != 8)
        return 0;
    uint32_t len = ctx->len;
    if (len > 128 || len < 42)
        return 0;
    for (uint32_t i = 0; i < 128; i += 8) {
        if (i + 8 > len || p + i + 8 > end)
            break;
        *(uint64_t *)(r + i) = *(const uint64_t *)(p + i);
    }
    if (len & 7) {
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
    r[34] = 0;
    uint32_t c = ((uint32_t)p[36] << 8 | p[37]) + 0x0800;
    c = (c & 0xffff) + (c >> 16);
    r[36] = c >> 8, r[37] = c & 0xff;
    return ext_ash_send(ctx, len) == 0;
}
