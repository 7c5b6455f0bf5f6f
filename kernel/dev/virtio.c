/* The virtio 1.x PCI transport and split virtqueues (virtio.h). Facts from
 * the virtio 1.x specification, 4.1 (PCI) and 2.7 (split virtqueues). */
#include "../kernel.h"
#include "../pmem.h"
#include "virtio.h"

/* virtio_pci_cap: a vendor-specific PCI capability naming a structure
 * inside a BAR. */
#define VCAP_TYPE         3 /* cfg_type */
#define VCAP_BAR          4
#define VCAP_OFFSET       8
#define VCAP_LENGTH       12
#define VCAP_NOTIFY_MULT  16 /* notify capability only */
#define VIRTIO_CAP_COMMON 1
#define VIRTIO_CAP_NOTIFY 2
#define VIRTIO_CAP_ISR    3
#define VIRTIO_CAP_DEVICE 4

static inline void mb(void)
{
    __asm__ volatile("mfence" ::: "memory");
}

/* Maps the structure described by the virtio capability at config offset
 * cap; *len gets its length. */
static volatile u8 *map_cap(struct pci_dev *p, u8 cap, u32 *len)
{
    u32 bar = pci_read8(p, cap + VCAP_BAR), off = pci_read32(p, cap + VCAP_OFFSET);
    *len = pci_read32(p, cap + VCAP_LENGTH);
    return pci_bar_map(p, bar, off, *len);
}

void virtio_reset(struct virtio_dev *vd)
{
    vd->common->device_status = 0;
    /* The device reads 0 once the reset is done. */
    for (u32 i = 0; i < 1000000 && vd->common->device_status != 0; i++)
        __asm__ volatile("pause");
}

int virtio_pci_init(struct virtio_dev *vd, struct pci_dev *p)
{
    *vd = (struct virtio_dev){.pci = p};
    u32 len;
    for (u8 cap = pci_cap_find(p, PCI_CAP_ID_VENDOR, 0); cap;
         cap = pci_cap_find(p, PCI_CAP_ID_VENDOR, cap)) {
        /* The first capability of each type is the one to use. */
        switch (pci_read8(p, cap + VCAP_TYPE)) {
        case VIRTIO_CAP_COMMON:
            if (!vd->common && (vd->common = (volatile void *)map_cap(p, cap, &len)) &&
                len < sizeof(struct virtio_pci_common))
                vd->common = NULL;
            break;
        case VIRTIO_CAP_NOTIFY:
            if (!vd->notify_base) {
                vd->notify_base = map_cap(p, cap, &len);
                vd->notify_mult = pci_read32(p, cap + VCAP_NOTIFY_MULT);
            }
            break;
        case VIRTIO_CAP_ISR:
            if (!vd->isr)
                vd->isr = map_cap(p, cap, &len);
            break;
        case VIRTIO_CAP_DEVICE:
            if (!vd->devcfg) {
                vd->devcfg = map_cap(p, cap, &len);
                vd->devcfg_len = len;
            }
            break;
        }
    }
    if (!vd->common || !vd->notify_base || !vd->isr)
        return -E_INVAL;
    pci_enable(p);
    virtio_reset(vd);
    vd->common->device_status = VIRTIO_ST_ACKNOWLEDGE;
    vd->common->device_status = VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER;
    return 0;
}

int virtio_negotiate(struct virtio_dev *vd, u64 wanted)
{
    volatile struct virtio_pci_common *c = vd->common;
    c->device_feature_select = 0;
    u64 dev = c->device_feature;
    c->device_feature_select = 1;
    dev |= (u64)c->device_feature << 32;
    if (!(dev & VIRTIO_F_VERSION_1)) {
        c->device_status |= VIRTIO_ST_FAILED;
        return -E_INVAL;
    }
    u64 accept = dev & (wanted | VIRTIO_F_VERSION_1);
    c->driver_feature_select = 0;
    c->driver_feature = (u32)accept;
    c->driver_feature_select = 1;
    c->driver_feature = (u32)(accept >> 32);
    c->device_status |= VIRTIO_ST_FEATURES_OK;
    if (!(c->device_status & VIRTIO_ST_FEATURES_OK)) {
        c->device_status |= VIRTIO_ST_FAILED;
        return -E_INVAL;
    }
    vd->features = accept;
    return 0;
}

/* An INTx interrupt: reading the ISR status lowers the line (bit 0: a
 * queue has used buffers; bit 1, a configuration change, is not used). */
static void virtio_intx(void *arg)
{
    struct virtio_dev *vd = arg;
    if (*vd->isr & 1)
        vd->intx_fn(vd->intx_arg);
}

