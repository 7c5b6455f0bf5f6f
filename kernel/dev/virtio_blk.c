/* The virtio-blk driver: the disk as a securely multiplexed device.
 *
 * The kernel knows blocks, never files. A root env takes the disk's
 * original block capability (sys_dev_open(DEV_DISK): all blocks, all
 * rights) and derives copies over sub-ranges with fewer rights
 * (sys_blk_derive) for whom it likes; revoking or deleting them works as
 * for any capability. An env submits batches of requests
 * (sys_blk_submit): each names a block capability, a range of blocks, and
 * the caller's frame capability whose frames the device reads or writes
 * directly (DMA, no copy). Every request of a batch is checked before any
 * is started (nothing is written if one is bad). The frames of a request
 * are pinned until it completes, so deleting their capability meanwhile
 * (or the env's death) delays their reuse, never redirects the transfer.
 * Completions wait in the kernel's request table until their env reaps
 * them (sys_blk_reap); each one rings the notification channel the batch
 * named, so an env sleeps in sys_block meanwhile.
 *
 * Ordering: the device may run requests in flight in any order. BLK_FLUSH
 * makes the writes that completed before it durable; BLK_FUA on a write
 * makes the driver follow it with a flush and report it once both are
 * done. Blocks are BLK_SIZE (4 KiB) bytes, 8 of the device's sectors. */
#include "../kernel.h"
#include "../cap.h"
#include "../cpu.h"
#include "../env.h"
#include "../notify.h"
#include "../pmem.h"
#include "../spinlock.h"
#include "../uaccess.h"
#include "../arch/x86_64/x86.h"
#include "../arch/x86_64/lapic.h"
#include "virtio.h"
#include "virtio_blk.h"

#define VIRTIO_BLK_F_RO    (1UL << 5)
#define VIRTIO_BLK_F_FLUSH (1UL << 9)
#define BLKCFG_CAPACITY    0 /* le64, in 512-byte sectors */
#define VIRTIO_BLK_T_IN    0
#define VIRTIO_BLK_T_OUT   1
#define VIRTIO_BLK_T_FLUSH 4
#define SECTORS_PER_BLOCK  (BLK_SIZE / 512)

/* The request header and status byte of each slot, in one kernel frame the
 * device reads (header) and writes (status). */
struct dma_area {
    struct {
        u32 type;
        u32 reserved;
        u64 sector;
        u8 status;
        u8 pad[15];
    } slot[BLK_REQ_SLOTS];
};
STATIC_ASSERT(sizeof(struct dma_area) <= PAGE_SIZE);

enum slot_state { SLOT_FREE = 0, SLOT_QUEUED, SLOT_DONE };

/* A request the kernel is running or has finished. */
struct blk_slot {
    u8 state;      /* enum slot_state */
    bool fua;      /* a BLK_FUA write: a flush follows it */
    bool flushing; /* ... which is under way */
    u8 oidx;       /* ... and its index in envs[] (for disk.busy) */
    u32 owner;     /* env id that submitted it */
    u64 tag;
    u64 notify; /* notification object to ring when done (0: none) */
    u32 chan;
    paddr_t pa; /* pinned frames (npages 0: none) */
    u64 npages;
    s32 status;
};

/* Protects everything in `disk` after init: the request table, the
 * virtqueue, the counters and the crash point. Taken by the kernel calls
 * and by the interrupt handler (interrupts are off in the kernel, so the
 * two never nest on one CPU). */
static struct spinlock blk_lock = SPINLOCK_INIT("blk");
static struct {
    bool present, read_only, flush;
    bool held; /* an env holds the original block capability */
    struct virtio_dev vd;
    struct virtq q;
    u64 nblocks;
    struct dma_area *dma;
    paddr_t dma_pa;
    struct blk_slot slot[BLK_REQ_SLOTS];
    u16 head_slot[VIRTQ_MAX_SIZE]; /* the slot of the chain whose head is i */
    u64 interrupts;
    u64 written;    /* blocks sent to the disk to be written, since boot */
    u64 crash_left; /* 0: no crash point; else the block write that halts is crash_left-th */
    bool crash_ok;  /* crash points may be set by the kernel call (boot option blkcrash=N) */
    u32 ndone;      /* slots in SLOT_DONE (slot_state keeps it): a reap with none is quick */
    /* The free slots' indices, a stack (slot_state pushes, sys_blk_submit
     * pops): a submission takes its slots without scanning the table.
     * Invariant: free_idx[0..nfree) are exactly the slots in SLOT_FREE. */
    u8 free_idx[BLK_REQ_SLOTS];
    u32 nfree;
    /* Slots not free, by their owner's index in envs[]: at least the
     * count of any one env's own (an ended env's unreaped slots also count
     * for the next env in its place until sys_blk_submit's slow path frees
     * them), so a submission within it is within BLK_ENV_MAX. */
    u8 busy[NENV];
} disk;

