/* Environment lifecycle: allocation with a memory quota, loading a program
 * from the boot image, teardown and freeing; and the env kernel calls
 * (create, load, entries, start, status, registers, replace, credit). */
#include "kernel.h"
#include "klock.h"
#include "env.h"
#include "cap.h"
#include "cpu.h"
#include "vm.h"
#include "pmem.h"
#include "sched.h"
#include "ext.h"
#include "initrd.h"
#include "uaccess.h"
#include "quota.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lapic.h"

struct env envs[NENV];

/* The longest creator chain: envs are fewer than NENV. */
#define CHAIN_MAX NENV

/* Plans how e gets `pages` of quota to spare by drawing on the credit its
 * creator gave it (sys_env_credit): at each level the borrower takes `want`
 * from its creator, which must then have want + credit_keep to spare and may
 * borrow in turn. Iterative, at most CHAIN_MAX levels (the creator chain has
 * no cycle, see env_teardown and sys_env_replace; the bound makes that
 * harmless anyway), every sum checked for overflow. Fills want[] and returns
 * the number of levels that borrow, or -1 if it cannot be done. With
 * `extra`, each level borrows a little more than it needs (so as not to come
 * back at every page) when its credit allows. */
static int reserve_plan(struct env *e, u64 pages, bool extra, u64 want[CHAIN_MAX])
{
    struct env *b = e;
    u64 wanted = pages; /* what b must have to spare */
    for (int n = 0; n < CHAIN_MAX; n++) {
        u64 spare = env_spare(b);
        if (spare >= wanted)
            return n;
        /* Asked to give memory back: it borrows nothing until it has. */
        if (env_shrinking(b))
            return -1;
        u64 need = wanted - spare;
        struct env *p = b->parent ? env_lookup(b->parent) : NULL;
        if (!p || env_shrinking(p) || need > b->credit)
            return -1;
        want[n] = extra ? MIN(b->credit, MAX(need, 64)) : need;
        u64 q;
        if (__builtin_add_overflow(b->mem_quota, want[n], &q) ||
            __builtin_add_overflow(want[n], b->credit_keep, &wanted))
            return -1;
        b = p;
    }
    return -1;
}

/* Makes sure e has `pages` of quota to spare, drawing on its credit if it
 * must: quota moves down the creator chain, and is the borrower's from then
 * on (it goes back up when the borrower ends). */
bool env_reserve(struct env *e, u64 pages)
{
    u64 want[CHAIN_MAX];
    int n = reserve_plan(e, pages, true, want);
    if (n < 0)
        n = reserve_plan(e, pages, false, want);
    if (n < 0)
        return false;
    /* From the top down, so that every lender has the quota it lends. */
    for (int i = n - 1; i >= 0; i--) {
        struct env *b = e;
        for (int k = 0; k < i; k++)
            b = env_lookup(b->parent);
        struct env *p = env_lookup(b->parent);
        p->mem_quota -= want[i];
        if (p->info)
            p->info->mem_quota = p->mem_quota;
        b->mem_quota += want[i];
        b->credit -= want[i];
        if (b->info)
            b->info->mem_quota = b->mem_quota;
    }
    return true;
}

int env_charge(struct env *e, u64 pages)
{
    u64 used;
    if (__builtin_add_overflow(e->mem_used, pages, &used) ||
        (used > e->mem_quota && !env_reserve(e, pages)) ||
        (env_shrinking(e) && used > e->revoke_target))
        return -E_NOMEM; /* over quota, or asked to shrink and not done yet */
    e->mem_used = used;
    if (e->info)
        e->info->mem_used = e->mem_used;
    return 0;
}

void env_uncharge(struct env *e, u64 pages)
{
    if (!e)
        return;
    assert(e->mem_used >= pages);
    e->mem_used -= pages;
    if (e->info)
        e->info->mem_used = e->mem_used;
}

/* Some env names id as its parent or objq.heir from now on: teardown of id's
 * env must look for it (the scans in teardown_one and quota_pass_heirs). */
