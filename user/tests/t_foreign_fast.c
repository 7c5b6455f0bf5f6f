/* The fast reflection (sys_env_set_foreign_fast): a `syscall` of a
 * foreign-ABI env with a fast entry comes back to that entry at once with
 * every register as the instruction left them (rcx = the address after it,
 * r11 = the flags, rsp = the caller's stack); the slow path (a frame on the
 * exception stack, sys_env_set_foreign's entry) is taken when there is no
 * fast entry, or when the syscall comes from inside an upcall handler (the
 * stack pointer on the exception stack). Hostile input: bad env
 * capabilities, kernel and low addresses, an unmapped fast entry (a fault
 * of the env itself), taking the entry away. Built with -DEXO_FOREIGN. */
#include "../../lib/exo/exo.h"
#include "check.h"

static volatile long slow_calls, fast_calls;
/* What the fast entry saw: the registers, in this order. */
struct regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8, r9, r10, r11, r12, r13, r14, r15;
};
struct regs fast_seen;
extern void slow_entry(void), fast_entry(void);

/* The slow entry: rdi = the frame on the exception stack; answers 2n + 1. */
__asm__(".text\n"
        ".global slow_entry\n"
        "slow_entry:\n"
        "    sub $8, %rsp\n"
        "    mov %rdi, %rbx\n"
        "    call on_slow\n"
        "    mov %rbx, %rdi\n"
        "    jmp exo_resume\n");
void on_slow(struct upcall_frame *f);
void on_slow(struct upcall_frame *f)
{
    slow_calls++;
    f->rax = f->kind == UPCALL_SYSCALL && f->vector == KCALL_GATE_SYSCALL ? f->addr * 2 + 1
                                                                          : (uint64_t)-9999;
}

/* The fast entry: records every register (rsp untouched: the stores go to
 * fast_seen), answers 3n + 1 and jumps back to rcx, touching no stack (the
 * caller's red zone survives; the flags stay as the entry got them). */
__asm__(".text\n"
        ".global fast_entry\n"
        "fast_entry:\n"
        "    mov %rax, fast_seen+0(%rip)\n"
        "    mov %rbx, fast_seen+8(%rip)\n"
        "    mov %rcx, fast_seen+16(%rip)\n"
        "    mov %rdx, fast_seen+24(%rip)\n"
        "    mov %rsi, fast_seen+32(%rip)\n"
        "    mov %rdi, fast_seen+40(%rip)\n"
        "    mov %rbp, fast_seen+48(%rip)\n"
        "    mov %rsp, fast_seen+56(%rip)\n"
        "    mov %r8, fast_seen+64(%rip)\n"
        "    mov %r9, fast_seen+72(%rip)\n"
        "    mov %r10, fast_seen+80(%rip)\n"
        "    mov %r11, fast_seen+88(%rip)\n"
        "    mov %r12, fast_seen+96(%rip)\n"
        "    mov %r13, fast_seen+104(%rip)\n"
        "    mov %r14, fast_seen+112(%rip)\n"
        "    mov %r15, fast_seen+120(%rip)\n"
        "    incq fast_calls(%rip)\n"
        "    lea 1(%rax, %rax, 2), %rax\n"
        "    jmp *%rcx\n");

static volatile long pf_seen;
static uint64_t bad_entry;

/* A page fault at the unmapped fast entry: the env's own fault. Resume the
 * caller as if the call had answered -1 (rcx is its return address). */
