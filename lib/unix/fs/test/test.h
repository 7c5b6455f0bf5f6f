/*
 * test.h - minimal framework for the file system's host unit tests.
 */
#ifndef FS_TEST_H
#define FS_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fs.h"

extern int g_pass, g_fail;

/* Records one check; prints "FAIL file:line: expr" when it fails. */
void t_check(bool ok, const char *file, int line, const char *expr);
#define CHECK(e) t_check((e), __FILE__, __LINE__, #e)
/* Checks that an integer expression equals an expected value. */
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            printf("  (%s = %lld, expected %lld)\n", #a, a_, b_);                                  \
        t_check(a_ == b_, __FILE__, __LINE__, #a " == " #b);                                       \
    } while (0)

/* A fresh region of size bytes (page aligned, shared so fork()ed children
 * see it), formatted and attached to *fs with owner id 1. */
void *t_region(struct fs *fs, size_t size);
void t_region_free(void *base, size_t size);

/* Deletes everything below path (a directory), depth first. */
int t_rm_rf(struct fs *fs, const char *path);

void test_ops(void);
void test_cpio(void);
void test_conc(void);
void test_random(void);

#endif
