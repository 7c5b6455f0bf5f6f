/* Visible revocation. A policy env (one holding R_CONTROL on an env) asks it
 * to give back frames or time slots: it gets a revocation upcall naming the
 * kind, how many and the deadline, gives back the ones of its choice and
 * answers with sys_revoke_done. Until then it cannot acquire more of that
 * kind (for frames its quota is lowered at once). If it has not complied by
 * the deadline, the abort protocol takes them by force (the most recently
 * acquired first), breaks their bindings (mappings; the slot's place in the
 * vector), and records each one in the env's repossession vector
 * (env_info.taken) so its library OS can repair its own data structures. */
#include "kernel.h"
#include "sched.h"
#include "env.h"
#include "cap.h"
#include "cpu.h"
#include "vm.h"
#include "quota.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lapic.h"

/* Number of envs with a revocation pending: the scheduler looks for
 * deadlines only when it is not zero (revoke_any_pending, sched.h). Written
 * here only. */
u32 revocations_pending;

u64 revoke_steps; /* table slots visited by held() and take_by_force (a unit test reads it) */

/* Originals of the given type in e's table: one pass over the table. */
static u64 held(struct env *e, u8 type)
{
    u64 n = 0;
    for (u64 s = 1; s < CAP_MAX_SLOT; s++) {
        struct capnode *c = cap_slot(e, s);
        revoke_steps++;
        if (!c)
            s += CAPS_PER_PAGE - 1 - s % CAPS_PER_PAGE;
        else if (c->type == type && !c->parent)
            n += type == CAP_FRAME ? cap_pages(c) : 1;
    }
    return n;
}

/* Slot originals e holds: its object quota counts them (quota.c). */
static u64 slots_held(struct env *e)
{
    return e->objq.used[OBJ_SLOT];
}

static bool satisfied(struct env *e)
{
    if (e->info->revoke_kind == REVOKE_SLOTS)
        return slots_held(e) <= e->revoke_target;
    return e->mem_used <= e->revoke_target;
}

static void close_request(struct env *e)
{
    e->revoke_pending = false;
    revocations_pending--;
    e->info->revoke_count = 0;
}

/* Starts a revocation request on t for requester e (see sys_env_revoke). */
int revoke_request(struct env *e, struct env *t, u64 kind, u64 count, u64 deadline_ms)
{
    if (t == e || (kind != REVOKE_FRAMES && kind != REVOKE_SLOTS) || count == 0 ||
        count > (kind == REVOKE_FRAMES ? held(t, CAP_FRAME) : slots_held(t)) || deadline_ms > 60000)
        return -E_INVAL;
    if (t->revoke_pending)
        return -E_BUSY;
    if (kind == REVOKE_FRAMES) {
        /* The quota shrinks now; the pages come back to the requester. */
        t->mem_quota -= count;
        t->info->mem_quota = t->mem_quota;
        e->mem_quota += count;
        e->info->mem_quota = e->mem_quota;
        t->revoke_target = t->mem_used - count;
    } else {
        /* Likewise its slot quota (count <= slots held <= quota). */
        t->revoke_target = slots_held(t) - count;
        u32 q = (u32)MIN(count, t->objq.quota[OBJ_SLOT]);
        t->objq.quota[OBJ_SLOT] -= q;
        e->objq.quota[OBJ_SLOT] += q;
        quota_publish(t);
        quota_publish(e);
    }
    t->revoke_pending = true;
    revocations_pending++;
    t->info->revoke_kind = kind;
    t->info->revoke_count = count;
    t->info->revoke_deadline = rdtsc() + deadline_ms * tsc_per_ms;
    t->info->revoke_seq++;
    t->revoke_upcalled = false;
    return 0;
}

/* sys_env_revoke(env, kind, count, deadline_ms): see kernel/kcalls.tbl. */
s64 sys_env_revoke(u64 env, u64 kind, u64 count, u64 deadline_ms)
{
    struct env *e = cpu_env(), *t;
    int r = cap_env(e, env, R_CONTROL, &t);
    if (r < 0)
        return r;
    return revoke_request(e, t, kind, count, deadline_ms);
}

/* sys_revoke_done(): see kernel/kcalls.tbl. */
s64 sys_revoke_done(void)
{
    struct env *e = cpu_env();
    if (!e->revoke_pending)
        return -E_INVAL;
    if (!satisfied(e))
        return -E_AGAIN;
    close_request(e);
    return 0;
}

/* Called before e runs: the revocation upcall, once per request. */
void revoke_deliver(struct env *e)
{
    if (e->revoke_upcalled || !e->entries.entry[UPCALL_REVOKE])
        return;
    if (upcall_push(e, &e->tf, UPCALL_REVOKE, e->info->revoke_kind, e->info->revoke_seq,
                    e->info->revoke_count) == 0)
        e->revoke_upcalled = true;
}

/* The abort protocol. One pass down the table; whether enough was taken is
 * known at once (the slot originals held are counted by the object quota,
 * the frames by mem_used), so the work is linear in the table's size with
 * interrupts off. */
static void take_by_force(struct env *e)
{
    u8 type = e->info->revoke_kind == REVOKE_SLOTS ? CAP_SLOT : CAP_FRAME;
    u64 taken = 0;
    for (u64 s = CAP_MAX_SLOT - 1; s > 0 && !satisfied(e); s--) {
        struct capnode *c = cap_slot(e, s);
        revoke_steps++;
        if (!c || c->type != type || c->parent)
            continue;
        struct repossessed *rp = &e->info->taken[e->info->ntaken % REPOSSESS_MAX];
        rp->slot = (u32)s;
        rp->type = type;
        rp->object = c->object;
        rp->va = c->mapped_env == e->id ? c->mapped_va : 0;
        e->info->ntaken++;
        taken++;
        cap_delete_node(c->id);
    }
    kprintf("[env %x %s] revocation deadline passed: %lu %s taken by force\n", e->id, e->name,
            taken, type == CAP_SLOT ? "time slots" : "frames");
    close_request(e);
}

/* An env going away with a request pending. */
void revoke_forget(struct env *e)
{
    if (e->revoke_pending) {
        e->revoke_pending = false;
        revocations_pending--;
    }
}

void revoke_check_deadlines(void)
{
    if (!revocations_pending)
        return;
    u64 now = rdtsc();
    for (int i = 0; i < NENV; i++) {
        struct env *e = &envs[i];
        if (e->state != ENV_FREE && e->state != ENV_ZOMBIE && e->revoke_pending &&
            now >= e->info->revoke_deadline)
            take_by_force(e);
    }
}
