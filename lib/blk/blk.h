/* libblk: block I/O for library file systems, on Spinel's block
 * capabilities (kernel/dev/virtio_blk.c), or on an image file on the host
 * (blk_host.c, for mkfs, fsck and host tests).
 *
 * Blocks are BLK_SIZE (4096) bytes and numbered from 0 within the device
 * handle: on Spinel, block 0 is the first block of the block capability's
 * range (a file system can live in any sub-range it is given). Every call
 * waits until its transfer is done; blk_flush returns once every write that
 * returned before it is on stable storage. Errors are negative Spinel error
 * codes (include/spinel/errno.h): -E_RANGE (outside the device), -E_IO
 * (the device failed), -E_PERM (the capability lacks the right), ...
 *
 * Zero copy: buffers inside a region given to blk_register (frames the
 * caller allocated as one block, e.g. a buffer cache) go to the device
 * directly; any other buffer is copied through the handle's own bounce
 * buffer (BLK_BOUNCE_PAGES pages). */
#ifndef LIB_BLK_H
#define LIB_BLK_H

#include <stdint.h>
#include <stddef.h>

#ifndef BLK_SIZE
#define BLK_SIZE 4096
#endif
#define BLK_BOUNCE_ORDER 4 /* the bounce buffer: 2^4 pages, 64 KiB */
#define BLK_BOUNCE_PAGES (1u << BLK_BOUNCE_ORDER)
#define BLK_REGIONS      16
/* Where blk_open maps the bounce buffer unless told (blk_open's buf_va). */
#define BLK_BOUNCE_VA 0x00006c0000000000UL

struct blkdev {
    uint64_t nblocks; /* blocks the handle can reach */
#ifdef BLK_HOST
    int fd;
#else
    uint64_t first;      /* the capability's first block */
    uint32_t cap;        /* the block capability's slot */
    uint32_t notify;     /* the notification object completions ring */
    uint32_t chan;       /* ... its channel, bound to this env */
    uint64_t event;      /* ... with this event bit */
    uint64_t tag;        /* the next request's tag */
    uint32_t bounce_cap; /* the bounce buffer's frame block */
    uint8_t *bounce;     /* ... mapped here */
    /* How to wait for a completion: by default sys_block with a 10 ms
     * limit (it consumes any event bits that arrive, not only ours); a
     * library OS with other event users sets its own (it must return once
     * `event` may be set, or after a while). */
    void (*wait)(struct blkdev *d);
    struct {
        uintptr_t va;
        uint32_t cap, pages;
    } region[BLK_REGIONS];
    uint64_t reads, writes, flushes; /* requests sent */
#endif
};

#ifdef BLK_HOST
/* Opens an image file (its size, rounded down, is the device). 0 or -E_xxx. */
int blk_open_file(struct blkdev *d, const char *path);
#else
/* Opens a device on the block capability in slot `cap` (from
 * sys_dev_open(DEV_DISK), or derived): creates a notification object (one
 * unit of the object quota) and a bounce buffer of frames mapped at buf_va
 * (0: BLK_BOUNCE_VA). Completions set event bit 1 << 61 (BLK_EVENT).
 * 0 or -E_xxx. */
#define BLK_EVENT (1UL << 61)
int blk_open(struct blkdev *d, uint32_t cap, uintptr_t buf_va);
/* Declares that [va, va + pages * 4096) is mapped from the frame block of
 * the frame capability in slot `frame_cap` (2^order frames, in order), so
 * transfers to and from it need no copy. 0, or -E_NOMEM (table full). */
int blk_register(struct blkdev *d, void *va, uint32_t frame_cap, uint32_t pages);
#endif
/* Releases what blk_open made (not the block capability). */
void blk_close(struct blkdev *d);

int blk_read(struct blkdev *d, uint64_t block, uint32_t count, void *buf);
int blk_write(struct blkdev *d, uint64_t block, uint32_t count, const void *buf);
/* Like blk_write, and returns once the data is on stable storage (FUA). */
int blk_write_fua(struct blkdev *d, uint64_t block, uint32_t count, const void *buf);
int blk_flush(struct blkdev *d);

/* Many transfers at once (a cache writing back its dirty buffers, or
 * reading ahead): on Spinel those whose buffers lie in registered regions
 * go to the kernel together, up to BLK_BATCH_MAX requests per call, and
 * run concurrently; the others follow one at a time through the bounce
 * buffer. Returns once all are done: 0, or the first error (the other
 * transfers were still made). */
struct blk_io {
    uint64_t block;
    uint32_t count;
    uint32_t write; /* 0: read into buf; 1: write from buf; 2: write, FUA */
    void *buf;
};
int blk_rw_many(struct blkdev *d, const struct blk_io *ios, uint32_t n);
static inline uint64_t blk_nblocks(const struct blkdev *d)
{
    return d->nblocks;
}

#endif
