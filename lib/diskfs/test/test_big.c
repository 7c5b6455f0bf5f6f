/*
 * test_big.c - large and sparse files (past 4 GiB, triple indirect), a
 * cache much smaller than the data, autosave, freeing a large file over
 * several transactions, I/O errors.
 */
#include <stdlib.h>

#include "test.h"

#define MB (1024ull * 1024)
#define GB (1024ull * MB)

static void test_sparse(void)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    t_fresh(&rd, &dev, &fs, 8192, 128);
    uint32_t free0 = dfs_free_blocks(&fs);
    int f = dfs_create(&fs, "/sparse", 0644);
    const uint64_t offs[] = {4 * GB - 3, 5 * GB, 64 * GB + 12345, 1024 * GB, DFS_MAX_FILE - 4096};
    char buf[16];
    for (unsigned i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        snprintf(buf, sizeof buf, "mark%u", i);
        CHECK_EQ(dfs_write(&fs, (uint32_t)f, offs[i], buf, 6), 6);
    }
    struct dfs_stat st;
    CHECK_EQ(dfs_stat(&fs, (uint32_t)f, &st), 0);
    CHECK_EQ(st.size, DFS_MAX_FILE - 4096 + 6);
    CHECK(st.blocks < 40);
    CHECK_EQ(dfs_write(&fs, (uint32_t)f, DFS_MAX_FILE, "x", 1), -DFS_EFBIG);
    CHECK_EQ(dfs_write(&fs, (uint32_t)f, DFS_MAX_FILE - 1, "xy", 2), 1);
    CHECK_EQ(dfs_truncate(&fs, (uint32_t)f, DFS_MAX_FILE + 1), -DFS_EFBIG);
    t_remount(&fs, &dev, 128);
    for (unsigned i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        char want[16], got[16] = {0};
        snprintf(want, sizeof want, "mark%u", i);
        CHECK_EQ(dfs_read(&fs, (uint32_t)f, offs[i], got, 6), 6);
        CHECK(memcmp(got, want, 6) == 0);
        CHECK_EQ(dfs_read(&fs, (uint32_t)f, offs[i] - 8, got, 8), 8);
        CHECK(got[0] == 0 && got[7] == 0);
    }
    /* truncate into the middle: the marks past it go, the ones before stay */
    CHECK_EQ(dfs_truncate(&fs, (uint32_t)f, 5 * GB + 3), 0);
    CHECK_EQ(dfs_read(&fs, (uint32_t)f, 5 * GB, buf, 16), 3);
    CHECK(memcmp(buf, "mar", 3) == 0);
    CHECK_EQ(dfs_truncate(&fs, (uint32_t)f, 64 * GB), 0);
    CHECK_EQ(dfs_read(&fs, (uint32_t)f, 5 * GB, buf, 6), 6);
    CHECK(memcmp(buf, "mar\0\0\0", 6) == 0);
    CHECK_EQ(dfs_unlink(&fs, "/sparse"), 0);
    CHECK_EQ(dfs_free_blocks(&fs), free0);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    ramdisk_free(&rd);
}

/* 128 MiB through a 64-buffer cache: every path evicts and commits often,
 * and freeing the file takes several transactions. */
static uint8_t pat(uint64_t i)
{
    return (uint8_t)(i * 7 + i / 4096);
}

static void test_small_cache(void)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    t_fresh(&rd, &dev, &fs, 49152, 64);
    const size_t n = 128 * MB, step = MB;
    uint8_t *data = malloc(step), *back = malloc(step);
    int f = dfs_create(&fs, "/big", 0644);
    int ok = 1;
    for (uint64_t o = 0; o < n; o += step) {
        for (size_t i = 0; i < step; i++)
            data[i] = pat(o + i);
        ok &= dfs_write(&fs, (uint32_t)f, o, data, step) == (int64_t)step;
    }
    CHECK(ok);
    CHECK(fs.stats.commits > 100);
    CHECK(fs.stats.evictions > 1000);
    for (int pass = 0; pass < 2; pass++) {
        ok = 1;
        for (uint64_t o = 0; o < n; o += step) {
            ok &= dfs_read(&fs, (uint32_t)f, o, back, step) == (int64_t)step;
            for (size_t i = 0; i < step; i++)
                ok &= back[i] == pat(o + i);
        }
        CHECK(ok);
        if (pass == 0)
            t_remount(&fs, &dev, 64);
    }
    /* unlink: freed over several transactions (the orphan list keeps it
     * safe in between) */
    uint64_t c0 = fs.stats.commits;
    uint32_t free0 = dfs_free_blocks(&fs);
    CHECK_EQ(dfs_unlink(&fs, "/big"), 0);
    CHECK(fs.stats.commits > c0);
    CHECK_EQ(fs.sb.orphan_head, 0);
    /* data, 33 index blocks (ind, dind, 31 below dind), the root's block */
    CHECK_EQ(dfs_free_blocks(&fs), free0 + n / DFS_BSIZE + 33 + 1);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    free(data);
    free(back);
    ramdisk_free(&rd);
}

