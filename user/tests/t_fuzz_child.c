/* An env of the kernel-call fuzzer (not in the manifest; see fuzz.h): made
 * by t_fuzz or by another t_fuzz_child. It waits for the first event, whose
 * bits are its seed, then makes fuzz steps of its own: it creates envs
 * (t_fuzz_child again), moves capabilities, replaces itself, calls and is
 * called by protected control transfer (its protected entry makes a few
 * steps too, so it may delete, exit or fault while serving a call), and ends
 * by exiting, faulting, being replaced or being deleted in the middle of
 * whatever it was doing. */
#include "fuzz.h"

static uint8_t scratch[FZ_SCRATCH] __attribute__((aligned(4096)));
static uint8_t pct_scratch[FZ_SCRATCH] __attribute__((aligned(4096)));
static struct fz_ctx ctx, pct_ctx;
static uint64_t seed;

/* A protected call: a few steps on its own state, then the reply. */
static uint64_t serve(uint64_t a0, uint64_t a1, uint64_t a2, uint32_t caller)
{
    struct fz_rng r = fz_stream(seed ^ a0, a1 ^ a2 ^ caller);
    for (uint64_t k = fz_below(&r, 4); k; k--)
        fz_step(&pct_ctx, &r);
    return a0 + 1;
}

int main(void)
{
    ctx.scratch = scratch;
    pct_ctx.scratch = pct_scratch;
    fz_protect_current(&ctx);
    memcpy(pct_ctx.prot, ctx.prot, sizeof ctx.prot);
    /* Its seed and classes: the first event's bits (fz_bits, fz_spawn). */
    long ev = sys_block(0);
    seed = (uint64_t)ev & ~(FZ_EVENT_SEED | EVENT_CHILD | FZ_TRACE);
    ctx.flags = pct_ctx.flags = (uint64_t)ev & FZ_ALL;
    ctx.trace = pct_ctx.trace = (ev & FZ_TRACE) != 0;
    if (ctx.trace)
        printf("  [%x] t_fuzz_child: seed 0x%lx, classes 0x%lx\n", exo_info->id, seed, ctx.flags);
    struct fz_rng r = fz_stream(seed, 0);
    if (fz_pct(&r, 90))
        exo_set_pct_entry(serve);
    uint64_t n = fz_below(&r, 400);
    for (uint64_t i = 1; i <= n; i++) {
        struct fz_rng s = fz_stream(seed, i);
        fz_step(&ctx, &s);
    }
    if (fz_pct(&r, 10))
        for (;;)
            sys_block(0); /* until its creator deletes it */
    return 0;
}
