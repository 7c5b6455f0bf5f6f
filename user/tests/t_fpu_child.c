/* For t_fpu: uses the same registers with other values, across yields. */
#include "../../lib/exo/exo.h"

int main(void)
{
    int bad = 0;
    for (uint64_t i = 0; i < 200; i++) {
        uint64_t v = 0xfeedface00000000UL + i, out;
        uint16_t fcw = 0x037f, got;
        __asm__ volatile("fldcw %[cw]\n"
                         "movq %[in], %%xmm5\n"
                         "mov $16, %%eax\n"
                         "mov $-1, %%rdi\n"
                         "syscall\n"
                         "movq %%xmm5, %[out]\n"
                         "fnstcw %[got]\n"
                         : [out] "=r"(out), [got] "=m"(got)
                         : [in] "r"(v), [cw] "m"(fcw)
                         : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm5",
                           "memory");
        bad += out != v || got != 0x037f;
    }
    return bad;
}
