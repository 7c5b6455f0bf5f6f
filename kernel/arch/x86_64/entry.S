/* Kernel entry and exit: exception/interrupt stubs, the syscall entry, and
 * the return to user mode. The frame layout is struct trapframe (trap.h);
 * offsets, selectors and constants come from the generated asm-offsets.h
 * (kernel/asm-offsets.c). */
#include <asm-offsets.h>
#include <spinel/kcall_nums.h>

/* SMAP stays on in the kernel: every entry clears RFLAGS.AC, which user code
 * may have set with popf (syscall clears it through SFMASK; exceptions and
 * interrupts do not). clac is #UD without SMAP, hence the test. Changes the
 * arithmetic flags only. An entry from kernel mode clears it too: a fault
 * inside a stac/clac window is handled with SMAP on, and iretq gives the
 * window its AC back. */
.macro CLEAR_AC
    cmpb $0, cpu_has_smap(%rip)
    je .Lno_clac\@
    clac
.Lno_clac\@:
.endm

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

/* With several CPUs, klock_enter(0) keeping rdi (the frame), on the kernel
 * stack (klock.c). */
.macro KLOCK_ENTER
    cmpb $0, klock_on(%rip)
    je .Lklock\@
    push %rdi
    push %rdi
    xor %edi, %edi
    call klock_enter
    pop %rdi
    pop %rdi
.Lklock\@:
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
    .if (i == 14)
    jmp pf_entry
    .elseif (i < 32 && i != 7)
    jmp exc_entry
    .else
    jmp trap_common
    .endif
    .set i, i + 1
.endr

/* Common path. From user mode the CPU has pushed its part of the frame at
 * TSS.rsp0, which is the top of the running env's own trap frame
 * (cpu->utf_top): the whole frame lands in the env, so saving a context
 * never copies it. The C handler then runs on the CPU's kernel stack.
 *
 * The stubs of the exceptions (vectors 0-31 but #NM) enter at exc_entry,
 * the page fault's at pf_entry, the others (interrupts, #NM: the lazy
 * x87/SSE switch) at trap_common. From user mode each pushes the first six
 * general registers (rax .. rdi, the top of the frame in PUSH_GPRS order),
 * while the other nine stay in their registers; the exception entries then
 * try the fast path, and the C path (trap_c_path) pushes the nine after. */
.macro TRAP_ENTER
    cmpq $SEL_KCODE, TF_CS - TF_VECTOR(%rsp)
    je trap_kernel
    swapgs
    cld
    /* With several CPUs: trap_klock, and no fast path. */
    cmpb $0, klock_on(%rip)
    jne trap_klock
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    mov %rsp, %rsi                    /* &frame->rdi: rsi points into the frame from here on */
    mov %gs:CPU_OFF_KSTACK, %rsp      /* (a fault below lands on the kernel stack) */
.endm

/* The exception fast path (Aegis style) for an upcall of this kind
 * (UPCALL_EXCEPTION or UPCALL_PAGEFAULT): an env with a handler for it, no
 * extension handler, and an exception stack it is not already on. The
 * interrupted context goes straight to the exception stack: the nine
 * registers still live from the registers, the rest of the frame (rdi ..
 * ss: 13 words) in one copy; the handler is entered with sysret. The same
 * checks as upcall_push (upcall.c); any failed check, or a fault while
 * writing the frame, takes the C path, which makes them again. Registers:
 * rax the stack's bottom; rbx the handler; rcx the env; rdx the faulting
 * address (a page fault); rdi the stack's top, then the frame. */
.macro EXC_FAST kind, smap
    mov %gs:CPU_ENV, %rcx
    cmpl $0, ENV_EXT_HOOKS(%rcx)
    jne trap_c_path
    mov ENV_ENTRY + 8 * \kind(%rcx), %rbx /* the handler */
    test %rbx, %rbx
    jz trap_c_path
    mov ENV_XSTACK_TOP(%rcx), %rdi
    test %rdi, %rdi
    jz trap_c_path
    mov %rdi, %rax
    sub ENV_XSTACK_SIZE(%rcx), %rax   /* bottom of the exception stack */
    cmp %rax, TF_RSP - TF_RDI(%rsi)
    jbe 2f
    cmp %rdi, TF_RSP - TF_RDI(%rsi)
    jbe trap_c_path                   /* already on it: nested, the C path handles that */
    /* Room for the frame and its null return address above the bottom
     * (upcall_push's frame_at - 8 >= bottom, not nested: the stack's size
     * at least UPCALL_FRAME_SIZE + 8; sys_env_set_entries asks for 512 or
     * more, checked here all the same). */
