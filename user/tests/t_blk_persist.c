/* The second boot of the persistence test (tools/run-tests.sh boots it with
 * init=t_blk_persist on the image t_blk wrote): prints the token t_blk left
 * on the disk's last block. */
#include "../../lib/exo/exo.h"
#include "../../lib/blk/blk.h"
#include "../../lib/c/libc.h"

static uint8_t buf[BLK_SIZE];

int main(void)
{
    long disk = sys_dev_open(DEV_DISK);
    struct blkdev d;
    if (disk < 0 || blk_open(&d, (uint32_t)disk, 0) < 0) {
        printf("t_blk_persist: no disk (%ld)\n", disk);
        return 1;
    }
    int r = blk_read(&d, blk_nblocks(&d) - 1, 1, buf);
    uint64_t token;
    memcpy(&token, buf + 16, 8);
    if (r < 0 || memcmp(buf, "spinel-persist", 14) != 0) {
        printf("t_blk_persist: no token (%d)\n", r);
        return 1;
    }
    printf("t_blk_persist: token %lx\n", token);
    return 0;
}
