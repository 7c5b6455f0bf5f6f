#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include "../../types.h"

#define TIMER_HZ 1000

void lapic_init(void);
void lapic_eoi(void);
u32 lapic_id(void);
extern u32 lapic_ticks_per_period;
extern u64 tsc_per_ms;
/* The TSC per ms measured again against the PIT (0 if it cannot be): a
 * check of the calibration (ktest.c). Uses PIT channel 2. */
u64 lapic_measure_tsc_per_ms(void);

#endif
