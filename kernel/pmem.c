/* Physical frame allocator: one bit per frame (1 = in use), with a hint
 * where the last search ended. Frames below 1 MiB, the kernel image, the boot
 * modules and the bitmap itself are never handed out. */
#include "kernel.h"
#include "pmem.h"
#include "spinlock.h"

/* Protects bitmap, free_count and hint. */
static struct spinlock pmem_lock = SPINLOCK_INIT("pmem");
static u64 *bitmap;
static u64 nframes;     /* frames covered by the bitmap: [0, nframes) */
static u64 total_count; /* frames that were ever free (managed) */
static u64 free_count;
static u64 hint; /* word index where the next search starts */
/* DMA pins (frame_pin): the ranges of frames a device may be reading or
 * writing now, a multiset. A pinned frame that is freed stays allocated,
 * its bit set in `deferred`, until no pin covers it (frame_unpin).
 * Protected by pmem_lock, like bitmap. */
#define PIN_MAX 256
static struct {
    u64 first, n;
} pins[PIN_MAX];
static u32 npins;
static u64 *deferred;            /* one bit per frame, as bitmap */
static struct mem_range ram[32]; /* usable RAM from the boot memory map (read-only after init) */
static int nram;

static bool overlaps(paddr_t s, paddr_t e, const struct mem_range *r, int n)
{
    for (int i = 0; i < n; i++)
        if (s < r[i].end && r[i].start < e)
            return true;
    return false;
}

void pmem_init(const struct mem_range *usable, int nusable, const struct mem_range *reserved,
               int nreserved)
{
    paddr_t max = 0;
    for (int i = 0; i < nusable; i++)
        max = MAX(max, usable[i].end);
    for (int i = 0; i < nusable && nram < 32; i++)
        ram[nram++] = usable[i];
    nframes = max / PAGE_SIZE;
    u64 bytes = ROUNDUP((nframes + 63) / 64 * 8, PAGE_SIZE);

    /* Place the bitmap, and the bitmap of deferred frees after it, in the
     * first usable, unreserved stretch above 1 MiB. */
    paddr_t where = 0;
    for (int i = 0; i < nusable && !where; i++) {
        for (paddr_t p = ROUNDUP(MAX(usable[i].start, 0x100000), PAGE_SIZE);
             p + 2 * bytes <= usable[i].end; p += PAGE_SIZE) {
            if (!overlaps(p, p + 2 * bytes, reserved, nreserved)) {
                where = p;
                break;
            }
        }
    }
    if (!where)
        panic("pmem: no room for the frame bitmap (%lu bytes)", bytes);
    bitmap = P2V(where);
    memset(bitmap, 0xff, bytes);
    deferred = P2V(where + bytes);
    memset(deferred, 0, bytes);

    for (int i = 0; i < nusable; i++) {
        for (paddr_t p = ROUNDUP(MAX(usable[i].start, 0x100000), PAGE_SIZE);
             p + PAGE_SIZE <= usable[i].end; p += PAGE_SIZE) {
            if (overlaps(p, p + PAGE_SIZE, reserved, nreserved) ||
                (p >= where && p < where + 2 * bytes))
                continue;
            u64 f = p / PAGE_SIZE;
            if (bitmap[f / 64] & (1UL << (f % 64))) {
                bitmap[f / 64] &= ~(1UL << (f % 64));
                free_count++;
            }
        }
    }
    total_count = free_count;
}

/* Takes a free frame (not zeroed), or 0. */
static inline __attribute__((always_inline)) paddr_t take_frame(void)
{
    spin_lock(&pmem_lock);
    u64 words = (nframes + 63) / 64;
    for (u64 n = 0; n < words; n++) {
        u64 w = (hint + n) % words;
        if (bitmap[w] != ~0UL) {
            int bit = __builtin_ctzl(~bitmap[w]);
            u64 f = w * 64 + bit;
            if (f >= nframes)
                continue;
            bitmap[w] |= 1UL << bit;
            free_count--;
            hint = w;
            spin_unlock(&pmem_lock);
            return f * PAGE_SIZE;
        }
    }
    spin_unlock(&pmem_lock);
    return 0;
}

/* A free frame, not zeroed: for a caller that overwrites all of it before
 * anyone else sees it (sys_frame_copy). */
paddr_t frame_alloc_raw(void)
{
    return take_frame();
}

