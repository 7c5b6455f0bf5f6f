/* Structure offsets and constants for assembly (entry.S, uaccess.S),
 * extracted at build time into build/gen/asm-offsets.h (see the Makefile):
 * the .S files use these names only, never numbers copied by hand. Not linked
 * into the kernel. */
#include "kernel.h"
#include "cpu.h"
#include "env.h"
#include "trap.h"
#include "arch/x86_64/x86.h"

/* SYM takes the name as a string so that names that are also C macros
 * (T_SYSCALL, SEL_KCODE...) are not expanded. */
#define SYM(name, val)        __asm__ volatile("\n.ascii \"->" name " %c0\"" ::"i"(val))
#define DEFINE(sym, val)      SYM(#sym, val)
#define OFF(sym, type, field) SYM(#sym, __builtin_offsetof(type, field))

void asm_offsets(void);
void asm_offsets(void)
{
    OFF(CPU_OFF_KSTACK, struct cpu, kstack_top);
    OFF(CPU_OFF_SCRATCH, struct cpu, scratch_rsp);
    OFF(CPU_OFF_UTF_TOP, struct cpu, utf_top);
    OFF(CPU_ENV, struct cpu, env);
    OFF(ENV_EXT_HOOKS, struct env, ext_hooks);
    OFF(ENV_ENTRY, struct env, entries.entry);
    OFF(ENV_XSTACK_TOP, struct env, entries.xstack_top);
    OFF(ENV_XSTACK_SIZE, struct env, entries.xstack_size);
    OFF(ENV_INFO, struct env, info);
    OFF(INFO_UPCALLS, struct env_info, upcalls);
    DEFINE(UPCALL_FRAME_SIZE, sizeof(struct upcall_frame));

    DEFINE(TF_SIZE, sizeof(struct trapframe));
    OFF(TF_VECTOR, struct trapframe, vector);
    OFF(TF_RIP, struct trapframe, rip);
    OFF(TF_CS, struct trapframe, cs);
    OFF(TF_RFLAGS, struct trapframe, rflags);
    OFF(TF_RSP, struct trapframe, rsp);

    DEFINE(T_SYSCALL, T_SYSCALL);
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
