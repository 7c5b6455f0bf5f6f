/* Structure offsets for assembly (entry.S), extracted at build time into
 * build/gen/asm-offsets.h (see the Makefile). Not linked into the kernel. */
#include "kernel.h"
#include "cpu.h"
#include "env.h"
#include "trap.h"

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %c0\"" ::"i"(val))
#define OFF(sym, type, field) DEFINE(sym, __builtin_offsetof(type, field))

void asm_offsets(void);
void asm_offsets(void)
{
    OFF(CPU_ENV, struct cpu, env);
    OFF(ENV_EXT_HOOKS, struct env, ext_hooks);
    OFF(ENV_ENTRY, struct env, entries.entry);
    OFF(ENV_XSTACK_TOP, struct env, entries.xstack_top);
    OFF(ENV_XSTACK_SIZE, struct env, entries.xstack_size);
    OFF(ENV_INFO, struct env, info);
    OFF(INFO_UPCALLS, struct env_info, upcalls);
    DEFINE(UPCALL_FRAME_SIZE, sizeof(struct upcall_frame));
}
