/* For t_slotrevoke: holds four time slots; gives one back when asked the
 * first time, ignores the second request and has one taken by force. */
#include "../../lib/exo/exo.h"
#include "check.h"

#define READY_VA 0x0000600000000000UL
static long extra[3];
static volatile long answer = 1;
static volatile int answered;

static void on_revoke(struct upcall_frame *f)
{
    if (f->vector != REVOKE_SLOTS || f->error != 1)
        return; /* the second request: ignored */
    for (int i = 2; i >= 0 && f->addr; i--) {
        if (extra[i] > 0 && sys_cap_delete((uint32_t)extra[i]) == 0) {
            extra[i] = 0;
            f->addr--;
        }
    }
    answer = sys_revoke_done();
    answered = 1;
}

static int slots_held(void)
{
    struct cap_info ci;
    int n = 0;
    for (uint32_t s = 1; s < NCAPSLOTS; s++)
        if (sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_SLOT)
            n++;
    return n;
}

int main(void)
{
    CHECK_EQ(exo_set_handler(UPCALL_REVOKE, on_revoke), 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ((extra[i] = sys_slot_alloc(CAP_SELF, -1)) > 0, 1);
    CHECK_EQ(slots_held(), 4);
    /* Tell the parent we are ready, through the page it shared. */
    struct cap_info ci;
    for (uint32_t s = 1; s < NCAPSLOTS; s++)
        if (sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_FRAME && ci.depth == 1 &&
            exo_map(CAP_SELF, s, READY_VA, MMU_W) == 1)
            *(volatile uint64_t *)READY_VA = 1;
    while (!answered)
        sys_yield(-1);
    CHECK_EQ(answer, 0);
    CHECK_EQ(slots_held(), 3);
    while (exo_info->ntaken < 1)
        sys_yield(-1);
    CHECK_EQ(exo_info->taken[0].type, CAP_SLOT);
    CHECK_EQ(sys_cap_inspect(exo_info->taken[0].slot, &ci), -E_NOENT);
    CHECK_EQ(slots_held(), 2);
    CHECK_EQ(exo_info->revoke_count, 0); /* closed */
    if (check_failures)
        printf("t_slotrevoke_child: %d failed checks\n", check_failures);
    return check_failures;
}
