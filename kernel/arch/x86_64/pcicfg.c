/* PCI configuration mechanism #1 and the MSI message format (pcicfg.h). */
#include "../../kernel.h"
#include "../../spinlock.h"
#include "pcicfg.h"
#include "x86.h"

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc

/* Protects the address/data port pair: one access at a time. */
static struct spinlock pcicfg_lock = SPINLOCK_INIT("pcicfg");

static u32 cfg_addr(u32 bus, u32 dev, u32 fn, u32 off)
{
    return 1u << 31 | (bus & 0xff) << 16 | (dev & 0x1f) << 11 | (fn & 7) << 8 | (off & 0xfc);
}

u32 pcicfg_read32(u32 bus, u32 dev, u32 fn, u32 off)
{
    spin_lock(&pcicfg_lock);
    outl(CFG_ADDR, cfg_addr(bus, dev, fn, off));
    u32 v = inl(CFG_DATA);
    spin_unlock(&pcicfg_lock);
    return v;
}

void pcicfg_write32(u32 bus, u32 dev, u32 fn, u32 off, u32 v)
{
    spin_lock(&pcicfg_lock);
    outl(CFG_ADDR, cfg_addr(bus, dev, fn, off));
    outl(CFG_DATA, v);
    spin_unlock(&pcicfg_lock);
}

void msi_message(u32 apic_id, u32 vector, u64 *addr, u32 *data)
{
    /* 0xfee00000 | destination << 12; physical destination mode, no
     * redirection hint. Data: the vector, fixed delivery, edge. */
    *addr = 0xfee00000UL | (u64)(apic_id & 0xff) << 12;
    *data = vector & 0xff;
}