void env_note_named(u32 id)
{
    struct env *e = env_lookup_any(id);
    if (e)
        e->named = true;
}

int env_alloc(const char *name, u32 parent, u64 quota, struct env **out)
{
    struct env *e = NULL;
    for (int i = 0; i < NENV; i++) {
        if (envs[i].state == ENV_FREE) {
            e = &envs[i];
            u32 gen = ((e->id >> 8) + 1) & 0xffffff;
            memset(e, 0, sizeof *e);
            e->id = (gen ? gen : 1) << 8 | (u32)i;
            e->on_cpu = -1;
            e->private_cpu = -1;
            break;
        }
    }
    if (!e)
        return -E_NOMEM;
    e->state = ENV_EMPTY;
    strlcpy(e->name, name, sizeof e->name);
    /* The x87/SSE state a fresh process starts with: all exceptions masked. */
    *(u16 *)&e->fpu[0] = 0x037f;  /* FCW */
    *(u32 *)&e->fpu[24] = 0x1f80; /* MXCSR */
    e->parent = parent;
    env_note_named(parent);
    e->root = parent == 0;
    e->mem_quota = quota;
    e->pcid = cpu_has_pcid ? (u16)((e - envs) + 1) : 0;
    e->tlb_stale = true;

    int r = -E_NOMEM;
    e->pml4 = vm_new_space(e);
    if (!e->pml4)
        goto fail;
    /* The information page: kernel-written, user-readable. */
    if (env_charge(e, 1) < 0)
        goto fail;
    e->info_pa = frame_alloc();
    if (!e->info_pa) {
        env_uncharge(e, 1);
        goto fail;
    }
    e->info = P2V(e->info_pa);
    if ((r = vm_map(e->pml4, ENV_INFO_VA, e->info_pa, PTE_U | PTE_NX, e)) < 0)
        goto fail;
    e->info->id = e->id;
    e->info->parent = parent;
    e->info->mem_quota = quota;
    e->info->mem_used = e->mem_used;
    e->info->tsc_per_ms = tsc_per_ms;
    quota_init(e);
    *out = e;
    return 0;
fail:
    /* The quota was never handed over: the caller keeps it (teardown must
     * not give it back to the creator too). */
    e->mem_quota = 0;
    e->parent = 0;
    env_teardown(e, STOP_KILLED);
    env_free(e);
    return r;
}

static int map_new_frame(struct env *e, vaddr_t va, u64 flags, u64 *pte);

/* Loads an ELF image; every page is a frame capability in e's own table. */
int env_load_program(struct env *e, const u8 *elf, size_t size)
{
    if (e->state != ENV_EMPTY || e->has_context)
        return -E_INVAL;
    u64 entry;
    int r = elf_load(e, elf, size, &entry);
    /* The stack's pages lie in one page table: walked once, not per page. */
    STATIC_ASSERT(USER_STACK_TOP % (512 * PAGE_SIZE) == 0 && USER_STACK_PAGES <= 512);
    u64 *top = r == 0 ? vm_pte_slot(e->pml4, USER_STACK_TOP - PAGE_SIZE, true, e) : NULL;
    if (r == 0 && !top)
        r = -E_NOMEM;
    for (int i = 1; r == 0 && i <= USER_STACK_PAGES; i++)
        r = map_new_frame(e, USER_STACK_TOP - i * PAGE_SIZE, PTE_W | PTE_NX, top - (i - 1));
    if (r < 0)
        return r;
    memset(&e->tf, 0, sizeof e->tf);
    e->tf.rip = entry;
    e->tf.cs = SEL_UCODE;
    e->tf.ss = SEL_UDATA;
    e->tf.rsp = USER_STACK_TOP;
    e->tf.rflags = RFLAGS_IF | 0x2;
    e->has_context = true;
    return 0;
}

/* Allocates a frame as an original capability in e's table and maps it at va
 * through that capability (env_map_new_frame), with the page-table entry for
 * va already at hand (pte), or walking to it (pte NULL). */
