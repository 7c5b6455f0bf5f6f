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
 * if any; on return no CPU executes e's user code or will resume it. */
void klock_evict(struct env *e);
/* Under the lock: wakes the idle CPUs (an env became runnable). */
void klock_wake_idle(void);

#endif
