/* Ticket spinlocks. Kernel code runs with interrupts disabled, so a lock
 * only has to exclude other CPUs. Each lock has a name for diagnostics. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include "types.h"

struct spinlock {
    volatile u32 next;  /* ticket handed to the next arriving CPU */
    volatile u32 owner; /* ticket now allowed in */
    int holder;         /* CPU id holding it, -1 if free (for assertions) */
    const char *name;
};

#define SPINLOCK_INIT(n)                                                                           \
    {                                                                                              \
        0, 0, -1, n                                                                                \
    }

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
bool spin_holding(struct spinlock *l);

/* MCS queue locks (Mellor-Crummey and Scott): each waiter spins on its own
 * node, so a release touches one other CPU's cache line, not everyone's.
 * The caller supplies the node (on its stack: kernel code runs with
 * interrupts off, so the acquisition cannot be interrupted and reentered)
 * and passes the same node to mcs_unlock. tail is the last node queued
 * (NULL: free); each node's next is set by its successor once it queued,
 * and locked is cleared by its predecessor when the lock passes to it. */
struct mcs_node {
    struct mcs_node *volatile next;
    volatile u32 locked;
    volatile u32 sleeping; /* the kernel lock's waiter halts (klock.c); 0 elsewhere */
};
struct mcs_lock {
    struct mcs_node *volatile tail;
    const char *name;
};

#define MCS_LOCK_INIT(n)                                                                           \
    {                                                                                              \
        NULL, n                                                                                    \
    }

void mcs_lock(struct mcs_lock *l, struct mcs_node *me);
void mcs_unlock(struct mcs_lock *l, struct mcs_node *me);

#endif
