/* Page-fault handler: map a pre-granted frame for the faulting page. */
#include "ext_ctx.h"

struct pf_state {
    uint64_t faults;
    uint64_t next_frame;
    uint64_t last_va[8];
};

static const uint64_t perm_for_code[8] = {1, 3, 1, 3, 5, 7, 5, 7};
uint64_t total_faults; /* .bss */
uint64_t mapped = 100; /* .data */

static __attribute__((noinline)) uint64_t page_of(uint64_t va)
{
    return va & ~0xfffull;
}

static __attribute__((noinline)) int pick_frame(struct ext_pf_ctx *ctx, struct pf_state *st)
{
    uint32_t n = ctx->pool_count;
    if (n > EXT_PF_POOL_SIZE)
        n = EXT_PF_POOL_SIZE;
    for (uint32_t i = 0; i < EXT_PF_POOL_SIZE; i++) {
        if (i >= n)
            break;
        if (ctx->pool[i] != 0 && i >= st->next_frame)
            return (int)i;
    }
    return -1;
}

SEC("event/pagefault")
int on_fault(struct ext_pf_ctx *ctx)
{
    struct pf_state *st = (struct pf_state *)(long)ctx->state;
    uint64_t va = page_of(ctx->fault_va);
    st->faults++;
    st->last_va[st->faults & 7] = va;
    total_faults++;
    int idx = pick_frame(ctx, st);
    if (idx < 0) {
        ctx->action = 1; /* upcall */
        return 1;
    }
    st->next_frame = idx + 1;
    uint64_t perm = perm_for_code[ctx->error_code & 7];
    long r = ext_map_frame(ctx, va, idx, perm);
    mapped += 1;
    ctx->action = 0;
    return (int)(r & 0xffff);
}
