/* Capability nodes and tables.
 *
 * Every capability is a node in its holder's table, a set of pages allocated
 * as the table grows and charged to the holder's memory quota. A node is
 * named by (env index, slot). A copy made by cap_derive is a child of its original in a
 * derivation tree (first_child / sibling links), so revoking or deleting a
 * node reaches every copy derived from it, whichever env holds it. An
 * original (parent == 0) owns its object: deleting it frees the frame,
 * destroys the env or frees the time slot.
 *
 * Locking: envs[] and the env tables are touched only with
 * interrupts off on the one CPU that runs environments today; the SMP issue
 * puts them under locks. */
#include "kernel.h"
#include "cap.h"
#include "dev/virtio_blk.h"
#include "env.h"
#include "vm.h"
#include "pmem.h"
#include "sched.h"
#include "ext.h"
#include "notify.h"
#include "net.h"
#include "quota.h"
#include "cpu.h"
#include "uaccess.h"
#include "arch/x86_64/x86.h"

STATIC_ASSERT(CAP_PAGES <= sizeof(((struct env *)0)->cap_pages) / sizeof(void *));
STATIC_ASSERT(CAP_MAX_SLOT == NCAPSLOTS && CAPS_PER_PAGE == CAPS_PER_TABLE_PAGE && NENV <= 256);

int cap_env(struct env *e, u64 slot, u8 need, struct env **out)
{
    if (slot == CAP_SELF) {
        *out = e;
        return 0;
    }
    int err;
    struct capnode *c = cap_get(e, slot, &err);
    if (!c)
        return err;
    if (c->type != CAP_ENV || (c->rights & need) != need)
        return -E_PERM;
    struct env *t = env_lookup((u32)c->object);
    if (!t)
        return -E_NOENT;
    *out = t;
    return 0;
}

static int insert_node(struct env *e, u8 type, u8 rights, u64 object, u32 parent);

/* An original is charged to its holder's object quota (quota.c) first. */
int cap_insert(struct env *e, u8 type, u8 rights, u64 object, u32 parent)
{
    bool charged = !parent && quota_counted(type);
    if (charged && quota_charge_cap(e, type, object) < 0)
        return -E_NOMEM;
    int slot = insert_node(e, type, rights, object, parent);
    if (slot < 0 && charged)
        quota_uncharge_cap(e, type, object);
    return slot;
}

static int insert_node(struct env *e, u8 type, u8 rights, u64 object, u32 parent)
{
    u64 slot = MAX(e->cap_hint, 1);
    struct capnode *c = NULL;
    for (; slot < CAP_MAX_SLOT; slot++) {
        c = cap_slot(e, slot);
        if (!c) { /* a new page of the table, charged to e */
            if (env_charge(e, 1) < 0)
                return -E_NOMEM;
            paddr_t pa = frame_alloc();
            if (!pa) {
                env_uncharge(e, 1);
                return -E_NOMEM;
            }
            e->cap_pages[slot / CAPS_PER_PAGE] = P2V(pa);
            c = cap_slot(e, slot);
        }
        if (c->type == CAP_NONE)
            break;
    }
    if (slot >= CAP_MAX_SLOT)
        return -E_NOMEM;
    e->cap_hint = (u32)slot + 1;
    e->cap_top = MAX(e->cap_top, (u32)slot + 1);
    /* One assignment (the other fields zero): stores, not a memset call. */
    *c = (struct capnode){.type = type,
                          .rights = rights,
                          .object = object,
                          .owner = e->id,
                          .slot = (u32)slot,
                          .id = (u32)(e - envs) << 16 | (u32)slot};
    if (parent) {
        struct capnode *p = cap_node(parent);
        c->parent = parent;
        c->depth = p->depth + 1;
        c->order = p->order;
        c->next_sibling = p->first_child;
        if (p->first_child)
            cap_node(p->first_child)->prev_sibling = c->id;
        p->first_child = c->id;
    }
    return (int)slot;
}

