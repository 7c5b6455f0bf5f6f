/* The time-slot vector. Each CPU has NSLOTS (64) positions, each owned by an
 * env or free. The loop walks the vector; a slot lasts SLOT_TICKS timer ticks.
 * At a slot's start its env gets a prologue upcall (if it registered one),
 * at its end an epilogue upcall and GRACE_TICKS to save its state and yield;
 * an env that overruns is preempted by the kernel, which saves its context
 * and counts the overrun in env_info.overruns. Free slots and slots whose env
 * cannot run are skipped; with nothing to run the CPU halts until the next
 * interrupt. An env may yield the rest of its slot, or donate it to another
 * env; a protected call runs the callee in the caller's slot. */
#include "kernel.h"
#include "sched.h"
#include "env.h"
#include "cap.h"
#include "cpu.h"
#include "ext.h"
#include "env_switch.h"
#include "klock.h"
#include "vm.h"
#include "uaccess.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lapic.h"
#include <spinel/syscall.h>

int sched_slot_alloc(struct env *e, int cpu_id, int pos)
{
    if (cpu_id < 0 || cpu_id >= ncpu)
        return -E_INVAL;
    struct cpu *c = &cpus[cpu_id]; /* under the kernel lock: any CPU's vector */
    if (pos < -1 || pos >= NSLOTS)
        return -E_INVAL;
    if (e->private_cpu >= 0 && e->private_cpu != cpu_id)
        return -E_PERM; /* its address space is private to another CPU */
    if (pos >= 0) {
        if (c->slot_owner[pos])
            return -E_BUSY;
    } else {
        for (int p = 0; p < NSLOTS && pos < 0; p++)
            if (!c->slot_owner[p])
                pos = p;
        if (pos < 0)
            return -E_NOMEM;
    }
    c->slot_owner[pos] = e->id;
    c->slot_mask |= 1UL << pos;
    return pos;
}

void sched_slot_free(u32 cpu_id, u32 pos)
{
    if (cpu_id < MAX_CPUS && pos < NSLOTS && cpus[cpu_id].slot_owner[pos]) {
        cpus[cpu_id].slot_owner[pos] = 0;
        cpus[cpu_id].slot_mask &= ~(1UL << pos);
        cpus[cpu_id].slot_gen[pos]++;        /* capabilities naming this tenure are stale now */
        cpus[cpu_id].slot_overruns[pos] = 0; /* (counted per tenure) */
    }
}

u64 sched_slot_object(u32 cpu_id, int pos)
{
    return (u64)cpus[cpu_id].slot_gen[pos] << 32 | (u64)cpu_id << 16 | (u64)pos;
}

/* An original slot capability went away (cap.c): frees its position if the
 * capability still names the current tenure. */
void sched_slot_release(u64 object)
{
    u32 cpu_id = (u32)(object >> 16) & 0xffff, pos = (u32)object & 0xffff;
    if (cpu_id < MAX_CPUS && pos < NSLOTS && cpus[cpu_id].slot_gen[pos] == (u32)(object >> 32))
        sched_slot_free(cpu_id, pos);
}

void sched_forget_env(struct env *e)
{
    /* Owned positions only: slot_mask has bit p set exactly when
     * slot_owner[p] is not 0 (sched_slot_alloc, sched_slot_free). */
    for (int i = 0; i < ncpu; i++)
        for (u64 m = cpus[i].slot_mask; m; m &= m - 1) {
            int p = __builtin_ctzl(m);
            if (cpus[i].slot_owner[p] == e->id)
                sched_slot_free((u32)i, (u32)p);
        }
}

/* Whether CPU me may load e's page tables, and so run e: neither e nor any
 * env whose call e serves (whose frames e's reply loads) is private to
 * another CPU (a share, sys_env_private). */
static bool private_allows(struct env *e, int me)
{
    int hops = 0;
    for (; e && hops++ <= NENV; e = e->pct_caller)
        if (e->private_cpu >= 0 && e->private_cpu != me)
            return false;
    return true;
}

/* e's protected entry waits in sys_block (pct_block): ends the wait if an
 * event is pending or its time is up (the events are sys_block's result,
 * consumed), and says whether it may run. */
