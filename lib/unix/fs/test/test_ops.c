/*
 * test_ops.c - single-process tests of every operation, including bad
 * input and running out of space.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "test.h"

#define MB (1024 * 1024)

static void test_format_attach(void)
{
    static uint64_t small[8 * 4096 / 8];
    struct fs fs;
    CHECK_EQ(fs_format(NULL, 1 * MB), -FS_EINVAL);
    CHECK_EQ(fs_format(small, sizeof small), -FS_EINVAL); /* < 16 blocks */
    CHECK_EQ(fs_format((char *)small + 1, sizeof small - 1), -FS_EINVAL);

    size_t size = 1 * MB;
    void *base = t_region(&fs, size);
    /* Owner 0: a reader, which takes no lock, so a read-only mapping will do. */
    CHECK_EQ(mprotect(base, size, PROT_READ), 0);
    CHECK_EQ(fs_attach(&fs, base, size, NULL, 0), 0);
    CHECK_EQ(fs_lookup(&fs, "/"), 1);
    CHECK_EQ(mprotect(base, size, PROT_READ | PROT_WRITE), 0);
    CHECK_EQ(fs_attach(&fs, base, size / 2, NULL, 1), -FS_EINVAL); /* mapping too small */
    CHECK_EQ(fs_attach(&fs, (char *)base + 8, size - 8, NULL, 1), -FS_EINVAL); /* no magic */
    CHECK_EQ(fs_attach(&fs, base, size, NULL, 3), 0);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(fs_lookup(&fs, "/"), 1);
    struct fs_stat st;
    CHECK_EQ(fs_stat(&fs, 1, &st), 0);
    CHECK_EQ(st.type, FS_TYPE_DIR);
    CHECK_EQ(st.nlink, 2);
    CHECK_EQ(st.size, 0);
    CHECK(fs_free_blocks(&fs) > 200 && fs_free_blocks(&fs) < 256);
    CHECK(fs_free_inodes(&fs) > 100);
    /* A corrupted superblock does not attach. */
    ((uint32_t *)base)[2] ^= 1; /* version */
    CHECK_EQ(fs_attach(&fs, base, size, NULL, 1), -FS_EINVAL);
    t_region_free(base, size);
}

static void test_paths(void)
{
    struct fs fs;
    size_t size = 1 * MB;
    void *base = t_region(&fs, size);

    CHECK_EQ(fs_lookup(&fs, NULL), -FS_EINVAL);
    CHECK_EQ(fs_lookup(&fs, ""), -FS_ENOENT);
    CHECK_EQ(fs_lookup(&fs, "//"), 1);
    CHECK_EQ(fs_lookup(&fs, "/./.."), 1);
    CHECK_EQ(fs_lookup(&fs, "/../../."), 1);
    CHECK_EQ(fs_lookup(&fs, "."), 1);

    int a = fs_mkdir(&fs, "/a");
    CHECK(a > 1);
    int b = fs_mkdir(&fs, "a/b"); /* relative = from the root */
    CHECK(b > 1 && b != a);
    int f = fs_create(&fs, "/a/b/f", FS_TYPE_FILE);
    CHECK(f > 1 && f != b);
    CHECK_EQ(fs_lookup(&fs, "/a/b/f"), f);
    CHECK_EQ(fs_lookup(&fs, "a/../a/b/f"), f);
    CHECK_EQ(fs_lookup(&fs, "//a/./b//f"), f);
    CHECK_EQ(fs_lookup(&fs, "/a/b/"), b);
    CHECK_EQ(fs_lookup(&fs, "/a/b/.."), a);
    CHECK_EQ(fs_lookup(&fs, "/a/b/../../a"), a);
    CHECK_EQ(fs_lookup(&fs, "/a/b/f/"), -FS_ENOTDIR);
    CHECK_EQ(fs_lookup(&fs, "/a/b/f/x"), -FS_ENOTDIR);
    CHECK_EQ(fs_lookup(&fs, "/a/b/f/.."), -FS_ENOTDIR);
    CHECK_EQ(fs_lookup(&fs, "/a/b/f/."), -FS_ENOTDIR);
    CHECK_EQ(fs_lookup(&fs, "/nope/x"), -FS_ENOENT);
    CHECK_EQ(fs_lookup(&fs, "/a/nope"), -FS_ENOENT);

    /* Creating what exists, or nonsense. */
    CHECK_EQ(fs_create(&fs, "/a/b/f", FS_TYPE_FILE), -FS_EEXIST);
    CHECK_EQ(fs_mkdir(&fs, "/a"), -FS_EEXIST);
    CHECK_EQ(fs_mkdir(&fs, "/"), -FS_EEXIST);
    CHECK_EQ(fs_mkdir(&fs, "/a/."), -FS_EEXIST);
    CHECK_EQ(fs_mkdir(&fs, "/a/.."), -FS_EEXIST);
    CHECK_EQ(fs_create(&fs, "/a/b/f/g", FS_TYPE_FILE), -FS_ENOTDIR);
    CHECK_EQ(fs_create(&fs, "/a/x/g", FS_TYPE_FILE), -FS_ENOENT);
    CHECK_EQ(fs_create(&fs, "/a/g/", FS_TYPE_FILE), -FS_EISDIR);
    CHECK_EQ(fs_create(&fs, "/a/g", 7), -FS_EINVAL);
    CHECK_EQ(fs_create(&fs, NULL, FS_TYPE_FILE), -FS_EINVAL);
    CHECK_EQ(fs_create(&fs, "", FS_TYPE_FILE), -FS_ENOENT);
    int d = fs_mkdir(&fs, "/a/d/");
    CHECK(d > 1);
    CHECK_EQ(fs_rmdir(&fs, "/a/d/"), 0);

    /* Names of 255 bytes work; 256 do not. */
    char name[300], path[FS_PATH_MAX + 64];
    memset(name, 'n', 255);
    name[255] = '\0';
    snprintf(path, sizeof path, "/a/%s", name);
    int ln = fs_create(&fs, path, FS_TYPE_FILE);
    CHECK(ln > 1);
    CHECK_EQ(fs_lookup(&fs, path), ln);
    struct fs_dirent de;
    uint32_t pos = 2;
    int found = 0;
    int dir_a = fs_lookup(&fs, "/a");
    while (fs_readdir(&fs, (uint32_t)dir_a, &pos, &de) == 1)
        found += strcmp(de.name, name) == 0;
    CHECK_EQ(found, 1);
    CHECK_EQ(fs_unlink(&fs, path), 0);
    strcat(path, "x");
    CHECK_EQ(fs_create(&fs, path, FS_TYPE_FILE), -FS_ENAMETOOLONG);
    CHECK_EQ(fs_lookup(&fs, path), -FS_ENAMETOOLONG);
    CHECK_EQ(fs_unlink(&fs, path), -FS_ENAMETOOLONG);

    /* Paths longer than FS_PATH_MAX. */
    size_t i = 0;
    while (i < FS_PATH_MAX + 10) {
        path[i++] = '/';
        path[i++] = '.';
    }
    path[i] = '\0';
    CHECK_EQ(fs_lookup(&fs, path), -FS_ENAMETOOLONG);
    path[FS_PATH_MAX] = '\0'; /* exactly FS_PATH_MAX: fine */
    CHECK_EQ(fs_lookup(&fs, path), 1);

    /* Names with odd bytes are just bytes. */
    CHECK(fs_create(&fs, "/a/ \t\x01\xff", FS_TYPE_FILE) > 0);
    CHECK(fs_lookup(&fs, "/a/ \t\x01\xff") > 0);
    CHECK(fs_create(&fs, "/a/...", FS_TYPE_FILE) > 0);
    CHECK_EQ(fs_check(&fs, false), 0);
    t_region_free(base, size);
}

