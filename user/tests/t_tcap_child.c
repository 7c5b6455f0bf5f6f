/* The child of t_tcap: its page was mapped by its parent from its own table. */
#include "../../lib/exo/exo.h"
#include "check.h"

#define SHARED_VA 0x0000450000000000UL

int main(void)
{
    CHECK_EQ(*(volatile uint64_t *)SHARED_VA, 0x5eed);
    *(volatile uint64_t *)SHARED_VA = 0xc0ffee;
    /* The capability is ours: we can unmap and remap it. */
    struct cap_info ci;
    long mine = -1;
    for (uint32_t s = 1; s < 64 && mine < 0; s++)
        if (sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_FRAME && ci.mapped_va == SHARED_VA)
            mine = s;
    CHECK_EQ(mine > 0, 1);
    CHECK_EQ(exo_unmap(CAP_SELF, (uint32_t)mine), 1);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)mine, SHARED_VA, MMU_W), 1);
    CHECK_EQ(sys_bootimage_map(0x0000460000000000UL), -E_PERM); /* not a root env */
    return check_failures;
}