static bool pct_block_over(struct env *e)
{
    if (!e->info->pending_events && !(e->pct_wake_tsc && rdtsc() >= e->pct_wake_tsc))
        return false;
    e->pct_block = false;
    e->pct_wake_tsc = 0;
    e->pct_tf.rax = e->info->pending_events;
    e->info->pending_events = 0;
    return true;
}

/* The env that actually runs when e's turn comes: e itself, or the end of the
 * chain of protected calls it is waiting on. NULL if nothing can run. A
 * protected entry waiting in sys_block is woken here: the callers (next_slot,
 * sys_yield) run what this returns at once. */
static inline __attribute__((always_inline)) struct env *run_target_on(struct env *e, int me)
{
    if (!e)
        return NULL;
    if (unlikely(e->pct_callee)) { /* (the common case tests one pointer) */
        int hops = 0;
        while (e->pct_callee && hops++ < NENV)
            e = e->pct_callee;
    }
    if (e->state == ENV_ZOMBIE || e->state == ENV_FREE)
        return NULL;
    if (e->on_cpu >= 0 && e->on_cpu != me)
        return NULL; /* it runs on another CPU (one context runs on one CPU at a time) */
    if (unlikely(e->private_cpu >= 0 || e->pct_caller) && !private_allows(e, me))
        return NULL; /* it, or a caller it serves, is private to another CPU */
    if (env_in_pct(e))
        return !e->pct_block || pct_block_over(e) ? e : NULL;
    if (e->state == ENV_BLOCKED &&
        (e->info->pending_events || e->revoke_pending || (e->wake_tsc && rdtsc() >= e->wake_tsc)))
        e->state = ENV_RUNNABLE; /* woken by an event, a revocation request or its timeout */
    return e->state == ENV_RUNNABLE && e->has_context ? e : NULL;
}

/* run_target on this CPU (me: its id, when the caller has it at hand). */
static inline __attribute__((always_inline)) struct env *run_target(struct env *e)
{
    return run_target_on(e, cpu()->id);
}

bool sched_can_run(struct env *e)
{
    return run_target(e) == e;
}

/* Makes e the env this CPU runs (env_switch.h, inline on the fast paths). */
void cpu_set_env(struct env *e)
{
    set_env(e);
}

void fpu_switch(void)
{
    struct cpu *c = cpu();
    __asm__ volatile("clts");
    c->fpu_ts = false;
    if (c->fpu_owner)
        __asm__ volatile("fxsave64 %0" : "=m"(c->fpu_owner->fpu));
    __asm__ volatile("fxrstor64 %0" ::"m"(c->env->fpu));
    c->fpu_owner = c->env;
    c->env->fpu_used = true; /* from now on switched eagerly */
    if (c->env->info)
        c->env->info->fpu_used = 1;
}

/* With several CPUs an env may run on another CPU next, so the lazy x87/SSE
 * switch stops at the CPU's edge: leaving an env (for another, or for the
 * slot loop) saves the state it left in the registers. */
void fpu_give_back(struct cpu *c)
{
    if (c->fpu_ts)
        __asm__ volatile("clts");
    __asm__ volatile("fxsave64 %0" : "=m"(c->fpu_owner->fpu));
    c->fpu_owner = NULL;
    write_cr0(read_cr0() | CR0_TS);
    c->fpu_ts = true;
}

void env_run(struct env *e)
{
    struct cpu *c = cpu();
    cpu_set_env(e);
    if (kcontext_save(&c->sched) == 0)
        return_to_user();
    /* Back here through sched_return_to_loop() (or klock_enter, whose env
     * was torn down by another CPU: c->env is NULL then). */
    if (c->env && c->env->on_cpu == c->id)
        c->env->on_cpu = -1;
    if (klock_on && c->fpu_owner)
        fpu_give_back(c);
    c->env = NULL;
}

/* The entry path already saved the context in the env's frame. */
void sched_save_current(struct trapframe *tf)
{
    struct env *e = cpu_env();
    assert(tf == (env_in_pct(e) ? &e->pct_tf : &e->tf));
    if (!env_in_pct(e))
        e->has_context = true;
}