/* A staging copy of the batch being submitted (under blk_lock). */
static struct blk_req batch[BLK_BATCH_MAX];

static bool owner_alive(const struct blk_slot *s)
{
    return env_lookup(s->owner) != NULL;
}

/* Moves s to state st, keeping disk.ndone (under blk_lock). */
static void slot_state(struct blk_slot *s, u8 st)
{
    disk.ndone += (st == SLOT_DONE) - (s->state == SLOT_DONE);
    if (st == SLOT_FREE && s->state != SLOT_FREE) {
        disk.free_idx[disk.nfree++] = (u8)(s - disk.slot);
        disk.busy[s->oidx]--;
    }
    s->state = st;
}

/* Takes a free slot for env index oidx (there is one: nfree > 0); it
 * stays SLOT_FREE until post or a failure moves it on. */
static u32 slot_take(u8 oidx)
{
    u32 i = disk.free_idx[--disk.nfree];
    disk.busy[oidx]++;
    return i;
}

/* Posts slot i's chain: header, data (unless a flush), status. */
static void post(u32 i, u32 type, u64 sector, paddr_t pa, u64 bytes)
{
    disk.dma->slot[i].type = type;
    disk.dma->slot[i].reserved = 0;
    disk.dma->slot[i].sector = sector;
    disk.dma->slot[i].status = 0xff;
    paddr_t hdr = disk.dma_pa + (u64)((u8 *)&disk.dma->slot[i] - (u8 *)disk.dma);
    struct virtq_buf b[3];
    u32 n = 0;
    b[n++] = (struct virtq_buf){hdr, 16, false};
    if (bytes)
        b[n++] = (struct virtq_buf){pa, (u32)bytes, type == VIRTIO_BLK_T_IN};
    b[n++] = (struct virtq_buf){hdr + 16, 1, true};
    /* Cannot fail: at most 3 descriptors per slot, 3 * BLK_REQ_SLOTS <= the queue. */
    int head = virtq_add(&disk.q, b, n);
    assert(head >= 0);
    disk.head_slot[head] = (u16)i;
    slot_state(&disk.slot[i], SLOT_QUEUED);
}

