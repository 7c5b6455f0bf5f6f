/* Physical frame allocator. */
#ifndef KERNEL_PMEM_H
#define KERNEL_PMEM_H

#include "types.h"

struct mem_range {
    paddr_t start, end; /* [start, end) */
};

void pmem_init(const struct mem_range *usable, int nusable, const struct mem_range *reserved,
               int nreserved);
paddr_t frame_alloc(void);     /* a zeroed frame, or 0 if none is free */
paddr_t frame_alloc_raw(void); /* the same, not zeroed: the caller fills all of it */
void frame_free(paddr_t pa);
/* n physically contiguous zeroed frames (for kernel buffers), or 0. */
paddr_t frame_alloc_contig(u64 n);
paddr_t frame_alloc_contig_aligned(u64 n, u64 align); /* first frame a multiple of align */
/* Allocates exactly frame pfn (zeroed): 0, -E_BUSY if in use (by anyone,
 * the kernel included), -E_INVAL if it is not usable RAM. */
int frame_alloc_at(u64 pfn);
/* DMA: pins frames [pa, pa + n pages) while a device may read or write
 * them. Freeing a pinned frame (its capability deleted or revoked
 * meanwhile) is deferred until its last pin goes, so a transfer in flight
 * never lands in a frame that has been reused. false if the pin table
 * (256 ranges) is full. */
bool frame_pin(paddr_t pa, u64 n);
/* Removes one pin of exactly that range (panics if there is none) and
 * frees the frames whose free was deferred and that no pin covers now. */
void frame_unpin(paddr_t pa, u64 n);
u64 pmem_free_frames(void); /* the root's free frames and every CPU's cached ones */
/* Free frames cached in cpu_id's representative (pmem.c; for the tests). */
u64 pmem_cached_frames(int cpu_id);
u64 pmem_total_frames(void);
paddr_t pmem_max_addr(void);

#endif
