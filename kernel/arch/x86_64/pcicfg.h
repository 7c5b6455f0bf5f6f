/* PCI configuration space through the PC's I/O ports 0xcf8/0xcfc
 * ("configuration mechanism #1"), and the x86 encoding of an MSI message.
 * The bus code (kernel/dev/pci.c) is machine independent and uses only
 * these. */
#ifndef ARCH_PCICFG_H
#define ARCH_PCICFG_H

#include "../../types.h"

/* A 32-bit register of function bus:dev.fn at byte offset off (off < 256,
 * a multiple of 4). A function that is not there reads as all ones. */
u32 pcicfg_read32(u32 bus, u32 dev, u32 fn, u32 off);
void pcicfg_write32(u32 bus, u32 dev, u32 fn, u32 off, u32 v);

/* The address and data that deliver an MSI (or MSI-X) message as interrupt
 * `vector` to the local APIC apic_id: fixed delivery, edge triggered. */
void msi_message(u32 apic_id, u32 vector, u64 *addr, u32 *data);

#endif
