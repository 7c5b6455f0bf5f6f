/* Never yields: the runner's timeout must kill it (expected "timeout"). */
int main(void)
{
    for (;;)
        __asm__ volatile("" ::: "memory");
}
