/* Upcall trampolines and user-level resume.
 *
 * The kernel enters a handler with rsp just below the upcall frame (a null
 * return address at 0(%rsp)) and rdi = &frame. exo_upcall_entry calls the C
 * handler registered for the frame's kind, then resumes the frame. */
/* struct upcall_frame offsets (spinel/exo.h) */
#define FRAME_R15 0
#define FRAME_R14 8
#define FRAME_R13 16
#define FRAME_R12 24
#define FRAME_R11 32
#define FRAME_R10 40
#define FRAME_R9 48
#define FRAME_R8 56
#define FRAME_RBP 64
#define FRAME_RDI 72
#define FRAME_RSI 80
#define FRAME_RDX 88
#define FRAME_RCX 96
#define FRAME_RBX 104
#define FRAME_RAX 112
#define FRAME_RIP 136
#define FRAME_RFLAGS 152
#define FRAME_RSP 160
#define FRAME_KIND 176

    .text
    .global exo_upcall_entry
exo_upcall_entry:
    mov %rdi, %rbx                  /* callee-saved: the frame */
    mov FRAME_KIND(%rdi), %rax
    lea exo_handlers(%rip), %rcx
    call *(%rcx, %rax, 8)
    mov %rbx, %rdi
    /* fall through */

/* exo_resume(frame): restore everything and continue at frame->rip with
 * frame->rsp, in user mode. The target rip is parked in exo_resume_rip
 * (one handler runs at a time per env) so no stack below the target rsp is
 * touched: the interrupted code's red zone survives. */
    .global exo_resume
exo_resume:
    mov FRAME_RIP(%rdi), %rax
    mov %rax, exo_resume_rip(%rip)
    push FRAME_RFLAGS(%rdi)
    popfq
    mov FRAME_RAX(%rdi), %rax
    mov FRAME_RBX(%rdi), %rbx
    mov FRAME_RCX(%rdi), %rcx
    mov FRAME_RDX(%rdi), %rdx
    mov FRAME_RSI(%rdi), %rsi
    mov FRAME_RBP(%rdi), %rbp
    mov FRAME_R8(%rdi), %r8
    mov FRAME_R9(%rdi), %r9
    mov FRAME_R10(%rdi), %r10
    mov FRAME_R11(%rdi), %r11
    mov FRAME_R12(%rdi), %r12
    mov FRAME_R13(%rdi), %r13
    mov FRAME_R14(%rdi), %r14
    mov FRAME_R15(%rdi), %r15
    mov FRAME_RSP(%rdi), %rsp
    mov FRAME_RDI(%rdi), %rdi
    jmp *exo_resume_rip(%rip)

/* The protected entry: the kernel starts it with (a0, a1, a2) in rdi, rsi,
 * rdx and the caller's id in r8, on the protected-entry stack. */
    .global exo_pct_entry
exo_pct_entry:
    mov %r8, %rcx
    call *exo_pct_handler(%rip)
    mov %rax, %rdi
    xor %esi, %esi
    mov $18, %eax                   /* SYS_pct_reply */
    syscall
    ud2

    .bss
    .align 8
    .global exo_resume_rip
exo_resume_rip:
    .quad 0

    .section .note.GNU-stack, "", @progbits
