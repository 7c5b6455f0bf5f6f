/* The Linux personality's loader and the program's memory: ELF (ET_EXEC,
 * ET_DYN; PT_LOAD, PT_TLS, PT_GNU_STACK, PT_INTERP), the initial stack as
 * Linux builds it, and the frames mapped in the program's part of the
 * address space (below LX_TOP). Frames are found again by their mapping
 * (sys_cap_list), not remembered: a fork gives the child copies in other
 * slots, and copy-on-write replaces frames behind our back. */
#include "linux.h"
#include "../c/libc.h"
#include "../unix/unix_internal.h"

#define PAGE 4096UL

/* ---- program memory ---- */

extern char __executable_start[], _end[]; /* the personality's own image */
#define RUNNER_LO ((uint64_t)__executable_start)
#define RUNNER_HI (((uint64_t)_end + PAGE - 1) & ~(PAGE - 1))

int lx_range(uint64_t va, uint64_t len)
{
    if (va < USER_MIN || va >= LX_TOP || len > LX_TOP - va)
        return 0;
    return va + len <= RUNNER_LO || va >= RUNNER_HI;
}

/* Demand-zero memory: the stack and the brk area are not mapped when they
 * are made; a page of them gets a fresh zeroed frame at its first touch
 * (lx_demand, from the fault hook or from lx_ok), so that pages a program
 * never uses cost nothing, neither here nor in every fork. The ranges are
 * computed from lx's fields, which a forked child inherits with the rest
 * of its memory (its untouched pages are zero, as the parent's were). */
static int demand_range(uint64_t va)
{
    if (va >= LX_STACK_TOP - LX_STACK_SIZE && va < LX_STACK_TOP)
        return 1;
    return va >= lx.brk_start && va < ((lx.brk_cur + PAGE - 1) & ~(PAGE - 1));
}

static void hint_note(uint64_t va, uint32_t slot);

/* Regions with protections of their own (mmap's anonymous private
 * mappings, every range mprotect changed): sorted, disjoint, adjacent ones
 * of equal protection merged. A page of a region that is not present is
 * demand-zero with the region's protection, or, PROT_NONE, not accessible
 * at all: x86 has no present page without access, so a page made
 * PROT_NONE is unmapped and its contents, unless all zero, kept in a
 * saved copy (heap memory: a forked child inherits it with the table)
 * that its first touch after a protection allowing access puts back.
 * Regions come before the stack and brk ranges of demand_range. */
#define NVMA 512
struct vma {
    uint64_t lo, hi;
    uint32_t prot; /* PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4; 0: PROT_NONE; VMA_ANON */
};
/* Anonymous memory (mmap's, or the stack and brk areas mprotect made a
 * region of), whose pages madvise(MADV_DONTNEED) may drop: their next
 * touch is demand-zero. The rest (a file mapping's pages, the program's
 * own) keep their contents. */
#define VMA_ANON 8
static struct vma vma[NVMA], vma_tmp[NVMA + 3];
static int nvma;
struct saved_page {
    uint64_t va;
    struct saved_page *next;
    uint8_t data[PAGE];
};
static struct saved_page *saved; /* pages of PROT_NONE regions, by address */

static struct vma *vma_find(uint64_t va)
{
    for (int i = 0; i < nvma && vma[i].lo <= va; i++)
        if (va < vma[i].hi)
            return &vma[i];
    return NULL;
}

/* Gives [lo, hi) the protection prot, or (prot < 0) no region there. */
static long vma_set(uint64_t lo, uint64_t hi, int prot)
{
    int n = 0, placed = prot < 0;
    struct vma nv = {lo, hi, (uint32_t)prot};
    for (int i = 0; i < nvma; i++) {
        struct vma e = vma[i];
        if (e.hi <= lo || e.lo >= hi) {
            if (!placed && e.lo >= hi) {
                vma_tmp[n++] = nv;
                placed = 1;
            }
            vma_tmp[n++] = e;
            continue;
        }
        if (e.lo < lo)
            vma_tmp[n++] = (struct vma){e.lo, lo, e.prot};
        if (!placed) {
            vma_tmp[n++] = nv;
            placed = 1;
        }
        if (e.hi > hi)
            vma_tmp[n++] = (struct vma){hi, e.hi, e.prot};
    }
    if (!placed)
        vma_tmp[n++] = nv;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (m && vma_tmp[m - 1].hi == vma_tmp[i].lo && vma_tmp[m - 1].prot == vma_tmp[i].prot)
            vma_tmp[m - 1].hi = vma_tmp[i].hi;
        else
            vma_tmp[m++] = vma_tmp[i];
    }
    if (m > NVMA)
        return -LX_ENOMEM; /* (as Linux past vm.max_map_count) */
    memcpy(vma, vma_tmp, (size_t)m * sizeof vma[0]);
    nvma = m;
    return 0;
}

/* Drops the saved copies of pages in [lo, hi). */
static void saved_drop(uint64_t lo, uint64_t hi)
{
    for (struct saved_page **pp = &saved; *pp;) {
        struct saved_page *s = *pp;
        if (s->va >= lo && s->va < hi) {
            *pp = s->next;
            free(s);
        } else {
            pp = &s->next;
        }
    }
}

static int shm_none(uint64_t va);
int lx_vma_none(uint64_t va)
{
    struct vma *v = vma_find(va & ~(PAGE - 1));
    return (v && !(v->prot & 7)) || shm_none(va);
}

int lx_vma_any(uint64_t va, uint64_t len)
{
    for (int i = 0; i < nvma; i++)
        if (vma[i].lo < va + len && vma[i].hi > va)
            return 1;
    return 0;
}

long lx_vma_anon(uint64_t va, uint64_t len, uint32_t prot)
{
    if (va % PAGE || !lx_range(va, len))
        return -LX_EINVAL;
    saved_drop(va, va + len);
    return vma_set(va, va + len, (int)((prot & 7) | VMA_ANON));
}

/* The next border after va where demand_range or the regions may change
 * (at most hi). */
