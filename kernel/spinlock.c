#include "kernel.h"
#include "spinlock.h"
#include "cpu.h"
#include "arch/x86_64/x86.h"

void spin_lock(struct spinlock *l)
{
    if (spin_holding(l))
        panic("spin_lock: %s already held by this CPU", l->name);
    u32 t = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t)
        pause();
    l->holder = cpu()->id;
}

void spin_unlock(struct spinlock *l)
{
    if (!spin_holding(l))
        panic("spin_unlock: %s not held", l->name);
    l->holder = -1;
    __atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

bool spin_holding(struct spinlock *l)
{
    return l->holder == cpu()->id && l->owner != l->next;
}

void mcs_lock(struct mcs_lock *l, struct mcs_node *me)
{
    me->next = NULL;
    me->locked = 1;
    struct mcs_node *prev = __atomic_exchange_n(&l->tail, me, __ATOMIC_ACQ_REL);
    if (!prev)
        return; /* it was free */
    __atomic_store_n(&prev->next, me, __ATOMIC_RELEASE);
    while (__atomic_load_n(&me->locked, __ATOMIC_ACQUIRE))
        pause();
}

void mcs_unlock(struct mcs_lock *l, struct mcs_node *me)
{
    struct mcs_node *succ = __atomic_load_n(&me->next, __ATOMIC_ACQUIRE);
    if (!succ) {
        struct mcs_node *expect = me;
        if (__atomic_compare_exchange_n(&l->tail, &expect, NULL, false, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED))
            return; /* nobody queued behind */
        /* Someone swapped itself in as tail but has not linked yet. */
        while (!(succ = __atomic_load_n(&me->next, __ATOMIC_ACQUIRE)))
            pause();
    }
    __atomic_store_n(&succ->locked, 0, __ATOMIC_RELEASE);
}
