/* Port I/O (here: isa-debug-exit, which would end the test run) must #GP. */
int main(void)
{
    __asm__ volatile("outb %%al, $0xf4" ::"a"(0));
    return 0;
}