static uint64_t next_border(uint64_t va, uint64_t hi)
{
    uint64_t b[] = {LX_STACK_TOP - LX_STACK_SIZE, LX_STACK_TOP, lx.brk_start,
                    (lx.brk_cur + PAGE - 1) & ~(PAGE - 1)};
    for (int i = 0; i < 4; i++)
        if (b[i] > va && b[i] < hi)
            hi = b[i];
    for (int i = 0; i < nvma; i++) {
        if (vma[i].lo > va && vma[i].lo < hi)
            hi = vma[i].lo;
        if (vma[i].hi > va && vma[i].hi < hi)
            hi = vma[i].hi;
    }
    return hi;
}

/* Whether the page at va is anonymous memory (VMA_ANON above). */
static int page_anon(uint64_t va)
{
    struct vma *v = vma_find(va);
    return v ? (v->prot & VMA_ANON) != 0 : demand_range(va);
}

/* Gives [lo, hi) the protection prot, each part keeping whether it is
 * anonymous memory. */
static long vma_protect(uint64_t lo, uint64_t hi, uint32_t prot)
{
    for (uint64_t p = lo, q; p < hi; p = q) {
        q = next_border(p, hi);
        long r = vma_set(p, q, (int)((prot & 7) | (page_anon(p) ? VMA_ANON : 0)));
        if (r < 0)
            return r;
    }
    return 0;
}

int lx_demand(uint64_t va)
{
    va &= ~(PAGE - 1);
    if (!lx_range(va, PAGE) || (exo_pte(va) & PTE_P))
        return 0;
    struct vma *v = vma_find(va);
    uint32_t perms = MMU_W;
    if (v) {
        if (!(v->prot & 7))
            return 0; /* PROT_NONE: the access is the program's SIGSEGV */
        perms = (v->prot & 2 ? MMU_W : 0) | (v->prot & 4 ? MMU_X : 0);
    } else if (!demand_range(va)) {
        return 0;
    }
    long f = sys_frame_map(CAP_SELF, va, MMU_W | (perms & MMU_X));
    if (f < 0)
        return 0;
    unix_page_cow_set(va, 0, 0); /* (a fresh frame of ours) */
    for (struct saved_page **pp = &saved; *pp; pp = &(*pp)->next)
        if ((*pp)->va == va) {
            struct saved_page *s = *pp;
            *pp = s->next;
            memcpy((void *)va, s->data, PAGE);
            free(s);
            break;
        }
    if (!(perms & MMU_W))
        exo_protect(CAP_SELF, (uint32_t)f, perms);
    hint_note(va, (uint32_t)f);
    return 1;
}

int lx_ok(uint64_t p, uint64_t n, int write)
{
    if (n == 0)
        return 1;
    /* (MAP_SHARED anonymous memory is a segment of lib/unix's shm arena) */
    int shared = p >= SHM_ARENA_VA && n <= SHM_ARENA_PAGES * PAGE &&
                 p - SHM_ARENA_VA <= SHM_ARENA_PAGES * PAGE - n;
    if (!lx_range(p, n) && !shared)
        return 0;
    for (uint64_t va = p & ~(PAGE - 1); va < p + n; va += PAGE) {
        uint64_t pte = exo_pte(va);
        if (!(pte & PTE_P) && lx_demand(va)) /* (a demand-zero page: mapped now) */
            pte = exo_pte(va);
        if (!(pte & PTE_P) || !(pte & PTE_U))
            return 0;
        if (write && !(pte & PTE_W) && !unix_page_cow(va))
            return 0;
    }
    return 1;
}

long lx_strlen(uint64_t p, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (((p + i) & (PAGE - 1)) == 0 || i == 0)
            if (!lx_ok(p + i, 1, 0))
                return -LX_EFAULT;
        if (*(const char *)(p + i) == 0)
            return (long)i;
    }
    return -LX_ENAMETOOLONG;
}

/* Calls fn(slot, va, ci) for every frame capability of ours mapped in
 * [lo, hi). */
static void each_frame(uint64_t lo, uint64_t hi,
                       void (*fn)(uint32_t, const struct cap_info *, void *), void *arg)
{
    static struct cap_info ci[256];
    for (uint32_t base = 0; base < NCAPSLOTS; base += 256) {
        exo_touch(ci, sizeof ci);
        long n = sys_cap_list(base, ci, 256);
        if (n <= 0)
            break;
        for (long i = 0; i < n; i++)
            if (ci[i].type == CAP_FRAME && ci[i].mapped_env == exo_info->id &&
                ci[i].mapped_va >= lo && ci[i].mapped_va < hi &&
                (ci[i].mapped_va < RUNNER_LO || ci[i].mapped_va >= RUNNER_HI))
                fn(base + (uint32_t)i, &ci[i], arg);
    }
}

/* Unmaps a frame of the program's and deletes its capability, unless a
 * child we forked still shares the page (its copy-on-write copy is derived
 * from this capability: deleting ours would delete it and unmap the page
 * under the child, which then dies of a fault; what became of busybox
 * sh's here-document writer when its parent exec'd cat). Such a frame
 * stays, unmapped, a ghost that lib/unix frees once nobody shares it. */
static void blk_gone(uint32_t slot, const struct cap_info *ci);
static void del_frame(uint32_t slot, const struct cap_info *ci, void *arg)
{
    (void)arg;
    /* (whatever frame comes here next is not copy-on-write) */
    unix_page_cow_set(ci->mapped_va, 0, 0);
    if (ci->order)
        blk_gone(slot, ci); /* (lib/unix frees single frames only) */
    else if (ci->children)
        exo_unmap(CAP_SELF, slot), unix_note_ghost();
    else
        sys_cap_delete(slot);
}

/* Hints for small ranges: the slot lx_map_anon mapped at a page, by page
 * number (a direct-mapped table). A hint is only believed after
 * sys_cap_inspect confirms it (a fork gives the child copies in other
 * slots, copy-on-write replaces frames); any page whose hint fails sends
 * the whole range to each_frame's walk of the table, as before. */
#define HINTS      1024
#define SMALL_SPAN 64 /* pages: more and the walk is as cheap */
static struct {
    uint64_t vpn;
    uint32_t slot;
} hint[HINTS];

static void hint_note(uint64_t va, uint32_t slot)
{
    uint64_t vpn = va / PAGE;
    hint[vpn % HINTS].vpn = vpn;
    hint[vpn % HINTS].slot = slot;
}

