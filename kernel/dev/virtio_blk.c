/* The virtio-blk driver. */
#include "../kernel.h"
#include "virtio.h"
#include "virtio_blk.h"

#define VIRTIO_BLK_F_SIZE_MAX (1UL << 1)
#define VIRTIO_BLK_F_SEG_MAX  (1UL << 2)
#define VIRTIO_BLK_F_RO       (1UL << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1UL << 6)
#define VIRTIO_BLK_F_FLUSH    (1UL << 9)
#define BLKCFG_CAPACITY       0 /* le64, in 512-byte sectors */

static struct {
    bool present;
    struct virtio_dev vd;
    struct virtq q;
    u64 sectors;
    u64 interrupts;
} disk;

static void blk_intr(void *arg)
{
    (void)arg;
    disk.interrupts++;
}

void blk_init(void)
{
    struct pci_dev *p = NULL;
    for (u32 n = 0; (p = pci_find(VIRTIO_VENDOR, VIRTIO_DEV_MODERN + VIRTIO_TYPE_BLOCK, n)); n++)
        if (pci_claim(p))
            break;
    if (!p) {
        kprintf("blk: no virtio-blk device\n");
        return;
    }
    int r = virtio_pci_init(&disk.vd, p);
    if (r == 0)
        r = virtio_negotiate(&disk.vd, VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_RO);
    if (r == 0)
        r = virtq_init(&disk.vd, &disk.q, 0, VIRTQ_MAX_SIZE, 0, blk_intr, NULL);
    if (r < 0) {
        kprintf("blk: virtio-blk at %02x:%02x.%x: cannot start it (%d)\n", p->bus, p->dev, p->fn,
                r);
        return;
    }
    virtio_ready(&disk.vd);
    disk.sectors = virtio_cfg_read64(&disk.vd, BLKCFG_CAPACITY);
    disk.present = true;
    kprintf("blk: virtio-blk at %02x:%02x.%x: %lu MiB, queue of %u, msi-x%s%s\n", p->bus, p->dev,
            p->fn, disk.sectors >> 11, disk.q.size,
            disk.vd.features & VIRTIO_BLK_F_FLUSH ? ", flush" : "",
            disk.vd.features & VIRTIO_BLK_F_RO ? ", read-only" : "");
}
