/* A second module for combine: one PCT program of its own. */
#include "ext_ctx.h"

SEC("event/pct/negate")
int negate(struct ext_pct_ctx *ctx)
{
    ctx->reply[0] = -ctx->msg[0];
    return 1;
}
