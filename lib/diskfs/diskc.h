/*
 * diskc.h - a client of diskd (user/diskd.c, protocol in diskd.h) for
 * native Spinel programs: start a diskd on a block capability, bind, and
 * the file calls, with zero-copy reads through diskd's buffer cache mapped
 * read-only (DISKD_CACHEMAP, DISKD_READMAP): the bytes are copied once, from
 * the cache page to the caller's buffer.
 *
 * The Unix library OS's server (lib/unix/srv) is a client of its own; this
 * one is for programs that talk to diskd directly (the storage benchmark,
 * t_diskzc).  Calls return >= 0 or a negative DFS_E* code.
 */
#ifndef DISKFS_DISKC_H
#define DISKFS_DISKC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskd.h"
#include "diskfs.h"

struct diskc {
    uint32_t srv;                 /* call capability to diskd */
    uint32_t env;                 /* diskd's env capability (diskc_start) */
    uint8_t *area;                /* the argument area (DISKD_AREA bytes) */
    const uint8_t *cache;         /* diskd's cache pages, read-only (NULL: not mapped) */
    const volatile uint32_t *gen; /* their generation counters, read-only */
    uint32_t cache_pages;         /* pages mapped at cache */
    uint32_t piece_caps[16], npieces, gen_cap;
    uint64_t zc_calls, zc_retries, copy_calls; /* statistics */
    uint32_t closing; /* an inode closed, its close not sent yet (0: none) */
    /* The map DISKD_OPEN gave with the last open (DISKD_OPEN_MAP): for a
     * read of inode pre_ino from offset 0 before any other call (0: none). */
    uint32_t pre_ino;
    uint64_t pre_len;
    struct dfs_extent pre_x[DISKD_MAP_MAX];
    uint64_t pre_used; /* reads served from it (statistics) */
};

/* Starts diskd in an env of ours with `quota` pages, gives it blocks
 * [first, first + count) of the block capability `disk` and binds, with
 * the argument area mapped at area_va (DISKD_AREA bytes of free address
 * space).  Then mounts (mkfs 1: makes a file system first).  0 or < 0. */
int diskc_start(struct diskc *c, uint32_t disk, uint64_t first, uint64_t count, uint64_t quota,
                uintptr_t area_va, int mkfs);
/* Maps the cache read-only at cache_va (up to 16 pieces of 2 MiB) and the
 * counters at gen_va; from then on diskc_read reads through it.  0 or < 0. */
int diskc_map_cache(struct diskc *c, uintptr_t cache_va, uintptr_t gen_va);
/* Unmounts and mounts again: an empty cache (the cold reads of the benchmark). */
int diskc_remount(struct diskc *c);
int diskc_unmount(struct diskc *c);
/* Ends diskd (after diskc_unmount): its copies of our capabilities go. */
void diskc_stop(struct diskc *c);

int64_t diskc_call(struct diskc *c, uint64_t op, uint64_t a1, uint64_t a2);
int64_t diskc_path(struct diskc *c, uint64_t op, const char *path, uint64_t a1, uint64_t a2);
int diskc_open(struct diskc *c, const char *path, unsigned flags, uint32_t mode); /* -> inode */
/* Closes ino: the close goes with the client's next call (diskd.h,
 * deferred close), so it answers 0 for any inode but 0 (EBADF). */
int diskc_close(struct diskc *c, uint32_t ino);
/* Sends a deferred close now, if there is one: its answer, or 0. */
int diskc_flush_close(struct diskc *c);
/* Reads through the mapped cache if diskc_map_cache was called, else by copy. */
int64_t diskc_read(struct diskc *c, uint32_t ino, uint64_t off, void *buf, uint64_t len);
int64_t diskc_read_copy(struct diskc *c, uint32_t ino, uint64_t off, void *buf, uint64_t len);
int64_t diskc_write(struct diskc *c, uint32_t ino, uint64_t off, const void *buf, uint64_t len);
int diskc_fsync(struct diskc *c, uint32_t ino);
int diskc_sync(struct diskc *c);
int diskc_truncate(struct diskc *c, uint32_t ino, uint64_t size);
int diskc_mkdir(struct diskc *c, const char *path, uint32_t mode);
int diskc_unlink(struct diskc *c, const char *path);
int diskc_rmdir(struct diskc *c, const char *path);

#endif
