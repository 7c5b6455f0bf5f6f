/* Software interrupts to kernel vectors are not a way in: #GP. */
int main(void)
{
    __asm__ volatile("int $0x80");
    return 0;
}