/* fn on every frame of ours mapped in [lo, hi), as each_frame, by the
 * hints when the range is small and they all hold. */
static void range_frames(uint64_t lo, uint64_t hi,
                         void (*fn)(uint32_t, const struct cap_info *, void *), void *arg)
{
    uint32_t slots[SMALL_SPAN];
    struct cap_info cis[SMALL_SPAN];
    int n = 0;
    if ((hi - lo) / PAGE <= SMALL_SPAN) {
        for (uint64_t va = lo; va < hi; va += PAGE) {
            if (!(exo_pte(va) & PTE_P))
                continue; /* nothing mapped there */
            uint64_t vpn = va / PAGE;
            uint32_t s = hint[vpn % HINTS].slot;
            if (hint[vpn % HINTS].vpn != vpn || sys_cap_inspect(s, &cis[n]) < 0 ||
                cis[n].type != CAP_FRAME || cis[n].mapped_va != va ||
                cis[n].mapped_env != exo_info->id || cis[n].order) {
                n = -1;
                break;
            }
            slots[n++] = s;
        }
        if (n >= 0) {
            for (int i = 0; i < n; i++)
                fn(slots[i], &cis[i], arg);
            return;
        }
    }
    each_frame(lo, hi, fn, arg);
}

/* The read-only pages of a loaded image (text, rodata) are held in blocks
 * of 2^k frames (map_image): one capability for up to 512 pages, so that a
 * fork gives the child a few copies instead of hundreds. A block is never
 * writable (no copy-on-write of a block: sys_frame_copy copies single
 * frames). Where a block would have to change in part (munmap or mprotect
 * of some of its pages) or become writable, it is first split into single
 * frames holding the same contents (split_block). Recorded by address
 * (the slots differ in a forked child, which inherits this table with its
 * memory). */
#define IMG_BLOCKS 64
static struct {
    uint64_t va;
    uint32_t order;
} imgblk[IMG_BLOCKS];
static int nimgblk;

/* Whether any page of [va, va+len) is mapped. */
static int any_present(uint64_t va, uint64_t len)
{
    for (uint64_t p = va; p < va + len; p += PAGE)
        if (exo_pte(p) & PTE_P)
            return 1;
    return 0;
}

/* Blocks a forked child still shares when we unmap them (exec, munmap):
 * unmapped and kept, as del_frame keeps frames, and deleted here once
 * nobody shares them (lx_blocks_reap, from the next unmap). Their slots
 * are ours: a forked child forgets the list (lx_blocks_forget). */
#define GHOST_BLOCKS 32
static uint32_t ghost_blk[GHOST_BLOCKS];
static int nghost_blk;

static void blk_gone(uint32_t slot, const struct cap_info *ci)
{
    if (!ci->children) {
        sys_cap_delete(slot);
        return;
    }
    exo_unmap(CAP_SELF, slot);
    if (nghost_blk < GHOST_BLOCKS)
        ghost_blk[nghost_blk++] = slot; /* (else it stays until we end) */
}

static void lx_blocks_reap(void)
{
    for (int i = 0; i < nghost_blk;) {
        struct cap_info ci;
        if (sys_cap_inspect(ghost_blk[i], &ci) < 0 || ci.type != CAP_FRAME || !ci.order ||
            ci.mapped_env) {
            ghost_blk[i] = ghost_blk[--nghost_blk]; /* (not ours to judge any more) */
        } else if (!ci.children) {
            sys_cap_delete(ghost_blk[i]);
            ghost_blk[i] = ghost_blk[--nghost_blk];
        } else {
            i++;
        }
    }
}

void lx_blocks_forget(void)
{
    nghost_blk = 0;
}

/* The slot of the block of ours mapped at va (its description in *out),
 * or -1. */
static long block_slot(uint64_t va, struct cap_info *out)
{
    static struct cap_info ci[256];
    for (uint32_t base = 0; base < NCAPSLOTS; base += 256) {
        exo_touch(ci, sizeof ci);
        long n = sys_cap_list(base, ci, 256);
        if (n <= 0)
            break;
        for (long i = 0; i < n; i++)
            if (ci[i].type == CAP_FRAME && ci[i].order && ci[i].mapped_env == exo_info->id &&
                ci[i].mapped_va == va) {
                *out = ci[i];
                return base + (uint32_t)i;
            }
    }
    return -1;
}

/* Replaces block i by single frames with the same contents and
 * protections (copied through LX_SCRATCH_VA), but for its pages in
 * [drop_lo, drop_hi), which are unmapped (the caller unmaps them anyway);
 * 0, or -LX_ENOMEM with the block left as it was. */
static long split_block(int i, uint64_t drop_lo, uint64_t drop_hi)
{
    uint64_t va = imgblk[i].va, n = 1UL << imgblk[i].order;
    struct cap_info bci;
    long slot = block_slot(va, &bci);
    uint32_t perms = exo_pte(va) & PTE_NX ? 0 : MMU_X;
    static uint32_t fr[1UL << FRAME_MAX_ORDER];
    uint64_t k = 0;
    for (; slot >= 0 && k < n; k++) {
        if (va + k * PAGE >= drop_lo && va + k * PAGE < drop_hi) {
            fr[k] = 0; /* (no frame: a slot number is never 0, CAP_SELF) */
            continue;
        }
        long f = sys_frame_alloc(-1);
        if (f >= 0 && exo_map(CAP_SELF, (uint32_t)f, LX_SCRATCH_VA + k * PAGE, MMU_W) != 1) {
            sys_cap_delete((uint32_t)f);
            f = -1;
        }
        if (f < 0)
            break;
        fr[k] = (uint32_t)f;
        memcpy((void *)(LX_SCRATCH_VA + k * PAGE), (const void *)(va + k * PAGE), PAGE);
    }
    if (slot < 0 || k < n) {
        while (k--)
            if (fr[k])
                sys_cap_delete(fr[k]);
        return -LX_ENOMEM;
    }
    blk_gone((uint32_t)slot, &bci); /* (unmaps the block) */
    for (k = 0; k < n; k++) {
        if (!fr[k])
            continue;
        exo_unmap(CAP_SELF, fr[k]);
        exo_map(CAP_SELF, fr[k], va + k * PAGE, perms);
        hint_note(va + k * PAGE, fr[k]);
    }
    imgblk[i] = imgblk[--nimgblk];
    return 0;
}

