/* Must be refused: reads memory through a made-up pointer (here the start of
 * user space, i.e. some env's memory). */
#include "ext_ctx.h"

SEC("event/pct/peek")
int peek(struct ext_pct_ctx *ctx)
{
    ctx->reply[0] = *(volatile uint64_t *)0x400000;
    return 1;
}
