/* ACPI tables: RSDP -> RSDT/XSDT -> MADT (acpi.h). Nothing in a table is
 * trusted: each table's length is checked against what can be read and
 * against a bound before its checksum is summed, and every MADT entry's
 * length against the table's end, so a bad table ends the lookup with an
 * error instead of a fault or an endless loop. Fields are read byte by byte
 * (tables are not aligned). */
#include "../../kernel.h"
#include "../../pmem.h"
#include "../../vm.h"
#include "acpi.h"

#define SDT_HEADER   36        /* signature, length, revision, checksum, OEM ... */
#define SDT_MAX_LEN  (1 << 16) /* bound on the root table and the MADT */
#define RSDP_V1_LEN  20
#define RSDP_V2_LEN  36
#define MADT_ENTRIES 44 /* header, local APIC address, flags */

static u16 get16(const u8 *p)
{
    return (u16)(p[0] | p[1] << 8);
}
static u32 get32(const u8 *p)
{
    return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}
static u64 get64(const u8 *p)
{
    return get32(p) | (u64)get32(p + 4) << 32;
}

u8 acpi_sum(const u8 *p, u64 n)
{
    u8 s = 0;
    while (n--)
        s += *p++;
    return s;
}

/* The signature and the checksum of the RSDP's first (ACPI 1.0) part. */
static bool rsdp_v1_good(const u8 *p)
{
    return memcmp(p, "RSD PTR ", 8) == 0 && acpi_sum(p, RSDP_V1_LEN) == 0;
}

/* Whether the RSDP at p, with `avail` bytes readable there, is good. */
static bool rsdp_good(const u8 *p, u64 avail)
{
    if (avail < RSDP_V1_LEN || !rsdp_v1_good(p))
        return false;
    if (p[15] < 2)
        return true;
    u32 len = get32(p + 20);
    return len >= RSDP_V2_LEN && len <= avail && acpi_sum(p, len) == 0;
}

long acpi_scan_rsdp(const u8 *area, u64 len)
{
    for (u64 off = 0; off + RSDP_V1_LEN <= len; off += 16)
        if (rsdp_good(area + off, len - off))
            return (long)off;
    return -1;
}

/* The table at pa with signature sig, whole and checked, or NULL. */
static const u8 *map_sdt(const struct acpi_mem *m, u64 pa, const char *sig)
{
    if (pa == 0 || pa + SDT_HEADER < pa)
        return NULL;
    const u8 *h = m->map(m->ctx, pa, SDT_HEADER);
    if (!h || memcmp(h, sig, 4) != 0)
        return NULL;
    u32 len = get32(h + 4);
    if (len < SDT_HEADER || len > SDT_MAX_LEN || pa + len < pa)
        return NULL;
    const u8 *t = m->map(m->ctx, pa, len);
    if (!t || acpi_sum(t, len) != 0)
        return NULL;
    return t;
}

int acpi_parse_madt(const u8 *madt, u64 len, struct acpi_madt_info *out)
{
    memset(out, 0, sizeof *out);
    if (len < MADT_ENTRIES || memcmp(madt, "APIC", 4) != 0 || get32(madt + 4) != len)
        return -ACPI_E_BADMADT;
    out->lapic_pa = get32(madt + 36);
    for (u64 off = MADT_ENTRIES; off < len;) {
        if (len - off < 2)
            return -ACPI_E_BADMADT;
        const u8 *e = madt + off;
        u8 type = e[0], elen = e[1];
        if (elen < 2 || elen > len - off)
            return -ACPI_E_BADMADT; /* a 0 length would loop for ever */
        u32 id = ~0u, flags = 0;
        bool is_cpu = false;
        switch (type) {
        case 0: /* processor local APIC: uid, APIC id, flags */
            if (elen < 8)
                return -ACPI_E_BADMADT;
            id = e[3];
            flags = get32(e + 4);
            is_cpu = true;
            break;
        case 9: /* processor local x2APIC: reserved, x2APIC id, flags, uid */
            if (elen < 16)
                return -ACPI_E_BADMADT;
            id = get32(e + 4);
            flags = get32(e + 8);
            is_cpu = true;
            break;
        case 1: /* I/O APIC: id, reserved, address, GSI base */
            if (elen < 12)
                return -ACPI_E_BADMADT;
            if (out->nioapic < ACPI_MAX_IOAPICS) {
                out->ioapic[out->nioapic].id = e[2];
                out->ioapic[out->nioapic].pa = get32(e + 4);
                out->ioapic[out->nioapic].gsi_base = get32(e + 8);
                out->nioapic++;
            }
            break;
        case 2: /* interrupt source override: bus, source, GSI, flags */
            if (elen < 10)
                return -ACPI_E_BADMADT;
            if (out->niso < ACPI_MAX_ISOS) {
                out->iso[out->niso].irq = e[3];
                out->iso[out->niso].gsi = get32(e + 4);
                out->iso[out->niso].flags = get16(e + 8);
                out->niso++;
            }
            break;
        case 5: /* local APIC address override (64-bit) */
            if (elen < 12)
                return -ACPI_E_BADMADT;
            if (get64(e + 4) >> 32)
                return -ACPI_E_BADMADT; /* the xAPIC window is below 4 GiB */
            out->lapic_pa = (u32)get64(e + 4);
            break;
        default: /* others (NMI sources, ...) are skipped */
            break;
        }
        off += elen;
        /* bit 0 enabled, bit 1 online capable: either can be started */
        if (!is_cpu || !(flags & 3))
            continue;
        bool dup = id == 0xffffffff; /* x2APIC "unused" entries */
        for (u32 i = 0; i < out->ncpu && !dup; i++)
            dup = out->apic_id[i] == id;
        if (dup || out->ncpu == MAX_CPUS || id > 0xff) /* xAPIC: 8-bit ids only */
            out->ncpu_ignored++;
        else
            out->apic_id[out->ncpu++] = id;
    }
    return out->ncpu > 0 ? 0 : -ACPI_E_BADMADT;
}