void cap_free_table(struct env *e)
{
    /* Page by page (most are missing); the page is looked up again after
     * each deletion, which may change the table. Slot 0 is never used.
     * Only slots below cap_top were ever used, and only pages holding such
     * slots were ever allocated (insert_node is the one place that does
     * both): the rest of the table is not looked at. */
    u64 top = e->cap_top, npages = (top + CAPS_PER_PAGE - 1) / CAPS_PER_PAGE;
    for (u64 p = 0; p < npages; p++) {
        for (u64 i = p == 0; i < CAPS_PER_PAGE && p * CAPS_PER_PAGE + i < top && e->cap_pages[p];
             i++) {
            struct capnode *c = (struct capnode *)e->cap_pages[p] + i;
            if (c->type != CAP_NONE)
                cap_delete_node(c->id);
        }
    }
    for (u32 p = 0; p < npages; p++) {
        if (e->cap_pages[p]) {
            frame_free(V2P(e->cap_pages[p]));
            env_uncharge(e, 1);
            e->cap_pages[p] = NULL;
        }
    }
}

/* The list of foreign mappings of an env: the capabilities of other envs
 * mapped in its address space, linked through fmap_next / fmap_prev (node
 * ids) from env.fmap_head. A node is on the list of mapped_env exactly while
 * it is mapped there and its owner is another env; cap_set_mapping links it,
 * fmap_unlink (from cap_unmap, or cap_forget_mappings_in) takes it off. */
static bool fmap_foreign(const struct capnode *c)
{
    return c->mapped_env && c->mapped_env != c->owner;
}

static void fmap_unlink(struct capnode *c)
{
    struct env *t = fmap_foreign(c) ? env_lookup_any(c->mapped_env) : NULL;
    if (!t)
        return;
    if (c->fmap_prev)
        cap_node(c->fmap_prev)->fmap_next = c->fmap_next;
    else
        t->fmap_head = c->fmap_next;
    if (c->fmap_next)
        cap_node(c->fmap_next)->fmap_prev = c->fmap_prev;
    c->fmap_next = c->fmap_prev = 0;
}

void cap_set_mapping(struct capnode *c, struct env *t, vaddr_t va)
{
    assert(!c->mapped_env);
    c->mapped_env = t->id;
    c->mapped_va = va;
    if (fmap_foreign(c)) {
        c->fmap_prev = 0;
        c->fmap_next = t->fmap_head;
        if (t->fmap_head)
            cap_node(t->fmap_head)->fmap_prev = c->id;
        t->fmap_head = c->id;
    }
}

void cap_forget_mapping(struct capnode *c)
{
    fmap_unlink(c);
    c->mapped_env = 0;
    c->mapped_va = 0;
}

void cap_unmap(struct capnode *c)
{
    if (c->type != CAP_FRAME || !c->mapped_env)
        return;
    fmap_unlink(c);
    struct env *t = env_lookup(c->mapped_env);
    if (!t) { /* zombie or gone: its page tables were freed already */
        c->mapped_env = 0;
        c->mapped_va = 0;
        return;
    }
    if (cap_pages(c) == 1) {
        u64 *pte = vm_walk(t->pml4, c->mapped_va);
        if (pte && PTE_ADDR(*pte) == c->object * PAGE_SIZE) {
            *pte = 0;
            vm_flush_page(t, c->mapped_va);
        }
        goto done;
    }
    /* One page table at a time; only entries that still map our frames. */
    const vaddr_t va = c->mapped_va;
    const u64 n = cap_pages(c);
    const paddr_t pa = c->object * PAGE_SIZE;
    u64 *pde = n == 512 ? vm_large(t->pml4, va) : NULL;
    if (pde && PTE_ADDR(*pde) == pa) { /* mapped as one 2 MiB page (mmu.c) */
        *pde = 0;
        vm_flush_range(t, va, n);
        goto done;
    }
    for (u64 i = 0; i < n;) {
        u64 *pte = vm_pte_slot(t->pml4, va + i * PAGE_SIZE, false, NULL);
        u64 span = MIN(n - i, 512 - ((va / PAGE_SIZE + i) & 511));
        for (u64 j = 0; pte && j < span; j++)
            if ((pte[j] & (PTE_ADDR_MASK | PTE_P)) == ((pa + (i + j) * PAGE_SIZE) | PTE_P))
                pte[j] = 0;
        i += span;
    }
    vm_flush_range(t, va, n);
done:
    c->mapped_env = 0;
    c->mapped_va = 0;
}

u64 cap_forget_steps; /* nodes visited by cap_forget_mappings_in (a unit test reads it) */

void cap_forget_mappings_in(struct env *e)
{
    /* Only capabilities of other envs can still name a mapping in e (its
     * own were deleted first), and they are all on its list. */
    for (u32 k = e->fmap_head, next; k; k = next) {
        struct capnode *c = cap_node(k);
        cap_forget_steps++;
        next = c->fmap_next;
        c->fmap_next = c->fmap_prev = 0;
        c->mapped_env = 0;
        c->mapped_va = 0;
    }
    e->fmap_head = 0;
}

