/* Structure offsets and constants for assembly (entry.S, uaccess.S),
 * extracted at build time into build/gen/asm-offsets.h (see the Makefile):
 * the .S files use these names only, never numbers copied by hand. Not linked
 * into the kernel. */
#include "kernel.h"
#include "cpu.h"
#include "env.h"
#include "trap.h"
#include "klock.h"
#include "arch/x86_64/x86.h"

/* SYM takes the name as a string so that names that are also C macros
 * (T_SYSCALL, SEL_KCODE...) are not expanded. */
#define SYM(name, val)        __asm__ volatile("\n.ascii \"->" name " %c0\"" ::"i"(val))
#define DEFINE(sym, val)      SYM(#sym, val)
#define OFF(sym, type, field) SYM(#sym, __builtin_offsetof(type, field))

/* The upcall frame is a trap frame followed by kind and addr: the entry
 * code copies the one and appends the other two. */
STATIC_ASSERT(__builtin_offsetof(struct upcall_frame, kind) == sizeof(struct trapframe));

void asm_offsets(void);
void asm_offsets(void)
{
    OFF(CPU_OFF_KSTACK, struct cpu, kstack_top);
    OFF(CPU_OFF_SCRATCH, struct cpu, scratch_rsp);
    OFF(CPU_OFF_UTF_TOP, struct cpu, utf_top);
    OFF(CPU_OFF_ENV_LOST, struct cpu, env_lost);
    DEFINE(KCALL_LOCKED_VAL, KCALL_LOCKED);
    OFF(CPU_ENV, struct cpu, env);
    OFF(ENV_EXT_HOOKS, struct env, ext_hooks);
    OFF(ENV_ENTRY, struct env, entries.entry);
    OFF(ENV_XSTACK_TOP, struct env, entries.xstack_top);
    OFF(ENV_XSTACK_SIZE, struct env, entries.xstack_size);
    OFF(ENV_INFO, struct env, info);
    OFF(ENV_FOREIGN_FAST, struct env, foreign_fast);
    OFF(INFO_UPCALLS, struct env_info, upcalls);
    DEFINE(UPCALL_FRAME_SIZE, sizeof(struct upcall_frame));
    OFF(UF_KIND, struct upcall_frame, kind);
    OFF(UF_ADDR, struct upcall_frame, addr);
    OFF(KC_RSP, struct kcontext, rsp);
    OFF(KC_RBX, struct kcontext, rbx);
    OFF(KC_RBP, struct kcontext, rbp);
    OFF(KC_R12, struct kcontext, r12);
    OFF(KC_R13, struct kcontext, r13);
    OFF(KC_R14, struct kcontext, r14);
    OFF(KC_R15, struct kcontext, r15);
    OFF(KC_RIP, struct kcontext, rip);

    DEFINE(TF_SIZE, sizeof(struct trapframe));
    OFF(TF_R15, struct trapframe, r15);
    OFF(TF_R14, struct trapframe, r14);
    OFF(TF_R13, struct trapframe, r13);
    OFF(TF_R12, struct trapframe, r12);
    OFF(TF_R11, struct trapframe, r11);
    OFF(TF_R10, struct trapframe, r10);
    OFF(TF_R9, struct trapframe, r9);
    OFF(TF_R8, struct trapframe, r8);
    OFF(TF_RBP, struct trapframe, rbp);
    OFF(TF_RDI, struct trapframe, rdi);
    OFF(TF_RSI, struct trapframe, rsi);
    OFF(TF_RDX, struct trapframe, rdx);
    OFF(TF_RCX, struct trapframe, rcx);
    OFF(TF_RBX, struct trapframe, rbx);
    OFF(TF_RAX, struct trapframe, rax);
    OFF(TF_VECTOR, struct trapframe, vector);
    OFF(TF_RIP, struct trapframe, rip);
    OFF(TF_CS, struct trapframe, cs);
    OFF(TF_RFLAGS, struct trapframe, rflags);
    OFF(TF_RSP, struct trapframe, rsp);
    OFF(TF_SS, struct trapframe, ss);

    DEFINE(T_SYSCALL, T_SYSCALL);
    DEFINE(T_IPI_PING, T_IPI_PING);
    DEFINE(T_TIMER, T_TIMER);
    DEFINE(T_NMI, T_NMI);
    DEFINE(T_DF, T_DF);
    DEFINE(T_MC, T_MC);
    DEFINE(SEL_KCODE, SEL_KCODE);
    DEFINE(SEL_UDATA, SEL_UDATA);
    DEFINE(SEL_UCODE, SEL_UCODE);
    DEFINE(MSR_GS_BASE, MSR_GS_BASE);
    DEFINE(E_FAULT, E_FAULT);
    DEFINE(PAGE_SIZE, PAGE_SIZE);
    DEFINE(BOOT_STACK_SIZE, BOOT_STACK_SIZE);
}
