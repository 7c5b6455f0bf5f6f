/* diskd: the disk file system (lib/diskfs) as a server env, reached by
 * protected control transfer (lib/diskfs/diskd.h has the protocol). Its
 * client gives it a block capability (sys_blk_derive into this env) and
 * binds; from then on the file system's metadata, its buffer cache and the
 * disk blocks live where only this env can write them. */
#include "../lib/exo/exo.h"
#include "../lib/blk/blk.h"
#include "../lib/diskfs/blkdev.h"
#include "../lib/diskfs/diskd.h"
#include "../lib/c/libc.h"

#define ARG_VA 0x0000510000000000UL
#define NBUF   256

static uint8_t cache[(NBUF + 64) * 4096] __attribute__((aligned(4096)));
static uint8_t scratch[128 * 4096] __attribute__((aligned(4096)));
static uint8_t mkbuf[4096] __attribute__((aligned(4096)));
static struct dfs fs;
static struct blkdev bd;
static struct dfs_dev dev;
static bool mounted, opened;
static uint32_t client; /* the env served (0: none yet) */
static long frame = -1; /* the argument page */
static uint8_t *page = (uint8_t *)ARG_VA;
static char p1[DFS_PATH_MAX + 1], p2[DFS_PATH_MAX + 1];
static uint8_t data[DISKD_DATA];

static int64_t now(void *ctx)
{
    (void)ctx;
    static int64_t t;
    return ++t * 1000;
}

/* Copies a NUL-terminated string from the page at off; -1 if it does not
 * end on the page. */
static long take_path(size_t off, char *out)
{
    size_t n = 0;
    while (off + n < DISKD_PAGE && page[off + n] && n < DFS_PATH_MAX)
        n++;
    if (off + n >= DISKD_PAGE || page[off + n])
        return -1;
    memcpy(out, page + off, n);
    out[n] = 0;
    return (long)n;
}

static uint64_t serve(uint64_t op, uint64_t a1, uint64_t a2, uint32_t caller)
{
    if (op == DISKD_BIND) {
        if (client && client != caller)
            return (uint64_t)-DFS_EPERM;
        if (frame < 0) {
            frame = sys_frame_alloc(-1);
            if (frame < 0 || exo_map(CAP_SELF, (uint32_t)frame, ARG_VA, MMU_W) != 1)
                return (uint64_t)-DFS_ENOMEM;
        }
        client = caller;
        return (uint64_t)sys_pct_give((uint32_t)frame, R_READ | R_WRITE);
    }
    if (!client || caller != client)
        return (uint64_t)-DFS_EPERM;
    if (op == DISKD_MOUNT) {
        if (mounted)
            return (uint64_t)-DFS_EBUSY;
        if (!opened) {
            if (a1 > 0xffffffffu || blk_open(&bd, (uint32_t)a1, 0) < 0)
                return (uint64_t)-DFS_EINVAL;
            dfs_blkdev(&dev, &bd);
            opened = true;
        }
        if (a2 == 1 && dfs_mkfs(&dev, 0, 0, now(NULL), mkbuf) < 0)
            return (uint64_t)-DFS_EIO;
        struct dfs_hooks h = {.now = now};
        int r = dfs_mount(&fs, &dev, &h, cache, sizeof cache);
        mounted = r == 0;
        return (uint64_t)(int64_t)r;
    }
    if (op == DISKD_CHECK) {
        if (!opened || mounted)
            return (uint64_t)-DFS_EBUSY;
        struct dfs_check ck;
        return (uint64_t)(int64_t)dfs_check(&dev, scratch, sizeof scratch, &ck, NULL, NULL);
    }
    if (!mounted)
        return (uint64_t)-DFS_EINVAL;
    uint32_t ino = a1 > 0xffffffffu ? 0 : (uint32_t)a1;
    int64_t r;
    uint64_t n;
    switch (op) {
    case DISKD_UNMOUNT:
        r = dfs_unmount(&fs, true);
        mounted = false;
        return (uint64_t)r;
    case DISKD_OPEN:
        if (take_path(0, p1) < 0)
            return (uint64_t)-DFS_ENAMETOOLONG;
        return (uint64_t)(int64_t)dfs_open(&fs, p1, (unsigned)a1, (uint32_t)a2);
    case DISKD_CLOSE:
        return (uint64_t)(int64_t)dfs_close(&fs, ino);
    case DISKD_READ:
        memcpy(&n, page, 8);
        if (n > DISKD_DATA)
            n = DISKD_DATA;
        r = dfs_read(&fs, ino, a2, data, n);
        if (r > 0)
            memcpy(page, data, (size_t)r);
        return (uint64_t)r;
    case DISKD_WRITE:
        memcpy(&n, page, 8);
        if (n > DISKD_PAGE - 8)
            return (uint64_t)-DFS_EINVAL;
        memcpy(data, page + 8, n); /* the client may change the page meanwhile */
        return (uint64_t)dfs_write(&fs, ino, a2, data, n);
    case DISKD_STAT: {
        struct dfs_stat st;
        r = dfs_stat(&fs, ino, &st);
        if (r == 0)
            memcpy(page, &st, sizeof st);
        return (uint64_t)r;
    }
    case DISKD_READDIR: {
        struct dfs_dirent de;
        uint64_t pos = a2;
        r = dfs_readdir(&fs, ino, &pos, &de);
        if (r == 1) {
            memcpy(page, &pos, 8);
            memcpy(page + 8, &de, sizeof de);
        }
        return (uint64_t)r;
    }
    case DISKD_MKDIR:
    case DISKD_UNLINK:
    case DISKD_RMDIR:
        if (take_path(0, p1) < 0)
            return (uint64_t)-DFS_ENAMETOOLONG;
        r = op == DISKD_MKDIR    ? dfs_mkdir(&fs, p1, (uint32_t)a1)
            : op == DISKD_UNLINK ? dfs_unlink(&fs, p1)
                                 : dfs_rmdir(&fs, p1);
        return (uint64_t)(r > 0 ? 0 : r);
    case DISKD_RENAME: {
        long l = take_path(0, p1);
        if (l < 0 || take_path((size_t)l + 1, p2) < 0)
            return (uint64_t)-DFS_ENAMETOOLONG;
        return (uint64_t)(int64_t)dfs_rename(&fs, p1, p2);
    }
    case DISKD_FSYNC:
        return (uint64_t)(int64_t)dfs_fsync(&fs, ino);
    case DISKD_SYNC:
        return (uint64_t)(int64_t)dfs_sync(&fs);
    case DISKD_TRUNCATE:
        return (uint64_t)(int64_t)dfs_truncate(&fs, ino, a2);
    }
    return (uint64_t)-DFS_EINVAL;
}

int main(void)
{
    exo_set_pct_entry(serve);
    for (;;)
        sys_block(0);
}
