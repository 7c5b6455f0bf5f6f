/* Capabilities: kernel-held, unforgeable references with rights, named by
 * slot number in the holder's table. Copies form a derivation tree so that
 * revocation reaches every copy, in every env. */
#ifndef KERNEL_CAP_H
#define KERNEL_CAP_H

#include "types.h"
#include <spinel/exo.h>
#include "env.h"

struct capnode {
    u8 type; /* enum cap_type; CAP_NONE when free */
    u8 rights;
    u8 depth;
    u8 order;  /* CAP_FRAME: the block is 2^order contiguous frames from object */
    u32 owner; /* env id holding it */
    u32 slot;  /* its slot in the owner's table */
    u32 parent, first_child, next_sibling, prev_sibling; /* node indices, 0 = none */
    u32 fmap_next; /* mapped in another env than its owner: that env's list (cap_set_mapping) */
    u64 object;
    u32 mapped_env; /* CAP_FRAME: env whose page tables map it (0: not mapped) */
    u32 id;         /* this node's name: owner's index in envs[] << 16 | slot */
    u64 mapped_va;
    u32 batch;     /* mmu.c: the sys_mmu_update batch that last named it */
    u32 fmap_prev; /* ... and the previous node on that list (0: the head) */
} __aligned(64);   /* 64 to a page: slot arithmetic is shifts */
STATIC_ASSERT(sizeof(struct capnode) == 64);

/* An env's table is a set of pages of nodes, allocated as it grows and
 * charged to its memory quota; slot s lives in page s / CAPS_PER_PAGE. */
#define CAPS_PER_PAGE (PAGE_SIZE / sizeof(struct capnode))
#define CAP_PAGES     (NCAPSLOTS / CAPS_PER_PAGE)
#define CAP_MAX_SLOT  (CAP_PAGES * CAPS_PER_PAGE) /* slots are below this */

/* The node in e's slot (free or not), or NULL if that page does not exist. */
static inline struct capnode *cap_slot(struct env *e, u64 slot)
{
    if (slot >= CAP_MAX_SLOT)
        return NULL;
    struct capnode *page = e->cap_pages[slot / CAPS_PER_PAGE];
    return page ? &page[slot % CAPS_PER_PAGE] : NULL;
}

/* The node named id (see struct capnode.id), or NULL. */
static inline struct capnode *cap_node(u32 id)
{
    return id ? cap_slot(&envs[(id >> 16) & 0xff], id & 0xffff) : NULL;
}
/* Frees every capability of e and its table pages (teardown). */
void cap_free_table(struct env *e);

/* Returns the node in slot of e, or NULL (and *err) if the slot is invalid or empty.
 * (Inline: every kernel call that names a capability starts here.) */
static inline struct capnode *cap_get(struct env *e, u64 slot, int *err)
{
    if (slot == CAP_SELF || slot >= CAP_MAX_SLOT) {
        *err = -E_INVAL;
        return NULL;
    }
    struct capnode *c = cap_slot(e, slot);
    if (!c || c->type == CAP_NONE) {
        *err = -E_NOENT;
        return NULL;
    }
    return c;
}
/* Looks up an env capability (CAP_SELF = e itself, all rights) with `need` rights. */
int cap_env(struct env *e, u64 slot, u8 need, struct env **out);
/* Creates a capability in a free slot of e; parent 0 = an original. Returns the slot or -E_NOMEM.
 */
int cap_insert(struct env *e, u8 type, u8 rights, u64 object, u32 parent);
/* Moves node c of e's table (unmapped) to dest's, keeping its place in the
 * derivation tree; an original frame's pages are charged to dest. Returns
 * the slot in dest or -E_NOMEM (nothing changed). No rights checked. */
int cap_move_node(struct env *e, struct capnode *c, struct env *dest);
/* Deletes node n and everything derived from it, releasing what originals own. */
void cap_delete_node(u32 n);
/* Deletes every node derived from n; returns how many. */
u64 cap_revoke_children(u32 n);
static inline u32 cap_index(const struct capnode *c)
{
    return c->id;
}
static inline u64 cap_pages(const struct capnode *c)
{
    return 1UL << c->order;
}
/* Records that frame capability c is no longer mapped, without touching the
 * page tables (its page-table entry was given to another capability). */
void cap_forget_mapping(struct capnode *c);
/* Breaks the mapping of a frame capability, if any. */
void cap_unmap(struct capnode *c);
void cap_describe(const struct capnode *c, struct cap_info *ci);
/* Makes node n and its copies that name env `from` name env `to`. */
void cap_rename_tree(u32 n, u32 from, u32 to);
/* Records that frame capability c is mapped at va in t (c must not be mapped):
 * a capability of another env goes on t's list of foreign mappings. */
void cap_set_mapping(struct capnode *c, struct env *t, vaddr_t va);
/* Forgets mappings into env id (its page tables are going away): walks e's
 * list of foreign mappings, so it costs what it forgets. */
void cap_forget_mappings_in(struct env *e);

#endif
