/* lib/mn: M:N threads over virtual processors (see mn.h). */
#include "mn.h"
#include "../exo/exo.h"

extern void mn_swap(uint64_t *save_rsp, uint64_t load_rsp);
extern void mn_ctx_start(void);

static inline void cpu_pause(void)
{
    __asm__ volatile("pause" ::: "memory");
}

/* ---- spinlocks ---- */

void mn_relax(void)
{
    sys_yield(-1);
}

int mn_spin_trylock(mn_spin_t *l)
{
    return !__atomic_load_n(&l->v, __ATOMIC_RELAXED) &&
           !__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE);
}

void mn_spin_lock(mn_spin_t *l)
{
    uint32_t delay = 1, capped = 0;
    while (!mn_spin_trylock(l)) {
        for (uint32_t i = 0; i < delay; i++)
            cpu_pause();
        if (delay < MN_BACKOFF_MAX)
            delay <<= 1;
        else if (++capped % 4 == 0)
            mn_relax();
    }
}

void mn_spin_unlock(mn_spin_t *l)
{
    __atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

/* Spins (pause, then mn_relax now and then) until *p reads 0 (acquire). */
static void spin_while_set(const uint32_t *p)
{
    uint32_t n = 0;
    while (__atomic_load_n(p, __ATOMIC_ACQUIRE)) {
        cpu_pause();
        if (++n % 256 == 0)
            mn_relax();
    }
}

int mn_mcs_trylock(mn_mcs_t *l)
{
    return !__atomic_load_n(&l->held, __ATOMIC_RELAXED) &&
           !__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE);
}

void mn_mcs_lock(mn_mcs_t *l, struct mn_mcs_node *me)
{
    if (mn_mcs_trylock(l))
        return; /* free: taken at once (a running strand takes it before a preempted waiter) */
    me->next = 0;
    me->locked = 1;
    /* acq_rel: our node's fields are published before anyone finds it. */
    struct mn_mcs_node *prev = __atomic_exchange_n(&l->tail, me, __ATOMIC_ACQ_REL);
    if (prev) {
        __atomic_store_n(&prev->next, me, __ATOMIC_RELEASE);
        spin_while_set(&me->locked); /* until we are the queue's head */
    }
    /* The head: the only waiter that spins on the lock word. */
    uint32_t n = 0;
    while (!mn_mcs_trylock(l)) {
        cpu_pause();
        if (++n % 256 == 0)
            mn_relax();
    }
    /* Ours. Leave the queue: the next waiter becomes its head. */
    struct mn_mcs_node *next = __atomic_load_n(&me->next, __ATOMIC_ACQUIRE);
    if (!next) {
        struct mn_mcs_node *expect = me;
        if (__atomic_compare_exchange_n(&l->tail, &expect, 0, 0, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED))
            return; /* nobody waits */
        /* Someone swapped itself in as the tail but has not linked yet. */
        n = 0;
        while (!(next = __atomic_load_n(&me->next, __ATOMIC_ACQUIRE)))
            if (++n % 256 == 0)
                mn_relax();
            else
                cpu_pause();
    }
    __atomic_store_n(&next->locked, 0, __ATOMIC_RELEASE);
}

