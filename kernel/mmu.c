/* Secure bindings for memory: frames are exposed by physical number and held
 * through capabilities; an env changes page tables (its own, or those of an
 * env it controls) through batched, validated updates. */
#include "kernel.h"
#include "env.h"
#include "cap.h"
#include "cpu.h"
#include "vm.h"
#include "klock.h"
#include "pmem.h"
#include "uaccess.h"

/* Allocates a block of 2^order frames as an original capability in t's
 * table, charged to t: zeroed, or, with copy (a frame's physical address,
 * order 0, pfn -1), holding a copy of that frame. */
static s64 frame_alloc_in(struct env *t, s64 pfn, u64 order, paddr_t copy)
{
    u64 n = 1UL << order;
    if (env_charge(t, n) < 0)
        return -E_NOMEM;
    paddr_t pa = 0;
    int r = 0;
    if (copy) {
        assert(pfn == -1 && order == 0);
        pa = frame_alloc_raw();
        if (pa)
            memcpy(P2V(pa), P2V(copy), PAGE_SIZE); /* all of it: never zeroed first */
        else
            r = -E_NOMEM;
    } else if (pfn == -1) {
        pa = order ? frame_alloc_contig_aligned(n, n) : frame_alloc();
        if (!pa)
            r = -E_NOMEM;
    } else if (pfn < 0 || (u64)pfn % n) {
        r = -E_INVAL;
    } else {
        u64 k = 0;
        for (; k < n && (r = frame_alloc_at((u64)pfn + k)) == 0; k++)
            ;
        if (r < 0)
            while (k--)
                frame_free(((u64)pfn + k) * PAGE_SIZE);
        pa = (u64)pfn * PAGE_SIZE;
    }
    if (r < 0) {
        env_uncharge(t, n);
        return r;
    }
    int slot =
        cap_insert(t, CAP_FRAME, R_READ | R_WRITE | R_EXEC | R_GRANT | R_REVOKE, pa / PAGE_SIZE, 0);
    if (slot < 0) {
        for (u64 k = 0; k < n; k++)
            frame_free(pa + k * PAGE_SIZE);
        env_uncharge(t, n);
        return slot;
    }
    cap_slot(t, (u64)slot)->order = (u8)order;
    return slot;
}

/* sys_frame_alloc(pfn): see kernel/kcalls.tbl. */
s64 sys_frame_alloc(u64 pfn)
{
    return frame_alloc_in(cpu_env(), (s64)pfn, 0, 0);
}

/* sys_frame_copy(frame): see kernel/kcalls.tbl. A copy-on-write break in
 * one call: the new frame is filled from the old one through the direct
 * map, with no zeroing and no mapping. */
s64 sys_frame_copy(u64 frame)
{
    struct env *e = cpu_env();
    int err;
    struct capnode *c = cap_get(e, frame, &err);
    if (!c)
        return err;
    if (c->type != CAP_FRAME || !(c->rights & R_READ))
        return -E_PERM;
    if (c->order)
        return -E_INVAL;
    return frame_alloc_in(e, -1, 0, c->object * PAGE_SIZE);
}

/* sys_frame_alloc_in(env, pfn, order): see kernel/kcalls.tbl. */
s64 sys_frame_alloc_in(u64 env, u64 pfn, u64 order)
{
    struct env *t;
    int r = cap_env(cpu_env(), env, R_CONTROL, &t);
    if (r < 0)
        return r;
    if (order > FRAME_MAX_ORDER)
        return -E_INVAL;
    return frame_alloc_in(t, (s64)pfn, order, 0);
}

static u64 pte_flags(u32 op)
{
    return PTE_U | (op & MMU_W ? PTE_W : 0) | (op & MMU_X ? 0 : PTE_NX);
}

/* Duplicate detection for one batch (one CPU runs kernel calls today, as
 * for the ops copy below): page addresses claimed in this batch. */
STATIC_ASSERT(MMU_BATCH_MAX == 512); /* va_claim hashes to 10 bits */
static u32 batch_no;
static struct {
    u64 va;
    u32 batch;
} va_set[2 * MMU_BATCH_MAX];
struct range {
    u64 va, end;
};
static struct range blocks[MMU_BATCH_MAX];
/* The capability of each op, as the check found it (the apply loop uses it
 * instead of looking it up again: the batch changes no table before it),
 * and for MMU_REMAP the capability it replaces. */
static struct capnode *op_cap[MMU_BATCH_MAX], *op_old[MMU_BATCH_MAX];

