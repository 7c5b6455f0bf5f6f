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
