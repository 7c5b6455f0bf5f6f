/* The disk through block capabilities, the hostile side. Every bad request
 * must fail with its own error and write nothing (the 128 blocks it aims
 * at are read back at the end and must hold what was written before):
 * blocks outside the capability's range or the disk, bad counts and ops,
 * frames that are not frames, not ours, lack the right, or are too small,
 * kernel frames (page tables, the information page: no capability names
 * them, and none can be had), malformed batches (empty, too long, bad and
 * partly unmapped pointers, one bad request among good ones), a flood of
 * requests (the env's share, and another env, t_blk_child, that floods
 * the kernel's table and is killed with requests in flight: we still get
 * through, and its frames come back), frames deleted and block
 * capabilities revoked while their I/O is in flight, and derivations that
 * would widen a range or rights. */
#include "../../lib/exo/exo.h"
#include "../../lib/blk/blk.h"
#include "check.h"

#define FRAMES_VA 0x0000500000000000UL
#define BIG_VA    0x0000510000000000UL
#define BASE      128 /* blocks 0 .. BASE-1 hold the baseline pattern */

static uint8_t pattern[BASE * BLK_SIZE], back[BASE * BLK_SIZE];
static struct blkdev d;
static uint32_t disk, frame, notify;
static struct cap_info ci;

static void fill(uint8_t *p, uint64_t bytes, uint64_t seed)
{
    for (uint64_t i = 0; i < bytes; i += 8) {
        uint64_t v = (seed + i) * 0x9e3779b97f4a7c15UL;
        memcpy(p + i, &v, 8);
    }
}

static unsigned long free_frames(void)
{
    struct sys_info si;
    sys_sysinfo(&si);
    return si.free_frames;
}

/* A one-request batch. */
static long submit1(uint64_t block, uint32_t count, uint32_t op, uint32_t cap, uint32_t fr,
                    uint32_t page)
{
    struct blk_req r = {
        .block = block, .count = count, .op = op, .cap = cap, .frame = fr, .page = page};
    return sys_blk_submit(&r, 1, CAP_SELF, 0);
}

/* Reaps until `n` completions came (statuses all 0 expected); returns how many. */
static int reap_all(int n)
{
    int got = 0, spins = 0;
    while (got < n && spins++ < 200000) {
        struct blk_done done[16];
        long k = sys_blk_reap(done, 16);
        if (k < 0)
            break;
        for (long i = 0; i < k; i++)
            CHECK_EQ(done[i].status, 0);
        got += (int)k;
        if (k == 0)
            sys_yield(-1);
    }
    return got;
}

