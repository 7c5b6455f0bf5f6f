/* Kernel page tables, and page-table helpers for user address spaces.
 *
 * The kernel half (PML4 entries 256..511) is built once at boot and shared by
 * every address space: a direct map of all physical memory at PHYS_MAP_BASE
 * (NX, 2 MiB pages except around the kernel image, whose alias is read-only),
 * and the kernel image at KERNEL_BASE with 4 KiB pages: text read+execute,
 * rodata read-only NX, data/bss read-write NX, the guard page below each
 * kernel stack not mapped. No page is writable and executable, and no frame
 * is executable at one address and writable at another: the direct-map alias
 * of a frame of JIT'd extension code is made read-only while the code lives
 * (vm_direct_protect; vm_check_wx checks all of this). */
#include "kernel.h"
#include "vm.h"
#include "pmem.h"
#include "env.h"
#include "cpu.h"
#include "klock.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/smp.h"

paddr_t kernel_pml4;
extern char _text[], _etext[], _rodata[], _erodata[], _data[], _edata[], _kernel_end[];

#define IDX(va, lvl) (((va) >> (12 + 9 * (lvl))) & 511)

static u64 *table(paddr_t pa)
{
    return P2V(pa);
}

/* A page-table page, charged to env e's memory quota when e is given. */
static paddr_t pt_alloc(struct env *e)
{
    if (e && env_charge(e, 1) < 0)
        return 0;
    paddr_t p = frame_alloc();
    if (!p && e)
        env_uncharge(e, 1);
    return p;
}

/* The last page table (level 0) a walk of a user address reached, and the
 * 2 MiB region it maps: the next walk in that region starts there (a fault
 * handler's mmu_update after the fault, a batch over neighbouring pages).
 * Valid as long as the tables above it stay: entries of an address space's
 * upper levels that point to tables are only ever filled in, never changed
 * or cleared, until vm_free_space frees the whole space, which forgets it.
 * (A page-directory entry may also be a 2 MiB page, set and cleared again
 * by mmu.c; it is only ever set where the entry was empty, so never over a
 * page table this cache may hold.) Per CPU (struct cpu's last_pt, reached
 * through GS in one instruction, as a global would be): kernel calls that
 * walk page tables run on several CPUs at once (klock.c's local calls);
 * each CPU's is read and written by that CPU only, except that
 * vm_free_space, under the kernel lock (so with every CPU's local lock),
 * clears every CPU's that names the space it frees. */
#define LAST_PT (((__seg_gs struct cpu *)0)->last_pt)

/* The walk itself (walk_charged below). */
static __attribute__((noinline)) u64 *walk_tables(paddr_t pml4, vaddr_t va, int lvl, bool create,
                                                  u64 tflags, struct env *charge)
{
    u64 *t = table(pml4);
    for (int l = 3; l > lvl; l--) {
        u64 *e = &t[IDX(va, l)];
        if (!(*e & PTE_P)) {
            if (!create)
                return NULL;
            /* A user space's tables are charged to its env, which lists
             * them for its teardown (every caller that creates passes it). */
            assert(pml4 == kernel_pml4 || (charge && charge->pml4 == pml4));
            paddr_t n = pt_alloc(charge);
            if (!n)
                return NULL;
            if (charge) {
                if (charge->npts < PT_LIST_MAX)
                    charge->pts[charge->npts++] = n;
                else
                    charge->pts_over = true;
            }
            *e = n | tflags;
        } else if (*e & PTE_PS) {
            return NULL;
        }
        t = table(PTE_ADDR(*e));
    }
    if (lvl == 0 && va < USER_TOP) {
        LAST_PT.pml4 = pml4;
        LAST_PT.region = va >> 21;
        LAST_PT.pt = t;
    }
    return &t[IDX(va, lvl)];
}

/* Returns the entry at level `lvl` (0 = PT) for va, creating tables above it
 * (charged to `charge`, if not NULL). Inline: the common case is a page table
 * reached last time. */
static inline __attribute__((always_inline)) u64 *
walk_charged(paddr_t pml4, vaddr_t va, int lvl, bool create, u64 tflags, struct env *charge)
{
    if (lvl == 0 && LAST_PT.pml4 == pml4 && LAST_PT.region == va >> 21)
        return &LAST_PT.pt[IDX(va, 0)];
    return walk_tables(pml4, va, lvl, create, tflags, charge);
}

static u64 *walk(paddr_t pml4, vaddr_t va, int lvl, bool create, u64 tflags)
{
    return walk_charged(pml4, va, lvl, create, tflags, NULL);
}

