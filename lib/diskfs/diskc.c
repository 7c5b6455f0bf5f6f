/*
 * diskc.c - a client of diskd (diskc.h).
 */
#include "diskc.h"

#include "../c/libc.h"
#include "../exo/exo.h"

int64_t diskc_call(struct diskc *c, uint64_t op, uint64_t a1, uint64_t a2)
{
    long r;
    op |= DISKD_CLOSING(c->closing); /* a deferred close goes with it (diskd.h) */
    c->pre_ino = 0;                  /* (an open's map serves the very next read only) */
    while ((r = sys_pct_call(c->srv, op, a1, a2)) == -E_AGAIN)
        sys_yield(-1);
    c->closing = 0;
    return r;
}

int64_t diskc_path(struct diskc *c, uint64_t op, const char *path, uint64_t a1, uint64_t a2)
{
    size_t n = strlen(path);
    if (n + 1 > DISKD_PAGE)
        return -DFS_ENAMETOOLONG;
    memcpy(c->area, path, n + 1);
    return diskc_call(c, op, a1, a2);
}

int diskc_start(struct diskc *c, uint32_t disk, uint64_t first, uint64_t count, uint64_t quota,
                uintptr_t area_va, int mkfs)
{
    memset(c, 0, sizeof *c);
    long d = exo_spawn("diskd", quota);
    if (d < 0)
        return (int)d;
    c->env = (uint32_t)d;
    long blk = sys_blk_derive(disk, first, count, R_READ | R_WRITE, c->env);
    long call = sys_cap_derive(c->env, R_CALL, CAP_SELF);
    if (blk < 0 || call < 0)
        return -DFS_EINVAL;
    c->srv = (uint32_t)call;
    long pg = -E_INVAL;
    for (int i = 0; i < 1000 && (pg = sys_pct_call(c->srv, DISKD_BIND, 0, 0)) == -E_INVAL; i++)
        sys_yield(-1); /* (diskd takes calls once its main has run) */
    if (pg <= 0 || exo_map(CAP_SELF, (uint32_t)pg, area_va, MMU_W) != 1)
        return -DFS_EIO;
    c->area = (uint8_t *)area_va;
    uint64_t how = (mkfs ? 1 : 0) | DISKD_MOUNT_SHARED; /* (a cache we can map) */
    return diskc_call(c, DISKD_MOUNT, (uint64_t)blk, how) < 0 ? -DFS_EIO : 0;
}

int diskc_map_cache(struct diskc *c, uintptr_t cache_va, uintptr_t gen_va)
{
    uint32_t n = 0;
    for (; n < 16; n++) {
        int64_t s = diskc_call(c, DISKD_CACHEMAP, n, 0);
        if (s == -DFS_ENOENT)
            break;
        if (s <= 0)
            return s < 0 ? (int)s : -DFS_EIO;
        c->piece_caps[n] = (uint32_t)s;
        /* read-only: diskd gave copies without R_WRITE */
        if (exo_map(CAP_SELF, (uint32_t)s, cache_va + (uint64_t)n * DISKD_CACHE_PIECE_PAGES * 4096,
                    0) != 1)
            return -DFS_EIO;
    }
    int64_t g = diskc_call(c, DISKD_CACHEMAP, DISKD_CACHE_GEN, 0);
    if (n == 0 || g <= 0 || exo_map(CAP_SELF, (uint32_t)g, gen_va, 0) != 1)
        return -DFS_EIO;
    c->npieces = n;
    c->gen_cap = (uint32_t)g;
    c->cache = (const uint8_t *)cache_va;
    c->gen = (const volatile uint32_t *)gen_va;
    c->cache_pages = n * DISKD_CACHE_PIECE_PAGES;
    return 0;
}

int diskc_unmount(struct diskc *c)
{
    return (int)diskc_call(c, DISKD_UNMOUNT, 0, 0);
}

int diskc_remount(struct diskc *c)
{
    int r = diskc_unmount(c);
    if (r < 0)
        return r;
    /* (diskd keeps its block device open: a1 is not looked at again) */
    return (int)diskc_call(c, DISKD_MOUNT, 0, DISKD_MOUNT_SHARED);
}

void diskc_stop(struct diskc *c)
{
    if (c->env)
        sys_cap_delete(c->env);
    c->env = 0;
}

int diskc_open(struct diskc *c, const char *path, unsigned flags, uint32_t mode)
{
    bool map = c->cache && !(flags & (DFS_O_WRITE | DFS_O_CREAT | DFS_O_TRUNC | DFS_O_DIRECTORY));
    int64_t r = diskc_path(c, DISKD_OPEN, path, flags | (map ? DISKD_OPEN_MAP : 0), mode);
    uint64_t n = 0;
    if (map && r > 0)
        memcpy(&n, c->area, 8);
    if (n && n <= DISKD_OPEN_MAP_BYTES) {
        c->pre_ino = (uint32_t)r;
        c->pre_len = n;
        memcpy(c->pre_x, c->area + 8, sizeof c->pre_x);
    }
    return (int)r;
}

int diskc_close(struct diskc *c, uint32_t ino)
{
    if (ino == 0)
        return -DFS_EBADF;
    if (!c->closing) { /* it goes with the next call (diskd.h: deferred close) */
        c->closing = ino;
        return 0;
    }
    return (int)diskc_call(c, DISKD_CLOSE, ino, 0); /* (the one before goes with it) */
}

int diskc_flush_close(struct diskc *c)
{
    if (!c->closing)
        return 0;
    uint32_t ino = c->closing;
    c->closing = 0;
    return (int)diskc_call(c, DISKD_CLOSE, ino, 0);
}

