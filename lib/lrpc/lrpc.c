/* lib/lrpc: LRPC over PCT (see lrpc.h). */
#include "lrpc.h"
#include "../exo/exo.h"
#include "../mn/mn.h"

#define AS(i) ((struct lrpc_astack *)(LRPC_SERVER_VA + (uint64_t)(i)*4096))

/* How long a client spins on a posted call before it takes it back. */
#define LRPC_SPIN 20000

static inline void cpu_pause(void)
{
    __asm__ volatile("pause" ::: "memory");
}

/* ---- server ---- */

/* The server's state, in its bss (so the idle context shares it). The clerk
 * (the server env's protected entry, one call at a time) is the only
 * writer of the bindings; the idle context reads `used` (acquire) before it
 * looks at a binding's A-stack. */
static struct {
    const struct lrpc_interface *iface;
    struct {
        uint32_t used;   /* release-stored by the clerk */
        uint32_t client; /* the env id it was made for */
        uint64_t key;
        uint32_t frame; /* our original of the A-stack frame */
        uint32_t child; /* the copy the client's copy derives from (revoked at unbind) */
    } b[LRPC_MAX_BINDINGS];
    uint64_t keyseed;
    uint32_t idle_env;  /* the idle context's env capability, 0 if none */
    uint32_t idle_stop; /* set to end it */
} srv;

static uint8_t idle_stack[16384] __attribute__((aligned(16)));

static uint64_t new_key(uint32_t i)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    /* splitmix64 over the time stamp, a counter and the index: hard to
     * guess from outside; the caller-id check stands behind it anyway. */
    uint64_t z = (srv.keyseed += 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)hi << 32 | lo) ^ i;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return z ? z : 1;
}

/* Runs procedure `proc` on A-stack i's arguments after checking it. */
static long run_proc(uint32_t i, uint32_t proc, uint32_t len)
{
    const struct lrpc_interface *f = srv.iface;
    if (proc >= f->nprocs || !f->proc[proc])
        return -E_INVAL;
    if (len > f->arg_max[proc] || len > LRPC_ARG_MAX)
        return -E_RANGE;
    return f->proc[proc]((uint8_t *)AS(i) + LRPC_HDR_SIZE, len);
}

/* Checks a binding named by a client: -E_* or 0. */
static long check_binding(uint64_t i, uint64_t key, uint32_t caller)
{
    if (i >= LRPC_MAX_BINDINGS)
        return -E_INVAL;
    if (!srv.b[i].used)
        return -E_NOENT;
    if (srv.b[i].key != key || srv.b[i].client != caller)
        return -E_PERM;
    return 0;
}

/* The clerk: the server's protected entry. a0 = op | proc << 8 | len << 32,
 * a1 = the interface id (bind) or the binding's index, a2 = its key. */
static uint64_t clerk(uint64_t a0, uint64_t a1, uint64_t a2, uint32_t caller)
{
    uint32_t op = a0 & 0xff, proc = (a0 >> 8) & 0xff, len = (uint32_t)(a0 >> 32);
    long r;
    switch (op) {
    case LRPC_OP_CALL:
        if ((r = check_binding(a1, a2, caller)) < 0)
            return (uint64_t)r;
        AS(a1)->served_by = 2;
        return (uint64_t)run_proc((uint32_t)a1, proc, len);
    case LRPC_OP_BIND: {
        if (a1 != srv.iface->id)
            return (uint64_t)-E_NOENT;
        uint32_t i = 0;
        while (i < LRPC_MAX_BINDINGS && srv.b[i].used)
            i++;
        if (i == LRPC_MAX_BINDINGS)
            return (uint64_t)-E_NOMEM;
        long child = sys_cap_derive(srv.b[i].frame, R_READ | R_WRITE | R_GRANT, CAP_SELF);
        if (child < 0)
            return (uint64_t)child;
        long slot = sys_pct_give((uint32_t)child, R_READ | R_WRITE);
        if (slot < 0) {
            sys_cap_delete((uint32_t)child);
            return (uint64_t)slot;
        }
        struct lrpc_astack *as = AS(i);
        for (uint32_t k = 0; k < 4096 / 8; k++)
            ((volatile uint64_t *)as)[k] = 0;
        srv.b[i].key = as->key = new_key(i);
        as->idle = srv.idle_env != 0;
        srv.b[i].client = caller;
        srv.b[i].child = (uint32_t)child;
        __atomic_store_n(&srv.b[i].used, 1, __ATOMIC_RELEASE);
        return (uint64_t)i | (uint64_t)slot << 16;
    }
    case LRPC_OP_UNBIND:
        if ((r = check_binding(a1, a2, caller)) < 0)
            return (uint64_t)r;
        __atomic_store_n(&srv.b[a1].used, 0, __ATOMIC_RELEASE);
        sys_cap_revoke(srv.b[a1].child); /* the client's copy, and its mapping */
        sys_cap_delete(srv.b[a1].child);
        srv.b[a1].key = 0;
        return 0;
    default:
        return (uint64_t)-E_INVAL;
    }
}

