#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include "../../types.h"

#define TIMER_HZ 1000

void lapic_init(void);
void lapic_eoi(void);
/* Task priority: interrupts of priority class (vector >> 4) at or below tpr >> 4
 * are held back (klock.c raises it while spinning with interrupts on). */
void lapic_set_tpr(u32 tpr);
/* Processor priority: the class below which (vector >> 4 <= ppr >> 4)
 * nothing is delivered now (the TPR, or the highest interrupt in service). */
u32 lapic_ppr(void);
u32 lapic_id(void);
/* The timer for a tickless idle: one interrupt tsc TSC ticks from now, or
 * none (0); lapic_timer_periodic brings back the periodic tick. */
void lapic_timer_oneshot(u64 tsc);
void lapic_timer_periodic(void);
/* Interprocessor interrupts to the local APIC apic_id: a fixed vector; an
 * INIT (the CPU waits for a startup IPI); a startup IPI, which starts it in
 * real mode at entry (page-aligned, below 1 MiB). Interrupts off. */
void lapic_send_ipi(u32 apic_id, u32 vector);
void lapic_send_init(u32 apic_id);
void lapic_send_startup(u32 apic_id, paddr_t entry);
extern u32 lapic_ticks_per_period;
extern u64 tsc_per_ms;
/* The TSC per ms measured again against the PIT (0 if it cannot be): a
 * check of the calibration (ktest.c). Uses PIT channel 2. */
u64 lapic_measure_tsc_per_ms(void);

#endif
