/* PCI enumeration, BARs, capabilities and MSI-X (pci.h). The firmware
 * (SeaBIOS under QEMU, or a PC's) has already assigned every BAR; the
 * kernel reads them, sizes them, and maps the memory ones a driver asks
 * for, uncached. Interrupts come through MSI-X: each routed table entry
 * gets a vector of its own, T_IRQ_DEV_FIRST and up; or through the legacy
 * INTx line and the I/O APIC (pci_intx_route), a vector from the same
 * range. */
#include "../kernel.h"
#include "../trap.h"
#include "../vm.h"
#include "../arch/x86_64/pcicfg.h"
#include "../arch/x86_64/lapic.h"
#include "../arch/x86_64/ioapic.h"
#include "pci.h"

/* The functions found at boot. Written by pci_init only (then read-only,
 * but for `claimed`, the BARs' `va` and the MSI-X fields, which the one CPU
 * that runs drivers sets while it probes them at boot). */
static struct pci_dev devs[PCI_MAX_DEVS];
static u32 ndevs;

/* Interrupt vectors handed to drivers, by vector - T_IRQ_DEV_FIRST. Filled
 * at boot as drivers route their interrupts; read by pci_irq_dispatch. */
static struct {
    pci_irq_fn fn;
    void *arg;
} vectors[T_IRQ_DEV_COUNT];
static u32 nvectors;

u32 pci_read32(struct pci_dev *p, u32 off)
{
    return pcicfg_read32(p->bus, p->dev, p->fn, off & 0xfc);
}

u16 pci_read16(struct pci_dev *p, u32 off)
{
    return (u16)(pci_read32(p, off) >> (8 * (off & 2)));
}

u8 pci_read8(struct pci_dev *p, u32 off)
{
    return (u8)(pci_read32(p, off) >> (8 * (off & 3)));
}

void pci_write32(struct pci_dev *p, u32 off, u32 v)
{
    pcicfg_write32(p->bus, p->dev, p->fn, off & 0xfc, v);
}

void pci_write16(struct pci_dev *p, u32 off, u16 v)
{
    u32 shift = 8 * (off & 2), old = pci_read32(p, off);
    pci_write32(p, off, (old & ~(0xffffu << shift)) | (u32)v << shift);
}

u8 pci_cap_find(struct pci_dev *p, u8 id, u8 after)
{
    if (!(pci_read32(p, PCI_COMMAND) >> 16 & PCI_STATUS_CAPS))
        return 0;
    u8 off = after ? pci_read8(p, after + 1) : pci_read8(p, PCI_CAP_PTR);
    /* At most 48 capabilities fit in the 192 bytes after the header: a
     * bound on a malformed (looping) list. */
    for (int n = 0; n < 48 && off >= 0x40; n++) {
        off &= 0xfc;
        if (pci_read8(p, off) == id)
            return off;
        off = pci_read8(p, off + 1);
    }
    return 0;
}

/* Reads and sizes BAR i of p (and, for a 64-bit BAR, i + 1); returns how
 * many BAR registers it used. Decoding is off meanwhile (the caller). */
static u32 read_bar(struct pci_dev *p, u32 i)
{
    u32 reg = 0x10 + 4 * i, lo = pci_read32(p, reg);
    struct pci_bar *b = &p->bar[i];
    pci_write32(p, reg, 0xffffffff);
    u32 mask = pci_read32(p, reg);
    pci_write32(p, reg, lo);
    if (mask == 0 || mask == 0xffffffff)
        return 1; /* not implemented */
    if (lo & 1) {
        b->io = true;
        b->base = lo & ~3u;
        b->size = (u16) ~(mask & ~3u) + 1;
        return 1;
    }
    u64 base = lo & ~0xfu, size_mask = mask & ~0xfu;
    u32 used = 1;
    if (((lo >> 1) & 3) == 2 && i < 5) { /* 64-bit */
        u32 hi = pci_read32(p, reg + 4);
        pci_write32(p, reg + 4, 0xffffffff);
        u32 mhi = pci_read32(p, reg + 4);
        pci_write32(p, reg + 4, hi);
        base |= (u64)hi << 32;
        size_mask |= (u64)mhi << 32;
        b->is64 = true;
        used = 2;
    } else {
        size_mask |= 0xffffffff00000000UL;
    }
    b->base = base;
    b->size = ~size_mask + 1;
    return used;
}

