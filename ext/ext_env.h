/*
 * ext_env.h - environment shim for the freestanding eBPF library.
 *
 * The library itself only includes <stdint.h>, <stddef.h> and <stdbool.h>.
 * The few memory primitives it needs are declared here with their standard
 * prototypes; the embedder links an implementation (host tools: libc,
 * kernel: its own string routines).  An embedder that wants something else
 * can define EXT_ENV_HEADER to the name of its own header.
 */
#ifndef EXT_ENV_H
#define EXT_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef EXT_ENV_HEADER
#include EXT_ENV_HEADER
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif

#endif /* EXT_ENV_H */
