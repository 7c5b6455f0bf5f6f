/* Verified kernel extensions (ext.c): the kernel's side of ext/. */
#ifndef KERNEL_EXT_H
#define KERNEL_EXT_H

#include "types.h"
#include "trap.h"

struct env;

/* Event points: each returns true if an attached handler dealt with the event. */
bool ext_page_fault(struct env *e, struct trapframe *tf, u64 addr);
bool ext_exception(struct env *e, struct trapframe *tf);
bool ext_pct(struct env *callee, struct env *caller, u64 a0, u64 a1, u64 a2, u64 reply[2]);
/* Slot start: returns the slot's length in ticks (handlers may change it). */
u64 ext_slot_start(struct env *e, int pos, u64 quantum_ticks);

#define EXT_NMODULES  32 /* extension modules, system-wide (object quota OBJ_EXTMOD) */
#define EXT_NHANDLERS 64 /* attached handlers, system-wide (OBJ_HANDLER) */

void ext_init(void);
/* Packet programs (net.c): program prog of the module in slot of e (with
 * R_CONTROL), its hook (enum ext_hook_id) and code; holds a reference on
 * the module until ext_packet_put(*module). */
typedef u64 (*ext_fn)(void *ctx);
int ext_packet_get(struct env *e, u64 slot, u64 prog, u32 *hook, u32 *module, ext_fn *fn);
void ext_packet_put(u32 module);
/* In test mode every extension load runs vm_check_wx while its code lives
 * (ktest.c reports): how many checks ran, and the offending pages found. */
extern u64 ext_wx_checks, ext_wx_bad;
/* What an original module capability costs its holder (quota.c): object
 * units (1, plus its parts' for a combined module) and pages of memory. */
void ext_cost(u64 object, u64 *units, u64 *pages);
void ext_release(u8 type, u64 object); /* an original CAP_EXT / CAP_HANDLER went away */
void ext_forget_env(struct env *e);
void ext_handler_free(int i);
/* sys_stat (stat.c): fills out[] with the loaded modules, up to max, and
 * returns how many there are (index, gen, programs, code, handlers). */
struct stat_module;
u32 ext_stat_modules(struct stat_module *out, u32 max);

/* enum ext_hook_id, for the env's ext_hooks mask (ext/hooks.h). */
#define EXT_HOOK_BIT_PAGEFAULT (1u << 0)
#define EXT_HOOK_BIT_EXCEPTION (1u << 1)
#define EXT_HOOK_BIT_TIMER     (1u << 2)
#define EXT_HOOK_BIT_PCT       (1u << 3)

#endif