static void bad_requests(void)
{
    uint64_t n = (uint64_t)sys_blk_ctl(disk, BLKCTL_NBLOCKS, 0);
    long sub = sys_blk_derive(disk, 100, 10, R_READ | R_WRITE, CAP_SELF); /* [100, 110) */
    CHECK_EQ(sub > 0, 1);
    /* Outside the capability's range, or the disk. */
    CHECK_EQ(submit1(110, 1, BLK_WRITE, (uint32_t)sub, frame, 0), -E_RANGE);
    CHECK_EQ(submit1(99, 1, BLK_WRITE, (uint32_t)sub, frame, 0), -E_RANGE);
    CHECK_EQ(submit1(105, 6, BLK_WRITE, (uint32_t)sub, frame, 0), -E_RANGE);
    CHECK_EQ(submit1(~0UL, 2, BLK_WRITE, (uint32_t)sub, frame, 0), -E_RANGE);
    CHECK_EQ(submit1(1UL << 63, 1, BLK_WRITE, disk, frame, 0), -E_RANGE);
    CHECK_EQ(submit1(n, 1, BLK_WRITE, disk, frame, 0), -E_RANGE);
    CHECK_EQ(submit1(n - 1, 2, BLK_WRITE, disk, frame, 0), -E_RANGE);
    /* Counts, ops, reserved bits. */
    CHECK_EQ(submit1(1, 0, BLK_WRITE, disk, frame, 0), -E_INVAL);
    CHECK_EQ(submit1(1, BLK_REQ_MAX_BLOCKS + 1, BLK_WRITE, disk, frame, 0), -E_INVAL);
    CHECK_EQ(submit1(1, 1, 0, disk, frame, 0), -E_INVAL);
    CHECK_EQ(submit1(1, 1, 4, disk, frame, 0), -E_INVAL);
    CHECK_EQ(submit1(1, 1, BLK_READ | BLK_FUA, disk, frame, 0), -E_INVAL);
    CHECK_EQ(submit1(1, 1, BLK_WRITE | 0x200, disk, frame, 0), -E_INVAL);
    CHECK_EQ(submit1(0, 1, BLK_FLUSH, disk, frame, 0), -E_INVAL);
    CHECK_EQ(submit1(1, 0, BLK_FLUSH, disk, frame, 0), -E_INVAL);
    struct blk_req rr = {
        .block = 1, .count = 1, .op = BLK_WRITE, .cap = disk, .frame = frame, .reserved = 1};
    CHECK_EQ(sys_blk_submit(&rr, 1, CAP_SELF, 0), -E_INVAL);
    /* The block capability: empty, not one, lacking the right. */
    CHECK_EQ(submit1(1, 1, BLK_WRITE, 4000, frame, 0), -E_NOENT);
    CHECK_EQ(submit1(1, 1, BLK_WRITE, 5000, frame, 0), -E_INVAL);
    CHECK_EQ(submit1(1, 1, BLK_WRITE, CAP_SELF, frame, 0), -E_INVAL);
    CHECK_EQ(submit1(1, 1, BLK_WRITE, frame, frame, 0), -E_PERM);
    CHECK_EQ(submit1(1, 1, BLK_WRITE, notify, frame, 0), -E_PERM);
    long ro = sys_blk_derive(disk, 0, BASE, R_READ, CAP_SELF);
    long wo = sys_blk_derive(disk, 0, BASE, R_WRITE, CAP_SELF);
    CHECK_EQ(submit1(1, 1, BLK_WRITE, (uint32_t)ro, frame, 0), -E_PERM);
    CHECK_EQ(submit1(1, 1, BLK_WRITE | BLK_FUA, (uint32_t)ro, frame, 0), -E_PERM);
    CHECK_EQ(submit1(0, 0, BLK_FLUSH, (uint32_t)ro, 0, 0), -E_PERM);
    CHECK_EQ(submit1(1, 1, BLK_READ, (uint32_t)wo, frame, 0), -E_PERM);
    /* The frame: empty, not a frame, ours without the right, too small. */
    CHECK_EQ(submit1(1, 1, BLK_WRITE, disk, 4000, 0), -E_NOENT);
    CHECK_EQ(submit1(1, 1, BLK_WRITE, disk, CAP_SELF, 0), -E_INVAL);
    CHECK_EQ(submit1(1, 1, BLK_WRITE, disk, 9999, 0), -E_INVAL);
    CHECK_EQ(submit1(1, 1, BLK_WRITE, disk, disk, 0), -E_PERM);
    CHECK_EQ(submit1(1, 1, BLK_WRITE, disk, notify, 0), -E_PERM);
    long fro = sys_cap_derive(frame, R_READ, CAP_SELF);  /* the device may not write it */
    long fwo = sys_cap_derive(frame, R_WRITE, CAP_SELF); /* nor read this one */
    CHECK_EQ(submit1(1, 1, BLK_READ, disk, (uint32_t)fro, 0), -E_PERM);
    CHECK_EQ(submit1(1, 1, BLK_WRITE, disk, (uint32_t)fwo, 0), -E_PERM);
    CHECK_EQ(submit1(1, 1, BLK_WRITE, disk, frame, 4), -E_RANGE); /* an order-2 block: 4 pages */
    CHECK_EQ(submit1(1, 2, BLK_WRITE, disk, frame, 3), -E_RANGE);
    CHECK_EQ(submit1(1, 5, BLK_WRITE, disk, frame, 0), -E_RANGE);
    CHECK_EQ(submit1(1, 1, BLK_WRITE, disk, frame, ~0U), -E_RANGE);
    /* Kernel frames: our page tables and the information page are mapped
     * (read-only) but no capability of ours names them, and none can be
     * had: sys_frame_alloc of those frames is refused. */
    uint64_t pml4 = exo_pte((uint64_t)PT_WINDOW_PML4E(0)) >> 12 & 0xffffffffffUL;
    uint64_t info = exo_pte(ENV_INFO_VA) >> 12 & 0xffffffffffUL;
    CHECK_EQ(pml4 != 0 && info != 0, 1);
    CHECK_EQ(sys_frame_alloc((int64_t)pml4), -E_BUSY);
    CHECK_EQ(sys_frame_alloc((int64_t)info), -E_BUSY);
    int named = 0;
    for (uint32_t s = 1; s < 256; s++)
        if (sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_FRAME &&
            (ci.object == pml4 || ci.object == info))
            named++;
    CHECK_EQ(named, 0);
    /* Every capability that is not a frame is refused as one. */
    int refused = 0, others = 0;
    for (uint32_t s = 1; s < 256; s++) {
        if (sys_cap_inspect(s, &ci) == 0 && ci.type != CAP_FRAME) {
            others++;
            refused += submit1(1, 1, BLK_READ, disk, s, 0) == -E_PERM;
        }
    }
    CHECK_EQ(refused, others);
    /* The notification: not one, bad channel. */
    struct blk_req ok = {.block = 1, .count = 1, .op = BLK_WRITE, .cap = disk, .frame = frame};
    CHECK_EQ(sys_blk_submit(&ok, 1, frame, 0), -E_PERM);
    CHECK_EQ(sys_blk_submit(&ok, 1, notify, NOTIFY_CHANNELS), -E_INVAL);
    CHECK_EQ(sys_blk_submit(&ok, 1, 4000, 0), -E_NOENT);
    /* Malformed batches. */
    static struct blk_req batch[BLK_BATCH_MAX + 1];
    for (int i = 0; i <= BLK_BATCH_MAX; i++)
        batch[i] = (struct blk_req){.block = (uint64_t)i,
                                    .count = 1,
                                    .op = BLK_WRITE,
                                    .cap = disk,
                                    .frame = frame,
                                    .page = (uint32_t)(i % 4)};
    CHECK_EQ(sys_blk_submit(batch, 0, CAP_SELF, 0), -E_INVAL);
    CHECK_EQ(sys_blk_submit(batch, BLK_BATCH_MAX + 1, CAP_SELF, 0), -E_INVAL);
    CHECK_EQ(sys_blk_submit(NULL, 1, CAP_SELF, 0), -E_FAULT);
    CHECK_EQ(sys_blk_submit((void *)0xffff800000100000UL, 1, CAP_SELF, 0), -E_FAULT);
    CHECK_EQ(sys_blk_submit((void *)0x0000400000000000UL, 1, CAP_SELF, 0), -E_FAULT);
    /* The last request crosses into an unmapped page. */
    struct blk_req *edge = (struct blk_req *)(FRAMES_VA + 4 * BLK_SIZE) - 3;
    edge[0] = edge[1] = batch[0];
    CHECK_EQ(sys_blk_submit(edge, 4, CAP_SELF, 0), -E_FAULT);
    /* 63 good requests and a bad one: none starts. */
    batch[BLK_BATCH_MAX - 1].block = n;
    CHECK_EQ(sys_blk_submit(batch, BLK_BATCH_MAX, CAP_SELF, 0), -E_RANGE);
    batch[BLK_BATCH_MAX - 1].block = 63;
    batch[BLK_BATCH_MAX - 1].frame = (uint32_t)fro;
    batch[BLK_BATCH_MAX - 1].op = BLK_READ;
    CHECK_EQ(sys_blk_submit(batch, BLK_BATCH_MAX, CAP_SELF, 0), -E_PERM);
    struct blk_done none[2];
    CHECK_EQ(sys_blk_reap(none, 2), 0); /* nothing was started */
    /* Reap: bad arguments. */
    CHECK_EQ(sys_blk_reap(none, 0), -E_INVAL);
    CHECK_EQ(sys_blk_reap((void *)((uintptr_t)none + 4), 1), -E_ALIGN);
    /* Control: unknown op; the crash point only through the whole disk. */
    CHECK_EQ(sys_blk_ctl(disk, 99, 0), -E_INVAL);
    CHECK_EQ(sys_blk_ctl(disk, BLKCTL_WRITTEN, 0) >= BASE, 1);
    CHECK_EQ(sys_blk_ctl((uint32_t)sub, BLKCTL_CRASH_AFTER, 1), -E_PERM);
    CHECK_EQ(sys_blk_ctl(disk, BLKCTL_CRASH_AFTER, 1), -E_PERM); /* not without blkcrash= */
    CHECK_EQ(sys_blk_ctl(frame, BLKCTL_NBLOCKS, 0), -E_PERM);
    CHECK_EQ(sys_blk_ctl(CAP_SELF, BLKCTL_NBLOCKS, 0), -E_INVAL);
    long nocontrol = sys_cap_derive(disk, R_READ | R_WRITE, CAP_SELF);
    CHECK_EQ(sys_blk_ctl((uint32_t)nocontrol, BLKCTL_CRASH_AFTER, 1), -E_PERM);
    CHECK_EQ(sys_blk_ctl((uint32_t)nocontrol, BLKCTL_NBLOCKS, 0), (long)n);
    /* Derivations that would widen. */
    CHECK_EQ(sys_blk_derive((uint32_t)sub, 99, 2, R_READ, CAP_SELF), -E_RANGE);
    CHECK_EQ(sys_blk_derive((uint32_t)sub, 109, 2, R_READ, CAP_SELF), -E_RANGE);
    CHECK_EQ(sys_blk_derive((uint32_t)sub, 100, 0, R_READ, CAP_SELF), -E_RANGE);
    CHECK_EQ(sys_blk_derive((uint32_t)sub, 100, ~0UL, R_READ, CAP_SELF), -E_RANGE);
    CHECK_EQ(sys_blk_derive((uint32_t)sub, ~0UL, 2, R_READ, CAP_SELF), -E_RANGE);
    CHECK_EQ(sys_blk_derive((uint32_t)ro, 0, 1, R_READ | R_WRITE, CAP_SELF), -E_PERM);
    CHECK_EQ(sys_cap_derive((uint32_t)ro, R_READ | R_WRITE, CAP_SELF), -E_PERM);
    CHECK_EQ(sys_blk_derive((uint32_t)sub, 100, 1, R_CONTROL, CAP_SELF), -E_PERM);
    CHECK_EQ(sys_blk_derive(frame, 0, 1, R_READ, CAP_SELF), -E_PERM);
    CHECK_EQ(sys_blk_derive(CAP_SELF, 0, 1, R_READ, CAP_SELF), -E_INVAL);
    CHECK_EQ(sys_blk_derive((uint32_t)sub, 100, 1, R_READ, frame), -E_PERM); /* not an env */
    long narrow = sys_blk_derive((uint32_t)sub, 104, 2, R_READ, CAP_SELF);
    CHECK_EQ(sys_cap_inspect((uint32_t)narrow, &ci), 0);
    CHECK_EQ(ci.object, 104UL << 32 | 2);
    CHECK_EQ(ci.rights, R_READ);
    CHECK_EQ(sys_cap_delete((uint32_t)sub), 0); /* and its copy with it */
    CHECK_EQ(sys_cap_inspect((uint32_t)narrow, &ci), -E_NOENT);
    sys_cap_delete((uint32_t)ro);
    sys_cap_delete((uint32_t)wo);
    sys_cap_delete((uint32_t)fro);
    sys_cap_delete((uint32_t)fwo);
    sys_cap_delete((uint32_t)nocontrol);
}