void sched_return_to_loop(void)
{
    kcontext_jump(&cpu()->sched);
}

/* e, woken in sys_block, returns the events that woke it. */
static inline void block_wake(struct env *e)
{
    e->in_block = false;
    e->wake_tsc = 0;
    e->tf.rax = e->info->pending_events;
    e->info->pending_events = 0;
}

/* Before running e (not in a call): deliver pending upcalls. */
static void slot_begin(struct env *e, bool new_slot)
{
    e->info->slots_run += new_slot;
    if (e->in_block)
        block_wake(e);
    if (e->revoke_pending)
        revoke_deliver(e);
    if (e->info->pending_events)
        upcall_deliver_events(e, &e->tf);
    if (new_slot && e->entries.entry[UPCALL_PROLOGUE])
        upcall_push(e, &e->tf, UPCALL_PROLOGUE, 0, 0, (u64)cpu()->id << 16 | (u64)cpu()->slot_pos);
}

/* The env that runs next: the owner of the next owned position after the
 * current one that can run (walking the vector through the mask of owned
 * positions), or NULL. The mask is rotated so that the position after the
 * current one is bit 0 and the current one the last bit: one walk in the
 * vector's order, wrapping around. */
static inline __attribute__((always_inline)) struct env *next_slot(struct cpu *c, int *pos_out)
{
    STATIC_ASSERT(NSLOTS == 64);
    unsigned s = (unsigned)(c->slot_pos + 1) % NSLOTS;
    u64 m = c->slot_mask, r = s ? (m >> s) | (m << (NSLOTS - s)) : m;
    int pos = c->slot_pos;
    for (; r; r &= r - 1) {
        pos = (int)((__builtin_ctzl(r) + s) % NSLOTS);
        struct env *t = run_target_on(env_lookup(c->slot_owner[pos]), c->id);
        if (t) {
            *pos_out = pos;
            return t;
        }
    }
    *pos_out = pos;
    return NULL;
}

/* Starts a new slot at pos for t (which runs in it). */
static void begin_slot(struct cpu *c, int pos, struct env *t)
{
    c->slot_pos = pos;
    c->slot_end = c->ticks + SLOT_TICKS;
    c->grace_end = 0;
    if (unlikely(t->ext_hooks & EXT_HOOK_BIT_TIMER))
        c->slot_end = c->ticks + ext_slot_start(t, pos, SLOT_TICKS);
    if (!env_in_pct(t)) {
        env_load_cr3(t); /* slot_begin may write upcall frames into t */
        slot_begin(t, true);
    }
}

/* Whether the loop has work of its own: a root to watch, deadlines to check. */
static bool loop_needed(struct cpu *c)
{
    return (c->root && (c->root->state == ENV_ZOMBIE || c->root->deadline_tick)) ||
           revoke_any_pending();
}

/* The tickless idle. Under QEMU's -icount sleep=off a halted CPU's clock
 * jumps at once to the next armed timer: with the periodic tick, every
 * halt while a disk request is on the host cost up to a whole tick of
 * virtual time, again and again until the host answered (docs/benchmarks.md,
 * "Storage": waiting like Linux). So, as Linux's NO_HZ idle does, a CPU
 * with nothing to run arms its timer for the first thing that must happen
 * by time alone, or not at all: a blocked env's wake-up (sys_block's
 * timeout, a protected entry's), a revocation's deadline. Everything else
 * that ends an idle halt is an interrupt (a device, the console) or a
 * kick. One CPU only (klock_on false): with several, the tick stays
 * (another CPU's envs are not looked at here). idle_deadline returns the
 * TSC of that deadline, 0 if none. */
static u64 wake_min = ~0UL; /* at most every wake_tsc and pct_wake_tsc set (note_wake) */

/* A timed wait begins: the idle scan has something to look for. */
static inline void note_wake(u64 tsc)
{
    if (tsc && tsc < wake_min)
        wake_min = tsc;
}