int virtq_init(struct virtio_dev *vd, struct virtq *q, u16 index, u16 max_size, u32 msix_entry,
               pci_irq_fn fn, void *arg)
{
    bool intx = msix_entry == VIRTQ_INTX;
    if (intx && vd->intx_fn)
        return -E_INVAL; /* (one queue per INTx line here) */
    volatile struct virtio_pci_common *c = vd->common;
    if (index >= c->num_queues)
        return -E_INVAL;
    c->queue_select = index;
    u16 size = c->queue_size;
    if (size == 0 || c->queue_enable)
        return -E_INVAL;
    u16 cap = (u16)MIN(MIN(max_size, VIRTQ_MAX_SIZE), size);
    while (cap & (cap - 1)) /* a power of two */
        cap &= (u16)(cap - 1);
    size = cap;

    paddr_t d = frame_alloc(), a = frame_alloc(), u = frame_alloc();
    if (!d || !a || !u) {
        if (d)
            frame_free(d);
        if (a)
            frame_free(a);
        if (u)
            frame_free(u);
        return -E_NOMEM;
    }
    *q = (struct virtq){.vd = vd, .index = index, .size = size};
    q->desc = P2V(d);
    q->avail = P2V(a);
    q->used = P2V(u);
    for (u16 i = 0; i < size; i++)
        q->desc[i].next = (u16)(i + 1);
    q->free_head = 0;
    q->nfree = size;

    int r;
    if (intx) {
        vd->intx_fn = fn;
        vd->intx_arg = arg;
        r = pci_intx_route(vd->pci, virtio_intx, vd);
        if (r < 0) {
            vd->intx_fn = NULL;
            goto fail;
        }
    } else if ((r = pci_msix_route(vd->pci, msix_entry, fn, arg)) < 0) {
        goto fail;
    }
    c->queue_select = index;
    c->queue_size = size;
    c->queue_desc = d;
    c->queue_driver = a;
    c->queue_device = u;
    c->queue_msix_vector = intx ? VIRTIO_NO_VECTOR : (u16)msix_entry;
    if (!intx && c->queue_msix_vector != msix_entry) { /* the device could not take it */
        r = -E_INVAL;
        goto fail;
    }
    u64 noff = (u64)c->queue_notify_off * vd->notify_mult;
    q->notify = (volatile u16 *)(vd->notify_base + noff);
    c->queue_enable = 1;
    return 0;
fail:
    frame_free(d);
    frame_free(a);
    frame_free(u);
    return r;
}

void virtio_ready(struct virtio_dev *vd)
{
    vd->common->msix_config = VIRTIO_NO_VECTOR; /* no configuration-change interrupts */
    vd->common->device_status |= VIRTIO_ST_DRIVER_OK;
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, u32 n)
{
    if (n == 0 || n > q->nfree)
        return -E_AGAIN;
    u16 head = q->free_head, i = head, last = head;
    for (u32 k = 0; k < n; k++) {
        volatile struct virtq_desc *d = &q->desc[i];
        d->addr = bufs[k].addr;
        d->len = bufs[k].len;
        d->flags = (u16)((bufs[k].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
                         (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        last = i;
        i = d->next;
    }
    q->free_head = q->desc[last].next;
    q->nfree = (u16)(q->nfree - n);
    q->avail->ring[q->avail_idx % q->size] = head;
    /* The ring entry before the index that publishes it (x86 keeps stores
     * in order: the compiler must too). */
    __asm__ volatile("" ::: "memory");
    q->avail->idx = ++q->avail_idx;
    return head;
}

void virtq_kick(struct virtq *q)
{
    mb(); /* the avail index is visible before the device looks */
    *q->notify = q->index;
}

bool virtq_pop(struct virtq *q, u32 *head, u32 *len)
{
    if (q->used_idx == q->used->idx)
        return false;
    __asm__ volatile("" ::: "memory"); /* the element after the index that published it */
    volatile struct virtq_used_elem *e = &q->used->ring[q->used_idx % q->size];
    u32 id = e->id, n = 1;
    *head = id;
    *len = e->len;
    q->used_idx++;
    if (id >= q->size)
        return true; /* a device that names no chain of ours: nothing to free */
    /* Back on the free list, the whole chain. */
    u16 i = (u16)id;
    while ((q->desc[i].flags & VIRTQ_DESC_F_NEXT) && n < q->size) {
        i = q->desc[i].next;
        n++;
    }
    q->desc[i].next = q->free_head;
    q->free_head = (u16)id;
    q->nfree = (u16)(q->nfree + n);
    return true;
}

u8 virtio_cfg_gen(struct virtio_dev *vd)
{
    return vd->common->config_generation;
}

u8 virtio_cfg_read8(struct virtio_dev *vd, u32 off)
{
    return off < vd->devcfg_len ? vd->devcfg[off] : 0;
}

u32 virtio_cfg_read32(struct virtio_dev *vd, u32 off)
{
    return off + 4 <= vd->devcfg_len ? *(volatile u32 *)(vd->devcfg + off) : 0;
}

u64 virtio_cfg_read64(struct virtio_dev *vd, u32 off)
{
    /* Two 32-bit reads, retried if the device changed it meanwhile. */
    u32 lo, hi;
    u8 g;
    do {
        g = virtio_cfg_gen(vd);
        lo = virtio_cfg_read32(vd, off);
        hi = virtio_cfg_read32(vd, off + 4);
    } while (g != virtio_cfg_gen(vd));
    return (u64)hi << 32 | lo;
}
