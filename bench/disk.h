/*
 * disk.h - the storage benchmark's platform interface (bench/disk.c is the
 * workload, the same code on both sides): bench/disk_linux.c (POSIX calls
 * on ext4 at /mnt) and bench/disk_spinel.c (diskd through lib/diskfs/diskc).
 * Calls return >= 0 or a negative error.
 */
#ifndef BENCH_DISK_H
#define BENCH_DISK_H

#include <stddef.h>
#include <stdint.h>

#define DP_CREATE 1 /* create or truncate, write only */
#define DP_READ   2 /* read only */

int dp_init(void);
const char *dp_name(void);
const char *dp_root(void); /* prefix of every path: "/mnt" or "" */
long dp_open(const char *path, int how);
long dp_pwrite(long h, const void *buf, size_t n, uint64_t off);
long dp_pread(long h, void *buf, size_t n, uint64_t off);
int dp_fsync(long h);
int dp_close(long h);
int dp_mkdir(const char *path);
int dp_unlink(const char *path);
int dp_rmdir(const char *path);
int dp_sync(void);
/* Makes the next reads cold: Linux drops its caches, Spinel starts the file
 * system's cache empty (unmount, mount).  Not measured. */
int dp_drop_caches(void);
void dp_print(const char *s);
void *dp_alloc(size_t n); /* memory for the workload (not measured) */
void dp_info(void);       /* platform counters after the run (BENCH-INFO lines) */
void dp_exit(int code);

/* The workload; prints BENCH lines, then BENCH-END. */
void disk_main(void);

#endif
