/* The Linux personality's system-call entry (kernel: sys_env_set_foreign).
 * The kernel enters lx_entry like any upcall handler: rsp just below the
 * frame on the exception stack, rdi = &frame. The frame is copied to a
 * stack of our own (lx_stack, ordinary memory: a fork from inside a call
 * copies it, and events and faults may still arrive as upcalls on the
 * exception stack meanwhile), the program's x87/SSE state is kept around
 * the C handler, and exo_resume brings the program back in user mode. */
#define FRAME_QWORDS 24 /* sizeof(struct upcall_frame) / 8 */

    .text
    .global lx_entry
lx_entry:
    mov lx_stack_top(%rip), %rax    /* (lx_start: the runner's own stack) */
    sub $(FRAME_QWORDS * 8), %rax   /* the copy: 16-byte aligned */
    mov %rdi, %rsi
    mov %rax, %rdi
    mov $FRAME_QWORDS, %ecx
    cld
    rep movsq
    mov %rax, %rsp                  /* off the exception stack */
    mov %rax, %rbx                  /* callee-saved: the frame */
    sub $512, %rsp
    fxsave64 (%rsp)
    mov %rbx, %rdi
    call lx_syscall
    fxrstor64 (%rsp)
    mov %rbx, %rdi
    jmp exo_resume

/* lx_jump(rip, rsp): the program's first instruction, with every other
 * register 0 (rdx = 0: no function for atexit) and a clean x87/SSE. */
    .global lx_jump
lx_jump:
    sub $8, %rsp
    movl $0x1f80, (%rsp)
    ldmxcsr (%rsp)                  /* the default MXCSR */
    mov %rsi, %rsp
    push %rdi
    fninit
    xor %eax, %eax
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %edx, %edx
    xor %esi, %esi
    xor %edi, %edi
    xor %ebp, %ebp
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    xor %r11d, %r11d
    xor %r12d, %r12d
    xor %r13d, %r13d
    xor %r14d, %r14d
    xor %r15d, %r15d
    ret

    .data
    .balign 8
    .global lx_stack_top
lx_stack_top:
    .quad 0

    .section .note.GNU-stack, "", @progbits