static int released;
static void count_release(void *ctx, void *page)
{
    (void)ctx;
    (void)page;
    released++;
}

static void test_autosave(void)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    struct dfs_hooks h = t_hooks;
    h.release = count_release;
    static uint8_t img[DFS_BSIZE];
    ramdisk_init(&rd, &dev, 4096);
    CHECK_EQ(dfs_mkfs(&dev, 0, 0, 1, img), 0);
    size_t len = dfs_cache_bytes(256);
    uint8_t *mem = aligned_alloc(DFS_BSIZE, (len + DFS_BSIZE - 1) / DFS_BSIZE * DFS_BSIZE);
    CHECK_EQ(dfs_mount(&fs, &dev, &h, mem, len), 0);
    CHECK_EQ(fs.nbuf, 256);
    static uint8_t data[400 * 1024];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13);
    int f = t_put(&fs, "/a", data, sizeof data);
    CHECK(f > 0);
    CHECK(t_put(&fs, "/small", "s", 1) > 0);
    CHECK(fs.ntxn > 0); /* dirty, not yet on disk */
    /* A second mount of the same disk (as after a crash) does not see it. */
    struct dfs other;
    CHECK_EQ(hostdev_mount(&other, &dev, 64, NULL), 0);
    CHECK_EQ(dfs_lookup(&other, "/small"), -DFS_ENOENT);
    hostdev_umount(&other, true);
    released = 0;
    int r = dfs_autosave(&fs, 150);
    CHECK_EQ(r, 150);
    CHECK_EQ(released, 150);
    CHECK_EQ(fs.ntxn, 0);
    CHECK_EQ(fs.npages, 106);
    /* Everything reached the disk first. */
    CHECK_EQ(hostdev_mount(&other, &dev, 64, NULL), 0);
    static uint8_t back[sizeof data];
    CHECK_EQ(t_get(&other, "/a", back, sizeof back), sizeof data);
    CHECK(memcmp(back, data, sizeof data) == 0);
    CHECK(dfs_lookup(&other, "/small") > 0);
    hostdev_umount(&other, true);
    /* It never goes below DFS_CACHE_MIN. */
    CHECK_EQ(dfs_autosave(&fs, 1000), 106 - DFS_CACHE_MIN);
    CHECK_EQ(fs.npages, DFS_CACHE_MIN);
    /* Still works on the small cache; pages can come back. */
    memset(back, 0, sizeof back);
    CHECK_EQ(t_get(&fs, "/a", back, sizeof back), sizeof data);
    CHECK(memcmp(back, data, sizeof data) == 0);
    uint8_t *pages = aligned_alloc(DFS_BSIZE, 10 * DFS_BSIZE);
    for (int i = 0; i < 10; i++)
        CHECK_EQ(dfs_cache_give(&fs, pages + i * DFS_BSIZE), 0);
    CHECK_EQ(dfs_cache_give(&fs, pages + 1), -DFS_EINVAL);
    CHECK_EQ(fs.npages, DFS_CACHE_MIN + 10);
    CHECK(t_put(&fs, "/b", data, sizeof data) > 0);
    CHECK_EQ(dfs_unmount(&fs, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    free(pages);
    free(mem);
    ramdisk_free(&rd);
}

/* A device that fails every write after the first `left`. */
static int left;
static int (*real_write)(void *, uint64_t, uint32_t, const void *);
static int failing_write(void *ctx, uint64_t b, uint32_t n, const void *buf)
{
    if (left <= 0)
        return -DFS_EIO;
    left--;
    return real_write(ctx, b, n, buf);
}

static void test_io_error(void)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    t_fresh(&rd, &dev, &fs, 4096, 128);
    CHECK(t_put(&fs, "/before", "ok", 2) > 0);
    CHECK_EQ(dfs_sync(&fs), 0);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    struct dfs_dev bad = dev;
    real_write = dev.write;
    bad.write = failing_write;
    bad.writev = NULL; /* (every write through failing_write) */
    left = 1;          /* the journal blocks, not the commit record */
    CHECK_EQ(hostdev_mount(&fs, &bad, 128, &t_hooks), 0);
    CHECK(t_put(&fs, "/after", "no", 2) > 0);
    CHECK_EQ(dfs_sync(&fs), -DFS_EIO);
    CHECK_EQ(dfs_create(&fs, "/more", 0644), -DFS_EIO); /* it stays failed */
    CHECK_EQ(dfs_sync(&fs), -DFS_EIO);
    hostdev_umount(&fs, true);
    /* The disk holds the state before the failed commit. */
    CHECK_EQ(t_fsck(&dev), 0);
    CHECK_EQ(hostdev_mount(&fs, &dev, 128, &t_hooks), 0);
    char buf[4];
    CHECK_EQ(t_get(&fs, "/before", buf, 4), 2);
    CHECK_EQ(dfs_lookup(&fs, "/after"), -DFS_ENOENT);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    ramdisk_free(&rd);
}

void test_big(void)
{
    test_sparse();
    test_small_cache();
    test_autosave();
    test_io_error();
}
