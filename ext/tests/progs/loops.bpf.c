/* Loops with data-dependent bounds. */
#include "ext_ctx.h"
SEC("event/pct")
int copyn(struct ext_pct_ctx *ctx)
{
    uint64_t *st = (uint64_t *)(long)ctx->state;
    uint64_t n = ctx->msg[0];
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n && i < 6; i++) {
        st[i] = ctx->msg[i];
        sum += ctx->msg[i];
    }
    ctx->reply[0] = sum;
    return 0;
}
SEC("filter/packet")
int varsum(struct ext_dpf_ctx *ctx)
{
    uint8_t *data = (uint8_t *)(long)ctx->data;
    uint8_t *end = (uint8_t *)(long)ctx->data_end;
    uint32_t sum = 0;
    uint32_t n = ctx->len;
    if (n > 64)
        n = 64;
    for (uint32_t i = 0; i < n; i++) {
        if (data + i + 1 > end)
            break;
        sum += data[i];
    }
    return sum;
}
SEC("event/pagefault")
int hashidx(struct ext_pf_ctx *ctx)
{
    uint64_t *st = (uint64_t *)(long)ctx->state;
    uint64_t h = (ctx->fault_va >> 12) * 2654435761u;
    uint32_t slot = (h >> 7) % 32;
    st[slot] += 1;
    uint32_t k = ctx->pool_count;
    if (k == 0 || k > 8)
        return 1;
    return ext_map_frame(ctx, ctx->fault_va, k - 1, 3) < 0;
}
