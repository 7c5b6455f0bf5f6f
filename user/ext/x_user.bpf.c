/* Imports triple() and peek() from another module (resolved at load time). */
#include "ext_ctx.h"

extern long triple(long x);
extern long peek(const long *p);

SEC("event/pct/triple")
int use_triple(struct ext_pct_ctx *ctx)
{
    long local = 7;
    ctx->reply[0] = triple((long)ctx->msg[0]);
    ctx->reply[1] = peek(&local); /* a stack pointer: allowed */
    return 1;
}
