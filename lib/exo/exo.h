/* libexo: user-side stubs for the kernel calls (see include/spinel/syscall.h). */
#ifndef LIBEXO_EXO_H
#define LIBEXO_EXO_H

#include <stdint.h>
#include <stddef.h>
#include <spinel/syscall.h>
#include <spinel/errno.h>
#include <spinel/layout.h>

static inline long exo_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
    long ret;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static inline long sys_null(void)
{
    return exo_syscall6(SYS_null, 0, 0, 0, 0, 0, 0);
}
static inline long sys_cputs(const char *s, size_t n)
{
    return exo_syscall6(SYS_cputs, (long)s, (long)n, 0, 0, 0, 0);
}
static inline __attribute__((noreturn)) void sys_exit(int status)
{
    exo_syscall6(SYS_exit, status, 0, 0, 0, 0, 0);
    __builtin_unreachable();
}
static inline long sys_sysinfo(struct sys_info *out)
{
    return exo_syscall6(SYS_sysinfo, (long)out, 0, 0, 0, 0, 0);
}
#define CGETC_WAIT 1
static inline long sys_cgetc(unsigned flags)
{
    return exo_syscall6(SYS_cgetc, flags, 0, 0, 0, 0, 0);
}

#endif