static void kmap(vaddr_t va, paddr_t pa, u64 flags, bool large)
{
    u64 *e = walk(kernel_pml4, va, large ? 1 : 0, true, PTE_P | PTE_W);
    if (!e)
        panic("vm_init: out of memory");
    *e = pa | flags | (large ? PTE_PS : 0);
}

void vm_init(void)
{
    kernel_pml4 = frame_alloc();
    if (!kernel_pml4)
        panic("vm_init: out of memory");

    /* Direct map. The 2 MiB pages that hold the kernel image are split so that
     * the image's text and rodata aliases are read-only. */
    paddr_t kstart = V2P(_text), kro_end = V2P(_erodata), kend = V2P(_kernel_end);
    paddr_t max = ROUNDUP(pmem_max_addr(), 0x200000);
    for (paddr_t pa = 0; pa < max; pa += 0x200000) {
        if (pa + 0x200000 <= kstart || pa >= ROUNDUP(kend, 0x200000)) {
            kmap(PHYS_MAP_BASE + pa, pa, PTE_P | PTE_W | PTE_G | PTE_NX, true);
            continue;
        }
        for (paddr_t p = pa; p < pa + 0x200000; p += PAGE_SIZE) {
            u64 w = (p >= kstart && p < kro_end) ? 0 : PTE_W;
            kmap(PHYS_MAP_BASE + p, p, PTE_P | w | PTE_G | PTE_NX, false);
        }
    }
    /* Local APIC and I/O APIC registers: uncached. */
    kmap(PHYS_MAP_BASE + 0xfec00000, 0xfec00000, PTE_P | PTE_W | PTE_G | PTE_NX | PTE_PCD | PTE_PWT,
         false);
    kmap(PHYS_MAP_BASE + 0xfee00000, 0xfee00000, PTE_P | PTE_W | PTE_G | PTE_NX | PTE_PCD | PTE_PWT,
         false);

    /* Kernel image. The guard page below each kernel stack stays unmapped. */
    for (vaddr_t va = (vaddr_t)_text; va < (vaddr_t)_kernel_end; va += PAGE_SIZE) {
        if (kstack_guard_name(va))
            continue;
        u64 f = PTE_P | PTE_G;
        if (va >= (vaddr_t)_etext)
            f |= PTE_NX;
        if (va >= (vaddr_t)_data)
            f |= PTE_W;
        kmap(va, V2P((void *)va), f, false);
    }
    vm_switch(kernel_pml4);
}

/* Device registers (PCI BARs) in the direct map, uncached: 4 KiB pages at
 * PHYS_MAP_BASE + pa, under the direct map's first PML4 entry, which every
 * address space shares (so below 512 GiB). Pages already mapped there
 * (another BAR on the same page) are left as they are. */
void *vm_map_mmio(paddr_t pa, u64 len)
{
    if (len == 0 || pa + len < pa || pa + len > (1UL << 39))
        return NULL;
    for (paddr_t p = ROUNDDOWN(pa, PAGE_SIZE); p < pa + len; p += PAGE_SIZE) {
        if (p < ROUNDUP(pmem_max_addr(), 0x200000))
            return NULL; /* RAM's 2 MiB pages cover it: not a device's */
        u64 *e = walk(kernel_pml4, PHYS_MAP_BASE + p, 0, true, PTE_P | PTE_W);
        if (!e)
            return NULL;
        if (!(*e & PTE_P))
            *e = p | PTE_P | PTE_W | PTE_G | PTE_NX | PTE_PCD | PTE_PWT;
    }
    return P2V(pa);
}

void vm_switch(paddr_t pml4)
{
    if (read_cr3() != pml4)
        write_cr3(pml4);
}

bool cpu_has_pcid;

/* Drops this CPU's translations of [va, va + n pages) if pml4 is the address
 * space it has loaded. */
/* The range's entries out of this CPU's TLB, which has its address space
 * loaded. */
static void flush_loaded(vaddr_t va, u64 n)
{
    if (n > 32) { /* cheaper than 32 invlpgs: drop this address space's entries */
        write_cr3(read_cr3() & ~(1UL << 63));
        return;
    }
    for (u64 i = 0; i < n; i++)
        invlpg(va + i * PAGE_SIZE);
}

static void flush_local_user(paddr_t pml4, vaddr_t va, u64 n)
{
    if ((read_cr3() & PTE_ADDR_MASK) == pml4)
        flush_loaded(va, n);
}

