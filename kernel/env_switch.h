/* Switching this CPU to an env: inline, for the switch paths that count
 * (sched.c's yield and block, pct.c's call and reply); cpu_set_env (sched.c)
 * is the same out of line. */
#ifndef KERNEL_ENV_SWITCH_H
#define KERNEL_ENV_SWITCH_H

#include "kernel.h"
#include "cpu.h"
#include "env.h"
#include "vm.h"
#include "klock.h"
#include "arch/x86_64/x86.h"

void foreign_switch(struct cpu *c, struct env *e); /* upcall.c */
u64 syscall_native_entry(void);                    /* upcall.c: MSR_LSTAR for native envs */
/* With several CPUs (klock_on): saves the x87/SSE state this CPU holds into
 * its owner and leaves the registers to nobody (sched.c). */
void fpu_give_back(struct cpu *c);

/* Loads e's address space. With PCIDs, TLB entries tagged with e's PCID
 * survive the switch unless e's page tables changed while it was not loaded.
 * Inline: it is on every switch's path (PCT, yield). */
static inline void env_load_cr3(struct env *e)
{
    if (!cpu_has_pcid || !e->pcid) {
        if (read_cr3() != e->pml4) /* vm_switch, inline */
            write_cr3(e->pml4);
        return;
    }
    u64 cr3 = e->pml4 | e->pcid;
    if (!e->tlb_stale)
        cr3 |= 1UL << 63; /* keep this PCID's entries */
    e->tlb_stale = false;
    if (read_cr3() != (cr3 & ~(1UL << 63)))
        write_cr3(cr3);
}

/* Makes e the env CPU c (this one) runs: its address space, and its active
 * frame (the protected-entry frame while it serves a call) as the place
 * where the next entry from user mode saves its context. */
static inline __attribute__((always_inline)) void set_env_on(struct cpu *c, struct env *e)
{
    if (c->env != e) { /* which CPU runs which env (env.h, on_cpu) */
        if (c->env)
            c->env->on_cpu = -1;
        e->on_cpu = c->id;
        if (unlikely(klock_on) && c->fpu_owner && c->fpu_owner != e)
            fpu_give_back(c); /* another CPU may run that env next: its state to memory */
    }
    c->env = e;
    /* (16-byte aligned: tf and pct_tf are declared so, see env.h) */
    c->utf_top = (u64)(env_in_pct(e) ? &e->pct_tf : &e->tf) + sizeof(struct trapframe);
    c->tss.rsp[0] = c->utf_top;
    env_load_cr3(e);
    /* Foreign-ABI envs (upcall.c) have a syscall entry of their own, and
     * an env may have an FS base (a Linux program's thread pointer):
     * switched only when they differ, so native envs pay two compares. */
    if (unlikely((e->foreign_entry != 0) != c->lstar_foreign || e->fs_base != c->fs_base))
    /* foreign_switch, through entry.S's foreign_switch_keep, which keeps
     * every register: a call the compiler does not see, so the fast
     * paths that inline this stay leaf functions (no frame, no saved
     * registers) on their common path. */
    {
        /* (in r10 and r11, which no argument of the fast paths uses: the
         * compiler need not move their arguments out of the way) */
        register struct cpu *c_ __asm__("r10") = c;
        register struct env *e_ __asm__("r11") = e;
        __asm__ volatile("call foreign_switch_keep" : : "r"(c_), "r"(e_) : "memory", "cc");
    }
    /* The x87/SSE registers follow the env. An env known to use them is
     * switched at once; for the others CR0.TS is set while the registers
     * hold another env's state, and the first x87/SSE instruction traps (#NM)
     * to fpu_switch(): an env that never uses them (a PCT server, say) costs
     * nothing. The kernel itself never uses them. */
    if (c->fpu_owner == e) { /* the registers are e's: TS clear */
        if (c->fpu_ts) {
            __asm__ volatile("clts");
            c->fpu_ts = false;
        }
    } else if (e->fpu_used) { /* a known user: switch now, no trap */
        if (c->fpu_ts) {
            __asm__ volatile("clts");
            c->fpu_ts = false;
        }
        if (c->fpu_owner)
            __asm__ volatile("fxsave64 %0" : "=m"(c->fpu_owner->fpu));
        __asm__ volatile("fxrstor64 %0" ::"m"(e->fpu));
        c->fpu_owner = e;
    } else if (!c->fpu_ts) { /* another env's registers: TS set */
        write_cr0(read_cr0() | CR0_TS);
        c->fpu_ts = true;
    }
}

/* set_env for this CPU, when the caller has no struct cpu at hand. */
static inline __attribute__((always_inline)) void set_env(struct env *e)
{
    set_env_on(cpu(), e);
}

#endif
