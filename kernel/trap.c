/* Exception and interrupt dispatch. Kernel code runs with interrupts
 * disabled; user code runs with them enabled. */
#include "kernel.h"
#include "trap.h"
#include "cpu.h"
#include "env.h"
#include "klock.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/smp.h"
#include "notify.h"
#include "sched.h"
#include "ext.h"
#include "uaccess.h"
#include "dev/pci.h"

static const char *const names[32] = {
    "divide error (#DE)",
    "debug (#DB)",
    "NMI",
    "breakpoint (#BP)",
    "overflow (#OF)",
    "bound range (#BR)",
    "invalid opcode (#UD)",
    "device not available (#NM)",
    "double fault (#DF)",
    "coprocessor overrun",
    "invalid TSS (#TS)",
    "segment not present (#NP)",
    "stack fault (#SS)",
    "general protection (#GP)",
    "page fault (#PF)",
    "reserved 15",
    "x87 floating point (#MF)",
    "alignment check (#AC)",
    "machine check (#MC)",
    "SIMD floating point (#XM)",
    "virtualization (#VE)",
    "control protection (#CP)",
};

const char *trap_name(u64 v)
{
    if (v < 32 && names[v])
        return names[v];
    if (v == T_SYSCALL)
        return "syscall";
    return v < 256 ? "interrupt" : "unknown";
}

bool trap_from_user(const struct trapframe *tf)
{
    return (tf->cs & 3) == 3;
}

static bool fixup(struct trapframe *tf)
{
    extern struct ex_entry __ex_table_start[], __ex_table_end[];
    for (struct ex_entry *x = __ex_table_start; x < __ex_table_end; x++) {
        if (x->insn == tf->rip) {
            tf->rip = x->fixup;
            return true;
        }
    }
    return false;
}

/* A fault in user mode goes to the env's handler as an upcall; without a
 * handler (or a usable exception stack) the env is destroyed. */
static void user_fault(struct trapframe *tf)
{
    struct env *e = cpu()->env;
    u64 cr2 = tf->vector == T_PF ? read_cr2() : 0;
    /* Verified handlers in the kernel first: they may spare the upcall. */
    if (unlikely(e->ext_hooks)) {
        if (tf->vector == T_PF && (e->ext_hooks & EXT_HOOK_BIT_PAGEFAULT) &&
            ext_page_fault(e, tf, cr2))
            return;
        if (tf->vector != T_PF && (e->ext_hooks & EXT_HOOK_BIT_EXCEPTION) && ext_exception(e, tf))
            return;
    }
    int r = upcall_push(e, tf, tf->vector == T_PF ? UPCALL_PAGEFAULT : UPCALL_EXCEPTION, tf->vector,
                        tf->error, cr2);
    if (r == 0)
        return;
    e->fault_vector = tf->vector;
    if (r == -E_FAULT)
        env_kill(e, STOP_FAULT, "%s at rip %lx with an unusable exception stack",
                 trap_name(tf->vector), tf->rip);
    if (tf->vector == T_PF) {
        u64 err = tf->error;
        env_kill(e, STOP_FAULT, "%s at address %lx (%s, %s%s) rip %lx", trap_name(T_PF), cr2,
                 err & PF_I   ? "execute"
                 : err & PF_W ? "write"
                              : "read",
                 err & PF_P ? "protection violation" : "not mapped",
                 cr2 >= USER_TOP ? ", kernel address" : "", tf->rip);
    }
    env_kill(e, STOP_FAULT, "%s at rip %lx, error code %lx", trap_name(tf->vector), tf->rip,
             tf->error);
}

/* Entries into a handler with RFLAGS.AC set, i.e. with SMAP off in the
 * kernel (entry.S clears AC first: this stays 0; the test runner checks).
 * Without SMAP there is no clac, and AC means nothing in ring 0. */
u64 trap_ac_entries;

static void check_ac(void)
{
    if (unlikely(cpu_has_smap && (read_rflags() & RFLAGS_AC)))
        trap_ac_entries++;
}

/* NMIs taken (from user mode: nmi_user), and how many the log has reported.
 * Written only by nmi_trap (NMIs do not nest); read by the timer tick. */
volatile u64 nmi_count, nmi_user;
static u64 nmi_logged;
bool nmi_quiet; /* a test sends NMIs on purpose: do not log them */

/* An NMI, from user or kernel mode (entry.S, on the NMI stack): the
 * machine's event, not the env's. Nothing here may use cpu() (GS may be the
 * user's), take a lock or touch an env; it is counted, the next timer tick
 * logs it, and the interrupted code resumes untouched. */
void nmi_trap(struct trapframe *tf)
{
    check_ac();
    nmi_count++;
    if (trap_from_user(tf))
        nmi_user++;
}

/* A double fault (entry.S, on its own stack): fatal. A page fault on a
 * kernel stack's guard page is a kernel stack overflow. */
void double_fault(struct trapframe *tf)
{
    const char *stack = kstack_guard_name(read_cr2());
    if (!stack)
        stack = kstack_guard_name(tf->rsp);
    if (stack) {
        static char why[96];
        ksnprintf(why, sizeof why, "kernel stack overflow (%s)", stack);
        panic_trap(tf, why);
    }
    panic_trap(tf, trap_name(T_DF));
}

/* A machine check (entry.S, on its own stack), from user or kernel mode: the
 * hardware's error, never an env's fault. */
void machine_check(struct trapframe *tf)
{
    panic_trap(tf, trap_name(T_MC));
}

