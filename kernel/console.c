/* The console: the first serial port (COM1, 16550 UART), 115200 8N1. */
#include "kernel.h"
#include "spinlock.h"
#include "arch/x86_64/x86.h"

#define COM1 0x3f8

/* Protects the UART's transmit side, so that concurrent writers' output does
 * not interleave within one console_write() call. */
static struct spinlock console_lock = SPINLOCK_INIT("console");

void console_init(void)
{
    outb(COM1 + 1, 0x00); /* no UART interrupts yet */
    outb(COM1 + 3, 0x80); /* DLAB on */
    outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
    outb(COM1 + 2, 0xC7); /* FIFO on, cleared, 14-byte threshold */
    outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void uart_putc(char c)
{
    for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
        ;
    outb(COM1, (u8)c);
}

void console_write(const char *s, size_t n)
{
    spin_lock(&console_lock);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
    }
    spin_unlock(&console_lock);
}

void console_putc(char c)
{
    console_write(&c, 1);
}