static void add_function(u32 bus, u32 dev, u32 fn)
{
    if (ndevs == PCI_MAX_DEVS) {
        kprintf("pci: more than %d functions: %02x:%02x.%x ignored\n", PCI_MAX_DEVS, bus, dev, fn);
        return;
    }
    struct pci_dev *p = &devs[ndevs++];
    u32 id = pcicfg_read32(bus, dev, fn, 0);
    *p = (struct pci_dev){.bus = (u8)bus, .dev = (u8)dev, .fn = (u8)fn};
    p->vendor = (u16)id;
    p->device = (u16)(id >> 16);
    u32 cls = pci_read32(p, 0x08);
    p->revision = (u8)cls;
    p->progif = (u8)(cls >> 8);
    p->subclass = (u8)(cls >> 16);
    p->class = (u8)(cls >> 24);
    if ((pci_read8(p, 0x0e) & 0x7f) != 0)
        return; /* a bridge: no BARs of interest here */
    u32 sub = pci_read32(p, 0x2c);
    p->subvendor = (u16)sub;
    p->subdevice = (u16)(sub >> 16);
    u32 irq = pci_read32(p, 0x3c);
    p->irq_line = (u8)irq;
    p->irq_pin = (u8)(irq >> 8);
    u16 cmd = pci_read16(p, PCI_COMMAND);
    pci_write16(p, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
    for (u32 i = 0; i < 6;)
        i += read_bar(p, i);
    pci_write16(p, PCI_COMMAND, cmd);
    p->msix_cap = pci_cap_find(p, PCI_CAP_ID_MSIX, 0);
    if (p->msix_cap)
        p->msix_size = (pci_read16(p, p->msix_cap + 2) & 0x7ff) + 1;
}

static void scan_bus(u32 bus, int depth)
{
    for (u32 dev = 0; dev < 32; dev++) {
        for (u32 fn = 0; fn < 8; fn++) {
            u32 id = pcicfg_read32(bus, dev, fn, 0);
            if ((id & 0xffff) == 0xffff) {
                if (fn == 0)
                    break;
                continue;
            }
            add_function(bus, dev, fn);
            u32 hdr = pcicfg_read32(bus, dev, fn, 0x0c) >> 16 & 0xff;
            u32 cls = pcicfg_read32(bus, dev, fn, 0x08) >> 16;
            if ((hdr & 0x7f) == 1 && cls == 0x0604 && depth < 8) { /* PCI-PCI bridge */
                u32 secondary = pcicfg_read32(bus, dev, fn, 0x18) >> 8 & 0xff;
                if (secondary > bus)
                    scan_bus(secondary, depth + 1);
            }
            if (fn == 0 && !(hdr & 0x80))
                break; /* not a multi-function device */
        }
    }
}

void pci_init(void)
{
    scan_bus(0, 0);
    u32 n = 0;
    for (u32 i = 0; i < ndevs; i++)
        n += devs[i].class != 0x06; /* bridges and host bridges are not news */
    kprintf("pci: %u functions, %u of them devices\n", ndevs, n);
}

struct pci_dev *pci_find(u16 vendor, u16 device, u32 nth)
{
    for (u32 i = 0; i < ndevs; i++)
        if (devs[i].vendor == vendor && (device == 0xffff || devs[i].device == device) &&
            nth-- == 0)
            return &devs[i];
    return NULL;
}

bool pci_claim(struct pci_dev *p)
{
    if (p->claimed)
        return false;
    p->claimed = true;
    return true;
}

volatile void *pci_bar_map(struct pci_dev *p, u32 bar, u64 off, u64 len)
{
    if (bar >= 6)
        return NULL;
    struct pci_bar *b = &p->bar[bar];
    if (!b->base || b->io || off > b->size || len > b->size - off)
        return NULL;
    if (!b->va && !(b->va = vm_map_mmio(b->base, b->size)))
        return NULL;
    return (volatile u8 *)b->va + off;
}

void pci_enable(struct pci_dev *p)
{
    u16 cmd = pci_read16(p, PCI_COMMAND);
    pci_write16(p, PCI_COMMAND, cmd | PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER | PCI_CMD_INTX_OFF);
}

int pci_msix_route(struct pci_dev *p, u32 entry, pci_irq_fn fn, void *arg)
{
    if (!p->msix_cap || entry >= p->msix_size)
        return -E_INVAL;
    if (!p->msix_table) {
        u32 t = pci_read32(p, p->msix_cap + 4);
        p->msix_table = pci_bar_map(p, t & 7, t & ~7u, (u64)p->msix_size * 16);
        if (!p->msix_table)
            return -E_INVAL;
    }
    if (nvectors == T_IRQ_DEV_COUNT)
        return -E_NOMEM;
    u32 v = nvectors++;
    vectors[v].fn = fn;
    vectors[v].arg = arg;
    u64 addr;
    u32 data;
    msi_message(lapic_id(), T_IRQ_DEV_FIRST + v, &addr, &data);
    volatile u32 *e = p->msix_table + 4 * entry;
    e[3] = 1; /* masked while it changes */
    e[0] = (u32)addr;
    e[1] = (u32)(addr >> 32);
    e[2] = data;
    e[3] = 0;
    /* MSI-X on, the function's mask off; INTx off (pci_enable). */
    u16 ctl = pci_read16(p, p->msix_cap + 2);
    pci_write16(p, p->msix_cap + 2, (ctl | 0x8000) & ~0x4000);
    return 0;
}

int pci_intx_route(struct pci_dev *p, pci_irq_fn fn, void *arg)
{
    if (!p->irq_pin || p->irq_pin > 4 || p->irq_line == 0 || p->irq_line >= 16)
        return -E_INVAL;
    if (nvectors == T_IRQ_DEV_COUNT)
        return -E_NOMEM;
    u32 v = nvectors++;
    vectors[v].fn = fn;
    vectors[v].arg = arg;
    if (p->msix_cap) { /* MSI-X off: the function signals on its pin */
        u16 ctl = pci_read16(p, p->msix_cap + 2);
        pci_write16(p, p->msix_cap + 2, ctl & ~0x8000);
    }
    u16 cmd = pci_read16(p, PCI_COMMAND);
    pci_write16(p, PCI_COMMAND, cmd & ~PCI_CMD_INTX_OFF);
    ioapic_route_level(p->irq_line, T_IRQ_DEV_FIRST + v, lapic_id());
    return 0;
}

void pci_irq_dispatch(u64 vector)
{
    u64 v = vector - T_IRQ_DEV_FIRST;
    if (v < nvectors && vectors[v].fn)
        vectors[v].fn(vectors[v].arg);
    lapic_eoi();
}
