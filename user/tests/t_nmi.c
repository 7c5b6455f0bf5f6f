/* Runs in user mode while the kernel test (kernel/nmi-from-user in ktest.c)
 * sends NMIs: they are the machine's, so this env must neither be charged a
 * fault (no upcall, not killed) nor see any register change. Spins for about
 * 200 ms with known values in every callee-saved register and checks them. */
#include <spinel/exo.h>

static int spin_checked(unsigned long n)
{
    unsigned long bad;
    __asm__ volatile("mov $0x1111111111111111, %%rbx\n"
                     "mov $0x2222222222222222, %%r12\n"
                     "mov $0x3333333333333333, %%r13\n"
                     "mov $0x4444444444444444, %%r14\n"
                     "mov $0x5555555555555555, %%r15\n"
                     "xor %[bad], %[bad]\n"
                     "1: mov $0x1111111111111111, %%rax\n"
                     "cmp %%rax, %%rbx\n"
                     "jne 2f\n"
                     "mov $0x2222222222222222, %%rax\n"
                     "cmp %%rax, %%r12\n"
                     "jne 2f\n"
                     "mov $0x3333333333333333, %%rax\n"
                     "cmp %%rax, %%r13\n"
                     "jne 2f\n"
                     "mov $0x4444444444444444, %%rax\n"
                     "cmp %%rax, %%r14\n"
                     "jne 2f\n"
                     "mov $0x5555555555555555, %%rax\n"
                     "cmp %%rax, %%r15\n"
                     "jne 2f\n"
                     "dec %[n]\n"
                     "jnz 1b\n"
                     "jmp 3f\n"
                     "2: mov $1, %[bad]\n"
                     "3:\n"
                     : [bad] "=&r"(bad), [n] "+r"(n)
                     :
                     : "rax", "rbx", "r12", "r13", "r14", "r15", "cc");
    return (int)bad;
}

int main(void)
{
    const struct env_info *info = (const struct env_info *)ENV_INFO_VA;
    unsigned long t0 = __builtin_ia32_rdtsc(), ms = info->tsc_per_ms ? info->tsc_per_ms : 1000000;
    while (__builtin_ia32_rdtsc() - t0 < 200 * ms)
        if (spin_checked(10000))
            return 1;
    return info->upcalls == 0 ? 0 : 2;
}