/* Before [lo, hi) changes: splits the blocks that lie partly in it, and,
 * if all, every block in it; if forget (an unmap), the pages in it are not
 * kept by a split, and the blocks wholly inside are forgotten (the caller
 * deletes them). */
static long blocks_prepare(uint64_t lo, uint64_t hi, int all, int forget)
{
    for (int i = 0; i < nimgblk;) {
        uint64_t b = imgblk[i].va, e = b + (PAGE << imgblk[i].order);
        if (e <= lo || b >= hi) {
            i++;
        } else if (all || b < lo || e > hi) {
            long r = forget ? split_block(i, lo, hi)
                            : split_block(i, 0, 0); /* (moves the last entry to i) */
            if (r < 0)
                return r;
        } else if (forget) {
            imgblk[i] = imgblk[--nimgblk];
        } else {
            i++;
        }
    }
    return 0;
}

/* Maps [lo, hi) (page-aligned, nothing mapped there) with blocks of 8 or
 * more frames as far as it can, writable and with perms' MMU_X until the
 * loader protects them; the rest is left to lx_map_anon. */
static void map_blocks(uint64_t lo, uint64_t hi, uint32_t perms)
{
    while (hi - lo >= 8 * PAGE && nimgblk < IMG_BLOCKS) {
        uint32_t k = 3;
        while (k < FRAME_MAX_ORDER && (PAGE << (k + 1)) <= hi - lo)
            k++;
        long f = sys_frame_alloc_in(CAP_SELF, -1, k);
        if (f < 0)
            return; /* (no contiguous memory: single frames) */
        if (exo_map(CAP_SELF, (uint32_t)f, lo, MMU_W | (perms & MMU_X)) != 1) {
            sys_cap_delete((uint32_t)f);
            return;
        }
        imgblk[nimgblk].va = lo;
        imgblk[nimgblk++].order = k;
        lo += PAGE << k;
    }
}

/* lx_map_anon, with blocks for as much of [va, va+len) as they fit (a
 * mapping that stays read-only: see above). */
long lx_map_blocks(uint64_t va, uint64_t len, uint32_t perms)
{
    if (va % PAGE || !lx_range(va, len))
        return -LX_EINVAL;
    if (!any_present(va, len))
        map_blocks(va, (va + len) & ~(PAGE - 1), perms);
    return lx_map_anon(va, len, perms);
}

/* Unmaps the frames of [va, end), regions and saved copies stay. */
static long unmap_frames(uint64_t va, uint64_t end)
{
    lx_blocks_reap();
    long r = blocks_prepare(va, end, 0, 1);
    if (r < 0)
        return r;
    range_frames(va, end, del_frame, NULL);
    return 0;
}

long lx_unmap(uint64_t va, uint64_t len)
{
    if (va % PAGE || !lx_range(va, len))
        return -LX_EINVAL;
    uint64_t end = (va + len + PAGE - 1) & ~(PAGE - 1);
    long r = vma_set(va, end, -1);
    if (r < 0)
        return r;
    saved_drop(va, end);
    return unmap_frames(va, end);
}

static int page_zero(uint64_t va)
{
    const uint64_t *w = (const uint64_t *)va;
    for (size_t i = 0; i < PAGE / 8; i++)
        if (w[i])
            return 0;
    return 1;
}

long lx_mprotect(uint64_t va, uint64_t len, uint32_t prot)
{
    if (va % PAGE || !lx_range(va, len))
        return -LX_ENOMEM;
    uint64_t end = (va + len + PAGE - 1) & ~(PAGE - 1);
    for (uint64_t p = va; p < end; p += PAGE)
        if (!(exo_pte(p) & PTE_P) && !vma_find(p) && !demand_range(p))
            return -LX_ENOMEM; /* (nothing mapped there, as Linux) */
    struct saved_page *got = NULL;
    if (!(prot & 7)) /* PROT_NONE: the contents of present pages kept aside */
        for (uint64_t p = va; p < end; p += PAGE) {
            if (!(exo_pte(p) & PTE_P) || page_zero(p))
                continue;
            struct saved_page *s = malloc(sizeof *s);
            if (!s) {
                for (; got; got = s) {
                    s = got->next;
                    free(got);
                }
                return -LX_ENOMEM;
            }
            s->va = p;
            memcpy(s->data, (const void *)p, PAGE);
            s->next = got;
            got = s;
        }
    long r = vma_protect(va, end, prot);
    if (r < 0) {
        for (struct saved_page *s; got; got = s) {
            s = got->next;
            free(got);
        }
        return r;
    }
    if (prot & 7)
        return lx_protect(va, end - va, (prot & 2 ? MMU_W : 0) | (prot & 4 ? MMU_X : 0));
    while (got) {
        struct saved_page *s = got->next;
        got->next = saved;
        saved = got;
        got = s;
    }
    return unmap_frames(va, end);
}

/* Whether the page at va is part of a mapping (mapped, or a region's or
 * the stack's or brk's page not touched yet, or PROT_NONE). */
int lx_mapped(uint64_t va)
{
    return (exo_pte(va) & PTE_P) || vma_find(va) || demand_range(va);
}

/* The PROT_* bits of the mapping at va (its region's, else its page's). */
uint32_t lx_prot_at(uint64_t va)
{
    struct vma *v = vma_find(va);
    if (v)
        return v->prot & 7;
    uint64_t pte = exo_pte(va);
    if (!(pte & PTE_P))
        return demand_range(va) ? 3 : 0;
    return 1 | ((pte & PTE_W) || unix_page_cow(va) ? 2 : 0) | (pte & PTE_NX ? 0 : 4);
}

/* Whether [va, va+len) lies in one region, or in none. */
int lx_vma_one(uint64_t va, uint64_t len)
{
    struct vma *v = vma_find(va);
    return v ? v->hi >= va + len : !lx_vma_any(va, len);
}

/* madvise(MADV_DONTNEED) of [va, end): the frames of its anonymous pages
 * go (their next touch is demand-zero), and so do the saved contents of
 * its anonymous PROT_NONE pages; other pages (a file mapping's, the
 * program's image) keep theirs. */