/* The SMAP test (kernel/smap-probe in ktest.c): while smap_probe is set,
 * every trap from user mode reads the env's info page (a user page) without
 * stac. With SMAP on in the handler the read faults (and the exception table
 * catches it); a read that works means the kernel ran with SMAP off. */
bool smap_probe;
u64 smap_probe_faulted, smap_probe_read;

/* A timer tick: this CPU's count and grace-period accounting (per CPU:
 * no lock), and the NMI log. */
static void count_tick(struct cpu *c)
{
    c->ticks++;
    /* A tick taken late (over 1.5 periods after the last one) means the
     * CPU itself did not run meanwhile: a virtual CPU its host did not
     * schedule (QEMU on a loaded machine), or the kernel with interrupts
     * off. The env in its epilogue grace period had none of that time, so
     * the tick does not count against it (sched_tick). At most
     * GRACE_LATE_MAX of them: an env must not stretch its grace period for
     * ever through kernel calls that keep interrupts off. */
    u64 now = rdtsc();
    if (c->grace_end && now - c->tick_tsc > tsc_per_ms * 1000 / TIMER_HZ * 3 / 2 &&
        c->grace_late < GRACE_LATE_MAX) {
        c->grace_end++;
        c->grace_late++;
    }
    c->tick_tsc = now;
    if (unlikely(nmi_count != nmi_logged) && !nmi_quiet && c->id == 0) { /* one logger */
        kprintf("nmi: %lu NMI(s) received (%lu in user mode), ignored\n", nmi_count - nmi_logged,
                nmi_user);
        nmi_logged = nmi_count;
    }
}

/* A timer tick from user mode with several CPUs (entry.S, before the
 * kernel lock): the common tick, one that ends nothing (not the slot, not
 * a grace period, not the env's deadline), touches only this CPU's own
 * state (struct cpu) and the local APIC, so it is handled here without the
 * kernel lock and the env resumes; 1. Any other tick answers 0, having
 * changed nothing, and takes the locked path (trap). The env's deadline is
 * read without the lock: envs[] is never freed, and a stale value only
 * sends the tick down the locked path, or lets the env run one more tick
 * (a teardown on another CPU meanwhile kicks this CPU in: klock_evict). */
u64 trap_tick_nolock(struct trapframe *tf);
u64 trap_tick_nolock(struct trapframe *tf)
{
    struct cpu *c = cpu();
    struct env *e = c->env;
    (void)tf;
    check_ac();
    if (!e || c->grace_end || c->ticks + 1 >= c->slot_end || unlikely(smap_probe))
        return 0;
    u64 deadline = __atomic_load_n(&e->deadline_tick, __ATOMIC_RELAXED);
    if (deadline && c->ticks + 1 >= deadline)
        return 0;
    count_tick(c);
    lapic_eoi();
    c->ticks_nolock++;
    return 1;
}

void trap(struct trapframe *tf)
{
    struct cpu *c = cpu();
    check_ac();
    if (unlikely(smap_probe) && trap_from_user(tf)) {
        if (uaccess_probe(ENV_INFO_VA) == 0)
            smap_probe_read++;
        else
            smap_probe_faulted++;
    }
    switch (tf->vector) {
    case T_TIMER: {
        count_tick(c);
        lapic_eoi();
        if (trap_from_user(tf) && c->env) {
            if (c->env->deadline_tick && c->ticks >= c->env->deadline_tick)
                env_kill(c->env, STOP_TIMEOUT, "timed out (ran past its deadline)");
            sched_tick(tf);
        }
        return;
    }
    case T_SPURIOUS:
        return;
    case T_IPI_PING:
    case T_IPI_CALL:
        smp_ipi(c, tf->vector); /* a test's ping, a cross-CPU call (a TLB shootdown) */
        return;
    case T_IPI_KICK:
        lapic_eoi(); /* its work was klock_enter's, or ending the idle halt */
        return;
    case T_IPI_WAKE:
        lapic_eoi(); /* its work was ending a halt in the kernel lock's acquire */
        return;
    case T_IRQ_COM1: {
        bool take = !klock_holding(); /* taken in the slot loop's halt */
        if (take)
            klock_acquire();
        dev_console_intr(); /* may wake an env: it runs in its next slot */
        lapic_eoi();
        if (take)
            klock_release();
        return;
    }
    }
    if (tf->vector >= T_IRQ_DEV_FIRST && tf->vector < T_IRQ_DEV_FIRST + T_IRQ_DEV_COUNT) {
        bool take = !klock_holding();
        if (take)
            klock_acquire();
        pci_irq_dispatch(tf->vector); /* a driver's handler (kernel/dev/pci.c); it may wake envs */
        if (take)
            klock_release();
        return;
    }
    if (tf->vector == T_NM && trap_from_user(tf) && c->env) {
        fpu_switch(); /* lazy x87/SSE switch (sched.c) */
        return;
    }
    if (tf->vector < 32) {
        /* NMI, #DF and #MC have entries of their own and never come here. */
        if (trap_from_user(tf) && tf->vector != T_NMI && tf->vector != T_DF && tf->vector != T_MC) {
            user_fault(tf);
            return;
        }
        if ((tf->vector == T_PF || tf->vector == T_GP) && fixup(tf))
            return;
        panic_trap(tf, trap_name(tf->vector));
    }
    kprintf("trap: unexpected interrupt vector %lu\n", tf->vector);
    lapic_eoi();
}