static int map_new_frame(struct env *e, vaddr_t va, u64 flags, u64 *pte)
{
    if (pte && (*pte & PTE_P))
        return -E_BUSY; /* as vm_map */
    if (env_charge(e, 1) < 0)
        return -E_NOMEM;
    paddr_t pa = frame_alloc();
    if (!pa) {
        env_uncharge(e, 1);
        return -E_NOMEM;
    }
    int slot = cap_insert(e, CAP_FRAME, R_ALL & ~R_CALL & ~R_CONTROL, pa / PAGE_SIZE, 0);
    if (slot < 0) {
        frame_free(pa);
        env_uncharge(e, 1);
        return slot;
    }
    struct capnode *c = cap_slot(e, (u64)slot);
    int r = 0;
    if (pte)
        *pte = pa | PTE_U | flags | PTE_P; /* (not present before: no flush) */
    else
        r = vm_map(e->pml4, va, pa, PTE_U | flags, e);
    if (r < 0) {
        cap_delete_node(cap_index(c));
        return r;
    }
    c->mapped_env = e->id;
    c->mapped_va = va;
    return 0;
}

int env_map_new_frame(struct env *e, vaddr_t va, u64 flags)
{
    return map_new_frame(e, va, flags, NULL);
}

/* A block of 2^order fresh (zeroed) frames as one original capability in
 * e's table, mapped at va (every page of it unmapped before): as
 * map_new_frame, for a loaded program's read-only pages, so that copying
 * its address space (lib/unix's fork) copies one capability for them. */
int env_map_new_block(struct env *e, vaddr_t va, u64 order, u64 flags)
{
    u64 n = 1UL << order;
    if (env_charge(e, n) < 0)
        return -E_NOMEM;
    paddr_t pa = frame_alloc_contig_aligned(n, n);
    if (!pa) {
        env_uncharge(e, n);
        return -E_NOMEM;
    }
    int slot = cap_insert(e, CAP_FRAME, R_ALL & ~R_CALL & ~R_CONTROL, pa / PAGE_SIZE, 0);
    if (slot < 0) {
        for (u64 k = 0; k < n; k++)
            frame_free(pa + k * PAGE_SIZE);
        env_uncharge(e, n);
        return slot;
    }
    struct capnode *c = cap_slot(e, (u64)slot);
    c->order = (u8)order; /* (deleting it frees the n frames and uncharges them) */
    for (u64 k = 0; k < n; k++) {
        u64 *pte = vm_pte_slot(e->pml4, va + k * PAGE_SIZE, true, e);
        if (!pte || (*pte & PTE_P)) {
            while (k--) /* (never present before: no flush) */
                *vm_walk(e->pml4, va + k * PAGE_SIZE) = 0;
            cap_delete_node(cap_index(c));
            return pte ? -E_BUSY : -E_NOMEM;
        }
        *pte = (pa + k * PAGE_SIZE) | PTE_U | flags | PTE_P;
    }
    c->mapped_env = e->id;
    c->mapped_va = va;
    return 0;
}

/* Tearing down. An env to tear down is made a zombie at once (env_lookup()
 * no longer finds it) and put in a list; the first call in drains the list,
 * one env at a time. Tearing an env down deletes the capabilities it holds,
 * and deleting the original of an env (release_object in cap.c) tears that
 * env down in turn: it only joins the list. So destroying a tree of envs of
 * any depth is a loop with a constant kernel stack, not a recursion.
 *
 * Quotas are conserved: an env's quota goes back to its creator when it is
 * torn down, including what its children gave back to it. Its creator may be
 * in the list too (still a zombie not yet torn down: it passes the quota on
 * when its turn comes); a creator that has been torn down hands its
 * remaining children to its own creator (reparent), so an env never names a
 * creator that is gone.
 *
 * Locking: interrupts are off and one CPU runs envs (see cap.c); the list
 * is that CPU's work in one kernel entry. */
