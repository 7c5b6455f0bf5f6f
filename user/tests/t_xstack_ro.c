/* Hostile: an exception handler whose exception stack is a read-only page.
 * The kernel's exception fast path (entry.S) faults on its first store into
 * the frame and falls back to the C path, which cannot write the frame
 * either: the env dies of its #UD, and nothing else happens (the handler
 * never runs). */
#include "../../lib/exo/exo.h"

#define XSTACK_VA 0x0000005000000000UL

static void handler(void)
{
    sys_exit(3); /* not reached: the frame could not be written */
}

int main(void)
{
    if (exo_page_alloc_map(XSTACK_VA, false) < 0)
        return 1;
    struct env_entries en = {0};
    en.entry[UPCALL_EXCEPTION] = (uint64_t)handler;
    en.xstack_top = XSTACK_VA + 4096;
    en.xstack_size = 4096;
    if (sys_env_set_entries(CAP_SELF, &en) != 0)
        return 2;
    __asm__ volatile("ud2");
    return 4; /* not reached */
}