static void test_readdir(void)
{
    struct fs fs;
    size_t size = 2 * MB;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs);
    int d = fs_mkdir(&fs, "/d");
    struct fs_dirent de;
    uint32_t pos = 0;
    CHECK_EQ(fs_readdir(&fs, (uint32_t)d, &pos, &de), 1);
    CHECK(strcmp(de.name, ".") == 0 && de.ino == (uint32_t)d);
    CHECK_EQ(fs_readdir(&fs, (uint32_t)d, &pos, &de), 1);
    CHECK(strcmp(de.name, "..") == 0 && de.ino == 1 && de.type == FS_TYPE_DIR);
    CHECK_EQ(fs_readdir(&fs, (uint32_t)d, &pos, &de), 0);
    CHECK_EQ(fs_readdir(&fs, (uint32_t)d, &pos, &de), 0);

    /* 100 entries span several directory blocks; each is seen once. */
    enum { N = 100 };
    char path[300];
    for (int i = 0; i < N; i++) {
        snprintf(path, sizeof path, "/d/e%d", i);
        CHECK(fs_create(&fs, path, i % 3 ? FS_TYPE_FILE : FS_TYPE_DIR) > 0);
    }
    struct fs_stat st;
    CHECK_EQ(fs_stat(&fs, (uint32_t)d, &st), 0);
    CHECK_EQ(st.nlink, 2 + (N + 2) / 3);
    CHECK(st.size >= 7 * FS_BLOCK_SIZE);
    /* Remove every other entry, then list. */
    for (int i = 0; i < N; i += 2) {
        snprintf(path, sizeof path, "/d/e%d", i);
        CHECK_EQ(fs_remove(&fs, path), 0);
    }
    int seen[N] = {0}, other = 0;
    pos = 0;
    while (fs_readdir(&fs, (uint32_t)d, &pos, &de) == 1) {
        int k;
        if (sscanf(de.name, "e%d", &k) == 1 && k >= 0 && k < N) {
            seen[k]++;
            CHECK_EQ(de.type, k % 3 ? FS_TYPE_FILE : FS_TYPE_DIR);
            snprintf(path, sizeof path, "/d/%s", de.name);
            CHECK_EQ(fs_lookup(&fs, path), de.ino);
        } else {
            other++;
        }
    }
    CHECK_EQ(other, 2);
    int ok = 1;
    for (int i = 0; i < N; i++)
        ok &= seen[i] == (i % 2);
    CHECK(ok);

    int f = fs_lookup(&fs, "/d/e1");
    pos = 0;
    CHECK_EQ(fs_readdir(&fs, (uint32_t)f, &pos, &de), -FS_ENOTDIR);
    CHECK_EQ(fs_readdir(&fs, 0, &pos, &de), -FS_EBADF);
    CHECK_EQ(fs_readdir(&fs, 99999999, &pos, &de), -FS_EBADF);
    CHECK_EQ(fs_readdir(&fs, (uint32_t)d, NULL, &de), -FS_EINVAL);
    pos = 12345; /* past the end */
    CHECK_EQ(fs_readdir(&fs, (uint32_t)d, &pos, &de), 0);

    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(t_rm_rf(&fs, "/d"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_check(&fs, false), 0);
    t_region_free(base, size);
}

static void fill(uint8_t *p, size_t n, uint64_t off, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)((off + i) * 31 + seed + ((off + i) >> 12));
}