void mn_mcs_unlock(mn_mcs_t *l, struct mn_mcs_node *me)
{
    (void)me; /* (the node left the queue when the lock was taken) */
    __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

/* ---- strands and VPs ---- */

enum { ST_FREE, ST_READY, ST_RUNNING, ST_BLOCKED, ST_ZOMBIE };
/* What a VP's scheduler does once a strand has switched to it (the strand's
 * registers are saved by then). */
enum { POST_NONE, POST_READY, POST_FREE, POST_TO_VP0 };

struct mn_strand {
    uint64_t rsp; /* saved context (mn_swap) while not running */
    void *(*fn)(void *);
    void *arg, *ret;
    uint32_t state; /* ST_*; see each transition's lock below */
    uint32_t detached;
    uint32_t vps_seen; /* bit per VP it ran on */
    uint32_t index;
    uint64_t uid;           /* unique over the program's life (a struct is reused) */
    struct mn_strand *next; /* in the run queue or one wait queue, never both */
    mn_spin_t lock;         /* protects state ZOMBIE, joiner, detached */
    struct mn_strand *joiner;
    uint8_t *stack; /* NULL for the strand that called mn_start */
} __attribute__((aligned(64)));

struct mn_vp {
    uint64_t envid;     /* the env's id (exo_info->id there) */
    uint32_t cap;       /* its env capability in VP 0's table (0 for VP 0) */
    uint64_t sched_rsp; /* the scheduler loop's context while a strand runs */
    struct mn_strand *cur;
    /* Set by the strand that switches to the scheduler, done by it after: */
    uint32_t post;
    struct mn_strand *post_strand;
    mn_spin_t *post_unlock;
    struct mn_strand *pinned; /* VP 0 only: the mn_start strand coming back (mn_stop) */
    uint64_t switches, idle;
} __attribute__((aligned(64)));

/* All of it in the bss, so in every VP at the same address. */
static struct {
    uint32_t nvp, started, stopping;
    struct mn_vp vp[MN_MAX_VPS];
    mn_spin_t rq_lock; /* protects rq: the run queue of READY strands */
    struct mn_queue rq;
    mn_spin_t alloc_lock; /* protects ST_FREE <-> in use of strands[] */
    struct mn_strand strand[MN_MAX_STRANDS];
    struct mn_strand *main;
    uint64_t next_uid; /* (atomic) */
} mn;
/* The strands' stacks: one 1 MiB block of frames mapped at MN_STACKS_VA by
 * the first mn_start (before the VPs share our memory) and kept, not the
 * bss: a program that links lib/mn and never starts it does not pay for
 * them. */
#define MN_STACKS_VA    0x0000580000000000UL
#define MN_STACKS_ORDER 8 /* 2^8 frames */
_Static_assert(MN_MAX_STRANDS *MN_STACK_SIZE == (4096UL << MN_STACKS_ORDER), "one block");
static uint8_t (*const strand_stacks)[MN_STACK_SIZE] = (uint8_t(*)[MN_STACK_SIZE])MN_STACKS_VA;
static uint8_t vp_stacks[MN_MAX_VPS][8192] __attribute__((aligned(4096)));

uint32_t mn_nvp(void)
{
    return mn.started ? mn.nvp : 1;
}

static struct mn_vp *vp_self(void)
{
    uint64_t id = exo_info->id;
    for (uint32_t i = 1; i < mn.nvp; i++)
        if (mn.vp[i].envid == id)
            return &mn.vp[i];
    return &mn.vp[0];
}

uint32_t mn_vp_index(void)
{
    return mn.started ? (uint32_t)(vp_self() - mn.vp) : 0;
}

mn_t mn_self(void)
{
    return mn.started ? vp_self()->cur : 0;
}

uint32_t mn_vps_seen(mn_t t)
{
    return t ? __atomic_load_n(&t->vps_seen, __ATOMIC_RELAXED) : 0;
}

void mn_get_stats(struct mn_stats *out)
{
    out->switches = out->idle = 0;
    for (uint32_t i = 0; i < mn.nvp; i++) {
        out->switches += __atomic_load_n(&mn.vp[i].switches, __ATOMIC_RELAXED);
        out->idle += __atomic_load_n(&mn.vp[i].idle, __ATOMIC_RELAXED);
    }
}

static void q_push(struct mn_queue *q, struct mn_strand *s)
{
    s->next = 0;
    if (q->tail)
        q->tail->next = s;
    else
        q->head = s;
    q->tail = s;
}

static struct mn_strand *q_pop(struct mn_queue *q)
{
    struct mn_strand *s = q->head;
    if (s) {
        q->head = s->next;
        if (!q->head)
            q->tail = 0;
        s->next = 0;
    }
    return s;
}

/* Makes a blocked (or new) strand runnable. */
static void make_ready(struct mn_strand *s)
{
    mn_spin_lock(&mn.rq_lock);
    s->state = ST_READY;
    q_push(&mn.rq, s);
    mn_spin_unlock(&mn.rq_lock);
}

/* The calling strand gives up its VP: its registers are saved, then the
 * VP's scheduler does `post` to it and releases `unlock` (if any). It
 * returns when some VP runs the strand again. */
static void switch_out(struct mn_strand *self, uint32_t post, mn_spin_t *unlock)
{
    struct mn_vp *v = vp_self();
    v->post = post;
    v->post_strand = self;
    v->post_unlock = unlock;
    mn_swap(&self->rsp, v->sched_rsp);
}

/* A fresh context on [stack, stack + size) that calls fn(arg). */
static uint64_t new_context(uint8_t *stack, size_t size, void (*fn)(void *), void *arg)
{
    uint64_t top = ((uint64_t)stack + size) & ~15UL;
    uint64_t *sp = (uint64_t *)(top - 8); /* mn_ctx_start's return address slot */
    *sp = (uint64_t)mn_ctx_start;
    sp -= 6; /* r15 r14 r13 r12 rbx rbp, as mn_swap pops them */
    for (int i = 0; i < 6; i++)
        sp[i] = 0;
    sp[2] = (uint64_t)fn;  /* r13 */
    sp[3] = (uint64_t)arg; /* r12 */
    return (uint64_t)sp;
}

static void free_strand(struct mn_strand *s)
{
    mn_spin_lock(&mn.alloc_lock);
    s->state = ST_FREE;
    mn_spin_unlock(&mn.alloc_lock);
}

/* What the strand that just switched to v's scheduler asked for. */
static void do_post(struct mn_vp *v)
{
    uint32_t post = v->post;
    struct mn_strand *ps = v->post_strand;
    mn_spin_t *unlock = v->post_unlock;
    v->post = POST_NONE;
    v->post_unlock = 0;
    if (post == POST_READY)
        make_ready(ps);
    else if (post == POST_TO_VP0)
        __atomic_store_n(&mn.vp[0].pinned, ps, __ATOMIC_RELEASE);
    if (unlock)
        mn_spin_unlock(unlock);
    if (post == POST_FREE)
        free_strand(ps);
}

/* The scheduler loop of a VP: runs strands from the run queue (VP 0 first
 * takes back the mn_start strand when mn_stop pins it there). */
static __attribute__((noreturn)) void vp_loop(void *arg)
{
    struct mn_vp *v = arg;
    uint32_t me = (uint32_t)(v - mn.vp);
    uint32_t delay = 1, rounds = 0;
    do_post(v); /* (VP 0's loop starts when its first strand switches out) */
    for (;;) {
        struct mn_strand *s = 0;
        if (me == 0 && __atomic_load_n(&v->pinned, __ATOMIC_ACQUIRE)) {
            s = v->pinned;
            v->pinned = 0;
        } else if (__atomic_load_n(&mn.rq.head, __ATOMIC_RELAXED)) {
            mn_spin_lock(&mn.rq_lock);
            s = q_pop(&mn.rq);
            mn_spin_unlock(&mn.rq_lock);
        }
        if (!s) {
            if (me != 0 && __atomic_load_n(&mn.stopping, __ATOMIC_ACQUIRE))
                sys_exit(0);
            v->idle++;
            for (uint32_t i = 0; i < delay; i++)
                cpu_pause();
            if (delay < MN_BACKOFF_MAX)
                delay <<= 1;
            else if (++rounds % 4 == 0)
                sys_yield(-1);
            continue;
        }
        delay = 1;
        s->state = ST_RUNNING;
        s->vps_seen |= 1u << me;
        v->cur = s;
        v->switches++;
        mn_swap(&v->sched_rsp, s->rsp);
        /* s is off the VP, its registers saved. */
        v->cur = 0;
        do_post(v);
    }
}

static __attribute__((noreturn)) void strand_main(void *arg)
{
    struct mn_strand *s = arg;
    mn_exit(s->fn(s->arg));
}

int mn_create(mn_t *out, void *(*fn)(void *), void *arg)
{
    if (!mn.started || !fn || !out)
        return EINVAL;
    struct mn_strand *s = 0;
    mn_spin_lock(&mn.alloc_lock);
    for (uint32_t i = 0; i < MN_MAX_STRANDS; i++)
        if (mn.strand[i].state == ST_FREE && &mn.strand[i] != mn.main) {
            s = &mn.strand[i];
            s->state = ST_BLOCKED; /* taken; not yet runnable */
            break;
        }
    mn_spin_unlock(&mn.alloc_lock);
    if (!s)
        return EAGAIN;
    s->uid = __atomic_add_fetch(&mn.next_uid, 1, __ATOMIC_RELAXED);
    s->fn = fn;
    s->arg = arg;
    s->ret = 0;
    s->detached = 0;
    s->vps_seen = 0;
    s->joiner = 0;
    s->lock.v = 0;
    s->stack = strand_stacks[s->index];
    s->rsp = new_context(s->stack, MN_STACK_SIZE, strand_main, s);
    *out = s;
    make_ready(s);
    return 0;
}

void mn_exit(void *ret)
{
    struct mn_strand *self = mn_self();
    mn_spin_lock(&self->lock);
    self->ret = ret;
    self->state = ST_ZOMBIE;
    if (self->detached) {
        switch_out(self, POST_FREE, &self->lock);
    } else {
        if (self->joiner)
            make_ready(self->joiner);
        /* The joiner frees us only after it takes our lock, which the
         * scheduler releases once we are off our stack. */
        switch_out(self, POST_NONE, &self->lock);
    }
    __builtin_unreachable();
}

int mn_join(mn_t t, void **ret)
{
    struct mn_strand *self = mn_self();
    if (!t || t < mn.strand || t >= mn.strand + MN_MAX_STRANDS || !self)
        return EINVAL;
    if (t == self)
        return EDEADLK;
    mn_spin_lock(&t->lock);
    if (t->state == ST_FREE || t->detached || t->joiner) {
        mn_spin_unlock(&t->lock);
        return EINVAL;
    }
    if (t->state != ST_ZOMBIE) {
        t->joiner = self;
        self->state = ST_BLOCKED;
        switch_out(self, POST_NONE, &t->lock);
        mn_spin_lock(&t->lock); /* (its exit released it after leaving its stack) */
    }
    if (ret)
        *ret = t->ret;
    mn_spin_unlock(&t->lock);
    free_strand(t);
    return 0;
}

int mn_detach(mn_t t)
{
    if (!t || t < mn.strand || t >= mn.strand + MN_MAX_STRANDS)
        return EINVAL;
    mn_spin_lock(&t->lock);
    if (t->state == ST_FREE || t->detached || t->joiner) {
        mn_spin_unlock(&t->lock);
        return EINVAL;
    }
    if (t->state == ST_ZOMBIE) {
        mn_spin_unlock(&t->lock);
        free_strand(t);
        return 0;
    }
    t->detached = 1;
    mn_spin_unlock(&t->lock);
    return 0;
}

void mn_yield(void)
{
    struct mn_strand *self = mn_self();
    if (!self || !__atomic_load_n(&mn.rq.head, __ATOMIC_RELAXED))
        return;
    switch_out(self, POST_READY, 0);
}

/* ---- starting and stopping the VPs ---- */

static void vp_entry(uint64_t i)
{
    vp_loop(&mn.vp[i]);
}

long mn_share_memory(uint32_t env)
{
    static struct cap_info ci[256];
    static struct mmu_op ops[256];
    uint64_t lo, hi;
    exo_private_range(&lo, &hi);
    for (uint32_t base = 0; base < NCAPSLOTS; base += 256) {
        long n = sys_cap_list(base, ci, 256);
        if (n == -E_NOENT || n == -E_INVAL)
            break; /* past the end of our table */
        if (n < 0)
            return n;
        int nops = 0;
        for (long i = 0; i < n; i++) {
            if (ci[i].type != CAP_FRAME || ci[i].mapped_env != exo_info->id || !ci[i].mapped_va)
                continue;
            uint64_t va = ci[i].mapped_va;
            if (va >= lo && va < hi) {
                long f = sys_frame_alloc_in(env, -1, 0);
                if (f < 0)
                    return f;
                ops[nops++] = (struct mmu_op){va, (uint32_t)f, MMU_MAP | MMU_TCAP | MMU_W};
                continue;
            }
            uint64_t pte = exo_pte(va);
            uint32_t perms = (pte & PTE_NX ? 0 : MMU_X) | (pte & PTE_W ? MMU_W : 0);
            ops[nops++] = (struct mmu_op){va, base + (uint32_t)i, MMU_COPY | perms};
        }
        if (nops && sys_mmu_update(env, ops, (uint64_t)nops) != nops)
            return -E_NOMEM;
    }
    return 0;
}

static void undo_vps(uint32_t n)
{
    for (uint32_t i = 1; i < n; i++)
        if (mn.vp[i].cap)
            sys_cap_delete(mn.vp[i].cap);
}

int mn_start(uint32_t nvp)
{
    if (nvp == 0 || nvp > MN_MAX_VPS || mn.started)
        return EINVAL;
    struct sys_info si;
    if (sys_sysinfo(&si) < 0 || si.ncpu == 0)
        return EINVAL;
    if (!(exo_pte(MN_STACKS_VA) & PTE_P)) {
        long b = sys_frame_alloc_in(CAP_SELF, -1, MN_STACKS_ORDER);
        if (b < 0)
            return ENOMEM;
        if (exo_map(CAP_SELF, (uint32_t)b, MN_STACKS_VA, MMU_W) != 1) {
            sys_cap_delete((uint32_t)b);
            return ENOMEM;
        }
    }
    for (uint32_t i = 0; i < MN_MAX_STRANDS; i++) {
        mn.strand[i].index = i;
        mn.strand[i].state = ST_FREE;
    }
    for (uint32_t i = 0; i < MN_MAX_VPS; i++)
        mn.vp[i] = (struct mn_vp){0};
    mn.rq.head = mn.rq.tail = 0;
    mn.stopping = 0;
    mn.nvp = 1;
    /* The caller: strand 0, running on VP 0 (our env), on its own stack. */
    struct mn_strand *m = mn.main = &mn.strand[0];
    m->state = ST_RUNNING;
    m->uid = __atomic_add_fetch(&mn.next_uid, 1, __ATOMIC_RELAXED);
    m->vps_seen = 1;
    m->stack = 0;
    m->lock.v = 0;
    m->joiner = 0;
    m->detached = 0;
    mn.vp[0].envid = exo_info->id;
    mn.vp[0].cur = m;
    mn.vp[0].sched_rsp = new_context(vp_stacks[0], sizeof vp_stacks[0], vp_loop, &mn.vp[0]);
    /* Everything the VPs read is written before their memory is shared
     * (they see our frames, so our later writes too). */
    for (uint32_t i = 1; i < nvp; i++) {
        long c = sys_env_create(256);
        if (c < 0)
            goto fail;
        mn.vp[i].cap = (uint32_t)c;
        struct upcall_frame regs = {0};
        regs.rip = (uint64_t)vp_entry;
        regs.rsp = (((uint64_t)vp_stacks[i] + sizeof vp_stacks[i]) & ~15UL) - 8;
        regs.rdi = i;
        if (sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0) < 0 ||
            mn_share_memory((uint32_t)c) < 0 ||
            sys_env_set_entries((uint32_t)c, exo_entries()) < 0 ||
            sys_env_set_regs((uint32_t)c, &regs) < 0 ||
            sys_slot_alloc_on((uint32_t)c, i % (uint32_t)si.ncpu, -1) < 0)
            goto fail;
        struct cap_info info;
        if (sys_cap_inspect((uint32_t)c, &info) < 0)
            goto fail;
        mn.vp[i].envid = info.object;
    }
    mn.nvp = nvp;
    mn.started = 1;
    for (uint32_t i = 1; i < nvp; i++)
        if (sys_env_start(mn.vp[i].cap) < 0) {
            mn.stopping = 1; /* (nothing is queued: the started ones exit) */
            undo_vps(nvp);
            mn.started = 0;
            mn.nvp = 1;
            return ENOMEM;
        }
    return 0;
fail:
    undo_vps(nvp);
    for (uint32_t i = 0; i < MN_MAX_VPS; i++)
        mn.vp[i].cap = 0;
    return ENOMEM;
}