2:  cmpq $UPCALL_FRAME_SIZE + 8, ENV_XSTACK_SIZE(%rcx)
    jb trap_c_path
    lea -UPCALL_FRAME_SIZE(%rdi), %rdi /* the frame (top and size are 16-byte multiples) */
    .if \kind
    mov %cr2, %rdx                    /* addr: the faulting address */
    .endif
    .if \smap
    stac
    .endif
4:  mov %r15, TF_R15(%rdi)
5:  mov %r14, TF_R14(%rdi)
6:  mov %r13, TF_R13(%rdi)
7:  mov %r12, TF_R12(%rdi)
10: mov %r11, TF_R11(%rdi)
11: mov %r10, TF_R10(%rdi)
15: mov %r9, TF_R9(%rdi)
16: mov %r8, TF_R8(%rdi)
17: mov %rbp, TF_RBP(%rdi)
    add $TF_RDI, %rdi                 /* rdi .. ss, from the trap frame */
    mov $(TF_SIZE - TF_RDI) / 8, %ecx
18: rep movsq
19: movq $\kind, UF_KIND - TF_SIZE(%rdi)      /* kind (the frame is a trap frame, then these) */
    .if \kind
21: mov %rdx, UF_ADDR - TF_SIZE(%rdi)         /* addr */
    .else
21: movq $0, UF_ADDR - TF_SIZE(%rdi)
    .endif
22: movq $0, -TF_SIZE - 8(%rdi)               /* a null return address */
    .if \smap
    clac
    .endif
    sub $TF_SIZE, %rdi                /* its argument: the frame */
    mov %gs:CPU_ENV, %rsi
    mov ENV_INFO(%rsi), %rsi
    incq INFO_UPCALLS(%rsi)
    mov %rbx, %rcx                    /* rip: the handler */
    mov $0x202, %r11d                 /* rflags: IF */
    lea -8(%rdi), %rsp
    xor %esi, %esi                    /* no kernel values leave */
    swapgs
    sysretq

    .pushsection __ex_table, "a"
    .quad 4b, trap_fast_fault
    .quad 5b, trap_fast_fault
    .quad 6b, trap_fast_fault
    .quad 7b, trap_fast_fault
    .quad 10b, trap_fast_fault
    .quad 11b, trap_fast_fault
    .quad 15b, trap_fast_fault
    .quad 16b, trap_fast_fault
    .quad 17b, trap_fast_fault
    .quad 18b, trap_fast_fault
    .quad 19b, trap_fast_fault
    .quad 21b, trap_fast_fault
    .quad 22b, trap_fast_fault
    .popsection
.endm

/* Each in two versions, with SMAP (stac and clac around the user writes)
 * and without: one test of cpu_has_smap at the entry (CLEAR_AC's). */
exc_entry:
    cmpb $0, cpu_has_smap(%rip)
    jne exc_entry_smap
    TRAP_ENTER
    EXC_FAST 0, 0
exc_entry_smap:
    clac
    TRAP_ENTER
    EXC_FAST 0, 1

pf_entry:
    cmpb $0, cpu_has_smap(%rip)
    jne pf_entry_smap
    TRAP_ENTER
    EXC_FAST 1, 0
pf_entry_smap:
    clac
    TRAP_ENTER
    EXC_FAST 1, 1

trap_common:
    CLEAR_AC
    TRAP_ENTER
    jmp trap_c_path

    /* A fault while writing the frame lands here (exception table): the
     * nine registers are still the env's. */
trap_fast_fault:
    cmpb $0, cpu_has_smap(%rip)
    je 13f
    clac
13: mov %gs:CPU_OFF_UTF_TOP, %rsi
    sub $TF_SIZE - TF_RDI, %rsi
    /* The C path: the other nine registers into the frame. */
trap_c_path:
    mov %rsi, %rsp
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    mov %gs:CPU_OFF_KSTACK, %rsp
    xor %ebp, %ebp
8:  call trap
    jmp return_to_user

    /* With several CPUs: the kernel lock (klock.c), except for cross-CPU
     * calls, pings and wakes (vectors 0xf0 and up), which touch only this CPU, and
     * timer ticks that end nothing (trap_tick_nolock: this CPU's count);
     * and no exception fast path (trap's C path, under the lock). */
