/* Sets RFLAGS.AC (which turns SMAP off in ring 0 if the kernel keeps it),
 * then makes the kernel handle its timer interrupts for about 50 ms, then a
 * trap (ud2, expected "fault:UD"). Every kernel entry must clear AC: the test
 * runner (ktest.c) fails any program during which a handler ran with AC set. */
#include <spinel/exo.h>

static void set_ac(void)
{
    __asm__ volatile("pushfq\n"
                     "orq $0x40000, (%%rsp)\n"
                     "popfq" ::
                         : "cc", "memory");
}

int main(void)
{
    const struct env_info *info = (const struct env_info *)ENV_INFO_VA;
    unsigned long t0 = __builtin_ia32_rdtsc(), ms = info->tsc_per_ms ? info->tsc_per_ms : 1000000;
    set_ac();
    while (__builtin_ia32_rdtsc() - t0 < 50 * ms)
        __asm__ volatile("" ::: "memory");
    set_ac();
    __asm__ volatile("ud2");
    return 0;
}
