/* Page tables. */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include "types.h"

#define PTE_P         (1UL << 0)
#define PTE_W         (1UL << 1)
#define PTE_U         (1UL << 2)
#define PTE_PWT       (1UL << 3)
#define PTE_PCD       (1UL << 4)
#define PTE_A         (1UL << 5)
#define PTE_D         (1UL << 6)
#define PTE_PS        (1UL << 7)
#define PTE_G         (1UL << 8)
#define PTE_NX        (1UL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000UL
#define PTE_ADDR(e)   ((e)&PTE_ADDR_MASK)

extern paddr_t kernel_pml4;
extern bool cpu_has_pcid;
struct env;

#define PT_WINDOW_SLOT 255 /* PML4 entry of the recursive read-only window */

void vm_init(void);
/* Maps one 4 KiB page; creates intermediate tables, charged to `charge`'s
 * quota if not NULL. Returns 0, -E_NOMEM, or -E_BUSY if va is already mapped. */
int vm_map(paddr_t pml4, vaddr_t va, paddr_t pa, u64 flags, struct env *charge);
/* The leaf entry for va (4 KiB mappings only: NULL inside a 2 MiB page), or NULL. */
u64 *vm_walk(paddr_t pml4, vaddr_t va);
/* The page-table entry slot for user address va, present or not; with
 * `create`, the tables above it are made (charged to `charge`). NULL if a
 * table is missing (or cannot be made). Entries of one page table are
 * contiguous: callers walking a range step the pointer until va crosses a
 * 2 MiB boundary, and walk again there. */
u64 *vm_pte_slot(paddr_t pml4, vaddr_t va, bool create, struct env *charge);
/* The page-directory entry (level 1) for user address va, present or not:
 * a page table, or a 2 MiB page (PTE_PS) mapping a block of 512 frames;
 * with `create`, the tables above it are made (charged to `charge`). NULL
 * if a table is missing (or cannot be made). */
u64 *vm_pde_slot(paddr_t pml4, vaddr_t va, bool create, struct env *charge);
/* vm_pte_slot without create, in one walk: NULL if there is no page
 * table for va, and then *large says whether a 2 MiB page maps it. */
u64 *vm_probe(paddr_t pml4, vaddr_t va, bool *large);
/* The 2 MiB page mapping user address va, or NULL. */
u64 *vm_large(paddr_t pml4, vaddr_t va);
/* Creates the page tables down to the page table covering va; false if no memory. */
bool vm_prepare(paddr_t pml4, vaddr_t va);
/* A new address space: kernel half shared, user half empty. 0 if no memory. */
paddr_t vm_new_space(struct env *charge);
/* Frees the user half's page-table pages and the PML4 of owner's address
 * space (not the mapped frames); returns how many pages were freed. */
u64 vm_free_space(struct env *owner);
/* Invalidates a user page's TLB entry after its PTE changed. */
void vm_flush_page(struct env *e, vaddr_t va);
/* Flushes [va, va + n pages) of e's translations (one CR3 reload for big ranges). */
void vm_flush_range(struct env *e, vaddr_t va, u64 n);
/* e's address space becomes private to CPU k: no other CPU keeps it loaded. */
void vm_make_private(struct env *e, int k);
void vm_switch(paddr_t pml4);
/* Maps device registers [pa, pa + len) uncached at P2V(pa) (below 512 GiB,
 * above RAM) and returns P2V(pa), or NULL. For PCI BARs (kernel/dev/pci.c). */
void *vm_map_mmio(paddr_t pa, u64 len);
/* Checks the kernel half of the page tables: no page is both writable and
 * executable, and no physical frame is executable at one address and
 * writable at another (its direct-map alias, say). Returns the number of
 * offending pages plus frames (~0 if it had no memory to check). */
u64 vm_check_wx(void);
/* Makes the direct-map alias of frame pa read-only (ro) or writable again,
 * splitting the 2 MiB page that holds it the first time (and joining it
 * again once every page of it is writable). 0, -E_NOMEM or -E_INVAL. */
int vm_direct_protect(paddr_t pa, bool ro);

#endif