paddr_t frame_alloc(void)
{
    paddr_t pa = take_frame();
    if (pa)
        memset(P2V(pa), 0, PAGE_SIZE);
    return pa;
}

int frame_alloc_at(u64 pfn)
{
    bool is_ram = false;
    for (int i = 0; i < nram; i++)
        if (pfn * PAGE_SIZE >= ram[i].start && pfn * PAGE_SIZE + PAGE_SIZE <= ram[i].end)
            is_ram = true;
    if (pfn >= nframes || !is_ram)
        return -E_INVAL;
    spin_lock(&pmem_lock);
    if (bitmap[pfn / 64] & (1UL << (pfn % 64))) {
        spin_unlock(&pmem_lock);
        return -E_BUSY;
    }
    bitmap[pfn / 64] |= 1UL << (pfn % 64);
    free_count--;
    spin_unlock(&pmem_lock);
    memset(P2V(pfn * PAGE_SIZE), 0, PAGE_SIZE);
    return 0;
}

paddr_t frame_alloc_contig(u64 n)
{
    return frame_alloc_contig_aligned(n, 1);
}

paddr_t frame_alloc_contig_aligned(u64 n, u64 align)
{
    spin_lock(&pmem_lock);
    u64 run = 0;
    for (u64 f = ROUNDUP(0x100000 / PAGE_SIZE, align); f < nframes; f++) {
        if (run == 0 && f % align) { /* a run may only start aligned */
            f = ROUNDUP(f, align) - 1;
            continue;
        }
        run = (bitmap[f / 64] & (1UL << (f % 64))) ? 0 : run + 1;
        if (run == n) {
            u64 first = f + 1 - n;
            for (u64 g = first; g <= f; g++)
                bitmap[g / 64] |= 1UL << (g % 64);
            free_count -= n;
            spin_unlock(&pmem_lock);
            memset(P2V(first * PAGE_SIZE), 0, n * PAGE_SIZE);
            return first * PAGE_SIZE;
        }
    }
    spin_unlock(&pmem_lock);
    return 0;
}

/* Some pin covers frame f. Called with pmem_lock. */
static bool pinned(u64 f)
{
    for (u32 i = 0; i < npins; i++)
        if (f - pins[i].first < pins[i].n)
            return true;
    return false;
}

void frame_free(paddr_t pa)
{
    u64 f = pa / PAGE_SIZE;
    if (pa % PAGE_SIZE || f >= nframes)
        panic("frame_free: bad frame %lx", pa);
    spin_lock(&pmem_lock);
    if (!(bitmap[f / 64] & (1UL << (f % 64))) || (deferred[f / 64] & (1UL << (f % 64))))
        panic("frame_free: frame %lx is already free", pa);
    if (unlikely(npins) && pinned(f)) { /* a device may still write it: later */
        deferred[f / 64] |= 1UL << (f % 64);
        spin_unlock(&pmem_lock);
        return;
    }
    bitmap[f / 64] &= ~(1UL << (f % 64));
    free_count++;
    spin_unlock(&pmem_lock);
}

bool frame_pin(paddr_t pa, u64 n)
{
    spin_lock(&pmem_lock);
    if (npins == PIN_MAX) {
        spin_unlock(&pmem_lock);
        return false;
    }
    pins[npins].first = pa / PAGE_SIZE;
    pins[npins].n = n;
    npins++;
    spin_unlock(&pmem_lock);
    return true;
}

void frame_unpin(paddr_t pa, u64 n)
{
    u64 first = pa / PAGE_SIZE;
    spin_lock(&pmem_lock);
    u32 i = 0;
    while (i < npins && (pins[i].first != first || pins[i].n != n))
        i++;
    if (i == npins)
        panic("frame_unpin: %lx (%lu frames) was not pinned", pa, n);
    pins[i] = pins[--npins];
    for (u64 f = first; f < first + n; f++) {
        if ((deferred[f / 64] & (1UL << (f % 64))) && !pinned(f)) {
            deferred[f / 64] &= ~(1UL << (f % 64));
            bitmap[f / 64] &= ~(1UL << (f % 64));
            free_count++;
        }
    }
    spin_unlock(&pmem_lock);
}

u64 pmem_free_frames(void)
{
    return __atomic_load_n(&free_count, __ATOMIC_RELAXED);
}
u64 pmem_total_frames(void)
{
    return total_count;
}
paddr_t pmem_max_addr(void)
{
    return nframes * PAGE_SIZE;
}
