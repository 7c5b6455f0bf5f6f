/* Kernel calls given bad pointers return an error instead of faulting the
 * kernel: NULL, kernel addresses, unmapped memory, overflowing lengths,
 * misaligned pointers where alignment matters, read-only memory. */
#include "../../lib/exo/exo.h"
#include "check.h"

static const struct sys_info ro_info; /* in .rodata: read-only */

int main(void)
{
    static char ok[] = "t_badptr: a good buffer\n";
    CHECK_EQ(sys_cputs(ok, sizeof ok - 1), sizeof ok - 1);
    CHECK_EQ(sys_cputs(ok, 0), 0);

    /* cputs: reads user memory */
    CHECK_EQ(sys_cputs(NULL, 1), -E_FAULT);
    CHECK_EQ(sys_cputs((char *)8, 100), -E_FAULT);
    CHECK_EQ(sys_cputs((char *)KERNEL_TEXT, 16), -E_FAULT);              /* kernel text */
    CHECK_EQ(sys_cputs((char *)0xffff800000000000UL, 16), -E_FAULT);     /* direct map */
    CHECK_EQ(sys_cputs((char *)0x0000700000000000UL, 16), -E_FAULT);     /* unmapped */
    CHECK_EQ(sys_cputs((char *)0x0000800000000000UL, 1), -E_FAULT);      /* non-canonical */
    CHECK_EQ(sys_cputs(ok, ~0UL), -E_RANGE);                             /* huge length */
    CHECK_EQ(sys_cputs((char *)0x00007ffffffff000UL, 0x2000), -E_FAULT); /* crosses the top */
    CHECK_EQ(sys_cputs((char *)~0UL, 2), -E_FAULT);                      /* wraps around */
    /* Starts mapped, runs into the unmapped page below the stack. */
    CHECK_EQ(sys_cputs((char *)(USER_STACK_TOP - USER_STACK_PAGES * 4096 - 16), 32), -E_FAULT);

    /* sysinfo: writes user memory, needs 8-byte alignment */
    struct sys_info si;
    CHECK_EQ(sys_sysinfo(&si), 0);
    CHECK_EQ(si.free_frames > 0 && si.free_frames <= si.total_frames, 1);
    CHECK_EQ(si.timer_hz, 1000);
    CHECK_EQ(sys_sysinfo(NULL), -E_FAULT);
    CHECK_EQ(sys_sysinfo((struct sys_info *)((char *)&si + 4)), -E_ALIGN);
    CHECK_EQ(sys_sysinfo((struct sys_info *)KERNEL_TEXT), -E_FAULT);
    CHECK_EQ(sys_sysinfo((struct sys_info *)0xffff800000001000UL), -E_FAULT);
    CHECK_EQ(sys_sysinfo((struct sys_info *)0x0000600000000000UL), -E_FAULT);
    CHECK_EQ(sys_sysinfo((struct sys_info *)&ro_info), -E_FAULT); /* read-only page */
    CHECK_EQ(sys_sysinfo((struct sys_info *)(USER_TOP - 8)), -E_FAULT);
    CHECK_EQ(sys_sysinfo((struct sys_info *)main), -E_FAULT); /* program text */

    /* The kernel and this program are still fine. */
    CHECK_EQ(sys_sysinfo(&si), 0);
    printf("t_badptr: %d failed checks\n", check_failures);
    return check_failures;
}
