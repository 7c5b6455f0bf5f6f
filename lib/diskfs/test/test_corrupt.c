/*
 * test_corrupt.c - a damaged disk must never crash the library: random
 * bytes of a populated image's metadata (superblock, journal header,
 * bitmaps, inode table, directory and index blocks) are changed, then
 * fsck runs, and if the image still mounts, every kind of call runs over
 * the whole tree.  Errors are fine; memory errors (ASan, UBSan) and hangs
 * are not.  fsck must also notice most of the damage.
 */
#include <stdlib.h>

#include "test.h"

#define NB 2048

static uint32_t rs;
static uint32_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 17;
    rs ^= rs << 5;
    return rs;
}

/* Walks the tree and touches everything; bounded. */
static void exercise(struct dfs *fs, uint32_t dir, int depth, int *budget)
{
    uint64_t pos = 0;
    struct dfs_dirent de;
    static uint8_t buf[16384];
    while (--*budget > 0 && dfs_readdir(fs, dir, &pos, &de) == 1) {
        if (!strcmp(de.name, ".") || !strcmp(de.name, ".."))
            continue;
        struct dfs_stat st;
        if (dfs_stat(fs, de.ino, &st) != 0)
            continue;
        if (DFS_S_ISDIR(st.mode)) {
            if (depth < 6)
                exercise(fs, de.ino, depth + 1, budget);
        } else {
            dfs_read(fs, de.ino, 0, buf, sizeof buf);
            dfs_read(fs, de.ino, st.size > 5 ? st.size - 5 : 0, buf, 100);
            dfs_write(fs, de.ino, rnd() % 20000, buf, 1 + rnd() % 9000);
            if (rnd() % 3 == 0)
                dfs_truncate(fs, de.ino, rnd() % 10000);
        }
    }
}

void test_corrupt(int rounds)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    t_fresh(&rd, &dev, &fs, NB, 96);
    static uint8_t data[30000];
    memset(data, 'q', sizeof data);
    char path[64];
    dfs_mkdir(&fs, "/a", 0755);
    dfs_mkdir(&fs, "/a/b", 0755);
    for (int i = 0; i < 60; i++) {
        snprintf(path, sizeof path, "%s/f%d", i % 3 == 0 ? "" : i % 3 == 1 ? "/a" : "/a/b", i);
        t_put(&fs, path, data, (size_t)(i * 397) % sizeof data);
    }
    int sp = dfs_create(&fs, "/sparse", 0644);
    for (int i = 0; i < 20; i++)
        dfs_write(&fs, (uint32_t)sp, (uint64_t)i * 7 * 1024 * 1024, "s", 1);
    dfs_link(&fs, "/f0", "/a/link");
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    struct dfs_super sb;
    memcpy(&sb, rd.data, sizeof sb);
    /* The blocks worth damaging: metadata, and the data area's blocks
     * that hold directories and indexes (all of the first used ones). */
    uint8_t *orig = malloc((size_t)NB * DFS_BSIZE);
    memcpy(orig, rd.data, (size_t)NB * DFS_BSIZE);
    rs = 12345;
    int mounted = 0, noticed = 0, changed = 0;
    for (int round = 0; round < rounds; round++) {
        memcpy(rd.data, orig, (size_t)NB * DFS_BSIZE);
        int nflips = 1 + (int)(rnd() % 4);
        for (int k = 0; k < nflips; k++) {
            uint32_t b;
            switch (rnd() % 6) {
            case 0:
                b = 0;
                break;
            case 1:
                b = sb.ibmap_start + rnd() % (sb.bbmap_start + sb.bbmap_blocks - sb.ibmap_start);
                break;
            case 2:
            case 3:
                b = sb.itable_start + rnd() % 4;
                break;
            default:
                b = sb.data_start + rnd() % 200;
                break;
            }
            uint32_t off = rnd() % DFS_BSIZE;
            if (rnd() % 2)
                off &= ~3u; /* hit whole numbers more often */
            uint8_t v = (uint8_t)rnd();
            if (rd.data[(size_t)b * DFS_BSIZE + off] != v)
                changed++;
            rd.data[(size_t)b * DFS_BSIZE + off] = v;
        }
        int e = t_fsck_quiet(&dev);
        if (e != 0)
            noticed++;
        if (hostdev_mount(&fs, &dev, 64 + rnd() % 64, &t_hooks) != 0)
            continue;
        mounted++;
        int budget = 400;
        exercise(&fs, 1, 0, &budget);
        dfs_create(&fs, "/new", 0644);
        dfs_mkdir(&fs, "/a/newdir", 0755);
        dfs_rename(&fs, "/a/b", "/moved");
        dfs_unlink(&fs, "/f3");
        dfs_rmdir(&fs, "/a");
        dfs_sync(&fs);
        hostdev_umount(&fs, true);
        t_fsck_quiet(&dev);
    }
    CHECK(mounted > rounds / 4);
    CHECK(noticed > rounds / 4);
    if (getenv("DFS_TEST_VERBOSE"))
        printf("corrupt: %d rounds, %d mounted, fsck noticed %d\n", rounds, mounted, noticed);
    (void)changed;
    free(orig);
    ramdisk_free(&rd);
}
