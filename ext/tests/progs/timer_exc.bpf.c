/* Timer slot and exception handlers. */
#include "ext_ctx.h"

SEC("event/timer")
int slot_start(struct ext_timer_ctx *ctx)
{
    if (ctx->slot % 4 == 0)
        ctx->quantum_ns = ctx->quantum_ns * 2;
    ctx->next_env = ctx->env_id == 3 ? 7 : 0;
    return (int)ctx->cpu;
}

SEC("event/exception")
int on_exc(struct ext_exc_ctx *ctx)
{
    if (ctx->vector == 6) { /* #UD: skip a 2-byte instruction */
        ctx->new_rip = ctx->rip + 2;
        ctx->action = 0;
        return 0;
    }
    ctx->action = 1;
    return (int)ctx->vector;
}