/* Slot i's transfer ended with the device's status byte st. */
static void complete(u32 i, u8 st)
{
    struct blk_slot *s = &disk.slot[i];
    if (s->state != SLOT_QUEUED)
        return;
    s32 status = st == 0 ? 0 : -E_IO;
    if (s->fua && !s->flushing && status == 0) {
        s->flushing = true;
        post(i, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
        virtq_kick(&disk.q);
        return;
    }
    if (s->npages) {
        frame_unpin(s->pa, s->npages);
        s->npages = 0;
    }
    s->status = status;
    slot_state(s, SLOT_DONE);
    if (!owner_alive(s)) {
        slot_state(s, SLOT_FREE); /* nobody will reap it */
        return;
    }
    if (s->notify && notify_ring(s->notify, s->chan) < 0)
        s->notify = 0;
}

/* Takes every chain the device has finished. Called with blk_lock. */
static void drain(void)
{
    u32 head, len;
    while (virtq_pop(&disk.q, &head, &len))
        if (head < VIRTQ_MAX_SIZE)
            complete(disk.head_slot[head], disk.dma->slot[disk.head_slot[head]].status);
}

static void blk_intr(void *arg)
{
    (void)arg;
    spin_lock(&blk_lock);
    disk.interrupts++;
    drain();
    spin_unlock(&blk_lock);
}

void blk_init(bool intx)
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
        r = virtq_init(&disk.vd, &disk.q, 0, VIRTQ_MAX_SIZE, intx ? VIRTQ_INTX : 0, blk_intr, NULL);
    if (r == 0 && disk.q.size < 3 * BLK_REQ_SLOTS)
        r = -E_INVAL; /* too small a queue for the request table */
    if (r == 0 && !(disk.dma_pa = frame_alloc()))
        r = -E_NOMEM;
    if (r < 0) {
        kprintf("blk: virtio-blk at %02x:%02x.%x: cannot start it (%d)\n", p->bus, p->dev, p->fn,
                r);
        virtio_reset(&disk.vd);
        return;
    }
    disk.dma = P2V(disk.dma_pa);
    for (u32 i = 0; i < BLK_REQ_SLOTS; i++) /* every slot free: lowest on top */
        disk.free_idx[disk.nfree++] = (u8)(BLK_REQ_SLOTS - 1 - i);
    virtio_ready(&disk.vd);
    disk.nblocks = MIN(virtio_cfg_read64(&disk.vd, BLKCFG_CAPACITY) / SECTORS_PER_BLOCK,
                       0xffffffffUL); /* a block capability counts in 32 bits */
    disk.read_only = disk.vd.features & VIRTIO_BLK_F_RO;
    disk.flush = disk.vd.features & VIRTIO_BLK_F_FLUSH;
    disk.present = true;
    if (intx)
        kprintf("blk: virtio-blk at %02x:%02x.%x: %lu MiB, %lu blocks of 4 KiB, queue of %u, intx "
                "(irq %u, level)%s%s\n",
                p->bus, p->dev, p->fn, disk.nblocks >> 8, disk.nblocks, disk.q.size, p->irq_line,
                disk.flush ? ", flush" : "", disk.read_only ? ", read-only" : "");
    else
        kprintf("blk: virtio-blk at %02x:%02x.%x: %lu MiB, %lu blocks of 4 KiB, queue of %u, "
                "msi-x%s%s\n",
                p->bus, p->dev, p->fn, disk.nblocks >> 8, disk.nblocks, disk.q.size,
                disk.flush ? ", flush" : "", disk.read_only ? ", read-only" : "");
}

void blk_crash_after(u64 n)
{
    spin_lock(&blk_lock);
    disk.crash_ok = true;
    disk.crash_left = n;
    spin_unlock(&blk_lock);
}

/* Polls the device until no transfer is in flight (interrupts are off in
 * the kernel), for at most 5 s. Called with blk_lock. */
static void wait_idle(void)
{
    u64 until = rdtsc() + tsc_per_ms * 5000;
    for (;;) {
        drain();
        bool busy = false;
        for (u32 i = 0; i < BLK_REQ_SLOTS; i++)
            busy |= disk.slot[i].state == SLOT_QUEUED;
        if (!busy || rdtsc() > until)
            return;
        pause();
    }
}

void blk_quiesce(void)
{
    if (!disk.present)
        return;
    spin_lock(&blk_lock);
    wait_idle();
    spin_unlock(&blk_lock);
}

/* The crash point: let what is in flight finish, then stop the machine as
 * a power cut would. Called with blk_lock. */
static __noreturn void crash_now(void)
{
    wait_idle();
    kprintf("blk: crash point: halting after %lu block writes\n", disk.written);
    machine_exit(BLK_CRASH_EXIT);
}

s64 blk_open(struct env *e)
{
    if (!disk.present)
        return -E_NOENT;
    if (disk.held)
        return -E_BUSY;
    int slot = cap_insert(e, CAP_BLOCK, R_READ | R_WRITE | R_GRANT | R_REVOKE | R_CONTROL,
                          disk.nblocks, 0);
    if (slot >= 0)
        disk.held = true;
    return slot;
}

void blk_release(u64 object)
{
    if (BLK_CAP_FIRST(object) == 0 && BLK_CAP_COUNT(object) == disk.nblocks)
        disk.held = false;
}

/* The block capability in slot of e, with rights `need`. */
static struct capnode *block_cap(struct env *e, u64 slot, u8 need, int *err)
{
    if (slot == CAP_SELF) {
        *err = -E_INVAL;
        return NULL;
    }
    struct capnode *c = cap_get(e, slot, err);
    if (!c)
        return NULL;
    if (c->type != CAP_BLOCK || (c->rights & need) != need) {
        *err = -E_PERM;
        return NULL;
    }
    return c;
}

/* Checks request r of e; on success fills *pa and *npages (the frames to
 * pin, none for a flush). */
