/* A foreign-ABI env whose syscall entry is not mapped, and no page-fault
 * handler: the reflected call faults at the entry in the env itself
 * (fault:PF), which ends it. Also a syscall with a garbage rsp: the frame
 * goes on the exception stack, never on the program's stack. */
#include "../../lib/exo/exo.h"

static void on_exception(struct upcall_frame *f)
{
    (void)f;
}

int main(void)
{
    if (exo_set_handler(UPCALL_EXCEPTION, on_exception) != 0) /* (installs the stack) */
        return 1;
    if (sys_env_set_foreign(CAP_SELF, 0x0000007000000000UL) != 0)
        return 2;
    long n = 39;
    __asm__ volatile("mov %%rsp, %%rbx\n"
                     "mov $0xdead0000dead, %%rsp\n"
                     "syscall\n"
                     "mov %%rbx, %%rsp"
                     : "+a"(n)
                     :
                     : "rbx", "rcx", "r11", "memory");
    return 3; /* not reached */
}
