/*
 * test_random.c - randomized tests: file data against a model buffer, and
 * random path operations checked with fs_check.
 */
#include <stdlib.h>

#include "test.h"

#define MB (1024 * 1024)

/* Random writes, truncates and reads on one file, compared with a plain
 * buffer.  Offsets reach past 4 MiB, so the double-indirect tree is used. */
static void test_model(void)
{
    struct fs fs;
    size_t size = 24 * MB, cap = 6 * MB;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs);
    uint8_t *model = calloc(1, cap), *rd = malloc(cap), *src = malloc(64 * 1024);
    uint64_t msize = 0;
    int f = fs_create(&fs, "/m", FS_TYPE_FILE);
    srand(99);
    int ok = 1;
    for (int it = 0; it < 4000 && ok; it++) {
        int op = rand() % 10;
        uint64_t off = (uint64_t)rand() % cap;
        size_t n = (size_t)(rand() % (rand() % 4 ? 9000 : 65536));
        if (op < 5) { /* write */
            if (off + n > cap)
                n = cap - off;
            for (size_t i = 0; i < n; i++)
                src[i] = (uint8_t)rand();
            ok &= fs_write(&fs, (uint32_t)f, off, src, n) == (int64_t)n;
            memcpy(model + off, src, n);
            if (n && off + n > msize)
                msize = off + n;
        } else if (op < 7) { /* truncate, mostly shrinking */
            uint64_t ns = rand() % 3 ? (msize ? (uint64_t)rand() % (msize + 1) : 0) : off;
            ok &= fs_truncate(&fs, (uint32_t)f, ns) == 0;
            if (ns < msize)
                memset(model + ns, 0, msize - ns);
            msize = ns;
        } else { /* read a range */
            int64_t want = off >= msize ? 0 : (int64_t)(msize - off < n ? msize - off : n);
            int64_t got = fs_read(&fs, (uint32_t)f, off, rd, n);
            ok &= got == want && memcmp(rd, model + off, (size_t)want) == 0;
        }
        if (it % 500 == 0) {
            struct fs_stat st;
            ok &= fs_stat(&fs, (uint32_t)f, &st) == 0 && st.size == msize;
            ok &= fs_read(&fs, (uint32_t)f, 0, rd, cap) == (int64_t)msize &&
                  memcmp(rd, model, msize) == 0;
            ok &= fs_check(&fs, false) == 0;
        }
    }
    CHECK(ok);
    CHECK_EQ(fs_read(&fs, (uint32_t)f, 0, rd, cap), msize);
    CHECK(memcmp(rd, model, msize) == 0);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(fs_unlink(&fs, "/m"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    free(model);
    free(rd);
    free(src);
    t_region_free(base, size);
}

/* A random path over a small alphabet, so names collide often. */
static void random_path(char *p, size_t cap)
{
    static const char *parts[] = {"/", "/", "a", "b", "c", ".", "..", "/./", "//", "ab"};
    size_t n = 0, k = 1 + (size_t)rand() % 8;
    p[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        const char *s = parts[rand() % 10];
        size_t l = strlen(s);
        if (n + l + 1 > cap)
            break;
        memcpy(p + n, s, l + 1);
        n += l;
    }
}

static void test_random_paths(void)
{
    struct fs fs;
    size_t size = 2 * MB;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs), istart = fs_free_inodes(&fs);
    char p1[128], p2[128];
    srand(7);
    int ok = 1, created = 0;
    for (int it = 0; it < 20000 && ok; it++) {
        random_path(p1, sizeof p1);
        random_path(p2, sizeof p2);
        int r;
        switch (rand() % 7) {
        case 0:
            r = fs_mkdir(&fs, p1);
            break;
        case 1:
            r = fs_create(&fs, p1, FS_TYPE_FILE);
            if (r > 0)
                fs_write(&fs, (uint32_t)r, (uint64_t)(rand() % 9000), p1, strlen(p1));
            break;
        case 2:
            r = fs_remove(&fs, p1);
            break;
        case 3:
            r = fs_rename(&fs, p1, p2);
            break;
        case 4:
            r = fs_unlink(&fs, p1);
            break;
        case 5:
            r = fs_rmdir(&fs, p1);
            break;
        default:
            r = fs_lookup(&fs, p1);
            break;
        }
        created += r > 0;
        /* Only ordinary errors, never EIO (corruption). */
        ok &= r != -FS_EIO;
        if (it % 1000 == 0)
            ok &= fs_check(&fs, false) == 0;
    }
    CHECK(ok);
    CHECK(created > 100);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_free_inodes(&fs), istart);
    t_region_free(base, size);
}

void test_random(void)
{
    test_model();
    test_random_paths();
}
