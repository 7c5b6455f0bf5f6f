/* Loads a static ELF64 x86-64 executable into a user address space. Every
 * header field is checked against the file and against user space; on error
 * the caller frees the address space (which frees what was mapped). */
#include "kernel.h"
#include "env.h"
#include "vm.h"
#include "pmem.h"

struct elf64_ehdr {
    u8 ident[16];
    u16 type, machine;
    u32 version;
    u64 entry, phoff, shoff;
    u32 flags;
    u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    u32 type, flags;
    u64 offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PHF_X   1
#define PHF_W   2

/* Maps and fills one segment. A page may already be mapped only if the
 * previous segment of this same load ended in it (*shared_page); any other
 * existing mapping is refused, so a loader never writes into, or widens the
 * rights of, a frame someone else mapped there. A read-only segment's pages
 * come in blocks of up to 512 frames (one capability each), but for its
 * last page, which the next segment may share and make writable: a frame
 * of its own. */
static int load_segment(struct env *e, const struct elf64_phdr *ph, const u8 *elf, u64 *shared_page)
{
    u64 start = ROUNDDOWN(ph->vaddr, PAGE_SIZE);
    u64 end = ROUNDUP(ph->vaddr + ph->memsz, PAGE_SIZE);
    u64 flags = (ph->flags & PHF_W ? PTE_W : 0) | (ph->flags & PHF_X ? 0 : PTE_NX);
    for (u64 va = start, n; va < end; va += n * PAGE_SIZE) {
        u64 *pte = vm_walk(e->pml4, va);
        n = 1;
        if (pte && va != *shared_page)
            return -E_BUSY;
        if (pte) {
            /* Shared with the previous segment: widen the rights. */
            *pte |= flags & PTE_W;
            if (!(flags & PTE_NX))
                *pte &= ~PTE_NX;
        } else {
            u64 order = 0, before_last = (end - PAGE_SIZE - va) / PAGE_SIZE;
            while (!(ph->flags & PHF_W) && order < 9 && (2UL << order) <= before_last)
                order++;
            n = 1UL << order;
            int r =
                order ? env_map_new_block(e, va, order, flags) : env_map_new_frame(e, va, flags);
            if (r < 0)
                return r;
            pte = vm_walk(e->pml4, va);
        }
        /* Copy the file bytes that fall in these pages (a block's frames
         * are contiguous). */
        u64 fs = MAX(va, ph->vaddr), fe = MIN(va + n * PAGE_SIZE, ph->vaddr + ph->filesz);
        if (fs < fe)
            memcpy((u8 *)P2V(PTE_ADDR(*pte)) + (fs - va), elf + ph->offset + (fs - ph->vaddr),
                   fe - fs);
    }
    *shared_page = end - PAGE_SIZE;
    return 0;
}

int elf_load(struct env *e, const u8 *elf, size_t size, u64 *entry)
{
    const struct elf64_ehdr *eh = (const void *)elf;
    if (size < sizeof *eh ||
        memcmp(eh->ident,
               "\x7f"
               "ELF",
               4) != 0 ||
        eh->ident[4] != 2 || eh->ident[5] != 1 || eh->type != 2 /* ET_EXEC */ ||
        eh->machine != 62 /* x86-64 */)
        return -E_INVAL;
    if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0 || eh->phnum > 64 ||
        eh->phoff > size || (u64)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff)
        return -E_INVAL;
    if (eh->entry < USER_MIN || eh->entry >= USER_MAP_TOP) /* where user code can be mapped */
        return -E_INVAL;
    const struct elf64_phdr *ph = (const void *)(elf + eh->phoff);
    int loaded = 0;
    u64 shared_page = 0;
    for (int i = 0; i < eh->phnum; i++) {
        if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
            continue;
        /* The segment must lie in user space below the stack area, and its
         * file bytes inside the file. */
        if (ph[i].filesz > ph[i].memsz || ph[i].offset > size ||
            ph[i].filesz > size - ph[i].offset || ph[i].vaddr < USER_MIN ||
            ph[i].memsz > USER_STACK_TOP - USER_MIN ||
            ph[i].vaddr > USER_STACK_TOP - (USER_STACK_PAGES + 1) * PAGE_SIZE - ph[i].memsz)
            return -E_INVAL;
        int r = load_segment(e, &ph[i], elf, &shared_page);
        if (r < 0)
            return r;
        loaded++;
    }
    if (!loaded)
        return -E_INVAL;
    *entry = eh->entry;
    return 0;
}
