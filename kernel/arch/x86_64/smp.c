/* The application processors: started one by one with INIT-SIPI-SIPI
 * through the real-mode trampoline (trampoline.S), each with its own GDT,
 * TSS and IST stacks (gdt.c: every stack above an unmapped guard page), its
 * own local APIC timer (with the boot CPU's calibration: the CPUs share one
 * bus clock) and its own idle stack. Once every CPU is up, each AP runs its
 * own time-slot vector (sched_loop_until on its idle stack), under the
 * kernel lock like all kernel code that touches envs (klock.c).
 *
 * The kernel half of the page tables is shared by every CPU: a change to
 * an existing kernel mapping is followed by tlb_flush_kernel, which makes
 * every CPU drop the old translation (a shootdown by IPI) before it
 * returns. User mappings have their own shootdown (vm.c, vm_flush_range):
 * the CPUs that have the env's page tables loaded drop the range. */
#include "../../kernel.h"
#include "../../cpu.h"
#include "../../vm.h"
#include "../../trap.h"
#include "../../spinlock.h"
#include "../../klock.h"
#include "../../sched.h"
#include "acpi.h"
#include "lapic.h"
#include "smp.h"
#include "x86.h"

#define TRAMP_PA 0x8000 /* trampoline.S's TRAMP_PA: a page of conventional memory below 1 MiB */

/* trampoline.S's data block, filled in before each start. */
struct tramp_data {
    u64 cr3;   /* the kernel's page tables */
    u64 stack; /* top of the AP's idle stack */
    u64 cpu;   /* its struct cpu */
};
extern const u8 tramp_start[], tramp_end[], tramp_data[];

u64 tlb_shootdowns;                /* kernel-half shootdowns that went to other CPUs (tests) */
u64 syscall_native_entry(void);    /* upcall.c */
static volatile bool smp_go;       /* the boot CPU let the APs into their slot loops */
static struct acpi_madt_info madt; /* written once by the boot CPU, before any AP starts */
static bool have_madt;

const struct acpi_madt_info *smp_madt(void)
{
    return have_madt ? &madt : NULL;
}

static void delay_us(u64 us)
{
    u64 t0 = rdtsc(), n = tsc_per_ms * us / 1000;
    while (rdtsc() - t0 < n)
        pause();
}

bool smp_wait_change(volatile u64 *p, u64 old, u64 ms)
{
    u64 t0 = rdtsc(), n = tsc_per_ms * ms;
    while (*p == old)
        if (rdtsc() - t0 > n)
            return false;
        else
            pause();
    return true;
}

/* Cross-CPU calls (smp_call_each). One caller at a time: call_lock is
 * held from posting the calls until the last target has finished, so each
 * CPU's mailbox holds at most one call. A mailbox's fn and arg are written
 * by the lock holder before it bumps seq (release) and sends the IPI; the
 * target runs fn(arg) in its IPI handler, then sets done = seq (release).
 * A call is finished when done == seq. fn runs with interrupts off and
 * must not call smp_call_each itself (the lock is held). */
static struct spinlock call_lock = SPINLOCK_INIT("smp call");
static struct {
    void (*fn)(void *);
    void *arg;
    volatile u64 seq, done;
} __aligned(64) mailbox[MAX_CPUS];

void smp_call_each(void (*fn)(void *), void *arg, bool self)
{
    u64 all = ncpu == 64 ? ~0UL : (1UL << ncpu) - 1, me = 1UL << cpu()->id;
    smp_call_mask(self ? all : all & ~me, fn, arg);
}

/* Takes call_lock. Its waiter lets cross-CPU calls in (the window of
 * klock.c's waits, task priority at class 14: only class 15 comes in):
 * the holder may wait for this CPU's answer to its own call, since local
 * calls (klock.c) on two CPUs may shoot down at the same time. */
