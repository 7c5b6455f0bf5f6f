/* Per-CPU state. Each CPU's GS base points at its struct cpu while in the
 * kernel (swapgs on every entry from user mode), so cpu() costs one load. */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include "types.h"
#include "spinlock.h"

#define MAX_CPUS 16

/* Kernel stacks. Each sits just above a guard page that the kernel's page
 * tables leave unmapped (vm_init), so an overflow faults at once; the fault
 * cannot be delivered on the overflowing stack and becomes a double fault,
 * handled on its own IST stack, which reports "kernel stack overflow". */
#define KSTACK_SIZE     (16 * 1024) /* per CPU: entries from user mode */
#define IST_STACK_SIZE  (8 * 1024)  /* per CPU: #DF, NMI, #MC */
#define BOOT_STACK_SIZE (32 * 1024) /* the boot CPU's: kmain and the env runner (boot.S) */
#define IDLE_STACK_SIZE (16 * 1024) /* each application processor's: its idle loop (smp.c) */

struct tss {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
} __packed;

/* Callee-saved registers of a kernel context (kcontext_save in entry.S). */
struct kcontext {
    u64 rsp, rbx, rbp, r12, r13, r14, r15, rip;
};

struct env;
struct trapframe;

struct cpu {
    struct cpu *self; /* offset 0: lets cpu() read %gs:0 */
    u64 kstack_top;   /* offset 8: stack for syscall/trap entry from user */
    u64 scratch_rsp;  /* offset 16: user rsp saved by the syscall entry */
    u64 utf_top;      /* offset 24: end of the running env's trap frame (also TSS.rsp0) */
    int id;           /* index in cpus[] */
    u32 apic_id;
    struct env *env;          /* environment running (or last run) on this CPU */
    struct kcontext sched;    /* where env_run() returns when an env stops running */
    u64 ticks;                /* timer interrupts taken on this CPU */
    u64 ticks_nolock;         /* of them, from user mode without the kernel lock (trap.c) */
    struct trapframe *cur_tf; /* frame of the kernel call being served */
    /* The time-slot vector (sched.c); touched only by this CPU. */
    u32 slot_owner[64]; /* env id per position (NSLOTS), 0 = free */
    u64 slot_mask;      /* bit p set when position p is owned */
    u32 slot_gen[64];   /* per position, bumps whenever it is freed (slot capabilities name it) */
    u32 slot_overruns[64]; /* per position: slots ended by force after the grace period (sys_stat)
                            */
    struct env *root;      /* the env sched_loop_until() watches (NULL: none) */
    struct env *fpu_owner; /* whose x87/SSE state the CPU's registers hold */
    bool fpu_ts;           /* CR0.TS is set (the registers are not the running env's) */
    int slot_pos;          /* position of the current slot */
    u64 slot_end;          /* tick at which the current slot ends */
    u64 grace_end;         /* tick at which the epilogue grace period ends (0: none) */
    u64 tick_tsc;          /* TSC when the last timer interrupt was taken (trap.c) */
    u32 grace_late;        /* late ticks not counted in this grace period (<= GRACE_LATE_MAX) */
    u32 grace_stalls;      /* test mode: stalls still to inject in this grace period (sched.c) */
    /* The foreign-ABI switch (cpu_set_env): whether MSR_LSTAR points at
     * syscall_foreign_entry (the running env is foreign-ABI) or at
     * syscall_entry, and the FS base the CPU holds. Touched by this CPU only. */
    bool lstar_foreign;
    u64 fs_base;
    /* Multiprocessor (smp.c). online: set by the CPU itself once it takes
     * interrupts (read by the boot CPU). ipi_count, ipi_rsp: written by this
     * CPU's IPI_PING handler only, read by the SMP unit test. */
    volatile bool online;
    bool in_call; /* it runs a cross-CPU call's function (smp.c) */
    volatile u64 ipi_count;
    volatile u64 ipi_rsp;
    /* The kernel lock (klock.c). klock_node: this CPU's place in its queue;
     * klock_held: it holds it. in_user: it runs user code (set just before
     * the return to user mode, cleared at the entry before it queues; read
     * by klock_evict on another CPU). env_lost: the env it runs was torn
     * down by another CPU (written by that CPU under the lock, read and
     * cleared by this one under it). idle: it halts in its slot loop with
     * nothing to run (klock_wake_idle kicks it). */
    struct mcs_node klock_node;
    bool klock_held;
    u64 klock_halts; /* waits for the lock that halted (klock.c, wait_turn) */
    volatile bool in_user;
    volatile bool env_lost;
    volatile bool idle;
    u64 gdt[8] __aligned(16);
    struct tss tss __aligned(16);
    /* (Last, so that the fields above keep the offsets the one-CPU paths
     * were tuned with.) */
    /* vm.c's last-page-table cache: this CPU's own (see there). */
    struct {
        paddr_t pml4;   /* 0: none */
        vaddr_t region; /* va >> 21 */
        u64 *pt;
    } last_pt;
    /* Its local lock (klock.c, "Local calls"): set while this CPU runs a
     * local call's section; read by the kernel lock's holder. */
    volatile u32 local_active;
};

extern struct cpu cpus[MAX_CPUS];
extern int ncpu;

static inline struct cpu *cpu(void)
{
    struct cpu *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

static inline struct env *cpu_env(void)
{
    return cpu()->env;
}

void cpu_init_bsp(void);
/* Sets this CPU's control-register features (main.c); report: print them. */
void cpu_features(bool report);
void gdt_init(struct cpu *c);
/* Top of application processor id's idle stack (gdt.c, with its guard page). */
u64 cpu_idle_stack_top(int id);
/* The name of the kernel stack whose guard page holds va ("cpu 0 kernel
 * stack", ...), or NULL if va is in no guard page. */
const char *kstack_guard_name(u64 va);

/* entry.S: like setjmp/longjmp for kernel contexts. kcontext_save returns 0;
 * a later kcontext_jump to the same context makes it return 1. */
int kcontext_save(struct kcontext *c) __attribute__((returns_twice));
void kcontext_jump(struct kcontext *c) __noreturn;

#endif
