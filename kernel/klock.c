/* The kernel lock: an MCS queue lock (spinlock.h) over the state that
 * environments on different CPUs share.
 *
 * What it protects: the env table and every env's state outside its own
 * CPU's switch (state, chains of protected calls, teardown list, quotas),
 * capability tables and derivation trees, object quotas, notification
 * objects, revocation, extensions, devices' request tables, the network's
 * endpoints, the page tables of every env (sys_mmu_update, cap_unmap),
 * and every CPU's time-slot vector (a slot is allocated on one CPU by code
 * running on another). With each CPU's local lock (below, "Local calls"),
 * which its holder also takes, it is a big-reader lock over the same
 * state: a CPU's local call excludes every holder of the kernel lock.
 *
 * Invariant: a CPU executes kernel code that reads or writes that state
 * only while it holds the lock. It holds it from its entry from user mode
 * (klock_enter, called by every entry in entry.S before any C code that
 * touches an env) until its return to user mode (klock_exit in
 * return_to_user and the fast kernel calls' exit), and in its slot loop
 * except while it halts. Kernel calls marked "lock none" in kcalls.tbl
 * (kcall_nolock) run without it: they touch nothing of the state above
 * but their caller's immutable fields (its id) and state with locks of
 * its own (the console's, the frame allocator's); see "Calls without the
 * lock" below. Entries that need none: NMIs and machine checks
 * (the machine's), cross-CPU calls (T_IPI_CALL: a TLB shootdown touches
 * only the CPU's own TLB), pings, timer ticks taken in kernel mode (they
 * count the CPU's ticks), and timer ticks from user mode that end nothing
 * (trap_tick_nolock: the CPU's own count and grace accounting). The frame
 * allocator has locks of its own (pmem.c) and no longer relies on this
 * one. Per-CPU state (struct cpu: the current env,
 * slot position and deadlines, FPU owner, GDT/TSS, stacks, the lock's own
 * queue node) is touched by its CPU alone, lock or not, except where said.
 *
 * A CPU spins for the lock with interrupts on but its task priority raised
 * to class 12: timer ticks (class 13), kicks (14) and cross-CPU calls (15)
 * come in, so a lock holder that waits for a shootdown never waits for a
 * CPU that waits for it, and a CPU's ticks go on while it waits (none of
 * them needs the lock). A device interrupt (classes 2-3) is never taken
 * while spinning (it would need the lock); in the slot loop's halt it
 * takes the lock itself.
 *
 * Taking an env off another CPU (klock_evict, for its teardown): the lock
 * holder marks the CPU that runs it (env_lost), sends it a kick and waits
 * until that CPU is out of user mode (in_user false: set by klock_exit just
 * before the return, cleared by klock_enter before it queues). From then on
 * that CPU runs none of the env's code; when it gets the lock it sees
 * env_lost and goes back to its slot loop without touching the env. Its CR3
 * may still hold the env's page tables: vm_free_space makes every CPU drop
 * a PML4 before it frees it (a cross-CPU call).
 *
 * Calls without the lock (syscall_entry_klock's kcall_nolock_entry): the
 * CPU leaves in_user set while it runs such a call, so for klock_evict it
 * is still in its env's user code, and a teardown of that env on another
 * CPU waits until the call is over: the env (its struct, its page tables,
 * the frames its buffers lie in) stays whole while the call runs. The call
 * runs with interrupts off and waits for nothing a lock holder holds, so
 * the evictor's wait ends. At the exit the call tests env_lost: if set, it
 * does not return to the torn-down env but leaves through klock_enter
 * (klock_lost) like any entry; if it is set just after the test, its kick
 * comes in user mode, at the env's first instruction, and takes that
 * entry. Either way the CPU clears in_user only in klock_enter.
 *
 * Local calls: a big-reader lock under the kernel lock. Each CPU has a
 * local lock (struct cpu: local_active, set while it runs a local call's
 * section). It protects what the kernel lock protects, against that CPU's
 * local calls: the holder of the kernel lock also holds every CPU's local
 * lock (acquire, once it has the MCS lock, sets klock_busy, which keeps new
 * local calls out, and waits until no CPU is in one: locals_stop; release
 * clears it before it passes the MCS lock on), and a kernel call marked
 * "lock local SYMBOL" in kcalls.tbl (kcall_local) first runs SYMBOL
 * holding its own CPU's local lock only. So a local call excludes every
 * holder of the kernel lock but runs at the same time as the local calls
 * of the other CPUs: what it may touch is what no other CPU's local call
 * touches, i.e. only its caller's own objects (its capability nodes, its
 * page tables; the caller runs on one CPU at a time), plus state with
 * locks of its own (the frame allocator, the cross-CPU call mailbox) and
 * per-CPU state (vm.c's last-page-table cache). Anything else (another
 * env's objects, the derivation tree, a quota, an error to report) makes
 * SYMBOL answer KCALL_LOCKED, having changed nothing; the entry then drops
 * the local lock and runs the call again from the start on the locked
 * path.
 *
 * Lock order: the kernel lock, then the local locks (all at once); a local
 * call holds its own local lock and takes none of these. Both sides wait
 * with interrupts let in (ticks, kicks, cross-CPU calls), as for the
 * kernel lock: a local call may wait for a TLB shootdown to be
 * acknowledged by the CPU that waits for it. The holder's klock_busy
 * keeps a CPU's stream of local calls from starving it. Eviction: a local
 * call clears in_user at its entry (klock_local_enter: the evictor may
 * hold its local lock, and waits for in_user) and tests env_lost once it
 * has the local lock; at its exit it sets in_user before it drops the
 * local lock (klock_local_exit), so an evictor that takes the lock next
 * waits for the env's next entry. */
