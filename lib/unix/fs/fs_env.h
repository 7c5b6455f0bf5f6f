/*
 * fs_env.h - environment shim for the freestanding file system.
 *
 * fs.c only includes <stdint.h>, <stddef.h> and <stdbool.h>.  The few
 * string primitives it needs are declared here with their standard
 * prototypes; the embedder links an implementation (host tests: libc,
 * Spinel programs: lib/c).  An embedder that wants something else can
 * define FS_ENV_HEADER to the name of its own header.
 */
#ifndef FS_ENV_H
#define FS_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef FS_ENV_HEADER
#include FS_ENV_HEADER
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif

#endif /* FS_ENV_H */