/* User TLB shootdown. With several CPUs, an env's page tables may be loaded
 * on another CPU (it runs the env, or loaded it last and kept it): after a
 * change to its mappings, every other CPU that has that PML4 in CR3 drops
 * the range, through one cross-CPU call for the whole range (the caller
 * batches: a capability's pages, a page table's entries), before the
 * caller goes on to free any frame that was mapped there. The caller holds
 * the kernel lock, or its CPU's local lock in a local call on its own env
 * (klock.c), so no CPU loads the PML4 meanwhile (loads happen under the
 * kernel lock, which excludes both); PCIDs are off with several CPUs (smp.c), so a CPU that does not have
 * it loaded keeps no translation of it.
 *
 * An env whose address space is private to CPU k (a Corey share,
 * sys_env_private) is never loaded on another CPU: a change made on k
 * needs no cross-CPU call at all (the local flush did it), and one made
 * elsewhere (its parent unmapping a page of it) calls k alone. */
u64 tlb_user_shootdowns; /* ranges shot down on other CPUs (tests) */

struct user_range {
    paddr_t pml4;
    vaddr_t va;
    u64 n;
};

static void flush_user_call(void *arg)
{
    const struct user_range *r = arg;
    flush_local_user(r->pml4, r->va, r->n);
}

static void shootdown_user(struct env *e, vaddr_t va, u64 n)
{
    if (!klock_on)
        return;
    struct user_range r = {e->pml4, va, n};
    int k = e->private_cpu, me = cpu()->id;
    if (k >= 0) {
        e->shootdowns_spared++; /* one CPU at most instead of every other */
        if (k != me)
            smp_call_mask(1UL << k, flush_user_call, &r);
        return;
    }
    smp_call_each(flush_user_call, &r, false);
    __atomic_fetch_add(&tlb_user_shootdowns, 1, __ATOMIC_RELAXED); /* (local calls: several CPUs) */
}

/* Drops the CPUs' translations (this one's, and by a cross-CPU call the
 * other ones') of pml4 altogether: it is about to be freed. */
static void drop_pml4_call(void *arg)
{
    if ((read_cr3() & PTE_ADDR_MASK) == *(paddr_t *)arg)
        write_cr3(kernel_pml4);
}

/* e becomes private to CPU k (sys_env_private): every other CPU that
 * still has its page tables in CR3 (it ran e last) drops them. */
void vm_make_private(struct env *e, int k)
{
    if (!klock_on)
        return;
    u64 all = (1UL << ncpu) - 1;
    smp_call_mask(all & ~(1UL << k), drop_pml4_call, &e->pml4);
}

void vm_flush_page(struct env *e, vaddr_t va)
{
    if ((read_cr3() & PTE_ADDR_MASK) == e->pml4)
        invlpg(va);
    else
        e->tlb_stale = true;
    shootdown_user(e, va, 1);
}

void vm_flush_range(struct env *e, vaddr_t va, u64 n)
{
    if ((read_cr3() & PTE_ADDR_MASK) != e->pml4)
        e->tlb_stale = true;
    else
        flush_loaded(va, n);
    shootdown_user(e, va, n);
}

u64 *vm_pte_slot(paddr_t pml4, vaddr_t va, bool create, struct env *charge)
{
    return walk_charged(pml4, va, 0, create, PTE_P | PTE_W | PTE_U, charge);
}

int vm_map(paddr_t pml4, vaddr_t va, paddr_t pa, u64 flags, struct env *charge)
{
    u64 tflags = PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
    u64 *e = walk_charged(pml4, va, 0, true, tflags, charge);
    if (!e)
        return -E_NOMEM;
    if (*e & PTE_P)
        return -E_BUSY;
    *e = pa | flags | PTE_P;
    return 0;
}

u64 *vm_pde_slot(paddr_t pml4, vaddr_t va, bool create, struct env *charge)
{
    return walk_charged(pml4, va, 1, create, PTE_P | PTE_W | PTE_U, charge);
}

u64 *vm_probe(paddr_t pml4, vaddr_t va, bool *large)
{
    *large = false;
    if (LAST_PT.pml4 == pml4 && LAST_PT.region == va >> 21)
        return &LAST_PT.pt[IDX(va, 0)];
    u64 *e = walk(pml4, va, 1, false, 0);
    if (!e || !(*e & PTE_P))
        return NULL;
    if (*e & PTE_PS) {
        *large = true;
        return NULL;
    }
    u64 *pt = table(PTE_ADDR(*e));
    if (va < USER_TOP) { /* (remembered, as walk_tables does) */
        LAST_PT.pml4 = pml4;
        LAST_PT.region = va >> 21;
        LAST_PT.pt = pt;
    }
    return &pt[IDX(va, 0)];
}

