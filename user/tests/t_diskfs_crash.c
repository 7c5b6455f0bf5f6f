/* Crash consistency of the disk file system in the guest, on the real
 * virtio disk (tools/diskfs-crash.sh boots it with init=t_diskfs_crash and
 * blkcrash=0; not in the manifest). Block 0 of the disk holds the
 * parameters the host wrote; the file system is on blocks 1 and up.
 *
 * Mode 1 (the workload): makes the file system, arms the kernel's crash
 * point (the machine stops at the N-th block write from then on), then
 * appends records to four logs, replaces /config by rename, makes and
 * removes junk files, truncates, and fsyncs, printing "ack" with every
 * log's record count and the config version each time an fsync returns.
 * With N = 0 it runs to the end and prints how many blocks it wrote.
 *
 * Mode 2 (after the crash, the next boot): checks the image (dfs_check),
 * mounts it (journal replay), and checks that each log holds whole records
 * with the right bytes, at least as many as the last ack said, that
 * /config is a whole version at least as new as acknowledged, then that
 * the file system still works and checks clean after. */
#include "../../lib/exo/exo.h"
#include "../../lib/blk/blk.h"
#include "../../lib/diskfs/blkdev.h"
#include "../../lib/c/libc.h"

struct param {
    char magic[8]; /* "DFSCRASH" */
    uint32_t mode; /* 1 workload, 2 verify */
    uint32_t crash_after;
    uint32_t seed;
    uint32_t acked[4]; /* mode 2: records acknowledged per log */
    uint32_t acked_config;
};

#define NBUF 160
#define OPS  600

static uint8_t cache[(NBUF + 64) * 4096] __attribute__((aligned(4096)));
static uint8_t scratch[96 * 4096] __attribute__((aligned(4096)));
static uint8_t page[4096] __attribute__((aligned(4096)));
static uint8_t rec[4096], back[4096];
static struct dfs fs;
static struct blkdev whole, part;
static struct dfs_dev dev;

static uint32_t rl(uint32_t k, uint32_t j) /* the length of record j of log k */
{
    return 300 + (k * 7919 + j * 104729) % 3000;
}

static void make_rec(uint32_t k, uint32_t j, uint8_t *p)
{
    uint32_t n = rl(k, j);
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(k * 31 + j * 7 + i * 13 + (i >> 8));
}

static void make_config(uint32_t v, uint8_t *p) /* 2,000 bytes */
{
    for (uint32_t i = 0; i < 2000; i++)
        p[i] = (uint8_t)(v * 17 + i);
    memcpy(p, &v, 4);
}

static int64_t clk;
static int64_t now(void *ctx)
{
    (void)ctx;
    return ++clk;
}

static int workload(long disk, struct param *pm)
{
    static uint8_t mk[4096] __attribute__((aligned(4096)));
    struct dfs_hooks h = {.now = now};
    if (dfs_mkfs(&dev, 512, 64, 1, mk) < 0 || dfs_mount(&fs, &dev, &h, cache, sizeof cache) < 0) {
        printf("t_diskfs_crash: cannot make the file system\n");
        return 1;
    }
    uint32_t count[4] = {0}, config = 0;
    char path[32];
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "/log%d", k);
        dfs_create(&fs, path, 0644);
    }
    dfs_sync(&fs);
    long w0 = sys_blk_ctl((uint32_t)disk, BLKCTL_WRITTEN, 0);
    if (pm->crash_after) {
        long a = sys_blk_ctl((uint32_t)disk, BLKCTL_CRASH_AFTER, pm->crash_after);
        printf("t_diskfs_crash: crash point at block write %u from now (%ld)\n", pm->crash_after,
               a);
        if (a < 0)
            return 1;
    }
    uint32_t r = pm->seed * 2654435761u + 1;
    for (int i = 0; i < OPS; i++) {
        r ^= r << 13;
        r ^= r >> 17;
        r ^= r << 5;
        uint32_t op = r % 100, k = (r >> 8) % 4;
        if (op < 55) {
            snprintf(path, sizeof path, "/log%u", k);
            int f = dfs_lookup(&fs, path);
            struct dfs_stat st;
            make_rec(k, count[k], rec);
            if (f > 0 && dfs_stat(&fs, (uint32_t)f, &st) == 0 &&
                dfs_write(&fs, (uint32_t)f, st.size, rec, rl(k, count[k])) == rl(k, count[k]))
                count[k]++;
        } else if (op < 70) {
            snprintf(path, sizeof path, "/log%u", k);
            int f = dfs_lookup(&fs, path);
            if (f > 0 && dfs_fsync(&fs, (uint32_t)f) == 0)
                printf("ack %u %u %u %u %u\n", count[0], count[1], count[2], count[3], config);
        } else if (op < 80) {
            make_config(config + 1, rec);
            int f = dfs_open(&fs, "/config.tmp", DFS_O_CREAT | DFS_O_WRITE | DFS_O_TRUNC, 0644);
            if (f > 0 && dfs_write(&fs, (uint32_t)f, 0, rec, 2000) == 2000 &&
                dfs_close(&fs, (uint32_t)f) == 0 && dfs_rename(&fs, "/config.tmp", "/config") == 0)
                config++;
        } else if (op < 92) {
            snprintf(path, sizeof path, "/junk%u", (r >> 12) % 8);
            if (dfs_unlink(&fs, path) < 0) {
                int f = dfs_create(&fs, path, 0644);
                for (uint32_t b = 0; f > 0 && b < (r >> 16) % 24; b++)
                    dfs_write(&fs, (uint32_t)f, (uint64_t)b * 4096, page, 4096);
            }
        } else {
            snprintf(path, sizeof path, "/junk%u", (r >> 12) % 8);
            int f = dfs_lookup(&fs, path);
            if (f > 0)
                dfs_truncate(&fs, (uint32_t)f, (r >> 16) % 50000);
        }
    }
    dfs_sync(&fs);
    printf("ack %u %u %u %u %u\n", count[0], count[1], count[2], count[3], config);
    printf("t_diskfs_crash: done, %ld block writes\n",
           sys_blk_ctl((uint32_t)disk, BLKCTL_WRITTEN, 0) - w0);
    return 0;
}

