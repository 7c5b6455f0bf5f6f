/* The disk through block capabilities, the positive side: sys_dev_open of
 * the disk, libblk's reads and writes (through its bounce buffer and zero
 * copy from registered frames) checked by reading back, a raw batch of 64
 * requests completing through a notification channel, FUA and flush, a
 * derived read-only sub-range, the written-block count. It leaves a token
 * on the disk's last block for the second boot (t_blk_persist, run by
 * tools/run-tests.sh on the same image). */
#include "../../lib/exo/exo.h"
#include "../../lib/blk/blk.h"
#include "check.h"

#define REGION_VA 0x0000500000000000UL

static uint8_t buf[64 * BLK_SIZE], back[64 * BLK_SIZE];

static void fill(uint8_t *p, uint64_t blocks, uint64_t seed)
{
    for (uint64_t i = 0; i < blocks * BLK_SIZE; i += 8) {
        uint64_t v = (seed + i) * 0x9e3779b97f4a7c15UL;
        memcpy(p + i, &v, 8);
    }
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

int main(void)
{
    long disk = sys_dev_open(DEV_DISK);
    CHECK_EQ(disk > 0, 1);
    if (disk <= 0)
        return 1;
    CHECK_EQ(sys_dev_open(DEV_DISK), -E_BUSY); /* one holder at a time */
    struct cap_info ci;
    CHECK_EQ(sys_cap_inspect((uint32_t)disk, &ci), 0);
    CHECK_EQ(ci.type, CAP_BLOCK);
    CHECK_EQ(ci.rights, R_READ | R_WRITE | R_GRANT | R_REVOKE | R_CONTROL);
    long nblocks = sys_blk_ctl((uint32_t)disk, BLKCTL_NBLOCKS, 0);
    CHECK_EQ(nblocks, 16384); /* make test's scratch disk: 64 MiB */
    CHECK_EQ(BLK_CAP_FIRST(ci.object), 0);
    CHECK_EQ(BLK_CAP_COUNT(ci.object), nblocks);

    struct blkdev d;
    CHECK_EQ(blk_open(&d, (uint32_t)disk, 0), 0);
    CHECK_EQ(blk_nblocks(&d), nblocks);
    long written0 = sys_blk_ctl((uint32_t)disk, BLKCTL_WRITTEN, 0);

    /* Through the bounce buffer: sizes below, at and above its 16 pages. */
    static const uint32_t sizes[] = {1, 3, 16, 17, 40, 64};
    uint64_t at = 0, total = 0;
    for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        fill(buf, sizes[k], at);
        CHECK_EQ(blk_write(&d, at, sizes[k], buf), 0);
        memset(back, 0, sizeof back);
        CHECK_EQ(blk_read(&d, at, sizes[k], back), 0);
        CHECK_EQ(memcmp(buf, back, (size_t)sizes[k] * BLK_SIZE), 0);
        at += sizes[k];
        total += sizes[k];
    }
    CHECK_EQ(sys_blk_ctl((uint32_t)disk, BLKCTL_WRITTEN, 0) - written0, (long)total);
    /* What was written first is still there after the rest. */
    fill(buf, 1, 0);
    CHECK_EQ(blk_read(&d, 0, 1, back), 0);
    CHECK_EQ(memcmp(buf, back, BLK_SIZE), 0);

    /* Zero copy: a registered block of 8 frames. */
    long fb = sys_frame_alloc_in(CAP_SELF, -1, 3);
    CHECK_EQ(fb > 0, 1);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)fb, REGION_VA, MMU_W), 1);
    uint8_t *region = (uint8_t *)REGION_VA;
    CHECK_EQ(blk_register(&d, region, (uint32_t)fb, 8), 0);
    fill(region, 8, 777);
    CHECK_EQ(blk_write(&d, 1000, 8, region), 0);
    CHECK_EQ(blk_read(&d, 1000, 8, back), 0); /* (bounced) */
    CHECK_EQ(memcmp(region, back, 8 * BLK_SIZE), 0);
    memset(region, 0, 8 * BLK_SIZE);
    CHECK_EQ(blk_read(&d, 1002, 3, region + 4 * BLK_SIZE), 0); /* into pages 4-6, direct */
    CHECK_EQ(memcmp(region + 4 * BLK_SIZE, back + 2 * BLK_SIZE, 3 * BLK_SIZE), 0);
    CHECK_EQ(region[0], 0);

    /* FUA and flush. */
    fill(buf, 2, 4242);
    CHECK_EQ(blk_write_fua(&d, 2000, 2, buf), 0);
    CHECK_EQ(blk_flush(&d), 0);
    CHECK_EQ(blk_read(&d, 2000, 2, back), 0);
    CHECK_EQ(memcmp(buf, back, 2 * BLK_SIZE), 0);

    /* A raw batch: 64 one-block writes from the 8 registered pages (each
     * page to 8 places), one call; every tag completes once, through the
     * notification channel. */
    fill(region, 8, 99);
    struct blk_req reqs[BLK_BATCH_MAX];
    for (int i = 0; i < BLK_BATCH_MAX; i++)
        reqs[i] = (struct blk_req){.block = 3000 + (uint64_t)i,
                                   .count = 1,
                                   .op = BLK_WRITE,
                                   .cap = (uint32_t)disk,
                                   .frame = (uint32_t)fb,
                                   .page = (uint32_t)(i % 8),
                                   .tag = 5000 + (uint64_t)i};
    CHECK_EQ(sys_blk_submit(reqs, BLK_BATCH_MAX, d.notify, d.chan), BLK_BATCH_MAX);
    uint64_t seen = 0;
    int got = 0, bad = 0;
    for (int spins = 0; got < BLK_BATCH_MAX && spins < 100000; spins++) {
        struct blk_done done[16];
        long n = sys_blk_reap(done, 16);
        if (n < 0) {
            bad++;
            break;
        }
        for (long k = 0; k < n; k++) {
            uint64_t t = done[k].tag - 5000;
            if (t >= 64 || (seen >> t & 1) || done[k].status != 0)
                bad++;
            else
                seen |= 1UL << t;
            got++;
        }
        if (n == 0)
            sys_block(0);
    }
    CHECK_EQ(got, BLK_BATCH_MAX);
    CHECK_EQ(bad, 0);
    CHECK_EQ(seen, ~0UL);
    CHECK_EQ(blk_read(&d, 3000, 64, back), 0);
    int mismatches = 0;
    for (int i = 0; i < 64; i++)
        mismatches +=
            memcmp(back + (size_t)i * BLK_SIZE, region + (size_t)(i % 8) * BLK_SIZE, BLK_SIZE) != 0;
    CHECK_EQ(mismatches, 0);
    struct blk_done none[4];
    CHECK_EQ(sys_blk_reap(none, 4), 0); /* nothing left */

    /* Many transfers at once: 40 scattered one-block writes from the
     * registered pages (concurrent) and 2 from elsewhere (bounced), then
     * read back the same way into other places. */
    static struct blk_io ios[42];
    fill(region, 8, 5150);
    fill(buf, 2, 6160);
    for (int i = 0; i < 40; i++)
        ios[i] = (struct blk_io){.block = 6000 + 3 * (uint64_t)i,
                                 .count = 1,
                                 .write = 1,
                                 .buf = region + (size_t)(i % 8) * BLK_SIZE};
    ios[40] = (struct blk_io){.block = 6200, .count = 2, .write = 2, .buf = buf};
    ios[41] = (struct blk_io){.block = 6202, .count = 0, .write = 1, .buf = buf};
    CHECK_EQ(blk_rw_many(&d, ios, 42), 0);
    int wrong = 0;
    for (int i = 0; i < 40; i++) {
        CHECK_EQ(blk_read(&d, 6000 + 3 * (uint64_t)i, 1, back), 0);
        wrong += memcmp(back, region + (size_t)(i % 8) * BLK_SIZE, BLK_SIZE) != 0;
    }
    CHECK_EQ(wrong, 0);
    memcpy(back, region, 8 * BLK_SIZE); /* what pages 0-7 held */
    for (int i = 0; i < 8; i++)         /* read blocks 6000+3*(8+i) back into page 7-i */
        ios[i] = (struct blk_io){.block = 6000 + 3 * (uint64_t)(8 + i),
                                 .count = 1,
                                 .write = 0,
                                 .buf = region + (size_t)(7 - i) * BLK_SIZE};
    ios[8] = (struct blk_io){.block = 6200, .count = 2, .write = 0, .buf = back + 8 * BLK_SIZE};
    ios[9] = (struct blk_io){.block = (uint64_t)nblocks, .count = 1, .write = 0, .buf = buf};
    CHECK_EQ(blk_rw_many(&d, ios, 10), -E_RANGE); /* the last one; the others were made */
    wrong = 0;
    for (int i = 0; i < 8; i++)
        wrong +=
            memcmp(region + (size_t)(7 - i) * BLK_SIZE, back + (size_t)i * BLK_SIZE, BLK_SIZE) != 0;
    CHECK_EQ(wrong, 0);
    CHECK_EQ(memcmp(back + 8 * BLK_SIZE, buf, 2 * BLK_SIZE), 0);

    /* A derived read-only sub-range: its block 0 is the disk's 1000. */
    long ro = sys_blk_derive((uint32_t)disk, 1000, 8, R_READ, CAP_SELF);
    CHECK_EQ(ro > 0, 1);
    struct blkdev r;
    CHECK_EQ(blk_open(&r, (uint32_t)ro, REGION_VA + 0x100000), 0);
    CHECK_EQ(blk_nblocks(&r), 8);
    fill(buf, 8, 777);
    CHECK_EQ(blk_read(&r, 0, 8, back), 0);
    CHECK_EQ(memcmp(buf, back, 8 * BLK_SIZE), 0);
    CHECK_EQ(blk_write(&r, 0, 1, back), -E_PERM);
    CHECK_EQ(blk_read(&r, 7, 2, back), -E_RANGE);
    CHECK_EQ(blk_flush(&r), -E_PERM);
    blk_close(&r);
    CHECK_EQ(sys_cap_delete((uint32_t)ro), 0);

    /* The last block, and past it. */
    fill(buf, 1, 31337);
    CHECK_EQ(blk_write(&d, (uint64_t)nblocks - 2, 1, buf), 0);
    CHECK_EQ(blk_read(&d, (uint64_t)nblocks - 2, 1, back), 0);
    CHECK_EQ(memcmp(buf, back, BLK_SIZE), 0);
    CHECK_EQ(blk_read(&d, (uint64_t)nblocks, 1, back), -E_RANGE);
    CHECK_EQ(blk_write(&d, (uint64_t)nblocks - 1, 2, buf), -E_RANGE);

    /* The token for the second boot, on the last block, durable (FUA). */
    uint64_t token = rdtsc() | 1;
    memset(buf, 0, BLK_SIZE);
    memcpy(buf, "spinel-persist", 14);
    memcpy(buf + 16, &token, 8);
    CHECK_EQ(blk_write_fua(&d, (uint64_t)nblocks - 1, 1, buf), 0);
    printf("t_blk: persist token %lx\n", token);

    blk_close(&d);
    CHECK_EQ(sys_cap_delete((uint32_t)fb), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)disk), 0);
    long again = sys_dev_open(DEV_DISK); /* back with the kernel */
    CHECK_EQ(again > 0, 1);
    printf("t_blk: %d failed checks\n", check_failures);
    return check_failures;
}