int lrpc_export(const struct lrpc_interface *iface)
{
    if (!iface || !iface->id || iface->nprocs == 0 || iface->nprocs > LRPC_MAX_PROCS || srv.iface)
        return -E_INVAL;
    for (uint32_t p = 0; p < iface->nprocs; p++)
        if (iface->arg_max[p] > LRPC_ARG_MAX)
            return -E_RANGE;
    /* Every A-stack now, so that an idle context made later shares them. */
    for (uint32_t i = 0; i < LRPC_MAX_BINDINGS; i++) {
        long c = exo_page_alloc_map((uint64_t)AS(i), true);
        if (c < 0)
            return (int)c;
        srv.b[i].frame = (uint32_t)c;
    }
    srv.iface = iface;
    return exo_set_pct_entry(clerk);
}

/* The idle context: spins over the A-stacks of the bindings in use, and
 * runs every call posted there. */
static __attribute__((noreturn)) void idle_main(void)
{
    uint64_t quiet = 0;
    while (!__atomic_load_n(&srv.idle_stop, __ATOMIC_ACQUIRE)) {
        int found = 0;
        for (uint32_t i = 0; i < LRPC_MAX_BINDINGS; i++) {
            if (!__atomic_load_n(&srv.b[i].used, __ATOMIC_ACQUIRE))
                continue;
            struct lrpc_astack *as = AS(i);
            uint32_t expect = LRPC_AS_POSTED;
            if (__atomic_load_n(&as->state, __ATOMIC_RELAXED) != LRPC_AS_POSTED ||
                !__atomic_compare_exchange_n(&as->state, &expect, LRPC_AS_TAKEN, 0,
                                             __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                continue;
            /* Read once: the client may change them. */
            uint32_t proc = __atomic_load_n(&as->proc, __ATOMIC_RELAXED);
            uint32_t len = __atomic_load_n(&as->len, __ATOMIC_RELAXED);
            long r = run_proc(i, proc, len);
            as->ret = r;
            as->served_by = 1;
            __atomic_store_n(&as->state, LRPC_AS_DONE, __ATOMIC_RELEASE);
            found = 1;
        }
        if (found)
            quiet = 0;
        else if (++quiet % (1u << 16) == 0)
            sys_yield(-1); /* (returns at once on a CPU with nothing else to run) */
        else
            cpu_pause();
    }
    sys_exit(0);
}

int lrpc_idle_start(uint32_t cpu)
{
    struct sys_info si;
    if (!srv.iface || srv.idle_env || sys_sysinfo(&si) < 0 || cpu >= si.ncpu)
        return -E_INVAL;
    srv.idle_stop = 0;
    long c = sys_env_create(256);
    if (c < 0)
        return (int)c;
    struct upcall_frame regs = {0};
    regs.rip = (uint64_t)idle_main;
    regs.rsp = (((uint64_t)idle_stack + sizeof idle_stack) & ~15UL) - 8;
    long r;
    if ((r = sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0)) < 0 ||
        (r = mn_share_memory((uint32_t)c)) < 0 ||
        (r = sys_env_set_entries((uint32_t)c, exo_entries())) < 0 ||
        (r = sys_env_set_regs((uint32_t)c, &regs)) < 0 ||
        (r = sys_slot_alloc_on((uint32_t)c, cpu, -1)) < 0 || (r = sys_env_start((uint32_t)c)) < 0) {
        sys_cap_delete((uint32_t)c);
        return (int)r;
    }
    srv.idle_env = (uint32_t)c;
    for (uint32_t i = 0; i < LRPC_MAX_BINDINGS; i++)
        __atomic_store_n(&AS(i)->idle, 1, __ATOMIC_RELEASE);
    return 0;
}

int lrpc_idle_stop(void)
{
    if (!srv.idle_env)
        return -E_INVAL;
    for (uint32_t i = 0; i < LRPC_MAX_BINDINGS; i++) /* no new posts */
        __atomic_store_n(&AS(i)->idle, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&srv.idle_stop, 1, __ATOMIC_RELEASE);
    exo_wait(srv.idle_env, -1); /* (a call it took, it finishes first) */
    sys_cap_delete(srv.idle_env);
    srv.idle_env = 0;
    return 0;
}

/* ---- client ---- */

int lrpc_import(uint32_t server, uint32_t id, uint64_t astack_va, struct lrpc_binding *b)
{
    if (!b || (astack_va & 4095) || astack_va < USER_MIN || astack_va >= USER_STACK_TOP)
        return -E_INVAL;
    b->as = 0;
    uint64_t r1;
    long r = exo_pct_call2(server, LRPC_A0(LRPC_OP_BIND, 0, 0), id, 0, &r1);
    if (r < 0)
        return (int)r;
    uint32_t slot = (uint32_t)((uint64_t)r >> 16);
    long m = exo_map(CAP_SELF, slot, astack_va, MMU_W);
    if (m < 0) {
        sys_cap_delete(slot);
        return (int)m;
    }
    b->server = server;
    b->index = (uint32_t)r & 0xffff;
    b->as_cap = slot;
    b->dead = 0;
    b->as = (volatile struct lrpc_astack *)astack_va;
    b->key = b->as->key;
    b->as->key = 0;
    return 0;
}

/* The protected call; marks the binding dead if the server has ended. */
static long pct_path(struct lrpc_binding *b, uint32_t proc, uint32_t len)
{
    long r = sys_pct_call(b->server, LRPC_A0(LRPC_OP_CALL, proc, len), b->index, b->key);
    if (r == -E_NOENT && sys_env_status(b->server) >= 0)
        b->dead = 1; /* (its A-stack went with it) */
    return r;
}

long lrpc_call(struct lrpc_binding *b, uint32_t proc, uint32_t len, uint32_t flags)
{
    if (!b || !b->as)
        return -E_INVAL;
    if (b->dead)
        return -E_NOENT;
    if (len > LRPC_ARG_MAX)
        return -E_RANGE;
    volatile struct lrpc_astack *as = b->as;
    if (!(flags & LRPC_NO_IDLE) && __atomic_load_n(&as->idle, __ATOMIC_ACQUIRE)) {
        as->proc = proc;
        as->len = len;
        __atomic_store_n(&as->state, LRPC_AS_POSTED, __ATOMIC_RELEASE);
        uint32_t st = LRPC_AS_POSTED;
        for (uint32_t n = 0; n < LRPC_SPIN && st == LRPC_AS_POSTED; n++) {
            cpu_pause();
            st = __atomic_load_n(&as->state, __ATOMIC_ACQUIRE);
        }
        uint32_t expect = LRPC_AS_POSTED;
        if (st == LRPC_AS_POSTED &&
            __atomic_compare_exchange_n(&as->state, &expect, LRPC_AS_IDLE, 0, __ATOMIC_ACQUIRE,
                                        __ATOMIC_ACQUIRE))
            return pct_path(b, proc, len); /* taken back: nobody runs it */
        /* The idle context has it (TAKEN) or has done it. */
        for (uint32_t n = 1; (st = __atomic_load_n(&as->state, __ATOMIC_ACQUIRE)) != LRPC_AS_DONE;
             n++)
            if (n % 1024 == 0)
                sys_yield(-1);
            else
                cpu_pause();
        long r = as->ret;
        __atomic_store_n(&as->state, LRPC_AS_IDLE, __ATOMIC_RELAXED);
        return r;
    }
    return pct_path(b, proc, len);
}

int lrpc_unbind(struct lrpc_binding *b)
{
    if (!b || !b->as)
        return -E_INVAL;
    long r = b->dead ? 0 : sys_pct_call(b->server, LRPC_A0(LRPC_OP_UNBIND, 0, 0), b->index, b->key);
    if (r < 0 && r != -E_NOENT)
        return (int)r;
    sys_cap_delete(b->as_cap); /* (revoked by the server already, or gone with it) */
    b->as = 0;
    return 0;
}
