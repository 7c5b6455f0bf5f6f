/* lib/mn's context switch (see mn.c). A context is a stack pointer: the
 * callee-saved registers and the return address are on the stack. */
    .text
/* void mn_swap(uint64_t *save_rsp, uint64_t load_rsp) */
    .globl mn_swap
mn_swap:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

/* Where a new context starts (mn.c's new_context puts its address as the
 * return address): calls r13(r12), which never returns. */
    .globl mn_ctx_start
mn_ctx_start:
    mov %r12, %rdi
    call *%r13
    ud2
    .section .note.GNU-stack,"",@progbits
