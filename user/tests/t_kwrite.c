#include <spinel/layout.h>
/* Writing kernel memory (the kernel image, and the direct map) must fault. */
int main(void)
{
    *(volatile unsigned long *)KERNEL_TEXT = 0xdead;
    return 0;
}
