/* Physical frame allocator: a clustered object (Tornado) with a
 * representative per CPU over one shared root.
 *
 * The root: one bit per frame (1 = not free: in use, or in some CPU's
 * cache), with a hint where the last search ended, under pmem_lock.
 * Frames below 1 MiB, the kernel image, the boot modules and the bitmaps
 * themselves are never handed out.
 *
 * The representatives (struct frame_rep, one per CPU, each on its own
 * cache line): a stack of up to FRAME_CACHE_MAX free frames, under the
 * rep's own lock, which only its CPU takes in the common case, so
 * frame_alloc and frame_free on different CPUs share no lock and no
 * written cache line (but the incache bitmap's word, below).
 *   - hit: frame_alloc pops from this CPU's rep; frame_free pushes on it.
 *   - miss (the rep is empty): refill: FRAME_BATCH frames move from the
 *     root to the rep, under pmem_lock. If the root has none left, every
 *     rep is drained into the root (other CPUs' caches too: their locks
 *     are taken one at a time) and the refill is tried once more, so an
 *     allocation fails only when no frame is free anywhere.
 *   - overflow (the rep is full on a free): drain: FRAME_BATCH frames go
 *     back to the root, under pmem_lock.
 *   - whole-machine requests that need particular frames
 *     (frame_alloc_contig, frame_alloc_at) look at the root; a cached
 *     frame is found through the incache bitmap and taken out of its rep
 *     under that rep's lock (frame_alloc_at), or every rep is drained
 *     before a contiguous search is retried.
 * Consistency: a frame is in exactly one of: free in the root (bit 0),
 * cached (bitmap 1, incache 1, in exactly one rep's stack), allocated
 * (bitmap 1, incache 0, deferred 0), or freed while pinned (bitmap 1,
 * deferred 1). pmem_free_frames() is the root's count plus every rep's
 * (each read once: exact when no other CPU allocates meanwhile).
 * Lock order: a rep's lock, then pmem_lock; never the other way round.
 * Frames freed while DMA pins exist take the root's path (pinned frames
 * are deferred there). Kernel code runs with interrupts off and a
 * cross-CPU call never arrives inside this file (a CPU only takes one
 * while it waits for the kernel lock, a local lock or the cross-CPU call
 * lock, or halts), so a CPU never nests into its own rep. */
#include "kernel.h"
#include "pmem.h"
#include "spinlock.h"
#include "cpu.h"
#include "arch/x86_64/x86.h"

#define FRAME_CACHE_MAX 64 /* frames a rep holds at most */
#define FRAME_BATCH     32 /* frames moved between a rep and the root at once */

/* One CPU's representative. lock protects n and f; the frames in f[0..n)
 * have their bitmap and incache bits set. */
struct frame_rep {
    struct spinlock lock;
    u64 n;
    paddr_t f[FRAME_CACHE_MAX];
} __aligned(64);
static struct frame_rep reps[MAX_CPUS];

/* The root. pmem_lock protects bitmap, free_count, hint, pins and
 * deferred. incache is written with atomic operations by the holder of
 * the rep lock whose stack gains or loses the frame, and read by anyone. */
