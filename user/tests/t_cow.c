/* Copy-on-write between two envs, entirely in user space: the parent shares
 * a frame read-only with a child; each side's first write faults and its own
 * handler copies the page. Neither sees the other's writes, and the original
 * frame keeps the data both started from. */
#include "check.h"
#include "cow.h"

int main(void)
{
    long orig = exo_page_alloc_map(COW_VA, true);
    CHECK_EQ(orig > 0, 1);
    cow_cap = (uint32_t)orig;
    strcpy((char *)COW_VA, "before the fork");
    CHECK_EQ(exo_set_handler(UPCALL_PAGEFAULT, cow_fault), 0);

    /* "fork": a child env gets a read-only copy of the frame capability. */
    long child = sys_env_create(256);
    sys_env_quota((uint32_t)child, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    CHECK_EQ(child > 0, 1);
    CHECK_EQ(sys_env_load((uint32_t)child, "t_cow_child", 11), 0);
    long shared = sys_cap_derive((uint32_t)orig, R_READ, (uint32_t)child);
    CHECK_EQ(shared > 0, 1);
    CHECK_EQ(exo_protect(CAP_SELF, (uint32_t)orig, 0), 1); /* our side read-only too */

    /* The parent writes first: its copy breaks away; the original is untouched. */
    strcpy((char *)COW_VA, "parent was here");
    CHECK_EQ(cow_breaks, 1);
    CHECK_EQ(cow_cap != (uint32_t)orig, 1);

    CHECK_EQ(sys_slot_alloc((uint32_t)child, -1) > 0, 1);
    CHECK_EQ(sys_env_start((uint32_t)child), 0);
    CHECK_EQ(exo_wait((uint32_t)child, 10000), ENV_STATUS(ENV_STATUS_EXIT, 0));

    /* The child wrote its own copy: we still see ours. */
    CHECK_EQ(strcmp((const char *)COW_VA, "parent was here"), 0);
    /* And the original frame still holds what both started from. */
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)orig, SCRATCH_VA, 0), 1);
    CHECK_EQ(strcmp((const char *)SCRATCH_VA, "before the fork"), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    printf("t_cow: %d failed checks\n", check_failures);
    return check_failures;
}
