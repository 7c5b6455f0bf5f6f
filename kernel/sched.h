/* CPU multiplexing: a linear vector of time slots per CPU (sched.c). */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include "types.h"
#include "trap.h"

#define NSLOTS         64 /* positions in each CPU's slot vector (slot_mask is 64 bits) */
#define SLOT_TICKS     10 /* a slot lasts this many timer ticks */
#define GRACE_TICKS    2  /* after the epilogue upcall, time left to yield */
#define GRACE_LATE_MAX 20 /* late ticks (the CPU did not run) not counted in it, at most */

struct env;

/* Runs the slot vector until `root` is a zombie (or forever if root is NULL). */
void sched_loop_until(struct env *root);
int sched_slot_alloc(struct env *e, int cpu, int pos); /* position or -E_xxx */
void sched_slot_free(u32 cpu, u32 pos);
/* A slot capability's object: gen << 32 | cpu << 16 | position, the
 * generation being the position's now; freeing through it is a no-op once
 * the position was freed (and perhaps reallocated) since. */
u64 sched_slot_object(u32 cpu, int pos);
void sched_slot_release(u64 object);
void sched_forget_env(struct env *e);
void sched_tick(struct trapframe *tf);
extern u32 grace_stall_test;  /* test mode: stalls injected per grace period (sched.c) */
extern u64 grace_stalls_done; /* ... and how many were */
bool sched_can_run(struct env *e);
void fpu_switch(void); /* #NM: give the running env its x87/SSE registers */

/* Upcalls (upcall.c): pushes an upcall frame describing the context *ctx on
 * e's exception stack and redirects *ctx to the handler. e's address space
 * must be loaded. Returns 0, -E_NOENT (no handler), or -E_FAULT (the stack is
 * unusable). */
int upcall_push(struct env *e, struct trapframe *ctx, u64 kind, u64 vector, u64 error, u64 addr);
struct cpu;
void foreign_switch(struct cpu *c, struct env *e);
bool upcall_in_handler(const struct env *e, const struct trapframe *ctx);
void upcall_deliver_events(struct env *e, struct trapframe *ctx);
/* ORs bits into t's pending events and wakes it if it waits (upcall.c). */
void env_post_event(struct env *t, u64 bits);

/* Protected control transfer (pct.c). */
void pct_abandon(struct env *e);
void pct_check_invariants(void); /* panics if a chain of calls is inconsistent (env.h) */

/* Revocation (revoke.c). */
void revoke_check_deadlines(void);
void revoke_deliver(struct env *e);
void revoke_forget(struct env *e);
extern u32 revocations_pending;             /* revoke.c */
static inline bool revoke_any_pending(void) /* inline: on the yield and block fast paths */
{
    return revocations_pending != 0;
}
int revoke_request(struct env *e, struct env *t, u64 kind, u64 count, u64 deadline_ms);
extern u64 revoke_steps; /* work counters, for the unit tests of bounded work */
extern u64 cap_forget_steps;

#endif
