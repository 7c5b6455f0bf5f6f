/* Privileged instructions must raise #GP in ring 3. */
int main(void)
{
    __asm__ volatile("hlt");
    return 0;
}
