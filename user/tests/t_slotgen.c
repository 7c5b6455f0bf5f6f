/* Time-slot capabilities carry their position's generation: a stale one
 * cannot free a later owner's slot. Child A takes a slot for itself, moves
 * the capability to B (whose env capability we gave A) and ends with the
 * slot's position as its status: the kernel frees A's positions while B
 * still holds a capability naming that one. We take the position; destroying
 * B deletes the stale capability, which must leave our slot alone. */
#include "../../lib/exo/exo.h"
#include "check.h"

int main(void)
{
    long a = sys_env_create(64), b = sys_env_create(32);
    CHECK_EQ(a > 0 && b > 0, 1);
    CHECK_EQ(sys_env_load((uint32_t)a, "t_slotgen_child", 15), 0);
    CHECK_EQ(sys_cap_derive((uint32_t)b, R_CONTROL, (uint32_t)a) > 0, 1);
    CHECK_EQ(sys_env_quota((uint32_t)a, OBJ_ALL, 0, ~0UL, 0), 0); /* objects: drawn from ours */
    CHECK_EQ(sys_env_quota((uint32_t)b, OBJ_ALL, 0, ~0UL, 0), 0);
    CHECK_EQ(sys_slot_alloc((uint32_t)a, -1) > 0, 1);
    CHECK_EQ(sys_env_start((uint32_t)a), 0);
    long st = exo_wait((uint32_t)a, 100000);
    CHECK_EQ(st >> 8, ENV_STATUS_EXIT);
    long pos = st & 0xff;
    CHECK_EQ(pos > 0 && pos < 64, 1);
    long mine = sys_slot_alloc(CAP_SELF, pos); /* A's position, ours now */
    CHECK_EQ(mine > 0, 1);
    /* B goes, and with it the stale capability. */
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
    CHECK_EQ(sys_slot_alloc(CAP_SELF, pos), -E_BUSY); /* still ours */
    CHECK_EQ(sys_cap_delete((uint32_t)mine), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)a), 0);
    printf("t_slotgen: position %ld; %d failed checks\n", pos, check_failures);
    return check_failures;
}
