/* Programs that are expensive to verify: each one's loop is explored
 * iteration by iteration (about 15,000 instructions of symbolic execution,
 * with a checkpoint comparison at every loop head), and each passes alone.
 * Two of them in one object exceed the budget of a load, 25,000 (t_extbound). */
#include "ext_ctx.h"

#define SLOW(name, seed)                                                                           \
    SEC("event/pct/" #name)                                                                        \
    int name(struct ext_pct_ctx *ctx)                                                              \
    {                                                                                              \
        uint64_t v = ctx->msg[0] + (seed);                                                         \
        _Pragma("clang loop unroll(disable)") for (uint32_t i = 0; i < 1500; i++) v =              \
            v * 3 + (v >> 7);                                                                      \
        ctx->reply[0] = v;                                                                         \
        return 1;                                                                                  \
    }

SLOW(slow0, 0)
SLOW(slow1, 1)
SLOW(slow2, 2)
SLOW(slow3, 3)