static void test_data(void)
{
    struct fs fs;
    size_t size = 40 * MB;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs);
    uint8_t buf[10000], rd[10000];

    int f = fs_create(&fs, "/f", FS_TYPE_FILE);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, 0, "hello", 5), 5);
    CHECK_EQ(fs_read(&fs, (uint32_t)f, 0, rd, sizeof rd), 5);
    CHECK(memcmp(rd, "hello", 5) == 0);
    CHECK_EQ(fs_read(&fs, (uint32_t)f, 5, rd, 10), 0);   /* at EOF */
    CHECK_EQ(fs_read(&fs, (uint32_t)f, 500, rd, 10), 0); /* past EOF */
    CHECK_EQ(fs_read(&fs, (uint32_t)f, 3, rd, 10), 2);   /* across EOF */
    CHECK(memcmp(rd, "lo", 2) == 0);
    CHECK_EQ(fs_read(&fs, (uint32_t)f, UINT64_MAX, rd, 10), 0);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, 0, NULL, 0), 0);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, 0, NULL, 4), -FS_EINVAL);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, UINT64_MAX - 2, "abc", 3), -FS_EFBIG);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, 1ull << 40, "abc", 3), -FS_EFBIG);
    CHECK_EQ(fs_truncate(&fs, (uint32_t)f, 1ull << 40), -FS_EFBIG);

    /* Overwrite in the middle, across a block boundary. */
    fill(buf, sizeof buf, 0, 1);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, 0, buf, sizeof buf), sizeof buf);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, 4090, "XYZXYZXYZXYZ", 12), 12);
    memcpy(buf + 4090, "XYZXYZXYZXYZ", 12);
    CHECK_EQ(fs_read(&fs, (uint32_t)f, 0, rd, sizeof rd), sizeof rd);
    CHECK(memcmp(rd, buf, sizeof buf) == 0);

    /* Shrink, then grow again: the cut bytes read as zeros. */
    CHECK_EQ(fs_truncate(&fs, (uint32_t)f, 100), 0);
    CHECK_EQ(fs_truncate(&fs, (uint32_t)f, 9000), 0);
    CHECK_EQ(fs_read(&fs, (uint32_t)f, 0, rd, sizeof rd), 9000);
    int zero = 1;
    for (int i = 100; i < 9000; i++)
        zero &= rd[i] == 0;
    CHECK(memcmp(rd, buf, 100) == 0 && zero);
    /* A write past the end leaves zeros between. */
    CHECK_EQ(fs_truncate(&fs, (uint32_t)f, 50), 0);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, 5000, "end", 3), 3);
    struct fs_stat st;
    CHECK_EQ(fs_stat(&fs, (uint32_t)f, &st), 0);
    CHECK_EQ(st.size, 5003);
    CHECK_EQ(fs_read(&fs, (uint32_t)f, 0, rd, sizeof rd), 5003);
    zero = 1;
    for (int i = 50; i < 5000; i++)
        zero &= rd[i] == 0;
    CHECK(zero && memcmp(rd + 5000, "end", 3) == 0);

    /* Sparse file: a write at 12 MiB allocates only what it touches. */
    uint32_t before = fs_free_blocks(&fs);
    int sp = fs_create(&fs, "/sparse", FS_TYPE_FILE);
    CHECK_EQ(fs_write(&fs, (uint32_t)sp, 12 * MB, "tail", 4), 4);
    CHECK(before - fs_free_blocks(&fs) <= 3); /* data + indirect + double indirect */
    CHECK_EQ(fs_read(&fs, (uint32_t)sp, 12 * MB - 8, rd, 100), 12);
    CHECK(memcmp(rd, "\0\0\0\0\0\0\0\0tail", 12) == 0);
    CHECK_EQ(fs_read(&fs, (uint32_t)sp, 3 * MB, rd, 4096), 4096);
    zero = 1;
    for (int i = 0; i < 4096; i++)
        zero &= rd[i] == 0;
    CHECK(zero);

    /* A 17 MiB file through direct, indirect and double indirect blocks. */
    int big = fs_create(&fs, "/big", FS_TYPE_FILE);
    size_t bigsz = 17 * MB;
    uint8_t *bb = malloc(bigsz), *br = malloc(bigsz);
    fill(bb, bigsz, 0, 7);
    /* Written in odd-sized pieces. */
    uint64_t off = 0;
    int wok = 1;
    while (off < bigsz) {
        uint64_t n = bigsz - off < 12345 ? bigsz - off : 12345;
        wok &= fs_write(&fs, (uint32_t)big, off, bb + off, n) == (int64_t)n;
        off += n;
    }
    CHECK(wok);
    CHECK_EQ(fs_read(&fs, (uint32_t)big, 0, br, bigsz + 100), bigsz);
    CHECK(memcmp(bb, br, bigsz) == 0);
    CHECK_EQ(fs_read(&fs, (uint32_t)big, 4 * MB + 30000, br, 70000), 70000);
    CHECK(memcmp(bb + 4 * MB + 30000, br, 70000) == 0);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(fs_truncate(&fs, (uint32_t)big, 5 * MB + 3), 0);
    CHECK_EQ(fs_read(&fs, (uint32_t)big, 0, br, bigsz), 5 * MB + 3);
    CHECK(memcmp(bb, br, 5 * MB + 3) == 0);
    CHECK_EQ(fs_check(&fs, false), 0);
    free(bb);
    free(br);

    /* Data calls on a directory or a bad inode. */
    CHECK_EQ(fs_read(&fs, 1, 0, rd, 10), -FS_EISDIR);
    CHECK_EQ(fs_write(&fs, 1, 0, rd, 10), -FS_EISDIR);
    CHECK_EQ(fs_truncate(&fs, 1, 0), -FS_EISDIR);
    CHECK_EQ(fs_read(&fs, 0, 0, rd, 10), -FS_EBADF);
    CHECK_EQ(fs_read(&fs, 77777, 0, rd, 10), -FS_EBADF);
    CHECK_EQ(fs_write(&fs, 0xffffffffu, 0, rd, 10), -FS_EBADF);
    CHECK_EQ(fs_stat(&fs, 500, &st), -FS_EBADF);
    CHECK_EQ(fs_stat(&fs, 1, NULL), -FS_EINVAL);
    CHECK_EQ(fs_chmod(&fs, (uint32_t)f, 0100755), 0);
    CHECK_EQ(fs_stat(&fs, (uint32_t)f, &st), 0);
    CHECK_EQ(st.mode, 0755);

    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_check(&fs, false), 0);
    t_region_free(base, size);
}