static struct env *doomed; /* head of the list */
static struct env **doomed_tail = &doomed;
static bool draining; /* a teardown is in progress up the stack */

static void teardown_one(struct env *e)
{
    klock_evict(e);                /* if another CPU runs it: stopped, and it will not resume it */
    for (int i = 0; i < ncpu; i++) /* its FPU state must not be saved into a reused env */
        if (cpus[i].fpu_owner == e)
            cpus[i].fpu_owner = NULL;

    /* Protected calls in progress: a caller waiting on e gets -E_NOENT; a
     * callee serving e finishes into the void. */
    pct_abandon(e);
    revoke_forget(e);
    ext_forget_env(e);

    cap_free_table(e);
    sched_forget_env(e);
    if (e->info_pa) {
        frame_free(e->info_pa);
        env_uncharge(e, 1);
        e->info_pa = 0;
        e->info = NULL;
    }
    if (e->pml4) {
        cap_forget_mappings_in(e);
        env_uncharge(e, vm_free_space(e));
        e->pml4 = 0;
    }
    assert(e->mem_used == 0);
    quota_return(e); /* its object quota goes back to its keeper */
    /* Give the quota back to the creator: a live env, or one in the list
     * (never one torn down already: see reparenting below). */
    struct env *p = e->parent ? env_lookup_any(e->parent) : NULL;
    if (p) {
        assert(p->state != ENV_ZOMBIE || p->tearing);
        p->mem_quota += e->mem_quota;
        if (p->info)
            p->info->mem_quota = p->mem_quota;
        if (p->state != ENV_ZOMBIE)
            env_post_event(p, EVENT_CHILD); /* wakes a parent waiting in sys_block */
    }
    e->mem_quota = 0;
    if (!e->named)
        return; /* no env names e as its parent or heir: nothing to pass on */
    quota_pass_heirs(e);
    /* Children that outlive e (their originals are held elsewhere) are its
     * creator's from now on; the credit e gave them is e's no more. */
    env_note_named(e->parent);
    for (int i = 0; i < NENV; i++) {
        struct env *c = &envs[i];
        if (c != e && c->state != ENV_FREE && c->parent == e->id) {
            c->parent = e->parent;
            c->credit = 0;
            c->credit_keep = 0;
            if (c->info)
                c->info->parent = c->parent;
        }
    }
}

/* Releases everything e holds and makes it a zombie (kept until its original
 * capability is deleted). Safe on a partly built env. */
void env_teardown(struct env *e, enum env_stop why)
{
    if (e->state == ENV_ZOMBIE || e->state == ENV_FREE)
        return;
    if (e->stop == STOP_NONE)
        e->stop = why;
    e->state = ENV_ZOMBIE; /* from now on env_lookup() no longer finds it */
    e->tearing = true;
    e->doom_next = NULL;
    *doomed_tail = e;
    doomed_tail = &e->doom_next;
    if (draining)
        return; /* the loop below, up the stack, gets to it */
    draining = true;
    while (doomed) {
        struct env *t = doomed;
        doomed = t->doom_next;
        if (!doomed)
            doomed_tail = &doomed;
        teardown_one(t);
        t->tearing = false;
        if (t->free_when_torn)
            env_free(t);
    }
    draining = false;
}

void env_free(struct env *e)
{
    assert(e->state == ENV_ZOMBIE && !e->tearing);
    e->state = ENV_FREE;
}

/* Its original capability was deleted: nothing names it any more. */
void env_destroy(struct env *t)
{
    if (t->state != ENV_ZOMBIE) {
        t->free_when_torn = true;
        env_teardown(t, STOP_KILLED); /* freed when torn down (perhaps later, in the list) */
    } else if (t->tearing) {
        t->free_when_torn = true; /* being torn down (it held its own original, say) */
    } else {
        env_free(t); /* it had ended already */
    }
}

