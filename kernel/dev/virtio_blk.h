/* The virtio-blk driver (virtio_blk.c): the disk, multiplexed as block
 * capabilities. */
#ifndef KERNEL_DEV_VIRTIO_BLK_H
#define KERNEL_DEV_VIRTIO_BLK_H

#include "../types.h"
struct env;

/* Finds the first virtio-blk device and starts it; prints one line. */
void blk_init(void);
/* sys_dev_open(DEV_DISK) for e: the original CAP_BLOCK over the whole disk. */
s64 blk_open(struct env *e);
/* A CAP_BLOCK original went away (cap.c). */
void blk_release(u64 object);
/* Arms the crash point: halt at the nth block write from now (0: never). */
void blk_crash_after(u64 n);

#endif