/* The 2 MiB regions the current batch maps into, and whether a block
 * (more than one page) or a single page of it lies there: a page or a
 * block is compared with the others one by one only where they share a
 * region (blocks of a batch are few, but a fork gives a child some dozens
 * along with hundreds of pages). A block spans at most 2 regions
 * (FRAME_MAX_ORDER 9): at most 2 * MMU_BATCH_MAX regions, half the set. */
STATIC_ASSERT(FRAME_MAX_ORDER <= 9);
#define RG_SET (4 * MMU_BATCH_MAX)
static struct {
    u64 region;
    u32 batch;
    bool block, page;
} rg_set[RG_SET];

static __typeof__(rg_set[0]) *rg_get(u64 region)
{
    u64 h = region * 0x9e3779b97f4a7c15UL >> 53; /* 11 bits: RG_SET */
    for (;; h = (h + 1) % RG_SET) {
        if (rg_set[h].batch != batch_no) {
            rg_set[h].batch = batch_no;
            rg_set[h].region = region;
            rg_set[h].block = rg_set[h].page = false;
            return &rg_set[h];
        }
        if (rg_set[h].region == region)
            return &rg_set[h];
    }
}

/* Whether an earlier op of the current batch claimed va. */
static bool va_seen(u64 va)
{
    u64 h = (va >> 12) * 0x9e3779b97f4a7c15UL >> 54;
    for (;; h = (h + 1) % (2 * MMU_BATCH_MAX)) {
        if (va_set[h].batch != batch_no)
            return false;
        if (va_set[h].va == va)
            return true;
    }
}

/* Claims va for the current batch; false if an earlier op claimed it. */
static bool va_claim(u64 va)
{
    u64 h = (va >> 12) * 0x9e3779b97f4a7c15UL >> 54; /* 10 bits: 2 * MMU_BATCH_MAX */
    for (;; h = (h + 1) % (2 * MMU_BATCH_MAX)) {
        if (va_set[h].batch != batch_no) {
            va_set[h].batch = batch_no;
            va_set[h].va = va;
            return true;
        }
        if (va_set[h].va == va)
            return false;
    }
}

/* Whether [va, va + size) is a place for a mapping: page-aligned, in user
 * space, clear of the env-info page. */
static bool map_va_ok(u64 va, u64 size)
{
    return va % PAGE_SIZE == 0 && va >= USER_MIN && va < USER_MAP_TOP &&
           size <= USER_MAP_TOP - va && !(va <= ENV_INFO_VA && ENV_INFO_VA < va + size);
}

/* Whether every page of [va, va + size) is free in t: one walk per page
 * table, not per page. */
static inline __attribute__((always_inline)) bool map_va_free(struct env *t, u64 va, u64 size)
{
    if (size == PAGE_SIZE) {
        bool large;
        u64 *pte = vm_probe(t->pml4, va, &large);
        /* (no page table there: a 2 MiB page, or nothing) */
        return pte ? !(*pte & PTE_P) : !large;
    }
    for (u64 k = 0; k < size;) {
        vaddr_t a = va + k;
        u64 *pte = vm_pte_slot(t->pml4, a, false, NULL);
        if (!pte && vm_large(t->pml4, a))
            return false;
        u64 span = MIN(size - k, 0x200000 - (a & 0x1fffff)); /* to the table's end */
        for (u64 p = 0; pte && p < span; p += PAGE_SIZE, pte++)
            if (*pte & PTE_P)
                return false;
        k += span;
    }
    return true;
}

/* The checks of one operation o of e on t's page tables as they are, for
 * every path (sys_mmu_update's batches, sys_mmu_op): 0 with the capability
 * it names in *out (and, for MMU_REMAP, the one it replaces in *old), or
 * the error. */
/* The first part of op_check, the same for every opcode: the op word, and
 * the frame capability it names with the rights the mapping asks for. */
static inline __attribute__((always_inline)) int
op_check_cap(struct env *e, struct env *t, const struct mmu_op *o, struct capnode **out)
{
    u32 opc = o->op & 0xff;
    int r;
    if (o->op & ~(0xffu | MMU_W | MMU_X | MMU_TCAP | MMU_CLRAD) ||
        ((o->op & MMU_CLRAD) && opc != MMU_PROTECT))
        return -E_INVAL;
    if (opc == MMU_COPY && (o->op & MMU_TCAP))
        return -E_INVAL; /* a copy is made of the caller's own */
    struct capnode *c = cap_get(o->op & MMU_TCAP ? t : e, o->cap, &r);
    if (!c)
        return r;
    *out = c;
    if (c->type != CAP_FRAME || !(c->rights & R_READ) ||
        ((o->op & MMU_W) && !(c->rights & R_WRITE)) || ((o->op & MMU_X) && !(c->rights & R_EXEC)))
        return -E_PERM;
    return 0;
}

