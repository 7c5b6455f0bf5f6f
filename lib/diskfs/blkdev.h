/*
 * blkdev.h - the disk file system on Spinel's block capabilities: a
 * struct dfs_dev over a libblk handle (lib/blk).
 */
#ifndef DISKFS_BLKDEV_H
#define DISKFS_BLKDEV_H

#include "../blk/blk.h"
#include "diskfs.h"

/* Fills dev so that the file system reaches the disk through d (opened
 * with blk_open, on a block capability or a derived sub-range of one). */
void dfs_blkdev(struct dfs_dev *dev, struct blkdev *d);

#endif