static void test_remove(void)
{
    struct fs fs;
    size_t size = 1 * MB;
    void *base = t_region(&fs, size);
    struct fs_stat st;

    CHECK(fs_mkdir(&fs, "/d") > 0);
    CHECK(fs_mkdir(&fs, "/d/sub") > 0);
    CHECK(fs_create(&fs, "/d/f", FS_TYPE_FILE) > 0);
    CHECK_EQ(fs_stat(&fs, 1, &st), 0);
    CHECK_EQ(st.nlink, 3);
    CHECK_EQ(fs_unlink(&fs, "/d"), -FS_EISDIR);
    CHECK_EQ(fs_rmdir(&fs, "/d"), -FS_ENOTEMPTY);
    CHECK_EQ(fs_remove(&fs, "/d"), -FS_ENOTEMPTY);
    CHECK_EQ(fs_rmdir(&fs, "/d/f"), -FS_ENOTDIR);
    CHECK_EQ(fs_unlink(&fs, "/d/f/"), -FS_ENOTDIR);
    CHECK_EQ(fs_rmdir(&fs, "/"), -FS_EBUSY);
    CHECK_EQ(fs_unlink(&fs, "//"), -FS_EBUSY);
    CHECK_EQ(fs_rmdir(&fs, "/d/."), -FS_EINVAL);
    CHECK_EQ(fs_rmdir(&fs, "/d/.."), -FS_EINVAL);
    CHECK_EQ(fs_unlink(&fs, "/d/nope"), -FS_ENOENT);
    CHECK_EQ(fs_unlink(&fs, "/nope/f"), -FS_ENOENT);
    CHECK_EQ(fs_unlink(&fs, NULL), -FS_EINVAL);
    CHECK_EQ(fs_unlink(&fs, "/d/f"), 0);
    CHECK_EQ(fs_lookup(&fs, "/d/f"), -FS_ENOENT);
    CHECK_EQ(fs_unlink(&fs, "/d/f"), -FS_ENOENT);
    CHECK_EQ(fs_rmdir(&fs, "/d/sub/"), 0);
    CHECK_EQ(fs_rmdir(&fs, "/d"), 0);
    CHECK_EQ(fs_stat(&fs, 1, &st), 0);
    CHECK_EQ(st.nlink, 2);
    CHECK_EQ(st.size, 0);
    CHECK_EQ(fs_check(&fs, false), 0);
    t_region_free(base, size);
}

static void test_open_refs(void)
{
    struct fs fs;
    size_t size = 1 * MB;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs), istart = fs_free_inodes(&fs);
    uint8_t buf[20000], rd[20000];
    fill(buf, sizeof buf, 0, 3);

    CHECK_EQ(fs_open(&fs, "/f", 0), -FS_ENOENT);
    int f = fs_open(&fs, "/f", FS_O_CREAT);
    CHECK(f > 1);
    CHECK_EQ(fs_open(&fs, "/f", FS_O_CREAT | FS_O_EXCL), -FS_EEXIST);
    CHECK_EQ(fs_open(&fs, "/f", FS_O_DIRECTORY), -FS_ENOTDIR);
    CHECK_EQ(fs_open(&fs, "/", FS_O_TRUNC), -FS_EISDIR);
    CHECK_EQ(fs_open(&fs, "/f/", FS_O_CREAT), -FS_ENOTDIR);
    CHECK_EQ(fs_open(&fs, "/g/", FS_O_CREAT), -FS_EISDIR);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, 0, buf, sizeof buf), sizeof buf);
    struct fs_stat st;
    CHECK_EQ(fs_stat(&fs, (uint32_t)f, &st), 0);
    CHECK_EQ(st.refs, 1);
    CHECK_EQ(st.nlink, 1);

    /* Unlinked while open: the name goes, the data stays. */
    uint32_t used = start - fs_free_blocks(&fs);
    CHECK(used >= 5);
    CHECK_EQ(fs_unlink(&fs, "/f"), 0);
    CHECK_EQ(fs_lookup(&fs, "/f"), -FS_ENOENT);
    CHECK_EQ(start - fs_free_blocks(&fs), used - 1); /* the root's entry block went */
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(fs_read(&fs, (uint32_t)f, 0, rd, sizeof rd), sizeof rd);
    CHECK(memcmp(rd, buf, sizeof buf) == 0);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, 20000, "more", 4), 4);
    CHECK_EQ(fs_stat(&fs, (uint32_t)f, &st), 0);
    CHECK_EQ(st.nlink, 0);
    /* A second reference, then both closed. */
    CHECK_EQ(fs_ref(&fs, (uint32_t)f), 0);
    CHECK_EQ(fs_unref(&fs, (uint32_t)f), 0);
    CHECK_EQ(fs_stat(&fs, (uint32_t)f, &st), 0);
    CHECK_EQ(fs_unref(&fs, (uint32_t)f), 0);
    CHECK_EQ(fs_stat(&fs, (uint32_t)f, &st), -FS_EBADF);
    CHECK_EQ(fs_unref(&fs, (uint32_t)f), -FS_EBADF);
    CHECK_EQ(fs_ref(&fs, (uint32_t)f), -FS_EBADF);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_free_inodes(&fs), istart);

    /* Closing a file that still has its name keeps it. */
    f = fs_open(&fs, "/g", FS_O_CREAT);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, 0, "abc", 3), 3);
    CHECK_EQ(fs_unref(&fs, (uint32_t)f), 0);
    CHECK_EQ(fs_unref(&fs, (uint32_t)f), -FS_EBADF); /* no reference left */
    CHECK_EQ(fs_open(&fs, "/g", 0), f);
    CHECK_EQ(fs_open(&fs, "/g", FS_O_TRUNC), f);
    CHECK_EQ(fs_stat(&fs, (uint32_t)f, &st), 0);
    CHECK_EQ(st.size, 0);
    CHECK_EQ(st.refs, 2);
    CHECK_EQ(fs_open(&fs, "/", FS_O_DIRECTORY), 1);
    CHECK_EQ(fs_unref(&fs, 1), 0);
    CHECK_EQ(fs_unlink(&fs, "/g"), 0);
    CHECK_EQ(fs_unref(&fs, (uint32_t)f), 0);
    CHECK_EQ(fs_unref(&fs, (uint32_t)f), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_free_inodes(&fs), istart);
    CHECK_EQ(fs_check(&fs, false), 0);
    t_region_free(base, size);
}

