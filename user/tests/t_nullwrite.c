/* Writing near address 0 must kill the program with a page fault. */
int main(void)
{
    int *volatile p = (int *)8;
    *p = 1;
    return 0;
}