static void call_lock_take(void)
{
    if (spin_holding(&call_lock))
        panic("smp_call_mask: nested");
    u32 t = __atomic_fetch_add(&call_lock.next, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&call_lock.owner, __ATOMIC_ACQUIRE) != t) {
        lapic_set_tpr(0xe0);
        while (__atomic_load_n(&call_lock.owner, __ATOMIC_ACQUIRE) != t)
            __asm__ volatile("pause; sti; nop; cli" ::: "memory");
        lapic_set_tpr(0);
    }
    call_lock.holder = cpu()->id;
}

void smp_call_mask(u64 mask, void (*fn)(void *), void *arg)
{
    call_lock_take();
    int me = cpu()->id;
    bool self = mask & (1UL << me);
    for (int i = 0; i < ncpu; i++) {
        if (i == me || !cpus[i].online || !(mask & (1UL << i)))
            continue;
        mailbox[i].fn = fn;
        mailbox[i].arg = arg;
        __atomic_store_n(&mailbox[i].seq, mailbox[i].seq + 1, __ATOMIC_RELEASE);
        /* The mailbox (and whatever the caller changed before, a page
         * table entry) is visible before the IPI arrives. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        lapic_send_ipi(cpus[i].apic_id, T_IPI_CALL);
    }
    if (self)
        fn(arg);
    for (int i = 0; i < ncpu; i++) {
        if (i == me || !cpus[i].online || !(mask & (1UL << i)))
            continue;
        while (__atomic_load_n(&mailbox[i].done, __ATOMIC_ACQUIRE) != mailbox[i].seq)
            pause();
    }
    spin_unlock(&call_lock);
}

void smp_ipi(struct cpu *c, u64 vector)
{
    if (vector == T_IPI_PING) {
        u64 rsp;
        __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
        c->ipi_rsp = rsp;
        c->ipi_count++;
    } else if (vector == T_IPI_CALL) {
        /* EOI first: fn may wait for the kernel lock (a unit test), whose
         * waiters halt until a T_IPI_WAKE, which needs the processor
         * priority below class 15. A call cannot come again meanwhile (its
         * caller waits for done), but an interrupt in the lock's wait
         * could bring this CPU back here: in_call keeps fn from nesting. */
        lapic_eoi();
        if (c->in_call)
            return;
        c->in_call = true;
        u64 seq = __atomic_load_n(&mailbox[c->id].seq, __ATOMIC_ACQUIRE);
        if (mailbox[c->id].done != seq) {
            mailbox[c->id].fn(mailbox[c->id].arg);
            __atomic_store_n(&mailbox[c->id].done, seq, __ATOMIC_RELEASE);
        }
        c->in_call = false;
        return;
    }
    lapic_eoi();
}

/* Drops this CPU's translations of [va, va + n pages) of the kernel half
 * (global pages: a CR3 reload would keep them; toggling CR4.PGE drops all). */
static void flush_local(vaddr_t va, u64 n)
{
    if (n > 32) {
        u64 cr4 = read_cr4();
        write_cr4(cr4 & ~CR4_PGE);
        write_cr4(cr4);
        return;
    }
    for (u64 i = 0; i < n; i++)
        invlpg(va + i * PAGE_SIZE);
}

struct flush_range {
    vaddr_t va;
    u64 n;
};

static void flush_call(void *arg)
{
    const struct flush_range *r = arg;
    flush_local(r->va, r->n);
}

void tlb_flush_kernel(vaddr_t va, u64 n)
{
    struct flush_range r = {va, n};
    if (ncpu == 1) {
        flush_local(va, n);
        return;
    }
    smp_call_each(flush_call, &r, true); /* one IPI per CPU for the whole range */
    tlb_shootdowns++;
}

static __noreturn void idle(void)
{
    for (;;)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* An AP's first C code (trampoline.S's ap_entry64), on its idle stack and
 * the kernel's page tables, interrupts off. */
