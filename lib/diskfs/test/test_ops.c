/*
 * test_ops.c - every call, its errors, bad input, persistence across
 * remounts.
 */
#include <stdlib.h>

#include "test.h"

static void test_basic(void)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    t_fresh(&rd, &dev, &fs, 4096, 128);
    uint32_t free0 = dfs_free_blocks(&fs), ifree0 = dfs_free_inodes(&fs);
    CHECK_EQ(dfs_lookup(&fs, "/"), 1);
    CHECK_EQ(dfs_lookup(&fs, "//./.."), 1);
    CHECK_EQ(dfs_lookup(&fs, ""), -DFS_ENOENT);
    CHECK_EQ(dfs_lookup(&fs, "/nope"), -DFS_ENOENT);
    /* create, write, read, stat */
    int a = dfs_create(&fs, "/a", 0644);
    CHECK(a > 1);
    CHECK_EQ(dfs_create(&fs, "/a", 0644), -DFS_EEXIST);
    CHECK_EQ(dfs_lookup(&fs, "a"), a);
    CHECK_EQ(dfs_lookup(&fs, "/a/"), -DFS_ENOTDIR);
    CHECK_EQ(dfs_lookup(&fs, "/a/b"), -DFS_ENOTDIR);
    CHECK_EQ(dfs_write(&fs, (uint32_t)a, 0, "hello", 5), 5);
    char buf[64] = {0};
    CHECK_EQ(dfs_read(&fs, (uint32_t)a, 0, buf, sizeof buf), 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    CHECK_EQ(dfs_read(&fs, (uint32_t)a, 5, buf, sizeof buf), 0);
    CHECK_EQ(dfs_read(&fs, (uint32_t)a, 1000, buf, sizeof buf), 0);
    struct dfs_stat st;
    CHECK_EQ(dfs_stat(&fs, (uint32_t)a, &st), 0);
    CHECK_EQ(st.size, 5);
    CHECK_EQ(st.mode, DFS_S_IFREG | 0644);
    CHECK_EQ(st.nlink, 1);
    CHECK_EQ(st.blocks, 1);
    CHECK(st.mtime > 0 && st.ctime >= st.mtime);
    /* hole */
    CHECK_EQ(dfs_write(&fs, (uint32_t)a, 100000, "x", 1), 1);
    CHECK_EQ(dfs_read(&fs, (uint32_t)a, 50000, buf, 10), 10);
    CHECK(buf[0] == 0 && buf[9] == 0);
    CHECK_EQ(dfs_stat(&fs, (uint32_t)a, &st), 0);
    CHECK_EQ(st.size, 100001);
    CHECK_EQ(st.blocks, 3); /* block 0, block 24 and its index block */
    /* truncate: the tail reads as zeros after growing again */
    CHECK_EQ(dfs_truncate(&fs, (uint32_t)a, 3), 0);
    CHECK_EQ(dfs_truncate(&fs, (uint32_t)a, 10), 0);
    CHECK_EQ(dfs_read(&fs, (uint32_t)a, 0, buf, sizeof buf), 10);
    CHECK(memcmp(buf, "hel\0\0\0\0\0\0\0", 10) == 0);
    CHECK_EQ(dfs_stat(&fs, (uint32_t)a, &st), 0);
    CHECK_EQ(st.blocks, 1);
    /* directories */
    int d = dfs_mkdir(&fs, "/d", 0755);
    CHECK(d > 1);
    CHECK_EQ(dfs_mkdir(&fs, "/d", 0755), -DFS_EEXIST);
    CHECK_EQ(dfs_mkdir(&fs, "/d/", 0755), -DFS_EEXIST);
    CHECK(dfs_mkdir(&fs, "/d/e/", 0755) > 0);
    CHECK_EQ(dfs_create(&fs, "/d/f/", 0644), -DFS_EISDIR);
    CHECK_EQ(dfs_create(&fs, "/a/x", 0644), -DFS_ENOTDIR);
    CHECK_EQ(dfs_create(&fs, "/nope/x", 0644), -DFS_ENOENT);
    CHECK_EQ(dfs_mkdir(&fs, "/", 0755), -DFS_EEXIST);
    CHECK_EQ(dfs_mkdir(&fs, "/d/.", 0755), -DFS_EEXIST);
    CHECK_EQ(dfs_stat(&fs, (uint32_t)d, &st), 0);
    CHECK_EQ(st.nlink, 3);
    CHECK_EQ(dfs_stat(&fs, 1, &st), 0);
    CHECK_EQ(st.nlink, 3);
    CHECK_EQ(dfs_lookup(&fs, "/d/e/../../a"), a);
    CHECK_EQ(dfs_lookup(&fs, "/../../d/./e/.."), d);
    CHECK_EQ(dfs_write(&fs, (uint32_t)d, 0, "x", 1), -DFS_EISDIR);
    CHECK_EQ(dfs_read(&fs, (uint32_t)d, 0, buf, 1), -DFS_EISDIR);
    CHECK_EQ(dfs_truncate(&fs, (uint32_t)d, 0), -DFS_EISDIR);
    /* readdir */
    uint64_t pos = 0;
    struct dfs_dirent de;
    int n = 0, seen_e = 0;
    while (dfs_readdir(&fs, (uint32_t)d, &pos, &de) == 1) {
        n++;
        if (!strcmp(de.name, "e"))
            seen_e = de.type == 2;
        if (!strcmp(de.name, ".."))
            CHECK_EQ(de.ino, 1);
    }
    CHECK_EQ(n, 3);
    CHECK(seen_e);
    CHECK_EQ(dfs_readdir(&fs, (uint32_t)a, &pos, &de), -DFS_ENOTDIR);
    /* unlink / rmdir errors */
    CHECK_EQ(dfs_rmdir(&fs, "/d"), -DFS_ENOTEMPTY);
    CHECK_EQ(dfs_unlink(&fs, "/d"), -DFS_EISDIR);
    CHECK_EQ(dfs_rmdir(&fs, "/a"), -DFS_ENOTDIR);
    CHECK_EQ(dfs_rmdir(&fs, "/"), -DFS_EBUSY);
    CHECK_EQ(dfs_rmdir(&fs, "/d/e/."), -DFS_EINVAL);
    CHECK_EQ(dfs_rmdir(&fs, "/d/e/.."), -DFS_ENOTEMPTY);
    CHECK_EQ(dfs_unlink(&fs, "/nope"), -DFS_ENOENT);
    CHECK_EQ(dfs_unlink(&fs, "/a/"), -DFS_ENOTDIR);
    CHECK_EQ(dfs_rmdir(&fs, "/d/e"), 0);
    CHECK_EQ(dfs_rmdir(&fs, "/d"), 0);
    CHECK_EQ(dfs_stat(&fs, 1, &st), 0);
    CHECK_EQ(st.nlink, 2);
    CHECK_EQ(dfs_unlink(&fs, "/a"), 0);
    CHECK_EQ(dfs_stat(&fs, (uint32_t)a, &st), -DFS_EBADF);
    CHECK_EQ(dfs_free_blocks(&fs), free0);
    CHECK_EQ(dfs_free_inodes(&fs), ifree0);
    /* bad inode numbers */
    CHECK_EQ(dfs_stat(&fs, 0, &st), -DFS_EBADF);
    CHECK_EQ(dfs_stat(&fs, 1u << 30, &st), -DFS_EBADF);
    CHECK_EQ(dfs_read(&fs, 99999, 0, buf, 1), -DFS_EBADF);
    CHECK_EQ(dfs_write(&fs, 77, 0, buf, 1), -DFS_EBADF);
    CHECK_EQ(dfs_close(&fs, 5), -DFS_EBADF);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    ramdisk_free(&rd);
}

