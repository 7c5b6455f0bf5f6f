/* A cooperative library OS under memory pressure: its revocation handler
 * gives back the pages it chooses (its highest ones) and answers in time. */
#include "balloon.h"
#include "check.h"

static volatile int given, answered;
static volatile long answer = 1, early = 1;

static void on_revoke(struct upcall_frame *f)
{
    int n = (int)f->addr; /* frames asked for */
    early = sys_revoke_done(); /* nothing given back yet */
    for (int i = BALLOON_PAGES - 1; i >= 0 && n > 0; i--) {
        if (balloon_cap[i] > 0) {
            sys_cap_delete((uint32_t)balloon_cap[i]);
            balloon_cap[i] = 0;
            n--;
            given++;
        }
    }
    answer = sys_revoke_done();
    answered = 1;
}

int main(void)
{
    CHECK_EQ(exo_set_handler(UPCALL_REVOKE, on_revoke), 0);
    CHECK_EQ(sys_revoke_done(), -E_INVAL); /* nothing pending */
    CHECK_EQ(balloon_fill(), 0);
    while (!answered)
        sys_yield(-1);
    CHECK_EQ(early, -E_AGAIN);
    CHECK_EQ(answer, 0);
    CHECK_EQ(given, 16);
    CHECK_EQ(exo_info->ntaken, 0);
    CHECK_EQ(exo_info->mem_used <= exo_info->mem_quota, 1);
    for (int i = 0; i < BALLOON_PAGES - 16; i++)
        CHECK_EQ(*(volatile uint64_t *)(BALLOON_VA + (uint64_t)i * 4096), (uint64_t)i);
    CHECK_EQ(exo_pte(BALLOON_VA + (BALLOON_PAGES - 1) * 4096UL), 0);
    if (check_failures)
        printf("t_balloon: %d failed checks\n", check_failures);
    return check_failures;
}
