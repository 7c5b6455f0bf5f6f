/* The disk file system (lib/diskfs) in Spinel, on the virtio disk through a
 * block capability: a derived sub-range of make test's scratch disk (the
 * blocks t_blk does not use) is made into a file system, filled, synced,
 * unmounted, checked by fsck in the guest, mounted again and read back;
 * renames, links, unlinks and bad input (names too long, a directory loop
 * by rename, a non-empty rmdir, too many open files, a full disk: ENOSPC
 * and fsck still clean). */
#include "../../lib/exo/exo.h"
#include "../../lib/blk/blk.h"
#include "../../lib/diskfs/blkdev.h"
#include "check.h"

#define FIRST 8192 /* the sub-range: blocks [FIRST, FIRST + COUNT) of the disk */
#define COUNT 4096 /* 16 MiB */
#define SMALL 512  /* a 2 MiB file system, to fill */
#define NBUF  128

static uint8_t cache[NBUF * 4096 + 256 * 1024] __attribute__((aligned(4096)));
static uint8_t scratch[64 * 4096 + 256 * 1024] __attribute__((aligned(4096)));
static uint8_t data[256 * 1024], back[256 * 1024];
static uint8_t mkbuf[4096] __attribute__((aligned(4096)));

static int64_t clock;
static int64_t now(void *ctx)
{
    (void)ctx;
    return ++clock * 1000;
}

static int fsck(struct dfs_dev *dev)
{
    struct dfs_check ck;
    int r = dfs_check(dev, scratch, sizeof scratch, &ck, NULL, NULL);
    if (r != 0)
        printf("  fsck: %d problems: %s\n", r, ck.first);
    return r;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)((i * 31 + seed * 7) ^ (i >> 9));
}

#include "diskfs_crash.h"
#include "diskfs_diskd.h"