static struct spinlock pmem_lock = SPINLOCK_INIT("pmem");
static u64 *incache; /* one bit per frame: it sits in some rep's stack */
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

    /* Place the bitmap, and the bitmaps of deferred frees and of cached
     * frames after it, in the first usable, unreserved stretch above 1 MiB. */
    paddr_t where = 0;
    for (int i = 0; i < nusable && !where; i++) {
        for (paddr_t p = ROUNDUP(MAX(usable[i].start, 0x100000), PAGE_SIZE);
             p + 3 * bytes <= usable[i].end; p += PAGE_SIZE) {
            if (!overlaps(p, p + 3 * bytes, reserved, nreserved)) {
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
    incache = P2V(where + 2 * bytes);
    memset(incache, 0, bytes);
    for (int i = 0; i < MAX_CPUS; i++)
        reps[i].lock = (struct spinlock)SPINLOCK_INIT("frame rep");

    for (int i = 0; i < nusable; i++) {
        for (paddr_t p = ROUNDUP(MAX(usable[i].start, 0x100000), PAGE_SIZE);
             p + PAGE_SIZE <= usable[i].end; p += PAGE_SIZE) {
            if (overlaps(p, p + PAGE_SIZE, reserved, nreserved) ||
                (p >= where && p < where + 3 * bytes))
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

static inline bool bit(const u64 *map, u64 f)
{
    return __atomic_load_n(&map[f / 64], __ATOMIC_RELAXED) & (1UL << (f % 64));
}

/* Moves up to FRAME_BATCH free frames of the root into r (whose lock the
 * caller holds); how many. */
static u64 refill(struct frame_rep *r)
{
    u64 got = 0, words = (nframes + 63) / 64;
    spin_lock(&pmem_lock);
    for (u64 n = 0; n < words && got < FRAME_BATCH; n++) {
        u64 w = (hint + n) % words;
        while (bitmap[w] != ~0UL && got < FRAME_BATCH) {
            int b = __builtin_ctzl(~bitmap[w]);
            u64 f = w * 64 + (u64)b;
            if (f >= nframes)
                break;
            bitmap[w] |= 1UL << b;
            __atomic_fetch_or(&incache[w], 1UL << b, __ATOMIC_RELAXED);
            r->f[r->n++] = f * PAGE_SIZE;
            free_count--;
            got++;
            hint = w;
        }
    }
    spin_unlock(&pmem_lock);
    return got;
}

/* Gives k frames of r (whose lock the caller holds) back to the root. */
static void drain(struct frame_rep *r, u64 k)
{
    spin_lock(&pmem_lock);
    for (; k && r->n; k--) {
        u64 f = r->f[--r->n] / PAGE_SIZE;
        __atomic_fetch_and(&incache[f / 64], ~(1UL << (f % 64)), __ATOMIC_RELAXED);
        bitmap[f / 64] &= ~(1UL << (f % 64));
        free_count++;
    }
    spin_unlock(&pmem_lock);
}

/* Every CPU's cache back to the root (a miss with the root empty, a
 * contiguous search that failed). */
static void drain_all(void)
{
    for (int i = 0; i < MAX_CPUS; i++) {
        if (!__atomic_load_n(&reps[i].n, __ATOMIC_RELAXED))
            continue;
        spin_lock(&reps[i].lock);
        drain(&reps[i], FRAME_CACHE_MAX);
        spin_unlock(&reps[i].lock);
    }
}

/* A rep's lock for the frame_alloc and frame_free paths of its own CPU.
 * With one CPU (ncpu == 1; ncpu only grows, at boot, by the boot CPU while
 * the CPU it starts does no frame work concurrently with it) nothing else
 * ever touches this CPU's rep at the same time: kernel code runs with
 * interrupts off and never nests into its own rep (above), so the lock is
 * skipped there (a pair of calls, about 28 instructions, on every
 * allocation and free). The paths that touch other CPUs' reps (drain_all,
 * frame_alloc_at) always take the lock: taken or not, it is free whenever
 * they run. */
static inline void rep_lock(struct frame_rep *r)
{
    if (ncpu > 1)
        spin_lock(&r->lock);
}
static inline void rep_unlock(struct frame_rep *r)
{
    if (ncpu > 1)
        spin_unlock(&r->lock);
}

/* Pops a frame of r (locked): clears its incache bit. 0 if r is empty. */
static inline paddr_t pop(struct frame_rep *r)
{
    if (!r->n)
        return 0;
    paddr_t pa = r->f[--r->n];
    u64 f = pa / PAGE_SIZE;
    __atomic_fetch_and(&incache[f / 64], ~(1UL << (f % 64)), __ATOMIC_RELAXED);
    return pa;
}

/* Takes a free frame (not zeroed), or 0: from this CPU's rep, refilled
 * from the root on a miss. */
static paddr_t take_frame(void)
{
    struct frame_rep *r = &reps[cpu()->id];
    rep_lock(r);
    if (!r->n && !refill(r)) {
        /* The root is empty: the other CPUs' caches back first. */
        rep_unlock(r);
        drain_all();
        rep_lock(r);
        if (!r->n)
            refill(r);
    }
    paddr_t pa = pop(r);
    rep_unlock(r);
    return pa;
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
        zero_page(P2V(pa));
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
    if (!(bitmap[pfn / 64] & (1UL << (pfn % 64)))) {
        bitmap[pfn / 64] |= 1UL << (pfn % 64);
        free_count--;
        spin_unlock(&pmem_lock);
        memset(P2V(pfn * PAGE_SIZE), 0, PAGE_SIZE);
        return 0;
    }
    spin_unlock(&pmem_lock);
    /* Not in the root: free all the same if some CPU caches it. */
    for (int i = 0; i < MAX_CPUS && bit(incache, pfn); i++) {
        struct frame_rep *r = &reps[i];
        spin_lock(&r->lock);
        for (u64 k = 0; k < r->n; k++) {
            if (r->f[k] != pfn * PAGE_SIZE)
                continue;
            r->f[k] = r->f[--r->n];
            __atomic_fetch_and(&incache[pfn / 64], ~(1UL << (pfn % 64)), __ATOMIC_RELAXED);
            spin_unlock(&r->lock);
            memset(P2V(pfn * PAGE_SIZE), 0, PAGE_SIZE);
            return 0;
        }
        spin_unlock(&r->lock);
    }
    return -E_BUSY;
}

paddr_t frame_alloc_contig(u64 n)
{
    return frame_alloc_contig_aligned(n, 1);
}

static paddr_t contig(u64 n, u64 align);

/* From the root; if no run is free there, once more with every CPU's
 * cache drained into it. */
paddr_t frame_alloc_contig_aligned(u64 n, u64 align)
{
    paddr_t pa = contig(n, align);
    if (!pa) {
        drain_all();
        pa = contig(n, align);
    }
    return pa;
}

static paddr_t contig(u64 n, u64 align)
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
    if (!bit(bitmap, f) || bit(deferred, f))
        panic("frame_free: frame %lx is already free", pa);
    if (likely(!__atomic_load_n(&npins, __ATOMIC_RELAXED))) {
        /* No DMA pin anywhere: onto this CPU's rep (a pin of a frame
         * being freed would be its pinner's bug). The incache bit, set
         * atomically, is the check that it is not cached already. */
        struct frame_rep *r = &reps[cpu()->id];
        rep_lock(r);
        if (__atomic_fetch_or(&incache[f / 64], 1UL << (f % 64), __ATOMIC_RELAXED) &
            (1UL << (f % 64)))
            panic("frame_free: frame %lx is already free", pa);
        u64 n = r->n;
        if (unlikely(n == FRAME_CACHE_MAX)) {
            drain(r, FRAME_BATCH);
            n = r->n;
        }
        r->f[n] = pa;
        r->n = n + 1;
        rep_unlock(r);
        return;
    }
    if (bit(incache, f))
        panic("frame_free: frame %lx is already free", pa);
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
    u64 n = __atomic_load_n(&free_count, __ATOMIC_RELAXED);
    for (int i = 0; i < MAX_CPUS; i++)
        n += __atomic_load_n(&reps[i].n, __ATOMIC_RELAXED);
    return n;
}

u64 pmem_cached_frames(int cpu_id)
{
    return __atomic_load_n(&reps[cpu_id].n, __ATOMIC_RELAXED);
}
u64 pmem_total_frames(void)
{
    return total_count;
}
paddr_t pmem_max_addr(void)
{
    return nframes * PAGE_SIZE;
}