static void test_names(void)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    t_fresh(&rd, &dev, &fs, 16384, 128);
    char name[300], path[DFS_PATH_MAX + 64];
    memset(name, 'n', sizeof name);
    name[255] = 0;
    snprintf(path, sizeof path, "/%s", name);
    CHECK(dfs_create(&fs, path, 0644) > 0); /* 255 bytes: fine */
    CHECK(dfs_lookup(&fs, path) > 0);
    name[255] = 'n';
    name[256] = 0;
    snprintf(path, sizeof path, "/%s", name);
    CHECK_EQ(dfs_create(&fs, path, 0644), -DFS_ENAMETOOLONG);
    CHECK_EQ(dfs_lookup(&fs, path), -DFS_ENAMETOOLONG);
    CHECK_EQ(dfs_mkdir(&fs, path, 0755), -DFS_ENAMETOOLONG);
    snprintf(path, sizeof path, "/%s/x", name);
    CHECK_EQ(dfs_lookup(&fs, path), -DFS_ENAMETOOLONG);
    CHECK_EQ(dfs_rename(&fs, path, "/y"), -DFS_ENAMETOOLONG);
    /* a path longer than DFS_PATH_MAX */
    memset(path, '/', sizeof path);
    path[DFS_PATH_MAX + 1] = 0;
    CHECK_EQ(dfs_lookup(&fs, path), -DFS_ENAMETOOLONG);
    path[DFS_PATH_MAX] = 0;
    CHECK_EQ(dfs_lookup(&fs, path), 1);
    /* deep nesting */
    strcpy(path, "");
    int ok = 1;
    for (int i = 0; i < 100; i++) {
        strcat(path, "/dd");
        ok &= dfs_mkdir(&fs, path, 0755) > 0;
    }
    CHECK(ok);
    strcat(path, "/leaf");
    CHECK(dfs_create(&fs, path, 0600) > 0);
    /* many entries in one directory: lookups, removal of every other */
    ok = 1;
    CHECK(dfs_mkdir(&fs, "/many", 0755) > 0);
    for (int i = 0; i < 1000; i++) {
        snprintf(path, sizeof path, "/many/file-%d", i);
        ok &= dfs_create(&fs, path, 0644) > 0;
    }
    CHECK(ok);
    for (int i = 0; i < 1000; i += 2) {
        snprintf(path, sizeof path, "/many/file-%d", i);
        ok &= dfs_unlink(&fs, path) == 0;
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(path, sizeof path, "/many/file-%d", i);
        ok &= (dfs_lookup(&fs, path) > 0) == (i % 2 == 1);
    }
    CHECK(ok);
    int cnt = 0;
    uint64_t pos = 0;
    struct dfs_dirent de;
    int dir = dfs_lookup(&fs, "/many");
    while (dfs_readdir(&fs, (uint32_t)dir, &pos, &de) == 1)
        cnt++;
    CHECK_EQ(cnt, 502);
    CHECK_EQ(dfs_sync(&fs), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    /* removing all gives the directory's blocks back */
    for (int i = 1; i < 1000; i += 2) {
        snprintf(path, sizeof path, "/many/file-%d", i);
        ok &= dfs_unlink(&fs, path) == 0;
    }
    CHECK(ok);
    struct dfs_stat st;
    CHECK_EQ(dfs_stat(&fs, (uint32_t)dir, &st), 0);
    CHECK(st.size <= 8 * DFS_BSIZE);
    CHECK_EQ(dfs_rmdir(&fs, "/many"), 0);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    ramdisk_free(&rd);
}

