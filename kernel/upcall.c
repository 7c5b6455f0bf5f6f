/* Upcalls: how every discontinuity reaches the library OS. The kernel writes
 * a struct upcall_frame (the interrupted registers plus what happened) on the
 * env's exception stack and resumes the env at its handler with rdi pointing
 * at the frame, as if the handler had been called. The handler resumes the
 * interrupted context itself, in user mode (libexo's exo_resume), so a
 * fault handled at user level costs one kernel entry. A fault while already
 * on the exception stack pushes a nested frame below the current one. */
#include "kernel.h"
#include "sched.h"
#include "klock.h"
#include "env.h"
#include "uaccess.h"
#include "arch/x86_64/x86.h"

STATIC_ASSERT(sizeof(struct upcall_frame) == sizeof(struct trapframe) + 16);
long uaccess_upcall_frame(u64 dst, const struct trapframe *tf, u64 kind, u64 addr);
#include "cpu.h"
#include "cap.h"

#define RED_ZONE 128

int upcall_push(struct env *e, struct trapframe *ctx, u64 kind, u64 vector, u64 error, u64 addr)
{
    u64 entry = kind == UPCALL_SYSCALL ? e->foreign_entry : e->entries.entry[kind];
    u64 top = e->entries.xstack_top, bottom = top - e->entries.xstack_size;
    if (!entry)
        return -E_NOENT;
    if (!top)
        return -E_FAULT;
    u64 sp = top;
    if (ctx->rsp > bottom && ctx->rsp <= top) /* nested: below the current frame */
        sp = ctx->rsp - RED_ZONE;
    u64 frame_at = ROUNDDOWN(sp - sizeof(struct upcall_frame), 16);
    if (frame_at - 8 < bottom || frame_at > sp)
        return -E_FAULT;
    ctx->vector = vector;
    ctx->error = error;
    if (cpu_has_smap)
        stac();
    long r = uaccess_upcall_frame(frame_at, ctx, kind, addr);
    if (cpu_has_smap)
        clac();
    if (r < 0)
        return -E_FAULT;
    ctx->rip = entry;
    ctx->rsp = frame_at - 8; /* a null return address: handlers resume, never return */
    ctx->rdi = frame_at;
    ctx->rflags = RFLAGS_IF | 0x2;
    ctx->cs = SEL_UCODE;
    ctx->ss = SEL_UDATA;
    ctx->vector = T_SYSCALL; /* the handler entry is a fresh context: sysret will do */
    e->info->upcalls++;
    return 0;
}

/* Events (pct_send, notifications, device interrupts): the bits wait in the
 * info page until the env next runs, which delivers them as one event
 * upcall; an env waiting in sys_block becomes runnable. */
/* Whether ctx is running one of e's upcall handlers (its stack pointer is
 * on the exception stack). */
bool upcall_in_handler(const struct env *e, const struct trapframe *ctx)
{
    u64 top = e->entries.xstack_top, bottom = top - e->entries.xstack_size;
    return top && ctx->rsp > bottom && ctx->rsp <= top;
}

/* Delivers e's pending events as one event upcall on ctx, unless e has no
 * event entry or is in the middle of a handler (a fault handler holding
 * its scratch page, say): events, unlike faults, wait for the handler to
 * finish; they stay pending (and end any sys_block) until then. */
void upcall_deliver_events(struct env *e, struct trapframe *ctx)
{
    u64 bits = e->info->pending_events;
    if (!bits || !e->entries.entry[UPCALL_EVENT] || upcall_in_handler(e, ctx))
        return;
    e->info->pending_events = 0;
    if (upcall_push(e, ctx, UPCALL_EVENT, 0, 0, bits) < 0)
        e->info->pending_events |= bits;
}

void env_post_event(struct env *t, u64 bits)
{
    t->info->pending_events |= bits;
    if (t->state == ENV_BLOCKED) {
        t->state = ENV_RUNNABLE;
        klock_wake_idle(); /* its slots may be on a CPU that halts */
    } else if (t->pct_block) {
        klock_wake_idle(); /* run_target ends the wait of its protected entry */
    }
}

/* ---- foreign-ABI envs (a Linux program under lib/linux, say) ----
 * A `syscall` instruction in such an env enters syscall_foreign_entry
 * (entry.S: MSR_LSTAR points there while the env runs), which saves the
 * whole context as a trap frame and calls foreign_syscall: the call is
 * reflected as an UPCALL_SYSCALL upcall to the env's syscall entry, with
 * the registers as they were; the library OS answers in the frame and
 * resumes in user mode (exo_resume), with no second kernel entry. The
 * env's own kernel calls go through the `int $KCALL_GATE_VECTOR` gate
 * (kcall_gate_entry). Native envs keep syscall_entry, untouched. */