int mn_stop(void)
{
    struct mn_strand *self = mn_self();
    if (!mn.started)
        return EINVAL;
    if (self != mn.main)
        return EPERM;
    mn_spin_lock(&mn.alloc_lock);
    int busy = 0;
    for (uint32_t i = 0; i < MN_MAX_STRANDS; i++)
        if (mn.strand[i].state != ST_FREE && &mn.strand[i] != mn.main)
            busy = 1;
    mn_spin_unlock(&mn.alloc_lock);
    if (busy)
        return EBUSY;
    if (vp_self() != &mn.vp[0])
        switch_out(self, POST_TO_VP0, 0); /* back on VP 0 */
    __atomic_store_n(&mn.stopping, 1, __ATOMIC_RELEASE);
    int rc = 0;
    for (uint32_t i = 1; i < mn.nvp; i++) {
        if (exo_wait(mn.vp[i].cap, -1) != ENV_STATUS_EXIT << 8)
            rc = EAGAIN;
        sys_cap_delete(mn.vp[i].cap);
        mn.vp[i].cap = 0;
    }
    mn.started = 0;
    mn.nvp = 1;
    mn.main = 0;
    return rc;
}

/* ---- mutexes, condition variables, semaphores ---- */

int mn_mutex_init(mn_mutex_t *m)
{
    if (!m)
        return EINVAL;
    *m = (mn_mutex_t)MN_MUTEX_INIT;
    return 0;
}

