/* The I/O APIC: routes device interrupt lines to a CPU's local APIC. Only
 * the ISA lines Spinel uses are routed (the console's); everything else
 * stays masked. The legacy 8259 PICs are masked (lapic.c).
 *
 * PCI INTx lines (pci_intx_route) are routed too, level triggered.
 *
 * Assumes the identity mapping of ISA IRQs 1-15 to inputs 1-15 that PC
 * firmware sets up (QEMU's only override is IRQ 0 -> input 2, the PIT, which
 * Spinel does not use). The ACPI MADT is read at boot (acpi.c; the boot
 * log lists its I/O APICs and overrides), but only the first I/O APIC, at
 * IOAPIC_PA, is driven, and the overrides are not applied yet. */
#include "../../kernel.h"
#include "ioapic.h"

#define IOREGSEL    0x00
#define IOWIN       0x10
#define IOAPICVER   0x01
#define IOREDTBL(n) (0x10 + 2 * (n))
#define RTE_MASKED  (1u << 16)
#define RTE_NMI     (4u << 8) /* delivery mode NMI */

static volatile u32 *ioapic;
static u32 ninputs;

static u32 rd(u32 reg)
{
    ioapic[IOREGSEL / 4] = reg;
    return ioapic[IOWIN / 4];
}

static void wr(u32 reg, u32 v)
{
    ioapic[IOREGSEL / 4] = reg;
    ioapic[IOWIN / 4] = v;
}

bool ioapic_init(void)
{
    ioapic = P2V(IOAPIC_PA);
    u32 ver = rd(IOAPICVER);
    /* Version 0x1x or 0x2x, at least 16 inputs; all ones means nothing there. */
    if (ver == 0xffffffff || (ver & 0xff) < 0x10 || (ver & 0xff) > 0x2f ||
        ((ver >> 16) & 0xff) < 15) {
        ioapic = NULL;
        return false;
    }
    ninputs = ((ver >> 16) & 0xff) + 1;
    for (u32 i = 0; i < ninputs; i++) {
        wr(IOREDTBL(i) + 1, 0);
        wr(IOREDTBL(i), RTE_MASKED);
    }
    return true;
}

void ioapic_route(u32 irq, u32 vector, u32 apic_id, bool enable)
{
    if (!ioapic || irq >= ninputs)
        return;
    wr(IOREDTBL(irq) + 1, apic_id << 24);
    /* fixed delivery, physical destination, active high, edge triggered */
    wr(IOREDTBL(irq), (vector & 0xff) | (enable ? 0 : RTE_MASKED));
}

#define RTE_LEVEL (1u << 15) /* level triggered (the device holds it until served) */

void ioapic_route_level(u32 irq, u32 vector, u32 apic_id)
{
    if (!ioapic || irq >= ninputs)
        return;
    wr(IOREDTBL(irq) + 1, apic_id << 24);
    wr(IOREDTBL(irq), (vector & 0xff) | RTE_LEVEL); /* fixed, physical, active high */
}

/* Delivers input irq to the local APIC apic_id as an NMI (edge triggered;
 * the vector is ignored), or masks it again. For tests of the NMI path. */
void ioapic_route_nmi(u32 irq, u32 apic_id, bool enable)
{
    if (!ioapic || irq >= ninputs)
        return;
    wr(IOREDTBL(irq) + 1, apic_id << 24);
    wr(IOREDTBL(irq), RTE_NMI | (enable ? 0 : RTE_MASKED));
}