static void test_enospc(void)
{
    struct fs fs;
    size_t size = 64 * FS_BLOCK_SIZE;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs), istart = fs_free_inodes(&fs);
    CHECK(start > 40 && start < 64);
    static uint8_t buf[64 * FS_BLOCK_SIZE];
    fill(buf, sizeof buf, 0, 9);

    /* One file takes all the space: a short write, then ENOSPC. */
    int f = fs_create(&fs, "/big", FS_TYPE_FILE);
    int64_t w = fs_write(&fs, (uint32_t)f, 0, buf, sizeof buf);
    CHECK(w > 30 * FS_BLOCK_SIZE && w < (int64_t)sizeof buf);
    CHECK_EQ(fs_free_blocks(&fs), 0);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, (uint64_t)w, buf, 10), -FS_ENOSPC);
    struct fs_stat st;
    CHECK_EQ(fs_stat(&fs, (uint32_t)f, &st), 0);
    CHECK_EQ(st.size, (uint64_t)w);
    uint8_t *rd = malloc(sizeof buf);
    CHECK_EQ(fs_read(&fs, (uint32_t)f, 0, rd, sizeof buf), w);
    CHECK(memcmp(rd, buf, (size_t)w) == 0);
    /* An empty file can still be created in the root's free slots, but a
     * directory needing a new block cannot grow. */
    CHECK(fs_create(&fs, "/empty", FS_TYPE_FILE) > 0);
    int full = 0;
    char path[64];
    for (int i = 0; i < 40 && !full; i++) {
        snprintf(path, sizeof path, "/n%d", i);
        int r = fs_create(&fs, path, FS_TYPE_FILE);
        if (r == -FS_ENOSPC)
            full = 1;
        else
            CHECK(r > 0);
    }
    CHECK(full);
    CHECK_EQ(fs_check(&fs, false), 0);

    /* Recovery: after the unlink the space is back and usable. */
    CHECK_EQ(fs_unlink(&fs, "/big"), 0);
    CHECK(fs_free_blocks(&fs) >= start - 2);
    f = fs_create(&fs, "/again", FS_TYPE_FILE);
    CHECK(f > 0);
    CHECK_EQ(fs_write(&fs, (uint32_t)f, 0, buf, 20 * FS_BLOCK_SIZE), 20 * FS_BLOCK_SIZE);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_free_inodes(&fs), istart);

    /* Running out of inodes. */
    int n = 0, r;
    do {
        snprintf(path, sizeof path, "/i%d", n);
        r = fs_create(&fs, path, FS_TYPE_FILE);
        n += r > 0;
    } while (r > 0 && n < 100000);
    CHECK_EQ(r, -FS_ENOSPC);
    CHECK(n > 10);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_free_inodes(&fs), istart);

    /* A write that stops in the middle of allocating indirect blocks: the
     * sparse offset needs an indirect block and a data block. */
    f = fs_create(&fs, "/filler", FS_TYPE_FILE);
    w = fs_write(&fs, (uint32_t)f, 0, buf, (uint64_t)(start - 3) * FS_BLOCK_SIZE);
    CHECK(w > 0);
    uint32_t left = fs_free_blocks(&fs);
    int s = fs_create(&fs, "/sparse", FS_TYPE_FILE);
    int64_t w2 = fs_write(&fs, (uint32_t)s, 3 * MB, buf, (uint64_t)(left + 5) * FS_BLOCK_SIZE);
    CHECK(w2 == -FS_ENOSPC || (w2 > 0 && w2 < (int64_t)(left + 5) * FS_BLOCK_SIZE));
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_check(&fs, false), 0);
    free(rd);
    t_region_free(base, size);
}

