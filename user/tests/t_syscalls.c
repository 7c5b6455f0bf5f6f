/* Kernel-call numbering and arguments: unknown numbers, bad flags; the
 * registers a call leaves. */
#include "../../lib/exo/exo.h"
#include "check.h"

/* A kernel call with every argument register set to a small value;
 * returns its result, and in *kernel how many of the caller-saved registers
 * (rdi, rsi, rdx, r8, r9, r10) came back holding a kernel-half address that
 * was not their own argument.
 * They may change (the ABI), but never to the kernel's own values: the
 * fast paths that fall back to the full path (PCT, yield, block) must not
 * hand the full path registers their C code used. */
static long raw6(long nr, long a0, long a1, long a2, long a3, int *kernel)
{
    register long rdi __asm__("rdi") = a0;
    register long rsi __asm__("rsi") = a1;
    register long rdx __asm__("rdx") = a2;
    register long r10 __asm__("r10") = a3;
    register long r8 __asm__("r8") = 8;
    register long r9 __asm__("r9") = 9;
    __asm__ volatile("syscall"
                     : "+a"(nr), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    const long regs[6] = {rdi, rsi, rdx, r8, r9, r10}, in[6] = {a0, a1, a2, 8, 9, a3};
    *kernel = 0;
    for (int i = 0; i < 6; i++) /* (an argument of ours may come back as it was: -1, say) */
        *kernel += regs[i] != in[i] && (unsigned long)regs[i] >= 0xffff800000000000UL;
    return nr;
}

static void fallbacks_leak_nothing(void)
{
    int k = -1;
    long notify = sys_notify_create(); /* a capability that is not an env */
    CHECK_EQ(notify > 0, 1);
    /* sys_pct_call: refused by the fast path's checks, answered by the full path. */
    CHECK_EQ(raw6(SYS_pct_call, CAP_SELF, 1, 2, 3, &k) < 0, 1); /* (no entry, or itself) */
    CHECK_EQ(k, 0);
    CHECK_EQ(raw6(SYS_pct_call, notify, 1, 2, 3, &k), -E_PERM);
    CHECK_EQ(k, 0);
    CHECK_EQ(raw6(SYS_pct_call, 4000, 1, 2, 3, &k), -E_NOENT);
    CHECK_EQ(k, 0);
    /* sys_yield: a donation (not the fast path's case) refused. */
    CHECK_EQ(raw6(SYS_yield, notify, 1, 2, 3, &k), -E_PERM);
    CHECK_EQ(k, 0);
    /* sys_yield(-1), whichever path takes it. */
    CHECK_EQ(raw6(SYS_yield, -1, 1, 2, 3, &k), 0);
    CHECK_EQ(k, 0);
    /* sys_block with an event pending: the full path answers the bits (or,
     * had a slot ended meanwhile and delivered them as an upcall, the
     * 1 ms limit ends the wait with 0). */
    CHECK_EQ(sys_pct_send(CAP_SELF, 4), 0);
    long bits = raw6(SYS_block, 1000, 1, 2, 3, &k);
    CHECK_EQ(bits == 4 || bits == 0, 1);
    CHECK_EQ(k, 0);
    CHECK_EQ(raw6(SYS_block, ~0UL, 1, 2, 3, &k), -E_INVAL); /* timeout too long */
    CHECK_EQ(k, 0);
    CHECK_EQ(sys_cap_delete((uint32_t)notify), 0);
}

int main(void)
{
    CHECK_EQ(sys_null(), 0);
    CHECK_EQ(exo_syscall6(SYS_NCALLS, 0, 0, 0, 0, 0, 0), -E_NOSYS);
    CHECK_EQ(exo_syscall6(1000000, 0, 0, 0, 0, 0, 0), -E_NOSYS);
    CHECK_EQ(exo_syscall6(-1, 0, 0, 0, 0, 0, 0), -E_NOSYS);
    CHECK_EQ(exo_syscall6(0x8000000000000000L, 0, 0, 0, 0, 0, 0), -E_NOSYS);
    char b;
    CHECK_EQ(sys_console_read(CAP_SELF, &b, 1), -E_INVAL); /* the console needs its capability */
    CHECK_EQ(sys_console_read(4000, &b, 1), -E_NOENT);

    /* Callee-saved registers and the stack survive a kernel call. */
    long rbx = 0x1111, r12 = 0x2222, r13 = 0x3333, r14 = 0x4444, r15 = 0x5555;
    __asm__ volatile("mov %%rbx, %%rbx" : "+b"(rbx));
    register long a12 __asm__("r12") = r12;
    register long a13 __asm__("r13") = r13;
    register long a14 __asm__("r14") = r14;
    register long a15 __asm__("r15") = r15;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret), "+b"(rbx), "+r"(a12), "+r"(a13), "+r"(a14), "+r"(a15)
                     : "a"(SYS_null)
                     : "rcx", "r11", "memory");
    CHECK_EQ(ret, 0);
    CHECK_EQ(rbx, 0x1111);
    CHECK_EQ(a12 + a13 + a14 + a15, 0x2222 + 0x3333 + 0x4444 + 0x5555);

    fallbacks_leak_nothing();

    /* Many calls in a row. */
    for (int i = 0; i < 10000; i++)
        if (sys_null() != 0)
            check_failures++;
    printf("t_syscalls: %d failed checks\n", check_failures);
    return check_failures;
}