static void test_links_rename(void)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    t_fresh(&rd, &dev, &fs, 4096, 128);
    char buf[64];
    int a = t_put(&fs, "/a", "AAAA", 4);
    CHECK(a > 0);
    /* hard links */
    CHECK_EQ(dfs_link(&fs, "/a", "/b"), 0);
    CHECK_EQ(dfs_link(&fs, "/a", "/b"), -DFS_EEXIST);
    CHECK_EQ(dfs_link(&fs, "/nope", "/c"), -DFS_ENOENT);
    CHECK(dfs_mkdir(&fs, "/d", 0755) > 0);
    CHECK_EQ(dfs_link(&fs, "/d", "/d2"), -DFS_EPERM);
    CHECK_EQ(dfs_link(&fs, "/a", "/d/a"), 0);
    struct dfs_stat st;
    CHECK_EQ(dfs_stat(&fs, (uint32_t)a, &st), 0);
    CHECK_EQ(st.nlink, 3);
    CHECK_EQ(dfs_lookup(&fs, "/b"), a);
    CHECK_EQ(dfs_unlink(&fs, "/a"), 0);
    CHECK_EQ(t_get(&fs, "/d/a", buf, sizeof buf), 4);
    CHECK_EQ(dfs_stat(&fs, (uint32_t)a, &st), 0);
    CHECK_EQ(st.nlink, 2);
    /* rename of a file, over a file, onto a hard link of itself */
    CHECK_EQ(dfs_rename(&fs, "/b", "/d/a"), 0); /* same inode: nothing happens */
    CHECK_EQ(dfs_lookup(&fs, "/b"), a);
    CHECK_EQ(dfs_rename(&fs, "/b", "/c"), 0);
    CHECK_EQ(dfs_lookup(&fs, "/b"), -DFS_ENOENT);
    CHECK_EQ(dfs_lookup(&fs, "/c"), a);
    int x = t_put(&fs, "/x", "XX", 2);
    uint32_t freeb = dfs_free_blocks(&fs);
    CHECK_EQ(dfs_rename(&fs, "/x", "/c"), 0); /* replaces: a loses a link */
    CHECK_EQ(dfs_lookup(&fs, "/c"), x);
    CHECK_EQ(dfs_stat(&fs, (uint32_t)a, &st), 0);
    CHECK_EQ(st.nlink, 1);
    CHECK_EQ(dfs_rename(&fs, "/c", "/d/a"), 0); /* replaces the last link: a is freed */
    CHECK_EQ(dfs_stat(&fs, (uint32_t)a, &st), -DFS_EBADF);
    CHECK_EQ(dfs_free_blocks(&fs), freeb + 1);
    CHECK_EQ(t_get(&fs, "/d/a", buf, sizeof buf), 2);
    /* directories */
    CHECK(dfs_mkdir(&fs, "/d/s", 0755) > 0);
    CHECK(dfs_mkdir(&fs, "/d/s/t", 0755) > 0);
    CHECK_EQ(dfs_rename(&fs, "/d", "/d/s/t/u"), -DFS_EINVAL);
    CHECK_EQ(dfs_rename(&fs, "/d", "/d/s"), -DFS_ENOTEMPTY);
    CHECK_EQ(dfs_rename(&fs, "/d/s", "/d/s/t"), -DFS_EINVAL);
    CHECK_EQ(dfs_rename(&fs, "/d/s", "/d/a"), -DFS_ENOTDIR);
    CHECK_EQ(dfs_rename(&fs, "/d/a", "/d/s"), -DFS_EISDIR);
    CHECK_EQ(dfs_rename(&fs, "/d/a/", "/d/q"), -DFS_ENOTDIR);
    CHECK_EQ(dfs_rename(&fs, "/", "/q"), -DFS_EBUSY);
    CHECK_EQ(dfs_rename(&fs, "/d/.", "/q"), -DFS_EINVAL);
    CHECK_EQ(dfs_rename(&fs, "/d/s", "/d/s/t/.."), -DFS_EINVAL);
    CHECK_EQ(dfs_rename(&fs, "/d", "/q/.."), -DFS_ENOENT);
    CHECK_EQ(dfs_rename(&fs, "/nope", "/q"), -DFS_ENOENT);
    CHECK_EQ(dfs_rename(&fs, "/d/s", "/nope/q"), -DFS_ENOENT);
    CHECK(dfs_mkdir(&fs, "/e", 0755) > 0);
    CHECK_EQ(dfs_rename(&fs, "/d/s/t", "/e"), 0); /* over an empty directory */
    CHECK_EQ(dfs_lookup(&fs, "/e/.."), 1);
    CHECK_EQ(dfs_rename(&fs, "/d/s", "/e/s2"), 0); /* across parents */
    CHECK_EQ(dfs_lookup(&fs, "/e/s2/.."), dfs_lookup(&fs, "/e"));
    CHECK_EQ(dfs_stat(&fs, (uint32_t)dfs_lookup(&fs, "/d"), &st), 0);
    CHECK_EQ(st.nlink, 2);
    CHECK_EQ(dfs_stat(&fs, (uint32_t)dfs_lookup(&fs, "/e"), &st), 0);
    CHECK_EQ(st.nlink, 3);
    CHECK_EQ(dfs_rename(&fs, "/e", "/d/e"), 0);
    CHECK_EQ(dfs_rename(&fs, "/d/e/s2", "/d/e/s3/"), 0);
    CHECK(dfs_lookup(&fs, "/d/e/s3") > 0);
    CHECK_EQ(dfs_sync(&fs), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    t_remount(&fs, &dev, 128);
    CHECK_EQ(t_get(&fs, "/d/a", buf, sizeof buf), 2);
    CHECK(memcmp(buf, "XX", 2) == 0);
    CHECK(dfs_lookup(&fs, "/d/e/s3") > 0);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    ramdisk_free(&rd);
}

