/* libblk on Spinel (blk.h): synchronous block I/O over sys_blk_submit and
 * sys_blk_reap. A transfer becomes one batch of requests, at most
 * BLK_BATCH_MAX at a time: one per registered region it touches (zero
 * copy), or one per bounce-buffer load. */
#include "../exo/exo.h"
#include "../c/libc.h"
#include "blk.h"

/* Sleeps until an event (ours: a completion). An env with an event upcall
 * handler may see our bit go to the handler instead, so a wake-up can be
 * lost: it waits 10 ms at most. Without one (diskd) the bit stays pending
 * until sys_block takes it, and the wait has no time limit: a timer armed
 * for it would be where a halted CPU's clock jumps under QEMU's -icount
 * sleep=off, one such jump per request (docs/benchmarks.md, "Storage"). */
static void wait_block(struct blkdev *d)
{
    (void)d;
    sys_block(exo_handlers[UPCALL_EVENT] ? 10000 : 0);
}
int blk_open(struct blkdev *d, uint32_t cap, uintptr_t buf_va)
{
    memset(d, 0, sizeof *d);
    struct cap_info ci;
    long r = sys_cap_inspect(cap, &ci);
    if (r < 0)
        return (int)r;
    if (ci.type != CAP_BLOCK)
        return -E_PERM;
    d->cap = cap;
    d->first = BLK_CAP_FIRST(ci.object);
    d->nblocks = BLK_CAP_COUNT(ci.object);
    d->wait = wait_block;
    d->event = BLK_EVENT;
    long n = sys_notify_create();
    if (n < 0)
        return (int)n;
    d->notify = (uint32_t)n;
    d->chan = 0;
    if ((r = sys_notify_bind(d->notify, d->chan, d->event)) < 0)
        goto fail_notify;
    long b = sys_frame_alloc_in(CAP_SELF, -1, BLK_BOUNCE_ORDER);
    if (b < 0) {
        r = b;
        goto fail_notify;
    }
    d->bounce_cap = (uint32_t)b;
    d->bounce = (uint8_t *)(buf_va ? buf_va : BLK_BOUNCE_VA);
    if ((r = exo_map(CAP_SELF, d->bounce_cap, (uintptr_t)d->bounce, MMU_W)) < 0) {
        sys_cap_delete(d->bounce_cap);
        goto fail_notify;
    }
    return 0;
fail_notify:
    sys_cap_delete(d->notify);
    memset(d, 0, sizeof *d);
    return (int)r;
}

void blk_close(struct blkdev *d)
{
    if (d->bounce_cap)
        sys_cap_delete(d->bounce_cap); /* (unmaps it) */
    if (d->notify)
        sys_cap_delete(d->notify);
    memset(d, 0, sizeof *d);
}

int blk_register(struct blkdev *d, void *va, uint32_t frame_cap, uint32_t pages)
{
    for (int i = 0; i < BLK_REGIONS; i++) {
        if (d->region[i].pages == 0) {
            d->region[i].va = (uintptr_t)va;
            d->region[i].cap = frame_cap;
            d->region[i].pages = pages;
            return 0;
        }
    }
    return -E_NOMEM;
}

/* Submits n requests (tags are set here) and waits for all of them;
 * returns 0 or the first error (of the submission, or of a request). */
static int run(struct blkdev *d, struct blk_req *reqs, uint32_t n)
{
    uint64_t first_tag = d->tag;
    for (uint32_t i = 0; i < n; i++)
        reqs[i].tag = d->tag++;
    long r;
    while ((r = sys_blk_submit(reqs, n, d->notify, d->chan)) == -E_AGAIN)
        sys_yield(-1); /* the kernel's table is full: others' requests drain */
    if (r < 0)
        return (int)r;
    int err = 0;
    long got = 0;
    for (uint32_t left = n; left;) {
        /* Wait first: the device has not finished what was just started
         * (a completion that came already left its event pending, and the
         * wait returns at once). But after a full reap, reap again without
         * waiting: more may have finished under the event already taken. */
        if (got < 16)
            d->wait(d);
        struct blk_done done[16];
        got = sys_blk_reap(done, 16);
        if (got < 0)
            return (int)got;
        for (long k = 0; k < got; k++) {
            if (done[k].tag - first_tag < n) {
                left--;
                if (done[k].status && !err)
                    err = done[k].status;
            }
        }
    }
    return err;
}

/* The registered region holding [va, va + bytes), or -1. */
static int region_of(struct blkdev *d, uintptr_t va, uint64_t bytes)
{
    if (va % BLK_SIZE)
        return -1;
    for (int i = 0; i < BLK_REGIONS; i++) {
        uintptr_t lo = d->region[i].va, hi = lo + (uint64_t)d->region[i].pages * BLK_SIZE;
        if (d->region[i].pages && va >= lo && va < hi && bytes <= hi - va)
            return i;
    }
    return -1;
}

