#include <spinel/layout.h>
/* Writing the kernel image (its text, mapped supervisor-only) from user mode
 * must fault. (t_kread reads the direct map of physical memory.) */
int main(void)
{
    *(volatile unsigned long *)KERNEL_TEXT = 0xdead;
    return 0;
}