/* MMU_UNMAP's and MMU_PROTECT's own check: c is mapped in t. */
static inline bool op_check_mapped(const struct capnode *c, const struct env *t)
{
    return c->mapped_env == t->id;
}

static inline __attribute__((always_inline)) int op_check(struct env *e, struct env *t,
                                                          const struct mmu_op *o,
                                                          struct capnode **out,
                                                          struct capnode **old)
{
    u32 opc = o->op & 0xff;
    int r;
    if ((r = op_check_cap(e, t, o, out)) < 0)
        return r;
    struct capnode *c = *out;
    if (opc == MMU_COPY && t != e && !(c->rights & R_GRANT))
        return -E_PERM;
    if (opc == MMU_COPY && c->depth >= CAP_MAX_DEPTH)
        return -E_NOMEM;
    switch (opc) {
    case MMU_COPY:
    case MMU_MAP:
        if (!map_va_ok(o->va, cap_pages(c) * PAGE_SIZE))
            return -E_INVAL;
        if (c->mapped_env && opc == MMU_MAP)
            return -E_BUSY;
        return map_va_free(t, o->va, cap_pages(c) * PAGE_SIZE) ? 0 : -E_INVAL;
    case MMU_UNMAP:
    case MMU_PROTECT:
        return op_check_mapped(c, t) ? 0 : -E_INVAL;
    case MMU_REMAP: {
        /* The new frame is not mapped; the old one (slot va, same table)
         * is a page mapped in t. Single pages only. */
        if (o->va > 0xffffffffUL)
            return -E_INVAL;
        struct capnode *p = cap_get(o->op & MMU_TCAP ? t : e, o->va, &r);
        if (!p)
            return r;
        *old = p;
        if (p->type != CAP_FRAME || !(p->rights & R_READ))
            return -E_PERM;
        if (c->order || p->order || p == c || p->mapped_env != t->id)
            return -E_INVAL;
        return c->mapped_env ? -E_BUSY : 0;
    }
    default:
        return -E_INVAL;
    }
}

/* MMU_PROTECT of the checked capability c (mapped in t) with op's rights. */
static inline __attribute__((always_inline)) void op_protect(struct env *t, struct capnode *c,
                                                             u32 op)
{
    u64 *pte;
    const u64 clear = PTE_W | PTE_NX | (op & MMU_CLRAD ? PTE_A | PTE_D : 0);
    const u64 set = pte_flags(op) & (PTE_W | PTE_NX);
    if (c->order == 0) { /* one page */
        pte = vm_walk(t->pml4, c->mapped_va);
        assert(pte && PTE_ADDR(*pte) == c->object * PAGE_SIZE);
        *pte = (*pte & ~clear) | set;
        vm_flush_page(t, c->mapped_va);
        return;
    }
    if (cap_pages(c) == 512 && (pte = vm_large(t->pml4, c->mapped_va)) != NULL &&
        PTE_ADDR(*pte) == c->object * PAGE_SIZE) { /* a 2 MiB page */
        *pte = (*pte & ~clear) | set;
        vm_flush_range(t, c->mapped_va, 512);
        return;
    }
    pte = NULL;
    for (u64 k = 0; k < cap_pages(c); k++) {
        vaddr_t a = c->mapped_va + k * PAGE_SIZE;
        pte = !pte || (a & 0x1fffff) == 0 ? vm_walk(t->pml4, a) : pte + 1;
        assert(pte && PTE_ADDR(*pte) == (c->object + k) * PAGE_SIZE);
        *pte = (*pte & ~clear) | set;
    }
    vm_flush_range(t, c->mapped_va, cap_pages(c));
}

/* Applies one checked operation o to t (c: the capability op_check found):
 * 0, or the error with nothing of o applied. */