trap_klock:
    PUSH_GPRS
    mov %rsp, %rdi
    mov %gs:CPU_OFF_KSTACK, %rsp
    xor %ebp, %ebp
    cmpq $T_IPI_PING, TF_VECTOR(%rdi)
    jae 8b
    cmpq $T_TIMER, TF_VECTOR(%rdi)
    jne 15f
    push %rdi
    push %rdi
    call trap_tick_nolock
    pop %rdi
    pop %rdi
    test %rax, %rax
    jnz return_to_user
15: push %rdi
    push %rdi
    mov TF_VECTOR(%rdi), %rdi
    call klock_enter
    pop %rdi
    pop %rdi
    jmp 8b

    /* From kernel mode: the frame is on the current kernel stack. */
trap_kernel:
    PUSH_GPRS
    cld
    mov %rsp, %rdi
    call trap
    POP_GPRS
    add $16, %rsp
    iretq

/* NMI (IST2 stack), from user or kernel mode: the machine's, never the
 * env's. nmi_trap counts it and touches neither GS nor any env, so no swapgs
 * is needed (an NMI may arrive on the instructions around the entries'
 * swapgs), and iretq resumes the interrupted code, user or kernel, exactly
 * as it was: the env is not charged a fault and its frame is untouched. */
    .global nmi_entry
    .align 16
nmi_entry:
    pushq $0
    pushq $T_NMI
    PUSH_GPRS
    cld
    CLEAR_AC
    mov %rsp, %rdi
    call nmi_trap
    POP_GPRS
    add $16, %rsp
    iretq

/* Load the kernel's GS base if it is not loaded (the CPU may have been in
 * user mode, or in an entry before its swapgs): kernel GS bases are kernel
 * addresses (negative), user ones never are. For the entries that never
 * return (they panic), so the swap is not undone. */
.macro KERNEL_GS
    mov $MSR_GS_BASE, %ecx
    rdmsr
    test %edx, %edx
    js .Lkgs\@
    swapgs
.Lkgs\@:
.endm

/* Double fault (IST1, with an error code): always fatal. A kernel stack
 * overflow ends here (the page fault on the guard page cannot be delivered
 * on the overflowing stack); double_fault names the stack. */
    .global df_entry
    .align 16
df_entry:
    pushq $T_DF
    PUSH_GPRS
    cld
    CLEAR_AC
    KERNEL_GS
    mov %rsp, %rdi
    call double_fault
    ud2

/* Machine check (IST3), from user or kernel mode: a hardware error, the
 * machine's and never the env's: machine_check panics. */
    .global mc_entry
    .align 16
mc_entry:
    pushq $0
    pushq $T_MC
    PUSH_GPRS
    cld
    CLEAR_AC
    KERNEL_GS
    mov %rsp, %rdi
    call machine_check
    ud2

/* return_to_user: resume the current env of this CPU from its frame (which
 * the handler may have changed, or replaced by switching env). Frames made
 * by syscall return with sysret, others with iretq. */
    .global return_to_user
return_to_user:
    cmpb $0, klock_on(%rip)
    je 1f
    call klock_exit              /* with several CPUs: the kernel lock goes */
1:  mov %gs:CPU_OFF_UTF_TOP, %rsp
    sub $TF_SIZE, %rsp
    cmpq $T_SYSCALL, TF_VECTOR(%rsp)
    jne 2f
    POP_GPRS
    mov TF_RIP - TF_VECTOR(%rsp), %rcx       /* rip: always canonical, user code lies below USER_MAP_TOP */
    mov TF_RFLAGS - TF_VECTOR(%rsp), %r11    /* rflags */
    mov TF_RSP - TF_VECTOR(%rsp), %rsp       /* user rsp */
    swapgs
    sysretq
2:  POP_GPRS
    add $16, %rsp              /* vector, error */
    swapgs
    iretq

/* syscall: RCX = user RIP, R11 = user RFLAGS, interrupts masked by SFMASK.
 *
 * Fast path, for calls that never switch environments: only
 * the user rsp, rip and rflags are kept, on the kernel stack; the C function
 * preserves the callee-saved registers by the ABI; the caller-saved ones it
 * may have used are cleared on the way out, so nothing of the kernel leaks.
 *
 * Full path, for calls that may switch (yield, PCT, exit, block; their
 * kcall_entry is kcall_to_full): a complete frame is pushed into the env
 * itself, as for a trap. */
    .global syscall_entry
