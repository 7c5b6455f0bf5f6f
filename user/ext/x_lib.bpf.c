/* A library module: exports functions other modules import (SPIN's
 * resolve). Exported functions are global functions of .text that call
 * nothing and use no data. */
#include "ext_ctx.h"

__attribute__((noinline)) long triple(long x)
{
    return 3 * x;
}

/* Reads through its argument: a caller must pass memory it may read. */
__attribute__((noinline)) long peek(const long *p)
{
    return *p;
}

/* A module needs at least one program. */
SEC("guard/pct/always")
int always(struct ext_pct_ctx *ctx)
{
    (void)ctx;
    return 1;
}