static void test_rename(void)
{
    struct fs fs;
    size_t size = 1 * MB;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs);
    uint8_t rd[16];
    struct fs_stat st;

    int a = fs_create(&fs, "/a", FS_TYPE_FILE);
    fs_write(&fs, (uint32_t)a, 0, "AAAA", 4);
    CHECK_EQ(fs_rename(&fs, "/a", "/b"), 0);
    CHECK_EQ(fs_lookup(&fs, "/a"), -FS_ENOENT);
    CHECK_EQ(fs_lookup(&fs, "/b"), a);
    CHECK_EQ(fs_rename(&fs, "/b", "/b"), 0);
    CHECK_EQ(fs_rename(&fs, "/nope", "/c"), -FS_ENOENT);
    CHECK_EQ(fs_rename(&fs, "/b", "/nodir/c"), -FS_ENOENT);
    CHECK_EQ(fs_rename(&fs, "/", "/c"), -FS_EBUSY);
    CHECK_EQ(fs_rename(&fs, "/b", "/"), -FS_EBUSY);
    CHECK_EQ(fs_rename(&fs, "/b", "/."), -FS_EINVAL);
    CHECK_EQ(fs_rename(&fs, "/b/", "/c"), -FS_ENOTDIR);
    CHECK_EQ(fs_rename(&fs, NULL, "/c"), -FS_EINVAL);

    /* Replacing a file: the old target's data goes unless open. */
    int c = fs_open(&fs, "/c", FS_O_CREAT);
    fs_write(&fs, (uint32_t)c, 0, "CCCC", 4);
    CHECK_EQ(fs_rename(&fs, "/b", "/c"), 0);
    CHECK_EQ(fs_lookup(&fs, "/c"), a);
    CHECK_EQ(fs_lookup(&fs, "/b"), -FS_ENOENT);
    CHECK_EQ(fs_read(&fs, (uint32_t)c, 0, rd, 16), 4);
    CHECK(memcmp(rd, "CCCC", 4) == 0);
    CHECK_EQ(fs_unref(&fs, (uint32_t)c), 0);
    CHECK_EQ(fs_stat(&fs, (uint32_t)c, &st), -FS_EBADF);

    /* Directories. */
    int d1 = fs_mkdir(&fs, "/d1");
    int sub = fs_mkdir(&fs, "/d1/sub");
    fs_mkdir(&fs, "/d2");
    fs_mkdir(&fs, "/d3");
    fs_create(&fs, "/d3/x", FS_TYPE_FILE);
    CHECK_EQ(fs_rename(&fs, "/d1", "/d1/sub/in"), -FS_EINVAL);
    CHECK_EQ(fs_rename(&fs, "/d1", "/d1/in"), -FS_EINVAL);
    CHECK_EQ(fs_rename(&fs, "/d1", "/d3"), -FS_ENOTEMPTY);
    CHECK_EQ(fs_rename(&fs, "/d1", "/c"), -FS_ENOTDIR);
    CHECK_EQ(fs_rename(&fs, "/c", "/d2"), -FS_EISDIR);
    CHECK_EQ(fs_rename(&fs, "/c", "/d2/"), -FS_ENOTDIR);
    /* Move sub into d3: ".." follows, link counts follow. */
    CHECK_EQ(fs_rename(&fs, "/d1/sub", "/d3/sub"), 0);
    CHECK_EQ(fs_lookup(&fs, "/d3/sub/.."), fs_lookup(&fs, "/d3"));
    CHECK_EQ(fs_stat(&fs, (uint32_t)d1, &st), 0);
    CHECK_EQ(st.nlink, 2);
    CHECK_EQ(fs_stat(&fs, (uint32_t)fs_lookup(&fs, "/d3"), &st), 0);
    CHECK_EQ(st.nlink, 3);
    /* A directory replaces an empty directory. */
    CHECK_EQ(fs_rename(&fs, "/d3/sub", "/d2"), 0);
    CHECK_EQ(fs_lookup(&fs, "/d2"), sub);
    CHECK_EQ(fs_lookup(&fs, "/d2/.."), 1);
    CHECK_EQ(fs_rename(&fs, "/d2/", "/d4/"), 0);
    CHECK_EQ(fs_lookup(&fs, "/d4"), sub);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_check(&fs, false), 0);
    t_region_free(base, size);
}

static void test_everything_freed(void)
{
    struct fs fs;
    size_t size = 32 * MB;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs), istart = fs_free_inodes(&fs);
    static uint8_t buf[100000];
    fill(buf, sizeof buf, 0, 5);
    char path[128];
    srand(42);
    for (int d = 0; d < 8; d++) {
        snprintf(path, sizeof path, "/d%d", d);
        fs_mkdir(&fs, path);
        for (int s = 0; s < 3; s++) {
            snprintf(path, sizeof path, "/d%d/s%d", d, s);
            fs_mkdir(&fs, path);
            for (int f = 0; f < 10; f++) {
                snprintf(path, sizeof path, "/d%d/s%d/f%d", d, s, f);
                int ino = fs_create(&fs, path, FS_TYPE_FILE);
                size_t n = (size_t)rand() % sizeof buf;
                uint64_t off = (uint64_t)(rand() % 3) * (uint64_t)(rand() % 5000000);
                CHECK_EQ(fs_write(&fs, (uint32_t)ino, off, buf, n), n);
            }
        }
    }
    CHECK(fs_free_blocks(&fs) < start - 500);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_free_inodes(&fs), istart);
    CHECK_EQ(fs_check(&fs, false), 0);
    t_region_free(base, size);
}