extern char syscall_entry[], syscall_entry_klock[], syscall_foreign_entry[];

/* The syscall entry of native envs: syscall_entry with one CPU, which
 * tests nothing of the kernel lock; syscall_entry_klock once klock_on is
 * set (entry.S). Every CPU writes it into MSR_LSTAR after klock_on is set
 * (smp.c), and whenever it leaves a foreign-ABI env. */
u64 syscall_native_entry(void)
{
    return (u64)(klock_on ? syscall_entry_klock : syscall_entry);
}

static bool user_va(u64 a)
{
    return a == 0 || (a >= USER_MIN && a < USER_MAP_TOP);
}

/* cpu_set_env, when e's syscall entry or FS base differs from the CPU's. */
void foreign_switch(struct cpu *c, struct env *e)
{
    bool f = e->foreign_entry != 0;
    if (f != c->lstar_foreign) {
        wrmsr(MSR_LSTAR, f ? (u64)syscall_foreign_entry : syscall_native_entry());
        c->lstar_foreign = f;
    }
    if (e->fs_base != c->fs_base) {
        wrmsr(MSR_FS_BASE, e->fs_base);
        c->fs_base = e->fs_base;
    }
}

/* A `syscall` of the running foreign-ABI env (entry.S). Without a usable
 * exception stack the env is killed; an entry that is not mapped faults in
 * the env itself (a page fault upcall, or its end without a handler). */
void foreign_syscall(struct trapframe *tf)
{
    struct env *e = cpu_env();
    cpu()->cur_tf = tf;
    u64 nr = tf->rax;
    if (upcall_push(e, tf, UPCALL_SYSCALL, KCALL_GATE_SYSCALL, 0, nr) < 0) {
        e->fault_vector = KCALL_GATE_SYSCALL;
        env_kill(e, STOP_FAULT, "system call %lu at rip %lx with an unusable exception stack", nr,
                 tf->rip);
    }
}

/* sys_env_set_foreign(env, entry) -> 0. Rights: R_CONTROL on env.
 * Errors: E_INVAL entry not a user address; E_PERM, E_NOENT, E_INVAL (env). */
s64 sys_env_set_foreign(u64 env, u64 entry)
{
    struct env *t;
    int r = cap_env(cpu_env(), env, R_CONTROL, &t);
    if (r < 0)
        return r;
    if (!user_va(entry))
        return -E_INVAL;
    t->foreign_entry = entry;
    if (!entry)
        t->foreign_fast = 0; /* native again: no fast entry either */
    if (t == cpu_env())
        foreign_switch(cpu(), t);
    return 0;
}

/* The fast reflection (entry.S, syscall_foreign_entry): with a fast entry,
 * a `syscall` of the env goes straight back to user mode at that entry,
 * every register as the instruction left them; the kernel saves nothing,
 * so there is nothing here but the attribute. Any failed check there (no
 * fast entry, the stack pointer on the exception stack) takes the slow
 * path above, foreign_syscall, unchanged. */

/* sys_env_set_foreign_fast(env, entry) -> 0. Rights: R_CONTROL on env.
 * Errors: E_INVAL entry not a user address; E_PERM, E_NOENT, E_INVAL (env). */
s64 sys_env_set_foreign_fast(u64 env, u64 entry)
{
    struct env *t;
    int r = cap_env(cpu_env(), env, R_CONTROL, &t);
    if (r < 0)
        return r;
    if (!user_va(entry))
        return -E_INVAL;
    t->foreign_fast = entry; /* (read by the entry only while t runs: no lock) */
    return 0;
}

/* sys_env_set_fs(env, base) -> 0. Rights: R_CONTROL on env.
 * Errors: E_INVAL base not a user address; E_PERM, E_NOENT, E_INVAL (env). */
s64 sys_env_set_fs(u64 env, u64 base)
{
    struct env *t;
    int r = cap_env(cpu_env(), env, R_CONTROL, &t);
    if (r < 0)
        return r;
    if (!user_va(base))
        return -E_INVAL;
    t->fs_base = base;
    if (t == cpu_env())
        foreign_switch(cpu(), t);
    return 0;
}