void ap_main(struct cpu *c);
void ap_main(struct cpu *c)
{
    wrmsr(MSR_GS_BASE, (u64)c);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    gdt_init(c); /* its GDT and TSS (kernel and IST stacks), the syscall MSRs */
    idt_init();  /* the shared IDT */
    cpu_features(false);
    lapic_init(); /* its timer, with lapic_ticks_per_period from the boot CPU */
    __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
    /* Until every CPU is up, idle; then run this CPU's slot vector, under
     * the kernel lock like any kernel code that touches envs (klock.c). */
    while (!__atomic_load_n(&smp_go, __ATOMIC_ACQUIRE))
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    wrmsr(MSR_LSTAR, syscall_native_entry()); /* the entry that takes the lock (klock_on is set) */
    klock_acquire();
    sched_loop_until(NULL);
    idle();
}

/* Starts the AP behind c (c->apic_id, c->id set); true once it is up. */
static bool start_ap(struct cpu *c)
{
    struct tramp_data *td = P2V(TRAMP_PA + (u64)(tramp_data - tramp_start));
    td->cr3 = kernel_pml4;
    td->stack = cpu_idle_stack_top(c->id);
    td->cpu = (u64)c;
    lapic_send_init(c->apic_id);
    delay_us(10000);
    for (int i = 0; i < 2 && !__atomic_load_n(&c->online, __ATOMIC_ACQUIRE); i++) {
        lapic_send_startup(c->apic_id, TRAMP_PA); /* ignored if it already started */
        delay_us(200);
    }
    /* A slow virtual CPU (QEMU on a loaded host) may take a while. */
    u64 t0 = rdtsc();
    while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
        if (rdtsc() - t0 > tsc_per_ms * 5000) {
            lapic_send_init(c->apic_id); /* back to waiting: it must not run later */
            return false;
        }
    return true;
}

void smp_init(const struct acpi_madt_info *mi)
{
    cpus[0].online = true;
    if (!mi) {
        kprintf("smp: no MADT, one CPU\n");
        return;
    }
    madt = *mi;
    have_madt = true;
    kprintf("acpi: MADT: %u CPU%s (apic ids", madt.ncpu, madt.ncpu > 1 ? "s" : "");
    for (u32 i = 0; i < madt.ncpu; i++)
        kprintf(" %u", madt.apic_id[i]);
    kprintf("%s), %u I/O APIC%s", madt.ncpu_ignored ? ", more ignored" : "", madt.nioapic,
            madt.nioapic == 1 ? "" : "s");
    for (u32 i = 0; i < madt.nioapic; i++)
        kprintf(" (id %u at %x, GSI %u)", madt.ioapic[i].id, madt.ioapic[i].pa,
                madt.ioapic[i].gsi_base);
    kprintf(", %u interrupt override%s\n", madt.niso, madt.niso == 1 ? "" : "s");
    memcpy(P2V(TRAMP_PA), tramp_start, (size_t)(tramp_end - tramp_start));
    for (u32 i = 0; i < madt.ncpu; i++) {
        if (madt.apic_id[i] == cpus[0].apic_id)
            continue;
        struct cpu *c = &cpus[ncpu];
        memset(c, 0, sizeof *c);
        c->self = c;
        c->id = ncpu;
        c->apic_id = madt.apic_id[i];
        if (start_ap(c)) {
            kprintf("smp: cpu %d (apic %u) up\n", c->id, c->apic_id);
            ncpu++;
        } else {
            kprintf("smp: cpu with apic %u did not start\n", c->apic_id);
            memset(c, 0, sizeof *c);
        }
    }
    if (ncpu > 1) {
        /* Envs run on every CPU from now on. PCIDs are not used: a CPU that
         * does not have an env's page tables loaded must keep no translation
         * of them (the user TLB shootdown, vm.c, asks only the CPUs that
         * have them loaded). The boot CPU holds the kernel lock from here
         * on whenever it runs kernel code (klock.c). */
        cpu_has_pcid = false;
        klock_on = true;
        klock_acquire();
        wrmsr(MSR_LSTAR, syscall_native_entry()); /* the entry that takes the lock */
        __atomic_store_n(&smp_go, true, __ATOMIC_RELEASE);
        kprintf("smp: %d CPUs running, each with its own time-slot vector\n", ncpu);
    }
}