/* The env's share of the kernel's table: BLK_ENV_MAX requests submitted
 * and not reaped; one more is refused until it reaps. */
static void own_flood(void)
{
    static struct blk_req batch[BLK_BATCH_MAX];
    for (int i = 0; i < BLK_BATCH_MAX; i++)
        batch[i] = (struct blk_req){.block = 4096 + (uint64_t)i,
                                    .count = 1,
                                    .op = BLK_READ,
                                    .cap = disk,
                                    .frame = frame,
                                    .page = (uint32_t)(i % 4)};
    CHECK_EQ(sys_blk_submit(batch, BLK_BATCH_MAX, CAP_SELF, 0), BLK_BATCH_MAX);
    CHECK_EQ(sys_blk_submit(batch, 1, CAP_SELF, 0), -E_AGAIN);
    CHECK_EQ(reap_all(BLK_BATCH_MAX), BLK_BATCH_MAX);
    CHECK_EQ(sys_blk_submit(batch, 1, CAP_SELF, 0), 1);
    CHECK_EQ(reap_all(1), 1);
}

/* Another env floods the kernel's table and is killed with its requests in
 * flight or unreaped: we get the rest of the table meanwhile, all of it
 * afterwards, and its frames come back once its transfers are over. */
static void other_flood(void)
{
    long n = sys_notify_create();
    CHECK_EQ(sys_notify_bind((uint32_t)n, 1, 0x2), 0);
    CHECK_EQ(sys_notify_bind((uint32_t)n, 2, 0x4), 0);
    unsigned long before = free_frames();
    long child = exo_spawn("t_blk_child", 128);
    CHECK_EQ(child > 0, 1);
    CHECK_EQ(sys_cap_derive((uint32_t)n, R_WRITE, (uint32_t)child) > 0, 1);
    CHECK_EQ(sys_blk_derive(disk, 8192, 1024, R_READ, (uint32_t)child) > 0, 1);
    uint64_t ev = 0;
    for (int i = 0; i < 1000 && !(ev & 0x6); i++)
        ev |= (uint64_t)sys_block(0);
    CHECK_EQ(ev & 0x6, 0x2); /* it flooded, and its checks held (else 0x4) */
    static struct blk_req batch[BLK_BATCH_MAX];
    for (int i = 0; i < BLK_BATCH_MAX; i++)
        batch[i] = (struct blk_req){.block = 4096 + (uint64_t)i,
                                    .count = 1,
                                    .op = BLK_READ,
                                    .cap = disk,
                                    .frame = frame,
                                    .page = (uint32_t)(i % 4)};
    /* It holds BLK_ENV_MAX of the table's entries: the rest are ours. */
    int room = BLK_REQ_SLOTS - BLK_ENV_MAX;
    CHECK_EQ(sys_blk_submit(batch, (uint32_t)room + 1, CAP_SELF, 0), -E_AGAIN);
    CHECK_EQ(sys_blk_submit(batch, (uint32_t)room, CAP_SELF, 0), room);
    CHECK_EQ(reap_all(room), room);
    /* Killed, with what it submitted in flight or waiting to be reaped. */
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(sys_blk_submit(batch, BLK_BATCH_MAX, CAP_SELF, 0), BLK_BATCH_MAX);
    CHECK_EQ(reap_all(BLK_BATCH_MAX), BLK_BATCH_MAX);
    unsigned long after = 0;
    for (int i = 0; i < 10000 && (after = free_frames()) != before; i++)
        sys_yield(-1);
    CHECK_EQ(after, before);
    sys_cap_delete((uint32_t)n);
}