/* Whether x is t, or lies below t in the tree of originals: t holds x's
 * original, or the original of an env that holds it, and so on up. Holding
 * an original is owning: putting t's original into such an x would make an
 * env own itself (it could never be destroyed, or would destroy itself), so
 * sys_cap_move and sys_env_replace refuse it. The walk is bounded (fewer
 * than NENV holders); a longer one would be a cycle already, and counts as
 * below. */
bool env_below(struct env *x, struct env *t)
{
    for (int hops = 0; hops <= NENV; hops++) {
        if (x == t)
            return true;
        if (!x->orig_cap)
            return false; /* a root env: the kernel holds it */
        x = &envs[(x->orig_cap >> 16) & 0xff];
    }
    return true;
}

void env_exit(struct env *e, int status)
{
    e->exit_status = status;
    ksnprintf(e->why, sizeof e->why, "exit %d", status);
    env_teardown(e, STOP_EXIT);
    sched_return_to_loop();
}

void env_kill(struct env *e, enum env_stop why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(e->why, sizeof e->why, fmt, ap);
    va_end(ap);
    kprintf("[env %x %s] killed: %s\n", e->id, e->name, e->why);
    env_teardown(e, why);
    if (e == cpu_env())
        sched_return_to_loop();
    /* Not reached for the running env; callers killing another env use env_teardown. */
    panic("env_kill of a non-running env");
}

/* ---- kernel calls ---- */

/* Creates a child of `creator` with `quota` pages of its quota; returns the
 * slot of the child's original in creator's table, or an error. */
int env_create(struct env *creator, u64 quota)
{
    struct env *e = creator, *child;
    if (quota < ENV_MIN_QUOTA)
        return -E_INVAL;
    /* Asked to give memory back: no quota leaves it until it has. */
    if (env_shrinking(e) || !env_reserve(e, quota))
        return -E_NOMEM;
    e->mem_quota -= quota; /* given back when the child is torn down */
    if (e->info)
        e->info->mem_quota = e->mem_quota;
    int r = env_alloc("child", e->id, quota, &child);
    if (r < 0) { /* (env_alloc gave nothing back) */
        e->mem_quota += quota;
        if (e->info)
            e->info->mem_quota = e->mem_quota;
        return r;
    }
    int slot = cap_insert(e, CAP_ENV, R_ALL, child->id, 0);
    if (slot < 0) {
        env_teardown(child, STOP_KILLED); /* gives the quota back to e */
        env_free(child);
        return slot;
    }
    child->orig_cap = cap_slot(e, (u64)slot)->id;
    return slot;
}

/* sys_env_create(quota_pages) -> slot. Rights: none.
 * Errors: E_INVAL quota below ENV_MIN_QUOTA; E_NOMEM (also while a
 * revocation asks the caller for memory). */
s64 sys_env_create(u64 quota)
{
    return env_create(cpu_env(), quota);
}

/* sys_env_load(env, name, namelen) -> 0. Rights: R_CONTROL on env.
 * Errors: E_NOENT, E_INVAL, E_FAULT, E_PERM, E_NOMEM. */
s64 sys_env_load(u64 env, u64 uname, u64 namelen)
{
    struct env *t;
    int r = cap_env(cpu_env(), env, R_CONTROL, &t);
    if (r < 0)
        return r;
    char name[32];
    if (namelen == 0 || namelen >= sizeof name)
        return -E_NOENT;
    if (copy_from_user(name, uname, namelen) < 0)
        return -E_FAULT;
    name[namelen] = 0;
    struct initrd_file f;
    if (!initrd_find(name, &f))
        return -E_NOENT;
    r = env_load_program(t, f.data, f.size);
    if (r == 0)
        strlcpy(t->name, name, sizeof t->name);
    return r;
}

static bool user_addr(u64 a)
{
    return a == 0 || (a >= USER_MIN && a < USER_MAP_TOP);
}

/* sys_env_set_entries(env, entries) -> 0. Rights: R_CONTROL on env.
 * Errors: E_FAULT, E_INVAL, E_PERM. */
