/* Environment lifecycle: allocation with a memory quota, loading a program
 * from the boot image, teardown and freeing. */
#include "kernel.h"
#include "env.h"
#include "cap.h"
#include "cpu.h"
#include "vm.h"
#include "pmem.h"
#include "sched.h"
#include "ext.h"
#include "quota.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lapic.h"

struct env envs[NENV];

struct env *env_lookup_any(u32 id)
{
    struct env *e = &envs[id & 0xff];
    if (id == 0 || (id & 0xff) >= NENV || e->id != id || e->state == ENV_FREE)
        return NULL;
    return e;
}

struct env *env_lookup(u32 id)
{
    struct env *e = env_lookup_any(id);
    return e && e->state != ENV_ZOMBIE ? e : NULL;
}

/* Makes sure e has `pages` of quota to spare, drawing on the credit its
 * creator gave it (sys_env_credit) if it must: quota moves from the creator,
 * which may draw on its own creator's credit in turn. The moved quota is
 * e's from then on (it goes back up when e ends). */
bool env_reserve(struct env *e, u64 pages)
{
    if (e->mem_quota - e->mem_used >= pages)
        return true;
    u64 need = pages - (e->mem_quota - e->mem_used);
    struct env *p = e->parent ? env_lookup(e->parent) : NULL;
    if (need > e->credit || !p || p->revoke_pending || e->revoke_pending)
        return false;
    /* Borrow a little more than needed, so as not to come back at every
     * page; the lender keeps what it asked to keep. */
    u64 want = MIN(e->credit, MAX(need, 64));
    if (e->credit_keep > ~0UL / 2 || !env_reserve(p, want + e->credit_keep)) {
        want = need;
        if (e->credit_keep > ~0UL / 2 || !env_reserve(p, want + e->credit_keep))
            return false;
    }
    p->mem_quota -= want;
    if (p->info)
        p->info->mem_quota = p->mem_quota;
    e->mem_quota += want;
    e->credit -= want;
    if (e->info)
        e->info->mem_quota = e->mem_quota;
    return true;
}

int env_charge(struct env *e, u64 pages)
{
    if ((e->mem_used + pages > e->mem_quota && !env_reserve(e, pages)) ||
        (e->revoke_pending && e->mem_used + pages > e->revoke_target))
        return -E_NOMEM; /* over quota, or asked to shrink and not done yet */
    e->mem_used += pages;
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

int env_alloc(const char *name, u32 parent, u64 quota, struct env **out)
{
    struct env *e = NULL;
    for (int i = 0; i < NENV; i++) {
        if (envs[i].state == ENV_FREE) {
            e = &envs[i];
            u32 gen = ((e->id >> 8) + 1) & 0xffffff;
            memset(e, 0, sizeof *e);
            e->id = (gen ? gen : 1) << 8 | (u32)i;
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
    env_teardown(e, STOP_KILLED);
    env_free(e);
    return r;
}

/* Loads an ELF image; every page is a frame capability in e's own table. */
int env_load_program(struct env *e, const u8 *elf, size_t size)
{
    if (e->state != ENV_EMPTY || e->has_context)
        return -E_INVAL;
    u64 entry;
    int r = elf_load(e, elf, size, &entry);
    for (int i = 1; r == 0 && i <= USER_STACK_PAGES; i++)
        r = env_map_new_frame(e, USER_STACK_TOP - i * PAGE_SIZE, PTE_W | PTE_NX);
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
 * through that capability. */
int env_map_new_frame(struct env *e, vaddr_t va, u64 flags)
{
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
    int r = vm_map(e->pml4, va, pa, PTE_U | flags, e);
    if (r < 0) {
        cap_delete_node(cap_index(c));
        return r;
    }
    c->mapped_env = e->id;
    c->mapped_va = va;
    return 0;
}

/* Releases everything e holds and makes it a zombie. Safe on a partly built env. */
void env_teardown(struct env *e, enum env_stop why)
{
    if (e->state == ENV_ZOMBIE || e->state == ENV_FREE)
        return;
    if (e->stop == STOP_NONE)
        e->stop = why;
    enum env_state was = e->state;
    e->state = ENV_ZOMBIE;         /* from now on env_lookup() no longer finds it */
    for (int i = 0; i < ncpu; i++) /* its FPU state must not be saved into a reused env */
        if (cpus[i].fpu_owner == e)
            cpus[i].fpu_owner = NULL;
    (void)was;

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
        env_uncharge(e, vm_free_space(e->pml4));
        e->pml4 = 0;
    }
    assert(e->mem_used == 0);
    quota_return(e); /* its object quota goes back to its keeper */
    /* Give the quota back to the parent. */
    struct env *p = env_lookup(e->parent);
    if (p && e->parent) {
        p->mem_quota += e->mem_quota;
        if (p->info)
            p->info->mem_quota = p->mem_quota;
        env_post_event(p, EVENT_CHILD); /* wakes a parent waiting in sys_block */
    }
    e->mem_quota = 0;
}

void env_free(struct env *e)
{
    assert(e->state == ENV_ZOMBIE);
    e->state = ENV_FREE;
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