static int check_req(struct env *e, const struct blk_req *r, paddr_t *pa, u64 *npages)
{
    u32 op = r->op & ~BLK_FUA;
    bool fua = r->op & BLK_FUA;
    if (r->reserved || (op != BLK_READ && op != BLK_WRITE && op != BLK_FLUSH) ||
        (fua && op != BLK_WRITE))
        return -E_INVAL;
    int err;
    struct capnode *b = block_cap(e, r->cap, op == BLK_READ ? R_READ : R_WRITE, &err);
    if (!b)
        return err;
    *pa = 0;
    *npages = 0;
    if (op == BLK_FLUSH)
        return r->count || r->block ? -E_INVAL : 0;
    if (r->count == 0 || r->count > BLK_REQ_MAX_BLOCKS)
        return -E_INVAL;
    u64 first = BLK_CAP_FIRST(b->object), count = BLK_CAP_COUNT(b->object);
    if (r->block < first || r->block - first > count || r->count > count - (r->block - first))
        return -E_RANGE;
    if (op == BLK_WRITE && disk.read_only)
        return -E_PERM;
    if (r->frame == CAP_SELF)
        return -E_INVAL;
    struct capnode *f = cap_get(e, r->frame, &err);
    if (!f)
        return err;
    /* The device writes the frames of a read, reads those of a write. */
    if (f->type != CAP_FRAME || !(f->rights & (op == BLK_READ ? R_WRITE : R_READ)))
        return -E_PERM;
    if (r->page > cap_pages(f) || r->count > cap_pages(f) - r->page)
        return -E_RANGE;
    *pa = (f->object + r->page) * PAGE_SIZE;
    *npages = r->count;
    return 0;
}

