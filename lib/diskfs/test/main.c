/*
 * main.c - runs the disk file system's host tests.  Prints one line per
 * failed check and finally "N passed, M failed"; exits non-zero on failure.
 *
 *   test_diskfs                  everything, with a short crash run
 *   test_diskfs crash N [SEED]   the crash run alone, N crash points
 */
#include <stdlib.h>

#include "test.h"

int g_pass, g_fail;

void t_check(bool ok, const char *file, int line, const char *expr)
{
    if (ok) {
        g_pass++;
        return;
    }
    g_fail++;
    printf("FAIL %s:%d: %s\n", file, line, expr);
    fflush(stdout);
}

static int64_t clock_us;
static int64_t fake_now(void *ctx)
{
    (void)ctx;
    return ++clock_us * 1000;
}
struct dfs_hooks t_hooks = {.now = fake_now};

void t_fresh(struct ramdisk *rd, struct dfs_dev *dev, struct dfs *fs, uint64_t nblocks,
             uint32_t nbuf)
{
    static uint8_t buf[DFS_BSIZE];
    ramdisk_init(rd, dev, nblocks);
    if (dfs_mkfs(dev, 0, 0, 1, buf) != 0 || hostdev_mount(fs, dev, nbuf, &t_hooks) != 0) {
        printf("FAIL: cannot make a file system of %llu blocks\n", (unsigned long long)nblocks);
        exit(2);
    }
}

static void report(void *ctx, const char *line)
{
    (void)ctx;
    printf("  fsck: %s\n", line);
}

static int fsck_with(const struct dfs_dev *dev, bool quiet)
{
    struct dfs_check ck;
    uint8_t sbb[DFS_BSIZE];
    struct dfs_super sb;
    dev->read(dev->ctx, 0, 1, sbb);
    memcpy(&sb, sbb, sizeof sb);
    /* (A damaged superblock must not make us allocate its numbers.) */
    uint32_t nb = sb.nblocks <= dev->nblocks ? sb.nblocks : 0;
    uint32_t ni = sb.ninodes <= (uint64_t)nb * DFS_IPB ? sb.ninodes : 0;
    size_t len = dfs_check_scratch(nb, ni);
    void *scratch = aligned_alloc(DFS_BSIZE, (len + DFS_BSIZE - 1) / DFS_BSIZE * DFS_BSIZE);
    int r = dfs_check(dev, scratch, len, &ck, quiet ? NULL : report, NULL);
    free(scratch);
    return r;
}

int t_fsck(const struct dfs_dev *dev)
{
    return fsck_with(dev, false);
}

int t_fsck_quiet(const struct dfs_dev *dev)
{
    return fsck_with(dev, true);
}

void t_remount(struct dfs *fs, const struct dfs_dev *dev, uint32_t nbuf)
{
    int r = hostdev_umount(fs, true);
    CHECK_EQ(r, 0);
    CHECK_EQ(t_fsck(dev), 0);
    r = hostdev_mount(fs, dev, nbuf, &t_hooks);
    CHECK_EQ(r, 0);
    if (r) {
        printf("FAIL: remount\n");
        exit(2);
    }
}

int t_put(struct dfs *fs, const char *path, const void *data, size_t n)
{
    int ino = dfs_open(fs, path, DFS_O_WRITE | DFS_O_CREAT | DFS_O_TRUNC, 0644);
    if (ino < 0)
        return ino;
    int64_t w = dfs_write(fs, (uint32_t)ino, 0, data, n);
    dfs_close(fs, (uint32_t)ino);
    return w == (int64_t)n ? ino : (w < 0 ? (int)w : -DFS_ENOSPC);
}

long t_get(struct dfs *fs, const char *path, void *buf, size_t cap)
{
    int ino = dfs_lookup(fs, path);
    if (ino < 0)
        return ino;
    return (long)dfs_read(fs, (uint32_t)ino, 0, buf, cap);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 3 && strcmp(argv[1], "crash") == 0) {
        test_crash(atoi(argv[2]), argc > 3 ? (unsigned)atoi(argv[3]) : 1, true);
    } else {
        test_ops();
        test_map();
        test_big();
        test_random();
        test_corrupt(300);
        test_crash(60, 7, false);
    }
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
