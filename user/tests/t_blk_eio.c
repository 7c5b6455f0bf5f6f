/* Device errors (tools/run-tests.sh boots it with init=t_blk_eio on a disk
 * behind QEMU's blkdebug driver, which fails reads of block 10000 and
 * writes of block 10001 with EIO; not in the manifest): each failed
 * transfer completes with -E_IO, alone or in a batch whose other requests
 * succeed, plain or FUA, and the kernel goes on. Exits with the number of
 * failed checks. */
#include "../../lib/exo/exo.h"
#include "../../lib/blk/blk.h"
#include "check.h"

static uint8_t buf[4 * BLK_SIZE];

int main(void)
{
    long disk = sys_dev_open(DEV_DISK);
    struct blkdev d;
    CHECK_EQ(disk > 0, 1);
    CHECK_EQ(blk_open(&d, (uint32_t)disk, 0), 0);
    CHECK_EQ(blk_read(&d, 9999, 1, buf), 0);
    CHECK_EQ(blk_read(&d, 10000, 1, buf), -E_IO);
    CHECK_EQ(blk_read(&d, 9999, 2, buf), -E_IO); /* a request that covers it */
    CHECK_EQ(blk_write(&d, 10001, 1, buf), -E_IO);
    CHECK_EQ(blk_write_fua(&d, 10001, 1, buf), -E_IO);
    CHECK_EQ(blk_write(&d, 10002, 1, buf), 0);
    CHECK_EQ(blk_write_fua(&d, 10002, 1, buf), 0);
    /* In a batch: only the bad one fails (not adjacent to the others,
     * which QEMU would merge with it into one request). */
    long f = sys_frame_alloc_in(CAP_SELF, -1, 2);
    struct blk_req reqs[3];
    for (int i = 0; i < 3; i++)
        reqs[i] = (struct blk_req){.block = 9990 + (uint64_t)i * 10,
                                   .count = 1,
                                   .op = BLK_READ,
                                   .cap = (uint32_t)disk,
                                   .frame = (uint32_t)f,
                                   .page = (uint32_t)i,
                                   .tag = 70 + (uint64_t)i};
    CHECK_EQ(sys_blk_submit(reqs, 3, d.notify, d.chan), 3);
    int got = 0, ok = 0, eio = 0;
    for (int spins = 0; got < 3 && spins < 10000; spins++) {
        struct blk_done done[4];
        long n = sys_blk_reap(done, 4);
        for (long k = 0; k < n; k++, got++) {
            ok += done[k].status == 0 && done[k].tag != 71;
            eio += done[k].status == -E_IO && done[k].tag == 71;
        }
        if (n == 0)
            sys_block(10000);
    }
    CHECK_EQ(ok, 2);
    CHECK_EQ(eio, 1);
    CHECK_EQ(blk_flush(&d), 0);
    printf("t_blk_eio: %d failed checks\n", check_failures);
    return check_failures;
}