/* Releases what an original owns. */
static void release_object(struct capnode *c)
{
    if (quota_counted(c->type))
        quota_uncharge_cap(env_lookup_any(c->owner), c->type, c->object);
    switch (c->type) {
    case CAP_FRAME:
        for (u64 i = 0; i < cap_pages(c); i++)
            frame_free((c->object + i) * PAGE_SIZE);
        env_uncharge(env_lookup_any(c->owner), cap_pages(c));
        break;
    case CAP_ENV: {
        struct env *t = env_lookup_any((u32)c->object);
        if (t && t->orig_cap == c->id) {
            /* Its original is gone: its object quota goes back to the env
             * that held it (quota.c), even once that env's table is freed. */
            t->orig_cap = 0;
            t->objq.heir = c->owner;
            env_note_named(c->owner);
        }
        if (t)
            env_destroy(t); /* (queued if a teardown is in progress: see env.c) */
        break;
    }
    case CAP_SLOT:
        sched_slot_release(c->object); /* (a no-op if the position was freed since) */
        break;
    case CAP_EXT:
    case CAP_HANDLER:
        ext_release(c->type, c->object);
        break;
    case CAP_NOTIFY:
        notify_release(c->object);
        break;
    case CAP_DEVICE:
        dev_release(c->object);
        break;
    case CAP_NET:
        net_release(c->object);
        break;
    case CAP_BLOCK:
        blk_release(c->object);
        break;
    }
}

/* Deletes node k, which has no children: unlinks it from its derivation
 * tree, frees its slot and, for an original, releases its object. */
static void cap_free_leaf(u32 k)
{
    struct capnode *c = cap_node(k);
    cap_unmap(c);
    /* Unlink from the derivation tree first, so that releasing the object
     * (which may tear down envs) never sees it again. */
    struct env *owner = &envs[(k >> 16) & 0xff];
    if (c->slot < owner->cap_hint)
        owner->cap_hint = c->slot;
    if (c->parent) {
        struct capnode *p = cap_node(c->parent);
        if (p->first_child == k)
            p->first_child = c->next_sibling;
        if (c->prev_sibling)
            cap_node(c->prev_sibling)->next_sibling = c->next_sibling;
        if (c->next_sibling)
            cap_node(c->next_sibling)->prev_sibling = c->prev_sibling;
        c->type = CAP_NONE;
        return;
    }
    struct capnode copy = *c;
    c->type = CAP_NONE;
    release_object(&copy);
}

/* Deletes every node derived from n (not n), leaves first, and returns how
 * many. No recursion: go down to a leaf, delete it, go back up to its
 * parent, and again; each step deletes a node or goes down one level, so
 * the walk is linear in the size of the tree whatever its depth. The nodes
 * below n are copies: none releases an object. */
static u64 cap_delete_below(u32 n)
{
    u64 count = 0;
    for (u32 k = n;;) {
        struct capnode *c = cap_node(k);
        if (c->first_child) {
            k = c->first_child;
            continue;
        }
        if (k == n)
            return count;
        u32 up = c->parent;
        cap_free_leaf(k);
        count++;
        k = up;
    }
}

void cap_delete_node(u32 n)
{
    cap_delete_below(n);
    cap_free_leaf(n);
}

u64 cap_revoke_children(u32 n)
{
    return cap_delete_below(n);
}

/* Preorder, without recursion: down to the first child, else on to the
 * next sibling of the nearest node (up from here, below n) that has one. */
void cap_rename_tree(u32 n, u32 from, u32 to)
{
    for (u32 k = n;;) {
        struct capnode *c = cap_node(k);
        if (c->type == CAP_ENV && c->object == from)
            c->object = to;
        if (c->first_child) {
            k = c->first_child;
            continue;
        }
        while (k != n && !cap_node(k)->next_sibling)
            k = cap_node(k)->parent;
        if (k == n)
            return;
        k = cap_node(k)->next_sibling;
    }
}

