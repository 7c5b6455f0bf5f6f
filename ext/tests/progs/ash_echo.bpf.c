/* ASH: echo the first bytes of the payload into the reply buffer. */
#include "ext_ctx.h"

SEC("ash/packet")
int echo(struct ext_ash_ctx *ctx)
{
    uint8_t *data = (uint8_t *)(long)ctx->data;
    uint8_t *end = (uint8_t *)(long)ctx->data_end;
    uint8_t *reply = (uint8_t *)(long)ctx->reply;
    uint32_t n = 0;
    for (int i = 0; i < 64; i++) {
        if (data + i + 1 > end)
            break;
        reply[i] = data[i] ^ 0x20;
        n++;
    }
    uint32_t sum = ext_csum(reply, 64, 7);
    reply[64] = (uint8_t)sum;
    ctx->reply_len = n;
    return (int)ext_ash_send(ctx, n);
}