static void on_pagefault(struct upcall_frame *f)
{
    if (f->rip == bad_entry && f->addr == bad_entry) {
        pf_seen++;
        f->rip = f->rcx;
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

/* A syscall from inside an upcall handler (an exception's, on the
 * exception stack): must take the slow path, nested. */
static volatile long nested_answer;
static void on_exception(struct upcall_frame *f)
{
    if (f->vector == 6) { /* ud2 */
        nested_answer = do_syscall(7, 0, 0, 0, 0, 0, 0);
        f->rip += 2;
        return;
    }
    sys_exit(98);
}

int main(void)
{
    CHECK_EQ(exo_set_handler(UPCALL_PAGEFAULT, on_pagefault), 0);
    CHECK_EQ(exo_set_handler(UPCALL_EXCEPTION, on_exception), 0);

    /* Bad arguments. */
    CHECK_EQ(sys_env_set_foreign_fast(CAP_SELF, 0xffff800000000000UL), -E_INVAL);
    CHECK_EQ(sys_env_set_foreign_fast(CAP_SELF, 0xffffffff80100000UL), -E_INVAL);
    CHECK_EQ(sys_env_set_foreign_fast(CAP_SELF, 0x1000), -E_INVAL); /* below USER_MIN */
    CHECK_EQ(sys_env_set_foreign_fast(CAP_SELF, USER_MAP_TOP), -E_INVAL);
    CHECK_EQ(sys_env_set_foreign_fast(NCAPSLOTS + 5, (uint64_t)fast_entry), -E_INVAL);
    CHECK_EQ(sys_env_set_foreign_fast(0xffffffffu, (uint64_t)fast_entry), -E_INVAL);
    CHECK_EQ(sys_env_set_foreign_fast(4000, (uint64_t)fast_entry), -E_NOENT);
    long frame = sys_frame_alloc(-1);
    CHECK_EQ(frame > 0, 1);
    CHECK_EQ(sys_env_set_foreign_fast((uint32_t)frame, (uint64_t)fast_entry), -E_PERM);
    long child = sys_env_create(64);
    CHECK_EQ(child > 0, 1);
    long weak = sys_cap_derive((uint32_t)child, R_CALL, CAP_SELF);
    CHECK_EQ(weak > 0, 1);
    CHECK_EQ(sys_env_set_foreign_fast((uint32_t)weak, (uint64_t)fast_entry), -E_PERM);
    CHECK_EQ(sys_env_set_foreign_fast((uint32_t)child, (uint64_t)fast_entry), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);

    /* A fast entry on a native env changes nothing: syscall is a kernel call. */
    CHECK_EQ(sys_env_set_foreign_fast(CAP_SELF, (uint64_t)fast_entry), 0);
    CHECK_EQ(do_syscall(SYS_null, 0, 0, 0, 0, 0, 0), 0);
    CHECK_EQ(fast_calls, 0);

    /* Foreign with a fast entry: the fast path, registers in place. */
    CHECK_EQ(sys_env_set_foreign(CAP_SELF, (uint64_t)slow_entry), 0);
    /* (sys_env_set_foreign(self, entry) keeps the fast entry: set above) */
    CHECK_EQ(do_syscall(39, 1, 2, 3, 4, 5, 6), 3 * 39 + 1);
    CHECK_EQ(fast_calls, 1);
    CHECK_EQ(slow_calls, 0);
    CHECK_EQ(fast_seen.rax, 39);
    CHECK_EQ(fast_seen.rdi, 1);
    CHECK_EQ(fast_seen.rsi, 2);
    CHECK_EQ(fast_seen.rdx, 3);
    CHECK_EQ(fast_seen.r10, 4);
    CHECK_EQ(fast_seen.r8, 5);
    CHECK_EQ(fast_seen.r9, 6);
    CHECK_EQ((fast_seen.r11 & 0x200) != 0, 1); /* the caller's flags: IF set */
    CHECK_EQ(fast_seen.rcx >= (uint64_t)main && fast_seen.rcx < USER_MAP_TOP, 1);

    /* Every register as it was; the stack pointer is the caller's. */
    register long r12 __asm__("r12") = 0x1212;
    register long r13 __asm__("r13") = 0x1313;
    register long r14 __asm__("r14") = 0x1414;
    register long r15 __asm__("r15") = 0x1515;
    long rbx = 0xbbbb, n = 5, sp;
    __asm__ volatile("mov %%rsp, %[sp]\n\tsyscall"
                     : "+a"(n), "+b"(rbx), "+r"(r12), "+r"(r13), "+r"(r14),
                       "+r"(r15), [sp] "=&r"(sp)
                     :
                     : "rcx", "r11", "memory");
    CHECK_EQ(n, 16);
    CHECK_EQ(fast_seen.rbx, 0xbbbb);
    CHECK_EQ(fast_seen.r12, 0x1212);
    CHECK_EQ(fast_seen.r13, 0x1313);
    CHECK_EQ(fast_seen.r14, 0x1414);
    CHECK_EQ(fast_seen.r15, 0x1515);
    CHECK_EQ((long)fast_seen.rsp, sp);
    CHECK_EQ(rbx, 0xbbbb);
    CHECK_EQ(r12, 0x1212);
    CHECK_EQ(r15, 0x1515);

    /* Garbage numbers and 1,000 calls: all fast, none reflected slowly. */
    CHECK_EQ(do_syscall(-1L, -1, -1, -1, -1, -1, -1), -2);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ(do_syscall(i, i, 0, 0, 0, 0, 0), 3 * i + 1);
    CHECK_EQ(fast_calls, 1003);
    CHECK_EQ(slow_calls, 0);

    /* From inside an upcall handler: the slow path, nested. */
    __asm__ volatile("ud2" : : : "memory");
    CHECK_EQ(nested_answer, 15);
    CHECK_EQ(slow_calls, 1);
    CHECK_EQ(fast_calls, 1003);

    /* An unmapped fast entry: a page fault of ours, at that address. */
    bad_entry = 0x0000123456789000UL;
    CHECK_EQ(sys_env_set_foreign_fast(CAP_SELF, bad_entry), 0);
    CHECK_EQ(do_syscall(1, 0, 0, 0, 0, 0, 0), -1);
    CHECK_EQ(pf_seen, 1);

    /* No fast entry: the slow path again. */
    CHECK_EQ(sys_env_set_foreign_fast(CAP_SELF, 0), 0);
    CHECK_EQ(do_syscall(20, 0, 0, 0, 0, 0, 0), 41);
    CHECK_EQ(slow_calls, 2);

    /* Native again takes the fast entry away: foreign once more, slow. */
    CHECK_EQ(sys_env_set_foreign_fast(CAP_SELF, (uint64_t)fast_entry), 0);
    CHECK_EQ(do_syscall(2, 0, 0, 0, 0, 0, 0), 7);
    CHECK_EQ(sys_env_set_foreign(CAP_SELF, 0), 0);
    CHECK_EQ(do_syscall(SYS_null, 0, 0, 0, 0, 0, 0), 0);
    CHECK_EQ(sys_env_set_foreign(CAP_SELF, (uint64_t)slow_entry), 0);
    CHECK_EQ(do_syscall(3, 0, 0, 0, 0, 0, 0), 7);
    CHECK_EQ(slow_calls, 3);
    CHECK_EQ(fast_calls, 1004);
    CHECK_EQ(sys_env_set_foreign(CAP_SELF, 0), 0);
    return check_failures;
}
