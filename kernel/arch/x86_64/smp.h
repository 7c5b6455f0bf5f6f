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
/* The IPI_PING handler (trap.c): counts the ping on this CPU. */
void smp_ping(struct cpu *c);
/* Waits up to ms milliseconds (TSC) for *p to differ from old; true if it did. */
bool smp_wait_change(volatile u64 *p, u64 old, u64 ms);

#endif
