/*
 * diskfs_env.h - environment shim for the freestanding disk file system.
 *
 * diskfs.c and check.c include only <stdint.h>, <stddef.h>, <stdbool.h>
 * and <stdarg.h>.  The string primitives they need are declared here with
 * their standard prototypes; the embedder links an implementation (host
 * tools and tests: libc, Spinel programs: lib/c).  An embedder that wants
 * something else defines DFS_ENV_HEADER to the name of its own header.
 */
#ifndef DISKFS_ENV_H
#define DISKFS_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef DFS_ENV_HEADER
#include DFS_ENV_HEADER
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif

#endif /* DISKFS_ENV_H */
