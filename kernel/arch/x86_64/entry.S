/* Kernel entry and exit: exception/interrupt stubs, the syscall entry, and
 * the return to user mode. The frame layout is struct trapframe (trap.h). */
#define SEL_KCODE 0x08
#define SEL_UDATA (0x20 | 3)
#define SEL_UCODE (0x28 | 3)
#define CPU_OFF_KSTACK  8
#define CPU_OFF_SCRATCH 16
#define T_SYSCALL 0x100

.macro PUSH_GPRS
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
.endm

.macro POP_GPRS
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
.endm

    .text

/* One 16-byte stub per vector, at vector_table_start + 16 * vector (idt.c
 * relies on that). Vectors where the CPU pushes an error code skip the dummy
 * push. */
    .global vector_table_start
    .align 16
vector_table_start:
.set i, 0
.rept 256
    .align 16
    .if (i == 8 || i == 10 || i == 11 || i == 12 || i == 13 || i == 14 || i == 17 || i == 21 || i == 29 || i == 30)
    .else
    pushq $0
    .endif
    pushq $i
    jmp trap_common
    .set i, i + 1
.endr

/* Common path: from user mode, switch GS to the kernel's. */
trap_common:
    cmpq $SEL_KCODE, 24(%rsp)
    je 1f
    swapgs
1:  PUSH_GPRS
    cld
    mov %rsp, %rdi
    xor %ebp, %ebp
    call trap
    mov %rsp, %rdi
    /* fall through */

/* trap_return_to(tf): restore a trap frame and return to where it came from. */
    .global trap_return_to
trap_return_to:
    mov %rdi, %rsp
    POP_GPRS
    add $16, %rsp              /* vector, error */
    cmpq $SEL_KCODE, 8(%rsp)
    je 2f
    swapgs
2:  iretq

/* syscall: RCX = user RIP, R11 = user RFLAGS, interrupts masked by SFMASK.
 * Build a full trap frame on this CPU's kernel stack. */
    .global syscall_entry
syscall_entry:
    swapgs
    mov %rsp, %gs:CPU_OFF_SCRATCH
    mov %gs:CPU_OFF_KSTACK, %rsp
    pushq $SEL_UDATA
    pushq %gs:CPU_OFF_SCRATCH
    push %r11
    pushq $SEL_UCODE
    push %rcx
    pushq $0
    pushq $T_SYSCALL
    PUSH_GPRS
    mov %rsp, %rdi
    xor %ebp, %ebp
    call syscall_dispatch
    /* Return with sysret unless the saved RIP is non-canonical (sysret would
     * fault in ring 0 on some CPUs) or the frame no longer is a syscall frame. */
    cmpq $T_SYSCALL, 120(%rsp)
    jne 3f
    mov 136(%rsp), %rcx
    shr $47, %rcx
    jnz 3f
    POP_GPRS
    mov 16(%rsp), %rcx         /* rip */
    mov 32(%rsp), %r11         /* rflags */
    mov 40(%rsp), %rsp         /* user rsp */
    swapgs
    sysretq
3:  mov %rsp, %rdi
    jmp trap_return_to

/* kcontext_save(ctx): returns 0; a later kcontext_jump(ctx) returns 1 here. */
    .global kcontext_save
kcontext_save:
    mov (%rsp), %rax
    mov %rax, 56(%rdi)
    lea 8(%rsp), %rax
    mov %rax, 0(%rdi)
    mov %rbx, 8(%rdi)
    mov %rbp, 16(%rdi)
    mov %r12, 24(%rdi)
    mov %r13, 32(%rdi)
    mov %r14, 40(%rdi)
    mov %r15, 48(%rdi)
    xor %eax, %eax
    ret

    .global kcontext_jump
kcontext_jump:
    mov 8(%rdi), %rbx
    mov 16(%rdi), %rbp
    mov 24(%rdi), %r12
    mov 32(%rdi), %r13
    mov 40(%rdi), %r14
    mov 48(%rdi), %r15
    mov 0(%rdi), %rsp
    mov $1, %eax
    jmp *56(%rdi)

    .section .note.GNU-stack, "", @progbits
