/* The virtio-blk driver (virtio_blk.c): the disk, multiplexed as block
 * capabilities. */
#ifndef KERNEL_DEV_VIRTIO_BLK_H
#define KERNEL_DEV_VIRTIO_BLK_H

#include "../types.h"
struct env;

/* Finds the first virtio-blk device and starts it; prints one line. */
void blk_init(bool intx); /* intx: the legacy INTx line, not MSI-X (boot option blkintx) */
/* sys_dev_open(DEV_DISK) for e: the original CAP_BLOCK over the whole disk. */
s64 blk_open(struct env *e);
/* A CAP_BLOCK original went away (cap.c). */
void blk_release(u64 object);
/* Allows crash points (BLKCTL_CRASH_AFTER) and arms one: halt at the nth
 * block write from now (0: none yet). The boot option blkcrash=N. */
void blk_crash_after(u64 n);
/* Waits until no transfer is in flight (at most 5 s): the frames of a
 * finished program that the device was still using are free afterwards
 * (the test runner's leak check). */
void blk_quiesce(void);

#endif
