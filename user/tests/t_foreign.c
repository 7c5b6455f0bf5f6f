/* Foreign-ABI envs (sys_env_set_foreign, sys_env_set_fs): a `syscall`
 * instruction is reflected to the env's syscall entry as an upcall, with
 * the registers as they were, and resumed in user mode; kernel calls go
 * through the `int $0x81` gate (this program is built with -DEXO_FOREIGN).
 * Hostile input: garbage call numbers, int 0x80, the vsyscall page, the
 * attribute on an env we do not control, bad addresses. */
#include "../../lib/exo/exo.h"
#include "check.h"

static volatile long reflected, last_nr, last_args[6], gp_faults, vsys_faults;
extern void foreign_entry(void);

/* The syscall entry: a C handler through libexo's trampoline would need a
 * registered kind; this one is plain assembly that calls on_syscall(frame)
 * and resumes the frame (exo_resume). */
__asm__(".text\n"
        ".global foreign_entry\n"
        "foreign_entry:\n"
        "    sub $8, %rsp\n"
        "    mov %rdi, %rbx\n"
        "    call on_syscall\n"
        "    mov %rbx, %rdi\n"
        "    jmp exo_resume\n");

void on_syscall(struct upcall_frame *f);
void on_syscall(struct upcall_frame *f)
{
    reflected++;
    last_nr = (long)f->addr;
    last_args[0] = (long)f->rdi;
    last_args[1] = (long)f->rsi;
    last_args[2] = (long)f->rdx;
    last_args[3] = (long)f->r10;
    last_args[4] = (long)f->r8;
    last_args[5] = (long)f->r9;
    if (f->vector != KCALL_GATE_SYSCALL || f->rax != f->addr || f->kind != UPCALL_SYSCALL)
        f->rax = (uint64_t)-9999;
    else
        f->rax = f->addr * 2 + 1; /* the answer: rax = 2n + 1 */
}

static void on_exception(struct upcall_frame *f)
{
    if (f->vector == 13) { /* int $0x80: cd 80 */
        gp_faults++;
        f->rip += 2;
    }
}

static void on_pagefault(struct upcall_frame *f)
{
    if (f->addr == 0xffffffffff600000UL && f->rip == 0xffffffffff600000UL) {
        vsys_faults++;
        /* Return to the caller, as if the call had come back with -1. */
        f->rip = *(uint64_t *)f->rsp;
        f->rsp += 8;
        f->rax = (uint64_t)-1;
        return;
    }
    sys_exit(99);
}

static long do_syscall(long n, long a, long b, long c, long d, long e, long g)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = g;
    __asm__ volatile("syscall"
                     : "+a"(n), "+D"(a), "+S"(b), "+d"(c), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    return n;
}

static volatile uint64_t tls_word = 0x7457u;

