/* pct_regs(slot, a0, a1, out): sys_pct_call(slot, a0, a1, 0) by a syscall
 * made with every other register set to a known value, and the registers
 * it came back with (struct pct_regs). The kernel's PCT fast paths keep the
 * callee-saved registers in the CPU across their C code and save them in
 * the caller's frame only when they enter the callee, or return without the
 * frame when a verified handler answers in place: these tests hold every
 * path (in place, through the callee, falling back) to the ABI of a call:
 * rbx, rbp, r12-r15 and rsp kept, the answer in rax and rdx, and, when the
 * call reached a callee or a handler, rdi, rsi, r8, r9 and r10 cleared. */
#ifndef PCT_REGS_H
#define PCT_REGS_H

#include <stdint.h>
#include <spinel/kcall_nums.h>

struct pct_regs {
    uint64_t rax, rdx, rbx, rbp, r12, r13, r14, r15, rdi, rsi, r8, r9, r10, rsp_kept;
};
void pct_regs(uint64_t slot, uint64_t a0, uint64_t a1, struct pct_regs *out);

#define PCT_REGS_STR_(x) #x
#define PCT_REGS_STR(x)  PCT_REGS_STR_(x)
__asm__(".text\n"
        ".globl pct_regs\n"
        "pct_regs:\n"
        "    push %rbx\n"
        "    push %rbp\n"
        "    push %r12\n"
        "    push %r13\n"
        "    push %r14\n"
        "    push %r15\n"
        "    push %rcx\n" /* out */
        "    mov %rsp, %rax\n"
        "    push %rax\n" /* rsp, to compare */
        "    movabs $0x1111111111111111, %rbx\n"
        "    movabs $0x2222222222222222, %rbp\n"
        "    movabs $0x3333333333333333, %r12\n"
        "    movabs $0x4444444444444444, %r13\n"
        "    movabs $0x5555555555555555, %r14\n"
        "    movabs $0x6666666666666666, %r15\n"
        "    movabs $0x7777777777777777, %r8\n"
        "    movabs $0x8888888888888888, %r9\n"
        "    xor %r10d, %r10d\n"
        "    mov $" PCT_REGS_STR(SYS_pct_call) ", %eax\n"
                                               "    syscall\n"
                                               "    pop %r11\n" /* the rsp before the call */
                                               "    mov (%rsp), %rcx\n"
                                               "    mov %rax, 0(%rcx)\n"
                                               "    mov %rdx, 8(%rcx)\n"
                                               "    mov %rbx, 16(%rcx)\n"
                                               "    mov %rbp, 24(%rcx)\n"
                                               "    mov %r12, 32(%rcx)\n"
                                               "    mov %r13, 40(%rcx)\n"
                                               "    mov %r14, 48(%rcx)\n"
                                               "    mov %r15, 56(%rcx)\n"
                                               "    mov %rdi, 64(%rcx)\n"
                                               "    mov %rsi, 72(%rcx)\n"
                                               "    mov %r8, 80(%rcx)\n"
                                               "    mov %r9, 88(%rcx)\n"
                                               "    mov %r10, 96(%rcx)\n"
                                               "    xor %eax, %eax\n"
                                               "    cmp %rsp, %r11\n"
                                               "    sete %al\n"
                                               "    mov %rax, 104(%rcx)\n"
                                               "    pop %rcx\n"
                                               "    pop %r15\n"
                                               "    pop %r14\n"
                                               "    pop %r13\n"
                                               "    pop %r12\n"
                                               "    pop %rbp\n"
                                               "    pop %rbx\n"
                                               "    ret\n");

/* Whether the callee-saved registers and rsp came back as they went. */
static inline int pct_regs_kept(const struct pct_regs *r)
{
    return r->rbx == 0x1111111111111111UL && r->rbp == 0x2222222222222222UL &&
           r->r12 == 0x3333333333333333UL && r->r13 == 0x4444444444444444UL &&
           r->r14 == 0x5555555555555555UL && r->r15 == 0x6666666666666666UL && r->rsp_kept;
}

/* Whether the other caller-saved registers came back cleared (rdx is an
 * answer word). */
static inline int pct_regs_cleared(const struct pct_regs *r)
{
    return !r->rdi && !r->rsi && !r->r8 && !r->r9 && !r->r10;
}

#endif
