/* Common C patterns an extension author would write. */
#include "ext_ctx.h"

struct counters {
    uint64_t hits[16];
    uint32_t last;
    uint32_t seq;
};

/* Checked array index from an untrusted message register. */
SEC("event/pct")
int indexed(struct ext_pct_ctx *ctx)
{
    struct counters *c = (struct counters *)(long)ctx->state;
    uint64_t idx = ctx->msg[0];
    if (idx >= 16)
        return -1;
    c->hits[idx]++;
    c->last = (uint32_t)idx;
    ctx->reply[0] = c->hits[idx];
    return 0;
}

/* 32-bit index (u32 field), switch statement, local array on the stack. */
SEC("event/pagefault")
int classify(struct ext_pf_ctx *ctx)
{
    uint64_t local[4] = {0, 0, 0, 0};
    uint32_t n = ctx->pool_count;
    uint32_t code = (uint32_t)ctx->error_code;
    int kind;
    switch (code & 7) {
    case 0:
        kind = 10;
        break;
    case 2:
        kind = 20;
        break;
    case 4:
        kind = 30;
        break;
    case 6:
        kind = 40;
        break;
    default:
        kind = 50;
        break;
    }
    if (n < EXT_PF_POOL_SIZE)
        local[n & 3] = ctx->pool[n];
    for (int i = 0; i < 4; i++)
        local[i] += (uint64_t)kind;
    ctx->action = local[0] + local[1] + local[2] + local[3];
    return kind;
}

/* Walk TLV records in a packet with a bounded loop. */
SEC("filter/packet")
int tlv(struct ext_dpf_ctx *ctx)
{
    uint8_t *data = (uint8_t *)(long)ctx->data;
    uint8_t *end = (uint8_t *)(long)ctx->data_end;
    uint8_t *p = data;
    int found = 0;
    for (int i = 0; i < 8; i++) {
        if (p + 2 > end)
            break;
        uint8_t type = p[0], len = p[1];
        if (type == 7)
            found++;
        if (len > 32)
            break;
        p += 2 + len;
    }
    return found;
}

/* Copy a header into the stack and trace it; memset/memcpy builtins. */
SEC("ash/packet")
int copy_hdr(struct ext_ash_ctx *ctx)
{
    uint8_t *data = (uint8_t *)(long)ctx->data;
    uint8_t *end = (uint8_t *)(long)ctx->data_end;
    uint8_t buf[16];
    __builtin_memset(buf, 0, sizeof(buf));
    if (data + 16 <= end)
        __builtin_memcpy(buf, data, 16);
    ext_trace(buf, sizeof(buf));
    uint8_t *reply = (uint8_t *)(long)ctx->reply;
    __builtin_memcpy(reply, buf, 16);
    ctx->reply_len = 16;
    return buf[0];
}
