/* Counts, then yields; runs only when t_yield donates its time. */
#include "../../lib/exo/exo.h"

#define SHARED_VA 0x0000400000000000UL

int main(void)
{
    struct cap_info ci;
    for (uint32_t s = 1; s < NCAPSLOTS; s++) {
        if (sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_FRAME && ci.depth == 1) {
            if (exo_map(CAP_SELF, s, SHARED_VA, MMU_W) != 1)
                return 1;
            break;
        }
    }
    volatile uint64_t *counter = (volatile uint64_t *)SHARED_VA;
    for (;;) {
        (*counter)++;
        sys_yield(-1);
    }
}
