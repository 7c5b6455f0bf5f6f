/*
 * test_map.c - dfs_read_map (zero-copy reads): extents point at the right
 * bytes of the cache, holes are marked, the generation counters move when
 * a page may change (a write, a truncate, an eviction), and bad input is
 * refused.
 */
#include <stdlib.h>

#include "test.h"

#define NBUF 64

/* Copies what the extents describe into out, as a zero-copy client does;
 * false if a counter moved since the answer (the copy is not to be trusted). */
static bool copy_out(struct dfs *fs, const struct dfs_extent *x, uint32_t n, uint8_t *out,
                     const uint32_t *gen)
{
    size_t done = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (x[i].page == DFS_MAP_HOLE)
            memset(out + done, 0, x[i].len);
        else
            memcpy(out + done, (uint8_t *)fs->mem + (size_t)x[i].page * DFS_BSIZE + x[i].off,
                   x[i].len);
        done += x[i].len;
    }
    for (uint32_t i = 0; i < n; i++)
        if (x[i].page != DFS_MAP_HOLE && gen[x[i].page] != x[i].gen)
            return false;
    return true;
}

/* The nibble-wise CRC32C that dfs_crc32c replaced (the reference). */
static uint32_t crc_ref(uint32_t crc, const uint8_t *s, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *s++;
        for (int k = 0; k < 8; k++)
            crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
    }
    return ~crc;
}

static void test_crc(void)
{
    CHECK_EQ(dfs_crc32c(0, "123456789", 9), 0xe3069283u); /* the standard check value */
    static uint8_t b[9000];
    uint32_t r = 1;
    for (size_t i = 0; i < sizeof b; i++) {
        r = r * 1103515245u + 12345u;
        b[i] = (uint8_t)(r >> 16);
    }
    int bad = 0;
    for (size_t off = 0; off < 9; off++)
        for (size_t n = 0; n < 40; n++)
            bad += dfs_crc32c(7, b + off, n) != crc_ref(7, b + off, n);
    bad += dfs_crc32c(0, b + 3, 8192) != crc_ref(0, b + 3, 8192);
    bad += dfs_crc32c(dfs_crc32c(0, b, 100), b + 100, 4000) != crc_ref(0, b, 4100);
    CHECK_EQ(bad, 0);
}

/* A transaction put in the journal by hand, replayed at mount: checksummed
 * with dfs_log_sum (today's commits), with CRC32C or dfs_log_sum1 (journals
 * written before it), or torn (a wrong checksum: ignored); fsck agrees each
 * time. Also: dfs_copy_sum copies and sums as dfs_block_sum does, and
 * dfs_log_sum is dfs_log_chain of it. */
/* The block sum: dfs_copy_sum copies and sums like dfs_block_sum, and any
 * one changed word, a swap of two different words, or a block of zeroes
 * for a block of data changes the sum. */
static void test_block_sum(void)
{
    static uint64_t a[DFS_BSIZE / 8], b[DFS_BSIZE / 8];
    uint64_t x = 0x1234567;
    for (size_t i = 0; i < DFS_BSIZE / 8; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        a[i] = x;
    }
    uint64_t s = dfs_block_sum(a);
    CHECK_EQ(dfs_copy_sum(b, a), s);
    CHECK_EQ(memcmp(a, b, sizeof a), 0);
    CHECK_EQ(dfs_log_sum(77, a), dfs_log_chain(77, s));
    CHECK(dfs_log_chain(77, s) != dfs_log_chain(78, s));
    int same = 0;
    for (size_t i = 0; i < DFS_BSIZE / 8; i++) {
        b[i] ^= 1ull << (i % 64);
        same += dfs_block_sum(b) == s;
        b[i] = a[i];
        size_t j = (i * 7 + 3) % (DFS_BSIZE / 8);
        if (j != i) {
            b[i] = a[j];
            b[j] = a[i];
            same += dfs_block_sum(b) == s;
            b[i] = a[i];
            b[j] = a[j];
        }
    }
    CHECK_EQ(same, 0);
    memset(b, 0, sizeof b);
    CHECK(dfs_block_sum(b) != s);
}