long lx_dontneed(uint64_t va, uint64_t end)
{
    for (uint64_t p = va, q; p < end; p = q) {
        q = next_border(p, end);
        if (!page_anon(p))
            continue;
        saved_drop(p, q);
        long r = unmap_frames(p, q);
        if (r < 0)
            return r;
    }
    return 0;
}

/* mremap's move: a region of [to, to+nlen) with prot (anonymous memory:
 * demand-zero), into which the pages of [from, from+olen) that hold
 * something are copied (a PROT_NONE page's saved copy moves with it),
 * then [from, from+olen) unmapped. Pages never touched stay untouched. */
long lx_move(uint64_t from, uint64_t olen, uint64_t to, uint64_t nlen, uint32_t prot)
{
    long r = lx_vma_anon(to, nlen, prot);
    if (r < 0)
        return r;
    uint32_t perms = (prot & 2 ? MMU_W : 0) | (prot & 4 ? MMU_X : 0);
    for (uint64_t off = 0; off < olen; off += PAGE) {
        uint64_t s = from + off, d = to + off;
        if (!(exo_pte(s) & PTE_P)) {
            for (struct saved_page *sp = saved; sp; sp = sp->next)
                if (sp->va == s)
                    sp->va = d; /* (PROT_NONE: moves with the page) */
            continue;
        }
        if (page_zero(s))
            continue; /* (demand-zero there too) */
        long f = sys_frame_map(CAP_SELF, d, MMU_W | (perms & MMU_X));
        if (f < 0) {
            lx_unmap(to, nlen);
            return -LX_ENOMEM;
        }
        unix_page_cow_set(d, 0, 0);
        memcpy((void *)d, (const void *)s, PAGE);
        if (!(perms & MMU_W))
            exo_protect(CAP_SELF, (uint32_t)f, perms);
        hint_note(d, (uint32_t)f);
    }
    return lx_unmap(from, olen);
}

void lx_unmap_all(void)
{
    nvma = 0;
    saved_drop(0, ~0UL);
    lx_blocks_reap();
    each_frame(USER_MIN, LX_TOP, del_frame, NULL);
    nimgblk = 0;
}

static void prot_frame(uint32_t slot, const struct cap_info *ci, void *arg)
{
    uint32_t perms = *(uint32_t *)arg;
    /* Write access is given back only to a frame nobody shares: a shared
     * one stays read-only, copy-on-write resolves the first write. */
    if ((perms & MMU_W) && ((ci->rights & R_WRITE) == 0 || ci->children || ci->depth)) {
        perms &= ~MMU_W;
        if (!ci->order)
            unix_page_cow_set(ci->mapped_va, slot, 1);
    } else if (!(perms & MMU_W)) {
        /* (a write to it is the program's fault, not a copy to make) */
        unix_page_cow_set(ci->mapped_va, 0, 0);
    }
    exo_protect(CAP_SELF, slot, perms);
}

long lx_protect(uint64_t va, uint64_t len, uint32_t perms)
{
    if (va % PAGE || !lx_range(va, len))
        return -LX_EINVAL;
    uint64_t end = (va + len + PAGE - 1) & ~(PAGE - 1);
    long r = blocks_prepare(va, end, (perms & MMU_W) != 0, 0);
    if (r < 0)
        return r;
    range_frames(va, end, prot_frame, &perms);
    return 0;
}

/* Maps fresh zeroed frames over [va, va+len), writable first (the caller
 * fills them), then with perms; pages already mapped are left as they are. */
long lx_map_anon(uint64_t va, uint64_t len, uint32_t perms)
{
    if (va % PAGE || !lx_range(va, len))
        return -LX_EINVAL;
    for (uint64_t p = va; p < va + len; p += PAGE) {
        if (exo_pte(p) & PTE_P)
            continue;
        long f = sys_frame_alloc(-1);
        if (f < 0)
            return -LX_ENOMEM;
        if (exo_map(CAP_SELF, (uint32_t)f, p, MMU_W | (perms & MMU_X)) != 1) {
            sys_cap_delete((uint32_t)f);
            return -LX_ENOMEM;
        }
        hint_note(p, (uint32_t)f);
    }
    return 0;
}

/* ---- MAP_SHARED anonymous memory: protections ----
 *
 * Its pages are frames of lib/unix's shm segments, mapped in the arena
 * (SHM_ARENA_VA) at the same address in every process that attaches them.
 * mprotect changes this process's mapping only (as Linux: protections are
 * per process, the contents shared): write or execute away or back with
 * exo_protect, and PROT_NONE by deleting our capability of the page
 * (which unmaps it); the frame, and with it the contents every sharer
 * sees, stays the segment's, and a later mprotect maps it again from a
 * capability the server gives (shm_remap). A forked child maps its
 * segments afresh, read-write (shm_child_attach); lx_shm_child then gives
 * its pages the protections the parent had given them (the child
 * inherits this table with its memory). */
#define SHP_SET 0x80 /* prot: mprotect set it (the low bits); 0: as attached */
static uint8_t shp[SHM_ARENA_PAGES];

static int shm_page(uint64_t va)
{
    return va >= SHM_ARENA_VA && va < SHM_ARENA_VA + SHM_ARENA_PAGES * PAGE
               ? (int)((va - SHM_ARENA_VA) / PAGE)
               : -1;
}

static int shm_none(uint64_t va)
{
    int i = shm_page(va & ~(PAGE - 1));
    return i >= 0 && shp[i] == SHP_SET;
}

int lx_shm_mapped(uint64_t va)
{
    return shm_page(va) >= 0 && ((exo_pte(va) & PTE_P) || (shm_none(va) && shm_attached(va)));
}

/* The slots of our frames mapped in the arena, by page (0: none). */
static uint32_t shm_slot[SHM_ARENA_PAGES];
static void note_shm_slot(uint32_t slot, const struct cap_info *ci, void *arg)
{
    (void)arg;
    shm_slot[shm_page(ci->mapped_va)] = slot;
}
static void shm_slots(void)
{
    memset(shm_slot, 0, sizeof shm_slot);
    each_frame(SHM_ARENA_VA, SHM_ARENA_VA + SHM_ARENA_PAGES * PAGE, note_shm_slot, NULL);
}