int main(void)
{
    CHECK_EQ(exo_set_handler(UPCALL_EXCEPTION, on_exception), 0);
    CHECK_EQ(exo_set_handler(UPCALL_PAGEFAULT, on_pagefault), 0);

    /* Bad arguments. */
    CHECK_EQ(sys_env_set_foreign(CAP_SELF, 0xffff800000000000UL), -E_INVAL);
    CHECK_EQ(sys_env_set_foreign(CAP_SELF, 0x1000), -E_INVAL); /* below USER_MIN */
    CHECK_EQ(sys_env_set_foreign(NCAPSLOTS + 5, (uint64_t)foreign_entry), -E_INVAL);
    CHECK_EQ(sys_env_set_foreign(4000, (uint64_t)foreign_entry), -E_NOENT);
    CHECK_EQ(sys_env_set_fs(CAP_SELF, 0xffffffff80000000UL), -E_INVAL);
    long frame = sys_frame_alloc(-1);
    CHECK_EQ(frame > 0, 1);
    CHECK_EQ(sys_env_set_foreign((uint32_t)frame, (uint64_t)foreign_entry), -E_PERM);
    /* An env we hold without R_CONTROL. */
    long child = sys_env_create(64);
    CHECK_EQ(child > 0, 1);
    long weak = sys_cap_derive((uint32_t)child, R_CALL, CAP_SELF);
    CHECK_EQ(weak > 0, 1);
    CHECK_EQ(sys_env_set_foreign((uint32_t)weak, (uint64_t)foreign_entry), -E_PERM);
    CHECK_EQ(sys_env_set_fs((uint32_t)weak, 0x500000), -E_PERM);
    /* ... and with it: allowed (the child never runs). */
    CHECK_EQ(sys_env_set_foreign((uint32_t)child, (uint64_t)foreign_entry), 0);
    CHECK_EQ(sys_env_set_fs((uint32_t)child, 0x500000), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);

    /* Kernel calls by the gate work in a native env too. */
    CHECK_EQ(sys_null(), 0);

    /* Foreign from here on. */
    CHECK_EQ(sys_env_set_foreign(CAP_SELF, (uint64_t)foreign_entry), 0);
    CHECK_EQ(sys_null(), 0); /* (the gate) */
    CHECK_EQ(do_syscall(39, 1, 2, 3, 4, 5, 6), 79);
    CHECK_EQ(reflected, 1);
    CHECK_EQ(last_nr, 39);
    CHECK_EQ(last_args[0], 1);
    CHECK_EQ(last_args[3], 4);
    CHECK_EQ(last_args[5], 6);
    /* Numbers that are kernel calls natively are reflected too; garbage too. */
    CHECK_EQ(do_syscall(SYS_exit, 0, 0, 0, 0, 0, 0), 2 * SYS_exit + 1);
    CHECK_EQ(do_syscall(0, 0, 0, 0, 0, 0, 0), 1);
    CHECK_EQ(do_syscall(-1L, -1, -1, -1, -1, -1, -1), -1);
    CHECK_EQ(do_syscall(0x7fffffffffffL, 0, 0, 0, 0, 0, 0), 0xffffffffffffL);
    CHECK_EQ(reflected, 5);
    for (int i = 0; i < 1000; i++)
        do_syscall(i, i, 0, 0, 0, 0, 0);
    CHECK_EQ(reflected, 1005);

    /* Callee-saved registers and the stack survive the reflection. */
    register long r12 __asm__("r12") = 0x1212;
    register long r15 __asm__("r15") = 0x1515;
    long rbx = 0xbbbb, n = 5;
    __asm__ volatile("syscall"
                     : "+a"(n), "+b"(rbx), "+r"(r12), "+r"(r15)
                     :
                     : "rcx", "r11", "memory");
    CHECK_EQ(n, 11);
    CHECK_EQ(rbx, 0xbbbb);
    CHECK_EQ(r12, 0x1212);
    CHECK_EQ(r15, 0x1515);

    /* int $0x80: a general protection fault of ours, not a kernel call. */
    long ax = 39;
    __asm__ volatile("int $0x80" : "+a"(ax) : : "memory");
    CHECK_EQ(gp_faults, 1);
    CHECK_EQ(ax, 39);
    /* The vsyscall page: a page fault at 0xffffffffff600000. */
    long (*vsys)(void) = (long (*)(void))0xffffffffff600000UL;
    CHECK_EQ(vsys(), -1);
    CHECK_EQ(vsys_faults, 1);

    /* The FS base: %fs:0 reads what is at base. */
    CHECK_EQ(sys_env_set_fs(CAP_SELF, (uint64_t)&tls_word), 0);
    uint64_t v;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(v));
    CHECK_EQ(v, 0x7457u);
    sys_yield(-1); /* kept across a switch */
    __asm__ volatile("mov %%fs:0, %0" : "=r"(v));
    CHECK_EQ(v, 0x7457u);
    CHECK_EQ(sys_env_set_fs(CAP_SELF, 0), 0);

    /* Native again: syscall is a kernel call once more. */
    CHECK_EQ(sys_env_set_foreign(CAP_SELF, 0), 0);
    CHECK_EQ(do_syscall(SYS_null, 0, 0, 0, 0, 0, 0), 0);
    CHECK_EQ(reflected, 1006);
    return check_failures;
}