static int rw(struct blkdev *d, uint32_t op, uint64_t block, uint32_t count, uint8_t *buf)
{
    if (block > d->nblocks || count > d->nblocks - block)
        return -E_RANGE;
    uint32_t kind = op & ~BLK_FUA;
    if (kind == BLK_READ)
        d->reads++;
    else
        d->writes++;
    int reg = region_of(d, (uintptr_t)buf, (uint64_t)count * BLK_SIZE);
    if (reg >= 0) {
        /* Straight from/to the caller's frames, BLK_REQ_MAX_BLOCKS at a time. */
        uint32_t page = (uint32_t)(((uintptr_t)buf - d->region[reg].va) / BLK_SIZE);
        struct blk_req reqs[8];
        while (count) {
            uint32_t n = 0;
            while (count && n < 8) {
                uint32_t c = count < BLK_REQ_MAX_BLOCKS ? count : BLK_REQ_MAX_BLOCKS;
                reqs[n++] = (struct blk_req){.block = d->first + block,
                                             .count = c,
                                             .op = op,
                                             .cap = d->cap,
                                             .frame = d->region[reg].cap,
                                             .page = page};
                block += c;
                page += c;
                count -= c;
            }
            int r = run(d, reqs, n);
            if (r < 0)
                return r;
        }
        return 0;
    }
    /* Through the bounce buffer, BLK_BOUNCE_PAGES blocks at a time. */
    while (count) {
        uint32_t c = count < BLK_BOUNCE_PAGES ? count : BLK_BOUNCE_PAGES;
        if (kind == BLK_WRITE)
            memcpy(d->bounce, buf, (size_t)c * BLK_SIZE);
        struct blk_req req = {.block = d->first + block,
                              .count = c,
                              .op = op,
                              .cap = d->cap,
                              .frame = d->bounce_cap,
                              .page = 0};
        int r = run(d, &req, 1);
        if (r < 0)
            return r;
        if (kind == BLK_READ)
            memcpy(buf, d->bounce, (size_t)c * BLK_SIZE);
        block += c;
        buf += (size_t)c * BLK_SIZE;
        count -= c;
    }
    return 0;
}

int blk_rw_many(struct blkdev *d, const struct blk_io *ios, uint32_t n)
{
    static const uint32_t ops[3] = {BLK_READ, BLK_WRITE, BLK_WRITE | BLK_FUA};
    struct blk_req reqs[BLK_BATCH_MAX];
    uint32_t nreq = 0;
    int err = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct blk_io *io = &ios[i];
        uint32_t op = ops[io->write < 3 ? io->write : 1];
        if (io->count == 0)
            continue;
        if (io->block > d->nblocks || io->count > d->nblocks - io->block) {
            err = err ? err : -E_RANGE;
            continue;
        }
        int reg = region_of(d, (uintptr_t)io->buf, (uint64_t)io->count * BLK_SIZE);
        if (reg < 0) {
            int r = rw(d, op, io->block, io->count, io->buf); /* bounced, now */
            err = err ? err : r;
            continue;
        }
        if ((op & ~BLK_FUA) == BLK_READ)
            d->reads++;
        else
            d->writes++;
        uint32_t page = (uint32_t)(((uintptr_t)io->buf - d->region[reg].va) / BLK_SIZE);
        for (uint32_t done = 0; done < io->count;) {
            uint32_t c = io->count - done;
            if (c > BLK_REQ_MAX_BLOCKS)
                c = BLK_REQ_MAX_BLOCKS;
            reqs[nreq++] = (struct blk_req){.block = d->first + io->block + done,
                                            .count = c,
                                            .op = op,
                                            .cap = d->cap,
                                            .frame = d->region[reg].cap,
                                            .page = page + done};
            done += c;
            if (nreq == BLK_BATCH_MAX) {
                int r = run(d, reqs, nreq);
                err = err ? err : r;
                nreq = 0;
            }
        }
    }
    if (nreq) {
        int r = run(d, reqs, nreq);
        err = err ? err : r;
    }
    return err;
}

int blk_read(struct blkdev *d, uint64_t block, uint32_t count, void *buf)
{
    return rw(d, BLK_READ, block, count, buf);
}

int blk_write(struct blkdev *d, uint64_t block, uint32_t count, const void *buf)
{
    return rw(d, BLK_WRITE, block, count, (uint8_t *)buf);
}

int blk_write_fua(struct blkdev *d, uint64_t block, uint32_t count, const void *buf)
{
    return rw(d, BLK_WRITE | BLK_FUA, block, count, (uint8_t *)buf);
}

int blk_flush(struct blkdev *d)
{
    struct blk_req req = {.op = BLK_FLUSH, .cap = d->cap};
    d->flushes++;
    return run(d, &req, 1);
}
