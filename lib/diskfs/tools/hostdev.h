/*
 * hostdev.h - block devices for the host tools and tests: an image file,
 * or an image in memory.
 */
#ifndef DISKFS_HOSTDEV_H
#define DISKFS_HOSTDEV_H

#include "diskfs.h"

/* An image file opened read-write (readonly: reads only, writes fail).
 * Returns 0 or -1 (errno set). */
int hostdev_open_file(struct dfs_dev *dev, const char *path, bool readonly);
/* The same, for a file system that starts at block first of the file. */
int hostdev_open_file_at(struct dfs_dev *dev, const char *path, bool readonly, uint64_t first);
void hostdev_close_file(struct dfs_dev *dev);

/* An image of nblocks blocks in memory, zeroed. */
struct ramdisk {
    uint8_t *data;
    uint64_t nblocks;
    uint64_t reads, writes, flushes; /* blocks read, blocks written, flushes */
    uint64_t rcalls, wcalls;         /* requests */
};
void ramdisk_init(struct ramdisk *rd, struct dfs_dev *dev, uint64_t nblocks);
void ramdisk_free(struct ramdisk *rd);

/* Mounts dev with a cache of nbuf buffers from malloc (freed by
 * hostdev_umount).  Returns dfs_mount's result. */
int hostdev_mount(struct dfs *fs, const struct dfs_dev *dev, uint32_t nbuf,
                  const struct dfs_hooks *hooks);
int hostdev_umount(struct dfs *fs, bool force);

/* Runs dfs_check with malloc'ed scratch; report lines go to stderr when
 * verbose.  Returns dfs_check's result. */
int hostdev_check(const struct dfs_dev *dev, struct dfs_check *out, bool verbose);

#endif