int64_t diskc_read_copy(struct diskc *c, uint32_t ino, uint64_t off, void *buf, uint64_t len)
{
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < DISKD_DATA ? len - done : DISKD_DATA;
        memcpy(c->area, &n, 8);
        int64_t r = diskc_call(c, DISKD_READ, ino, off + done);
        c->copy_calls++;
        if (r < 0)
            return done ? (int64_t)done : r;
        if ((uint64_t)r > n)
            return -DFS_EIO;
        memcpy((uint8_t *)buf + done, c->area, (size_t)r);
        done += (uint64_t)r;
        if ((uint64_t)r < n)
            break;
    }
    return (int64_t)done;
}

/* The copy out of the cache by the map x of r bytes (r <= n): r, or
 * -DFS_EAGAIN if a page changed under the copy, or an error. */
static int64_t copy_map(struct diskc *c, const struct dfs_extent *x, int64_t r, uint8_t *buf,
                        uint64_t n)
{
    if ((uint64_t)r > n)
        return -DFS_EIO;
    uint64_t done = 0;
    uint32_t k = 0;
    for (; k < DISKD_MAP_MAX && done < (uint64_t)r; k++) {
        /* (the server is trusted with the data, but a bad answer must not
         * send the copy outside the mapping) */
        if (x[k].len > (uint64_t)r - done || x[k].off + x[k].len > 4096 ||
            (x[k].page != DFS_MAP_HOLE && x[k].page >= c->cache_pages))
            return -DFS_EIO;
        if (x[k].page == DFS_MAP_HOLE)
            memset(buf + done, 0, x[k].len);
        else
            memcpy(buf + done, c->cache + (size_t)x[k].page * 4096 + x[k].off, x[k].len);
        done += x[k].len;
    }
    if (done != (uint64_t)r)
        return -DFS_EIO;
    /* The copy is right if no page's counter moved since the answer: diskd
     * moves a page's counter before anything may change the page (and x86
     * keeps our loads, and its stores, in order). */
    __asm__ volatile("" ::: "memory");
    for (uint32_t i = 0; i < k; i++)
        if (x[i].page != DFS_MAP_HOLE && c->gen[x[i].page] != x[i].gen)
            return -DFS_EAGAIN;
    return r;
}

/* One DISKD_READMAP call and the copy out of the cache: the bytes copied,
 * 0 at the end, -DFS_EAGAIN if a page changed under the copy, or an error. */
static int64_t read_map_once(struct diskc *c, uint32_t ino, uint64_t off, uint8_t *buf, uint64_t n)
{
    memcpy(c->area, &n, 8);
    int64_t r = diskc_call(c, DISKD_READMAP, ino, off);
    c->zc_calls++;
    if (r <= 0)
        return r;
    struct dfs_extent x[DISKD_MAP_MAX];
    memcpy(x, c->area + 8, sizeof x);
    return copy_map(c, x, r, buf, n);
}

int64_t diskc_read(struct diskc *c, uint32_t ino, uint64_t off, void *buf, uint64_t len)
{
    if (!c->cache)
        return diskc_read_copy(c, ino, off, buf, len);
    if (c->pre_ino && c->pre_ino == ino && off == 0 && len && len <= c->pre_len) {
        /* the open's map covers it: no call (if the pages changed under
         * the copy, or anything is wrong: ask as usual) */
        c->pre_ino = 0;
        if (copy_map(c, c->pre_x, (int64_t)len, (uint8_t *)buf, len) == (int64_t)len) {
            c->pre_used++;
            return (int64_t)len;
        }
    }
    c->pre_ino = 0;
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < DISKD_MAP_BYTES ? len - done : DISKD_MAP_BYTES;
        int64_t r = -DFS_EAGAIN;
        for (int t = 0; t < 3 && r == -DFS_EAGAIN; t++) {
            r = read_map_once(c, ino, off + done, (uint8_t *)buf + done, n);
            c->zc_retries += r == -DFS_EAGAIN;
        }
        if (r == -DFS_EAGAIN) /* (the pages keep changing: let the server copy) */
            r = diskc_read_copy(c, ino, off + done, (uint8_t *)buf + done, n);
        if (r < 0)
            return done ? (int64_t)done : r;
        done += (uint64_t)r;
        if ((uint64_t)r < n)
            break;
    }
    return (int64_t)done;
}

int64_t diskc_write(struct diskc *c, uint32_t ino, uint64_t off, const void *buf, uint64_t len)
{
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < DISKD_AREA - 8 ? len - done : DISKD_AREA - 8;
        memcpy(c->area, &n, 8);
        memcpy(c->area + 8, (const uint8_t *)buf + done, (size_t)n);
        int64_t r = diskc_call(c, DISKD_WRITE, ino, off + done);
        if (r < 0)
            return done ? (int64_t)done : r;
        done += (uint64_t)r;
        if ((uint64_t)r < n)
            break;
    }
    return (int64_t)done;
}

int diskc_fsync(struct diskc *c, uint32_t ino)
{
    return (int)diskc_call(c, DISKD_FSYNC, ino, 0);
}

int diskc_sync(struct diskc *c)
{
    return (int)diskc_call(c, DISKD_SYNC, 0, 0);
}

int diskc_truncate(struct diskc *c, uint32_t ino, uint64_t size)
{
    return (int)diskc_call(c, DISKD_TRUNCATE, ino, size);
}

int diskc_mkdir(struct diskc *c, const char *path, uint32_t mode)
{
    return (int)diskc_path(c, DISKD_MKDIR, path, mode, 0);
}

int diskc_unlink(struct diskc *c, const char *path)
{
    return (int)diskc_path(c, DISKD_UNLINK, path, 0, 0);
}

int diskc_rmdir(struct diskc *c, const char *path)
{
    return (int)diskc_path(c, DISKD_RMDIR, path, 0, 0);
}
