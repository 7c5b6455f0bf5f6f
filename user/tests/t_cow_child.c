/* The child side of t_cow. */
#include "check.h"
#include "cow.h"

int main(void)
{
    long shared = -1;
    struct cap_info ci;
    for (uint32_t s = 1; s < NCAPSLOTS && shared < 0; s++)
        if (sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_FRAME && ci.depth == 1)
            shared = s;
    CHECK_EQ(shared > 0, 1);
    CHECK_EQ(ci.rights, R_READ);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)shared, COW_VA, MMU_W), -E_PERM); /* read-only copy */
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)shared, COW_VA, 0), 1);
    cow_cap = (uint32_t)shared;
    CHECK_EQ(strcmp((const char *)COW_VA, "before the fork"), 0);
    CHECK_EQ(exo_set_handler(UPCALL_PAGEFAULT, cow_fault), 0);
    strcpy((char *)COW_VA, "child was here");
    CHECK_EQ(cow_breaks, 1);
    CHECK_EQ(strcmp((const char *)COW_VA, "child was here"), 0);
    if (check_failures)
        printf("t_cow_child: %d failed checks\n", check_failures);
    return check_failures;
}
