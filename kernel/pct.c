/* Protected control transfer: a synchronous call into another env's
 * protected entry, with the caller's time slice, and its reply; and an
 * asynchronous notification. The callee starts on its protected-entry stack
 * with only the arguments in registers (nothing else of the caller leaks);
 * the caller gets back only the two reply words. */
#include "kernel.h"
#include "sched.h"
#include "env.h"
#include "cap.h"
#include "cpu.h"
#include "ext.h"
#include "arch/x86_64/x86.h"

/* Enters t's protected entry on behalf of e; the caller's frame is saved. */
static void pct_enter(struct env *e, struct env *t, u64 a0, u64 a1, u64 a2)
{
    e->pct_callee = t;
    t->pct_caller = e;
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
    cpu_set_env(t);
}

/* The fast path (entry.S kcall_pct_call): the common case only, every check
 * in one place; returns nonzero to fall back to sys_pct_call. */
int pct_fast_call(u64 env, u64 a0, u64 a1, u64 a2)
{
    struct env *e = cpu_env();
    struct capnode *c = env == CAP_SELF ? NULL : cap_slot(e, env);
    if (unlikely(!c))
        return 1;
    if (unlikely(c->type != CAP_ENV || !(c->rights & R_CALL)))
        return 1;
    struct env *t = &envs[c->object & 0xff];
    if (unlikely(t->id != (u32)c->object || t->state == ENV_ZOMBIE || t->state == ENV_FREE ||
                 t == e))
        return 1;
    /* Answered in the kernel by a verified handler: straight back to the caller. */
    u64 r0, r1;
    if ((t->ext_hooks & EXT_HOOK_BIT_PCT) && ext_pct(t, e, a0, a1, a2, &r0, &r1)) {
        struct trapframe *tf = env_in_pct(e) ? &e->pct_tf : &e->tf;
        tf->rax = r0;
        tf->rdx = r1;
        tf->rdi = tf->rsi = tf->r8 = tf->r9 = tf->r10 = 0;
        return 0;
    }
    if (unlikely(t->pct_caller || t->pct_callee || !t->entries.entry[UPCALL_PCT] ||
                 !t->entries.pct_stack_top))
        return 1;
    pct_enter(e, t, a0, a1, a2);
    return 0;
}

/* The reply fast path: 0 if the CPU now runs the caller, else an error. */
s64 pct_fast_reply(u64 r0, u64 r1)
{
    struct env *t = cpu_env(), *a = t->pct_caller;
    if (unlikely(!a))
        return -E_INVAL;
    t->pct_caller = NULL;
    a->pct_callee = NULL;
    struct trapframe *ctx = env_in_pct(a) ? &a->pct_tf : &a->tf;
    ctx->rax = r0;
    ctx->rdx = r1;
    /* Caller-saved registers other than the reply are not kept across the
     * call: clear them so nothing of the callee reaches the caller. */
    ctx->rdi = ctx->rsi = ctx->r8 = ctx->r9 = ctx->r10 = 0;
    cpu_set_env(a);
    return 0;
}

/* sys_pct_call(env, a0, a1, a2): see kernel/kcalls.tbl. */
s64 sys_pct_call(u64 env, u64 a0, u64 a1, u64 a2)
{
    struct cpu *c = cpu();
    struct env *e = c->env, *t;
    int r = cap_env(e, env, R_CALL, &t);
    if (r < 0)
        return r;
    /* A verified handler in the kernel may answer without entering t. */
    u64 r0, r1;
    if ((t->ext_hooks & EXT_HOOK_BIT_PCT) && t != e && ext_pct(t, e, a0, a1, a2, &r0, &r1)) {
        c->cur_tf->rdx = r1;
        return (s64)r0;
    }
    if (!t->entries.entry[UPCALL_PCT] || !t->entries.pct_stack_top)
        return -E_INVAL;
    if (t == e || env_in_pct(t) || t->pct_callee)
        return -E_AGAIN;

    sched_save_current(c->cur_tf);
    pct_enter(e, t, a0, a1, a2);
    return 0; /* the return path now resumes t; the reply sets the caller's rax */
}

/* sys_pct_reply(r0, r1): see kernel/kcalls.tbl. */
s64 sys_pct_reply(u64 r0, u64 r1)
{
    struct env *t = cpu_env(), *a = t->pct_caller;
    if (!a)
        return -E_INVAL;
    t->pct_caller = NULL;
    a->pct_callee = NULL;
    struct trapframe *ctx = env_in_pct(a) ? &a->pct_tf : &a->tf;
    ctx->rax = r0;
    ctx->rdx = r1;
    cpu_set_env(a);
    return 0;
}

/* sys_pct_send(env, bits): see kernel/kcalls.tbl. */
s64 sys_pct_send(u64 env, u64 bits)
{
    struct env *t;
    int r = cap_env(cpu_env(), env, R_CALL, &t);
    if (r < 0)
        return r;
    if (!bits || bits > EVENT_BITS_MAX)
        return -E_INVAL;
    env_post_event(t, bits);
    return 0;
}

/* e is going away: undo the calls it is part of. */
void pct_abandon(struct env *e)
{
    if (e->pct_caller) { /* serving a call: the caller gets -E_NOENT */
        struct env *a = e->pct_caller;
        a->pct_callee = NULL;
        struct trapframe *ctx = env_in_pct(a) ? &a->pct_tf : &a->tf;
        ctx->rax = (u64)-E_NOENT;
        ctx->rdx = 0;
        e->pct_caller = NULL;
    }
    if (e->pct_callee) { /* waiting on a callee: its reply has nowhere to go */
        e->pct_callee->pct_caller = NULL;
        e->pct_callee = NULL;
    }
}