/* fs_check finds damage and repair fixes it; fs_break_lock. */
static void test_check_repair(void)
{
    struct fs fs;
    size_t size = 1 * MB;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs);
    uint8_t buf[50000];
    fill(buf, sizeof buf, 0, 2);
    int f = fs_create(&fs, "/f", FS_TYPE_FILE);
    fs_write(&fs, (uint32_t)f, 0, buf, sizeof buf);
    fs_mkdir(&fs, "/d");
    CHECK_EQ(fs_check(&fs, false), 0);

    /* Damage the bitmap (all data blocks marked free) and a counter. */
    uint32_t *sb = base;
    uint64_t *words = base;
    /* superblock: magic(2 words) version block_size size(2) nblocks ninodes
     * inode_start inode_blocks bitmap_start ... (see fs.c) */
    uint32_t bitmap_start = sb[10];
    uint64_t *bm = (uint64_t *)((uint8_t *)base + (size_t)bitmap_start * FS_BLOCK_SIZE);
    uint64_t saved = bm[0];
    CHECK(saved >> 8 != 0); /* data blocks in use past the metadata */
    bm[0] &= 0xff;
    (void)words;
    CHECK(fs_check(&fs, false) > 0);
    CHECK(fs_check(&fs, true) > 0);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(bm[0], saved);

    /* A process died holding the lock. */
    uint32_t *lock = &sb[19]; /* struct fs_super.lock */
    CHECK_EQ(*lock, 0);
    *lock = 77;
    CHECK_EQ(fs_break_lock(&fs, 78), 0);
    CHECK_EQ(fs_break_lock(&fs, 0), 0);
    CHECK_EQ(fs_break_lock(&fs, 77), 1);
    CHECK_EQ(*lock, 0);
    CHECK_EQ(fs_lookup(&fs, "/f"), f); /* the lock works again */

    /* An orphan (allocated inode with no name and no reference), as left
     * by a process killed between allocating and linking an inode. */
    int o = fs_open(&fs, "/orphan", FS_O_CREAT);
    fs_write(&fs, (uint32_t)o, 0, buf, 9000);
    CHECK_EQ(fs_unlink(&fs, "/orphan"), 0);
    CHECK_EQ(fs_check(&fs, false), 0); /* open: legal */
    struct fs_stat st;
    fs_stat(&fs, (uint32_t)o, &st);
    /* Forget the reference behind the library's back. */
    *lock = 77;
    *lock = 0;
    {
        uint32_t inode_start = sb[8];
        uint8_t *ip = (uint8_t *)base + (size_t)inode_start * FS_BLOCK_SIZE + (size_t)o * 64;
        CHECK_EQ(*(uint32_t *)(ip + 8), 1); /* refs */
        *(uint32_t *)(ip + 8) = 0;
    }
    CHECK(fs_check(&fs, false) > 0);
    CHECK(fs_check(&fs, true) > 0);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(fs_stat(&fs, (uint32_t)o, &st), -FS_EBADF);

    /* A directory entry pointing to a free inode. */
    int g = fs_create(&fs, "/d/g", FS_TYPE_FILE);
    {
        uint32_t inode_start = sb[8];
        uint8_t *ip = (uint8_t *)base + (size_t)inode_start * FS_BLOCK_SIZE + (size_t)g * 64;
        memset(ip, 0, 64);
    }
    CHECK_EQ(fs_lookup(&fs, "/d/g"), -FS_EIO);
    CHECK(fs_check(&fs, true) > 0);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(fs_lookup(&fs, "/d/g"), -FS_ENOENT);

    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_check(&fs, false), 0);
    t_region_free(base, size);
}

/* Symbolic links: made, followed (absolute and relative targets, through
 * directories, as the last component or not), not followed by
 * fs_lookup_nofollow, dangling (ENOENT), loops (ELOOP), removed as files,
 * bad input, and a consistent file system after. */