static u64 idle_deadline(void)
{
    /* Only deadlines still to come: one that has passed and left its env
     * unable to run (an env with no slots, a zombie's revocation) is not
     * served by waking up again (it would be a storm of timer interrupts);
     * whatever lets such an env run comes by an interrupt or a kick. */
    u64 first = ~0UL, now = rdtsc();
    /* (no timed wait begun since the last scan found none, no revocation:
     * nothing to scan for) */
    for (int i = 0; i < NENV && (wake_min != ~0UL || revocations_pending); i++) {
        struct env *e = &envs[i];
        if (e->state == ENV_FREE)
            continue;
        if (e->state == ENV_BLOCKED && e->wake_tsc > now)
            first = MIN(first, e->wake_tsc);
        if (e->pct_block && e->pct_wake_tsc > now)
            first = MIN(first, e->pct_wake_tsc);
        if (e->revoke_pending && e->state != ENV_ZOMBIE && e->info->revoke_deadline > now)
            first = MIN(first, e->info->revoke_deadline);
    }
    wake_min = first; /* (exact now; revocation deadlines only make it earlier) */
    return first == ~0UL ? 0 : first;
}

void sched_loop_until(struct env *root)
{
    struct cpu *c = cpu();
    c->root = root;
    for (;;) {
        if (root && root->state == ENV_ZOMBIE)
            break;
        if (root && root->deadline_tick && c->ticks >= root->deadline_tick) {
            ksnprintf(root->why, sizeof root->why, "timed out (ran past its deadline)");
            kprintf("[env %x %s] killed: %s\n", root->id, root->name, root->why);
            env_teardown(root, STOP_TIMEOUT);
            break;
        }
        revoke_check_deadlines();
        int pos;
        struct env *t = next_slot(c, &pos);
        if (!t) {
            /* Nothing to run: halt without the kernel lock (another CPU
             * that wakes an env kicks this one out of the halt). */
            __atomic_store_n(&c->idle, true, __ATOMIC_SEQ_CST);
            u64 per = tsc_per_ms * 1000 / TIMER_HZ, ticks0 = c->ticks, tsc0 = c->tick_tsc;
            /* (tsc0: a tick came already. A root with a deadline, the test
             * runner's, keeps the tick: its deadline counts the ticks taken,
             * which a loaded host coalesces while it does not run us, and a
             * tickless idle would count the idle time in full.) */
            bool tickless = !klock_on && per && tsc0 && !(root && root->deadline_tick);
            if (tickless) {
                u64 first = idle_deadline(), now = rdtsc();
                lapic_timer_oneshot(first > now ? first - now : first ? 1 : 0);
            }
            klock_release();
            /* An empty vector (and nothing else for the loop) halts without
             * taking the lock at each tick, so an idle CPU does not slow
             * the others' kernel entries; a slot allocated here, or a
             * revocation, comes with a kick (klock_wake_idle), which ends
             * the halt after idle was set (reads below see its writes). */
            do
                __asm__ volatile("sti; hlt; cli" ::: "memory");
            while (klock_on && !root && !__atomic_load_n(&c->slot_mask, __ATOMIC_SEQ_CST) &&
                   !__atomic_load_n(&revocations_pending, __ATOMIC_SEQ_CST));
            klock_acquire();
            if (tickless) {
                /* The tick again, and the ticks the idle time was worth
                 * (sys_info's clock stays right). */
                lapic_timer_periodic();
                u64 worth = (rdtsc() - tsc0) / per;
                if (ticks0 + worth > c->ticks) {
                    c->ticks = ticks0 + worth;
                    c->tick_tsc = tsc0 + worth * per;
                }
            }
            __atomic_store_n(&c->idle, false, __ATOMIC_SEQ_CST);
            continue;
        }
        begin_slot(c, pos, t);
        env_run(t);
    }
    c->root = NULL;
    pct_check_invariants(); /* whatever died on the way, the chains are whole */
}

/* Test mode (ktest.c): the first grace_stall_test ticks of every grace
 * period stall the CPU for 2.5 tick periods with interrupts off, as a host
 * that does not run its virtual CPU would; late ticks must not count. */
u32 grace_stall_test;
u64 grace_stalls_done;

