/*
 * test.h - minimal framework for the disk file system's host tests.
 */
#ifndef DFS_TEST_H
#define DFS_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "diskfs.h"
#include "hostdev.h"

extern int g_pass, g_fail;

void t_check(bool ok, const char *file, int line, const char *expr);
#define CHECK(e) t_check((e), __FILE__, __LINE__, #e)
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            printf("  (%s = %lld, expected %lld)\n", #a, a_, b_);                                  \
        t_check(a_ == b_, __FILE__, __LINE__, #a " == " #b);                                       \
    } while (0)

/* A fake clock: each call moves one microsecond. */
extern struct dfs_hooks t_hooks;

/* A fresh ram disk of nblocks, made and mounted with nbuf buffers. */
void t_fresh(struct ramdisk *rd, struct dfs_dev *dev, struct dfs *fs, uint64_t nblocks,
             uint32_t nbuf);
/* Runs dfs_check on dev (unmounted, or synced); prints problems; returns
 * the number found. */
int t_fsck(const struct dfs_dev *dev);
int t_fsck_quiet(const struct dfs_dev *dev); /* no report */
/* Unmounts and mounts again (nbuf buffers). */
void t_remount(struct dfs *fs, const struct dfs_dev *dev, uint32_t nbuf);

/* Writes / reads a whole small file by path. */
int t_put(struct dfs *fs, const char *path, const void *data, size_t n);
long t_get(struct dfs *fs, const char *path, void *buf, size_t cap);

void test_ops(void);
void test_map(void);
void test_big(void);
void test_random(void);
void test_crash(int points, unsigned seed, bool verbose);
void test_corrupt(int rounds);

#endif
