/* The crash point (tools/run-tests.sh boots it with init=t_blk_crash; not in
 * the manifest): writes blocks 9000-9009 one at a time, arms the crash
 * point 30 block writes ahead (BLKCTL_CRASH_AFTER), writes blocks
 * 9010-9029 one at a time and then 9030-9049 in one request. The machine
 * must stop at the 30th armed block, 9039, cutting that request: blocks
 * 9000-9038 written, 9039-9049 not (the boot allows the call with
 * blkcrash=0). With blkcrash=5 on the command line the crash comes first,
 * at block 9004. Each block's first word is
 * 0xc0de0000 + its index. */
#include "../../lib/exo/exo.h"
#include "../../lib/blk/blk.h"
#include "../../lib/c/libc.h"

#define PAGES_VA 0x0000500000000000UL

int main(void)
{
    long disk = sys_dev_open(DEV_DISK);
    struct blkdev d;
    long f = sys_frame_alloc_in(CAP_SELF, -1, 6); /* 64 pages */
    if (disk < 0 || f < 0 || blk_open(&d, (uint32_t)disk, 0) < 0 ||
        exo_map(CAP_SELF, (uint32_t)f, PAGES_VA, MMU_W) != 1) {
        printf("t_blk_crash: cannot start\n");
        return 1;
    }
    uint8_t *pages = (uint8_t *)PAGES_VA;
    blk_register(&d, pages, (uint32_t)f, 64);
    for (uint64_t i = 0; i < 50; i++)
        *(uint64_t *)(pages + i * BLK_SIZE) = 0xc0de0000 + i;
    for (uint64_t i = 0; i < 10; i++)
        blk_write(&d, 9000 + i, 1, pages + i * BLK_SIZE);
    printf("t_blk_crash: arming\n");
    sys_blk_ctl((uint32_t)disk, BLKCTL_CRASH_AFTER, 30);
    for (uint64_t i = 10; i < 30; i++)
        blk_write(&d, 9000 + i, 1, pages + i * BLK_SIZE);
    blk_write(&d, 9030, 20, pages + 30 * BLK_SIZE);
    printf("t_blk_crash: no crash\n");
    return 1;
}