s64 sys_env_set_entries(u64 env, u64 uentries)
{
    struct env *t;
    int r = cap_env(cpu_env(), env, R_CONTROL, &t);
    if (r < 0)
        return r;
    struct env_entries en;
    if (copy_from_user(&en, uentries, sizeof en) < 0)
        return -E_FAULT;
    for (int k = 0; k < UPCALL_NKINDS; k++)
        if (!user_addr(en.entry[k]))
            return -E_INVAL;
    if (!user_addr(en.xstack_top) || !user_addr(en.pct_stack_top) || en.xstack_top % 16 ||
        en.pct_stack_top % 16)
        return -E_INVAL;
    /* An exception stack, if any, lies in user space and holds a frame. */
    if (en.xstack_top && (en.xstack_size < 512 || en.xstack_size > en.xstack_top ||
                          en.xstack_top - en.xstack_size < USER_MIN))
        return -E_INVAL;
    t->entries = en;
    return 0;
}

/* sys_env_start(env): see kernel/kcalls.tbl. */
s64 sys_env_start(u64 env)
{
    struct env *t;
    int r = cap_env(cpu_env(), env, R_CONTROL, &t);
    if (r < 0)
        return r;
    if (!t->has_context)
        return -E_INVAL;
    if (t->state == ENV_EMPTY)
        t->state = ENV_RUNNABLE;
    return 0;
}

/* sys_env_status(env): see kernel/kcalls.tbl. Works on zombies too. With
 * several CPUs a local call (klock.c): it reads the caller's own table and
 * the state of the env named there, which only holders of the kernel lock
 * change. */
s64 sys_env_status(u64 env)
{
    struct env *e = cpu_env();
    int err;
    struct capnode *c = cap_get(e, env, &err);
    if (!c)
        return env == CAP_SELF ? -E_AGAIN : err;
    if (c->type != CAP_ENV || !(c->rights & R_CONTROL))
        return -E_PERM;
    struct env *t = env_lookup_any((u32)c->object);
    if (!t || t->state != ENV_ZOMBIE)
        return -E_AGAIN;
    return (s64)t->stop << 8 | (t->exit_status & 0xff);
}

/* sys_env_set_regs(env, regs): see kernel/kcalls.tbl. */
s64 sys_env_set_regs(u64 env, u64 uregs)
{
    struct env *e = cpu_env(), *t;
    int r = cap_env(e, env, R_CONTROL, &t);
    if (r < 0)
        return r;
    if (t == e)
        return -E_PERM;
    if (t->state != ENV_EMPTY)
        return -E_INVAL;
    struct upcall_frame f;
    if (copy_from_user(&f, uregs, sizeof f) < 0)
        return -E_FAULT;
    if (f.rip < USER_MIN || f.rip >= USER_MAP_TOP || f.rsp < USER_MIN || f.rsp > USER_MAP_TOP)
        return -E_INVAL;
    STATIC_ASSERT(sizeof(struct trapframe) <= sizeof f);
    memcpy(&t->tf, &f, sizeof t->tf); /* the same layout (upcall.c) */
    t->tf.cs = SEL_UCODE;
    t->tf.ss = SEL_UDATA;
    t->tf.rflags = (f.rflags & 0xcd5) | RFLAGS_IF | 0x2; /* arithmetic flags, DF; IF always */
    t->tf.vector = 0;
    t->has_context = true;
    return 0;
}

/* Whether an env below e (one whose original e holds, directly or through
 * others) holds a copy derived from frame capability c: a child forked
 * copy-on-write that still shares the page. */
static bool shared_below(const struct capnode *c, struct env *e)
{
    for (u32 k = c->first_child; k; k = cap_node(k)->next_sibling) {
        struct env *holder = &envs[(k >> 16) & 0xff];
        if (holder != e && env_below(holder, e))
            return true;
    }
    return false;
}