#include "kernel.h"
#include "klock.h"
#include "cpu.h"
#include "env.h"
#include "sched.h"
#include "vm.h"
#include "trap.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lapic.h"
#include <spinel/syscall.h>

bool klock_on;
static struct mcs_lock klock = MCS_LOCK_INIT("kernel");

u64 klock_spins; /* acquisitions that had to wait (a figure for the tests) */

/* Turns of the wait loop before a waiter halts (below). */
#define KLOCK_SPIN_TURNS 256

/* A waiter spins KLOCK_SPIN_TURNS turns, then halts until the lock comes
 * (release sends T_IPI_WAKE) or any other interrupt it lets in: a virtual
 * CPU waiting for a long-held lock gives its host time to the CPUs that
 * run (on an overcommitted host, the holder's). The lost wake-up is
 * excluded Dekker-fashion: the waiter sets sleeping, then reads locked;
 * release clears locked, then reads sleeping (both sequentially
 * consistent: a store-load fence each), so at least one of them sees the
 * other's write: the waiter does not halt, or release sends the IPI,
 * which ends the halt even if it comes between sti and hlt. A waiter whose
 * CPU already serves a class-15 interrupt (PPR >= 0xf0: a cross-CPU call)
 * could not take the IPI and only spins. */
static void wait_turn(struct cpu *c, struct mcs_node *me)
{
    for (int i = 0; i < KLOCK_SPIN_TURNS; i++) {
        if (!__atomic_load_n(&me->locked, __ATOMIC_ACQUIRE))
            return;
        /* The window is a nop after sti: sti holds interrupts off for one
         * more instruction, and QEMU's pause ends its translation block
         * before that shadow is over (a "sti; pause; cli" window never
         * lets an interrupt in there). */
        __asm__ volatile("pause; sti; nop; cli" ::: "memory");
    }
    if (lapic_ppr() >= 0xf0)
        return;
    __atomic_store_n(&me->sleeping, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&me->locked, __ATOMIC_SEQ_CST)) {
        c->klock_halts++;
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    __atomic_store_n(&me->sleeping, 0, __ATOMIC_RELAXED);
}