static void grace_stall(struct cpu *c)
{
    if (likely(!c->grace_stalls))
        return;
    c->grace_stalls--;
    grace_stalls_done++;
    u64 until = rdtsc() + tsc_per_ms * 1000 / TIMER_HZ * 5 / 2;
    while (rdtsc() < until)
        __asm__ volatile("pause");
}

/* Timer tick while user code runs. The grace period counts only ticks that
 * came on time (trap.c extends grace_end for late ones). */
void sched_tick(struct trapframe *tf)
{
    struct cpu *c = cpu();
    struct env *e = c->env;
    if (c->grace_end) {
        if (c->ticks >= c->grace_end) {
            e->info->overruns++;
            c->slot_overruns[c->slot_pos]++;
            sched_save_current(tf);
            sched_return_to_loop();
        }
        grace_stall(c);
        return;
    }
    if (c->ticks < c->slot_end)
        return;
    if (!env_in_pct(e) && e->entries.entry[UPCALL_EPILOGUE] &&
        upcall_push(e, tf, UPCALL_EPILOGUE, 0, 0, (u64)c->id << 16 | (u64)c->slot_pos) == 0) {
        c->grace_end = c->ticks + GRACE_TICKS;
        c->grace_late = 0;
        c->grace_stalls = grace_stall_test;
        grace_stall(c);
        return;
    }
    sched_save_current(tf);
    sched_return_to_loop();
}

/* ---- kernel calls ---- */

/* Direct switch (as L4's): when e blocks, the env it last woke with
 * sys_notify_signal (e->wake_hint, notify.c) takes the rest of e's slot if
 * it can run at once, as if e had donated it with sys_yield(env): the other
 * end of a pipe or of a request runs next, not whatever the slot vector
 * holds next. Only a hint: the env is looked up and checked like any
 * choice (run_target: not one that runs on another CPU). Both paths of
 * sys_block use it and clear it. Locks: e->wake_hint is written and read
 * only by e's own kernel calls (sys_notify_signal, sys_block), so only on
 * the CPU that runs e; the target's state is read under the lock that
 * guards every env's scheduling state (today the kernel lock, klock.c),
 * as for next_slot's choice. */
static inline __attribute__((always_inline)) struct env *wake_target(struct env *e)
{
    struct env *t = e->wake_hint ? env_lookup(e->wake_hint) : NULL;
    return t && t != e && run_target(t) == t ? t : NULL;
}

/* Leaves the CPU's env, whose context is saved, for the next slot's env
 * (sys_yield, sys_block; with `direct`, sys_block's, for the env it woke
 * first: wake_target): the common case goes straight there, without a trip
 * through the loop, unless the loop has something to check, nothing can run,
 * or the next env would be `not` (a blocked env its own timeout woke: the
 * loop resumes it). Returns with that env made the CPU's; the kernel call's
 * return path resumes it. */
static void switch_next(struct cpu *c, struct env * not, bool direct)
{
    struct env *t;
    if (direct && !loop_needed(c) && (t = wake_target(c->env)) != NULL && t != not ) {
        c->env->wake_hint = 0;
        env_load_cr3(t);
        slot_begin(t, false); /* the rest of the slot, as sys_yield(env) gives it */
        cpu_set_env(t);
        return;
    }
    if (!loop_needed(c)) {
        int pos;
        t = next_slot(c, &pos);
        if (t && t != not ) {
            begin_slot(c, pos, t);
            cpu_set_env(t);
            return;
        }
    }
    sched_return_to_loop();
}

/* The fast paths of sys_yield(-1) and sys_block (entry.S, kcall_yield and
 * kcall_block: the frame holds the callee-saved registers, rip, rflags, rsp
 * and the result). The common case only: e serves no call, the loop has
 * nothing to check, and the next slot's env t is another env that needs no
 * upcall at the start of its slot (slot_begin would do nothing but count the
 * slot, and end its sys_block). Then the switch is begin_slot's and
 * cpu_set_env's, and t is
 * returned; on any other case NULL, with nothing changed, and the full path
 * (sys_yield, sys_block) takes the call. */
