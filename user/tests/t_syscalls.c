/* Kernel-call numbering and arguments: unknown numbers, bad flags. */
#include "../../lib/exo/exo.h"
#include "check.h"

int main(void)
{
    CHECK_EQ(sys_null(), 0);
    CHECK_EQ(exo_syscall6(SYS_NCALLS, 0, 0, 0, 0, 0, 0), -E_NOSYS);
    CHECK_EQ(exo_syscall6(1000000, 0, 0, 0, 0, 0, 0), -E_NOSYS);
    CHECK_EQ(exo_syscall6(-1, 0, 0, 0, 0, 0, 0), -E_NOSYS);
    CHECK_EQ(exo_syscall6(0x8000000000000000L, 0, 0, 0, 0, 0, 0), -E_NOSYS);
    char b;
    CHECK_EQ(sys_console_read(CAP_SELF, &b, 1), -E_INVAL); /* the console needs its capability */
    CHECK_EQ(sys_console_read(4000, &b, 1), -E_NOENT);

    /* Callee-saved registers and the stack survive a kernel call. */
    long rbx = 0x1111, r12 = 0x2222, r13 = 0x3333, r14 = 0x4444, r15 = 0x5555;
    __asm__ volatile("mov %%rbx, %%rbx" : "+b"(rbx));
    register long a12 __asm__("r12") = r12;
    register long a13 __asm__("r13") = r13;
    register long a14 __asm__("r14") = r14;
    register long a15 __asm__("r15") = r15;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret), "+b"(rbx), "+r"(a12), "+r"(a13), "+r"(a14), "+r"(a15)
                     : "a"(SYS_null)
                     : "rcx", "r11", "memory");
    CHECK_EQ(ret, 0);
    CHECK_EQ(rbx, 0x1111);
    CHECK_EQ(a12 + a13 + a14 + a15, 0x2222 + 0x3333 + 0x4444 + 0x5555);

    /* Many calls in a row. */
    for (int i = 0; i < 10000; i++)
        if (sys_null() != 0)
            check_failures++;
    printf("t_syscalls: %d failed checks\n", check_failures);
    return check_failures;
}