/* ---- Local locks (see "Local calls" above) ---- */

/* Spins until done(k) with interrupts let in as wait_turn does (ticks,
 * kicks, cross-CPU calls: a TLB shootdown of the CPU we wait for). */
#define SPIN_WINDOW_UNTIL(cond)                                                                    \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            lapic_set_tpr(0xc0);                                                                   \
            while (!(cond))                                                                        \
                __asm__ volatile("pause; sti; nop; cli" ::: "memory");                             \
            lapic_set_tpr(0);                                                                      \
        }                                                                                          \
    } while (0)

/* Set while some CPU holds the kernel lock (from just after it got the
 * MCS lock until just before it passes it on): local calls wait. */
static volatile u32 klock_busy;

/* The holder, once it has the MCS lock: no local call starts from now on,
 * and it waits for those under way. Dekker-fashion with klock_local_lock
 * (each side stores its flag, then reads the other's, sequentially
 * consistent): a local call and the holder never both go on. */
static void locals_stop(void)
{
    __atomic_store_n(&klock_busy, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < ncpu; i++)
        SPIN_WINDOW_UNTIL(!__atomic_load_n(&cpus[i].local_active, __ATOMIC_ACQUIRE));
}

static void locals_go(void)
{
    __atomic_store_n(&klock_busy, 0, __ATOMIC_RELEASE);
}

void klock_local_lock(void)
{
    struct cpu *c = cpu();
    for (;;) {
        __atomic_store_n(&c->local_active, 1, __ATOMIC_SEQ_CST);
        if (!__atomic_load_n(&klock_busy, __ATOMIC_SEQ_CST))
            return;
        __atomic_store_n(&c->local_active, 0, __ATOMIC_RELEASE);
        SPIN_WINDOW_UNTIL(!__atomic_load_n(&klock_busy, __ATOMIC_ACQUIRE));
    }
}

void klock_local_unlock(void)
{
    __atomic_store_n(&cpu()->local_active, 0, __ATOMIC_RELEASE);
}

void klock_local_enter(void)
{
    struct cpu *c = cpu();
    __atomic_store_n(&c->in_user, false, __ATOMIC_SEQ_CST);
    klock_local_lock();
    if (c->env_lost) { /* torn down while we waited for the lock */
        klock_local_unlock();
        klock_lost();
    }
}

void klock_local_exit(void)
{
    struct cpu *c = cpu();
    __atomic_store_n(&c->in_user, true, __ATOMIC_SEQ_CST); /* before the lock goes: see above */
    klock_local_unlock();
}

static void acquire(struct cpu *c)
{
    struct mcs_node *me = &c->klock_node;
    if (c->klock_held)
        panic("kernel lock: cpu %d takes it again", c->id);
    me->next = NULL;
    me->locked = 1;
    me->sleeping = 0;
    struct mcs_node *prev = __atomic_exchange_n(&klock.tail, me, __ATOMIC_ACQ_REL);
    if (prev) {
        __atomic_store_n(&prev->next, me, __ATOMIC_RELEASE);
        klock_spins++;
        lapic_set_tpr(0xc0); /* devices held back while we wait: ticks, kicks, calls come in */
        while (__atomic_load_n(&me->locked, __ATOMIC_ACQUIRE))
            wait_turn(c, me);
        lapic_set_tpr(0);
    }
    locals_stop(); /* and every CPU's local lock (see above) */
    c->klock_held = true;
}

