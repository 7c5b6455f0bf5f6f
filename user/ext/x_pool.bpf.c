/* A page-fault handler that resolves faults from a pool of frames the env
 * granted at attach time, without an upcall; when the pool is empty it lets
 * the fault go on to the env's own handler. */
#include "ext_ctx.h"

SEC("event/pagefault/pool")
int from_pool(struct ext_pf_ctx *ctx)
{
    uint32_t n = ctx->pool_count;
    for (uint32_t i = 0; i < EXT_PF_POOL_SIZE; i++) {
        if (i >= n)
            break;
        if (ctx->pool[i] != 0 && ext_map_frame(ctx, ctx->fault_va, i, 1) == 0) {
            ctx->action = 0; /* resolved */
            return 0;
        }
    }
    ctx->action = 1; /* upcall */
    return 0;
}