static inline __attribute__((always_inline)) struct env *switch_fast(struct cpu *c, struct env *e,
                                                                     bool direct)
{
    int pos = c->slot_pos;
    if (env_in_pct(e) || loop_needed(c))
        return NULL;
    struct env *t = direct ? wake_target(e) : NULL; /* (the rest of e's slot) */
    bool donated = t != NULL;
    if (!t)
        t = next_slot(c, &pos);
    if (!t || t == e || env_in_pct(t) || t->revoke_pending ||
        (!t->in_block && t->info->pending_events && t->entries.entry[UPCALL_EVENT]) ||
        t->entries.entry[UPCALL_PROLOGUE] || (t->ext_hooks & EXT_HOOK_BIT_TIMER))
        return NULL;
    e->has_context = true; /* (sched_save_current: the frame is e->tf) */
    c->grace_end = 0;
    if (direct)
        e->wake_hint = 0;
    if (!donated) {
        c->slot_pos = pos;
        c->slot_end = c->ticks + SLOT_TICKS;
        t->info->slots_run++;
    }
    if (t->in_block)
        block_wake(t);
    set_env_on(c, t); /* (cpu_set_env, inline) */
    return t;
}

struct env *sched_yield_fast(u64 env);
struct env *sched_yield_fast(u64 env)
{
    struct cpu *c = cpu();
    return (s64)env == -1 ? switch_fast(c, c->env, false) : NULL;
}

/* As sys_block when no event is pending: e sleeps (the next slot's env
 * cannot be e, which is still runnable while next_slot looks, so marking
 * it blocked afterwards changes nothing of the choice). */
struct env *sched_block_fast(u64 timeout_us);
struct env *sched_block_fast(u64 timeout_us)
{
    struct cpu *c = cpu();
    struct env *e = c->env;
    if (timeout_us > BLOCK_TIMEOUT_MAX || e->info->pending_events || e->revoke_pending)
        return NULL;
    u64 wake = timeout_us ? rdtsc() + timeout_us * tsc_per_ms / 1000 + 1 : 0;
    struct env *t = switch_fast(c, e, true);
    if (t) {
        e->state = ENV_BLOCKED;
        e->in_block = true;
        e->wake_tsc = wake;
        note_wake(wake);
    }
    return t;
}

static s64 slot_alloc_on(struct env *t, int cpu_id, s64 position);

/* sys_slot_alloc(env, position): see kernel/kcalls.tbl. */
s64 sys_slot_alloc(u64 env, u64 position)
{
    struct env *e = cpu_env(), *t;
    int r = cap_env(e, env, R_CONTROL, &t);
    if (r < 0)
        return r;
    if ((s64)position != -1 && position >= NSLOTS)
        return -E_INVAL;
    if (t->revoke_pending && t->info->revoke_kind == REVOKE_SLOTS)
        return -E_NOMEM; /* asked to give slots back: none more until it has */
    return slot_alloc_on(t, cpu()->id, (s64)position);
}

/* Allocates position (-1: any) on CPU cpu_id for t (checked: t's slot
 * quota, the arguments). */
static s64 slot_alloc_on(struct env *t, int cpu_id, s64 position)
{
    int r = sched_slot_alloc(t, cpu_id, (int)position);
    if (r < 0)
        return r;
    /* The capability goes to the env that runs in the slot: the slot lives
     * as long as that env (or until it deletes the capability). */
    int slot = cap_insert(t, CAP_SLOT, R_GRANT | R_REVOKE, sched_slot_object((u32)cpu_id, r), 0);
    if (slot < 0)
        sched_slot_free((u32)cpu_id, (u32)r);
    else if (cpu_id != cpu()->id)
        klock_wake_idle(); /* that CPU may halt with an empty vector */
    return slot;
}

/* sys_slot_alloc_on(env, cpu, position): see kernel/kcalls.tbl. */
s64 sys_slot_alloc_on(u64 env, u64 cpu_id, u64 position)
{
    struct env *e = cpu_env(), *t;
    int r = cap_env(e, env, R_CONTROL, &t);
    if (r < 0)
        return r;
    if (cpu_id >= (u64)ncpu)
        return -E_INVAL;
    if ((s64)position != -1 && position >= NSLOTS)
        return -E_INVAL;
    if (t->revoke_pending && t->info->revoke_kind == REVOKE_SLOTS)
        return -E_NOMEM;
    return slot_alloc_on(t, (int)cpu_id, (s64)position);
}

