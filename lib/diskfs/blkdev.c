/*
 * blkdev.c - struct dfs_dev over libblk: each call is one libblk transfer
 * (which batches it into kernel requests and waits for it); any libblk
 * error is EIO to the file system, which then stops writing.
 */
#include "blkdev.h"

static int rd(void *ctx, uint64_t block, uint32_t count, void *buf)
{
    return blk_read(ctx, block, count, buf) < 0 ? -DFS_EIO : 0;
}

static int wr(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
    return blk_write(ctx, block, count, buf) < 0 ? -DFS_EIO : 0;
}

/* Vectored: one transfer per page, sent together (blk_rw_many: 64
 * requests per kernel call); pages in a registered region (diskd's cache)
 * go straight between the disk and the frames. */
static int rwv(void *ctx, uint64_t block, uint32_t count, void *const *bufs, uint32_t write)
{
    struct blk_io ios[64];
    for (uint32_t i = 0; i < count;) {
        uint32_t n = count - i < 64 ? count - i : 64;
        for (uint32_t j = 0; j < n; j++)
            ios[j] = (struct blk_io){
                .block = block + i + j, .count = 1, .write = write, .buf = bufs[i + j]};
        if (blk_rw_many(ctx, ios, n) < 0)
            return -DFS_EIO;
        i += n;
    }
    return 0;
}

static int rdv(void *ctx, uint64_t block, uint32_t count, void *const *bufs)
{
    return rwv(ctx, block, count, bufs, 0);
}

static int wrv(void *ctx, uint64_t block, uint32_t count, const void *const *bufs)
{
    return rwv(ctx, block, count, (void *const *)bufs, 1);
}

static int fl(void *ctx)
{
    return blk_flush(ctx) < 0 ? -DFS_EIO : 0;
}

void dfs_blkdev(struct dfs_dev *dev, struct blkdev *d)
{
    dev->ctx = d;
    dev->nblocks = blk_nblocks(d);
    dev->read = rd;
    dev->write = wr;
    dev->flush = fl;
    dev->readv = rdv;
    dev->writev = wrv;
}
