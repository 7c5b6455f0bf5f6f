/* Hostile: an exception stack whose frame straddles a writable page and an
 * unmapped one. The kernel's exception fast path (entry.S) writes the first
 * registers into the lower page, then faults in the middle of its copy of
 * the rest; it falls back to the C path, which cannot write the frame
 * either: the env dies of its #UD, and the handler never runs. */
#include "../../lib/exo/exo.h"

#define XSTACK_VA 0x0000005000000000UL

static void handler(void)
{
    sys_exit(3); /* not reached: the frame could not be written */
}

int main(void)
{
    if (exo_page_alloc_map(XSTACK_VA, true) < 0) /* the page above stays unmapped */
        return 1;
    struct env_entries en = {0};
    en.entry[UPCALL_EXCEPTION] = (uint64_t)handler;
    en.xstack_top =
        XSTACK_VA + 4096 + 96; /* the frame: 96 bytes above the boundary, the rest below */
    en.xstack_size = 8192;
    if (sys_env_set_entries(CAP_SELF, &en) != 0)
        return 2;
    __asm__ volatile("ud2");
    return 4; /* not reached */
}
