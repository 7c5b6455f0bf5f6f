/*
 * test_crash.c - crash consistency.
 *
 * A block device wrapper keeps two images: what the file system has
 * written (cur) and what is sure to be on the platter (durable: every
 * write before the last flush).  A workload of creates, appends,
 * overwrites, renames, links, unlinks, truncates, mkdir/rmdir, fsyncs and
 * syncs runs once to learn the state after each operation (a hash of the
 * whole tree: names, types, sizes, link counts, contents) and the number
 * of block writes W.  Then, for each crash point k in 1..W (drawn at
 * random), the same workload runs again from the same image and "loses
 * power" at write k: the disk becomes durable plus a random subset of the
 * writes since the last flush (none, all, a prefix, or any subset in any
 * order; write k is one of them).  On that image:
 *   - fsck (which reads a committed journal as replayed) finds nothing;
 *   - mount replays the journal; fsck after unmount finds nothing;
 *   - the tree equals the state after some operation between the last
 *     fsync/sync that returned (nothing acknowledged is lost) and the end
 *     of the operation that was cut (each operation atomic);
 *   - the file system still works (a create, a write, a sync, fsck).
 */
#include <stdlib.h>

#include "test.h"

#define NBLOCKS 2048
#define MAXOPS  400

struct crashdev {
    uint8_t *cur, *durable;
    struct {
        uint32_t b;
        uint8_t *data;
    } pend[4096];
    int npend;
    long writes, crash_at;
    bool crashed;
    uint32_t rng;
};

static uint32_t xr(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static int cd_read(void *ctx, uint64_t b, uint32_t n, void *buf)
{
    struct crashdev *c = ctx;
    if (c->crashed || b + n > NBLOCKS)
        return -DFS_EIO;
    memcpy(buf, c->cur + b * DFS_BSIZE, (size_t)n * DFS_BSIZE);
    return 0;
}

/* Power is lost: durable gets a random subset of the pending writes. */
static void crash(struct crashdev *c)
{
    int mode = (int)(xr(&c->rng) % 4), n = c->npend;
    int order[4096];
    for (int i = 0; i < n; i++)
        order[i] = i;
    int keep = mode == 0 ? 0 : mode == 1 ? n : (int)(xr(&c->rng) % (unsigned)(n + 1));
    if (mode == 3) /* any subset in any order */
        for (int i = n - 1; i > 0; i--) {
            int j = (int)(xr(&c->rng) % (unsigned)(i + 1)), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    for (int i = 0; i < keep; i++) {
        int p = order[i];
        memcpy(c->durable + (size_t)c->pend[p].b * DFS_BSIZE, c->pend[p].data, DFS_BSIZE);
    }
    c->crashed = true;
}

static int cd_write(void *ctx, uint64_t b, uint32_t n, const void *buf)
{
    struct crashdev *c = ctx;
    /* A request of several blocks may be torn: each block is a write of
     * its own, and power may go between any two. */
    for (uint32_t i = 0; i < n; i++) {
        if (c->crashed || b + i >= NBLOCKS || c->npend >= 4096)
            return -DFS_EIO;
        const uint8_t *d = (const uint8_t *)buf + (size_t)i * DFS_BSIZE;
        memcpy(c->cur + (b + i) * DFS_BSIZE, d, DFS_BSIZE);
        c->pend[c->npend].b = (uint32_t)(b + i);
        memcpy(c->pend[c->npend].data, d, DFS_BSIZE);
        c->npend++;
        if (++c->writes == c->crash_at) {
            crash(c);
            return -DFS_EIO;
        }
    }
    return 0;
}

/* The vectored write (the zero-copy path diskd takes): each block a write
 * of its own, as above. */
static int cd_writev(void *ctx, uint64_t b, uint32_t n, const void *const *bufs)
{
    for (uint32_t i = 0; i < n; i++)
        if (cd_write(ctx, b + i, 1, bufs[i]) < 0)
            return -DFS_EIO;
    return 0;
}

static int cd_flush(void *ctx)
{
    struct crashdev *c = ctx;
    if (c->crashed)
        return -DFS_EIO;
    for (int i = 0; i < c->npend; i++)
        memcpy(c->durable + (size_t)c->pend[i].b * DFS_BSIZE, c->pend[i].data, DFS_BSIZE);
    c->npend = 0;
    return 0;
}

static int64_t crash_clock;
static int64_t crash_now(void *ctx)
{
    (void)ctx;
    return ++crash_clock;
}

/* ---- the tree's hash ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(((const struct dfs_dirent *)a)->name, ((const struct dfs_dirent *)b)->name);
}

static uint64_t hash_dir(struct dfs *fs, uint32_t dir, uint64_t h, int depth)
{
    static struct dfs_dirent ents[8][256];
    struct dfs_dirent *e = ents[depth];
    int n = 0;
    uint64_t pos = 2;
    while (n < 256 && dfs_readdir(fs, dir, &pos, &e[n]) == 1)
        n++;
    qsort(e, (size_t)n, sizeof e[0], cmp_names);
    static uint8_t buf[1 << 20];
    for (int i = 0; i < n; i++) {
        struct dfs_stat st;
        if (dfs_stat(fs, e[i].ino, &st) != 0)
            return 0;
        h = fnv(h, e[i].name, strlen(e[i].name) + 1);
        uint64_t f[3] = {st.mode, st.nlink, st.size};
        h = fnv(h, f, sizeof f);
        if (DFS_S_ISDIR(st.mode) && depth < 7) {
            h = hash_dir(fs, e[i].ino, h, depth + 1);
        } else if (st.size > (1 << 20)) {
            /* /sparse: written only in 64-byte pieces at multiples of
             * 128 KiB, so those windows are its contents. */
            for (uint64_t off = 0; off < st.size; off += 128 * 1024) {
                int64_t r = dfs_read(fs, e[i].ino, off, buf, 64);
                if (r < 0)
                    return 0;
                h = fnv(h, buf, (size_t)r);
            }
        } else {
            for (uint64_t off = 0; off < st.size; off += sizeof buf) {
                int64_t r = dfs_read(fs, e[i].ino, off, buf, sizeof buf);
                if (r < 0)
                    return 0;
                h = fnv(h, buf, (size_t)r);
            }
        }
    }
    return h;
}

