/* A library OS that ignores revocation (no handler): past the deadline the
 * abort protocol takes frames by force and lists them in env_info.taken. */
#include "balloon.h"
#include "check.h"

int main(void)
{
    CHECK_EQ(balloon_fill(), 0);
    while (exo_info->ntaken < 16)
        sys_yield(-1);
    CHECK_EQ(exo_info->ntaken, 16);
    int gone = 0;
    for (int k = 0; k < 16; k++) {
        const volatile struct repossessed *r = &exo_info->taken[k];
        struct cap_info ci;
        CHECK_EQ(r->type, CAP_FRAME);
        CHECK_EQ(sys_cap_inspect(r->slot, &ci), -E_NOENT); /* the slot was emptied */
        CHECK_EQ(r->va >= BALLOON_VA && r->va < BALLOON_VA + BALLOON_PAGES * 4096UL, 1);
        CHECK_EQ(exo_pte(r->va), 0);                          /* the binding was broken */
        gone++;
    }
    /* The pages not taken are intact. */
    int intact = 0;
    for (int i = 0; i < BALLOON_PAGES; i++)
        if (exo_pte(BALLOON_VA + (uint64_t)i * 4096) &&
            *(volatile uint64_t *)(BALLOON_VA + (uint64_t)i * 4096) == (uint64_t)i)
            intact++;
    CHECK_EQ(intact, BALLOON_PAGES - gone);
    CHECK_EQ(exo_info->mem_used <= exo_info->mem_quota, 1);
    if (check_failures)
        printf("t_balloon_ignore: %d failed checks\n", check_failures);
    return check_failures;
}
