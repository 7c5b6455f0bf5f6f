/* Yield and donation: the rest of a slot handed to another env. */
#include "../../lib/exo/exo.h"
#include "check.h"

#define SHARED_VA 0x0000400000000000UL

int main(void)
{
    long page = exo_page_alloc_map(SHARED_VA, true);
    CHECK_EQ(page > 0, 1);
    volatile uint64_t *counter = (volatile uint64_t *)SHARED_VA;
    long child = sys_env_create(64);
    sys_env_quota((uint32_t)child, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    CHECK_EQ(sys_env_load((uint32_t)child, "t_yield_child", 13), 0);
    CHECK_EQ(sys_cap_derive((uint32_t)page, R_READ | R_WRITE, (uint32_t)child) > 0, 1);
    /* Not started yet: nothing to donate to. */
    CHECK_EQ(sys_yield(child), -E_AGAIN);
    CHECK_EQ(sys_env_start((uint32_t)child), 0); /* runnable, but no slot of its own */

    for (int i = 0; i < 100; i++) {
        uint64_t before = *counter;
        CHECK_EQ(sys_yield(child), 0); /* it runs only on our time */
        CHECK_EQ(*counter, before + 1);
    }
    CHECK_EQ(sys_yield(CAP_SELF), -E_AGAIN);
    long nocall = sys_cap_derive((uint32_t)child, R_CONTROL, CAP_SELF);
    CHECK_EQ(sys_yield(nocall), -E_PERM);
    CHECK_EQ(sys_yield(page), -E_PERM);
    CHECK_EQ(sys_yield(77), -E_NOENT);
    CHECK_EQ(sys_yield(-1), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    printf("t_yield: counter %lu, %d failed checks\n", (unsigned long)*counter, check_failures);
    return check_failures;
}
