/* t_diskfs's crash mode (included by t_diskfs.c): crash consistency of the
 * disk file system in the guest, on the real virtio disk.
 * tools/diskfs-crash.sh boots init=t_diskfs with blkcrash=0 on an image
 * whose block 0 holds the parameters ("DFSCRASH"); the file system is on
 * blocks 1 and up.
 *
 * Mode 1 (the cr_workload): makes the file system, arms the kernel's crash
 * point (the machine stops at the N-th block write from then on), then
 * appends records to four logs, replaces /config by rename, makes and
 * removes junk files, truncates, and fsyncs, printing "ack" with every
 * log's record count and the config version each time an fsync returns.
 * With N = 0 it runs to the end and prints how many blocks it wrote.
 *
 * Mode 2 (after the crash, the next boot): checks the image (dfs_check),
 * mounts it (journal replay), and checks that each log holds cr_whole records
 * with the right bytes, at least as many as the last ack said, that
 * /config is a cr_whole version at least as new as acknowledged, then that
 * the file system still works and checks clean after. */

struct param {
    char magic[8]; /* "DFSCRASH" */
    uint32_t mode; /* 1 cr_workload, 2 cr_verify */
    uint32_t crash_after;
    uint32_t seed;
    uint32_t acked[4]; /* mode 2: records acknowledged per log */
    uint32_t acked_config;
};

#define CR_NBUF 160
#define CR_OPS  600

static uint8_t cr_cache[(CR_NBUF + 64) * 4096] __attribute__((aligned(4096)));
static uint8_t cr_scratch[96 * 4096] __attribute__((aligned(4096)));
static uint8_t cr_page[4096] __attribute__((aligned(4096)));
static uint8_t cr_rec[4096], cr_back[4096];
static struct dfs cr_fs;
static struct blkdev cr_part;
static struct dfs_dev cr_dev;

static uint32_t cr_rl(uint32_t k, uint32_t j) /* the length of record j of log k */
{
    return 300 + (k * 7919 + j * 104729) % 3000;
}

static void cr_make_rec(uint32_t k, uint32_t j, uint8_t *p)
{
    uint32_t n = cr_rl(k, j);
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(k * 31 + j * 7 + i * 13 + (i >> 8));
}

static void cr_make_config(uint32_t v, uint8_t *p) /* 2,000 bytes */
{
    for (uint32_t i = 0; i < 2000; i++)
        p[i] = (uint8_t)(v * 17 + i);
    memcpy(p, &v, 4);
}

static int64_t cr_clk;
static int64_t cr_now(void *ctx)
{
    (void)ctx;
    return ++cr_clk;
}

static int cr_workload(long disk, struct param *pm)
{
    static uint8_t mk[4096] __attribute__((aligned(4096)));
    struct dfs_hooks h = {.now = cr_now};
    if (dfs_mkfs(&cr_dev, 512, 64, 1, mk) < 0 ||
        dfs_mount(&cr_fs, &cr_dev, &h, cr_cache, sizeof cr_cache) < 0) {
        printf("t_diskfs: cannot make the file system\n");
        return 1;
    }
    uint32_t count[4] = {0}, config = 0;
    char path[32];
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "/log%d", k);
        dfs_create(&cr_fs, path, 0644);
    }
    dfs_sync(&cr_fs);
    long w0 = sys_blk_ctl((uint32_t)disk, BLKCTL_WRITTEN, 0);
    if (pm->crash_after) {
        long a = sys_blk_ctl((uint32_t)disk, BLKCTL_CRASH_AFTER, pm->crash_after);
        printf("t_diskfs: crash point at block write %u from now (%ld)\n", pm->crash_after, a);
        if (a < 0)
            return 1;
    }
    uint32_t r = pm->seed * 2654435761u + 1;
    for (int i = 0; i < CR_OPS; i++) {
        r ^= r << 13;
        r ^= r >> 17;
        r ^= r << 5;
        uint32_t op = r % 100, k = (r >> 8) % 4;
        if (op < 55) {
            snprintf(path, sizeof path, "/log%u", k);
            int f = dfs_lookup(&cr_fs, path);
            struct dfs_stat st;
            cr_make_rec(k, count[k], cr_rec);
            if (f > 0 && dfs_stat(&cr_fs, (uint32_t)f, &st) == 0 &&
                dfs_write(&cr_fs, (uint32_t)f, st.size, cr_rec, cr_rl(k, count[k])) ==
                    cr_rl(k, count[k]))
                count[k]++;
        } else if (op < 70) {
            snprintf(path, sizeof path, "/log%u", k);
            int f = dfs_lookup(&cr_fs, path);
            if (f > 0 && dfs_fsync(&cr_fs, (uint32_t)f) == 0)
                printf("ack %u %u %u %u %u\n", count[0], count[1], count[2], count[3], config);
        } else if (op < 80) {
            cr_make_config(config + 1, cr_rec);
            int f = dfs_open(&cr_fs, "/config.tmp", DFS_O_CREAT | DFS_O_WRITE | DFS_O_TRUNC, 0644);
            if (f > 0 && dfs_write(&cr_fs, (uint32_t)f, 0, cr_rec, 2000) == 2000 &&
                dfs_close(&cr_fs, (uint32_t)f) == 0 &&
                dfs_rename(&cr_fs, "/config.tmp", "/config") == 0)
                config++;
        } else if (op < 92) {
            snprintf(path, sizeof path, "/junk%u", (r >> 12) % 8);
            if (dfs_unlink(&cr_fs, path) < 0) {
                int f = dfs_create(&cr_fs, path, 0644);
                for (uint32_t b = 0; f > 0 && b < (r >> 16) % 24; b++)
                    dfs_write(&cr_fs, (uint32_t)f, (uint64_t)b * 4096, cr_page, 4096);
            }
        } else {
            snprintf(path, sizeof path, "/junk%u", (r >> 12) % 8);
            int f = dfs_lookup(&cr_fs, path);
            if (f > 0)
                dfs_truncate(&cr_fs, (uint32_t)f, (r >> 16) % 50000);
        }
    }
    dfs_sync(&cr_fs);
    printf("ack %u %u %u %u %u\n", count[0], count[1], count[2], count[3], config);
    printf("t_diskfs: done, %ld block writes\n",
           sys_blk_ctl((uint32_t)disk, BLKCTL_WRITTEN, 0) - w0);
    return 0;
}