u64 *vm_large(paddr_t pml4, vaddr_t va)
{
    u64 *e = walk(pml4, va, 1, false, 0);
    return e && (*e & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS) ? e : NULL;
}

u64 *vm_walk(paddr_t pml4, vaddr_t va)
{
    u64 *e = walk(pml4, va, 0, false, 0);
    return e && (*e & PTE_P) ? e : NULL;
}

bool vm_prepare(paddr_t pml4, vaddr_t va)
{
    return walk(pml4, va, 0, true, PTE_P | PTE_W) != NULL;
}

paddr_t vm_new_space(struct env *charge)
{
    paddr_t p = pt_alloc(charge);
    if (!p)
        return 0;
    memcpy(table(p) + 256, table(kernel_pml4) + 256, 256 * sizeof(u64));
    /* The read-only window on the env's own page tables (PT_WINDOW_BASE). */
    table(p)[PT_WINDOW_SLOT] = p | PTE_P | PTE_U | PTE_NX;
    return p;
}

/* Frees page-table pages only: the frames mapped at the leaves belong to
 * capabilities (or to the kernel) and are released by their owners. Returns
 * the number of pages freed. */
/* An address space is sparse (a tiny env uses a handful of entries in each
 * of its tables), so the scans below skip runs of 32, then of 8, empty
 * entries with one test each (an or-chain of loads): tearing an env down no
 * longer costs 512 tests per table. */
static inline __attribute__((always_inline)) bool none_present(const u64 *e, int n)
{
    u64 any = 0;
#pragma GCC unroll 32
    for (int k = 0; k < n; k++)
        any |= e[k];
    return (any & PTE_P) == 0;
}

/* The index of the first present entry of table e at or after i, or 512. */
static int next_present(const u64 *e, int i)
{
    while (i < 512) {
        if (i % 32 == 0 && none_present(&e[i], 32))
            i += 32;
        else if (i % 8 == 0 && none_present(&e[i], 8))
            i += 8;
        else if (e[i] & PTE_P)
            return i;
        else
            i++;
    }
    return 512;
}

static u64 free_level(paddr_t t, int lvl)
{
    u64 n = 1, *e = table(t);
    if (lvl > 0)
        for (int i = next_present(e, 0); i < 512; i = next_present(e, i + 1))
            if (!(e[i] & PTE_PS)) /* (a 2 MiB page maps a capability's block: not a table) */
                n += free_level(PTE_ADDR(e[i]), lvl - 1);
    frame_free(t);
    return n;
}

u64 vm_free_space(struct env *owner)
{
    paddr_t pml4 = owner->pml4;
    if (klock_on)
        smp_call_each(drop_pml4_call, &pml4, true); /* no CPU keeps it in CR3 */
    else if ((read_cr3() & PTE_ADDR_MASK) == pml4)
        write_cr3(kernel_pml4);
    for (int i = 0; i < ncpu; i++)
        if (cpus[i].last_pt.pml4 == pml4)
            cpus[i].last_pt.pml4 = 0;
    u64 n = 1, *e = table(pml4);
    if (!owner->pts_over) { /* every table is in the list: no scan */
        for (int i = 0; i < owner->npts; i++)
            frame_free(owner->pts[i]);
        n += owner->npts;
    } else {
        for (int i = next_present(e, 0); i < 256; i = next_present(e, i + 1))
            if (i != PT_WINDOW_SLOT)
                n += free_level(PTE_ADDR(e[i]), 2);
    }
    owner->npts = 0;
    owner->pts_over = false;
    frame_free(pml4);
    return n;
}

/* The direct map's PD entry for physical address pa (2 MiB granule). */
static u64 *direct_pde(paddr_t pa)
{
    return walk(kernel_pml4, PHYS_MAP_BASE + pa, 1, false, 0);
}

/* A 2 MiB region of the direct map that vm_init mapped as one large page
 * (not one around the kernel image, nor the APIC windows). */
static bool direct_large_region(paddr_t pa)
{
    paddr_t r = ROUNDDOWN(pa, 0x200000);
    return r + 0x200000 <= V2P(_text) || r >= ROUNDUP(V2P(_kernel_end), 0x200000);
}

