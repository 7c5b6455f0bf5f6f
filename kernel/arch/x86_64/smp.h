/* The application processors (smp.c). */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include "../../types.h"

struct cpu;
struct acpi_madt_info;

/* Starts every CPU the MADT lists besides the boot CPU, one at a time
 * (INIT-SIPI-SIPI), each in its idle loop once up; ncpu counts those that
 * came up. Without a MADT (mi NULL) the machine has one CPU. */
void smp_init(const struct acpi_madt_info *mi);
/* The MADT read at boot, or NULL (for tests). */
const struct acpi_madt_info *smp_madt(void);
/* The IPI handler (trap.c) for T_IPI_PING (counted in c->ipi_count) and
 * T_IPI_CALL (runs this CPU's posted call); ends with the EOI. */
void smp_ipi(struct cpu *c, u64 vector);
/* Runs fn(arg) on every other CPU that is up (and on this one too, at the
 * same time, if self), each with interrupts off in its IPI handler; returns
 * once all have finished. Callers are serialized; fn must not call it. */
void smp_call_each(void (*fn)(void *), void *arg, bool self);
/* The same on the CPUs whose bit is set in mask (this one's included). */
void smp_call_mask(u64 mask, void (*fn)(void *), void *arg);
/* After a change to existing kernel-half mappings [va, va + n pages): every
 * CPU drops its translations of them (a full flush past 32 pages) before
 * this returns. */
void tlb_flush_kernel(vaddr_t va, u64 n);
extern u64 tlb_shootdowns;
/* Waits up to ms milliseconds (TSC) for *p to differ from old; true if it did. */
bool smp_wait_change(volatile u64 *p, u64 old, u64 ms);

#endif