static void test_open_perm(void)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    t_fresh(&rd, &dev, &fs, 4096, 128);
    CHECK(dfs_create(&fs, "/keep", 0644) > 0); /* so the root keeps its block */
    /* open flags */
    CHECK_EQ(dfs_open(&fs, "/f", DFS_O_READ, 0), -DFS_ENOENT);
    int f = dfs_open(&fs, "/f", DFS_O_WRITE | DFS_O_CREAT, 0640);
    CHECK(f > 0);
    CHECK_EQ(dfs_open(&fs, "/f", DFS_O_CREAT | DFS_O_EXCL, 0640), -DFS_EEXIST);
    CHECK_EQ(dfs_open(&fs, "/f", DFS_O_DIRECTORY, 0), -DFS_ENOTDIR);
    CHECK_EQ(dfs_open(&fs, "/", DFS_O_WRITE, 0), -DFS_EISDIR);
    CHECK_EQ(dfs_open(&fs, "/", DFS_O_READ | DFS_O_DIRECTORY, 0), 1);
    CHECK_EQ(dfs_close(&fs, 1), 0);
    CHECK_EQ(dfs_write(&fs, (uint32_t)f, 0, "data", 4), 4);
    int f2 = dfs_open(&fs, "/f", DFS_O_WRITE | DFS_O_TRUNC, 0);
    CHECK_EQ(f2, f);
    struct dfs_stat st;
    CHECK_EQ(dfs_stat(&fs, (uint32_t)f, &st), 0);
    CHECK_EQ(st.size, 0);
    /* unlinked while open: data stays until the last close */
    CHECK_EQ(dfs_write(&fs, (uint32_t)f, 0, "still", 5), 5);
    uint32_t freeb = dfs_free_blocks(&fs);
    CHECK_EQ(dfs_unlink(&fs, "/f"), 0);
    char buf[16];
    CHECK_EQ(dfs_read(&fs, (uint32_t)f, 0, buf, 16), 5);
    CHECK_EQ(dfs_sync(&fs), 0);
    CHECK_EQ(t_fsck(&dev), 0); /* an orphan, listed: consistent */
    CHECK_EQ(dfs_close(&fs, (uint32_t)f), 0);
    CHECK_EQ(dfs_read(&fs, (uint32_t)f, 0, buf, 16), 5);
    CHECK_EQ(dfs_close(&fs, (uint32_t)f), 0);
    CHECK_EQ(dfs_stat(&fs, (uint32_t)f, &st), -DFS_EBADF);
    CHECK_EQ(dfs_free_blocks(&fs), freeb + 1);
    /* an open orphan survives a crash as an orphan; mount frees it */
    int g = t_put(&fs, "/g", "gg", 2);
    CHECK_EQ(dfs_open(&fs, "/g", DFS_O_READ, 0), g);
    CHECK_EQ(dfs_unlink(&fs, "/g"), 0);
    CHECK_EQ(dfs_sync(&fs), 0);
    freeb = dfs_free_blocks(&fs);
    struct dfs fs2;
    CHECK_EQ(hostdev_mount(&fs2, &dev, 64, &t_hooks), 0); /* as after a crash */
    CHECK_EQ(dfs_stat(&fs2, (uint32_t)g, &st), -DFS_EBADF);
    CHECK_EQ(dfs_free_blocks(&fs2), freeb + 1);
    CHECK_EQ(hostdev_umount(&fs2, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    free(fs.mem); /* drop fs unsynced */
    CHECK_EQ(hostdev_mount(&fs, &dev, 128, &t_hooks), 0);
    /* too many open files */
    char path[64];
    int ok = 1, i;
    for (i = 0; i < DFS_OPEN_MAX; i++) {
        snprintf(path, sizeof path, "/o%d", i);
        ok &= dfs_open(&fs, path, DFS_O_CREAT | DFS_O_WRITE, 0644) > 0;
    }
    CHECK(ok);
    CHECK_EQ(dfs_open(&fs, "/o-extra", DFS_O_CREAT | DFS_O_WRITE, 0644), -DFS_ENFILE);
    CHECK_EQ(dfs_lookup(&fs, "/o-extra"), -DFS_ENOENT); /* nothing made */
    CHECK_EQ(dfs_open(&fs, "/", DFS_O_READ, 0), -DFS_ENFILE);
    int o0 = dfs_lookup(&fs, "/o0");
    CHECK_EQ(dfs_open(&fs, "/o0", DFS_O_READ, 0), o0); /* already open: one more ref */
    CHECK_EQ(hostdev_umount(&fs, false), -DFS_EBUSY);
    CHECK_EQ(dfs_close(&fs, (uint32_t)o0), 0);
    for (i = 0; i < DFS_OPEN_MAX; i++) {
        snprintf(path, sizeof path, "/o%d", i);
        ok &= dfs_close(&fs, (uint32_t)dfs_lookup(&fs, path)) == 0;
    }
    CHECK(ok);
    /* permissions */
    CHECK(dfs_mkdir(&fs, "/home", 0755) > 0);
    int h = dfs_mkdir(&fs, "/home/u", 0700);
    CHECK_EQ(dfs_chown(&fs, (uint32_t)h, 100, 100), 0);
    dfs_set_cred(&fs, 100, 100);
    CHECK(t_put(&fs, "/home/u/mine", "m", 1) > 0);
    int mine = dfs_lookup(&fs, "/home/u/mine");
    CHECK_EQ(dfs_stat(&fs, (uint32_t)mine, &st), 0);
    CHECK_EQ(st.uid, 100);
    CHECK_EQ(st.gid, 100);
    CHECK_EQ(dfs_create(&fs, "/home/x", 0644), -DFS_EACCES);
    CHECK_EQ(dfs_chmod(&fs, 1, 0777), -DFS_EPERM);
    CHECK_EQ(dfs_chown(&fs, (uint32_t)mine, 0, 0), -DFS_EPERM);
    CHECK_EQ(dfs_chmod(&fs, (uint32_t)mine, 0400), 0);
    CHECK_EQ(dfs_open(&fs, "/home/u/mine", DFS_O_WRITE, 0), -DFS_EACCES);
    CHECK_EQ(dfs_open(&fs, "/home/u/mine", DFS_O_READ, 0), mine);
    CHECK_EQ(dfs_close(&fs, (uint32_t)mine), 0);
    CHECK_EQ(dfs_utimes(&fs, (uint32_t)mine, 5, 6), 0);
    CHECK_EQ(dfs_stat(&fs, (uint32_t)mine, &st), 0);
    CHECK_EQ(st.atime, 5);
    CHECK_EQ(st.mtime, 6);
    dfs_set_cred(&fs, 200, 200);
    CHECK_EQ(dfs_lookup(&fs, "/home/u/mine"), -DFS_EACCES);
    CHECK_EQ(dfs_unlink(&fs, "/home/u/mine"), -DFS_EACCES);
    CHECK_EQ(dfs_rename(&fs, "/home/u", "/home/v"), -DFS_EACCES);
    CHECK_EQ(dfs_utimes(&fs, (uint32_t)mine, 1, 1), -DFS_EPERM);
    dfs_set_cred(&fs, 0, 0);
    CHECK_EQ(dfs_open(&fs, "/home/u/mine", DFS_O_WRITE, 0), mine); /* root passes */
    CHECK_EQ(dfs_close(&fs, (uint32_t)mine), 0);
    /* atime moves on read (relatime) */
    CHECK_EQ(dfs_write(&fs, (uint32_t)mine, 0, "z", 1), 1);
    CHECK_EQ(dfs_stat(&fs, (uint32_t)mine, &st), 0);
    int64_t m = st.mtime;
    char c;
    CHECK_EQ(dfs_read(&fs, (uint32_t)mine, 0, &c, 1), 1);
    CHECK_EQ(dfs_stat(&fs, (uint32_t)mine, &st), 0);
    CHECK(st.atime > m);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    ramdisk_free(&rd);
}

/* A full disk: ENOSPC, partial writes, and a consistent image after. */
static void test_full(void)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    t_fresh(&rd, &dev, &fs, 1024, 96);
    static uint8_t blk[64 * 1024];
    memset(blk, 0xab, sizeof blk);
    int f = dfs_create(&fs, "/fill", 0644);
    uint64_t off = 0;
    int64_t w;
    while ((w = dfs_write(&fs, (uint32_t)f, off, blk, sizeof blk)) == (int64_t)sizeof blk)
        off += (uint64_t)w;
    CHECK(w >= 0); /* the last one partial */
    off += (uint64_t)w;
    CHECK_EQ(dfs_write(&fs, (uint32_t)f, off, blk, 1), -DFS_ENOSPC);
    CHECK_EQ(dfs_free_blocks(&fs), 0);
    struct dfs_stat st;
    CHECK_EQ(dfs_stat(&fs, (uint32_t)f, &st), 0);
    CHECK_EQ(st.size, off);
    /* names still fit in existing directory blocks; a new block does not */
    int ok = 1, made = 0;
    char path[64];
    for (int i = 0; i < 40; i++) {
        snprintf(path, sizeof path, "/e%d", i);
        int r = dfs_create(&fs, path, 0644);
        if (r > 0)
            made++;
        else
            ok &= r == -DFS_ENOSPC;
    }
    CHECK(ok);
    CHECK(made < 40);
    CHECK_EQ(dfs_mkdir(&fs, "/newdir", 0755) > 0 || 1, 1);
    CHECK_EQ(dfs_sync(&fs), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    /* the data written is intact */
    static uint8_t rb[64 * 1024];
    int64_t got = dfs_read(&fs, (uint32_t)f, 0, rb, sizeof rb);
    CHECK_EQ(got, sizeof rb);
    CHECK(memcmp(rb, blk, sizeof rb) == 0);
    /* freeing makes room again */
    CHECK_EQ(dfs_truncate(&fs, (uint32_t)f, 0), 0);
    CHECK(dfs_free_blocks(&fs) > 800);
    CHECK(dfs_create(&fs, "/after", 0644) > 0);
    /* inodes run out too */
    ok = 1;
    int r = 0;
    for (int i = 0; i < 100000 && r >= 0; i++) {
        snprintf(path, sizeof path, "/i%d", i);
        r = dfs_create(&fs, path, 0644);
    }
    CHECK_EQ(r, -DFS_ENOSPC);
    CHECK_EQ(dfs_free_inodes(&fs), 0);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    ramdisk_free(&rd);
}

/* Corrupt or foreign images are refused, not trusted. */
static void test_bad_image(void)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    ramdisk_init(&rd, &dev, 512);
    CHECK_EQ(hostdev_mount(&fs, &dev, 64, NULL), -DFS_EINVAL); /* zeros */
    static uint8_t buf[DFS_BSIZE];
    struct dfs_dev small = dev;
    small.nblocks = 40;
    CHECK_EQ(dfs_mkfs(&small, 0, 0, 0, buf), -DFS_EINVAL);
    CHECK_EQ(dfs_mkfs(&dev, 0, 0, 0, buf), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    rd.data[20] ^= 1; /* superblock checksum */
    CHECK_EQ(hostdev_mount(&fs, &dev, 64, NULL), -DFS_EINVAL);
    CHECK(t_fsck(&dev) > 0);
    rd.data[20] ^= 1;
    CHECK_EQ(hostdev_mount(&fs, &dev, 64, NULL), 0);
    CHECK(t_put(&fs, "/f", "x", 1) > 0);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    /* fsck finds a block marked free that is in use, and a wrong nlink */
    struct dfs_super sb;
    memcpy(&sb, rd.data, sizeof sb);
    uint8_t *bb = rd.data + (size_t)sb.bbmap_start * DFS_BSIZE;
    uint8_t save[DFS_BSIZE];
    memcpy(save, bb, DFS_BSIZE);
    memset(bb, 0, DFS_BSIZE);
    CHECK(t_fsck(&dev) > 0);
    memcpy(bb, save, DFS_BSIZE);
    CHECK_EQ(t_fsck(&dev), 0);
    struct dfs_dinode *di = (struct dfs_dinode *)(rd.data + (size_t)sb.itable_start * DFS_BSIZE);
    di[2].nlink = 5;
    CHECK(t_fsck(&dev) > 0);
    di[2].nlink = 1;
    di[2].addr[3] = 1; /* a pointer into the metadata */
    CHECK(t_fsck(&dev) > 0);
    di[2].addr[3] = 0;
    CHECK_EQ(t_fsck(&dev), 0);
    /* an I/O error on write makes the file system fail, not lie */
    ramdisk_free(&rd);
}

void test_ops(void)
{
    test_basic();
    test_names();
    test_links_rename();
    test_open_perm();
    test_full();
    test_bad_image();
}
