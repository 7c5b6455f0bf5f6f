/* The kernel lock (klock.c): with more than one CPU, kernel code that
 * touches environments, capabilities or any object shared between CPUs runs
 * holding it. See klock.c and docs/design.md ("Multiprocessor") for what it
 * protects, what does not need it (per-CPU state) and the protocol that
 * takes an env off another CPU. With one CPU (klock_on false) every
 * function here is a no-op. */
#ifndef KERNEL_KLOCK_H
#define KERNEL_KLOCK_H

#include "types.h"

extern bool klock_on; /* set once, by the boot CPU, when the APs start running envs */

/* Entries from user mode (entry.S): this CPU leaves user mode (in_user
 * false), then waits for the lock; if the env it ran was torn down
 * meanwhile by another CPU (env_lost), it goes back to its slot loop. */
void klock_enter(u64 vector); /* the entry's vector: an interrupt's, else 0 */
/* A call that ran without the lock ("lock none") found env_lost set at its
 * exit (entry.S): it leaves through klock_enter, to the slot loop. */
__noreturn void klock_lost(void);
/* Local calls ("lock local" in kcalls.tbl, klock.c): entry.S brackets
 * their local function with these. enter: in_user false, this CPU's local
 * lock taken (and, if its env was torn down meanwhile, klock_lost). exit:
 * in_user true, the local lock dropped. fallback: the local function
 * answered KCALL_LOCKED; the local lock is dropped and the call goes on to
 * the locked path. */
void klock_local_enter(void);
void klock_local_exit(void);
void klock_local_unlock(void);
#define klock_local_fallback klock_local_unlock
/* This CPU's local lock alone (its unit test). */
void klock_local_lock(void);
/* What a local function answers to have its call run under the kernel
 * lock instead (no call answers it: below every -E_ code). */
#define KCALL_LOCKED (-0x7ffffff0L)
/* Returns to user mode (entry.S): releases the lock if this CPU holds it. */
void klock_exit(void);
/* Kernel contexts (the slot loop, device interrupts taken in its idle
 * halt): take and drop the lock. */
void klock_acquire(void);
void klock_release(void);
bool klock_holding(void);
struct mcs_lock;
struct mcs_lock *klock_lock(void); /* the lock itself, for its unit test (ktest_smp.c) */

struct env;
/* Under the lock: e (not this CPU's) stops running on the CPU that runs it,
 * if any; on return no CPU executes e's user code, or a call of e that runs
 * without the lock ("lock none"), or will resume it. */
void klock_evict(struct env *e);
/* Under the lock: wakes the idle CPUs (an env became runnable). */
void klock_wake_idle(void);

#endif
