/* Host tests of libblk's host backend (blk_host.c): an image file as the
 * device, the interface a file system's mkfs and fsck use on Linux. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <spinel/errno.h>
#include "blk.h"

static int passed, failed;
#define CHECK_EQ(expr, want)                                                                       \
    do {                                                                                           \
        long got_ = (long)(expr), want_ = (long)(want);                                            \
        if (got_ == want_) {                                                                       \
            passed++;                                                                              \
        } else {                                                                                   \
            printf("  check failed at line %d: %s == %ld, expected %ld\n", __LINE__, #expr, got_,  \
                   want_);                                                                         \
            failed++;                                                                              \
        }                                                                                          \
    } while (0)

static unsigned char a[8 * BLK_SIZE], b[8 * BLK_SIZE];

int main(int argc, char **argv)
{
    const char *img = argc > 1 ? argv[1] : "test-blk.img";
    struct blkdev d;
    unlink(img);
    CHECK_EQ(blk_open_file(&d, img), -E_NOENT);
    int fd = open(img, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK_EQ(fd >= 0, 1);
    CHECK_EQ(ftruncate(fd, 256 * BLK_SIZE + 100), 0); /* a partial last block does not count */
    close(fd);
    CHECK_EQ(blk_open_file(&d, img), 0);
    CHECK_EQ(blk_nblocks(&d), 256);

    for (size_t i = 0; i < sizeof a; i++)
        a[i] = (unsigned char)(i * 7 + 3);
    CHECK_EQ(blk_write(&d, 10, 8, a), 0);
    CHECK_EQ(blk_read(&d, 10, 8, b), 0);
    CHECK_EQ(memcmp(a, b, sizeof a), 0);
    CHECK_EQ(blk_read(&d, 13, 1, b), 0);
    CHECK_EQ(memcmp(a + 3 * BLK_SIZE, b, BLK_SIZE), 0);
    CHECK_EQ(blk_write_fua(&d, 255, 1, a), 0);
    CHECK_EQ(blk_flush(&d), 0);
    memset(b, 0, sizeof b);
    CHECK_EQ(blk_read(&d, 0, 1, b), 0); /* never written: zeros */
    CHECK_EQ(b[0] | b[BLK_SIZE - 1], 0);

    /* Many at once, one out of range: the others are made. */
    struct blk_io ios[3] = {{20, 1, 1, a}, {22, 2, 2, a + BLK_SIZE}, {300, 1, 1, a}};
    CHECK_EQ(blk_rw_many(&d, ios, 3), -E_RANGE);
    struct blk_io rd[2] = {{22, 2, 0, b}, {20, 1, 0, b + 2 * BLK_SIZE}};
    CHECK_EQ(blk_rw_many(&d, rd, 2), 0);
    CHECK_EQ(memcmp(b, a + BLK_SIZE, 2 * BLK_SIZE), 0);
    CHECK_EQ(memcmp(b + 2 * BLK_SIZE, a, BLK_SIZE), 0);

    /* Out of range: nothing read or written. */
    CHECK_EQ(blk_read(&d, 256, 1, b), -E_RANGE);
    CHECK_EQ(blk_write(&d, 250, 7, a), -E_RANGE);
    CHECK_EQ(blk_write(&d, ~0UL, 2, a), -E_RANGE);
    CHECK_EQ(blk_read(&d, 1UL << 62, 1, b), -E_RANGE);

    /* What was written is there after reopening. */
    blk_close(&d);
    CHECK_EQ(blk_open_file(&d, img), 0);
    CHECK_EQ(blk_read(&d, 255, 1, b), 0);
    CHECK_EQ(memcmp(a, b, BLK_SIZE), 0);
    blk_close(&d);
    unlink(img);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
