/* The Linux personality's system-call entries. lx_fast_entry is the fast
 * one (sys_env_set_foreign_fast): the kernel comes back to it at once with
 * every register as the program's syscall left them. lx_entry is the slow
 * one (sys_env_set_foreign), which the kernel takes when the fast one's
 * checks fail: the registers in a frame on the exception stack.
 *
 * lx_entry (kernel: sys_env_set_foreign).
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

/* struct upcall_frame offsets (spinel/exo.h) */
#define F_R15    0
#define F_R14    8
#define F_R13    16
#define F_R12    24
#define F_R11    32
#define F_R10    40
#define F_R9     48
#define F_R8     56
#define F_RBP    64
#define F_RDI    72
#define F_RSI    80
#define F_RDX    88
#define F_RCX    96
#define F_RBX    104
#define F_RAX    112
#define F_RIP    136
#define F_RFLAGS 152
#define F_RSP    160

/* lx_fast_entry: rax = the call number, rdi rsi rdx r10 r8 r9 its
 * arguments, rcx the address after the program's syscall, r11 its flags,
 * rsp its stack (never touched: its red zone survives). Only what a C
 * function may change is kept, in the frame at lx_frame (where lx_entry
 * puts its copy): the caller-saved registers, rip, flags and rsp; rbx,
 * rbp and r12-r15 stay in their registers, preserved by the C code. The
 * x87/SSE state goes right below the frame, as with lx_entry. lx_fast
 * answers the call; if it says so (0), the lean way back restores those
 * registers alone and jumps to the program, rcx = rip and r11 = the flags
 * as Linux leaves them: no kernel entry, nothing parked in memory, so an
 * upcall anywhere in here just resumes it. Otherwise (1: a signal to
 * deliver; 2: a call that needs the whole frame) the frame is completed
 * with the callee-saved registers, still the program's here, and
 * lx_fast_full does the rest, lx_entry's way (exo_resume). */
    .global lx_fast_entry
lx_fast_entry:
    mov %rsp, lx_prog_rsp(%rip)
    mov lx_frame(%rip), %rsp
    mov %rax, F_RAX(%rsp)
    mov %rcx, F_RIP(%rsp)
    mov %rcx, F_RCX(%rsp)
    mov %r11, F_RFLAGS(%rsp)
    mov %r11, F_R11(%rsp)
    mov %rdi, F_RDI(%rsp)
    mov %rsi, F_RSI(%rsp)
    mov %rdx, F_RDX(%rsp)
    mov %r8, F_R8(%rsp)
    mov %r9, F_R9(%rsp)
    mov %r10, F_R10(%rsp)
    mov lx_prog_rsp(%rip), %rcx
    mov %rcx, F_RSP(%rsp)
    mov %rsp, %rdi
    sub $512, %rsp
    fxsave64 (%rsp)
    call lx_fast
    test %eax, %eax
    jnz 1f
    fxrstor64 (%rsp)
    add $512, %rsp
    mov F_RDI(%rsp), %rdi
    mov F_RSI(%rsp), %rsi
    mov F_RDX(%rsp), %rdx
    mov F_R8(%rsp), %r8
    mov F_R9(%rsp), %r9
    mov F_R10(%rsp), %r10
    mov F_RAX(%rsp), %rax
    mov F_RIP(%rsp), %rcx
    mov F_RFLAGS(%rsp), %r11
    push %r11
    popfq
    mov F_RSP(%rsp), %rsp
    jmp *%rcx
1:  lea 512(%rsp), %rdi
    mov %rbx, F_RBX(%rdi)
    mov %rbp, F_RBP(%rdi)
    mov %r12, F_R12(%rdi)
    mov %r13, F_R13(%rdi)
    mov %r14, F_R14(%rdi)
    mov %r15, F_R15(%rdi)
    mov %rdi, %rbx
    mov %eax, %esi
    call lx_fast_full
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
    .global lx_frame
lx_frame:                           /* lx_stack_top - FRAME_QWORDS * 8 */
    .quad 0

/* lx_fast_entry's scratch: the program's rsp, for the few instructions
 * before it is in the frame. A page of its own: after a fork its first
 * write is a copy-on-write fault, and while lib/unix breaks the share the
 * page is unmapped for a moment; an upcall handler arriving then (a slot's
 * end) reads lib/unix's variables, which must not be on that page. */
    .bss
    .balign 4096
lx_prog_rsp:
    .skip 4096

    .section .note.GNU-stack, "", @progbits
