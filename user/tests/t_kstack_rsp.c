/* A kernel call with rsp pointing into the kernel must not hurt the kernel
 * (it never uses the user stack); the program then faults on its own push. */
#include "../../lib/exo/exo.h"
int main(void)
{
    __asm__ volatile("mov %%rsp, %%rbx\n"
                     "movabs $0xffffffff80300000, %%rsp\n"
                     "xor %%eax, %%eax\n" /* SYS_null */
                     "syscall\n"
                     "push %%rax\n" /* faults: the stack is kernel memory */
                     "mov %%rbx, %%rsp\n" ::
                         : "rax", "rbx", "rcx", "r11", "memory");
    return 0;
}