/* mcs_unlock's, and the wake-up of a successor that halts (wait_turn). */
static void release(struct cpu *c)
{
    if (!c->klock_held)
        panic("kernel lock: cpu %d releases it without holding it", c->id);
    c->klock_held = false;
    locals_go();
    struct mcs_node *me = &c->klock_node;
    struct mcs_node *succ = __atomic_load_n(&me->next, __ATOMIC_ACQUIRE);
    if (!succ) {
        struct mcs_node *expect = me;
        if (__atomic_compare_exchange_n(&klock.tail, &expect, NULL, false, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED))
            return; /* nobody queued behind */
        while (!(succ = __atomic_load_n(&me->next, __ATOMIC_ACQUIRE)))
            pause(); /* it swapped itself in as tail, its link comes */
    }
    __atomic_store_n(&succ->locked, 0, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&succ->sleeping, __ATOMIC_SEQ_CST)) {
        /* (Nodes live in struct cpu: a late read sees the next round's
         * flag at worst, and a spare IPI only ends a halt.) */
        struct cpu *s = (struct cpu *)((char *)succ - __builtin_offsetof(struct cpu, klock_node));
        lapic_send_ipi(s->apic_id, T_IPI_WAKE);
    }
}

struct mcs_lock *klock_lock(void)
{
    return &klock;
}

bool klock_holding(void)
{
    return !klock_on || cpu()->klock_held;
}

void klock_acquire(void)
{
    if (klock_on)
        acquire(cpu());
}

void klock_release(void)
{
    if (klock_on)
        release(cpu());
}

void klock_enter(u64 vector)
{
    if (!klock_on)
        return;
    struct cpu *c = cpu();
    __atomic_store_n(&c->in_user, false, __ATOMIC_SEQ_CST);
    if (c->klock_held)
        return; /* (a nested entry cannot come from user mode; kept safe) */
    /* A page fault's address must survive the wait: interrupts come in
     * while we spin, and CR2 is the CPU's, not the fault's (a page fault
     * taken meanwhile, even one fixed up, would overwrite it). */
    u64 cr2 = vector == T_PF ? read_cr2() : 0;
    acquire(c);
    if (vector == T_PF)
        __asm__ volatile("mov %0, %%cr2" ::"r"(cr2));
    if (c->env_lost) {
        /* Its env was torn down by another CPU while this one ran it: back
         * to the slot loop, touching nothing of it (its FPU state is
         * dropped: teardown cleared fpu_owner). */
        c->env_lost = false;
        c->env = NULL;
        c->grace_end = 0;
        if ((read_cr3() & PTE_ADDR_MASK) != kernel_pml4)
            write_cr3(kernel_pml4);
        /* An interrupt that brought it in is still the machine's to handle
         * (a device's, a tick): as if taken in kernel mode. The lost env's
         * own faults and calls are dropped with it. */
        if (vector >= 32 && vector < 256 && vector != KCALL_GATE_VECTOR) {
            struct trapframe f = {.vector = vector, .cs = SEL_KCODE};
            trap(&f);
        }
        sched_return_to_loop();
    }
}

void klock_lost(void)
{
    klock_enter(0); /* env_lost is set: back to the slot loop */
    panic("kernel lock: cpu %d lost its env, then found it", cpu()->id);
}

void klock_exit(void)
{
    if (!klock_on)
        return;
    struct cpu *c = cpu();
    if (!c->klock_held)
        return; /* an IPI taken from user mode: it never took the lock */
    __atomic_store_n(&c->in_user, true, __ATOMIC_SEQ_CST);
    release(c);
}

void klock_evict(struct env *e)
{
    struct cpu *me = cpu();
    int k = e->on_cpu;
    if (!klock_on || k < 0 || k == me->id)
        return;
    struct cpu *c = &cpus[k];
    assert(c->env == e);
    c->env_lost = true;
    e->on_cpu = -1;
    lapic_send_ipi(c->apic_id, T_IPI_KICK);
    while (__atomic_load_n(&c->in_user, __ATOMIC_SEQ_CST))
        pause();
}

void klock_wake_idle(void)
{
    if (!klock_on)
        return;
    int me = cpu()->id;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* what woke it is visible before we read idle */
    for (int i = 0; i < ncpu; i++)
        if (i != me && __atomic_load_n(&cpus[i].idle, __ATOMIC_ACQUIRE))
            lapic_send_ipi(cpus[i].apic_id, T_IPI_KICK);
}