/* The directory index: a directory of 400 files (27 blocks) with files
 * created, removed, renamed within it and into another, and created again
 * in the holes, checked name by name against what should be there, before
 * and after a remount (the index is built again from the disk); a removed
 * directory whose inode number a new one gets; fsck clean each time. */
static void dix_expect(struct dfs *fs, const bool *live, const char *dir, int n)
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        char path[64], back[16];
        snprintf(path, sizeof path, "%s/f%04d", dir, i);
        long r = t_get(fs, path, back, sizeof back);
        if (live[i] ? r != 5 || memcmp(back, path + strlen(path) - 5, 5) != 0 : r >= 0)
            bad++;
    }
    CHECK_EQ(bad, 0);
}

static void test_dir_index(uint32_t nbuf)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    t_fresh(&rd, &dev, &fs, 4096, nbuf);
    enum { N = 400 };
    static bool live[N], moved[N];
    CHECK(dfs_mkdir(&fs, "/d", 0755) > 0);
    CHECK(dfs_mkdir(&fs, "/m", 0755) > 0);
    char p[64], q[64];
    for (int i = 0; i < N; i++) {
        snprintf(p, sizeof p, "/d/f%04d", i);
        CHECK(t_put(&fs, p, p + strlen(p) - 5, 5) > 0);
        live[i] = true;
    }
    CHECK(fs.stats.dix_builds >= (nbuf >= 512));
    dix_expect(&fs, live, "/d", N);
    /* (with 128 buffers the index has 256 entries: /d does not fit, the
     * scan answers, and it is not tried again at every lookup) */
    if (nbuf >= 512) {
        CHECK(fs.stats.dix_hits > N);
        CHECK_EQ(fs.stats.dix_drops, 0);
    } else {
        CHECK(fs.stats.dix_drops <= 40); /* (again once per block it grows by) */
    }
    for (int i = 0; i < N; i += 3) { /* holes */
        snprintf(p, sizeof p, "/d/f%04d", i);
        CHECK_EQ(dfs_unlink(&fs, p), 0);
        live[i] = false;
    }
    for (int i = 1; i < N; i += 7) { /* out to /m, keeping the name's tail */
        if (!live[i])
            continue;
        snprintf(p, sizeof p, "/d/f%04d", i);
        snprintf(q, sizeof q, "/m/f%04d", i);
        CHECK_EQ(dfs_rename(&fs, p, q), 0);
        live[i] = false;
        moved[i] = true;
    }
    dix_expect(&fs, live, "/d", N);
    dix_expect(&fs, moved, "/m", N);
    for (int i = 0; i < N; i += 6) { /* again, in the holes */
        snprintf(p, sizeof p, "/d/f%04d", i);
        CHECK(t_put(&fs, p, p + strlen(p) - 5, 5) > 0);
        live[i] = true;
    }
    /* rename onto an existing name in the same directory */
    CHECK_EQ(dfs_rename(&fs, "/d/f0002", "/d/f0004"), 0);
    live[2] = false;
    CHECK_EQ(t_get(&fs, "/d/f0004", p, sizeof p), 5);
    CHECK_EQ(memcmp(p, "f0002", 5), 0);
    CHECK_EQ(dfs_rename(&fs, "/d/f0004", "/d/f0002"), 0); /* and back */
    live[2] = true;
    live[4] = false;
    dix_expect(&fs, live, "/d", N);
    CHECK_EQ(dfs_sync(&fs), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    t_remount(&fs, &dev, nbuf);
    dix_expect(&fs, live, "/d", N);
    dix_expect(&fs, moved, "/m", N);
    /* A removed directory, and a new one (it may get the same inode). */
    for (int i = 0; i < N; i++) {
        snprintf(p, sizeof p, "/m/f%04d", i);
        if (moved[i])
            CHECK_EQ(dfs_unlink(&fs, p), 0);
    }
    CHECK_EQ(dfs_rmdir(&fs, "/m"), 0);
    CHECK(dfs_mkdir(&fs, "/n", 0755) > 0);
    for (int i = 0; i < 40; i++) {
        snprintf(p, sizeof p, "/n/g%04d", i);
        CHECK(t_put(&fs, p, "abcde", 5) > 0);
    }
    int stray = 0;
    for (int i = 0; i < N; i++) {
        snprintf(p, sizeof p, "/n/f%04d", i);
        stray += dfs_lookup(&fs, p) >= 0;
    }
    CHECK_EQ(stray, 0);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    ramdisk_free(&rd);
}

