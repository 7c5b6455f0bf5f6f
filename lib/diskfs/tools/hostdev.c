/*
 * hostdev.c - block devices on the host (files, memory), and mount and
 * check helpers with malloc'ed memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostdev.h"

struct filedev {
    int fd;
    uint64_t base; /* the file system's first block in the file */
};

static int file_read(void *ctx, uint64_t block, uint32_t count, void *buf)
{
    struct filedev *f = ctx;
    size_t n = (size_t)count * DFS_BSIZE;
    ssize_t r = pread(f->fd, buf, n, (off_t)((f->base + block) * DFS_BSIZE));
    if (r < 0)
        return -DFS_EIO;
    if ((size_t)r < n)
        memset((uint8_t *)buf + r, 0, n - (size_t)r); /* past the end of a sparse file */
    return 0;
}

static int file_write(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
    struct filedev *f = ctx;
    size_t n = (size_t)count * DFS_BSIZE;
    return pwrite(f->fd, buf, n, (off_t)((f->base + block) * DFS_BSIZE)) == (ssize_t)n ? 0
                                                                                       : -DFS_EIO;
}

static int file_flush(void *ctx)
{
    struct filedev *f = ctx;
    return fdatasync(f->fd) == 0 ? 0 : -DFS_EIO;
}

int hostdev_open_file(struct dfs_dev *dev, const char *path, bool readonly)
{
    return hostdev_open_file_at(dev, path, readonly, 0);
}

int hostdev_open_file_at(struct dfs_dev *dev, const char *path, bool readonly, uint64_t first)
{
    int fd = open(path, readonly ? O_RDONLY : O_RDWR);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return -1;
    }
    struct filedev *f = malloc(sizeof *f);
    if (!f) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    f->fd = fd;
    f->base = first;
    dev->ctx = f;
    dev->nblocks = (uint64_t)st.st_size / DFS_BSIZE;
    dev->nblocks = dev->nblocks > first ? dev->nblocks - first : 0;
    dev->read = file_read;
    dev->write = file_write;
    dev->flush = file_flush;
    return 0;
}

void hostdev_close_file(struct dfs_dev *dev)
{
    struct filedev *f = dev->ctx;
    close(f->fd);
    free(f);
}

static int ram_read(void *ctx, uint64_t block, uint32_t count, void *buf)
{
    struct ramdisk *rd = ctx;
    if (block + count > rd->nblocks)
        return -DFS_EIO;
    rd->reads += count;
    rd->rcalls++;
    memcpy(buf, rd->data + block * DFS_BSIZE, (size_t)count * DFS_BSIZE);
    return 0;
}

static int ram_write(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
    struct ramdisk *rd = ctx;
    if (block + count > rd->nblocks)
        return -DFS_EIO;
    rd->writes += count;
    rd->wcalls++;
    memcpy(rd->data + block * DFS_BSIZE, buf, (size_t)count * DFS_BSIZE);
    return 0;
}

/* Vectored: one request, a page per block (the file system's zero-copy
 * path, as lib/diskfs/blkdev.c on Spinel). */
static int ram_readv(void *ctx, uint64_t block, uint32_t count, void *const *bufs)
{
    struct ramdisk *rd = ctx;
    if (block + count > rd->nblocks)
        return -DFS_EIO;
    rd->reads += count;
    rd->rcalls++;
    for (uint32_t i = 0; i < count; i++)
        memcpy(bufs[i], rd->data + (block + i) * DFS_BSIZE, DFS_BSIZE);
    return 0;
}

static int ram_writev(void *ctx, uint64_t block, uint32_t count, const void *const *bufs)
{
    struct ramdisk *rd = ctx;
    if (block + count > rd->nblocks)
        return -DFS_EIO;
    rd->writes += count;
    rd->wcalls++;
    for (uint32_t i = 0; i < count; i++)
        memcpy(rd->data + (block + i) * DFS_BSIZE, bufs[i], DFS_BSIZE);
    return 0;
}

static int ram_flush(void *ctx)
{
    struct ramdisk *rd = ctx;
    rd->flushes++;
    return 0;
}

void ramdisk_init(struct ramdisk *rd, struct dfs_dev *dev, uint64_t nblocks)
{
    memset(rd, 0, sizeof *rd);
    rd->data = calloc(nblocks, DFS_BSIZE);
    if (!rd->data) {
        perror("ramdisk");
        exit(2);
    }
    rd->nblocks = nblocks;
    dev->ctx = rd;
    dev->nblocks = nblocks;
    dev->read = ram_read;
    dev->write = ram_write;
    dev->flush = ram_flush;
    dev->readv = ram_readv;
    dev->writev = ram_writev;
}

void ramdisk_free(struct ramdisk *rd)
{
    free(rd->data);
    rd->data = NULL;
}

int hostdev_mount(struct dfs *fs, const struct dfs_dev *dev, uint32_t nbuf,
                  const struct dfs_hooks *hooks)
{
    size_t len = dfs_cache_bytes(nbuf);
    void *mem = aligned_alloc(DFS_BSIZE, (len + DFS_BSIZE - 1) / DFS_BSIZE * DFS_BSIZE);
    if (!mem)
        return -DFS_ENOMEM;
    int r = dfs_mount(fs, dev, hooks, mem, len);
    if (r < 0) {
        free(mem);
        return r;
    }
    return 0;
}

int hostdev_umount(struct dfs *fs, bool force)
{
    int r = dfs_unmount(fs, force);
    if (r == -DFS_EBUSY)
        return r; /* still mounted */
    free(fs->mem);
    fs->mem = NULL;
    return r;
}

static void report_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "fsck: %s\n", line);
}

int hostdev_check(const struct dfs_dev *dev, struct dfs_check *out, bool verbose)
{
    uint8_t sbb[DFS_BSIZE];
    struct dfs_super sb;
    memset(&sb, 0, sizeof sb);
    if (dev->read(dev->ctx, 0, 1, sbb) == 0)
        memcpy(&sb, sbb, sizeof sb);
    uint32_t nb = sb.nblocks <= dev->nblocks ? sb.nblocks : 0;
    uint32_t ni = sb.ninodes <= (uint64_t)nb * DFS_IPB ? sb.ninodes : 0;
    size_t len = dfs_check_scratch(nb, ni);
    void *scratch = aligned_alloc(DFS_BSIZE, (len + DFS_BSIZE - 1) / DFS_BSIZE * DFS_BSIZE);
    if (!scratch)
        return -DFS_ENOMEM;
    int r = dfs_check(dev, scratch, len, out, verbose ? report_line : NULL, NULL);
    free(scratch);
    return r;
}
