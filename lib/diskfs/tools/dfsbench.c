/*
 * dfsbench - the file system workload on a 256 MiB memory image,
 * counting what reaches the device (requests, blocks, flushes) and the
 * host time.  Not a test: figures for the report and docs.
 *
 *   dfsbench [NBUF]     (cache buffers, default 4096 = 16 MiB)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostdev.h"

static struct ramdisk rd;
static struct dfs_dev dev;
static struct dfs fs;
static uint32_t nbuf = 4096;
static struct timespec t0;
static struct ramdisk last;

static void start(void)
{
    last = rd;
    clock_gettime(CLOCK_MONOTONIC, &t0);
}

static void row(const char *what)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("| %-44s | %8llu | %8llu | %8llu | %8llu | %6llu | %8.1f |\n", what,
           (unsigned long long)(rd.rcalls - last.rcalls),
           (unsigned long long)(rd.reads - last.reads),
           (unsigned long long)(rd.wcalls - last.wcalls),
           (unsigned long long)(rd.writes - last.writes),
           (unsigned long long)(rd.flushes - last.flushes), ms);
}

static void die(const char *what, long r)
{
    fprintf(stderr, "dfsbench: %s: %ld\n", what, r);
    exit(1);
}

static void remount(void)
{
    long r = hostdev_umount(&fs, false);
    if (r)
        die("unmount", r);
    if ((r = hostdev_mount(&fs, &dev, nbuf, NULL)))
        die("mount", r);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        nbuf = (uint32_t)atoi(argv[1]);
    static uint8_t blk[DFS_BSIZE], big[1 << 20];
    ramdisk_init(&rd, &dev, 65536);
    if (dfs_mkfs(&dev, 0, 0, 0, blk) || hostdev_mount(&fs, &dev, nbuf, NULL))
        die("mkfs/mount", 0);
    memset(blk, 'x', sizeof blk);
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)i;
    char path[64];
    printf("| row | read reqs | blocks read | write reqs | blocks written | flushes | host ms |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|\n");

    dfs_mkdir(&fs, "/small", 0755);
    dfs_sync(&fs);
    start();
    for (int i = 0; i < 1000; i++) {
        snprintf(path, sizeof path, "/small/f%d", i);
        int f = dfs_open(&fs, path, DFS_O_CREAT | DFS_O_WRITE, 0644);
        if (f < 0 || dfs_write(&fs, (uint32_t)f, 0, blk, sizeof blk) != sizeof blk ||
            dfs_fsync(&fs, (uint32_t)f) || dfs_close(&fs, (uint32_t)f))
            die("small files", f);
    }
    row("create+write 4 KiB+fsync+close x1000");
    remount();
    start();
    for (int i = 0; i < 1000; i++) {
        snprintf(path, sizeof path, "/small/f%d", i);
        int f = dfs_open(&fs, path, DFS_O_READ, 0);
        if (f < 0 || dfs_read(&fs, (uint32_t)f, 0, blk, sizeof blk) != sizeof blk ||
            dfs_close(&fs, (uint32_t)f))
            die("read back", f);
    }
    row("read them back, cold (after remount)");
    start();
    int f = dfs_open(&fs, "/big", DFS_O_CREAT | DFS_O_WRITE, 0644);
    for (uint64_t o = 0; o < 64 << 20; o += sizeof big)
        if (dfs_write(&fs, (uint32_t)f, o, big, sizeof big) != sizeof big)
            die("seq write", 0);
    dfs_fsync(&fs, (uint32_t)f);
    dfs_close(&fs, (uint32_t)f);
    row("sequential write 64 MiB + fsync");
    remount();
    start();
    f = dfs_open(&fs, "/big", DFS_O_READ, 0);
    for (uint64_t o = 0; o < 64 << 20; o += sizeof big)
        if (dfs_read(&fs, (uint32_t)f, o, big, sizeof big) != sizeof big)
            die("seq read", 0);
    dfs_close(&fs, (uint32_t)f);
    row("sequential read 64 MiB, cold");
    start();
    for (int d = 0; d < 20; d++) {
        snprintf(path, sizeof path, "/tree%d", d);
        dfs_mkdir(&fs, path, 0755);
        for (int i = 0; i < 100; i++) {
            snprintf(path, sizeof path, "/tree%d/file%d", d, i);
            int g = dfs_open(&fs, path, DFS_O_CREAT | DFS_O_WRITE, 0644);
            if (g < 0 || dfs_write(&fs, (uint32_t)g, 0, big, 1000 + (size_t)i * 37) < 0)
                die("tree", g);
            dfs_close(&fs, (uint32_t)g);
        }
    }
    dfs_sync(&fs);
    row("2,000-file tree (20 dirs), then sync");
    start();
    for (int d = 0; d < 20; d++) {
        for (int i = 0; i < 100; i++) {
            snprintf(path, sizeof path, "/tree%d/file%d", d, i);
            dfs_unlink(&fs, path);
        }
        snprintf(path, sizeof path, "/tree%d", d);
        dfs_rmdir(&fs, path);
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(path, sizeof path, "/small/f%d", i);
        dfs_unlink(&fs, path);
    }
    dfs_unlink(&fs, "/big");
    dfs_sync(&fs);
    row("delete it all, then sync");
    hostdev_umount(&fs, false);
    struct dfs_check ck;
    int r = hostdev_check(&dev, &ck, true);
    printf("fsck: %d problems; cache %u buffers\n", r, nbuf);
    return r != 0;
}