static inline __attribute__((always_inline)) int op_apply(struct env *t, const struct mmu_op *o,
                                                          struct capnode *c, struct capnode *old)
{
    u64 *pte;
    int r;
    switch (o->op & 0xff) {
    case MMU_COPY: {
        /* The copy carries the rights its mapping needs (and R_GRANT if
         * the original has it); then it is mapped like MMU_MAP. */
        u8 rights = R_READ | (c->rights & R_GRANT) | (o->op & MMU_W ? R_WRITE : 0) |
                    (o->op & MMU_X ? R_EXEC : 0);
        int slot = cap_insert(t, CAP_FRAME, rights, c->object, cap_index(c));
        if (slot < 0)
            return slot;
        c = cap_slot(t, (u64)slot);
    }
        /* fall through */
    case MMU_MAP: {
        /* One page table at a time; the entries of one table in a
         * tight loop (a 2 MiB block is 512 of them). */
        const vaddr_t va = o->va;
        const u64 n = cap_pages(c), flags = pte_flags(o->op) | PTE_P;
        const paddr_t pa = c->object * PAGE_SIZE;
        if (n == 512 && va % 0x200000 == 0 && pa % 0x200000 == 0) {
            /* A 2 MiB block at a 2 MiB boundary: one 2 MiB page, no page
             * table, where the directory entry is empty (map_va_free saw
             * nothing mapped; a page table left there from earlier 4 KiB
             * mappings is used as below). */
            u64 *pde = vm_pde_slot(t->pml4, va, true, t);
            if (!pde) {
                if ((o->op & 0xff) == MMU_COPY)
                    cap_delete_node(cap_index(c));
                return -E_NOMEM;
            }
            if (!(*pde & PTE_P)) {
                *pde = pa | flags | PTE_PS;
                cap_set_mapping(c, t, va);
                return 0;
            }
        }
        if (n == 1 && (r = vm_map(t->pml4, va, pa, flags, t)) < 0) {
            if ((o->op & 0xff) == MMU_COPY)
                cap_delete_node(cap_index(c));
            return r;
        }
        for (u64 k = 0; n > 1 && k < n;) {
            pte = vm_pte_slot(t->pml4, va + k * PAGE_SIZE, true, t);
            if (!pte) { /* no page table (quota): undo this operation's part */
                while (k--)
                    *vm_walk(t->pml4, va + k * PAGE_SIZE) = 0;
                vm_flush_range(t, va, n);
                if ((o->op & 0xff) == MMU_COPY)
                    cap_delete_node(cap_index(c));
                return -E_NOMEM;
            }
            u64 span = MIN(n - k, 512 - ((va / PAGE_SIZE + k) & 511));
            u64 v = (pa + k * PAGE_SIZE) | flags;
#pragma GCC unroll 8
            for (u64 j = 0; j < span; j++, v += PAGE_SIZE)
                pte[j] = v;
            k += span;
        }
        cap_set_mapping(c, t, va);
        return 0;
    }
    case MMU_REMAP: {
        /* One store: the entry goes from the old frame to the new one, so
         * the page is present throughout (an upcall that touches it meanwhile
         * sees one or the other). The old capability is left unmapped. */
        struct capnode *p = old;
        const vaddr_t va = p->mapped_va;
        pte = vm_walk(t->pml4, va);
        assert(pte && PTE_ADDR(*pte) == p->object * PAGE_SIZE);
        *pte = c->object * PAGE_SIZE | pte_flags(o->op) | PTE_P;
        vm_flush_page(t, va);
        cap_forget_mapping(p);
        cap_set_mapping(c, t, va);
        return 0;
    }
    case MMU_UNMAP:
        cap_unmap(c);
        return 0;
    case MMU_PROTECT:
        op_protect(t, c, o->op);
        return 0;
    }
    return -E_INVAL; /* (op_check let no other opcode through) */
}