static int verify(struct param *pm)
{
    struct dfs_check ck;
    int e = dfs_check(&dev, scratch, sizeof scratch, &ck, NULL, NULL);
    if (e != 0) {
        printf("t_diskfs_crash: fsck before mount: %d problems: %s\n", e, ck.first);
        return 1;
    }
    struct dfs_hooks h = {.now = now};
    if ((e = dfs_mount(&fs, &dev, &h, cache, sizeof cache)) < 0) {
        printf("t_diskfs_crash: mount %d\n", e);
        return 1;
    }
    int bad = 0;
    char path[32];
    for (uint32_t k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "/log%u", k);
        int f = dfs_lookup(&fs, path);
        struct dfs_stat st;
        if (f < 0 || dfs_stat(&fs, (uint32_t)f, &st) < 0) {
            printf("t_diskfs_crash: %s missing\n", path);
            bad++;
            continue;
        }
        uint64_t off = 0;
        uint32_t j = 0;
        while (off < st.size) {
            uint32_t n = rl(k, j);
            make_rec(k, j, rec);
            if (off + n > st.size || dfs_read(&fs, (uint32_t)f, off, back, n) != n ||
                memcmp(rec, back, n) != 0) {
                printf("t_diskfs_crash: %s: record %u at %lu is wrong\n", path, j,
                       (unsigned long)off);
                bad++;
                break;
            }
            off += n;
            j++;
        }
        if (j < pm->acked[k]) {
            printf("t_diskfs_crash: %s: %u records, %u acknowledged\n", path, j, pm->acked[k]);
            bad++;
        }
    }
    int f = dfs_lookup(&fs, "/config");
    if (f > 0) {
        uint32_t v;
        if (dfs_read(&fs, (uint32_t)f, 0, back, 4096) != 2000 || (memcpy(&v, back, 4), 0) ||
            (make_config(v, rec), memcmp(rec, back, 2000) != 0) || v < pm->acked_config) {
            printf("t_diskfs_crash: /config is not a whole version >= %u\n", pm->acked_config);
            bad++;
        }
    } else if (pm->acked_config) {
        printf("t_diskfs_crash: /config missing, version %u acknowledged\n", pm->acked_config);
        bad++;
    }
    /* Still works. */
    f = dfs_open(&fs, "/after", DFS_O_CREAT | DFS_O_WRITE, 0644);
    if (f < 0 || dfs_write(&fs, (uint32_t)f, 0, "ok", 2) != 2 || dfs_close(&fs, (uint32_t)f) < 0 ||
        dfs_unmount(&fs, false) < 0) {
        printf("t_diskfs_crash: not usable after recovery\n");
        bad++;
    }
    if ((e = dfs_check(&dev, scratch, sizeof scratch, &ck, NULL, NULL)) != 0) {
        printf("t_diskfs_crash: fsck after recovery: %d problems: %s\n", e, ck.first);
        bad++;
    }
    if (!bad)
        printf("t_diskfs_crash: verify ok (journal %s)\n",
               ck.log_state == 0 ? "empty" : "not empty");
    return bad != 0;
}

int main(void)
{
    long disk = sys_dev_open(DEV_DISK);
    if (disk < 0 || blk_open(&whole, (uint32_t)disk, 0) < 0 || blk_read(&whole, 0, 1, page) < 0) {
        printf("t_diskfs_crash: no disk\n");
        return 1;
    }
    struct param pm;
    memcpy(&pm, page, sizeof pm);
    if (memcmp(pm.magic, "DFSCRASH", 8) != 0) {
        printf("t_diskfs_crash: no parameters on block 0\n");
        return 1;
    }
    long sub =
        sys_blk_derive((uint32_t)disk, 1, blk_nblocks(&whole) - 1, R_READ | R_WRITE, CAP_SELF);
    if (sub < 0 || blk_open(&part, (uint32_t)sub, 0x00006c0000100000UL) < 0) {
        printf("t_diskfs_crash: cannot open the file system's range\n");
        return 1;
    }
    dfs_blkdev(&dev, &part);
    memset(page, 0, sizeof page);
    return pm.mode == 1 ? workload(disk, &pm) : verify(&pm);
}