void cap_describe(const struct capnode *c, struct cap_info *ci)
{
    /* Every field (struct cap_info has no padding) by stores, no memset call. */
    *ci = (struct cap_info){
        .type = c->type,
        .rights = c->rights,
        .object = c->object,
        .mapped_va = c->mapped_va,
        .mapped_env = c->mapped_env,
        .depth = c->depth,
        .order = c->order,
    };
    for (u32 k = c->first_child; k && ci->children < 0xffff; k = cap_node(k)->next_sibling)
        ci->children++;
}

/* ---- kernel calls ---- */

/* sys_cap_inspect(slot, out): see kernel/kcalls.tbl. With several CPUs a
 * local call (klock.c): it reads only the caller's own table (and the tree
 * links from it, which only holders of the kernel lock change) and writes
 * the caller's memory. */
s64 sys_cap_inspect(u64 slot, u64 out)
{
    int err;
    struct capnode *c = cap_get(cpu_env(), slot, &err);
    if (!c)
        return err;
    if (out & 7)
        return -E_ALIGN;
    struct cap_info ci;
    cap_describe(c, &ci);
    return copy_to_user(out, &ci, sizeof ci);
}

/* The capability in e's slot and the env named by e's slot dest_env (which e
 * must hold with R_CONTROL): the checks derive and move share, in their order.
 * NULL with *err set if either fails. */
static struct capnode *cap_get_to(struct env *e, u64 slot, u64 dest_env, struct env **dest,
                                  int *err)
{
    struct capnode *c = cap_get(e, slot, err);
    if (!c)
        return NULL;
    if (dest_env >= CAP_MAX_SLOT) {
        *err = -E_INVAL;
        return NULL;
    }
    if ((*err = cap_env(e, dest_env, R_CONTROL, dest)) < 0)
        return NULL;
    return c;
}

/* sys_cap_derive(slot, rights, dest_env): a copy with fewer (or equal) rights,
 * in the caller's table or, with R_GRANT, another env's. */
s64 sys_cap_derive(u64 slot, u64 rights, u64 dest_env)
{
    struct env *e = cpu_env(), *dest;
    int err;
    struct capnode *c = cap_get_to(e, slot, dest_env, &dest, &err);
    if (!c)
        return err;
    if (rights & ~(u64)c->rights)
        return -E_PERM;
    if (dest != e && !(c->rights & R_GRANT))
        return -E_PERM;
    if (c->depth >= CAP_MAX_DEPTH)
        return -E_NOMEM;
    return cap_insert(dest, c->type, (u8)rights, c->object, cap_index(c));
}

/* sys_cap_list(start, out, n): see kernel/kcalls.tbl. A local call with
 * several CPUs, as sys_cap_inspect. */
s64 sys_cap_list(u64 start, u64 uout, u64 n)
{
    struct env *e = cpu_env();
    if (n == 0 || n > 256 || start >= CAP_MAX_SLOT)
        return -E_INVAL;
    if (uout & 7)
        return -E_ALIGN;
    if (!e->cap_pages[start / CAPS_PER_PAGE])
        return -E_NOENT; /* the table has not grown this far: nothing from here on */
    n = MIN(n, CAP_MAX_SLOT - start);
    if (!user_range_ok(uout, n * sizeof(struct cap_info)))
        return -E_FAULT;
    /* Described in chunks, copied out a chunk at a time; slots at or above
     * cap_top have never been used: they go out as zeros without a look. */
    u64 last = 0;
    struct cap_info buf[32];
    for (u64 i = 0; i < n; i += ARRAY_SIZE(buf)) {
        u64 m = MIN(n - i, ARRAY_SIZE(buf));
        memset(buf, 0, m * sizeof buf[0]);
        u64 k = 0, first = start + i, end = MIN(first + m, (u64)e->cap_top);
        /* A page of the table at a time (pages are CAPS_PER_PAGE-aligned). */
        for (u64 s = first; s < end; s = ROUNDDOWN(s, CAPS_PER_PAGE) + CAPS_PER_PAGE) {
            struct capnode *page = e->cap_pages[s / CAPS_PER_PAGE];
            u64 stop = MIN(end, ROUNDDOWN(s, CAPS_PER_PAGE) + CAPS_PER_PAGE);
            for (u64 x = s; page && x < stop; x++) {
                struct capnode *c = &page[x % CAPS_PER_PAGE];
                if (c->type != CAP_NONE && x != CAP_SELF) {
                    k = x - first;
                    cap_describe(c, &buf[k]);
                    last = i + k + 1;
                }
            }
        }
        if (copy_to_user(uout + i * sizeof buf[0], buf, m * sizeof buf[0]) < 0)
            return -E_FAULT;
    }
    return (s64)last;
}

