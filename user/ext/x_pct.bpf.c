/* A PCT handler that answers small requests in the kernel, guarded: only
 * calls whose first word is below 100 are answered here; the rest go on to
 * the env's own protected entry. */
#include "ext_ctx.h"

SEC("guard/pct/small")
int small(struct ext_pct_ctx *ctx)
{
    return ctx->msg[0] < 100;
}

SEC("event/pct/double")
int twice(struct ext_pct_ctx *ctx)
{
    uint64_t *count = (uint64_t *)(long)ctx->state; /* the module's state page */
    count[0]++;
    ctx->reply[0] = ctx->msg[0] * 2;
    ctx->reply[1] = count[0];
    return 1;
}
