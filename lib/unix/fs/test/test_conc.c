/*
 * test_conc.c - several fork()ed processes share one MAP_SHARED region and
 * hammer it (create, write, read back, rename, unlink, mkdir/rmdir,
 * readdir), with consistency checks while they run and after; then
 * processes are killed at random points (maybe holding the lock) and
 * fs_break_lock must leave a consistent file system.
 */
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define MB     (1024 * 1024)
#define NCHILD 4
#define ITER   300
#define RECSZ  8

static void yield_hook(void)
{
    sched_yield();
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
}

#define FAILC(...)                                                                                 \
    do {                                                                                           \
        printf("child %d iter %d: ", id, k);                                                       \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        fflush(stdout);                                                                            \
        _exit(1);                                                                                  \
    } while (0)

/* One child's work (iters < 0: until killed); exits 0 if every result was
 * one it could expect.  strict: also run fs_check now and then, and accept
 * no leftovers of killed processes. */
static void child(void *base, size_t size, int id, int iters, bool strict)
{
    struct fs fs;
    int k = -1;
    if (fs_attach(&fs, base, size, yield_hook, 100 + (uint32_t)id) != 0)
        FAILC("attach");
    static uint8_t wbuf[80000], rbuf[80000];
    char p1[64], p2[64], p3[64];
    int log = fs_open(&fs, "/shared/log", FS_O_CREAT);
    if (log < 0)
        FAILC("open log %d", log);
    for (k = 0; iters < 0 || k < iters; k++) {
        /* A private file: create/truncate, write, read back. */
        snprintf(p1, sizeof p1, "/c%d/f%d", id, k % 8);
        int f = fs_open(&fs, p1, FS_O_CREAT | FS_O_TRUNC);
        if (f < 0)
            FAILC("open %s: %d", p1, f);
        size_t n = ((size_t)k * 7919 + (size_t)id * 104729) % sizeof wbuf;
        pattern(wbuf, n, (unsigned)(id * 100000 + k));
        int64_t w = fs_write(&fs, (uint32_t)f, 0, wbuf, n);
        if (w != (int64_t)n)
            FAILC("write %s: %lld", p1, (long long)w);
        int64_t r = fs_read(&fs, (uint32_t)f, 0, rbuf, sizeof rbuf);
        if (r != (int64_t)n || memcmp(wbuf, rbuf, n) != 0)
            FAILC("read back %s: %lld of %zu", p1, (long long)r, n);
        /* Move it to the shared directory, replacing; delete a neighbour's. */
        snprintf(p2, sizeof p2, "/shared/x%d_%d", id, k % 5);
        int e = fs_rename(&fs, p1, p2);
        if (e != 0)
            FAILC("rename %s %s: %d", p1, p2, e);
        /* Still readable through the open reference. */
        r = fs_read(&fs, (uint32_t)f, 0, rbuf, sizeof rbuf);
        if (r != (int64_t)n || memcmp(wbuf, rbuf, n) != 0)
            FAILC("read after rename: %lld", (long long)r);
        snprintf(p3, sizeof p3, "/shared/x%d_%d", (id + 1) % NCHILD, k % 5);
        e = fs_unlink(&fs, p3);
        if (e != 0 && e != -FS_ENOENT)
            FAILC("unlink %s: %d", p3, e);
        if ((e = fs_unref(&fs, (uint32_t)f)) != 0)
            FAILC("unref: %d", e);

        /* Shared directories appearing and disappearing. */
        snprintf(p1, sizeof p1, "/shared/d%d", k % 3);
        snprintf(p2, sizeof p2, "/shared/d%d/y%d", k % 3, id);
        e = fs_mkdir(&fs, p1);
        if (e < 0 && e != -FS_EEXIST)
            FAILC("mkdir %s: %d", p1, e);
        e = fs_create(&fs, p2, FS_TYPE_FILE);
        /* EEXIST only from a killed predecessor (test_kill). */
        if (e < 0 && e != -FS_ENOENT && (strict || e != -FS_EEXIST))
            FAILC("create %s: %d", p2, e);
        e = fs_unlink(&fs, p2);
        if (e < 0 && e != -FS_ENOENT)
            FAILC("unlink %s: %d", p2, e);
        e = fs_rmdir(&fs, p1);
        if (e < 0 && e != -FS_ENOENT && e != -FS_ENOTEMPTY)
            FAILC("rmdir %s: %d", p1, e);

        /* A record in the shared log, at this child's own offset. */
        uint8_t rec[RECSZ];
        memcpy(rec, &id, 4);
        memcpy(rec + 4, &k, 4);
        if (iters > 0 && fs_write(&fs, (uint32_t)log, ((uint64_t)id * iters + (uint64_t)k) * RECSZ,
                                  rec, RECSZ) != RECSZ)
            FAILC("log write");

        /* List the shared directory while others change it. */
        int sh = fs_lookup(&fs, "/shared");
        struct fs_dirent de;
        uint32_t pos = 0;
        int cnt = 0;
        while ((e = fs_readdir(&fs, (uint32_t)sh, &pos, &de)) == 1) {
            cnt++;
            if (de.name[0] == '\0' || strchr(de.name, '/'))
                FAILC("bad name in readdir");
        }
        if (e < 0 || cnt < 3)
            FAILC("readdir: %d, %d entries", e, cnt);

        if (strict && k % 50 == 49 && (e = fs_check(&fs, false)) != 0)
            FAILC("fs_check found %d problems", e);
    }
    fs_unref(&fs, (uint32_t)log);
    _exit(0);
}

