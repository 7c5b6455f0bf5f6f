/* Capability nodes and tables.
 *
 * Every capability is a node in capnodes[]; an env's table maps slot numbers
 * to node indices. A copy made by cap_derive is a child of its original in a
 * derivation tree (first_child / sibling links), so revoking or deleting a
 * node reaches every copy derived from it, whichever env holds it. An
 * original (parent == 0) owns its object: deleting it frees the frame,
 * destroys the env or frees the time slot.
 *
 * Locking: envs[], capnodes[] and the env tables are touched only with
 * interrupts off on the one CPU that runs environments today; the SMP issue
 * puts them under locks. */
#include "kernel.h"
#include "cap.h"
#include "env.h"
#include "vm.h"
#include "pmem.h"
#include "sched.h"
#include "ext.h"
#include "cpu.h"
#include "uaccess.h"
#include "arch/x86_64/x86.h"

struct capnode capnodes[NCAPNODES];
static u32 hint = 1; /* where the search for a free node starts */

#define MAX_DEPTH 8

struct capnode *cap_get(struct env *e, u64 slot, int *err)
{
    if (slot == CAP_SELF || slot >= NCAPSLOTS) {
        *err = -E_INVAL;
        return NULL;
    }
    u32 n = e->caps[slot];
    if (!n) {
        *err = -E_NOENT;
        return NULL;
    }
    return &capnodes[n];
}

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

int cap_insert(struct env *e, u8 type, u8 rights, u64 object, u32 parent)
{
    int slot = -1;
    for (int s = 1; s < NCAPSLOTS; s++) {
        if (!e->caps[s]) {
            slot = s;
            break;
        }
    }
    if (slot < 0)
        return -E_NOMEM;
    u32 n = 0;
    for (u32 i = 0; i < NCAPNODES - 1; i++) {
        u32 k = 1 + (hint - 1 + i) % (NCAPNODES - 1);
        if (capnodes[k].type == CAP_NONE) {
            n = k;
            break;
        }
    }
    if (!n)
        return -E_NOMEM; /* cannot happen: NENV tables of NCAPSLOTS fit */
    hint = n + 1 < NCAPNODES ? n + 1 : 1;
    struct capnode *c = &capnodes[n];
    memset(c, 0, sizeof *c);
    c->type = type;
    c->rights = rights;
    c->object = object;
    c->owner = e->id;
    c->slot = (u32)slot;
    if (parent) {
        struct capnode *p = &capnodes[parent];
        c->parent = parent;
        c->depth = p->depth + 1;
        c->next_sibling = p->first_child;
        if (p->first_child)
            capnodes[p->first_child].prev_sibling = n;
        p->first_child = n;
    }
    e->caps[slot] = n;
    return slot;
}

void cap_unmap(struct capnode *c)
{
    if (c->type != CAP_FRAME || !c->mapped_env)
        return;
    struct env *t = env_lookup(c->mapped_env);
    if (!t) { /* zombie or gone: its page tables were freed already */
        c->mapped_env = 0;
        c->mapped_va = 0;
        return;
    }
    u64 *pte = vm_walk(t->pml4, c->mapped_va);
    if (pte && PTE_ADDR(*pte) == c->object * PAGE_SIZE) {
        *pte = 0;
        vm_flush_page(t, c->mapped_va);
    }
    if (c->owner != t->id)
        t->foreign_maps--;
    c->mapped_env = 0;
    c->mapped_va = 0;
}

void cap_forget_mappings_in(struct env *e)
{
    /* Only capabilities of other envs can still name a mapping in e (its
     * own were deleted first); skip the scan when there are none. */
    if (!e->foreign_maps)
        return;
    u32 env_id = e->id;
    e->foreign_maps = 0;
    for (u32 i = 1; i < NCAPNODES; i++) {
        if (capnodes[i].type == CAP_FRAME && capnodes[i].mapped_env == env_id) {
            capnodes[i].mapped_env = 0;
            capnodes[i].mapped_va = 0;
        }
    }
}

