/* A module with a lot of code (18 pages of it once compiled), for the
 * load/delete cycles of t_objquota: the code region's space must be reused. */
#include "ext_ctx.h"

#define STEP(k) v = v * (k) + ctx->msg[1] / ((ctx->msg[2] >> ((k)&31)) | 1);
#define STEP8(k)                                                                                   \
    STEP(k) STEP(k + 1) STEP(k + 2) STEP(k + 3) STEP(k + 4) STEP(k + 5) STEP(k + 6) STEP(k + 7)
#define STEP64(k)                                                                                  \
    STEP8(k)                                                                                       \
    STEP8(k + 8) STEP8(k + 16) STEP8(k + 24) STEP8(k + 32) STEP8(k + 40) STEP8(k + 48)             \
        STEP8(k + 56)
#define BODY STEP64(3) STEP64(67) STEP64(131) STEP64(195) STEP64(259) STEP64(323)

SEC("event/pct/big0")
int big0(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0];
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/big1")
int big1(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 1;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/big2")
int big2(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 2;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/big3")
int big3(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 3;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/big4")
int big4(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 4;
    BODY ctx->reply[0] = v;
    return 1;
}

SEC("event/pct/big5")
int big5(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0] + 5;
    BODY ctx->reply[0] = v;
    return 1;
}
