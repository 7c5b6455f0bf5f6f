/* Secure bindings for memory: frames are exposed by physical number and held
 * through capabilities; an env changes page tables (its own, or those of an
 * env it controls) through batched, validated updates. */
#include "kernel.h"
#include "env.h"
#include "cap.h"
#include "cpu.h"
#include "vm.h"
#include "pmem.h"
#include "uaccess.h"

/* Allocates a block of 2^order frames as an original capability in t's
 * table, charged to t. */
static s64 frame_alloc_in(struct env *t, s64 pfn, u64 order)
{
    u64 n = 1UL << order;
    if (env_charge(t, n) < 0)
        return -E_NOMEM;
    paddr_t pa = 0;
    int r = 0;
    if (pfn == -1) {
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
    return frame_alloc_in(cpu_env(), (s64)pfn, 0);
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
    return frame_alloc_in(t, (s64)pfn, order);
}

static u64 pte_flags(u32 op)
{
    return PTE_U | (op & MMU_W ? PTE_W : 0) | (op & MMU_X ? 0 : PTE_NX);
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
    for (u64 i = 0; i < count; i++) {
        u32 opc = ops[i].op & 0xff;
        if (ops[i].op & ~(0xffu | MMU_W | MMU_X | MMU_TCAP | MMU_CLRAD) ||
            ((ops[i].op & MMU_CLRAD) && (ops[i].op & 0xff) != MMU_PROTECT))
            return -E_INVAL;
        struct capnode *c = cap_get(ops[i].op & MMU_TCAP ? t : e, ops[i].cap, &r);
        if (!c)
            return r;
        if (c->type != CAP_FRAME || !(c->rights & R_READ) ||
            ((ops[i].op & MMU_W) && !(c->rights & R_WRITE)) ||
            ((ops[i].op & MMU_X) && !(c->rights & R_EXEC)))
            return -E_PERM;
        switch (opc) {
        case MMU_MAP: {
            u64 size = cap_pages(c) * PAGE_SIZE;
            if (ops[i].va % PAGE_SIZE || ops[i].va < USER_MIN || ops[i].va >= USER_MAP_TOP ||
                size > USER_MAP_TOP - ops[i].va ||
                (ops[i].va <= ENV_INFO_VA && ENV_INFO_VA < ops[i].va + size))
                return -E_INVAL;
            if (c->mapped_env)
                return -E_BUSY;
            /* Every page free: one walk per page table, not per page. */
            for (u64 k = 0; k < size;) {
                vaddr_t a = ops[i].va + k;
                u64 *pte = vm_pte_slot(t->pml4, a, false, NULL);
                u64 span = MIN(size - k, 0x200000 - (a & 0x1fffff)); /* to the table's end */
                for (u64 p = 0; pte && p < span; p += PAGE_SIZE, pte++)
                    if (*pte & PTE_P)
                        return -E_INVAL;
                k += span;
            }
            break;
        }
        case MMU_UNMAP:
        case MMU_PROTECT:
            if (c->mapped_env != t->id)
                return -E_INVAL;
            break;
        default:
            return -E_INVAL;
        }
        for (u64 j = 0; j < i; j++)
            if ((ops[j].cap == ops[i].cap && ((ops[j].op ^ ops[i].op) & MMU_TCAP) == 0) ||
                (opc == MMU_MAP && (ops[j].op & 0xff) == MMU_MAP && ops[j].va == ops[i].va))
                return -E_INVAL;
    }

    for (u64 i = 0; i < count; i++) {
        struct capnode *c = cap_slot(ops[i].op & MMU_TCAP ? t : e, ops[i].cap);
        u64 *pte;
        switch (ops[i].op & 0xff) {
        case MMU_MAP:
            pte = NULL;
            for (u64 k = 0; k < cap_pages(c); k++) {
                vaddr_t a = ops[i].va + k * PAGE_SIZE;
                if (!pte || (a & 0x1fffff) == 0)
                    pte = vm_pte_slot(t->pml4, a, true, t);
                else
                    pte++;
                if (!pte) { /* no page table (quota): undo this operation's part */
                    while (k--)
                        *vm_walk(t->pml4, ops[i].va + k * PAGE_SIZE) = 0;
                    vm_flush_range(t, ops[i].va, cap_pages(c));
                    return i ? (s64)i : -E_NOMEM;
                }
                *pte = (c->object + k) * PAGE_SIZE | pte_flags(ops[i].op) | PTE_P;
            }
            c->mapped_env = t->id;
            c->mapped_va = ops[i].va;
            if (c->owner != t->id)
                t->foreign_maps++;
            break;
        case MMU_UNMAP:
            cap_unmap(c);
            break;
        case MMU_PROTECT:
            pte = NULL;
            for (u64 k = 0; k < cap_pages(c); k++) {
                vaddr_t a = c->mapped_va + k * PAGE_SIZE;
                pte = !pte || (a & 0x1fffff) == 0 ? vm_walk(t->pml4, a) : pte + 1;
                assert(pte && PTE_ADDR(*pte) == (c->object + k) * PAGE_SIZE);
                *pte = (*pte & ~(PTE_W | PTE_NX | (ops[i].op & MMU_CLRAD ? PTE_A | PTE_D : 0))) |
                       (pte_flags(ops[i].op) & (PTE_W | PTE_NX));
            }
            vm_flush_range(t, c->mapped_va, cap_pages(c));
            break;
        }
    }
    return (s64)count;
}