/* Releases what an original owns. */
static void release_object(struct capnode *c)
{
    switch (c->type) {
    case CAP_FRAME:
        frame_free(c->object * PAGE_SIZE);
        env_uncharge(env_lookup_any(c->owner), 1);
        break;
    case CAP_ENV: {
        struct env *t = env_lookup_any((u32)c->object);
        if (t) {
            if (t->state != ENV_ZOMBIE)
                env_teardown(t, STOP_KILLED);
            env_free(t);
        }
        break;
    }
    case CAP_SLOT:
        sched_slot_free((u32)(c->object >> 16), (u32)(c->object & 0xffff));
        break;
    case CAP_EXT:
    case CAP_HANDLER:
        ext_release(c->type, c->object);
        break;
    }
}

void cap_delete_node(u32 n)
{
    struct capnode *c = &capnodes[n];
    while (c->first_child)
        cap_delete_node(c->first_child);
    cap_unmap(c);
    /* Unlink from the owner's table and the derivation tree first, so that
     * releasing the object (which may tear down envs) never sees it again. */
    struct env *owner = env_lookup_any(c->owner);
    if (owner && owner->caps[c->slot] == n)
        owner->caps[c->slot] = 0;
    if (c->parent) {
        struct capnode *p = &capnodes[c->parent];
        if (p->first_child == n)
            p->first_child = c->next_sibling;
        if (c->prev_sibling)
            capnodes[c->prev_sibling].next_sibling = c->next_sibling;
        if (c->next_sibling)
            capnodes[c->next_sibling].prev_sibling = c->prev_sibling;
    } else {
        struct capnode copy = *c;
        c->type = CAP_NONE;
        release_object(&copy);
        return;
    }
    c->type = CAP_NONE;
}

u64 cap_revoke_children(u32 n)
{
    u64 count = 0;
    while (capnodes[n].first_child) {
        u32 k = capnodes[n].first_child;
        count += 1 + cap_revoke_children(k);
        cap_delete_node(k);
    }
    return count;
}

/* ---- kernel calls ---- */

/* sys_cap_inspect(slot, out): see kernel/kcalls.tbl. */
s64 sys_cap_inspect(u64 slot, u64 out)
{
    int err;
    struct capnode *c = cap_get(cpu_env(), slot, &err);
    if (!c)
        return err;
    if (out & 7)
        return -E_ALIGN;
    struct cap_info ci = {
        .type = c->type,
        .rights = c->rights,
        .object = c->object,
        .mapped_va = c->mapped_va,
        .mapped_env = c->mapped_env,
        .depth = c->depth,
    };
    return copy_to_user(out, &ci, sizeof ci);
}

/* sys_cap_derive(slot, rights, dest_env): a copy with fewer (or equal) rights,
 * in the caller's table or, with R_GRANT, another env's. */
s64 sys_cap_derive(u64 slot, u64 rights, u64 dest_env)
{
    struct env *e = cpu_env(), *dest;
    int err;
    struct capnode *c = cap_get(e, slot, &err);
    if (!c)
        return err;
    if (dest_env >= NCAPSLOTS)
        return -E_INVAL;
    if ((err = cap_env(e, dest_env, R_CONTROL, &dest)) < 0)
        return err;
    if (rights & ~(u64)c->rights)
        return -E_PERM;
    if (dest != e && !(c->rights & R_GRANT))
        return -E_PERM;
    if (c->depth >= MAX_DEPTH)
        return -E_NOMEM;
    return cap_insert(dest, c->type, (u8)rights, c->object, cap_index(c));
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

/* sys_cap_delete(slot): delete the capability and its copies. */
s64 sys_cap_delete(u64 slot)
{
    int err;
    struct capnode *c = cap_get(cpu_env(), slot, &err);
    if (!c)
        return err;
    cap_delete_node(cap_index(c));
    return 0;
}
