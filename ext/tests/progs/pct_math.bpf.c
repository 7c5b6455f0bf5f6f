/* PCT handler: arithmetic on message registers into reply registers. */
#include "ext_ctx.h"

static __attribute__((noinline)) uint64_t mix(uint64_t a, uint64_t b)
{
    return (a * 31) ^ (b >> 3) ^ (a << 7);
}

SEC("event/pct")
int pct(struct ext_pct_ctx *ctx)
{
    uint64_t a = ctx->msg[0], b = ctx->msg[1];
    int64_t sa = (int64_t)ctx->msg[2], sb = (int64_t)ctx->msg[3];
    uint32_t a32 = (uint32_t)ctx->msg[4], b32 = (uint32_t)ctx->msg[5];
    ctx->reply[0] = b ? a / b : 0;
    ctx->reply[1] = b ? a % b : a;
    ctx->reply[2] = (sa < sb ? (uint64_t)sa - (uint64_t)sb : (uint64_t)sb - (uint64_t)sa);
    ctx->reply[3] = (uint64_t)(a32 << (b32 & 31)) | ((uint64_t)(a32 >> (b32 & 31)) << 32);
    ctx->reply[4] = mix(a, b) + mix(b, a);
    ctx->reply[5] = (uint64_t)((int32_t)a32 >> 3);
    uint64_t buf[4];
    buf[0] = a;
    buf[1] = b;
    buf[2] = (uint64_t)sa;
    buf[3] = (uint64_t)sb;
    ext_trace(buf, sizeof(buf));
    return (int)(a + b);
}

SEC("guard/pct")
int guard(struct ext_pct_ctx *ctx)
{
    /* Only allow calls whose first message word is below 100. */
    return ctx->msg[0] < 100;
}