/* A frame block deleted while the device writes into it: the frames come
 * back only once the transfer is over. */
static void delete_mid_io(void)
{
    unsigned long before = free_frames();
    long big = sys_frame_alloc_in(CAP_SELF, -1, 9); /* 512 pages */
    CHECK_EQ(big > 0, 1);
    CHECK_EQ(submit1(0, BLK_REQ_MAX_BLOCKS, BLK_READ, disk, (uint32_t)big, 0), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)big), 0);
    unsigned long mid = free_frames();
    CHECK_EQ(mid <= before, 1);
    CHECK_EQ(reap_all(1), 1);
    CHECK_EQ(free_frames(), before);
    printf("t_blk_bad: frames freed mid-transfer: %s\n",
           mid < before ? "deferred until it completed" : "it had completed already");
}

/* A block capability revoked while a write through it is in flight: the
 * write completes (it was accepted), the capability is gone for the next. */
static void revoke_mid_io(void)
{
    long big = sys_frame_alloc_in(CAP_SELF, -1, 9);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)big, BIG_VA, MMU_W), 1);
    fill((uint8_t *)BIG_VA, 512 * BLK_SIZE, 123);
    long sub = sys_blk_derive(disk, 5000, 512, R_WRITE | R_REVOKE, CAP_SELF);
    long sub2 = sys_cap_derive((uint32_t)sub, R_WRITE, CAP_SELF);
    CHECK_EQ(submit1(5000, 512, BLK_WRITE, (uint32_t)sub2, (uint32_t)big, 0), 1);
    CHECK_EQ(sys_cap_revoke((uint32_t)sub), 1);
    CHECK_EQ(submit1(5000, 1, BLK_WRITE, (uint32_t)sub2, (uint32_t)big, 0), -E_NOENT);
    CHECK_EQ(reap_all(1), 1);
    static uint8_t chk[16 * BLK_SIZE];
    CHECK_EQ(blk_read(&d, 5000 + 496, 16, chk), 0);
    CHECK_EQ(memcmp(chk, (uint8_t *)BIG_VA + 496 * BLK_SIZE, sizeof chk), 0);
    sys_cap_delete((uint32_t)sub);
    sys_cap_delete((uint32_t)big);
}

int main(void)
{
    long dk = sys_dev_open(DEV_DISK);
    CHECK_EQ(dk > 0, 1);
    if (dk <= 0)
        return 1;
    disk = (uint32_t)dk;
    CHECK_EQ(blk_open(&d, disk, 0), 0);
    notify = d.notify;
    /* The bad requests' frame: 4 pages of 0x55, which must never reach the disk. */
    long f = sys_frame_alloc_in(CAP_SELF, -1, 2);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)f, FRAMES_VA, MMU_W), 1);
    frame = (uint32_t)f;
    memset((void *)FRAMES_VA, 0x55, 4 * BLK_SIZE);
    fill(pattern, sizeof pattern, 2024);
    CHECK_EQ(blk_write(&d, 0, BASE, pattern), 0);
    CHECK_EQ(blk_flush(&d), 0);

    bad_requests();
    own_flood();
    other_flood();
    delete_mid_io();
    revoke_mid_io();

    /* Nothing any bad request aimed at was written. */
    CHECK_EQ(blk_read(&d, 0, BASE, back), 0);
    CHECK_EQ(memcmp(pattern, back, sizeof back), 0);
    blk_close(&d);
    printf("t_blk_bad: %d failed checks\n", check_failures);
    return check_failures;
}