syscall_entry:
    swapgs
    mov %rsp, %gs:CPU_OFF_SCRATCH
    mov %gs:CPU_OFF_KSTACK, %rsp
    cmp $SYS_NCALLS, %rax
    jae kcall_full
    pushq %gs:CPU_OFF_SCRATCH
    push %rcx
    push %r11
    mov %r10, %rcx
    call *kcall_entry(, %rax, 8)
kcall_unlocked:
    pop %r11
    pop %rcx
    pop %rsp
    xor %edx, %edx
    xor %esi, %esi
    xor %edi, %edi
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    swapgs
    sysretq

/* The same entry with several CPUs (klock.c): MSR_LSTAR points here once
 * klock_on is set (syscall_native_entry, upcall.c), so that syscall_entry,
 * the one-CPU case, tests nothing. The kernel lock around a kernel call:
 * the arguments and rcx, r11 (the user's rip and rflags) are kept across
 * klock_enter; the result across klock_exit. The stack holds what
 * syscall_entry's does (the user rsp, rip, rflags and the return address),
 * so the fast paths and kcall_to_full work unchanged; those that do not
 * return here leave through return_to_user, which releases the lock. */
    .global syscall_entry_klock
syscall_entry_klock:
    swapgs
    mov %rsp, %gs:CPU_OFF_SCRATCH
    mov %gs:CPU_OFF_KSTACK, %rsp
    cmp $SYS_NCALLS, %rax
    jae kcall_klock_path
    cmpb $0, kcall_nolock(%rax)
    jne kcall_nolock_entry
    cmpq $0, kcall_local(, %rax, 8)
    jne kcall_local_entry
kcall_klock_path:
    push %rax
    push %rdi
    push %rsi
    push %rdx
    push %r10
    push %r8
    push %r9
    push %rcx
    push %r11
    push %r11
    xor %edi, %edi
    call klock_enter
    pop %r11
    pop %r11
    pop %rcx
    pop %r9
    pop %r8
    pop %r10
    pop %rdx
    pop %rsi
    pop %rdi
    pop %rax
    cmp $SYS_NCALLS, %rax
    jae kcall_full
    pushq %gs:CPU_OFF_SCRATCH
    push %rcx
    push %r11
    mov %r10, %rcx
    call *kcall_entry(, %rax, 8)
    push %rax
    call klock_exit
    pop %rax
    jmp kcall_unlocked

/* A call that runs without the kernel lock ("lock none" in kcalls.tbl:
 * kcall_nolock). in_user stays set, so to klock_evict this CPU is still in
 * its env's user code: a teardown of the env on another CPU waits until it
 * is out (its kick is taken after sysret, or the env_lost test below sees
 * it and klock_lost leaves through klock_enter). */
kcall_nolock_entry:
    pushq %gs:CPU_OFF_SCRATCH
    push %rcx
    push %r11
    mov %r10, %rcx
    call *kcall_entry(, %rax, 8)
    cmpb $0, %gs:CPU_OFF_ENV_LOST
    je kcall_unlocked
    call klock_lost              /* does not return */

/* A call whose common case runs under this CPU's local lock only ("lock
 * local" in kcalls.tbl: kcall_local; klock.c, "Local calls"). The arguments
 * and rcx, r11 are kept on the stack as on the locked path: if the local
 * function answers KCALL_LOCKED (it changed nothing), the local lock goes
 * and the call starts again on the locked path with them. */
kcall_local_entry:
    push %rax
    push %rdi
    push %rsi
    push %rdx
    push %r10
    push %r8
    push %r9
    push %rcx
    push %r11
    push %r11
    call klock_local_enter
    mov 72(%rsp), %rax
    mov 64(%rsp), %rdi
    mov 56(%rsp), %rsi
    mov 48(%rsp), %rdx
    mov 40(%rsp), %rcx           /* (r10: the fourth argument) */
    mov 32(%rsp), %r8
    mov 24(%rsp), %r9
    call *kcall_local(, %rax, 8)
    cmp $KCALL_LOCKED_VAL, %rax
    je 1f
    mov %rax, 72(%rsp)
    call klock_local_exit
    mov (%rsp), %r11
    mov 16(%rsp), %rcx
    mov 72(%rsp), %rax
    add $80, %rsp
    pushq %gs:CPU_OFF_SCRATCH
    push %rcx
    push %r11
    cmpb $0, %gs:CPU_OFF_ENV_LOST
    je kcall_unlocked
    call klock_lost              /* does not return */