int acpi_find_madt(const struct acpi_mem *m, u64 rsdp_pa, struct acpi_madt_info *out)
{
    memset(out, 0, sizeof *out);
    const u8 *rsdp = m->map(m->ctx, rsdp_pa, RSDP_V1_LEN);
    if (!rsdp || !rsdp_v1_good(rsdp))
        return -ACPI_E_NORSDP;
    u64 root_pa = get32(rsdp + 16);
    int width = 4;
    const char *sig = "RSDT";
    if (rsdp[15] >= 2) {
        /* the extended part must check too before its XSDT is believed */
        rsdp = m->map(m->ctx, rsdp_pa, RSDP_V2_LEN);
        if (!rsdp)
            return -ACPI_E_NORSDP;
        u32 len = get32(rsdp + 20);
        if (len < RSDP_V2_LEN || len > 4096 || !(rsdp = m->map(m->ctx, rsdp_pa, len)) ||
            acpi_sum(rsdp, len) != 0)
            return -ACPI_E_NORSDP;
        if (get64(rsdp + 24)) {
            root_pa = get64(rsdp + 24);
            width = 8;
            sig = "XSDT";
        }
    }
    const u8 *root = map_sdt(m, root_pa, sig);
    if (!root)
        return -ACPI_E_BADROOT;
    u32 rlen = get32(root + 4);
    if ((rlen - SDT_HEADER) % width != 0)
        return -ACPI_E_BADROOT;
    for (u32 off = SDT_HEADER; off < rlen; off += width) {
        u64 pa = width == 8 ? get64(root + off) : get32(root + off);
        const u8 *h = pa && pa + SDT_HEADER > pa ? m->map(m->ctx, pa, SDT_HEADER) : NULL;
        if (!h || memcmp(h, "APIC", 4) != 0)
            continue;
        const u8 *madt = map_sdt(m, pa, "APIC");
        if (!madt)
            return -ACPI_E_NOMADT; /* a MADT that does not check */
        return acpi_parse_madt(madt, get32(madt + 4), out);
    }
    return -ACPI_E_NOMADT;
}

/* The kernel's reader: RAM through the direct map; a table above RAM (some
 * firmware puts them there) through an uncached mapping of its own. */
static const void *direct_map(void *ctx, u64 pa, u64 len)
{
    (void)ctx;
    if (len == 0 || pa + len < pa)
        return NULL;
    if (pa + len <= ROUNDUP(pmem_max_addr(), 0x200000))
        return P2V(pa);
    if (pa < ROUNDUP(pmem_max_addr(), 0x200000))
        return NULL; /* straddles the end of RAM */
    return vm_map_mmio(pa, len);
}

bool acpi_init(struct acpi_madt_info *out)
{
    const struct acpi_mem m = {direct_map, NULL};
    /* The RSDP: in the EBDA's first KiB (its segment is at 0x40e), else in
     * the BIOS area 0xe0000-0xfffff. */
    u64 ebda = (u64)get16(P2V(0x40e)) << 4;
    long off = -1;
    u64 base = 0;
    if (ebda >= 0x80000 && ebda < 0xa0000) {
        base = ebda;
        off = acpi_scan_rsdp(P2V(ebda), 1024);
    }
    if (off < 0) {
        base = 0xe0000;
        off = acpi_scan_rsdp(P2V(base), 0x20000);
    }
    if (off < 0) {
        kprintf("acpi: no RSDP\n");
        return false;
    }
    int r = acpi_find_madt(&m, base + (u64)off, out);
    if (r < 0) {
        kprintf("acpi: RSDP at %lx, but no usable MADT (error %d)\n", base + (u64)off, -r);
        return false;
    }
    return true;
}
