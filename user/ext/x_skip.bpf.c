/* Exceptions: skips ud2 (invalid opcode) in the kernel, guarded so that only
 * #UD is touched. */
#include "ext_ctx.h"

SEC("event/exception/is_ud")
int is_ud(struct ext_exc_ctx *ctx)
{
    return ctx->vector == 6;
}

SEC("event/exception/skip")
int skip(struct ext_exc_ctx *ctx)
{
    ctx->new_rip = ctx->rip + 2;
    ctx->action = 0;
    return 1;
}