1:  call klock_local_unlock     /* (klock_local_fallback) */
    pop %r11
    pop %r11
    pop %rcx
    pop %r9
    pop %r8
    pop %r10
    pop %rdx
    pop %rsi
    pop %rdi
    pop %rax
    jmp kcall_klock_path

/* Saves what the ABI keeps across a call (the callee-saved registers, rip,
 * rflags, rsp) into the CPU's env's frame, as the full path's frame would
 * hold them; the caller-saved registers are the call's to change. For the
 * fast paths entered from syscall_entry (its three words and the return
 * address on the stack). Leaves the frame's address in rax; changes r11. */
.macro SAVE_CALL_FRAME
    mov %gs:CPU_OFF_UTF_TOP, %rax
    sub $TF_SIZE, %rax
    mov %rbx, TF_RBX(%rax)
    SAVE_CALL_FRAME_BUT_RBX
.endm

/* The same into the frame whose address is in rax, but for rbx. */
.macro SAVE_CALL_FRAME_BUT_RBX
    mov %rbp, TF_RBP(%rax)
    mov %r12, TF_R12(%rax)
    mov %r13, TF_R13(%rax)
    mov %r14, TF_R14(%rax)
    mov %r15, TF_R15(%rax)
    mov 8(%rsp), %r11
    mov %r11, TF_RFLAGS(%rax)
    mov 16(%rsp), %r11
    mov %r11, TF_RIP(%rax)
    mov %r11, TF_RCX(%rax)       /* rcx as syscall leaves it */
    mov 24(%rsp), %r11
    mov %r11, TF_RSP(%rax)
    movq $T_SYSCALL, TF_VECTOR(%rax)
    movq $SEL_UCODE, TF_CS(%rax)
    movq $SEL_UDATA, TF_SS(%rax)
.endm

/* The PCT fast path (L4/seL4 style). A protected call needs only what the
 * ABI keeps across a call: the callee-saved registers, rip, rflags and rsp
 * go into the caller's frame, once pct_fast_call has entered the callee:
 * rbx first, which then holds the frame's address across the C code; the
 * C code keeps the others meanwhile, as the ABI asks, and changes nothing of
 * the caller's frame but what it answers. pct_fast_call answers 0 (fall
 * back; it adds the arguments to the frame, and the full path pushes every
 * register itself), 1 (answered in place: a verified handler) or the
 * callee, which it made the CPU's env; return_to_user enters its protected
 * entry. */
    .global kcall_pct_call
kcall_pct_call:
    mov %gs:CPU_OFF_UTF_TOP, %rax
    mov %rbx, TF_RBX - TF_SIZE(%rax)
    lea -TF_SIZE(%rax), %rbx     /* the caller's frame */
    call pct_fast_call
    cmp $1, %rax
    jbe 4f
    mov %rbx, %rax
    SAVE_CALL_FRAME_BUT_RBX      /* the caller's context, for its reply */
3:  add $32, %rsp                /* into the callee (now the CPU's env) */
    jmp return_to_user
4:  mov TF_RBX(%rbx), %rbx       /* the user's rbx back */
    jb 5f                        /* 0: the full path; 1: answered in place */
    /* Answered in place (a verified handler, or an error once one ran): the
     * caller goes on, with the answer pct_answer put in its frame (rax,
     * rdx; the other caller-saved registers cleared). The callee-saved ones
     * still hold its values (the C code and the handlers keep them, as the
     * ABI asks), so it returns as syscall_entry's fast path does, without
     * the frame's round trip. With several CPUs, through return_to_user
     * (which releases the kernel lock and restores the whole frame). */
    cmpb $0, klock_on(%rip)
    je 7f
    SAVE_CALL_FRAME
    jmp 3b
7:  mov %gs:CPU_OFF_UTF_TOP, %rax
    mov TF_RDX - TF_SIZE(%rax), %rdx
    mov TF_RAX - TF_SIZE(%rax), %rax
    add $8, %rsp                 /* syscall_entry's return address */
    pop %r11                     /* its user rflags, rip and rsp */
    pop %rcx
    pop %rsp
    xor %esi, %esi
    xor %edi, %edi
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    swapgs
    sysretq
    /* Fall back: restore the registers the full path reads, clear the other
     * caller-saved ones (the full path saves them in the frame, which the
     * caller gets back: not pct_fast_call's values), and take it. */
