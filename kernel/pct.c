/* Protected control transfer: a synchronous call into another env's
 * protected entry, with the caller's time slice, and its reply; and an
 * asynchronous notification. The callee starts on its protected-entry stack
 * with only the arguments in registers (nothing else of the caller leaks);
 * the caller gets back only the two reply words.
 *
 * The state machine (in_pct, pct_caller, pct_callee) and its invariants are
 * described in env.h. Each side has one implementation shared by the fast
 * path (entry.S: kcall_pct_call, kcall_pct_reply) and the full one: the call
 * side's checks are pct_target(), pct_ext_answer() and pct_callee_ready(),
 * the reply is pct_reply(), every answer a caller gets goes through
 * pct_answer(). */
#include "kernel.h"
#include "sched.h"
#include "env.h"
#include "cap.h"
#include "cpu.h"
#include "ext.h"
#include "env_switch.h"
#include "arch/x86_64/x86.h"

/* Puts an answer (reply words, or an error and 0) in a's active frame, the
 * one its call was made from. The other caller-saved registers are not kept
 * across a call: they are cleared, so that nothing of the callee or of the
 * kernel reaches a, whichever path saved its frame. */
/* a's active frame: the one its kernel calls save their context in. */
static inline struct trapframe *pct_frame(struct env *a)
{
    return env_in_pct(a) ? &a->pct_tf : &a->tf;
}

static void pct_answer(struct env *a, u64 r0, u64 r1)
{
    struct trapframe *ctx = pct_frame(a);
    ctx->rax = r0;
    ctx->rdx = r1;
    ctx->rdi = ctx->rsi = ctx->r8 = ctx->r9 = ctx->r10 = 0;
}

/* The callee named by slot of e: cap_env(e, slot, R_CALL, out), inline for
 * the fast path (the same checks and errors). */
static inline __attribute__((always_inline)) int pct_target(struct env *e, u64 slot,
                                                            struct env **out)
{
    if (slot == CAP_SELF) {
        *out = e;
        return 0;
    }
    if (slot >= CAP_MAX_SLOT)
        return -E_INVAL;
    struct capnode *c = cap_slot(e, slot);
    if (!c || c->type == CAP_NONE)
        return -E_NOENT;
    if (c->type != CAP_ENV || !(c->rights & R_CALL))
        return -E_PERM;
    struct env *t = &envs[c->object & 0xff];
    if ((c->object & 0xff) >= NENV || t->id != (u32)c->object || t->state == ENV_ZOMBIE ||
        t->state == ENV_FREE)
        return -E_NOENT; /* it has ended */
    *out = t;
    return 0;
}

/* Whether e may enter t's protected entry now: 0, or the error (I3). */
static inline __attribute__((always_inline)) int pct_callee_ready(struct env *e, struct env *t)
{
    if (!t->entries.entry[UPCALL_PCT] || !t->entries.pct_stack_top)
        return -E_INVAL;
    if (t == e || t->in_pct || t->pct_callee)
        return -E_AGAIN; /* serving a call (or an orphaned one), or waiting on one */
    if (t->on_cpu >= 0)
        return -E_AGAIN; /* it runs on another CPU (not this one: t != e, e runs here) */
    if (unlikely(t->private_cpu >= 0) && t->private_cpu != cpu()->id)
        return -E_AGAIN; /* its address space is private to another CPU */
    return 0;
}

/* A verified handler of t (one is attached: EXT_HOOK_BIT_PCT) may answer
 * in the kernel without entering t: true if it did (the answer is in e's
 * active frame). */
static inline __attribute__((always_inline)) bool pct_ext_answer(struct env *e, struct env *t,
                                                                 u64 a0, u64 a1, u64 a2)
{
    u64 r[2];
    if (t == e || !ext_pct(t, e, a0, a1, a2, r))
        return false;
    pct_answer(e, r[0], r[1]);
    return true;
}

/* Links e's call to t and builds t's entry frame; the caller then makes t
 * the CPU's env (cpu_set_env), which enters it. e's frame is saved. */
