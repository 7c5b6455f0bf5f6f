/* Revocation of time slots: once complied with, once by the abort protocol. */
#include "../../lib/exo/exo.h"
#include "check.h"

#define READY_VA 0x0000600000000000UL

int main(void)
{
    long page = exo_page_alloc_map(READY_VA, true);
    long child = sys_env_create(128);
    sys_env_quota((uint32_t)child, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    CHECK_EQ(sys_env_load((uint32_t)child, "t_slotrevoke_child", 18), 0);
    CHECK_EQ(sys_cap_derive((uint32_t)page, R_READ | R_WRITE, (uint32_t)child) > 0, 1);
    CHECK_EQ(sys_slot_alloc((uint32_t)child, -1) > 0, 1);
    CHECK_EQ(sys_slot_alloc((uint32_t)child, 99), -E_INVAL);
    CHECK_EQ(sys_env_start((uint32_t)child), 0);
    for (int i = 0; i < 10000 && !*(volatile uint64_t *)READY_VA; i++)
        sys_yield(-1);
    CHECK_EQ(sys_env_revoke((uint32_t)child, REVOKE_SLOTS, 9, 1000), -E_INVAL); /* holds 4 */
    CHECK_EQ(sys_env_revoke((uint32_t)child, REVOKE_SLOTS, 1, 2000), 0);
    CHECK_EQ(sys_slot_alloc((uint32_t)child, -1), -E_NOMEM); /* none more until it complies */
    for (int i = 0; i < 10000 && sys_env_revoke((uint32_t)child, REVOKE_SLOTS, 1, 20) == -E_BUSY;
         i++)
        sys_yield(-1);
    CHECK_EQ(exo_wait((uint32_t)child, 100000), ENV_STATUS(ENV_STATUS_EXIT, 0));
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)page), 0);
    printf("t_slotrevoke: %d failed checks\n", check_failures);
    return check_failures;
}