5:  mov %gs:CPU_OFF_UTF_TOP, %rax
    sub $TF_SIZE, %rax
    mov TF_RDI(%rax), %rdi
    mov TF_RSI(%rax), %rsi
    mov TF_RDX(%rax), %rdx
    mov TF_R10(%rax), %r10
    xor %r8d, %r8d
    xor %r9d, %r9d
    mov $SYS_pct_call, %eax
    jmp kcall_to_full

/* The reply fast path: the callee's own context is dropped, so nothing of
 * it is saved; pct_fast_reply hands the CPU back to the caller, whose frame
 * return_to_user restores. A failed check answers the error the usual way. */
    .global kcall_pct_reply
kcall_pct_reply:
    call pct_fast_reply
    test %rax, %rax
    jnz 6f
    add $32, %rsp
    jmp return_to_user
6:  ret

/* The fast paths of sys_yield and sys_block (seL4 style): the frame holds
 * only what the ABI keeps (SAVE_CALL_FRAME), and sched_yield_fast /
 * sched_block_fast switch straight to the next slot's env in the common case,
 * or answer NULL, having changed nothing: the full path then takes the call
 * (its frame overwrites this one, so the registers it saves are cleared
 * first: none of the C code's values may reach the env). */
    .global kcall_yield
kcall_yield:
    SAVE_CALL_FRAME
    movq $0, TF_RAX(%rax)        /* yield's result */
    mov %rdi, TF_RDI(%rax)       /* the argument, for the full path */
    call sched_yield_fast
    mov $SYS_yield, %edx
    jmp 1f
    .global kcall_block
kcall_block:
    SAVE_CALL_FRAME
    movq $0, TF_RAX(%rax)        /* (the events that wake it replace it) */
    mov %rdi, TF_RDI(%rax)
    call sched_block_fast
    mov $SYS_block, %edx
1:  test %rax, %rax
    jz 2f
    add $32, %rsp                /* into the env it made the CPU's */
    jmp return_to_user
2:  mov %gs:CPU_OFF_UTF_TOP, %rax     /* fall back: the argument back, the */
    mov TF_RDI - TF_SIZE(%rax), %rdi  /* rest of the C code's registers cleared */
    mov %edx, %eax
    xor %esi, %esi
    xor %edx, %edx
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    jmp kcall_to_full

/* kcall_entry[n] of a call that needs a full frame: drop the fast path's
 * return address and restore rflags and rip (r10 still holds the fourth
 * argument, the user rsp is still in the scratch slot), then build it. */
    .global kcall_to_full
kcall_to_full:
    add $8, %rsp
    pop %r11
    pop %rcx
kcall_full:
    mov %gs:CPU_OFF_UTF_TOP, %rsp
    pushq $SEL_UDATA
    pushq %gs:CPU_OFF_SCRATCH
    push %r11
    pushq $SEL_UCODE
    push %rcx
    pushq $0
    pushq $T_SYSCALL
    PUSH_GPRS
    mov %rsp, %rdi
    mov %gs:CPU_OFF_KSTACK, %rsp
    xor %ebp, %ebp
    call syscall_dispatch
    jmp return_to_user

/* syscall from a foreign-ABI env (MSR_LSTAR points here while one runs,
 * cpu_set_env): not a kernel call.
 *
 * Fast path (sys_env_set_foreign_fast): back to user mode at once, at the
 * env's fast entry, with every register as the syscall instruction left
 * them (rcx = the return address, r11 = the program's flags, rsp = its
 * stack): iretq sets rip and the flags without touching rcx and r11. The
 * kernel saves nothing and writes no user memory. Two scratch registers
 * live on the kernel stack meanwhile. Any failed check (no fast entry; the
 * user stack pointer on the exception stack, i.e. a syscall from inside an
 * upcall handler, which must nest) restores them and takes the slow path.
 *
 * Slow path: the whole context goes into the env's frame, as for
 * kcall_full, and foreign_syscall reflects it to the env as an upcall
 * (upcall.c). */
    .global syscall_foreign_entry