int mn_mutex_destroy(mn_mutex_t *m)
{
    if (!m)
        return EINVAL;
    mn_spin_lock(&m->lock);
    int busy = m->owner || m->waiters.head;
    mn_spin_unlock(&m->lock);
    return busy ? EBUSY : 0;
}

int mn_mutex_lock(mn_mutex_t *m)
{
    struct mn_strand *self = mn_self();
    if (!m || !self)
        return EINVAL;
    mn_spin_lock(&m->lock);
    if (!m->owner) {
        m->owner = self;
        mn_spin_unlock(&m->lock);
        return 0;
    }
    if (m->owner == self) {
        mn_spin_unlock(&m->lock);
        return EDEADLK;
    }
    q_push(&m->waiters, self);
    self->state = ST_BLOCKED;
    switch_out(self, POST_NONE, &m->lock);
    return 0; /* unlock made us the owner */
}

int mn_mutex_trylock(mn_mutex_t *m)
{
    struct mn_strand *self = mn_self();
    if (!m || !self)
        return EINVAL;
    mn_spin_lock(&m->lock);
    int rc = m->owner ? EBUSY : 0;
    if (!rc)
        m->owner = self;
    mn_spin_unlock(&m->lock);
    return rc;
}

int mn_mutex_unlock(mn_mutex_t *m)
{
    struct mn_strand *self = mn_self();
    if (!m || !self)
        return EINVAL;
    mn_spin_lock(&m->lock);
    if (m->owner != self) {
        mn_spin_unlock(&m->lock);
        return EPERM;
    }
    struct mn_strand *w = q_pop(&m->waiters);
    m->owner = w; /* handed over: no barging */
    if (w)
        make_ready(w);
    mn_spin_unlock(&m->lock);
    return 0;
}

