/* Reading address 0 must kill the program with a page fault. */
int main(void)
{
    return *(volatile int *)0;
}