syscall_foreign_entry:
    swapgs
    mov %rsp, %gs:CPU_OFF_SCRATCH
    mov %gs:CPU_OFF_KSTACK, %rsp
    pushq $SEL_UDATA                 /* the iretq frame: ss */
    pushq %gs:CPU_OFF_SCRATCH        /* rsp: the program's */
    pushq $0x202                     /* rflags: IF (the program's stay in r11) */
    pushq $SEL_UCODE                 /* cs */
    sub $8, %rsp                     /* rip: the fast entry, below */
    push %rax
    push %rdx
    mov %gs:CPU_ENV, %rax
    mov ENV_FOREIGN_FAST(%rax), %rdx
    test %rdx, %rdx
    jz 1f                            /* no fast entry */
    mov %rdx, 16(%rsp)
    mov ENV_XSTACK_TOP(%rax), %rdx
    cmp %rdx, 40(%rsp)
    ja 2f                            /* above the exception stack: fast */
    sub ENV_XSTACK_SIZE(%rax), %rdx
    cmp %rdx, 40(%rsp)
    ja 1f                            /* on it: a nested reflection, the slow path */
2:  pop %rdx
    pop %rax
    swapgs
    iretq
1:  pop %rdx                         /* the slow path, as without a fast entry */
    pop %rax
    mov %gs:CPU_OFF_UTF_TOP, %rsp
    pushq $SEL_UDATA
    pushq %gs:CPU_OFF_SCRATCH
    push %r11
    pushq $SEL_UCODE
    push %rcx
    pushq $0
    pushq $T_SYSCALL
    PUSH_GPRS
    mov %rsp, %rdi
    mov %gs:CPU_OFF_KSTACK, %rsp
    xor %ebp, %ebp
    KLOCK_ENTER
    call foreign_syscall
    jmp return_to_user

/* int $0x81 (KCALL_GATE_VECTOR, a DPL 3 interrupt gate): a kernel call by
 * another instruction, for envs whose syscall is reflected (foreign-ABI).
 * Always from user mode (the kernel never uses it); the CPU pushed its part
 * of the frame at TSS.rsp0, the env's own frame, as for an exception. The
 * frame keeps its vector, so it returns with iretq (rcx, r11 preserved). */
    .global kcall_gate_entry
    .align 16
kcall_gate_entry:
    pushq $0
    pushq $0x81
    CLEAR_AC
    swapgs
    PUSH_GPRS
    cld
    mov %rsp, %rdi
    mov %gs:CPU_OFF_KSTACK, %rsp
    xor %ebp, %ebp
    KLOCK_ENTER
    call syscall_dispatch
    jmp return_to_user

/* foreign_switch(cpu, env) (upcall.c; r10, r11) keeping every register and
 * the flags' callers do not rely on: set_env's rare path (env_switch.h),
 * called from inline asm in functions that may have no frame (the kernel
 * has no red zone) and an unaligned stack. */
    .global foreign_switch_keep
foreign_switch_keep:
    push %rbp
    mov %rsp, %rbp
    push %rax
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    and $-16, %rsp
    mov %r10, %rdi
    mov %r11, %rsi
    call foreign_switch
    lea -72(%rbp), %rsp
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rax
    pop %rbp
    ret

/* kcontext_save(ctx): returns 0; a later kcontext_jump(ctx) returns 1 here. */
    .global kcontext_save
kcontext_save:
    mov (%rsp), %rax
    mov %rax, KC_RIP(%rdi)
    lea 8(%rsp), %rax
    mov %rax, KC_RSP(%rdi)
    mov %rbx, KC_RBX(%rdi)
    mov %rbp, KC_RBP(%rdi)
    mov %r12, KC_R12(%rdi)
    mov %r13, KC_R13(%rdi)
    mov %r14, KC_R14(%rdi)
    mov %r15, KC_R15(%rdi)
    xor %eax, %eax
    ret

    .global kcontext_jump
kcontext_jump:
    mov KC_RBX(%rdi), %rbx
    mov KC_RBP(%rdi), %rbp
    mov KC_R12(%rdi), %r12
    mov KC_R13(%rdi), %r13
    mov KC_R14(%rdi), %r14
    mov KC_R15(%rdi), %r15
    mov KC_RSP(%rdi), %rsp
    mov $1, %eax
    jmp *KC_RIP(%rdi)

    .section .note.GNU-stack, "", @progbits