/* sys_env_private(env, cpu): see kernel/kcalls.tbl. A share (Corey): env's
 * address space private to CPU cpu, or shared again (cpu = -1). */
s64 sys_env_private(u64 env, u64 cpu_id)
{
    struct env *e = cpu_env(), *t;
    int r = cap_env(e, env, R_CONTROL, &t);
    if (r < 0)
        return r;
    if ((s64)cpu_id == -1) {
        t->private_cpu = -1;
        return (s64)t->shootdowns_spared;
    }
    if (cpu_id >= (u64)ncpu)
        return -E_INVAL;
    int k = (int)cpu_id;
    if (t->private_cpu == k)
        return (s64)t->shootdowns_spared;
    if ((t->on_cpu >= 0 && t->on_cpu != k) || t->in_pct || t->pct_caller || t->pct_callee)
        return -E_AGAIN; /* it runs on another CPU now, or is in a protected call */
    for (int i = 0; i < ncpu; i++)
        for (u64 m = cpus[i].slot_mask; i != k && m; m &= m - 1)
            if (cpus[i].slot_owner[__builtin_ctzl(m)] == t->id)
                return -E_BUSY; /* it owns a slot on another CPU */
    t->private_cpu = k;
    vm_make_private(t, k);
    return (s64)t->shootdowns_spared;
}

/* sys_yield(env): give up (or donate) the rest of the slot. */
s64 sys_yield(u64 env)
{
    struct cpu *c = cpu();
    struct env *e = c->env, *t = NULL;
    if ((s64)env != -1) {
        int r = cap_env(e, env, R_CALL, &t);
        if (r < 0)
            return r;
        /* An env serving a live call runs on its caller's time. Otherwise
         * the time goes to what runs when t's turn comes: t, or the end of
         * the chain of calls it waits on (so an orphaned call, see env.h,
         * can be given time to finish even if its env has no slot). */
        if (t->pct_caller || !(t = run_target(t)) || t == e)
            return -E_AGAIN;
    }
    c->cur_tf->rax = 0;
    sched_save_current(c->cur_tf);
    c->grace_end = 0;
    if (t) {
        env_load_cr3(t);
        if (!env_in_pct(t))
            slot_begin(t, false);
        cpu_set_env(t);
        return 0; /* into t: the syscall return path resumes the CPU's env */
    }
    switch_next(c, NULL, false);
    return 0; /* into the next slot's env */
}

/* sys_block(timeout_us): see kernel/kcalls.tbl. */
s64 sys_block(u64 timeout_us)
{
    struct cpu *c = cpu();
    struct env *e = c->env;
    if (timeout_us > BLOCK_TIMEOUT_MAX)
        return -E_INVAL;
    /* A revocation request ends the wait of e's own context (its handler
     * runs there); a protected entry cannot answer it before its reply, so
     * it waits for events only. */
    if (e->info->pending_events || (e->revoke_pending && !env_in_pct(e))) {
        u64 bits = e->info->pending_events; /* the events are the answer: no upcall */
        e->info->pending_events = 0;
        return (s64)bits;
    }
    c->cur_tf->rax = 0;
    sched_save_current(c->cur_tf);
    u64 wake = timeout_us ? rdtsc() + timeout_us * tsc_per_ms / 1000 + 1 : 0;
    if (env_in_pct(e)) {
        /* Serving a call: the chain waits with it (I6); run_target ends
         * the wait and puts the events in pct_tf.rax. */
        e->pct_block = true;
        e->pct_wake_tsc = wake;
        note_wake(wake);
    } else {
        e->state = ENV_BLOCKED;
        e->in_block = true; /* slot_begin hands it the events that woke it */
        e->wake_tsc = wake;
        note_wake(wake);
    }
    switch_next(c, e, !env_in_pct(e)); /* (no direct switch from inside a call) */
    return 0; /* into the next slot's env: its frame is not e's (syscall_dispatch) */
}
