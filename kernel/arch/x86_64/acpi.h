/* ACPI, only as far as the multiprocessor needs it: the RSDP, the RSDT or
 * XSDT, and the MADT (the local APICs, that is the CPUs, and the I/O APICs).
 * Every table is checked (signature, length, checksum) before a field of it
 * is believed; a malformed table makes the lookup fail, never the kernel. */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include "../../types.h"
#include "../../cpu.h"

#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_ISOS    16

/* What the MADT says. */
struct acpi_madt_info {
    u32 lapic_pa;          /* local APIC registers (the override, if any) */
    u32 ncpu;              /* usable local APICs (enabled or online-capable), <= MAX_CPUS */
    u32 ncpu_ignored;      /* usable ones beyond MAX_CPUS, or with a repeated id */
    u32 apic_id[MAX_CPUS]; /* in MADT order: the boot CPU's is among them */
    u32 nioapic;
    struct {
        u32 id, pa, gsi_base;
    } ioapic[ACPI_MAX_IOAPICS];
    u32 niso; /* interrupt source overrides: ISA irq -> global system interrupt */
    struct {
        u8 irq;
        u16 flags;
        u32 gsi;
    } iso[ACPI_MAX_ISOS];
};

/* Where a reader of physical memory gets its bytes: map(ctx, pa, len)
 * returns a pointer to [pa, pa + len), or NULL if that range cannot be read.
 * The kernel's reads the direct map (acpi_init); the unit tests' read
 * synthetic tables in a buffer. */
struct acpi_mem {
    const void *(*map)(void *ctx, u64 pa, u64 len);
    void *ctx;
};

/* Error codes of the lookups (negative; 0 is success). */
#define ACPI_E_NORSDP  1 /* no RSDP with a good signature and checksum */
#define ACPI_E_BADROOT 2 /* the RSDT/XSDT is unreadable or malformed */
#define ACPI_E_NOMADT  3 /* the root table names no good MADT */
#define ACPI_E_BADMADT 4 /* the MADT's entries are malformed */

/* The offset of the first good RSDP on a 16-byte boundary of area[0, len),
 * or -1. A good RSDP: "RSD PTR " and its 20-byte checksum, and for revision
 * >= 2 a length within the area and the extended checksum too. */
long acpi_scan_rsdp(const u8 *area, u64 len);
/* Follows the RSDP at rsdp_pa (the XSDT if revision >= 2 gives one, else
 * the RSDT) to the MADT and parses it into *out. 0 or -ACPI_E_*. */
int acpi_find_madt(const struct acpi_mem *m, u64 rsdp_pa, struct acpi_madt_info *out);
/* Parses a MADT already read (header included). 0 or -ACPI_E_BADMADT. */
int acpi_parse_madt(const u8 *madt, u64 len, struct acpi_madt_info *out);
/* The sum of n bytes, mod 256 (0 for a good ACPI checksum). */
u8 acpi_sum(const u8 *p, u64 n);

/* The machine's tables, read once at boot (after vm_init): true and *out
 * filled if a good MADT was found (RSDP from the EBDA or the BIOS area). */
bool acpi_init(struct acpi_madt_info *out);

#endif