static uint32_t perms_of_prot(uint32_t prot)
{
    return (prot & 2 ? MMU_W : 0) | (prot & 4 ? MMU_X : 0);
}

long lx_shm_protect(uint64_t va, uint64_t len, uint32_t prot)
{
    uint64_t end = va + len;
    if (end < va || end > SHM_ARENA_VA + SHM_ARENA_PAGES * PAGE)
        return -LX_ENOMEM;
    for (uint64_t p = va; p < end; p += PAGE)
        if (!lx_shm_mapped(p))
            return -LX_ENOMEM;
    shm_slots();
    for (uint64_t p = va, q; p < end; p = q) {
        int i = shm_page(p);
        q = p + PAGE;
        long r = 0;
        if (!(prot & 7)) {
            if (shm_slot[i])
                r = sys_cap_delete(shm_slot[i]); /* (unmaps it; the frame is the segment's) */
        } else if (shm_slot[i]) {
            r = exo_protect(CAP_SELF, shm_slot[i], perms_of_prot(prot));
        } else {
            while (q < end && shm_page(q) > 0 && !shm_slot[shm_page(q)])
                q += PAGE; /* (a stretch mapped again at once) */
            r = shm_remap(p, q, perms_of_prot(prot));
        }
        if (r < 0)
            return -LX_ENOMEM;
        for (uint64_t x = p; x < q; x += PAGE)
            shp[shm_page(x)] = (uint8_t)(SHP_SET | (prot & 7));
    }
    return 0;
}

void lx_shm_child(void)
{
    int any = 0;
    for (int i = 0; i < SHM_ARENA_PAGES; i++)
        any |= shp[i];
    if (!any)
        return;
    shm_slots();
    for (int i = 0; i < SHM_ARENA_PAGES; i++) {
        if (!shp[i])
            continue;
        if (!shm_slot[i])
            shp[i] = 0; /* (not attached here: nothing to keep) */
        else if (shp[i] == SHP_SET)
            sys_cap_delete(shm_slot[i]);
        else
            exo_protect(CAP_SELF, shm_slot[i], perms_of_prot(shp[i] & 7));
    }
}

/* After a detach (munmap): the pages of segments no longer attached are
 * forgotten. */
void lx_shm_detached(void)
{
    for (int i = 0; i < SHM_ARENA_PAGES; i++)
        if (shp[i] && !shm_attached(SHM_ARENA_VA + (uint64_t)i * PAGE))
            shp[i] = 0;
}

/* A new segment's pages: as attached. */
void lx_shm_fresh(uint64_t va, uint64_t len)
{
    for (uint64_t p = va; p < va + len; p += PAGE)
        if (shm_page(p) >= 0)
            shp[shm_page(p)] = 0;
}

/* ---- ELF ---- */

struct ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
#define PT_LOAD      1
#define PT_INTERP    3
#define PT_PHDR      6
#define PT_TLS       7
#define PT_GNU_STACK 0x6474e551
#define PF_X         1
#define PF_W         2

/* The buffers lx_read_file reads whole files into (a program to load, its
 * interpreter): 2 MiB blocks mapped at LX_FILE_VA, one region per buffer,
 * deleted again by lx_free_file. Not malloc: lib/c's heap never gives
 * pages back, and a dead copy of the last program loaded would stay in
 * every process and be copied by every fork. Blocks are allocated whole
 * (one frame capability, one mapping per 2 MiB); if none is free the
 * buffer comes from malloc after all, as do files under 128 KiB (a block's
 * zeroing would cost more than the little heap they leave). */
#define FILE_BLOCK   (2UL << 20)
#define FILE_REGIONS 2
#define FILE_REGION  (256UL << 20) /* bigger files: malloc */
#define FILE_SMALL   (128UL << 10) /* smaller ones too: a block costs its zeroing */
static struct {
    uint64_t va;   /* 0: free */
    uint32_t nblk; /* blocks mapped */
    uint32_t slot[FILE_REGION / FILE_BLOCK];
} fbuf[FILE_REGIONS];

static uint8_t *file_alloc(uint64_t bytes)
{
    if (bytes < FILE_SMALL)
        return malloc(bytes);
    for (int k = 0; k < FILE_REGIONS && bytes <= FILE_REGION; k++) {
        if (fbuf[k].va)
            continue;
        uint64_t va = LX_FILE_VA + (uint64_t)k * FILE_REGION;
        uint32_t n = 0;
        for (; (uint64_t)n * FILE_BLOCK < bytes; n++) {
            long b = sys_frame_alloc_in(CAP_SELF, -1, 9);
            if (b >= 0 && exo_map(CAP_SELF, (uint32_t)b, va + n * FILE_BLOCK, MMU_W) == 1) {
                fbuf[k].slot[n] = (uint32_t)b;
                continue;
            }
            if (b >= 0)
                sys_cap_delete((uint32_t)b);
            while (n > 0)
                sys_cap_delete(fbuf[k].slot[--n]);
            return malloc(bytes);
        }
        fbuf[k].va = va;
        fbuf[k].nblk = n;
        return (uint8_t *)va;
    }
    return malloc(bytes);
}

void lx_free_file(uint8_t *buf)
{
    for (int k = 0; k < FILE_REGIONS; k++) {
        if (fbuf[k].va && (uint64_t)buf == fbuf[k].va) {
            for (uint32_t n = 0; n < fbuf[k].nblk; n++)
                sys_cap_delete(fbuf[k].slot[n]);
            fbuf[k].va = 0;
            return;
        }
    }
    free(buf);
}

long lx_read_file(const char *path, uint8_t **buf, uint64_t *size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
        close(fd);
        return -LX_EACCES;
    }
    uint8_t *b = file_alloc((uint64_t)st.st_size + 1);
    if (!b) {
        close(fd);
        return -LX_ENOMEM;
    }
    int64_t got = 0;
    while (got < st.st_size) {
        ssize_t r = read(fd, b + got, (size_t)(st.st_size - got));
        if (r <= 0)
            break;
        got += r;
    }
    close(fd);
    if (got != st.st_size) {
        lx_free_file(b);
        return -LX_EIO;
    }
    b[got] = 0;
    *buf = b;
    *size = (uint64_t)got;
    return 0;
}