int mn_cond_init(mn_cond_t *c)
{
    if (!c)
        return EINVAL;
    *c = (mn_cond_t)MN_COND_INIT;
    return 0;
}

int mn_cond_destroy(mn_cond_t *c)
{
    if (!c)
        return EINVAL;
    mn_spin_lock(&c->lock);
    int busy = c->waiters.head != 0;
    mn_spin_unlock(&c->lock);
    return busy ? EBUSY : 0;
}

int mn_cond_wait(mn_cond_t *c, mn_mutex_t *m)
{
    struct mn_strand *self = mn_self();
    if (!c || !m || !self)
        return EINVAL;
    /* (Only we make m ours or not ours: this read is stable.) */
    if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != self)
        return EPERM;
    mn_spin_lock(&c->lock);
    q_push(&c->waiters, self);
    self->state = ST_BLOCKED;
    mn_mutex_unlock(m); /* a signal now needs c->lock: it finds us queued */
    switch_out(self, POST_NONE, &c->lock);
    return mn_mutex_lock(m);
}

int mn_cond_signal(mn_cond_t *c)
{
    if (!c)
        return EINVAL;
    mn_spin_lock(&c->lock);
    struct mn_strand *w = q_pop(&c->waiters);
    if (w)
        make_ready(w);
    mn_spin_unlock(&c->lock);
    return 0;
}

