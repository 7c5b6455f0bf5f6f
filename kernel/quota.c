/* Object quotas: every kernel object an env can create is charged to a
 * quota its keeper gave it.
 *
 * Kinds (enum obj_kind): time slots, envs, notification objects, extension
 * modules and extension handlers, the objects of global tables (the slot
 * vector, envs[], notifies[], modules[], handlers[]). An object costs its
 * unit(s) to the env whose table holds its original capability, from the
 * moment the original is made (cap_insert) until it is deleted
 * (release_object); sys_cap_move moves the charge with the original. So an
 * object outliving its use (a handler whose env ended, a module kept by a
 * combined one) is still paid for while its capability exists: a combined
 * module costs 1 plus what its parts cost, its pages likewise on the memory
 * quota, so no chain of combines keeps more of modules[] alive than its
 * holders paid for.
 *
 * Quota moves, never appears: a root env (made by the kernel) starts with
 * the whole system (quota_init); an env's quota comes from its keeper (the
 * env holding its original env capability) through sys_env_quota, either
 * given outright or drawn on demand against a credit (reserve(), as the
 * memory quota's env_reserve), and goes back to the keeper when the env
 * ends (quota_return). The sum of all quotas of a kind is the root's, so the
 * global tables cannot fill up unless one root's envs use them all, and an
 * env that exhausts its quota gets E_NOMEM while the rest of the system
 * keeps what it was given.
 *
 * Locking: like envs[] (see cap.c), touched only with interrupts off on the
 * one CPU that runs environments today. */
#include "kernel.h"
#include "quota.h"
#include "env.h"
#include "cap.h"
#include "cpu.h"
#include "sched.h"
#include "notify.h"
#include "ext.h"

/* The whole system: what a root env starts with. */
static const u32 system_objects[OBJ_KINDS] = {
    [OBJ_SLOT] = NSLOTS - 1, /* (the kernel's test runner gives a root one slot itself) */
    [OBJ_ENV] = NENV - 1,    /* (the root is one of envs[]) */
    [OBJ_NOTIFY] = NNOTIFY,  [OBJ_EXTMOD] = EXT_NMODULES, [OBJ_HANDLER] = EXT_NHANDLERS,
};

/* The kind of object an original capability of `type` costs, or -1. */
static int kind_of(u8 type)
{
    switch (type) {
    case CAP_SLOT:
        return OBJ_SLOT;
    case CAP_ENV:
        return OBJ_ENV;
    case CAP_NOTIFY:
        return OBJ_NOTIFY;
    case CAP_EXT:
        return OBJ_EXTMOD;
    case CAP_HANDLER:
        return OBJ_HANDLER;
    }
    return -1;
}

void quota_publish(struct env *e)
{
    if (!e->info)
        return;
    for (int k = 0; k < OBJ_KINDS; k++) {
        e->info->obj_quota[k] = e->objq.quota[k];
        e->info->obj_used[k] = e->objq.used[k];
    }
}

void quota_init(struct env *e)
{
    memset(&e->objq, 0, sizeof e->objq);
    if (!e->parent)
        memcpy(e->objq.quota, system_objects, sizeof system_objects);
    quota_publish(e);
}

/* The env holding e's original capability (live, or a zombie tearing down
 * when `any`); once the original is gone, objq.heir: the env that held it
 * (or its keeper, if that one was torn down first: quota_pass_heirs), or the
 * env that replaced e. NULL for a root env. */
static struct env *keeper(struct env *e, bool any)
{
    u32 id = e->objq.heir;
    if (e->orig_cap) {
        struct capnode *c = cap_node(e->orig_cap);
        id = c ? c->owner : 0;
    }
    struct env *k = id ? (any ? env_lookup_any(id) : env_lookup(id)) : NULL;
    return k == e ? NULL : k;
}

static u64 spare(const struct env *e, int k)
{
    return e->objq.quota[k] > e->objq.used[k] ? e->objq.quota[k] - e->objq.used[k] : 0;
}

/* Makes sure e has n units of kind k to spare, drawing on its credit with its
 * keeper if it must (the keeper keeping what e's credit says it keeps, and
 * drawing on its own keeper in turn). Walks at most NENV keepers. */
