#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include "../../types.h"

#define IOAPIC_PA 0xfec00000UL /* where PC firmware (and QEMU) puts the first I/O APIC */

/* Masks every input; false if no I/O APIC answers at IOAPIC_PA. */
bool ioapic_init(void);
/* Delivers ISA interrupt `irq` (edge, active high) as `vector` to the local
 * APIC `apic_id`, or masks it. */
void ioapic_route(u32 irq, u32 vector, u32 apic_id, bool enable);
/* Delivers input `irq` level triggered, active high (a PCI INTx line as
 * QEMU's firmware routes it to the ISA inputs 5, 9, 10, 11, and as its MADT
 * overrides describe them) as `vector` to the local APIC `apic_id`. */
void ioapic_route_level(u32 irq, u32 vector, u32 apic_id);
/* Delivers input `irq` (edge) as an NMI to the local APIC `apic_id`, or masks it. */
void ioapic_route_nmi(u32 irq, u32 apic_id, bool enable);

#endif
