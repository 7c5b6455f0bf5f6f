/* Must be rejected: writes a read-only context field. */
#include "ext_ctx.h"

SEC("event/pagefault")
int write_ro(struct ext_pf_ctx *ctx)
{
    ctx->fault_va = 0;
    return 0;
}
