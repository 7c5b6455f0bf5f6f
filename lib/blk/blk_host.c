/* libblk on the host (blk.h, built with -DBLK_HOST): the device is an image
 * file, for mkfs, fsck and host tests of a file system. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <spinel/errno.h>
#include "blk.h"

int blk_open_file(struct blkdev *d, const char *path)
{
    memset(d, 0, sizeof *d);
    d->fd = open(path, O_RDWR);
    if (d->fd < 0)
        return errno == ENOENT ? -E_NOENT : -E_PERM;
    struct stat st;
    if (fstat(d->fd, &st) < 0) {
        close(d->fd);
        return -E_IO;
    }
    d->nblocks = (uint64_t)st.st_size / BLK_SIZE;
    return 0;
}

void blk_close(struct blkdev *d)
{
    if (d->fd > 0)
        close(d->fd);
    memset(d, 0, sizeof *d);
    d->fd = -1;
}

static int rw(struct blkdev *d, bool write, uint64_t block, uint32_t count, void *buf)
{
    if (block > d->nblocks || count > d->nblocks - block)
        return -E_RANGE;
    size_t len = (size_t)count * BLK_SIZE;
    off_t off = (off_t)(block * BLK_SIZE);
    for (size_t done = 0; done < len;) {
        ssize_t n = write ? pwrite(d->fd, (char *)buf + done, len - done, off + (off_t)done)
                          : pread(d->fd, (char *)buf + done, len - done, off + (off_t)done);
        if (n <= 0)
            return -E_IO;
        done += (size_t)n;
    }
    return 0;
}

int blk_read(struct blkdev *d, uint64_t block, uint32_t count, void *buf)
{
    return rw(d, false, block, count, buf);
}

int blk_write(struct blkdev *d, uint64_t block, uint32_t count, const void *buf)
{
    return rw(d, true, block, count, (void *)buf);
}

int blk_write_fua(struct blkdev *d, uint64_t block, uint32_t count, const void *buf)
{
    int r = rw(d, true, block, count, (void *)buf);
    return r < 0 ? r : blk_flush(d);
}

int blk_rw_many(struct blkdev *d, const struct blk_io *ios, uint32_t n)
{
    int err = 0;
    for (uint32_t i = 0; i < n; i++) {
        int r = ios[i].write == 0   ? blk_read(d, ios[i].block, ios[i].count, ios[i].buf)
                : ios[i].write == 2 ? blk_write_fua(d, ios[i].block, ios[i].count, ios[i].buf)
                                    : blk_write(d, ios[i].block, ios[i].count, ios[i].buf);
        err = err ? err : r;
    }
    return err;
}

int blk_flush(struct blkdev *d)
{
    return fsync(d->fd) < 0 ? -E_IO : 0;
}
