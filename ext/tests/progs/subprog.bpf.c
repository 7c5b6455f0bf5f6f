/* Global subprogram taking packet pointers, nested loops, variable reply offset. */
#include "ext_ctx.h"
struct hdr {
    uint32_t a, b;
    uint16_t c, d;
};

__attribute__((noinline)) int parse(struct hdr *h, const uint8_t *p, const uint8_t *end)
{
    if (p + sizeof(*h) > end)
        return -1;
    __builtin_memcpy(h, p, sizeof(*h));
    return h->c;
}

SEC("ash/packet")
int nested(struct ext_ash_ctx *ctx)
{
    uint8_t *data = (uint8_t *)(long)ctx->data;
    uint8_t *end = (uint8_t *)(long)ctx->data_end;
    uint8_t *reply = (uint8_t *)(long)ctx->reply;
    struct hdr h;
    int c = parse(&h, data, end);
    if (c < 0)
        return 0;
    uint32_t total = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            total += (uint32_t)(i * j) ^ h.a;
    uint32_t n = h.d & 0x3ff;
    if (n > EXT_ASH_REPLY_SIZE - 8)
        n = EXT_ASH_REPLY_SIZE - 8;
    *(uint32_t *)(reply + n) = total;
    ctx->reply_len = n + 4;
    return c;
}
