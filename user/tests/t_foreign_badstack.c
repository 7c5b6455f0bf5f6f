/* A foreign-ABI env whose exception stack is not mapped: its first
 * `syscall` cannot be reflected, and the kernel kills it (fault:SYSCALL),
 * nothing else. */
#include "../../lib/exo/exo.h"

int main(void)
{
    struct env_entries en = {0};
    en.xstack_top = 0x0000007000000000UL; /* a user address, never mapped */
    en.xstack_size = 4096;
    if (sys_env_set_entries(CAP_SELF, &en) != 0)
        return 1;
    if (sys_env_set_foreign(CAP_SELF, 0x400000) != 0)
        return 2;
    long n = 39;
    __asm__ volatile("syscall" : "+a"(n) : : "rcx", "r11", "memory");
    return 3; /* not reached */
}
