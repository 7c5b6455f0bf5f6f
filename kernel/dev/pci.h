/* PCI: the bus, for the kernel's device drivers (kernel/dev/virtio.c and
 * the drivers above it). pci_init enumerates every function once at boot;
 * a driver finds its device, maps the BARs it needs, turns on decoding and
 * bus mastering, and takes its interrupts through MSI-X. Config-space
 * access is machine specific (kernel/arch/x86_64/pcicfg.c). See
 * docs/design.md, "Devices: PCI and virtio". */
#ifndef KERNEL_DEV_PCI_H
#define KERNEL_DEV_PCI_H

#include "../types.h"

#define PCI_MAX_DEVS 32

/* Standard config-space registers and capability ids. */
#define PCI_COMMAND        0x04
#define PCI_CMD_IO         0x0001
#define PCI_CMD_MEMORY     0x0002
#define PCI_CMD_BUS_MASTER 0x0004
#define PCI_CMD_INTX_OFF   0x0400
#define PCI_STATUS_CAPS    0x0010 /* (in the upper half of register 0x04) */
#define PCI_CAP_PTR        0x34
#define PCI_CAP_ID_MSIX    0x11
#define PCI_CAP_ID_VENDOR  0x09

struct pci_bar {
    u64 base; /* physical (memory) or port (I/O) address; 0 if absent */
    u64 size; /* bytes */
    bool io;  /* an I/O-port BAR */
    bool is64;
    void *va; /* memory BAR: where pci_bar_map mapped it (kernel, uncached) */
};

struct pci_dev {
    u8 bus, dev, fn;
    u16 vendor, device, subvendor, subdevice;
    u8 class, subclass, progif, revision;
    u8 irq_line, irq_pin; /* legacy INTx, as the firmware set them up */
    struct pci_bar bar[6];
    u8 msix_cap;   /* config offset of the MSI-X capability, 0 if none */
    u16 msix_size; /* its table's entries */
    volatile u32 *msix_table;
    bool claimed; /* a driver owns it (pci_claim) */
};

/* Enumerates every bus reachable from bus 0 (through PCI-PCI bridges) and
 * prints one line per function. Called once at boot, before drivers. */
void pci_init(void);
/* The nth function (0, 1, ...) matching vendor:device, or NULL;
 * device 0xffff matches any device of that vendor. */
struct pci_dev *pci_find(u16 vendor, u16 device, u32 nth);
/* Marks p as owned by a driver: false if another driver has it already. */
bool pci_claim(struct pci_dev *p);

/* Config space of p (off < 256; 8/16-bit reads at any offset). */
u32 pci_read32(struct pci_dev *p, u32 off);
u16 pci_read16(struct pci_dev *p, u32 off);
u8 pci_read8(struct pci_dev *p, u32 off);
void pci_write32(struct pci_dev *p, u32 off, u32 v);
void pci_write16(struct pci_dev *p, u32 off, u16 v);
/* The config offset of p's first capability with this id after config
 * offset `after` (0: from the start of the list), or 0 if none. */
u8 pci_cap_find(struct pci_dev *p, u8 id, u8 after);

/* Maps memory BAR `bar` (all of it, once) and returns the kernel address of
 * its byte `off`, checking [off, off + len) lies inside; NULL otherwise. */
volatile void *pci_bar_map(struct pci_dev *p, u32 bar, u64 off, u64 len);
/* Turns on memory decoding and bus mastering (DMA), and turns INTx off. */
void pci_enable(struct pci_dev *p);

/* Interrupts. A driver's handler runs in the kernel, interrupts off, on
 * whatever env's time it arrives; it must be short (move completions, ring
 * notification channels) and must not block. */
typedef void (*pci_irq_fn)(void *arg);
/* Points MSI-X table entry `entry` of p at a fresh interrupt vector that
 * calls fn(arg) on this CPU, unmasks it, and enables MSI-X on p (INTx off).
 * 0, -E_INVAL (no MSI-X, or no such entry), -E_NOMEM (no vector left). */
int pci_msix_route(struct pci_dev *p, u32 entry, pci_irq_fn fn, void *arg);
/* Legacy INTx instead: the function's interrupt line, as the firmware
 * routed it (an ISA input of the I/O APIC), gets a vector of its own and
 * calls fn(arg), level triggered: fn must make the device lower the line
 * (virtio: read its ISR status). MSI-X stays off. E_INVAL if the function
 * has no INTx pin or no line below 16. */
int pci_intx_route(struct pci_dev *p, pci_irq_fn fn, void *arg);
/* Called by trap() for the device vectors (T_IRQ_DEV_FIRST ...). */
void pci_irq_dispatch(u64 vector);

#endif