/* Moves node c of e's table (not mapped) to a free slot of dest's table,
 * keeping its place in the derivation tree: its parent, siblings and copies
 * link to the new node. An original frame's pages are charged to dest from
 * then on (and uncharged from e). Returns the new slot, or -E_NOMEM (dest's
 * quota or table is full; nothing changed). */
int cap_move_node(struct env *e, struct capnode *c, struct env *dest)
{
    u64 slot = c->slot;
    u64 pages = c->type == CAP_FRAME && !c->parent ? cap_pages(c) : 0;
    if (pages && env_charge(dest, pages) < 0)
        return -E_NOMEM;
    int nslot = cap_insert(dest, c->type, c->rights, c->object, 0);
    if (nslot < 0) {
        if (pages)
            env_uncharge(dest, pages);
        return nslot;
    }
    c = cap_slot(e, slot); /* (cap_insert cannot move it, but be plain about it) */
    /* cap_insert charged dest as for an original: an original's charge
     * moves from e, a copy's is undone. */
    if (quota_counted(c->type))
        quota_uncharge_cap(c->parent ? dest : e, c->type, c->object);
    struct capnode *n = cap_slot(dest, (u64)nslot);
    u32 id = n->id;
    /* Take the old node's place in the tree. */
    n->depth = c->depth;
    n->order = c->order;
    n->parent = c->parent;
    n->first_child = c->first_child;
    n->prev_sibling = c->prev_sibling;
    n->next_sibling = c->next_sibling;
    if (c->parent && cap_node(c->parent)->first_child == c->id)
        cap_node(c->parent)->first_child = id;
    if (c->prev_sibling)
        cap_node(c->prev_sibling)->next_sibling = id;
    if (c->next_sibling)
        cap_node(c->next_sibling)->prev_sibling = id;
    for (u32 k = c->first_child; k; k = cap_node(k)->next_sibling)
        cap_node(k)->parent = id;
    if (c->type == CAP_ENV && !c->parent) {
        struct env *t = env_lookup_any((u32)c->object);
        if (t && t->orig_cap == c->id)
            t->orig_cap = id;
    }
    if (pages)
        env_uncharge(e, pages);
    c->type = CAP_NONE;
    if (c->slot < e->cap_hint)
        e->cap_hint = c->slot;
    return nslot;
}

/* sys_cap_move(slot, dest_env): see kernel/kcalls.tbl. */
s64 sys_cap_move(u64 slot, u64 dest_env)
{
    struct env *e = cpu_env(), *dest;
    int err;
    struct capnode *c = cap_get_to(e, slot, dest_env, &dest, &err);
    if (!c)
        return err;
    if (!(c->rights & R_GRANT))
        return -E_PERM;
    if (c->mapped_env)
        return -E_BUSY;
    if (dest == e)
        return (s64)slot;
    /* An env's original may not go into that env or below it: see env_below. */
    if (c->type == CAP_ENV && !c->parent) {
        struct env *t = env_lookup_any((u32)c->object);
        if (t && env_below(dest, t))
            return -E_PERM;
    }
    return cap_move_node(e, c, dest);
}

/* sys_cap_revoke(slot): delete every copy derived from slot. */
s64 sys_cap_revoke(u64 slot)
{
    int err;
    struct capnode *c = cap_get(cpu_env(), slot, &err);
    if (!c)
        return err;
    if (!(c->rights & R_REVOKE))
        return -E_PERM;
    return (s64)cap_revoke_children(cap_index(c));
}

/* sys_cap_delete(slot): delete the capability and its copies.
 *
 * A register-only (fast-path) call, though deleting an env's original
 * destroys that env and every env below it in the tree of originals: the
 * caller is never among them, since that would take it to hold its own
 * original or one above it, a cycle sys_cap_move and sys_env_replace refuse
 * (env_below). Should it ever happen all the same, the caller is not
 * resumed: the CPU goes back to its loop (nothing of the fast path's frame
 * is needed for an env that is gone). */
s64 sys_cap_delete(u64 slot)
{
    struct env *e = cpu_env();
    int err;
    struct capnode *c = cap_get(e, slot, &err);
    if (!c)
        return err;
    cap_delete_node(cap_index(c));
    if (unlikely(e->state == ENV_ZOMBIE || e->state == ENV_FREE))
        sched_return_to_loop();
    return 0;
}