static uint64_t tree_hash(struct dfs *fs)
{
    return hash_dir(fs, 1, 1469598103934665603ull, 0);
}

/* ---- the workload ---- */

struct run {
    uint64_t hash[MAXOPS + 1]; /* the tree after each operation (0: before any) */
    int synced[MAXOPS + 1];    /* operations done when the last fsync/sync returned */
    int ops;                   /* operations completed */
    long writes;
    int fsyncs;
};

static void fname(char *p, size_t cap, uint32_t r)
{
    static const char *const dirs[] = {"", "/d0", "/d1", "/d0/s"};
    snprintf(p, cap, "%s/f%u", dirs[r % 4], (r >> 2) % 12);
}

/* Runs the workload of seed on c; records states when hashes is set.
 * Stops at the crash. */
static void workload(struct crashdev *c, unsigned seed, int nops, struct run *out, bool hashes)
{
    struct dfs_dev dev = {c, NBLOCKS, cd_read, cd_write, cd_flush, NULL, cd_writev};
    struct dfs_hooks hooks = {.now = crash_now};
    crash_clock = 0;
    static struct dfs fs;
    if (hostdev_mount(&fs, &dev, 96, &hooks) != 0) {
        printf("FAIL: mount before the workload\n");
        g_fail++;
        return;
    }
    uint32_t r = seed * 2654435761u + 7;
    static uint8_t data[64 * 1024];
    out->ops = 0;
    if (hashes) {
        out->hash[0] = tree_hash(&fs);
        out->synced[0] = 0;
    }
    int synced = 0;
    for (int i = 0; i < nops && !c->crashed; i++) {
        char a[64], b[64];
        fname(a, sizeof a, xr(&r));
        fname(b, sizeof b, xr(&r));
        uint32_t op = xr(&r) % 100, x = xr(&r);
        for (size_t k = 0; k < sizeof data; k += 4)
            memcpy(data + k, &x, 4), x = x * 1103515245u + 12345u;
        int ino = dfs_lookup(&fs, a);
        struct dfs_stat st;
        if (op < 20) { /* append */
            if (ino > 0 && dfs_stat(&fs, (uint32_t)ino, &st) == 0)
                dfs_write(&fs, (uint32_t)ino, st.size, data, 1 + x % 9000);
        } else if (op < 28) { /* overwrite inside */
            if (ino > 0 && dfs_stat(&fs, (uint32_t)ino, &st) == 0 && st.size)
                dfs_write(&fs, (uint32_t)ino, x % st.size, data, 1 + x % 5000);
        } else if (op < 40) { /* create with data */
            int f = dfs_open(&fs, a, DFS_O_CREAT | DFS_O_WRITE | DFS_O_EXCL, 0644);
            if (f > 0) {
                dfs_write(&fs, (uint32_t)f, 0, data, x % 20000);
                dfs_close(&fs, (uint32_t)f);
            }
        } else if (op < 48) { /* rename: files, sometimes directories */
            if (x % 5 == 0)
                dfs_rename(&fs, x % 2 ? "/d0/s" : "/d1", x % 3 ? "/d1/s" : "/d0/t");
            else
                dfs_rename(&fs, a, b);
        } else if (op < 56) {
            dfs_unlink(&fs, a);
        } else if (op < 60) {
            static const char *const ds[] = {"/d0", "/d1", "/d0/s", "/d1/s"};
            if (x % 3)
                dfs_mkdir(&fs, ds[x % 4], 0755);
            else
                dfs_rmdir(&fs, ds[x % 4]);
        } else if (op < 65) {
            dfs_link(&fs, a, b);
        } else if (op < 71) { /* truncate */
            if (ino > 0 && dfs_stat(&fs, (uint32_t)ino, &st) == 0)
                dfs_truncate(&fs, (uint32_t)ino, x % 2 ? 0 : x % (st.size + 30000));
        } else if (op < 77) { /* scattered small writes: many index blocks */
            int f = dfs_open(&fs, "/sparse", DFS_O_CREAT | DFS_O_WRITE, 0644);
            if (f > 0) {
                dfs_write(&fs, (uint32_t)f, (uint64_t)(x % 4096) * 128 * 1024, data, 64);
                dfs_close(&fs, (uint32_t)f);
            }
        } else if (op < 79) {
            int f = dfs_lookup(&fs, "/sparse");
            if (f > 0)
                dfs_truncate(&fs, (uint32_t)f, (uint64_t)(x % 64) * 1024 * 1024);
        } else if (op < 95) { /* fsync */
            if (ino > 0 && dfs_fsync(&fs, (uint32_t)ino) == 0) {
                synced = i + 1;
                out->fsyncs++;
            }
        } else {
            if (dfs_sync(&fs) == 0) {
                synced = i + 1;
                out->fsyncs++;
            }
        }
        if (c->crashed)
            break;
        out->ops = i + 1;
        if (hashes) {
            out->hash[i + 1] = tree_hash(&fs);
            out->synced[i + 1] = synced;
        }
    }
    out->writes = c->writes;
    if (!c->crashed) {
        if (dfs_unmount(&fs, true) != 0) {
            printf("FAIL: unmount after the workload\n");
            g_fail++;
        }
    }
    free(fs.mem);
    /* What fsync promised: the last state synced before the crash. */
    out->synced[MAXOPS] = synced;
}