int mn_cond_broadcast(mn_cond_t *c)
{
    if (!c)
        return EINVAL;
    mn_spin_lock(&c->lock);
    struct mn_strand *w;
    while ((w = q_pop(&c->waiters)))
        make_ready(w);
    mn_spin_unlock(&c->lock);
    return 0;
}

int mn_sem_init(mn_sem_t *s, int pshared, unsigned int value)
{
    if (!s || pshared || value > MN_SEM_VALUE_MAX)
        return -1;
    *s = (mn_sem_t){MN_SPIN_INIT, value, {0, 0}};
    return 0;
}

int mn_sem_destroy(mn_sem_t *s)
{
    if (!s)
        return -1;
    mn_spin_lock(&s->lock);
    int busy = s->waiters.head != 0;
    mn_spin_unlock(&s->lock);
    return busy ? -1 : 0;
}

int mn_sem_wait(mn_sem_t *s)
{
    struct mn_strand *self = mn_self();
    if (!s || !self)
        return -1;
    mn_spin_lock(&s->lock);
    if (s->value > 0) {
        s->value--;
        mn_spin_unlock(&s->lock);
        return 0;
    }
    q_push(&s->waiters, self);
    self->state = ST_BLOCKED;
    switch_out(self, POST_NONE, &s->lock);
    return 0; /* post handed us its unit */
}