/* The checks that come before anything of the old image is dropped. */
long lx_check_elf(const uint8_t *img, uint64_t size)
{
    const struct ehdr *eh = (const struct ehdr *)img;
    if (size < sizeof *eh ||
        memcmp(eh->ident,
               "\x7f"
               "ELF",
               4) != 0 ||
        eh->ident[4] != 2 || eh->ident[5] != 1 || eh->machine != 62 ||
        (eh->type != 2 && eh->type != 3) || eh->phentsize != sizeof(struct phdr) ||
        eh->phnum == 0 || eh->phnum > 128 || eh->phoff > size ||
        (uint64_t)eh->phnum * sizeof(struct phdr) > size - eh->phoff)
        return -LX_ENOEXEC;
    const struct phdr *ph = (const struct phdr *)(img + eh->phoff);
    int loads = 0;
    for (int i = 0; i < eh->phnum; i++) {
        if (ph[i].type == PT_INTERP &&
            (ph[i].offset > size || ph[i].filesz > size - ph[i].offset || ph[i].filesz < 2 ||
             ph[i].filesz > 255 || img[ph[i].offset + ph[i].filesz - 1] != 0))
            return -LX_ENOEXEC;
        if (ph[i].type != PT_LOAD)
            continue;
        loads++;
        if (ph[i].filesz > ph[i].memsz || ph[i].offset > size ||
            ph[i].filesz > size - ph[i].offset || ph[i].memsz > LX_TOP ||
            ph[i].vaddr > LX_TOP - ph[i].memsz || (ph[i].vaddr - ph[i].offset) % PAGE)
            return -LX_ENOEXEC;
    }
    return loads ? 0 : -LX_ENOEXEC;
}

/* The interpreter an image names (PT_INTERP), or NULL. */
static const char *interp_of(const uint8_t *img)
{
    const struct ehdr *eh = (const struct ehdr *)img;
    const struct phdr *ph = (const struct phdr *)(img + eh->phoff);
    for (int i = 0; i < eh->phnum; i++)
        if (ph[i].type == PT_INTERP)
            return (const char *)img + ph[i].offset;
    return NULL;
}

/* Reads and checks the interpreter of img (checked by lx_check_elf): 0
 * (*buf, *size: the file, or NULL without one) or -errno, as Linux's
 * execve answers before its point of no return: the file's own error
 * (ENOENT, EACCES for a directory), EIO when it is shorter than an ELF
 * header, ELIBBAD when it is not an x86-64 ELF file. An interpreter that
 * Linux would fail to load only after that point (bad program headers,
 * not ET_DYN: the process is killed there) is ELIBBAD here too. */
static long read_interp(const uint8_t *img, uint8_t **buf, uint64_t *size)
{
    const char *interp = interp_of(img);
    *buf = NULL;
    *size = 0;
    if (!interp)
        return 0;
    long r = lx_read_file(interp, buf, size);
    if (r < 0)
        return r;
    if (*size < sizeof(struct ehdr))
        r = -LX_EIO;
    else if (lx_check_elf(*buf, *size) < 0 || ((const struct ehdr *)*buf)->type != 3)
        r = -LX_ELIBBAD;
    if (r < 0) {
        lx_free_file(*buf);
        *buf = NULL;
    }
    return r;
}

long lx_check_interp(const uint8_t *img)
{
    uint8_t *ib;
    uint64_t isize;
    long r = read_interp(img, &ib, &isize);
    lx_free_file(ib);
    return r;
}

/* The protections protect_image gives segment i: its own, and those of
 * the neighbours that share an end page with it. */
static uint32_t seg_perms(const uint8_t *img, uint64_t bias, int i)
{
    const struct ehdr *eh = (const struct ehdr *)img;
    const struct phdr *ph = (const struct phdr *)(img + eh->phoff);
    uint64_t va = ph[i].vaddr + bias;
    uint64_t lo = va & ~(PAGE - 1), hi = (va + ph[i].memsz + PAGE - 1) & ~(PAGE - 1);
    uint32_t perms = (ph[i].flags & PF_W ? MMU_W : 0) | (ph[i].flags & PF_X ? MMU_X : 0);
    for (int j = 0; j < eh->phnum; j++) { /* neighbours sharing an end page */
        if (j == i || ph[j].type != PT_LOAD)
            continue;
        uint64_t jlo = (ph[j].vaddr + bias) & ~(PAGE - 1);
        uint64_t jhi = (ph[j].vaddr + bias + ph[j].memsz + PAGE - 1) & ~(PAGE - 1);
        if (jlo < hi && jhi > lo && (jlo == hi - PAGE || jhi == lo + PAGE))
            perms |= (ph[j].flags & PF_W ? MMU_W : 0) | (ph[j].flags & PF_X ? MMU_X : 0);
    }
    return perms;
}

/* Maps one image at bias (0 for ET_EXEC); fills entry, phdr and the
 * highest address it uses. */
static long map_image(const uint8_t *img, uint64_t bias, uint64_t *entry, uint64_t *phdr,
                      uint64_t *end)
{
    const struct ehdr *eh = (const struct ehdr *)img;
    const struct phdr *ph = (const struct phdr *)(img + eh->phoff);
    *phdr = 0;
    *end = 0;
    for (int i = 0; i < eh->phnum; i++) {
        if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
            continue;
        uint64_t va = ph[i].vaddr + bias;
        if (!lx_range(va, ph[i].memsz))
            return -LX_ENOEXEC;
        uint64_t lo = va & ~(PAGE - 1), hi = (va + ph[i].memsz + PAGE - 1) & ~(PAGE - 1);
        /* Pages that stay read-only: blocks, but for the end pages (which
         * a neighbour may share, and protect on its own). */
        if (!(seg_perms(img, bias, i) & MMU_W) && hi - lo > 2 * PAGE)
            map_blocks(lo + PAGE, hi - PAGE, MMU_X);
        long r = lx_map_anon(lo, hi - lo, MMU_X);
        if (r < 0)
            return r;
        /* The pages are writable until lx_load protects them. */
        memcpy((void *)va, img + ph[i].offset, ph[i].filesz);
        if (hi > *end)
            *end = hi;
        if (ph[i].offset <= eh->phoff && eh->phoff - ph[i].offset < ph[i].filesz)
            *phdr = va + (eh->phoff - ph[i].offset);
    }
    for (int i = 0; i < eh->phnum; i++)
        if (ph[i].type == PT_PHDR)
            *phdr = ph[i].vaddr + bias;
    *entry = eh->entry + bias;
    return 0;
}

