/* Declarations every kernel file uses: console output, panic, string helpers. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include "types.h"
#include <spinel/layout.h>
#include <spinel/errno.h>

/* console.c / printf.c */
void console_init(void);
void console_putc(char c);
void console_write(const char *s, size_t n);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vkprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

/* panic.c */
struct trapframe;
void panic(const char *fmt, ...) __noreturn __attribute__((format(printf, 1, 2)));
void panic_trap(struct trapframe *tf, const char *why) __noreturn;
void backtrace_from(u64 rbp, u64 rip);
const char *ksym_lookup(u64 addr, u64 *offset);
#define assert(c)                                                                                  \
    do {                                                                                           \
        if (unlikely(!(c)))                                                                        \
            panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__);                         \
    } while (0)

/* lib/string.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *d, const char *s, size_t n);

/* main.c: kernel command line flags */
extern bool boot_test_mode;

/* Physical <-> direct-map virtual. */
static inline void *P2V(paddr_t pa)
{
    return (void *)(pa + PHYS_MAP_BASE);
}
static inline paddr_t V2P(const void *va)
{
    u64 v = (u64)va;
    return v >= KERNEL_BASE ? v - KERNEL_BASE : v - PHYS_MAP_BASE;
}

/* Ends the QEMU run through isa-debug-exit (port 0xf4): status 0 means success.
 * Falls back to halting on hardware without that device. */
void machine_exit(int status) __noreturn;

#endif