static void pct_link(struct env *e, struct env *t, u64 a0, u64 a1, u64 a2)
{
    e->pct_callee = t;
    t->pct_caller = e;
    t->in_pct = true;
    /* The callee's entry frame. Registers not set here hold the callee's own
     * values from its previous call: nothing of the caller leaks. */
    struct trapframe *n = &t->pct_tf;
    n->rip = t->entries.entry[UPCALL_PCT];
    n->rsp = t->entries.pct_stack_top - 8;
    n->rdi = a0;
    n->rsi = a1;
    n->rdx = a2;
    n->r8 = e->id;
    n->cs = SEL_UCODE;
    n->ss = SEL_UDATA;
    n->rflags = RFLAGS_IF | 0x2;
    n->vector = T_SYSCALL;
}

/* Enters t's protected entry on behalf of e, whose frame is saved. */
static void pct_enter(struct env *e, struct env *t, u64 a0, u64 a1, u64 a2)
{
    pct_link(e, t, a0, a1, a2);
    cpu_set_env(t); /* t's active frame is now pct_tf */
}

/* pct_fast_call's answers to entry.S: fall back to the full path, the call
 * was answered in place, or else the env entered (its frame is built and it
 * is the CPU's env now). */
#define PCT_FAST_FULL 0
#define PCT_FAST_DONE 1

/* Falling back: the full path (kcall_to_full) reads the arguments back from
 * the caller's frame (it builds the rest of it from the registers). */
static u64 pct_fast_fallback(u64 env, u64 a0, u64 a1, u64 a2)
{
    struct trapframe *f = (struct trapframe *)(cpu()->utf_top - sizeof(struct trapframe));
    f->rdi = env;
    f->rsi = a0;
    f->rdx = a1;
    f->r10 = a2;
    return PCT_FAST_FULL;
}

/* The fast path with a verified handler attached to t (out of line, so that
 * the common path calls nothing and saves no registers). */
static __attribute__((noinline)) u64 pct_fast_ext(struct env *e, struct env *t, u64 a0, u64 a1,
                                                  u64 a2)
{
    if (pct_ext_answer(e, t, a0, a1, a2))
        return PCT_FAST_DONE;
    int r = pct_callee_ready(e, t);
    if (r < 0) {
        /* Falling back would run the handler a second time: answer here,
         * as the full path would. */
        pct_answer(e, (u64)r, 0);
        return PCT_FAST_DONE;
    }
    pct_link(e, t, a0, a1, a2);
    set_env(t); /* (cpu_set_env, inline) */
    return (u64)t;
}

/* The fast path (entry.S kcall_pct_call) of sys_pct_call: the common case
 * only, with the same checks; PCT_FAST_FULL falls back to sys_pct_call,
 * which makes them again and answers the error (except once a handler has
 * run: see pct_fast_ext). */
u64 pct_fast_call(u64 env, u64 a0, u64 a1, u64 a2)
{
    struct env *e = cpu_env(), *t;
    if (unlikely(pct_target(e, env, &t) < 0))
        return pct_fast_fallback(env, a0, a1, a2);
    if (unlikely(t->ext_hooks & EXT_HOOK_BIT_PCT))
        return pct_fast_ext(e, t, a0, a1, a2);
    if (unlikely(pct_callee_ready(e, t) < 0))
        return pct_fast_fallback(env, a0, a1, a2);
    pct_link(e, t, a0, a1, a2);
    set_env(t); /* (cpu_set_env, inline) */
    return (u64)t;
}

/* sys_pct_call(env, a0, a1, a2): see kernel/kcalls.tbl. */
s64 sys_pct_call(u64 env, u64 a0, u64 a1, u64 a2)
{
    struct cpu *c = cpu();
    struct env *e = c->env, *t;
    int r = pct_target(e, env, &t);
    if (r < 0)
        return r;
    if ((t->ext_hooks & EXT_HOOK_BIT_PCT) && pct_ext_answer(e, t, a0, a1, a2))
        return (s64)c->cur_tf->rax; /* (cur_tf is e's active frame) */
    if ((r = pct_callee_ready(e, t)) < 0)
        return r;
    sched_save_current(c->cur_tf);
    pct_enter(e, t, a0, a1, a2);
    return 0; /* the return path now resumes t; the reply sets the caller's rax */
}

/* The reply of the running env t, for both paths: 0 when the CPU now runs
 * the caller, -E_INVAL if t serves no call. The call ends either way; if
 * its caller has died (an orphaned call), the reply goes nowhere and the CPU
 * goes back to the slot vector: the time t ran on was the dead caller's. */