/* sys_mmu_update(env, ops, count): see kernel/kcalls.tbl. */
s64 sys_mmu_update(u64 env, u64 uops, u64 count)
{
    struct env *e = cpu_env(), *t;
    static struct mmu_op ops[MMU_BATCH_MAX]; /* one CPU runs kernel calls today */
    if (count == 0 || count > MMU_BATCH_MAX)
        return -E_INVAL;
    int r = cap_env(e, env, R_CONTROL, &t);
    if (r < 0)
        return r;
    if (copy_from_user(ops, uops, count * sizeof ops[0]) < 0)
        return -E_FAULT;

    /* Check the whole batch before touching anything. */
    int nblocks = 0;
    if (count > 1 && ++batch_no == 0) /* (a stamp of 0 would match fresh nodes) */
        batch_no = 1;
    for (u64 i = 0; i < count; i++) {
        op_old[i] = NULL;
        if ((r = op_check(e, t, &ops[i], &op_cap[i], &op_old[i])) < 0)
            return r;
        /* No capability twice, no address twice: in linear time (a batch
         * stamp on the node, a hash set of page addresses; blocks are
         * compared as ranges with what shares a 2 MiB region with them). */
        if (count == 1)
            break; /* (nothing to compare with) */
        struct capnode *c = op_cap[i];
        u32 opc = ops[i].op & 0xff;
        if (c->batch == batch_no)
            return -E_INVAL;
        c->batch = batch_no;
        if (opc == MMU_REMAP) {
            /* The replaced capability and its address (a page) are this
             * op's too. */
            struct capnode *p = op_old[i];
            const u64 pva = p->mapped_va;
            if (p->batch == batch_no || !va_claim(pva))
                return -E_INVAL;
            p->batch = batch_no;
            __typeof__(rg_set[0]) *rg = rg_get(pva >> 21);
            rg->page = true;
            for (int b = 0; rg->block && b < nblocks; b++)
                if (pva < blocks[b].end && blocks[b].va <= pva)
                    return -E_INVAL;
        }
        if (opc == MMU_MAP || opc == MMU_COPY) {
            const u64 va = ops[i].va, size = cap_pages(c) * PAGE_SIZE;
            bool near_block = false, near_page = false;
            for (u64 g = va >> 21; g <= (va + size - 1) >> 21; g++) {
                __typeof__(rg_set[0]) *rg = rg_get(g);
                near_block |= rg->block;
                near_page |= rg->page;
                if (size > PAGE_SIZE)
                    rg->block = true;
                else
                    rg->page = true;
            }
            if (near_block)
                for (int b = 0; b < nblocks; b++)
                    if (va < blocks[b].end && blocks[b].va < va + size)
                        return -E_INVAL;
            if (size > PAGE_SIZE) {
                /* The pages claimed before it: each of its pages looked up,
                 * or each op before it compared, whichever is fewer. */
                if (near_page && size / PAGE_SIZE < i) {
                    for (u64 a = va; a < va + size; a += PAGE_SIZE)
                        if (va_seen(a))
                            return -E_INVAL;
                } else if (near_page) {
                    for (u64 j = 0; j < i; j++) {
                        u32 oj = ops[j].op & 0xff;
                        u64 vj = oj == MMU_REMAP ? op_old[j]->mapped_va : ops[j].va;
                        if ((oj == MMU_MAP || oj == MMU_COPY || oj == MMU_REMAP) && vj >= va &&
                            vj < va + size)
                            return -E_INVAL;
                    }
                }
                blocks[nblocks++] = (struct range){va, va + size};
            } else if (!va_claim(va)) {
                return -E_INVAL;
            }
        }
    }

    for (u64 i = 0; i < count; i++)
        if ((r = op_apply(t, &ops[i], op_cap[i], op_old[i])) < 0)
            return i ? (s64)i : r;
    return (s64)count;
}

/* sys_mmu_op's arguments: the caller e, and the target t its env slot
 * names (R_CONTROL); 0 or the error. */
static inline __attribute__((always_inline)) int mmu_op_args(u64 env, u64 cap, u64 op,
                                                             struct env **e, struct env **t)
{
    *e = cpu_env();
    if (cap > 0xffffffffUL || op > 0xffffffffUL)
        return -E_INVAL;   /* (the batch's fields are 32 bits wide) */
    if (env == CAP_SELF) { /* (cap_env's first case, without the call) */
        *t = *e;
        return 0;
    }
    return cap_env(*e, env, R_CONTROL, t);
}

/* sys_mmu_op of an MMU_PROTECT, a fault handler's usual call, on its own,
 * with the registers it needs only: op_check's and op_apply's parts for
 * MMU_PROTECT, without their opcode switches. */
static __attribute__((noinline)) s64 mmu_op_protect(u64 env, u64 va, u64 cap, u64 op)
{
    op = (op & ~0xffUL) | MMU_PROTECT; /* (the same value: for the compiler, which drops the
                                        * other opcodes' tests of op_check_cap) */
    struct env *e, *t;
    int r = mmu_op_args(env, cap, op, &e, &t);
    if (r < 0)
        return r;
    struct mmu_op o = {.va = va, .cap = (u32)cap, .op = (u32)op};
    struct capnode *c = NULL;
    if ((r = op_check_cap(e, t, &o, &c)) < 0)
        return r;
    if (!op_check_mapped(c, t))
        return -E_INVAL;
    op_protect(t, c, (u32)op);
    return 1;
}

