/* virtio 1.x over PCI ("modern" transport only), for the kernel's drivers
 * (virtio-blk: kernel/dev/virtio_blk.c; virtio-net). A driver:
 *
 *   virtio_pci_init(&vd, pci)            find the virtio capabilities, reset,
 *                                        ACKNOWLEDGE | DRIVER
 *   virtio_negotiate(&vd, features)      accept features (VERSION_1 always),
 *                                        FEATURES_OK
 *   virtq_init(&vd, &q, i, max, e, fn)   set up split virtqueue i, its
 *                                        interrupt on MSI-X entry e -> fn(arg)
 *   virtio_ready(&vd)                    DRIVER_OK: the device runs
 *   virtq_add(&q, bufs, n) ...           post a chain of buffers (physical
 *   virtq_kick(&q)                       addresses), tell the device
 *   virtq_pop(&q, &head, &len)           in the handler: take what it used
 *
 * The transport does no locking: a driver serializes the calls on one
 * queue (its own lock, or interrupts off on the one CPU). Interrupts are
 * MSI-X (the ISR register needs no reading then), or with msix_entry
 * VIRTQ_INTX the legacy INTx line through the I/O APIC (one queue only):
 * the handler reads the ISR status, which lowers the line. */
#ifndef KERNEL_DEV_VIRTIO_H
#define KERNEL_DEV_VIRTIO_H

#include "../types.h"
#include "pci.h"

#define VIRTIO_VENDOR     0x1af4
#define VIRTIO_DEV_MODERN 0x1040 /* + device type: a modern-only device */
#define VIRTIO_TYPE_NET   1
#define VIRTIO_TYPE_BLOCK 2

/* Device status bits. */
#define VIRTIO_ST_ACKNOWLEDGE 1
#define VIRTIO_ST_DRIVER      2
#define VIRTIO_ST_DRIVER_OK   4
#define VIRTIO_ST_FEATURES_OK 8
#define VIRTIO_ST_NEEDS_RESET 64
#define VIRTIO_ST_FAILED      128

/* Transport feature bits. */
#define VIRTIO_F_INDIRECT_DESC (1UL << 28)
#define VIRTIO_F_EVENT_IDX     (1UL << 29)
#define VIRTIO_F_VERSION_1     (1UL << 32)

/* Split virtqueue layout (virtio 1.x, 2.7). All little endian. */
#define VIRTQ_DESC_F_NEXT  1
#define VIRTQ_DESC_F_WRITE 2 /* the device writes this buffer */
struct virtq_desc {
    u64 addr;
    u32 len;
    u16 flags;
    u16 next;
};
struct virtq_avail {
    u16 flags;
    u16 idx;
    u16 ring[]; /* then u16 used_event */
};
struct virtq_used_elem {
    u32 id; /* head of the chain */
    u32 len;
};
struct virtq_used {
    u16 flags;
    u16 idx;
    struct virtq_used_elem ring[]; /* then u16 avail_event */
};

/* The common configuration structure (virtio_pci_common_cfg). */
struct virtio_pci_common {
    u32 device_feature_select;
    u32 device_feature;
    u32 driver_feature_select;
    u32 driver_feature;
    u16 msix_config;
    u16 num_queues;
    u8 device_status;
    u8 config_generation;
    u16 queue_select;
    u16 queue_size;
    u16 queue_msix_vector;
    u16 queue_enable;
    u16 queue_notify_off;
    u64 queue_desc;
    u64 queue_driver;
    u64 queue_device;
} __packed;

#define VIRTQ_MAX_SIZE   256 /* queues are cut to this: each ring part fits a page */
#define VIRTIO_NO_VECTOR 0xffff

struct virtio_dev {
    struct pci_dev *pci;
    volatile struct virtio_pci_common *common;
    volatile u8 *isr;
    volatile u8 *devcfg; /* the device-specific configuration */
    u32 devcfg_len;
    volatile u8 *notify_base;
    u32 notify_mult;
    u64 features; /* what was negotiated */
    /* Legacy INTx instead of MSI-X (virtq_init with VIRTQ_INTX): the one
     * queue's handler, called when the ISR status says a queue is done. */
    pci_irq_fn intx_fn;
    void *intx_arg;
};

struct virtq {
    struct virtio_dev *vd;
    u16 index, size;
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    volatile u16 *notify; /* where virtq_kick writes the queue's index */
    u16 free_head, nfree; /* free descriptors, linked through next */
    u16 avail_idx;        /* our copy of avail->idx */
    u16 used_idx;         /* the next used element to look at */
};

/* A buffer for virtq_add: physical address, length, and whether the
 * device writes it (else reads it). */
struct virtq_buf {
    u64 addr;
    u32 len;
    bool device_writes;
};

/* Finds p's virtio capabilities, maps them, enables the function (memory
 * decoding, bus mastering), resets the device and sets ACKNOWLEDGE and
 * DRIVER. 0, or -E_INVAL if p is no modern virtio device (a capability is
 * missing or lies outside its BAR). */
int virtio_pci_init(struct virtio_dev *vd, struct pci_dev *p);
/* Accepts the device's features among `wanted` (VIRTIO_F_VERSION_1 is
 * always required) and sets FEATURES_OK. 0, or -E_INVAL if the device
 * lacks VERSION_1 or refuses the set (then the device is marked FAILED). */
int virtio_negotiate(struct virtio_dev *vd, u64 wanted);
/* Sets up queue `index` with at most max_size entries (a power of two, at
 * most VIRTQ_MAX_SIZE), its rings in fresh kernel frames, its interrupt on
 * MSI-X table entry msix_entry calling fn(arg), or (VIRTQ_INTX) on the
 * function's INTx line. 0, -E_INVAL (no such queue, no MSI-X or INTx, a
 * second INTx queue), -E_NOMEM. */
#define VIRTQ_INTX 0xffffffffu
int virtq_init(struct virtio_dev *vd, struct virtq *q, u16 index, u16 max_size, u32 msix_entry,
               pci_irq_fn fn, void *arg);
/* DRIVER_OK. */
void virtio_ready(struct virtio_dev *vd);
/* Resets the device (status 0) and waits until it reads back 0. */
void virtio_reset(struct virtio_dev *vd);

/* Posts a chain of n buffers; returns its head (the id virtq_pop gives
 * back) or -E_AGAIN if fewer than n descriptors are free. The device sees
 * it only after virtq_kick. */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, u32 n);
/* Tells the device that new chains are posted. */
void virtq_kick(struct virtq *q);
/* Takes the next chain the device has finished: its head and the bytes it
 * wrote; its descriptors are free again. False if there is none. */
bool virtq_pop(struct virtq *q, u32 *head, u32 *len);

/* Device-specific configuration reads (offset within it). A multi-word
 * value should be read inside virtio_cfg_gen() checks; see virtio_blk.c. */
u8 virtio_cfg_gen(struct virtio_dev *vd);
u32 virtio_cfg_read32(struct virtio_dev *vd, u32 off);
u64 virtio_cfg_read64(struct virtio_dev *vd, u32 off);
u8 virtio_cfg_read8(struct virtio_dev *vd, u32 off);

#endif
