/* A program as expensive to verify as we could make one: a loop explored
 * iteration by iteration, path by path, whose body is a chain of branches,
 * so that every other instruction is a prune point where the verifier
 * compares the state with up to 64 checkpoints. It runs out of the budget
 * of a load (EXT_LOAD_MAX_STEPS); t_extbound measures how long that takes. */
#include "ext_ctx.h"

#define N_ITER 1000
#define IF(k)                                                                                      \
    if (v == (k))                                                                                  \
        v = (k)*7 + 1;

SEC("event/pct/slowest")
int slowest(struct ext_pct_ctx *ctx)
{
    uint64_t v = ctx->msg[0];
#pragma clang loop unroll(disable)
    for (uint32_t i = 0; i < N_ITER; i++) {
        IF(1) IF(2) IF(3) IF(4) IF(5) IF(6) IF(7) IF(8) v += i;
    }
    ctx->reply[0] = v;
    return 1;
}