static int cr_verify(struct param *pm)
{
    struct dfs_check ck;
    int e = dfs_check(&cr_dev, cr_scratch, sizeof cr_scratch, &ck, NULL, NULL);
    if (e != 0) {
        printf("t_diskfs: fsck before mount: %d problems: %s\n", e, ck.first);
        return 1;
    }
    struct dfs_hooks h = {.now = cr_now};
    if ((e = dfs_mount(&cr_fs, &cr_dev, &h, cr_cache, sizeof cr_cache)) < 0) {
        printf("t_diskfs: mount %d\n", e);
        return 1;
    }
    int bad = 0;
    char path[32];
    for (uint32_t k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "/log%u", k);
        int f = dfs_lookup(&cr_fs, path);
        struct dfs_stat st;
        if (f < 0 || dfs_stat(&cr_fs, (uint32_t)f, &st) < 0) {
            printf("t_diskfs: %s missing\n", path);
            bad++;
            continue;
        }
        uint64_t off = 0;
        uint32_t j = 0;
        while (off < st.size) {
            uint32_t n = cr_rl(k, j);
            cr_make_rec(k, j, cr_rec);
            if (off + n > st.size || dfs_read(&cr_fs, (uint32_t)f, off, cr_back, n) != n ||
                memcmp(cr_rec, cr_back, n) != 0) {
                printf("t_diskfs: %s: record %u at %lu is wrong\n", path, j, (unsigned long)off);
                bad++;
                break;
            }
            off += n;
            j++;
        }
        if (j < pm->acked[k]) {
            printf("t_diskfs: %s: %u records, %u acknowledged\n", path, j, pm->acked[k]);
            bad++;
        }
    }
    int f = dfs_lookup(&cr_fs, "/config");
    if (f > 0) {
        uint32_t v;
        if (dfs_read(&cr_fs, (uint32_t)f, 0, cr_back, 4096) != 2000 ||
            (memcpy(&v, cr_back, 4), 0) ||
            (cr_make_config(v, cr_rec), memcmp(cr_rec, cr_back, 2000) != 0) ||
            v < pm->acked_config) {
            printf("t_diskfs: /config is not a cr_whole version >= %u\n", pm->acked_config);
            bad++;
        }
    } else if (pm->acked_config) {
        printf("t_diskfs: /config missing, version %u acknowledged\n", pm->acked_config);
        bad++;
    }
    /* Still works. */
    f = dfs_open(&cr_fs, "/after", DFS_O_CREAT | DFS_O_WRITE, 0644);
    if (f < 0 || dfs_write(&cr_fs, (uint32_t)f, 0, "ok", 2) != 2 ||
        dfs_close(&cr_fs, (uint32_t)f) < 0 || dfs_unmount(&cr_fs, false) < 0) {
        printf("t_diskfs: not usable after recovery\n");
        bad++;
    }
    if ((e = dfs_check(&cr_dev, cr_scratch, sizeof cr_scratch, &ck, NULL, NULL)) != 0) {
        printf("t_diskfs: fsck after recovery: %d problems: %s\n", e, ck.first);
        bad++;
    }
    if (!bad)
        printf("t_diskfs: cr_verify ok (journal %s)\n", ck.log_state == 0 ? "empty" : "not empty");
    return bad != 0;
}

/* Crash mode: block 0 of the disk (read through whole, open) held the
 * parameters. */
static int crash_main(long disk, struct blkdev *whole, const uint8_t *block0)
{
    struct param pm;
    memcpy(&pm, block0, sizeof pm);
    (void)whole;
    long sub =
        sys_blk_derive((uint32_t)disk, 1, blk_nblocks(whole) - 1, R_READ | R_WRITE, CAP_SELF);
    if (sub < 0 || blk_open(&cr_part, (uint32_t)sub, 0x00006c0000100000UL) < 0) {
        printf("t_diskfs: crash mode: cannot open the file system's range\n");
        return 1;
    }
    dfs_blkdev(&cr_dev, &cr_part);
    return pm.mode == 1 ? cr_workload(disk, &pm) : cr_verify(&pm);
}
