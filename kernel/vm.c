/* Kernel page tables, and page-table helpers for user address spaces.
 *
 * The kernel half (PML4 entries 256..511) is built once at boot and shared by
 * every address space: a direct map of all physical memory at PHYS_MAP_BASE
 * (NX, 2 MiB pages except around the kernel image, whose alias is read-only),
 * and the kernel image at KERNEL_BASE with 4 KiB pages: text read+execute,
 * rodata read-only NX, data/bss read-write NX, the guard page below each
 * kernel stack not mapped. No page is writable and executable. */
#include "kernel.h"
#include "vm.h"
#include "pmem.h"
#include "env.h"
#include "cpu.h"
#include "arch/x86_64/x86.h"

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

/* Returns the entry at level `lvl` (0 = PT) for va, creating tables above it
 * (charged to `charge`, if not NULL). */
static u64 *walk_charged(paddr_t pml4, vaddr_t va, int lvl, bool create, u64 tflags,
                         struct env *charge)
{
    u64 *t = table(pml4);
    for (int l = 3; l > lvl; l--) {
        u64 *e = &t[IDX(va, l)];
        if (!(*e & PTE_P)) {
            if (!create)
                return NULL;
            paddr_t n = pt_alloc(charge);
            if (!n)
                return NULL;
            *e = n | tflags;
        } else if (*e & PTE_PS) {
            return NULL;
        }
        t = table(PTE_ADDR(*e));
    }
    return &t[IDX(va, lvl)];
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

void vm_switch(paddr_t pml4)
{
    if (read_cr3() != pml4)
        write_cr3(pml4);
}

bool cpu_has_pcid;

/* Loads e's address space. With PCIDs, TLB entries tagged with e's PCID
 * survive the switch unless e's page tables changed while it was not loaded. */
void env_load_cr3(struct env *e)
{
    if (!cpu_has_pcid || !e->pcid) {
        vm_switch(e->pml4);
        return;
    }
    u64 cr3 = e->pml4 | e->pcid;
    if (!e->tlb_stale)
        cr3 |= 1UL << 63; /* keep this PCID's entries */
    e->tlb_stale = false;
    if (read_cr3() != (cr3 & ~(1UL << 63)))
        write_cr3(cr3);
}

void vm_flush_page(struct env *e, vaddr_t va)
{
    if ((read_cr3() & PTE_ADDR_MASK) == e->pml4)
        invlpg(va);
    else
        e->tlb_stale = true;
}

void vm_flush_range(struct env *e, vaddr_t va, u64 n)
{
    if ((read_cr3() & PTE_ADDR_MASK) != e->pml4) {
        e->tlb_stale = true;
        return;
    }
    if (n > 32) { /* cheaper than 32 invlpgs: drop this address space's entries */
        write_cr3(read_cr3() & ~(1UL << 63));
        return;
    }
    for (u64 i = 0; i < n; i++)
        invlpg(va + i * PAGE_SIZE);
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
static u64 free_level(paddr_t t, int lvl)
{
    u64 n = 1, *e = table(t);
    for (int i = 0; i < 512 && lvl > 0; i++)
        if (e[i] & PTE_P)
            n += free_level(PTE_ADDR(e[i]), lvl - 1);
    frame_free(t);
    return n;
}

u64 vm_free_space(paddr_t pml4)
{
    if ((read_cr3() & PTE_ADDR_MASK) == pml4)
        write_cr3(kernel_pml4);
    u64 n = 1, *e = table(pml4);
    for (int i = 0; i < 256; i++)
        if ((e[i] & PTE_P) && i != PT_WINDOW_SLOT)
            n += free_level(PTE_ADDR(e[i]), 2);
    frame_free(pml4);
    return n;
}

static u64 check_wx(paddr_t t, int lvl, u64 inherited_nx)
{
    u64 bad = 0, *e = table(t);
    for (int i = 0; i < 512; i++) {
        if (!(e[i] & PTE_P))
            continue;
        u64 nx = inherited_nx | (e[i] & PTE_NX);
        if (lvl == 0 || (e[i] & PTE_PS)) {
            if ((e[i] & PTE_W) && !nx)
                bad++;
        } else {
            bad += check_wx(PTE_ADDR(e[i]), lvl - 1, nx);
        }
    }
    return bad;
}

u64 vm_check_wx(void)
{
    u64 bad = 0, *e = table(kernel_pml4);
    for (int i = 256; i < 512; i++)
        if (e[i] & PTE_P)
            bad += check_wx(PTE_ADDR(e[i]), 2, e[i] & PTE_NX);
    return bad;
}