/* Gives each segment's pages their protections (a page two segments share
 * gets both). */
static void protect_image(const uint8_t *img, uint64_t bias)
{
    const struct ehdr *eh = (const struct ehdr *)img;
    const struct phdr *ph = (const struct phdr *)(img + eh->phoff);
    for (int i = 0; i < eh->phnum; i++) {
        if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
            continue;
        uint64_t va = ph[i].vaddr + bias;
        uint64_t lo = va & ~(PAGE - 1), hi = (va + ph[i].memsz + PAGE - 1) & ~(PAGE - 1);
        lx_protect(lo, hi - lo, seg_perms(img, bias, i));
    }
}

static uint64_t rnd_state;
uint64_t lx_random(void)
{
    if (!rnd_state) {
        uint32_t lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        rnd_state = ((uint64_t)hi << 32 | lo) * 0x9e3779b97f4a7c15UL | 1;
    }
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state * 0x2545f4914f6cdd1dUL;
}

#define AT_NULL     0
#define AT_PHDR     3
#define AT_PHENT    4
#define AT_PHNUM    5
#define AT_PAGESZ   6
#define AT_BASE     7
#define AT_FLAGS    8
#define AT_ENTRY    9
#define AT_UID      11
#define AT_EUID     12
#define AT_GID      13
#define AT_EGID     14
#define AT_PLATFORM 15
#define AT_HWCAP    16
#define AT_CLKTCK   17
#define AT_SECURE   23
#define AT_RANDOM   25
#define AT_EXECFN   31

long lx_load(const char *path, const uint8_t *img, uint64_t size, char *const argv[],
             char *const envp[], struct lx_image *out)
{
    long r = lx_check_elf(img, size);
    if (r < 0)
        return r;
    const struct ehdr *eh = (const struct ehdr *)img;
    uint64_t bias = eh->type == 3 ? LX_PIE_BASE : 0;
    uint64_t entry, phdr, end;
    if ((r = map_image(img, bias, &entry, &phdr, &end)) < 0)
        return r;
    out->prog_entry = entry;
    out->entry = entry;
    out->phdr = phdr;
    out->phnum = eh->phnum;
    out->brk = end;
    out->base = 0;
    uint8_t *ib;
    uint64_t isize;
    if ((r = read_interp(img, &ib, &isize)) < 0)
        return r;
    if (ib) {
        uint64_t ientry, iphdr, iend;
        if ((r = map_image(ib, LX_INTERP_BASE, &ientry, &iphdr, &iend)) < 0) {
            lx_free_file(ib);
            return r;
        }
        protect_image(ib, LX_INTERP_BASE);
        lx_free_file(ib);
        out->base = LX_INTERP_BASE;
        out->entry = ientry;
    }

    /* The stack: strings at the top, then AT_RANDOM's bytes, then (16-byte
     * aligned) argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL. Only
     * the pages these take are mapped now (and one more below them): the
     * rest of the stack is demand-zero (lx_demand). */
    int argc = 0, envc = 0;
    while (argv && argv[argc])
        argc++;
    while (envp && envp[envc])
        envc++;
    uint64_t sp = LX_STACK_TOP - 16;
    size_t strbytes = strlen(path) + 1;
    for (int i = 0; i < argc; i++)
        strbytes += strlen(argv[i]) + 1;
    for (int i = 0; i < envc; i++)
        strbytes += strlen(envp[i]) + 1;
    if (strbytes > LX_STACK_SIZE / 2)
        return -LX_E2BIG;
    uint64_t need =
        strbytes + strlen(path) + 1 + 64 + (4 + (uint64_t)argc + (uint64_t)envc + 36) * 8;
    need = (need + 2 * PAGE - 1) & ~(PAGE - 1);
    if ((r = lx_map_anon(LX_STACK_TOP - need, need, 0)) < 0)
        return r;
    uint64_t *ptrs = malloc(sizeof(uint64_t) * (size_t)(argc + envc + 1));
    if (!ptrs)
        return -LX_ENOMEM;
    for (int i = 0; i < argc + envc; i++) {
        const char *s = i < argc ? argv[i] : envp[i - argc];
        size_t l = strlen(s) + 1;
        sp -= l;
        memcpy((void *)sp, s, l);
        ptrs[i] = sp;
    }
    size_t pl = strlen(path) + 1;
    sp -= pl;
    memcpy((void *)sp, path, pl);
    uint64_t execfn = sp;
    sp -= 16;
    sp &= ~15UL;
    uint64_t *rnd = (uint64_t *)sp;
    rnd[0] = lx_random();
    rnd[1] = lx_random();
    uint64_t random_at = sp;
    sp -= 16;
    memcpy((void *)sp, "x86_64", 7);
    uint64_t platform = sp;
    uint64_t aux[] = {AT_PHDR,     out->phdr,
                      AT_PHENT,    sizeof(struct phdr),
                      AT_PHNUM,    out->phnum,
                      AT_PAGESZ,   PAGE,
                      AT_BASE,     out->base,
                      AT_FLAGS,    0,
                      AT_ENTRY,    out->prog_entry,
                      AT_UID,      0,
                      AT_EUID,     0,
                      AT_GID,      0,
                      AT_EGID,     0,
                      AT_SECURE,   0,
                      AT_RANDOM,   random_at,
                      AT_EXECFN,   execfn,
                      AT_HWCAP,    0x178bfbff,
                      AT_CLKTCK,   100,
                      AT_PLATFORM, platform,
                      AT_NULL,     0};
    size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + sizeof aux / 8;
    sp -= words * 8;
    sp &= ~15UL;
    uint64_t *w = (uint64_t *)sp;
    *w++ = (uint64_t)argc;
    for (int i = 0; i < argc; i++)
        *w++ = ptrs[i];
    *w++ = 0;
    for (int i = 0; i < envc; i++)
        *w++ = ptrs[argc + i];
    *w++ = 0;
    memcpy(w, aux, sizeof aux);
    free(ptrs);
    out->rsp = sp;
    protect_image(img, bias);
    return 0;
}