static inline __attribute__((always_inline)) s64 pct_reply(struct cpu *c, struct env *t, u64 r0,
                                                           u64 r1)
{
    if (unlikely(!t->in_pct))
        return -E_INVAL;
    struct env *a = t->pct_caller;
    t->in_pct = false; /* its entry context is dropped: the next call starts afresh */
    t->pct_caller = NULL;
    if (unlikely(!a))
        sched_return_to_loop();
    a->pct_callee = NULL;
    pct_answer(a, r0, r1);
    set_env_on(c, a); /* (cpu_set_env, inline) */
    return 0;
}

/* The reply fast path (entry.S kcall_pct_reply): 0 if the CPU now runs the
 * caller, else the error, which returns the usual way. */
s64 pct_fast_reply(u64 r0, u64 r1)
{
    struct cpu *c = cpu();
    return pct_reply(c, c->env, r0, r1);
}

/* sys_pct_reply(r0, r1): see kernel/kcalls.tbl. */
s64 sys_pct_reply(u64 r0, u64 r1)
{
    struct cpu *c = cpu();
    return pct_reply(c, c->env, r0, r1);
}

/* sys_pct_send(env, bits): see kernel/kcalls.tbl. */
s64 sys_pct_send(u64 env, u64 bits)
{
    struct env *t;
    int r = cap_env(cpu_env(), env, R_CALL, &t);
    if (r < 0)
        return r;
    if (!bits || bits > EVENT_USER_MAX)
        return -E_INVAL; /* the kernel's events (EVENT_CHILD) are the kernel's to raise */
    env_post_event(t, bits);
    return 0;
}

/* e is going away (the start of its teardown): cut it out of the chain it
 * is part of, keeping the invariants of env.h. Touches no other env's
 * in_pct, so the env running on this CPU (if not e) keeps its frame. */
void pct_abandon(struct env *e)
{
    struct env *a = e->pct_caller, *t = e->pct_callee;
    if (a) { /* serving a call: the caller (waiting, I4) gets -E_NOENT */
        a->pct_callee = NULL;
        pct_answer(a, (u64)-E_NOENT, 0);
    }
    if (t) /* waiting on a callee: its call is orphaned, it finishes in its own time */
        t->pct_caller = NULL;
    e->pct_caller = e->pct_callee = NULL;
    e->in_pct = false;
    e->pct_block = false; /* (I6) */
    e->pct_wake_tsc = 0;
}

/* Checks the invariants of env.h over every env, and panics if one does
 * not hold (when the scheduler loop ends: after every test program). */
void pct_check_invariants(void)
{
    for (int i = 0; i < NENV; i++) {
        struct env *e = &envs[i];
        if (e->state == ENV_FREE || e->state == ENV_ZOMBIE) {
            assert(!e->in_pct && !e->pct_block && !e->pct_caller && !e->pct_callee); /* I5 */
            continue;
        }
        assert(!e->pct_callee || e->pct_callee->pct_caller == e); /* I1 */
        assert(!e->pct_caller || e->pct_caller->pct_callee == e); /* I1 */
        assert(!e->pct_caller || e->in_pct);                      /* I2 */
        assert(!e->pct_block || e->in_pct);                       /* I6 */
        int hops = 0;                                             /* I3: no loop */
        for (struct env *t = e; t->pct_callee; t = t->pct_callee)
            assert(++hops < NENV);
    }
}

/* sys_pct_give(slot, rights): see kernel/kcalls.tbl. The only way a
 * capability reaches an env without its creator's R_CONTROL: the env asked
 * for it by calling, and gets it from the env it called. */
s64 sys_pct_give(u64 slot, u64 rights)
{
    struct env *t = cpu_env(), *a = t->pct_caller;
    if (!a)
        return -E_INVAL;
    int err;
    struct capnode *c = cap_get(t, slot, &err);
    if (!c)
        return err;
    if ((rights & ~(u64)c->rights) || !(c->rights & R_GRANT))
        return -E_PERM;
    if (c->depth >= CAP_MAX_DEPTH)
        return -E_NOMEM;
    return cap_insert(a, c->type, (u8)rights, c->object, cap_index(c));
}
