/* Must be refused: writes past its state region. */
#include "ext_ctx.h"

SEC("event/pct/state")
int overflow(struct ext_pct_ctx *ctx)
{
    uint64_t *st = (uint64_t *)(long)ctx->state;
    st[EXT_STATE_SIZE / 8] = 1;
    return 1;
}