static void basic(long disk)
{
    long part = sys_blk_derive((uint32_t)disk, FIRST, COUNT, R_READ | R_WRITE, CAP_SELF);
    long small = sys_blk_derive((uint32_t)disk, FIRST + COUNT, SMALL, R_READ | R_WRITE, CAP_SELF);
    CHECK_EQ(part > 0 && small > 0, 1);
    static struct blkdev b, bs;
    CHECK_EQ(blk_open(&b, (uint32_t)part, 0), 0);
    CHECK_EQ(blk_open(&bs, (uint32_t)small, 0x00006c0000100000UL), 0);
    struct dfs_dev dev, sdev;
    dfs_blkdev(&dev, &b);
    dfs_blkdev(&sdev, &bs);
    CHECK_EQ(dev.nblocks, COUNT);
    struct dfs_hooks hooks = {.now = now};
    static struct dfs fs;

    /* Make, fill, sync. */
    CHECK_EQ(dfs_mkfs(&dev, 0, 0, 1, mkbuf), 0);
    CHECK_EQ(fsck(&dev), 0);
    CHECK_EQ(dfs_mount(&fs, &dev, &hooks, cache, sizeof cache), 0);
    CHECK_EQ(dfs_mkdir(&fs, "/d", 0755) > 0, 1);
    char path[300];
    for (int i = 0; i < 40; i++) {
        snprintf(path, sizeof path, "/d/file%d", i);
        int f = dfs_open(&fs, path, DFS_O_CREAT | DFS_O_WRITE, 0644);
        fill(data, 1000 + (size_t)i * 100, (unsigned)i);
        CHECK_EQ(dfs_write(&fs, (uint32_t)f, 0, data, 1000 + (size_t)i * 100), 1000 + i * 100);
        if (i % 10 == 0)
            CHECK_EQ(dfs_fsync(&fs, (uint32_t)f), 0);
        CHECK_EQ(dfs_close(&fs, (uint32_t)f), 0);
    }
    int big = dfs_create(&fs, "/big", 0600);
    for (int k = 0; k < 8; k++) { /* 2 MiB */
        fill(data, sizeof data, 100 + (unsigned)k);
        CHECK_EQ(dfs_write(&fs, (uint32_t)big, (uint64_t)k * sizeof data, data, sizeof data),
                 sizeof data);
    }
    CHECK_EQ(dfs_write(&fs, (uint32_t)big, 5ull << 30, "far", 3), 3); /* past 4 GiB */
    CHECK_EQ(dfs_sync(&fs), 0);
    uint64_t commits = fs.stats.commits, writes = fs.stats.writes;
    CHECK_EQ(dfs_unmount(&fs, false), 0);
    CHECK_EQ(fsck(&dev), 0);

    /* Mount again: everything is there. */
    CHECK_EQ(dfs_mount(&fs, &dev, &hooks, cache, sizeof cache), 0);
    int bad = 0;
    for (int i = 0; i < 40; i++) {
        snprintf(path, sizeof path, "/d/file%d", i);
        int f = dfs_lookup(&fs, path);
        fill(data, 1000 + (size_t)i * 100, (unsigned)i);
        if (f < 0 || dfs_read(&fs, (uint32_t)f, 0, back, sizeof back) != 1000 + i * 100 ||
            memcmp(back, data, 1000 + (size_t)i * 100) != 0)
            bad++;
    }
    CHECK_EQ(bad, 0);
    big = dfs_lookup(&fs, "/big");
    for (int k = 0; k < 8; k++) {
        fill(data, sizeof data, 100 + (unsigned)k);
        CHECK_EQ(dfs_read(&fs, (uint32_t)big, (uint64_t)k * sizeof data, back, sizeof back),
                 sizeof back);
        CHECK_EQ(memcmp(back, data, sizeof data), 0);
    }
    CHECK_EQ(dfs_read(&fs, (uint32_t)big, 5ull << 30, back, 10), 3);
    CHECK_EQ(memcmp(back, "far", 3), 0);

    /* Names: rename, links, bad input. */
    CHECK_EQ(dfs_rename(&fs, "/d/file1", "/d/renamed"), 0);
    CHECK_EQ(dfs_link(&fs, "/d/renamed", "/linked"), 0);
    CHECK_EQ(dfs_unlink(&fs, "/d/renamed"), 0);
    CHECK_EQ(dfs_lookup(&fs, "/linked") > 0, 1);
    CHECK_EQ(dfs_mkdir(&fs, "/d/sub", 0755) > 0, 1);
    CHECK_EQ(dfs_rename(&fs, "/d", "/d/sub/loop"), -DFS_EINVAL);
    CHECK_EQ(dfs_rmdir(&fs, "/d"), -DFS_ENOTEMPTY);
    memset(path, 'x', sizeof path);
    path[0] = '/';
    path[257] = 0;
    CHECK_EQ(dfs_create(&fs, path, 0644), -DFS_ENAMETOOLONG);
    CHECK_EQ(dfs_lookup(&fs, "/nope/x"), -DFS_ENOENT);
    CHECK_EQ(dfs_create(&fs, "/linked/x", 0644), -DFS_ENOTDIR);
    int opened = 0, r = 0;
    for (int i = 0; i < DFS_OPEN_MAX + 1 && r >= 0; i++) {
        snprintf(path, sizeof path, "/open%d", i);
        r = dfs_open(&fs, path, DFS_O_CREAT | DFS_O_WRITE, 0644);
        opened += r > 0;
    }
    CHECK_EQ(r, -DFS_ENFILE);
    CHECK_EQ(opened, DFS_OPEN_MAX);
    for (int i = 0; i < opened; i++) {
        snprintf(path, sizeof path, "/open%d", i);
        CHECK_EQ(dfs_close(&fs, (uint32_t)dfs_lookup(&fs, path)), 0);
    }
    CHECK_EQ(dfs_unmount(&fs, false), 0);
    CHECK_EQ(fsck(&dev), 0);

    /* A full disk: ENOSPC, and nothing corrupted. */
    CHECK_EQ(dfs_mkfs(&sdev, 0, 0, 1, mkbuf), 0);
    CHECK_EQ(dfs_mount(&fs, &sdev, &hooks, cache, sizeof cache), 0);
    int f = dfs_create(&fs, "/fill", 0644);
    int64_t w = 0;
    uint64_t off = 0;
    while ((w = dfs_write(&fs, (uint32_t)f, off, data, sizeof data)) == (int64_t)sizeof data)
        off += sizeof data;
    CHECK_EQ(w >= 0, 1);
    CHECK_EQ(dfs_write(&fs, (uint32_t)f, off + (uint64_t)w, data, 1), -DFS_ENOSPC);
    CHECK_EQ(dfs_free_blocks(&fs), 0);
    CHECK_EQ(dfs_unmount(&fs, false), 0);
    CHECK_EQ(fsck(&sdev), 0);

    printf("t_diskfs: %lu commits, %lu blocks written to fill 2 MiB + 40 files; "
           "%lu device requests in all\n",
           (unsigned long)commits, (unsigned long)writes,
           (unsigned long)(b.reads + b.writes + b.flushes + bs.reads + bs.writes + bs.flushes));
    blk_close(&b);
    blk_close(&bs);
}

int main(void)
{
    long disk = sys_dev_open(DEV_DISK);
    CHECK_EQ(disk > 0, 1);
    if (disk <= 0)
        return 1;
    /* Block 0 says whether tools/diskfs-crash.sh booted us (crash mode). */
    static struct blkdev whole;
    static uint8_t block0[4096] __attribute__((aligned(4096)));
    if (blk_open(&whole, (uint32_t)disk, 0) < 0 || blk_read(&whole, 0, 1, block0) < 0)
        return 1;
    if (memcmp(block0, "DFSCRASH", 8) == 0)
        return crash_main(disk, &whole, block0);
    blk_close(&whole);
    basic(disk);
    diskd_main(disk);
    printf("t_diskfs: %d failed checks\n", check_failures);
    return check_failures;
}