static void test_log_compat(void)
{
    static const char *const what[4] = {"log_sum", "crc32c", "log_sum1", "torn"};
    for (int kind = 0; kind < 4; kind++) {
        struct ramdisk rd;
        struct dfs_dev dev;
        struct dfs fs;
        t_fresh(&rd, &dev, &fs, 2048, 64);
        static uint8_t blk[DFS_BSIZE];
        memset(blk, 'a', sizeof blk);
        int ino = t_put(&fs, "/f", blk, sizeof blk);
        CHECK(ino > 0);
        uint32_t log_start = fs.sb.log_start;
        CHECK_EQ(hostdev_umount(&fs, false), 0);
        /* /f's block: the data block holding its bytes */
        uint32_t home = 0;
        for (uint32_t b = fs.sb.data_start; b < rd.nblocks && !home; b++)
            if (memcmp(rd.data + (size_t)b * DFS_BSIZE, blk, DFS_BSIZE) == 0)
                home = b;
        CHECK(home != 0);
        memset(blk, 'b', sizeof blk);
        memcpy(rd.data + (size_t)(log_start + 1) * DFS_BSIZE, blk, DFS_BSIZE);
        struct dfs_loghdr *h = (struct dfs_loghdr *)(rd.data + (size_t)log_start * DFS_BSIZE);
        memset(h, 0, DFS_BSIZE);
        memcpy(h->magic, "SPNLLOG1", 8);
        h->seq = 100;
        h->n = 1;
        h->home[0] = home;
        uint32_t c = dfs_crc32c(0, &h->seq, 8);
        c = dfs_crc32c(c, &h->n, 4);
        c = dfs_crc32c(c, h->home, 4);
        h->csum = kind == 0   ? dfs_log_sum(c, blk)
                  : kind == 1 ? dfs_crc32c(c, blk, DFS_BSIZE)
                  : kind == 2 ? dfs_log_sum1(c, blk)
                              : dfs_log_sum(c, blk) ^ 1;
        CHECK_EQ(t_fsck(&dev), 0);
        CHECK_EQ(hostdev_mount(&fs, &dev, 64, &t_hooks), 0);
        static uint8_t back[DFS_BSIZE];
        CHECK_EQ(t_get(&fs, "/f", back, sizeof back), DFS_BSIZE);
        int replayed = back[0] == 'b';
        if (replayed != (kind < 3))
            printf("  journal with %s: replayed %d\n", what[kind], replayed);
        CHECK_EQ(replayed, kind < 3);
        CHECK_EQ(hostdev_umount(&fs, false), 0);
        CHECK_EQ(t_fsck(&dev), 0);
        ramdisk_free(&rd);
    }
}

