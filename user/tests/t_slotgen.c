/* Time-slot capabilities carry their position's generation: a stale one
 * cannot free a later owner's slot. Child A takes a slot for itself and
 * moves the capability to B (whose env capability we gave A); A ends, so
 * the kernel frees A's position while B still holds a capability naming it.
 * We then take every free position; destroying B deletes the stale
 * capability, which must free nothing of ours. */
#include "../../lib/exo/exo.h"
#include "check.h"

int main(void)
{
    long a = sys_env_create(64), b = sys_env_create(32);
    CHECK_EQ(a > 0 && b > 0, 1);
    CHECK_EQ(sys_env_load((uint32_t)a, "t_slotgen_child", 15), 0);
    CHECK_EQ(sys_cap_derive((uint32_t)b, R_CONTROL, (uint32_t)a) > 0, 1);
    CHECK_EQ(sys_slot_alloc((uint32_t)a, -1) > 0, 1);
    CHECK_EQ(sys_env_start((uint32_t)a), 0);
    CHECK_EQ(exo_wait((uint32_t)a, 100000), ENV_STATUS(ENV_STATUS_EXIT, 0));
    /* Every free position is ours now. */
    static long mine[64];
    int n = 0;
    long r;
    while (n < 64 && (r = sys_slot_alloc(CAP_SELF, -1)) > 0)
        mine[n++] = r;
    CHECK_EQ(r, -E_NOMEM);
    CHECK_EQ(n >= 2, 1);
    /* B goes, and with it the stale capability. */
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
    CHECK_EQ(sys_slot_alloc(CAP_SELF, -1), -E_NOMEM); /* none of ours was freed */
    for (int i = 0; i < n; i++)
        CHECK_EQ(sys_cap_delete((uint32_t)mine[i]), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)a), 0);
    printf("t_slotgen: %d positions taken; %d failed checks\n", n, check_failures);
    return check_failures;
}
