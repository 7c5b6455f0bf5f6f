/* A program's own text is read-only. */
int main(void)
{
    volatile unsigned char *p = (unsigned char *)main;
    p[0] = 0xc3;
    return 0;
}