int vm_direct_protect(paddr_t pa, bool ro)
{
    u64 *pde = direct_pde(pa);
    if (!pde || !(*pde & PTE_P))
        return -E_INVAL;
    if (*pde & PTE_PS) {
        if (!ro)
            return 0; /* a large page is writable already */
        /* Split it: the same frames and flags in 512 small pages. */
        paddr_t pt = frame_alloc();
        if (!pt)
            return -E_NOMEM;
        u64 base = PTE_ADDR(*pde), flags = *pde & (PTE_W | PTE_G | PTE_NX | PTE_PCD | PTE_PWT);
        for (int i = 0; i < 512; i++)
            table(pt)[i] = (base + (u64)i * PAGE_SIZE) | PTE_P | flags;
        *pde = pt | PTE_P | PTE_W;
        tlb_flush_kernel((vaddr_t)P2V(base), 1); /* the large page's TLB entry, on every CPU */
    }
    u64 *pt = table(PTE_ADDR(*pde)), *pte = &pt[IDX(PHYS_MAP_BASE + pa, 0)];
    *pte = ro ? *pte & ~PTE_W : *pte | PTE_W;
    tlb_flush_kernel((vaddr_t)P2V(pa), 1); /* no CPU keeps a writable translation */
    if (ro || !direct_large_region(pa))
        return 0;
    /* Every page of a region split here is writable again: back to one
     * large page, and the page table is freed (no frame is kept for it). */
    for (int i = 0; i < 512; i++)
        if (!(pt[i] & PTE_W))
            return 0;
    paddr_t ptpa = PTE_ADDR(*pde);
    *pde = PTE_ADDR(pt[0]) | PTE_P | PTE_W | PTE_G | PTE_NX | PTE_PS;
    /* the large page's and every small entry's TLB entries, on every CPU */
    tlb_flush_kernel((vaddr_t)P2V(ROUNDDOWN(pa, 0x200000)), 512);
    frame_free(ptpa);
    return 0;
}

/* Checks of the kernel half of the page tables. mark() visits every leaf:
 * pass 0 counts W+X pages and records executable frames in `exec`, pass 1
 * counts the frames of `exec` mapped writable anywhere (each once). */
struct wx_walk {
    int pass;
    u64 *exec, *seen, nframes; /* bitmaps of nframes bits */
    u64 bad;
};

static bool bit(u64 *map, u64 f)
{
    return map[f / 64] & (1UL << (f % 64));
}

static void mark(struct wx_walk *w, u64 pte, u64 nx, u64 bytes)
{
    u64 first = PTE_ADDR(pte) / PAGE_SIZE, n = bytes / PAGE_SIZE;
    if (w->pass == 0 && (pte & PTE_W) && !nx)
        w->bad++; /* writable and executable at the same address */
    for (u64 f = first; f < first + n && f < w->nframes; f++) {
        if (w->pass == 0 && !nx)
            w->exec[f / 64] |= 1UL << (f % 64);
        else if (w->pass == 1 && (pte & PTE_W) && bit(w->exec, f) && !bit(w->seen, f)) {
            w->seen[f / 64] |= 1UL << (f % 64);
            w->bad++; /* executable at one address, writable at another */
        }
    }
}

static void check_wx(struct wx_walk *w, paddr_t t, int lvl, u64 inherited_nx)
{
    u64 *e = table(t);
    for (int i = 0; i < 512; i++) {
        if (!(e[i] & PTE_P))
            continue;
        u64 nx = inherited_nx | (e[i] & PTE_NX);
        if (lvl == 0 || (e[i] & PTE_PS))
            mark(w, e[i] & ~(lvl ? 0x1000UL : 0), nx, PAGE_SIZE << (9 * lvl)); /* PAT bit */
        else
            check_wx(w, PTE_ADDR(e[i]), lvl - 1, nx);
    }
}

u64 vm_check_wx(void)
{
    struct wx_walk w = {.nframes = pmem_max_addr() / PAGE_SIZE};
    u64 words = (w.nframes + 63) / 64, pages = ROUNDUP(words * 8, PAGE_SIZE) / PAGE_SIZE;
    paddr_t maps = frame_alloc_contig(2 * pages);
    if (!maps)
        return ~0UL; /* cannot check: not a pass */
    w.exec = P2V(maps);
    w.seen = P2V(maps + pages * PAGE_SIZE);
    u64 *e = table(kernel_pml4);
    for (w.pass = 0; w.pass < 2; w.pass++)
        for (int i = 256; i < 512; i++)
            if (e[i] & PTE_P)
                check_wx(&w, PTE_ADDR(e[i]), 2, e[i] & PTE_NX);
    for (u64 p = 0; p < 2 * pages; p++)
        frame_free(maps + p * PAGE_SIZE);
    return w.bad;
}
