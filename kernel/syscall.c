/* Kernel-call dispatch, and the calls that belong to no other object. The
 * table itself is generated from kernel/kcalls.tbl. Above each call: its
 * contract (the full text is in the table and docs/kernel-calls.md). */
#include "kernel.h"
#include "trap.h"
#include "cpu.h"
#include "env.h"
#include "cap.h"
#include "pmem.h"
#include "sched.h"
#include "initrd.h"
#include "vm.h"
#include "quota.h"
#include "uaccess.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lapic.h"
#include <spinel/syscall.h>
#define KCALL_DEFINE_TABLE
#include "kcall_table.h"

/* sys_null() -> 0. Rights: none. Errors: none. */
s64 sys_null(void)
{
    return 0;
}

/* sys_cputs(buf, len) -> len. Rights: none.
 * Errors: E_FAULT bad buffer; E_RANGE len > 1 MiB. */
s64 sys_cputs(u64 buf, u64 len)
{
    if (len > (1 << 20))
        return -E_RANGE;
    if (!user_range_ok(buf, len))
        return -E_FAULT;
    char chunk[256];
    for (u64 done = 0; done < len;) {
        u64 n = MIN(len - done, sizeof chunk);
        if (copy_from_user(chunk, buf + done, n) < 0)
            return -E_FAULT;
        console_write(chunk, n);
        done += n;
    }
    return (s64)len;
}

/* sys_exit(status): does not return. Rights: none. */
s64 sys_exit(u64 status)
{
    env_exit(cpu_env(), (int)status);
}

/* sys_sysinfo(out) -> 0. Rights: none. Errors: E_ALIGN, E_FAULT. */
s64 sys_sysinfo(u64 out)
{
    if (out & 7)
        return -E_ALIGN;
    struct sys_info si = {
        .free_frames = pmem_free_frames(),
        .total_frames = pmem_total_frames(),
        .ticks = cpus[0].ticks,
        .timer_hz = TIMER_HZ,
        .ncpu = (u64)ncpu,
        .env_id = cpu_env()->id,
    };
    return copy_to_user(out, &si, sizeof si);
}

/* sys_env_create(quota_pages) -> slot. Rights: none.
 * Errors: E_INVAL quota below ENV_MIN_QUOTA; E_NOMEM. */
s64 sys_env_create(u64 quota)
{
    struct env *e = cpu_env(), *child;
    if (quota < ENV_MIN_QUOTA)
        return -E_INVAL;
    if (quota > e->mem_quota - e->mem_used && !env_reserve(e, quota))
        return -E_NOMEM;
    e->mem_quota -= quota; /* given back when the child is torn down */
    e->info->mem_quota = e->mem_quota;
    int r = env_alloc("child", e->id, quota, &child);
    if (r < 0) {
        e->mem_quota += quota;
        e->info->mem_quota = e->mem_quota;
        return r;
    }
    int slot = cap_insert(e, CAP_ENV, R_ALL, child->id, 0);
    if (slot < 0) {
        env_teardown(child, STOP_KILLED);
        env_free(child);
        return slot;
    }
    child->orig_cap = cap_slot(e, (u64)slot)->id;
    return slot;
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

/* sys_env_status(env): see kernel/kcalls.tbl. Works on zombies too. */
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

/* sys_bootimage_map(va): see kernel/kcalls.tbl. The pages are the kernel's
 * (reserved at boot), mapped read-only and never freed with the env. */
s64 sys_bootimage_map(u64 va)
{
    struct env *e = cpu_env();
    u64 size;
    const u8 *base = initrd_bytes(&size);
    if (e->parent != 0)
        return -E_PERM;
    u64 pages = ROUNDUP(size, PAGE_SIZE) / PAGE_SIZE;
    if (va % PAGE_SIZE || va < USER_MIN || va >= USER_MAP_TOP ||
        pages > (USER_MAP_TOP - va) / PAGE_SIZE)
        return -E_INVAL;
    for (u64 i = 0; i < pages; i++)
        if (vm_walk(e->pml4, va + i * PAGE_SIZE))
            return -E_INVAL;
    for (u64 i = 0; i < pages; i++) {
        int r = vm_map(e->pml4, va + i * PAGE_SIZE, V2P(base) + i * PAGE_SIZE, PTE_U | PTE_NX, e);
        if (r < 0)
            return r;
    }
    return (s64)size;
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
    if (n->state == ENV_EMPTY)
        n->state = ENV_RUNNABLE; /* it takes over now */
    /* Every capability naming e now names n. */
    struct capnode *mine = cap_node(e->orig_cap);
    cap_rename_tree(mine->id, e->id, n->id);
    n->orig_cap = mine->id;
    n->parent = e->parent;
    n->credit = e->credit; /* what its creator lent the caller, it lends n */
    n->credit_keep = e->credit_keep;
    if (n->info)
        n->info->parent = e->parent;
    /* Drop the original of n held here without destroying n. */
    quota_replaced(e, n);
    c->type = CAP_NONE;
    while (c->first_child) /* copies of it go too (they would name a stale env) */
        cap_delete_node(c->first_child);
    e->orig_cap = 0;
    e->exit_status = 0;
    ksnprintf(e->why, sizeof e->why, "replaced by %x", n->id);
    env_teardown(e, STOP_EXIT);
    /* No capability names e any more, so nobody would free its slot: do it
     * now (a root env stays a zombie for the runner that started it). */
    if (e->parent)
        env_free(e);
    sched_return_to_loop();
}

void syscall_dispatch(struct trapframe *tf)
{
    struct cpu *c = cpu();
    u64 n = tf->rax;
    c->cur_tf = tf;
    if (unlikely(n >= SYS_NCALLS || !kcall_table[n])) {
        tf->rax = (u64)-E_NOSYS;
        return;
    }
    struct env *e = c->env;
    s64 r = kcall_table[n](tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
    /* A call that switched this CPU to another env (PCT, donation) has set
     * the registers of the env it resumes itself. */
    if (c->env == e)
        tf->rax = (u64)r;
}