static void cd_init(struct crashdev *c, const uint8_t *image, long crash_at, uint32_t rng)
{
    c->npend = 0;
    c->writes = 0;
    c->crash_at = crash_at;
    c->crashed = false;
    c->rng = rng | 1;
    memcpy(c->cur, image, (size_t)NBLOCKS * DFS_BSIZE);
    memcpy(c->durable, image, (size_t)NBLOCKS * DFS_BSIZE);
}

static int crash_one(int points, unsigned seed, bool verbose, int *lostp)
{
    struct ramdisk rd;
    struct dfs_dev rdev;
    static uint8_t blk[DFS_BSIZE];
    ramdisk_init(&rd, &rdev, NBLOCKS);
    CHECK_EQ(dfs_mkfs(&rdev, 256, 64, 1, blk), 0);
    uint8_t *image = malloc((size_t)NBLOCKS * DFS_BSIZE);
    memcpy(image, rd.data, (size_t)NBLOCKS * DFS_BSIZE);
    static struct crashdev c;
    c.cur = malloc((size_t)NBLOCKS * DFS_BSIZE);
    c.durable = malloc((size_t)NBLOCKS * DFS_BSIZE);
    for (int i = 0; i < 4096; i++)
        c.pend[i].data = malloc(DFS_BSIZE);

    /* The reference run. */
    static struct run ref, run;
    memset(&ref, 0, sizeof ref);
    cd_init(&c, image, -1, 1);
    int nops = MAXOPS - 1;
    workload(&c, seed, nops, &ref, true);
    CHECK_EQ(ref.ops, nops);
    long W = ref.writes;
    CHECK(W > 100);
    if (verbose)
        printf("crash: seed %u: %d operations, %d fsync/sync, %ld block writes; %d crash "
               "points\n",
               seed, ref.ops, ref.fsyncs, W, points);

    uint32_t r = seed * 747796405u + 1;
    int failures = 0, replayed = 0, torn = 0, lost = 0;
    for (int p = 0; p < points; p++) {
        long k = 1 + (long)(xr(&r) % (uint32_t)W);
        memset(&run, 0, sizeof run);
        cd_init(&c, image, k, xr(&r));
        workload(&c, seed, nops, &run, false);
        if (!c.crashed) {
            printf("FAIL: crash point %ld not reached\n", k);
            failures++;
            continue;
        }
        /* The op cut is run.ops (0-based); promised: run.synced[MAXOPS]. */
        int cut = run.ops, promised = run.synced[MAXOPS];
        memcpy(rd.data, c.durable, (size_t)NBLOCKS * DFS_BSIZE);
        struct dfs_check ck;
        int e = hostdev_check(&rdev, &ck, false);
        if (ck.log_state == 1)
            replayed++;
        if (ck.log_state == 2)
            torn++;
        bool bad = false;
        if (e != 0) {
            printf("FAIL: crash at write %ld (op %d): fsck before mount: %d (%s)\n", k, cut, e,
                   ck.first);
            bad = true;
        }
        static struct dfs fs;
        int m = hostdev_mount(&fs, &rdev, 96, NULL);
        if (m != 0) {
            printf("FAIL: crash at write %ld: mount %d\n", k, m);
            failures++;
            continue;
        }
        uint64_t h = tree_hash(&fs);
        int match = -1;
        for (int j = promised; j <= cut + 1 && j <= ref.ops; j++)
            if (ref.hash[j] == h)
                match = j;
        if (match < 0) {
            int older = -1;
            for (int j = 0; j < promised; j++)
                if (ref.hash[j] == h)
                    older = j;
            printf("FAIL: crash at write %ld (op %d, synced at %d): tree is no state in "
                   "[%d, %d]%s%d\n",
                   k, cut, promised, promised, cut + 1, older >= 0 ? "; it is older state " : "",
                   older);
            bad = true;
            if (older >= 0)
                lost++;
        }
        /* Still usable. */
        int f = dfs_open(&fs, "/after-crash", DFS_O_CREAT | DFS_O_WRITE, 0644);
        if (f < 0 || dfs_write(&fs, (uint32_t)f, 0, "ok", 2) != 2 || dfs_close(&fs, (uint32_t)f) ||
            dfs_sync(&fs) != 0) {
            printf("FAIL: crash at write %ld: not usable after recovery\n", k);
            bad = true;
        }
        if (hostdev_umount(&fs, false) != 0)
            bad = true;
        if ((e = hostdev_check(&rdev, &ck, false)) != 0) {
            printf("FAIL: crash at write %ld: fsck after recovery: %d (%s)\n", k, e, ck.first);
            bad = true;
        }
        failures += bad;
    }
    CHECK_EQ(failures, 0);
    if (verbose)
        printf("crash: seed %u: %d crash points, %d failed (%d lost acknowledged data); "
               "journal at the crash: %d committed (replayed), %d torn (ignored)\n",
               seed, points, failures, lost, replayed, torn);
    *lostp += lost;
    for (int i = 0; i < 4096; i++)
        free(c.pend[i].data);
    free(c.cur);
    free(c.durable);
    free(image);
    ramdisk_free(&rd);
    return failures;
}

/* points crash points, at most 100 per workload: seeds seed, seed+1, ... */
void test_crash(int points, unsigned seed, bool verbose)
{
    int failures = 0, lost = 0, done = 0;
    for (unsigned s = seed; done < points; s++) {
        int n = points - done < 100 ? points - done : 100;
        failures += crash_one(n, s, verbose, &lost);
        done += n;
    }
    if (verbose)
        printf("crash: total %d crash points, %d failed, %d lost acknowledged data\n", done,
               failures, lost);
}
