/* Must be rejected: reads the packet without a bounds check. */
#include "ext_ctx.h"

SEC("filter/packet")
int unchecked(struct ext_dpf_ctx *ctx)
{
    uint8_t *data = (uint8_t *)(long)ctx->data;
    return data[12];
}