/* exec while children share pages: the frames of e that envs below it still
 * share (their copy-on-write copies are derived from e's capabilities) would
 * be deleted with e, and the pages unmapped under those children. They go to
 * n instead, unmapped, each with the memory quota it is charged against (so
 * quotas stay conserved): ghosts, which n's library OS deletes once nobody
 * shares them. A frame n cannot take (its table cannot grow) goes with e, as
 * before; so does one mapped in another env. Called while e still holds n's
 * original (env_below sees n, and the children e moved to n, below e). */
static void keep_shared_frames(struct env *e, struct env *n)
{
    for (u64 s = 1; s < e->cap_top; s++) {
        struct capnode *c = cap_slot(e, s);
        if (!c || c->type != CAP_FRAME || !c->first_child ||
            (c->mapped_env && c->mapped_env != e->id) || !shared_below(c, e))
            continue;
        u64 pages = c->parent ? 0 : cap_pages(c); /* (only an original is charged) */
        if (e->mem_quota < pages)
            continue;
        cap_unmap(c);
        e->mem_quota -= pages;
        n->mem_quota += pages;
        if (cap_move_node(e, c, n) < 0) {
            n->mem_quota -= pages;
            e->mem_quota += pages;
        }
    }
    if (n->info)
        n->info->mem_quota = n->mem_quota;
}

/* sys_env_replace(env): see kernel/kcalls.tbl. */
s64 sys_env_replace(u64 env)
{
    struct env *e = cpu_env(), *n;
    int err;
    struct capnode *c = cap_get(e, env, &err);
    if (!c)
        return err;
    if (c->type != CAP_ENV || c->parent || !(n = env_lookup((u32)c->object)) || n == e)
        return -E_PERM;
    if (!n->has_context || !e->orig_cap)
        return -E_INVAL;
    /* n takes e's place in both trees: whoever holds e's original holds n's
     * from now on, and e's creator is n's. Neither may be n itself or below
     * it (n would own, or have created, itself). Without cycles before there
     * are none after (n lies below e); checked all the same. */
    struct capnode *mine = cap_node(e->orig_cap);
    struct env *holder = &envs[(mine->id >> 16) & 0xff], *creator = env_lookup_any(e->parent);
    if (env_below(holder, n))
        return -E_PERM;
    for (int hops = 0; creator; hops++) {
        if (creator == n || hops > NENV)
            return -E_PERM;
        creator = creator->parent ? env_lookup_any(creator->parent) : NULL;
    }
    keep_shared_frames(e, n);
    if (n->state == ENV_EMPTY)
        n->state = ENV_RUNNABLE; /* it takes over now */
    /* Every capability naming e now names n. */
    cap_rename_tree(mine->id, e->id, n->id);
    n->orig_cap = mine->id;
    n->parent = e->parent;
    env_note_named(n->parent);
    n->credit = e->credit; /* what its creator lent the caller, it lends n */
    n->credit_keep = e->credit_keep;
    if (n->info)
        n->info->parent = e->parent;
    quota_replaced(e, n); /* e's object quota goes to n when e ends */
    /* Drop the original of n held here without destroying n. */
    while (c->first_child) /* copies of it go too (they would name a stale env) */
        cap_delete_node(c->first_child);
    c->type = CAP_NONE;
    if (c->slot < e->cap_hint)
        e->cap_hint = c->slot;
    e->orig_cap = 0;
    e->exit_status = 0;
    ksnprintf(e->why, sizeof e->why, "replaced by %x", n->id);
    env_teardown(e, STOP_EXIT);
    /* No capability names e any more, so nobody would free its slot: do it
     * now (a root env stays a zombie for the runner that started it). */
    if (!e->root)
        env_free(e);
    sched_return_to_loop();
}

/* sys_env_credit(env, pages): see kernel/kcalls.tbl. */
s64 sys_env_credit(u64 env, u64 pages, u64 keep)
{
    struct env *e = cpu_env(), *t;
    if (env == CAP_SELF)
        return -E_INVAL;
    int r = cap_env(e, env, R_CONTROL, &t);
    if (r < 0)
        return r;
    if (t->parent != e->id)
        return -E_PERM;
    t->credit = pages;
    t->credit_keep = keep;
    return 0;
}