/* sys_blk_submit(reqs, n, notify, chan): see kernel/kcalls.tbl. */
s64 sys_blk_submit(u64 ureqs, u64 n, u64 notify, u64 chan)
{
    struct env *e = cpu_env();
    if (!disk.present)
        return -E_NOENT;
    if (n == 0 || n > BLK_BATCH_MAX)
        return -E_INVAL;
    u64 obj = 0;
    if (notify != CAP_SELF) {
        if (chan >= NOTIFY_CHANNELS)
            return -E_INVAL;
        int r = notify_object(e, notify, R_WRITE, &obj);
        if (r < 0)
            return r;
    }
    spin_lock(&blk_lock);
    s64 ret = n;
    if (copy_from_user(batch, ureqs, n * sizeof batch[0]) < 0) {
        ret = -E_FAULT;
        goto out;
    }
    /* Every request is checked before any starts. */
    paddr_t pa[BLK_BATCH_MAX];
    u16 npages[BLK_BATCH_MAX];
    for (u64 k = 0; k < n; k++) {
        u64 np;
        int r = check_req(e, &batch[k], &pa[k], &np);
        if (r < 0) {
            ret = r;
            goto out;
        }
        npages[k] = (u16)np;
    }
    /* Room: slots free, and the caller's share. The counts answer at
     * once; only when they say no, the table is scanned: slots finished
     * for an env that has ended are freed, and the caller's own counted. */
    u8 oidx = (u8)(e - envs);
    if (disk.nfree < n || disk.busy[oidx] + n > BLK_ENV_MAX) {
        u32 mine = 0;
        for (u32 i = 0; i < BLK_REQ_SLOTS; i++) {
            struct blk_slot *s = &disk.slot[i];
            if (s->state == SLOT_DONE && !owner_alive(s))
                slot_state(s, SLOT_FREE);
            else if (s->state != SLOT_FREE && s->owner == e->id)
                mine++;
        }
        if (disk.nfree < n || mine + n > BLK_ENV_MAX) {
            ret = -E_AGAIN;
            goto out;
        }
    }
    for (u64 k = 0; k < n; k++) {
        const struct blk_req *r = &batch[k];
        u32 op = r->op & ~BLK_FUA;
        u32 i = slot_take(oidx);
        struct blk_slot *s = &disk.slot[i];
        *s = (struct blk_slot){
            .oidx = oidx, .owner = e->id, .tag = r->tag, .notify = obj, .chan = (u32)chan};
        u64 count = r->count;
        if (op == BLK_WRITE && disk.crash_left) {
            if (count >= disk.crash_left) {
                /* The crash point falls in this request: the blocks before
                 * it reach the disk, it and everything after do not. */
                count = disk.crash_left - 1;
                if (count) {
                    s->npages = count;
                    s->pa = pa[k];
                    frame_pin(s->pa, count);
                    post(i, VIRTIO_BLK_T_OUT, r->block * SECTORS_PER_BLOCK, pa[k],
                         count * BLK_SIZE);
                    disk.written += count;
                    virtq_kick(&disk.q);
                }
                crash_now();
            }
            disk.crash_left -= count;
        }
        if (npages[k] && !frame_pin(pa[k], npages[k])) {
            /* The pin table is full (other devices' transfers): this one
             * fails without reaching the device. */
            s->status = -E_AGAIN;
            slot_state(s, SLOT_DONE);
            if (s->notify)
                notify_ring(s->notify, s->chan);
            continue;
        }
        s->pa = pa[k];
        s->npages = npages[k];
        s->fua = r->op & BLK_FUA;
        if (op == BLK_FLUSH) {
            post(i, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
        } else {
            post(i, op == BLK_READ ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT,
                 r->block * SECTORS_PER_BLOCK, pa[k], count * BLK_SIZE);
            if (op == BLK_WRITE)
                disk.written += count;
        }
    }
    virtq_kick(&disk.q);
out:
    spin_unlock(&blk_lock);
    return ret;
}

/* sys_blk_reap(out, max): see kernel/kcalls.tbl. */
s64 sys_blk_reap(u64 uout, u64 max)
{
    struct env *e = cpu_env();
    if (max == 0)
        return -E_INVAL;
    if (uout & 7)
        return -E_ALIGN;
    struct blk_done done[16];
    u32 idx[16], n = 0, seen = 0;
    spin_lock(&blk_lock);
    /* (seen: finished slots passed, anyone's; none left after ndone) */
    for (u32 i = 0; i < BLK_REQ_SLOTS && n < MIN(max, 16) && seen < disk.ndone; i++) {
        struct blk_slot *s = &disk.slot[i];
        if (s->state != SLOT_DONE)
            continue;
        seen++;
        if (s->owner == e->id) {
            done[n] = (struct blk_done){.tag = s->tag, .status = s->status};
            idx[n++] = i;
        }
    }
    s64 ret = n;
    if (n && copy_to_user(uout, done, n * sizeof done[0]) < 0)
        ret = -E_FAULT;
    else
        for (u32 k = 0; k < n; k++) /* gone only once the caller has them */
            slot_state(&disk.slot[idx[k]], SLOT_FREE);
    spin_unlock(&blk_lock);
    return ret;
}

/* sys_blk_derive(slot, first, count, rights, dest_env): see kernel/kcalls.tbl. */
s64 sys_blk_derive(u64 slot, u64 first, u64 count, u64 rights, u64 dest_env)
{
    struct env *e = cpu_env(), *dest;
    int err;
    struct capnode *c = block_cap(e, slot, 0, &err);
    if (!c)
        return err;
    if (dest_env >= CAP_MAX_SLOT)
        return -E_INVAL;
    if ((err = cap_env(e, dest_env, R_CONTROL, &dest)) < 0)
        return err;
    if (rights & ~(u64)c->rights)
        return -E_PERM;
    if (dest != e && !(c->rights & R_GRANT))
        return -E_PERM;
    u64 cfirst = BLK_CAP_FIRST(c->object), ccount = BLK_CAP_COUNT(c->object);
    if (count == 0 || first < cfirst || first - cfirst > ccount ||
        count > ccount - (first - cfirst))
        return -E_RANGE;
    if (c->depth >= CAP_MAX_DEPTH)
        return -E_NOMEM;
    return cap_insert(dest, CAP_BLOCK, (u8)rights, first << 32 | count, cap_index(c));
}

/* sys_blk_ctl(slot, op, arg): see kernel/kcalls.tbl. */
s64 sys_blk_ctl(u64 slot, u64 op, u64 arg)
{
    int err;
    struct capnode *c = block_cap(cpu_env(), slot, 0, &err);
    if (!c)
        return err;
    switch (op) {
    case BLKCTL_NBLOCKS:
        return (s64)disk.nblocks;
    case BLKCTL_WRITTEN:
        return (s64)disk.written;
    case BLKCTL_CRASH_AFTER:
        /* It stops the whole machine: only when the boot allowed it. */
        if (!(c->rights & R_CONTROL) || c->object != disk.nblocks || !disk.crash_ok)
            return -E_PERM;
        blk_crash_after(arg);
        return 0;
    }
    return -E_INVAL;
}
