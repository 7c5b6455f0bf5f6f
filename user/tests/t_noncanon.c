/* A jump to a non-canonical address faults with #GP. */
int main(void)
{
    void (*f)(void) = (void (*)(void))0x0000800000000000UL;
    f();
    return 0;
}
