/* Must be refused: reads past the end of its context. */
#include "ext_ctx.h"

SEC("event/pct/oob")
int oob(struct ext_pct_ctx *ctx)
{
    volatile uint64_t *p = &ctx->reply[0];
    ctx->reply[0] = p[40];
    return 1;
}
