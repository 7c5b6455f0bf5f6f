/* The x87/SSE registers belong to each env: another env using them in
 * between (switched lazily by the kernel) does not disturb ours, and a C
 * upcall handler that uses xmm registers does not change the interrupted
 * code's (libexo saves them around the handler). */
#include "../../lib/exo/exo.h"
#include "check.h"

/* Loads v into xmm5 and the x87 control word, yields the CPU, reads them back. */
static uint64_t across_yield(uint64_t v, uint16_t *fcw_out)
{
    uint64_t out;
    uint16_t fcw = 0x027f, got;
    __asm__ volatile("fldcw %[cw]\n"
                     "movq %[in], %%xmm5\n"
                     "mov $16, %%eax\n" /* SYS_yield */
                     "mov $-1, %%rdi\n"
                     "syscall\n"
                     "movq %%xmm5, %[out]\n"
                     "fnstcw %[got]\n"
                     : [out] "=r"(out), [got] "=m"(got)
                     : [in] "r"(v), [cw] "m"(fcw)
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm5",
                       "memory");
    *fcw_out = got;
    return out;
}

/* An exception handler that clobbers xmm5 the way compiled C code may. */
static void on_ud2(struct upcall_frame *f)
{
    __asm__ volatile("pxor %%xmm5, %%xmm5" ::: "xmm5");
    f->rip += 2;
}

/* Loads v into xmm5, takes a ud2 upcall, reads xmm5 back. */
static uint64_t across_upcall(uint64_t v)
{
    uint64_t out;
    __asm__ volatile("movq %[in], %%xmm5\n"
                     "ud2\n"
                     "movq %%xmm5, %[out]\n"
                     : [out] "=r"(out)
                     : [in] "r"(v)
                     : "xmm5", "memory");
    return out;
}

int main(void)
{
    CHECK_EQ(exo_set_handler(UPCALL_EXCEPTION, on_ud2), 0);
    CHECK_EQ(across_upcall(0x5555aaaa12345678UL), 0x5555aaaa12345678UL);
    CHECK_EQ(exo_set_handler(UPCALL_EXCEPTION, 0), 0);

    long child = exo_spawn("t_fpu_child", 64);
    CHECK_EQ(child > 0, 1);
    uint16_t fcw;
    for (uint64_t i = 0; i < 200; i++) {
        uint64_t v = 0x1234567800000000UL + i;
        if (across_yield(v, &fcw) != v || fcw != 0x027f)
            check_failures++;
    }
    CHECK_EQ(exo_wait((uint32_t)child, 100000), ENV_STATUS(ENV_STATUS_EXIT, 0));
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    printf("t_fpu: %d failed checks\n", check_failures);
    return check_failures;
}
