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
}