/* sys_mmu_op of any other operation. */
static __attribute__((noinline)) s64 mmu_op_any(u64 env, u64 va, u64 cap, u64 op)
{
    struct env *e, *t;
    int r = mmu_op_args(env, cap, op, &e, &t);
    if (r < 0)
        return r;
    struct mmu_op o = {.va = va, .cap = (u32)cap, .op = (u32)op};
    struct capnode *c = NULL, *old = NULL;
    if ((r = op_check(e, t, &o, &c, &old)) < 0 || (r = op_apply(t, &o, c, old)) < 0)
        return r;
    return 1;
}

/* sys_mmu_op(env, va, cap, op): see kernel/kcalls.tbl. sys_mmu_update of
 * the one operation {va, cap, op}, taken from registers: the same checks
 * (op_check) and the same work (op_apply), without the batch's copy-in and
 * its comparisons. Two tail calls: MMU_PROTECT's own path, or the rest. */
s64 sys_mmu_op(u64 env, u64 va, u64 cap, u64 op)
{
    if ((op & 0xff) == MMU_PROTECT)
        return mmu_op_protect(env, va, cap, op);
    return mmu_op_any(env, va, cap, op);
}

/* sys_mmu_op's local function with several CPUs ("lock local" in
 * kcalls.tbl; klock.c, "Local calls"): runs holding this CPU's local lock
 * only, so it may touch only the caller's own objects. It does the common
 * case of a library OS's map, unmap and protect: the caller's own frame
 * capability (no MMU_TCAP), in its own address space (CAP_SELF), MMU_MAP of
 * one page whose page table exists (nothing to allocate, no quota to
 * charge), MMU_UNMAP or MMU_PROTECT of any of its mappings there. That
 * touches the capability's node (mapped_env, mapped_va: an own capability
 * mapped in its owner's space is on no list of foreign mappings), the
 * caller's page tables, this CPU's last-page-table cache and the TLBs (the
 * shootdown: the cross-CPU call mailbox has its own lock). Anything else,
 * every error included, answers KCALL_LOCKED having changed nothing, and
 * sys_mmu_op runs under the kernel lock. */
s64 sys_mmu_op_local(u64 env, u64 va, u64 cap, u64 op)
{
    struct env *e = cpu_env();
    u32 opc = op & 0xff;
    if (env != CAP_SELF || cap > 0xffffffffUL || op > 0xffffffffUL || (op & MMU_TCAP) ||
        (opc != MMU_MAP && opc != MMU_UNMAP && opc != MMU_PROTECT))
        return KCALL_LOCKED;
    struct mmu_op o = {.va = va, .cap = (u32)cap, .op = (u32)op};
    struct capnode *c = NULL, *old = NULL;
    if (op_check(e, e, &o, &c, &old) < 0)
        return KCALL_LOCKED;
    if (opc == MMU_MAP && (c->order || !vm_pte_slot(e->pml4, va, false, NULL)))
        return KCALL_LOCKED;
    if (op_apply(e, &o, c, NULL) < 0)
        panic("sys_mmu_op_local: a checked operation failed");
    return 1;
}

/* sys_frame_map(env, va, perms): see kernel/kcalls.tbl. sys_frame_alloc_in
 * and an MMU_MAP of the new frame in one call, for a library OS's
 * demand-zero fault: the address is checked first (map_va_ok, map_va_free), and a
 * frame that cannot be mapped is freed again. */
s64 sys_frame_map(u64 env, u64 va, u64 perms)
{
    struct env *t;
    int r = cap_env(cpu_env(), env, R_CONTROL, &t);
    if (r < 0)
        return r;
    if (perms & ~(u64)(MMU_W | MMU_X))
        return -E_INVAL;
    if (!map_va_ok(va, PAGE_SIZE) || !map_va_free(t, va, PAGE_SIZE))
        return -E_INVAL;
    s64 slot = frame_alloc_in(t, -1, 0, 0);
    if (slot < 0)
        return slot;
    struct capnode *c = cap_slot(t, (u64)slot);
    struct mmu_op o = {.va = va, .cap = (u32)slot, .op = MMU_MAP | MMU_TCAP | (u32)perms};
    if ((r = op_apply(t, &o, c, NULL)) < 0) {
        cap_delete_node(cap_index(c)); /* (an original: the frame goes back) */
        return r;
    }
    return slot;
}
