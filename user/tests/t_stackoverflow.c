/* Unbounded recursion runs off the bottom of the stack into unmapped memory. */
volatile int depth_limit = 1 << 30;
static int down(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    if (n >= depth_limit)
        return 0;
    return down(n + 1) + pad[0];
}
int main(void)
{
    return down(0);
}
