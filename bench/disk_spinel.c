/*
 * disk_spinel.c - the storage benchmark's Spinel side: the first program
 * (booted with init=bench_disk and a virtio disk) starts diskd on the
 * whole disk, makes a file system, maps diskd's cache read-only and runs
 * the workload through lib/diskfs/diskc (zero-copy reads).  Cold caches:
 * diskd unmounts and mounts again, which empties its cache.
 */
#include "../lib/c/libc.h"
#include "../lib/diskfs/diskc.h"
#include "../lib/exo/exo.h"
#include "disk.h"

#define AREA_VA     0x0000510000000000UL
#define CACHE_VA    0x0000520000000000UL
#define GEN_VA      0x0000530000000000UL
#define ALLOC_VA    0x0000540000000000UL
#define DISKD_QUOTA 5000 /* pages: a 16 MiB cache and the rest */

static struct diskc dc;

int dp_init(void)
{
    long disk = sys_dev_open(DEV_DISK);
    if (disk < 0)
        return (int)disk;
    struct cap_info ci = {0};
    sys_cap_inspect((uint32_t)disk, &ci);
    int r = diskc_start(&dc, (uint32_t)disk, 0, BLK_CAP_COUNT(ci.object), DISKD_QUOTA, AREA_VA, 1);
    if (r < 0)
        return r;
    return diskc_map_cache(&dc, CACHE_VA, GEN_VA);
}

const char *dp_name(void)
{
    return "spinel-diskd";
}

const char *dp_root(void)
{
    return "";
}

long dp_open(const char *path, int how)
{
    return diskc_open(
        &dc, path, how == DP_CREATE ? DFS_O_CREAT | DFS_O_WRITE | DFS_O_TRUNC : DFS_O_READ, 0644);
}

long dp_pwrite(long h, const void *buf, size_t n, uint64_t off)
{
    return (long)diskc_write(&dc, (uint32_t)h, off, buf, n);
}

long dp_pread(long h, void *buf, size_t n, uint64_t off)
{
    return (long)diskc_read(&dc, (uint32_t)h, off, buf, n);
}

int dp_fsync(long h)
{
    return diskc_fsync(&dc, (uint32_t)h);
}

int dp_close(long h)
{
    return diskc_close(&dc, (uint32_t)h);
}

int dp_mkdir(const char *path)
{
    return diskc_mkdir(&dc, path, 0755);
}

int dp_unlink(const char *path)
{
    return diskc_unlink(&dc, path);
}

int dp_rmdir(const char *path)
{
    return diskc_rmdir(&dc, path);
}

int dp_sync(void)
{
    return diskc_sync(&dc);
}

int dp_drop_caches(void)
{
    return diskc_remount(&dc);
}

void dp_print(const char *s)
{
    sys_cputs(s, strlen(s));
}

/* 2 MiB frame blocks (malloc's page at a time would take a capability
 * slot per page). */
void *dp_alloc(size_t n)
{
    static uint64_t next = ALLOC_VA;
    uint64_t va = next;
    for (size_t done = 0; done < n; done += 2u << 20) {
        long f = sys_frame_alloc_in(CAP_SELF, -1, 9);
        if (f < 0 || exo_map(CAP_SELF, (uint32_t)f, next, MMU_W) != 1)
            return NULL;
        next += 2u << 20;
    }
    return (void *)va;
}

void dp_info(void)
{
    printf("BENCH-INFO spinel zero-copy read calls %lu, retries %lu, copying read calls %lu, "
           "cache pages %u\n",
           (unsigned long)dc.zc_calls, (unsigned long)dc.zc_retries, (unsigned long)dc.copy_calls,
           dc.cache_pages);
}

void dp_exit(int code)
{
    diskc_unmount(&dc);
    diskc_stop(&dc);
    sys_exit(code);
}

int main(void)
{
    disk_main();
    return 0;
}