static bool reserve(struct env *e, int k, u64 n, int depth)
{
    u64 have = spare(e, k);
    if (have >= n)
        return true;
    u64 need = n - have;
    struct env *p = keeper(e, false);
    if (!p || depth >= NENV || need > e->objq.credit[k] ||
        !reserve(p, k, need + e->objq.keep[k], depth + 1))
        return false;
    p->objq.quota[k] -= (u32)need;
    e->objq.quota[k] += (u32)need;
    e->objq.credit[k] -= (u32)need;
    quota_publish(p);
    quota_publish(e);
    return true;
}

int quota_charge_cap(struct env *e, u8 type, u64 object)
{
    int k = kind_of(type);
    if (k < 0)
        return 0;
    u64 units = 1, pages = 0;
    if (type == CAP_EXT)
        ext_cost(object, &units, &pages);
    if (!reserve(e, k, units, 0))
        return -E_NOMEM;
    if (pages && env_charge(e, pages) < 0)
        return -E_NOMEM;
    e->objq.used[k] += (u32)units;
    quota_publish(e);
    return 0;
}

void quota_uncharge_cap(struct env *e, u8 type, u64 object)
{
    int k = kind_of(type);
    if (!e || k < 0)
        return;
    u64 units = 1, pages = 0;
    if (type == CAP_EXT)
        ext_cost(object, &units, &pages);
    assert(e->objq.used[k] >= units);
    e->objq.used[k] -= (u32)units;
    if (pages)
        env_uncharge(e, pages);
    quota_publish(e);
}

void quota_return(struct env *e)
{
    struct env *p = keeper(e, true);
    for (int k = 0; k < OBJ_KINDS; k++) {
        /* Whatever e still holds stays charged to its quota: only the rest
         * goes back (nothing is counted twice). */
        if (p)
            p->objq.quota[k] += (u32)spare(e, k);
        e->objq.quota[k] = e->objq.used[k] < e->objq.quota[k] ? e->objq.used[k] : e->objq.quota[k];
        e->objq.credit[k] = 0;
    }
    if (p)
        quota_publish(p);
    quota_publish(e);
}

void quota_pass_heirs(struct env *e)
{
    struct env *k = keeper(e, true);
    if (k)
        env_note_named(k->id);
    for (int i = 0; i < NENV; i++) {
        struct env *x = &envs[i];
        if (x != e && x->state != ENV_FREE && !x->orig_cap && x->objq.heir == e->id)
            x->objq.heir = k ? k->id : 0;
    }
}

void quota_replaced(struct env *e, struct env *n)
{
    quota_uncharge_cap(e, CAP_ENV, n->id);
    /* What e's keeper lent e, it lends n; e's quota goes to n when e ends. */
    memcpy(n->objq.credit, e->objq.credit, sizeof n->objq.credit);
    memcpy(n->objq.keep, e->objq.keep, sizeof n->objq.keep);
    e->objq.heir = n->id;
    env_note_named(n->id);
}

/* sys_env_quota(env, kinds, give, credit, keep): see kernel/kcalls.tbl. */
s64 sys_env_quota(u64 env, u64 kinds, u64 give, u64 credit, u64 keep)
{
    struct env *e = cpu_env();
    s64 g = (s64)give;
    if (env == CAP_SELF || !kinds || (kinds & ~(u64)OBJ_ALL) || g > (1L << 31) || g < -(1L << 31))
        return -E_INVAL;
    int err;
    struct capnode *c = cap_get(e, env, &err);
    if (!c)
        return err;
    if (c->type != CAP_ENV || c->parent || !(c->rights & R_CONTROL))
        return -E_PERM;
    struct env *t = env_lookup((u32)c->object);
    if (!t)
        return -E_NOENT;
    /* All or nothing: check (and reserve) every kind first. */
    for (int k = 0; k < OBJ_KINDS; k++) {
        if (!((kinds >> k) & 1))
            continue;
        if (g > 0 && !reserve(e, k, (u64)g, 0))
            return -E_NOMEM;
        if (g < 0 && spare(t, k) < (u64)-g)
            return -E_NOMEM;
    }
    struct env *from = g > 0 ? e : t, *to = g > 0 ? t : e;
    u32 n = (u32)(g > 0 ? g : -g);
    for (int k = 0; k < OBJ_KINDS; k++) {
        if (!((kinds >> k) & 1))
            continue;
        from->objq.quota[k] -= n;
        to->objq.quota[k] += n;
        t->objq.credit[k] = (u32)MIN(credit, 0xffffffffUL);
        t->objq.keep[k] = (u32)MIN(keep, 0xffffffffUL);
    }
    quota_publish(e);
    quota_publish(t);
    return 0;
}