static void test_hammer(void)
{
    struct fs fs;
    size_t size = 32 * MB;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs), istart = fs_free_inodes(&fs);
    char path[64];
    CHECK(fs_mkdir(&fs, "/shared") > 0);
    for (int i = 0; i < NCHILD; i++) {
        snprintf(path, sizeof path, "/c%d", i);
        CHECK(fs_mkdir(&fs, path) > 0);
    }
    fflush(stdout);
    pid_t pids[NCHILD];
    for (int i = 0; i < NCHILD; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            child(base, size, i, ITER, true);
    }
    int ok = 0;
    for (int i = 0; i < NCHILD; i++) {
        int st;
        waitpid(pids[i], &st, 0);
        ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    CHECK_EQ(ok, NCHILD);
    CHECK_EQ(fs_check(&fs, false), 0);

    /* Every log record is where its writer put it. */
    int log = fs_lookup(&fs, "/shared/log");
    struct fs_stat st;
    CHECK_EQ(fs_stat(&fs, (uint32_t)log, &st), 0);
    CHECK_EQ(st.size, NCHILD * ITER * RECSZ);
    CHECK_EQ(st.refs, 0);
    static uint8_t logbuf[NCHILD * ITER * RECSZ];
    CHECK_EQ(fs_read(&fs, (uint32_t)log, 0, logbuf, sizeof logbuf), sizeof logbuf);
    int recs = 1;
    for (int i = 0; i < NCHILD; i++)
        for (int k = 0; k < ITER; k++) {
            int a, b;
            memcpy(&a, logbuf + (i * ITER + k) * RECSZ, 4);
            memcpy(&b, logbuf + (i * ITER + k) * RECSZ + 4, 4);
            recs &= a == i && b == k;
        }
    CHECK(recs);
    /* The surviving shared files hold their writer's last pattern. */
    static uint8_t wbuf[80000], rbuf[80000];
    int files = 0, good = 1;
    for (int i = 0; i < NCHILD; i++)
        for (int m = 0; m < 5; m++) {
            snprintf(path, sizeof path, "/shared/x%d_%d", i, m);
            int f = fs_lookup(&fs, path);
            if (f < 0)
                continue;
            files++;
            int k = ITER - 1;
            while (k % 5 != m)
                k--;
            size_t n = ((size_t)k * 7919 + (size_t)i * 104729) % sizeof wbuf;
            pattern(wbuf, n, (unsigned)(i * 100000 + k));
            good &= fs_read(&fs, (uint32_t)f, 0, rbuf, sizeof rbuf) == (int64_t)n &&
                    memcmp(wbuf, rbuf, n) == 0;
        }
    CHECK(files > 0);
    CHECK(good);
    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_free_inodes(&fs), istart);
    CHECK_EQ(fs_check(&fs, false), 0);
    t_region_free(base, size);
}

/* Children are killed at random moments; the survivors' view is repaired
 * by fs_break_lock.  Their open references die with them; as the process
 * layer would, the parent drops them (here: every reference in the fs,
 * since the parent holds none). */
static void test_kill(void)
{
    struct fs fs;
    size_t size = 32 * MB;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs), istart = fs_free_inodes(&fs);
    char path[64];
    int broken = 0, consistent = 1, rounds = 12;
    srand((unsigned)time(NULL));
    for (int round = 0; round < rounds; round++) {
        CHECK(fs_mkdir(&fs, "/shared") > 0 || fs_lookup(&fs, "/shared") > 0);
        for (int i = 0; i < NCHILD; i++) {
            snprintf(path, sizeof path, "/c%d", i);
            int r = fs_mkdir(&fs, path);
            CHECK(r > 0 || r == -FS_EEXIST);
        }
        fflush(stdout);
        pid_t pids[NCHILD];
        for (int i = 0; i < NCHILD; i++) {
            pids[i] = fork();
            if (pids[i] == 0)
                child(base, size, i, -1, false);
        }
        struct timespec ts = {0, (long)(5 + rand() % 40) * 1000000L};
        nanosleep(&ts, NULL);
        for (int i = 0; i < NCHILD; i++)
            kill(pids[i], SIGKILL);
        int killed = 0;
        for (int i = 0; i < NCHILD; i++) {
            int st;
            waitpid(pids[i], &st, 0);
            killed += WIFSIGNALED(st);
        }
        CHECK_EQ(killed, NCHILD);
        int b = 0;
        for (int i = 0; i < NCHILD; i++)
            b += fs_break_lock(&fs, 100 + (uint32_t)i);
        CHECK(b <= 1);
        broken += b;
        /* Drop the dead processes' references (fs_unref by hand). */
        int sh = fs_lookup(&fs, "/shared");
        CHECK(sh > 0);
        for (uint32_t ino = 2; ino < 20000; ino++) {
            struct fs_stat st;
            if (fs_stat(&fs, ino, &st) == 0)
                while (st.refs-- > 0)
                    fs_unref(&fs, ino);
        }
        int c = fs_check(&fs, false);
        if (c != 0)
            printf("  round %d: fs_check found %d problems (lock broken: %d)\n", round, c, b);
        consistent &= c == 0;
        if (round % 3 == 2) {
            CHECK_EQ(t_rm_rf(&fs, "/"), 0);
            CHECK_EQ(fs_free_blocks(&fs), start);
            CHECK_EQ(fs_free_inodes(&fs), istart);
        }
    }
    CHECK(consistent);
    printf("  kill test: lock broken in %d of %d rounds\n", broken, rounds);
    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_free_inodes(&fs), istart);
    CHECK_EQ(fs_check(&fs, false), 0);
    t_region_free(base, size);
}

void test_conc(void)
{
    test_hammer();
    test_kill();
}