static void test_symlinks(void)
{
    struct fs fs;
    size_t size = 1 * MB;
    void *base = t_region(&fs, size);
    int d = fs_mkdir(&fs, "/d");
    int f = fs_create(&fs, "/d/f", FS_TYPE_FILE);
    CHECK(d > 1 && f > 1);
    int l1 = fs_symlink(&fs, "/d/f", "/abs");
    CHECK(l1 > 1);
    CHECK_EQ(fs_lookup(&fs, "/abs"), f);
    CHECK_EQ(fs_lookup_nofollow(&fs, "/abs"), l1);
    struct fs_stat st;
    CHECK_EQ(fs_stat(&fs, (uint32_t)l1, &st), 0);
    CHECK_EQ(st.type, FS_TYPE_LINK);
    CHECK_EQ(st.size, 4);
    char buf[64];
    CHECK_EQ(fs_readlink(&fs, (uint32_t)l1, buf, sizeof buf), 4);
    CHECK(memcmp(buf, "/d/f", 4) == 0);
    CHECK_EQ(fs_readlink(&fs, (uint32_t)l1, buf, 2), 2); /* cut short, as readlink */
    CHECK_EQ(fs_readlink(&fs, (uint32_t)f, buf, sizeof buf), -FS_EINVAL);
    CHECK_EQ(fs_readlink(&fs, 9999, buf, sizeof buf), -FS_EBADF);
    /* relative: from the link's own directory; a link to a directory */
    CHECK(fs_symlink(&fs, "f", "/d/rel") > 1);
    CHECK_EQ(fs_lookup(&fs, "/d/rel"), f);
    CHECK(fs_symlink(&fs, "d", "/dl") > 1);
    CHECK_EQ(fs_lookup(&fs, "/dl/f"), f);
    CHECK_EQ(fs_lookup(&fs, "/dl/rel"), f);
    CHECK_EQ(fs_lookup(&fs, "/dl/"), d);
    CHECK_EQ(fs_lookup_nofollow(&fs, "/dl/"), d); /* (a slash after it: followed) */
    CHECK(fs_symlink(&fs, "../d/./f", "/d/up") > 1);
    CHECK_EQ(fs_lookup(&fs, "/d/up"), f);
    CHECK(fs_symlink(&fs, "/", "/root") > 1);
    CHECK_EQ(fs_lookup(&fs, "/root"), 1);
    CHECK_EQ(fs_lookup(&fs, "/root/d/f"), f);
    CHECK_EQ(fs_open(&fs, "/dl/rel", 0), f); /* open follows too */
    CHECK_EQ(fs_unref(&fs, (uint32_t)f), 0);
    /* dangling, loops, a link where a directory must be */
    CHECK(fs_symlink(&fs, "/nowhere", "/dang") > 1);
    CHECK_EQ(fs_lookup(&fs, "/dang"), -FS_ENOENT);
    CHECK(fs_lookup_nofollow(&fs, "/dang") > 1);
    CHECK(fs_symlink(&fs, "/loop2", "/loop1") > 1);
    CHECK(fs_symlink(&fs, "loop1", "/loop2") > 1);
    CHECK_EQ(fs_lookup(&fs, "/loop1"), -FS_ELOOP);
    CHECK_EQ(fs_lookup(&fs, "/loop1/x"), -FS_ELOOP);
    CHECK(fs_symlink(&fs, "self", "/self") > 1);
    CHECK_EQ(fs_lookup(&fs, "/self"), -FS_ELOOP);
    CHECK_EQ(fs_lookup(&fs, "/abs/x"), -FS_ENOTDIR);
    CHECK_EQ(fs_mkdir(&fs, "/dl/sub") > 1, 1); /* through a link to a directory */
    CHECK(fs_lookup(&fs, "/d/sub") > 1);
    /* bad input */
    CHECK_EQ(fs_symlink(&fs, NULL, "/x"), -FS_EINVAL);
    CHECK_EQ(fs_symlink(&fs, "", "/x"), -FS_ENOENT);
    CHECK_EQ(fs_symlink(&fs, "/d/f", "/abs"), -FS_EEXIST);
    CHECK_EQ(fs_symlink(&fs, "/d/f", "/nosuch/x"), -FS_ENOENT);
    CHECK_EQ(fs_symlink(&fs, "/d/f", NULL), -FS_EINVAL);
    char longt[600];
    memset(longt, 'a', sizeof longt - 1);
    longt[sizeof longt - 1] = 0;
    CHECK_EQ(fs_symlink(&fs, longt, "/long"), -FS_ENAMETOOLONG);
    CHECK_EQ(fs_create(&fs, "/x", FS_TYPE_LINK), -FS_EINVAL);
    CHECK_EQ(fs_check(&fs, false), 0);
    /* removed as a file; the target stays */
    CHECK_EQ(fs_unlink(&fs, "/abs"), 0);
    CHECK_EQ(fs_lookup_nofollow(&fs, "/abs"), -FS_ENOENT);
    CHECK_EQ(fs_lookup(&fs, "/d/f"), f);
    /* hard links: one inode, two names; the data stays with the last */
    CHECK_EQ(fs_link(&fs, "/d/f", "/hard"), 0);
    CHECK_EQ(fs_lookup(&fs, "/hard"), f);
    CHECK_EQ(fs_stat(&fs, (uint32_t)f, &st), 0);
    CHECK_EQ(st.nlink, 2);
    CHECK_EQ(fs_link(&fs, "/d/f", "/hard"), -FS_EEXIST);
    CHECK_EQ(fs_link(&fs, "/d", "/dhard"), -FS_EPERM);
    CHECK_EQ(fs_link(&fs, "/nosuch", "/x"), -FS_ENOENT);
    CHECK_EQ(fs_link(&fs, "/d/f", "/nosuch/x"), -FS_ENOENT);
    CHECK_EQ(fs_link(&fs, "/d/f", "/"), -FS_EEXIST);
    CHECK_EQ(fs_link(&fs, NULL, "/x"), -FS_EINVAL);
    CHECK_EQ(fs_link(&fs, "/dang", "/dang2"), 0); /* the link itself */
    CHECK_EQ(fs_lookup_nofollow(&fs, "/dang2"), fs_lookup_nofollow(&fs, "/dang"));
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(fs_unlink(&fs, "/d/f"), 0);
    CHECK_EQ(fs_lookup(&fs, "/hard"), f);
    CHECK_EQ(fs_stat(&fs, (uint32_t)f, &st), 0);
    CHECK_EQ(st.nlink, 1);
    CHECK_EQ(fs_create(&fs, "/d/f", FS_TYPE_FILE) > 1, 1);
    f = fs_lookup(&fs, "/d/f");
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(fs_rename(&fs, "/dl", "/dl2"), 0);
    CHECK_EQ(fs_lookup(&fs, "/dl2/f"), f);
    CHECK_EQ(fs_check(&fs, false), 0);
    t_region_free(base, size);
}

void test_ops(void)
{
    test_symlinks();
    test_format_attach();
    test_paths();
    test_readdir();
    test_data();
    test_remove();
    test_open_refs();
    test_enospc();
    test_rename();
    test_everything_freed();
    test_check_repair();
}