void test_map(void)
{
    printf("test_map\n");
    test_crc();
    test_block_sum();
    test_dir_index(512);
    test_dir_index(128);
    test_log_compat();
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    static uint32_t gen[NBUF + 2 + DFS_STAGE + 64];
    static uint8_t data[5 * DFS_BSIZE + 100], got[sizeof data];
    struct dfs_hooks h = t_hooks;
    h.gen = gen;
    static uint8_t blk[DFS_BSIZE];
    ramdisk_init(&rd, &dev, 4096);
    CHECK_EQ(dfs_mkfs(&dev, 0, 0, 1, blk), 0);
    CHECK_EQ(hostdev_mount(&fs, &dev, NBUF, &h), 0);
    CHECK(fs.ngen <= sizeof gen / sizeof gen[0]);

    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + i / 4096);
    CHECK(t_put(&fs, "/f", data, sizeof data) > 0);
    int ino = dfs_lookup(&fs, "/f");
    CHECK(ino > 0);
    struct dfs_extent x[8];

    /* The whole file, from an odd offset: 6 extents, the bytes right. */
    int64_t n = dfs_read_map(&fs, (uint32_t)ino, 10, sizeof data, x, 8);
    CHECK_EQ(n, sizeof data - 10);
    CHECK(copy_out(&fs, x, 6, got, gen));
    CHECK_EQ(memcmp(got, data + 10, sizeof data - 10), 0);
    CHECK_EQ(x[0].off, 10);
    CHECK_EQ(x[0].len, DFS_BSIZE - 10);

    /* max bounds the answer: 2 extents, a block and a bit. */
    CHECK_EQ(dfs_read_map(&fs, (uint32_t)ino, 100, sizeof data, x, 2), 2 * DFS_BSIZE - 100);

    /* A write to the block after the answer moves its counter: the copy
     * must not be trusted; a fresh answer gives the new bytes. */
    CHECK_EQ(dfs_read_map(&fs, (uint32_t)ino, 0, 16, x, 8), 16);
    CHECK_EQ(dfs_write(&fs, (uint32_t)ino, 0, "NEW!", 4), 4);
    CHECK(!copy_out(&fs, x, 1, got, gen));
    CHECK_EQ(dfs_read_map(&fs, (uint32_t)ino, 0, 16, x, 8), 16);
    CHECK(copy_out(&fs, x, 1, got, gen));
    CHECK_EQ(memcmp(got, "NEW!", 4), 0);
    CHECK_EQ(memcmp(got + 4, data + 4, 12), 0);

    /* Truncate: the tail's answers end at the new size, and the truncated
     * block's counter moved (its tail was zeroed). */
    CHECK_EQ(dfs_read_map(&fs, (uint32_t)ino, DFS_BSIZE, 2 * DFS_BSIZE, x, 8), 2 * DFS_BSIZE);
    struct dfs_extent old = x[0];
    CHECK_EQ(dfs_truncate(&fs, (uint32_t)ino, DFS_BSIZE + 5), 0);
    CHECK(gen[old.page] != old.gen);
    CHECK_EQ(dfs_read_map(&fs, (uint32_t)ino, DFS_BSIZE, 2 * DFS_BSIZE, x, 8), 5);
    CHECK(copy_out(&fs, x, 1, got, gen));
    CHECK_EQ(memcmp(got, data + DFS_BSIZE, 5), 0);
    CHECK_EQ(dfs_read_map(&fs, (uint32_t)ino, DFS_BSIZE + 5, 10, x, 8), 0);

    /* A hole reads as zeros. */
    CHECK_EQ(dfs_write(&fs, (uint32_t)ino, 3 * DFS_BSIZE, "z", 1), 1);
    CHECK_EQ(dfs_read_map(&fs, (uint32_t)ino, 2 * DFS_BSIZE, DFS_BSIZE + 1, x, 8), DFS_BSIZE + 1);
    CHECK_EQ(x[0].page, DFS_MAP_HOLE);
    CHECK(x[1].page != DFS_MAP_HOLE);

    /* Evictions: reading many other blocks through a 64-buffer cache moves
     * the counters of the pages reused. */
    CHECK_EQ(dfs_read_map(&fs, (uint32_t)ino, 0, 1, x, 1), 1);
    old = x[0];
    static uint8_t big[100 * DFS_BSIZE];
    CHECK(t_put(&fs, "/big", big, sizeof big) > 0);
    CHECK_EQ(dfs_sync(&fs), 0);
    CHECK_EQ(t_get(&fs, "/big", big, sizeof big), sizeof big);
    CHECK(gen[old.page] != old.gen);

    /* Bad input. */
    CHECK_EQ(dfs_read_map(&fs, 0, 0, 10, x, 8), -DFS_EBADF);
    CHECK_EQ(dfs_read_map(&fs, 999999, 0, 10, x, 8), -DFS_EBADF);
    CHECK_EQ(dfs_read_map(&fs, 1, 0, 10, x, 8), -DFS_EISDIR);
    CHECK_EQ(dfs_read_map(&fs, (uint32_t)ino, 0, 10, x, 0), 0);
    CHECK_EQ(dfs_read_map(&fs, (uint32_t)ino, 0, 10, NULL, 8), -DFS_EINVAL);
    CHECK_EQ(dfs_read_map(&fs, (uint32_t)ino, UINT64_MAX, UINT64_MAX, x, 8), 0);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);

    /* Without counters there is no zero-copy read. */
    CHECK_EQ(hostdev_mount(&fs, &dev, NBUF, &t_hooks), 0);
    CHECK_EQ(dfs_read_map(&fs, (uint32_t)ino, 0, 10, x, 8), -DFS_EINVAL);
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    ramdisk_free(&rd);
}
