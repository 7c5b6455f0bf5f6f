/* The virtio-blk driver (virtio_blk.c): the disk, multiplexed as block
 * capabilities. */
#ifndef KERNEL_DEV_VIRTIO_BLK_H
#define KERNEL_DEV_VIRTIO_BLK_H

#include "../types.h"

/* Finds the first virtio-blk device and starts it; prints one line. */
void blk_init(void);

#endif