int mn_sem_trywait(mn_sem_t *s)
{
    if (!s)
        return -1;
    mn_spin_lock(&s->lock);
    int rc = s->value > 0 ? 0 : -1;
    if (!rc)
        s->value--;
    mn_spin_unlock(&s->lock);
    return rc;
}

int mn_sem_post(mn_sem_t *s)
{
    if (!s)
        return -1;
    mn_spin_lock(&s->lock);
    int rc = 0;
    struct mn_strand *w = q_pop(&s->waiters);
    if (w)
        make_ready(w);
    else if (s->value < MN_SEM_VALUE_MAX)
        s->value++;
    else
        rc = -1;
    mn_spin_unlock(&s->lock);
    return rc;
}

int mn_sem_getvalue(mn_sem_t *s, int *value)
{
    if (!s || !value)
        return -1;
    *value = (int)__atomic_load_n(&s->value, __ATOMIC_RELAXED);
    return 0;
}

/* ---- pthread_barrier_* ---- */

#define PBAR_MAGIC 0x9ba77e75u

int pthread_barrierattr_init(pthread_barrierattr_t *a)
{
    if (!a)
        return EINVAL;
    a->kind = BAR_DISSEM;
    return 0;
}

int pthread_barrierattr_destroy(pthread_barrierattr_t *a)
{
    return a ? 0 : EINVAL;
}

int pthread_barrierattr_setkind_np(pthread_barrierattr_t *a, int kind)
{
    if (!a || kind < 0 || kind >= BAR_KINDS)
        return EINVAL;
    a->kind = kind;
    return 0;
}

/* A strand spinning in a barrier: lets other strands run on its VP, and
 * now and then gives the VP's slot back (the strands it waits for may be
 * running on VPs the kernel has preempted, when VPs share CPUs). */
static void bar_relax(void)
{
    static uint32_t n; /* (a hint shared by all: races are harmless) */
    if (++n % 8 == 0)
        mn_relax();
    else
        mn_yield();
}

int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned count)
{
    int kind = a ? a->kind : BAR_DISSEM;
    if (!b || count == 0 || count > BAR_MAX_THREADS || kind < 0 || kind >= BAR_KINDS)
        return EINVAL;
    if (barrier_init(&b->bar, (enum bar_kind)kind, count) < 0)
        return EINVAL;
    b->lock.v = 0;
    for (uint32_t i = 0; i < BAR_MAX_THREADS; i++)
        b->ids[i] = 0;
    b->count = count;
    b->magic = PBAR_MAGIC;
    barrier_set_relax(bar_relax, 16); /* (one setting for the whole program) */
    return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
    if (!b || b->magic != PBAR_MAGIC)
        return EINVAL;
    b->magic = 0;
    return 0;
}

int pthread_barrier_wait(pthread_barrier_t *b)
{
    struct mn_strand *self = mn_self();
    if (!b || b->magic != PBAR_MAGIC || !self)
        return EINVAL;
    uint32_t id = BAR_MAX_THREADS;
    mn_spin_lock(&b->lock);
    for (uint32_t i = 0; i < b->count && id == BAR_MAX_THREADS; i++)
        if (b->ids[i] == self->uid)
            id = i;
    for (uint32_t i = 0; i < b->count && id == BAR_MAX_THREADS; i++)
        if (!b->ids[i]) {
            b->ids[i] = self->uid;
            id = i;
        }
    mn_spin_unlock(&b->lock);
    if (id == BAR_MAX_THREADS)
        return EINVAL;
    if (barrier_wait(&b->bar, id) < 0)
        return EINVAL;
    return id == 0 ? PTHREAD_BARRIER_SERIAL_THREAD : 0;
}
