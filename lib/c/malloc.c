/* malloc for Spinel programs: a first-fit free list over a heap that grows
 * by whole pages mapped through libexo (frames of the env's own quota).
 * Blocks carry their size in a header; free blocks are kept sorted by
 * address and merged with their neighbours. Not thread-safe by itself: the
 * Unix library OS wraps it in its own lock when threads exist. */
#include "libc.h"
#include "../exo/exo.h"

#define HEAP_BASE 0x0000080000000000UL
#define HEAP_MAX  (1UL << 32) /* 4 GiB of addresses */
#define ALIGN     16

struct block {
    size_t size;        /* whole block, header included, multiple of ALIGN */
    struct block *next; /* free list only */
};
#define HDR ALIGN

static struct block *free_list;
static uint64_t heap_end = HEAP_BASE;

static int grow(size_t bytes)
{
    bytes = (bytes + 4095) & ~4095UL;
    if (heap_end + bytes > HEAP_BASE + HEAP_MAX)
        return -1;
    for (uint64_t va = heap_end; va < heap_end + bytes; va += 4096)
        if (exo_page_alloc_map(va, true) < 0)
            return -1; /* pages mapped so far stay part of the heap */
    struct block *b = (struct block *)heap_end;
    b->size = bytes;
    heap_end += bytes;
    free((char *)b + HDR);
    return 0;
}

void *malloc(size_t n)
{
    if (n == 0 || n > HEAP_MAX)
        return NULL;
    size_t need = (n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    for (int tries = 0; tries < 2; tries++) {
        for (struct block **pp = &free_list; *pp; pp = &(*pp)->next) {
            struct block *b = *pp;
            if (b->size < need)
                continue;
            if (b->size - need >= 2 * HDR) { /* split: the tail stays free */
                struct block *rest = (struct block *)((char *)b + need);
                rest->size = b->size - need;
                rest->next = b->next;
                *pp = rest;
                b->size = need;
            } else {
                *pp = b->next;
            }
            return (char *)b + HDR;
        }
        if (grow(need < 65536 ? 65536 : need) < 0)
            return NULL;
    }
    return NULL;
}

void free(void *p)
{
    if (!p)
        return;
    struct block *b = (struct block *)((char *)p - HDR), **pp = &free_list, *prev = NULL;
    while (*pp && *pp < b) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    b->next = *pp;
    *pp = b;
    if (b->next && (char *)b + b->size == (char *)b->next) { /* merge with the next */
        b->size += b->next->size;
        b->next = b->next->next;
    }
    if (prev && (char *)prev + prev->size == (char *)b) { /* and with the previous */
        prev->size += b->size;
        prev->next = b->next;
    }
}

void *calloc(size_t n, size_t m)
{
    if (m && n > HEAP_MAX / m)
        return NULL;
    void *p = malloc(n * m);
    if (p)
        memset(p, 0, n * m);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    if (n == 0) {
        free(p);
        return NULL;
    }
    size_t have = ((struct block *)((char *)p - HDR))->size - HDR;
    if (have >= n)
        return p;
    void *q = malloc(n);
    if (q) {
        memcpy(q, p, have);
        free(p);
    }
    return q;
}
