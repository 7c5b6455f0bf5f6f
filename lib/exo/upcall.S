/* Upcall trampolines and user-level resume.
 *
 * The kernel enters a handler with rsp just below the upcall frame (a null
 * return address at 0(%rsp)) and rdi = &frame. exo_upcall_entry saves the
 * x87/SSE state, calls the C handler registered for the frame's kind,
 * restores that state and resumes the frame. */
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
/* exo_resume's parking spots, in libexo's private pages (exo.c) */
#ifdef EXO_FOREIGN /* (exo.c: XSTACK_SIZE + PCTSTACK_SIZE) */
#define EXO_RESUME_RIP (exo_private_area + 65536 + 16384)
#define EXO_RESUME_RDI (exo_private_area + 65536 + 16392)
#else
#define EXO_RESUME_RIP (exo_private_area + 32768)
#define EXO_RESUME_RDI (exo_private_area + 32776)
#endif
#define ENV_INFO_VA_FPU (0x00007f7ffffff000 + 1640) /* &exo_info->fpu_used (spinel/exo.h) */

    .text
    .global exo_upcall_entry
exo_upcall_entry:
    /* An upcall can interrupt exo_resume (an event at a slot's start, a
     * slot ending, a copy-on-write fault on exo_resume's own variables):
     * exo_resume is a restartable sequence. Before anything else, make the
     * frame describe the context exo_resume was bringing back, so that
     * resuming it finishes that resume (Bershad's restartable atomic
     * sequences; the kernel needs to know nothing of it). */
    mov FRAME_RIP(%rdi), %rax
    lea exo_resume(%rip), %rcx
    sub %rcx, %rax                  /* offset into exo_resume (huge if below it) */
    cmp $(exo_resume_end - exo_resume), %rax
    jae 3f                          /* the common case: not in exo_resume */
    cmp $(exo_resume_switched - exo_resume), %rax
    jae 4f
    /* Before the stack switch: rdi still points at the frame being
     * resumed, intact above ours (we were on the exception stack): take
     * its registers, keeping our vector, error, kind and address. */
    mov FRAME_RDI(%rdi), %rsi
    mov %rdi, %rdx
    mov $15, %ecx                   /* r15 .. rax */
    rep movsq
    add $16, %rsi                   /* skip vector and error */
    add $16, %rdi
    mov $5, %ecx                    /* rip, cs, rflags, rsp, ss */
    rep movsq
    mov %rdx, %rdi
    jmp 3f
4:  /* After it: every register is the target's but rdi and rip, parked in
     * exo_resume_rdi and exo_resume_rip. */
    mov EXO_RESUME_RIP(%rip), %rax
    mov %rax, FRAME_RIP(%rdi)
    mov EXO_RESUME_RDI(%rip), %rax
    mov %rax, FRAME_RDI(%rdi)
3:  sub $8, %rsp                    /* entered as if called: realign for the call below */
    mov %rdi, %rbx                  /* callee-saved: the frame */
    /* The frame holds only integer registers: keep the interrupted code's
     * x87/SSE state across the C handler, which may use xmm registers
     * (gcc copies structures with movups). */
    sub $512, %rsp
    mov $ENV_INFO_VA_FPU, %rax      /* an env that never used them has nothing to keep */
    mov (%rax), %r12                /* callee-saved: the decision, for the way back */
    test %r12, %r12
    jz 1f
    fxsave64 (%rsp)
1:  mov FRAME_KIND(%rdi), %rax
    lea exo_handlers(%rip), %rcx
    call *(%rcx, %rax, 8)
    test %r12, %r12
    jz 2f
    fxrstor64 (%rsp)
2:  mov %rbx, %rdi
    /* fall through */

/* exo_resume(frame): restore everything and continue at frame->rip with
 * frame->rsp, in user mode. The target rip and rdi are parked in
 * EXO_RESUME_RIP and EXO_RESUME_RDI (one handler runs at a time per env,
 * nested ones complete first) so no stack below the target rsp is
 * touched: the interrupted code's red zone survives. An upcall arriving
 * anywhere in here is handled by exo_upcall_entry's fix-up above; an
 * iretq built on the exception stack would be atomic, but QEMU's TCG
 * performs a user-mode iretq's stack reads as supervisor accesses, which
 * SMAP refuses. */
    .global exo_resume
exo_resume:
    mov FRAME_RIP(%rdi), %rax
    mov %rax, EXO_RESUME_RIP(%rip)
    mov FRAME_RDI(%rdi), %rax
    mov %rax, EXO_RESUME_RDI(%rip)
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
exo_resume_switched:
    mov EXO_RESUME_RDI(%rip), %rdi
    jmp *EXO_RESUME_RIP(%rip)
exo_resume_end:

/* The protected entry: the kernel starts it with (a0, a1, a2) in rdi, rsi,
 * rdx and the caller's id in r8, on the protected-entry stack. */
    .global exo_pct_entry
exo_pct_entry:
    sub $8, %rsp                    /* entered as if called: realign for the call below */
    mov %r8, %rcx
    call *exo_pct_handler(%rip)
    mov %rax, %rdi
    xor %esi, %esi
    mov $18, %eax                   /* SYS_pct_reply */
#ifdef EXO_FOREIGN
    int $0x81
#else
    syscall
#endif
    ud2


/* exo_setjmp(jb) / exo_longjmp(jb, v): callee-saved registers, rsp and the
 * return address; used by the Unix library OS's fork to start the child
 * where the parent stood. jb: rbx, rbp, r12, r13, r14, r15, rsp, rip. */
    .text
    .global exo_setjmp
exo_setjmp:
    mov %rbx, 0(%rdi)
    mov %rbp, 8(%rdi)
    mov %r12, 16(%rdi)
    mov %r13, 24(%rdi)
    mov %r14, 32(%rdi)
    mov %r15, 40(%rdi)
    lea 8(%rsp), %rax
    mov %rax, 48(%rdi)
    mov (%rsp), %rax
    mov %rax, 56(%rdi)
    xor %eax, %eax
    ret

    .global exo_longjmp
exo_longjmp:
    mov %rsi, %rax
    mov 0(%rdi), %rbx
    mov 8(%rdi), %rbp
    mov 16(%rdi), %r12
    mov 24(%rdi), %r13
    mov 32(%rdi), %r14
    mov 40(%rdi), %r15
    mov 48(%rdi), %rsp
    jmp *56(%rdi)

    .section .note.GNU-stack, "", @progbits
