/* Shared by t_balloon and t_balloon_ignore: a library OS that fills its
 * memory with BALLOON_PAGES pages, each holding its own index. */
#ifndef USER_TESTS_BALLOON_H
#define USER_TESTS_BALLOON_H
#include "../../lib/exo/exo.h"

#define BALLOON_VA 0x0000500000000000UL
#define BALLOON_PAGES 64
static long balloon_cap[BALLOON_PAGES];

/* Tells the parent we are full, through the page it shared with us. */
static void balloon_ready(void)
{
    struct cap_info ci;
    for (uint32_t s = 1; s < NCAPSLOTS; s++) {
        if (sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_FRAME && ci.depth == 1) {
            if (exo_map(CAP_SELF, s, BALLOON_VA - 4096, MMU_W) == 1)
                *(volatile uint64_t *)(BALLOON_VA - 4096) = 1;
            return;
        }
    }
}

static int balloon_fill(void)
{
    for (int i = 0; i < BALLOON_PAGES; i++) {
        balloon_cap[i] = exo_page_alloc_map(BALLOON_VA + (uint64_t)i * 4096, true);
        if (balloon_cap[i] < 0)
            return -1;
        *(volatile uint64_t *)(BALLOON_VA + (uint64_t)i * 4096) = (uint64_t)i;
    }
    balloon_ready();
    return 0;
}
#endif
