/* The largest object sys_ext_load takes (EXT_MAX_OBJECT, 128 KiB) holds
 * about this much code: t_extbound measures how long loading it takes. */
#include "ext_ctx.h"

#define STEP(k) v = v * (k) + ctx->msg[1] / ((ctx->msg[2] >> ((k)&31)) | 1);
#define STEP8(k)                                                                                   \
    STEP(k) STEP(k + 1) STEP(k + 2) STEP(k + 3) STEP(k + 4) STEP(k + 5) STEP(k + 6) STEP(k + 7)
#define STEP64(k)                                                                                  \
    STEP8(k)                                                                                       \
    STEP8(k + 8) STEP8(k + 16) STEP8(k + 24) STEP8(k + 32) STEP8(k + 40) STEP8(k + 48)             \
        STEP8(k + 56)
#define BODY STEP64(3) STEP64(67) STEP64(131) STEP64(195) STEP64(259) STEP64(323)

SEC("event/pct/huge0")
int huge0(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 0;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/huge1")
int huge1(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 1;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/huge2")
int huge2(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 2;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/huge3")
int huge3(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 3;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/huge4")
int huge4(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 4;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/huge5")
int huge5(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 5;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/huge6")
int huge6(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 6;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/huge7")
int huge7(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 7;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/huge8")
int huge8(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 8;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/huge9")
int huge9(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 9;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/huge10")
int huge10(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 10;
    BODY ctx->reply[0] = v;
    return 1;
}
