/* The disk file system (lib/diskfs) on the disk, through libblk: the
 * interface the file system was written against (read, write, flush on
 * 4 KiB blocks) plugged into a block capability derived over 4096 blocks
 * of the scratch disk (its block 0 is the disk's 11000), with the file
 * system's buffer cache in frames registered with libblk (no copy). mkfs,
 * mount, files and a directory written and fsynced, unmount, mount again:
 * everything reads back, and fsck (dfs_check) finds no error. */
#include "../../lib/exo/exo.h"
#include "../../lib/blk/blk.h"
#include "../../lib/diskfs/diskfs.h"
#include "check.h"

#define CACHE_VA 0x0000500000000000UL
#define CACHE_N  128 /* buffers (pages) */
#define FIRST    11000
#define NBLOCKS  4096

static struct blkdev bd;
static int dev_read(void *ctx, uint64_t block, uint32_t count, void *buf)
{
    return blk_read(ctx, block, count, buf);
}
static int dev_write(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
    return blk_write(ctx, block, count, buf);
}
static int dev_flush(void *ctx)
{
    return blk_flush(ctx);
}

static struct dfs fs;
static uint8_t data[100 * 1024], back[100 * 1024], scratch[DFS_BSIZE];

int main(void)
{
    long disk = sys_dev_open(DEV_DISK);
    CHECK_EQ(disk > 0, 1);
    long part = sys_blk_derive((uint32_t)disk, FIRST, NBLOCKS, R_READ | R_WRITE, CAP_SELF);
    CHECK_EQ(part > 0, 1);
    CHECK_EQ(blk_open(&bd, (uint32_t)part, 0), 0);
    CHECK_EQ(blk_nblocks(&bd), NBLOCKS);
    /* The cache: 128 pages in one frame block, registered for zero copy. */
    size_t bytes = dfs_cache_bytes(CACHE_N);
    uint32_t order = 0;
    while ((PAGE_SIZE << order) < bytes)
        order++;
    long cache = sys_frame_alloc_in(CAP_SELF, -1, order);
    CHECK_EQ(cache > 0, 1);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)cache, CACHE_VA, MMU_W), 1);
    CHECK_EQ(blk_register(&bd, (void *)CACHE_VA, (uint32_t)cache, 1u << order), 0);

    struct dfs_dev dev = {.ctx = &bd,
                          .nblocks = blk_nblocks(&bd),
                          .read = dev_read,
                          .write = dev_write,
                          .flush = dev_flush};
    CHECK_EQ(dfs_mkfs(&dev, 0, 0, 0, scratch), 0);
    CHECK_EQ(dfs_mount(&fs, &dev, NULL, (void *)CACHE_VA, bytes), 0);
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13 + i / 4096);
    CHECK_EQ(dfs_mkdir(&fs, "/d", 0755) > 0, 1); /* (its inode) */
    int ino = dfs_open(&fs, "/d/f", DFS_O_CREAT, 0644);
    CHECK_EQ(ino > 0, 1);
    CHECK_EQ(dfs_write(&fs, (uint32_t)ino, 0, data, sizeof data), (long)sizeof data);
    CHECK_EQ(dfs_fsync(&fs, (uint32_t)ino), 0);
    CHECK_EQ(dfs_close(&fs, (uint32_t)ino), 0);
    CHECK_EQ(dfs_rename(&fs, "/d/f", "/g"), 0);
    CHECK_EQ(dfs_unmount(&fs, false), 0);
    uint64_t writes = bd.writes, flushes = bd.flushes;
    CHECK_EQ(writes > 0 && flushes > 0, 1);

    /* Mounted again: all there; and consistent. */
    CHECK_EQ(dfs_mount(&fs, &dev, NULL, (void *)CACHE_VA, bytes), 0);
    ino = dfs_lookup(&fs, "/g");
    CHECK_EQ(ino > 0, 1);
    CHECK_EQ(dfs_read(&fs, (uint32_t)ino, 0, back, sizeof back), (long)sizeof back);
    CHECK_EQ(memcmp(data, back, sizeof data), 0);
    CHECK_EQ(dfs_lookup(&fs, "/d/f"), -DFS_ENOENT);
    CHECK_EQ(dfs_unmount(&fs, false), 0);
    static struct dfs_check chk;
    size_t need = dfs_check_scratch(NBLOCKS, fs.sb.ninodes);
    void *mem = malloc(need);
    CHECK_EQ(mem != NULL, 1);
    CHECK_EQ(dfs_check(&dev, mem, need, &chk, NULL, NULL), 0);
    CHECK_EQ(chk.errors, 0);
    CHECK_EQ(chk.files, 1);
    printf("t_blk_diskfs: %lu block writes, %lu flushes, %lu reads; %d failed checks\n", bd.writes,
           bd.flushes, bd.reads, check_failures);
    blk_close(&bd);
    return check_failures;
}
