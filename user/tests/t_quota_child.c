/* Helper for t_quota (not in the manifest): run with a 200-page quota, it
 * allocates frames until the quota is exhausted, then gives 40 back and
 * maps pages so far apart that each needs new page tables until that runs
 * out too. Exits with the number of failed checks. (exo_pte walks down the
 * page-table window only through present entries, so it is safe where a
 * PML4 entry exists without the PDPT entry below it.) */
#include "../../lib/exo/exo.h"
#include "check.h"

#define SPREAD 0x0000010000000000UL /* 1 TiB: a new PML4 entry every time */

static long caps[NCAPSLOTS];

static struct cap_info ci;
static struct mmu_op ops[3];

int main(void)
{
    const uint64_t q = exo_info->mem_quota;
    CHECK_EQ(q, 200);
    CHECK_EQ(exo_info->mem_used <= q, 1);

    /* Frames until the quota is gone. */
    int n = 0, over = 0;
    long r;
    while ((r = sys_frame_alloc(-1)) > 0) {
        caps[n++] = r;
        over += exo_info->mem_used > exo_info->mem_quota;
    }
    CHECK_EQ(r, -E_NOMEM);
    CHECK_EQ(over, 0);
    CHECK_EQ(n > 100, 1);
    CHECK_EQ(exo_info->mem_used, q);
    CHECK_EQ(exo_info->mem_quota, q);
    /* Nothing more, and the failures charge nothing. */
    CHECK_EQ(sys_frame_alloc(-1), -E_NOMEM);
    CHECK_EQ(sys_cap_inspect((uint32_t)caps[0], &ci), 0);
    CHECK_EQ(sys_frame_alloc((int64_t)ci.object + 1), -E_NOMEM);
    CHECK_EQ(sys_env_create(16), -E_NOMEM);
    CHECK_EQ(exo_info->mem_used, q);
    /* Capabilities are bounded by the table (NCAPSLOTS), not charged to the
     * memory quota: a copy can still be made with the quota full. */
    long d = sys_cap_derive((uint32_t)caps[0], R_READ, CAP_SELF);
    CHECK_EQ(d > 0, 1);
    if (d > 0)
        sys_cap_delete((uint32_t)d);
    /* A map that needs new page tables fails and leaves nothing behind. */
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)caps[0], SPREAD, MMU_W), -E_NOMEM);
    CHECK_EQ(exo_pte(SPREAD), 0);
    CHECK_EQ(sys_cap_inspect((uint32_t)caps[0], &ci), 0);
    CHECK_EQ(ci.mapped_va, 0);
    CHECK_EQ(exo_info->mem_used, q);
    /* One that needs none works: just below the stack. */
    uint64_t below = USER_STACK_TOP - (USER_STACK_PAGES + 1) * 4096UL;
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)caps[0], below, MMU_W), 1);
    *(volatile uint64_t *)below = 1;
    CHECK_EQ(exo_unmap(CAP_SELF, (uint32_t)caps[0]), 1);
    CHECK_EQ(exo_info->mem_used, q);

    /* Give 40 frames back; spend them on page tables. */
    for (int i = 0; i < 40; i++)
        CHECK_EQ(sys_cap_delete((uint32_t)caps[--n]), 0);
    CHECK_EQ(exo_info->mem_used, q - 40);
    int mapped = 0;
    for (int k = 1; k <= n; k++) {
        r = exo_map(CAP_SELF, (uint32_t)caps[k - 1], SPREAD * (uint64_t)k, MMU_W);
        if (exo_info->mem_used > exo_info->mem_quota)
            over++;
        if (r != 1)
            break;
        *(volatile uint64_t *)(SPREAD * (uint64_t)k) = (uint64_t)k;
        mapped++;
    }
    CHECK_EQ(r, -E_NOMEM);
    CHECK_EQ(over, 0);
    CHECK_EQ(mapped, 13); /* 3 page-table pages each: 39 of the 40 */
    CHECK_EQ(exo_info->mem_used <= q, 1);
    CHECK_EQ(exo_pte(SPREAD * (uint64_t)(mapped + 1)), 0);
    CHECK_EQ(sys_cap_inspect((uint32_t)caps[mapped], &ci), 0);
    CHECK_EQ(ci.mapped_va, 0);
    uint64_t sum = 0;
    for (int k = 1; k <= mapped; k++)
        sum += *(volatile uint64_t *)(SPREAD * (uint64_t)k);
    CHECK_EQ(sum, (uint64_t)mapped * (mapped + 1) / 2);

    /* A batch that runs out half way: what came before stays. */
    uint64_t left = q - exo_info->mem_used;
    for (uint64_t i = 0; i < 4 - left; i++)
        CHECK_EQ(sys_cap_delete((uint32_t)caps[--n]), 0);
    CHECK_EQ(q - exo_info->mem_used, 4);
    for (int i = 0; i < 3; i++) {
        ops[i].va = SPREAD * (uint64_t)(20 + i);
        ops[i].cap = (uint32_t)caps[mapped + 1 + i];
        ops[i].op = MMU_MAP | MMU_W;
    }
    r = sys_mmu_update(CAP_SELF, ops, 3);
    CHECK_EQ(r == 1 || r == -E_NOMEM, 1);
    CHECK_EQ(exo_pte(ops[0].va) & PTE_P, PTE_P);
    CHECK_EQ(exo_pte(ops[1].va), 0);
    CHECK_EQ(exo_pte(ops[2].va), 0);
    CHECK_EQ(exo_info->mem_used <= q, 1);
    printf("t_quota_child: %d frames, %d spread maps, %d failed checks\n", n, mapped,
           check_failures);
    return check_failures;
}
