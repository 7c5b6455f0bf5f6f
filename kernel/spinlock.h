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

#endif
