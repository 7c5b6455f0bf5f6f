/* lib/lrpc: a client of t_lrpc_srv. Binding (import through the clerk),
 * calls whose arguments and results stay in the shared A-stack, the bad
 * inputs (calls before binding, a wrong interface, forged indices and keys,
 * unbound and unknown procedures, oversize arguments, a binding used after
 * its unbind), the idle-processor path when there are two or more CPUs
 * (the server's idle context on the last CPU, we on CPU 0) against the
 * protected call (on our CPU), and servers that die in the middle of a call
 * (an exit, a fault): the call fails with E_NOENT and the A-stack is gone. */
#include "../../lib/exo/exo.h"
#include "../../lib/lrpc/lrpc.h"
#include "check.h"
#include "lrpc_test.h"

#define AS_VA 0x60000000UL

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static long start_server(void)
{
    long s = exo_spawn("t_lrpc_srv", 2048);
    CHECK_EQ(s > 0, 1);
    return s;
}

/* Binds, retrying while the server has not yet exported. */
static int import(long srv, uint64_t va, struct lrpc_binding *b)
{
    int r;
    for (int i = 0; i < 100000; i++) {
        r = lrpc_import((uint32_t)srv, LT_IFACE, va, b);
        if (r != -E_INVAL && r != -E_AGAIN)
            return r;
        sys_yield(-1);
    }
    return r;
}

int main(void)
{
    struct sys_info si;
    CHECK_EQ(sys_sysinfo(&si), 0);
    long ncpu = (long)si.ncpu;
    struct lrpc_binding b = {0}, b2 = {0};

    /* Before binding. */
    CHECK_EQ(lrpc_call(&b, LT_SUM, 1, 0), -E_INVAL);
    CHECK_EQ(lrpc_call(0, LT_SUM, 1, 0), -E_INVAL);
    CHECK_EQ(lrpc_unbind(&b), -E_INVAL);

    long srv = start_server();
    CHECK_EQ(import(srv, AS_VA, &b), 0);
    if (!b.as) {
        printf("t_lrpc: the server ended with status %lx\n",
               (unsigned long)sys_env_status((uint32_t)srv));
        return 100; /* (nothing more can be checked) */
    }
    CHECK_EQ(lrpc_import((uint32_t)srv, LT_IFACE + 1, AS_VA + 4096, &b2), -E_NOENT);
    CHECK_EQ(lrpc_import((uint32_t)srv, LT_IFACE, AS_VA + 1, &b2), -E_INVAL);
    CHECK_EQ(lrpc_import((uint32_t)srv, LT_IFACE, 0, &b2), -E_INVAL);
    CHECK_EQ(b.as->key, 0); /* taken by import */

    /* Arguments in place, results in place. */
    uint8_t *a = lrpc_args(&b);
    long want = 0;
    for (int i = 0; i < LT_SUM_MAX; i++)
        want += a[i] = (uint8_t)(i * 7);
    CHECK_EQ(lrpc_call(&b, LT_SUM, LT_SUM_MAX, 0), want);
    CHECK_EQ(lrpc_call(&b, LT_INC, LRPC_ARG_MAX, LRPC_NO_IDLE), LRPC_ARG_MAX);
    CHECK_EQ(b.as->served_by, 2);
    int bad = 0;
    for (int i = 0; i < LRPC_ARG_MAX; i++)
        bad += a[i] != (uint8_t)(i < LT_SUM_MAX ? i * 7 + 1 : 1);
    CHECK_EQ(bad, 0);

    /* Oversize arguments, unknown procedures. */
    CHECK_EQ(lrpc_call(&b, LT_SUM, LT_SUM_MAX + 1, 0), -E_RANGE);
    CHECK_EQ(lrpc_call(&b, LT_SUM, LRPC_ARG_MAX + 1, 0), -E_RANGE);
    CHECK_EQ(lrpc_call(&b, LT_INC, 0xffffffffu, 0), -E_RANGE);
    CHECK_EQ(lrpc_call(&b, LT_NPROCS, 0, 0), -E_INVAL);
    CHECK_EQ(lrpc_call(&b, 255, 0, LRPC_NO_IDLE), -E_INVAL);
    /* The clerk's own checks, past the client library: a forged length,
     * index, key, operation. */
    uint32_t s = (uint32_t)srv;
    CHECK_EQ(sys_pct_call(s, LRPC_A0(LRPC_OP_CALL, LT_INC, 5000), b.index, b.key), -E_RANGE);
    CHECK_EQ(sys_pct_call(s, LRPC_A0(LRPC_OP_CALL, LT_SUM, 1), b.index, b.key + 1), -E_PERM);
    CHECK_EQ(sys_pct_call(s, LRPC_A0(LRPC_OP_CALL, LT_SUM, 1), b.index, 0), -E_PERM);
    CHECK_EQ(sys_pct_call(s, LRPC_A0(LRPC_OP_CALL, LT_SUM, 1), LRPC_MAX_BINDINGS, b.key), -E_INVAL);
    CHECK_EQ(sys_pct_call(s, LRPC_A0(LRPC_OP_CALL, LT_SUM, 1), ~0UL, b.key), -E_INVAL);
    CHECK_EQ(sys_pct_call(s, LRPC_A0(LRPC_OP_CALL, LT_SUM, 1), b.index + 1, b.key), -E_NOENT);
    CHECK_EQ(sys_pct_call(s, LRPC_A0(9, 0, 0), 0, 0), -E_INVAL);
    CHECK_EQ(sys_pct_call(s, LRPC_A0(LRPC_OP_UNBIND, 0, 0), b.index, b.key ^ 1), -E_PERM);

    /* Every binding, then none left; unbound ones are unbound. */
    static struct lrpc_binding more[LRPC_MAX_BINDINGS];
    int nb = 0;
    while (nb < LRPC_MAX_BINDINGS &&
           lrpc_import(s, LT_IFACE, AS_VA + 4096 * (uint64_t)(nb + 1), &more[nb]) == 0)
        nb++;
    CHECK_EQ(nb, LRPC_MAX_BINDINGS - 1);
    CHECK_EQ(lrpc_import(s, LT_IFACE, AS_VA + 4096 * 40, &b2), -E_NOMEM);
    for (int i = 0; i < nb; i++) {
        lrpc_args(&more[i])[0] = (uint8_t)i;
        CHECK_EQ(lrpc_call(&more[i], LT_SUM, 1, 0), i);
    }
    struct lrpc_binding old = more[0];
    CHECK_EQ(lrpc_unbind(&more[0]), 0);
    CHECK_EQ(exo_pte(AS_VA + 4096), 0); /* the A-stack went with the binding */
    CHECK_EQ(lrpc_call(&more[0], LT_SUM, 1, 0), -E_INVAL);
    CHECK_EQ(sys_pct_call(s, LRPC_A0(LRPC_OP_CALL, LT_SUM, 1), old.index, old.key), -E_NOENT);
    for (int i = 1; i < nb; i++)
        CHECK_EQ(lrpc_unbind(&more[i]), 0);

    /* Same-CPU protected calls against the idle processor's. */
    enum { N = 2000 };
    a[0] = 5;
    uint64_t t0 = rdtsc();
    for (int i = 0; i < N; i++)
        if (lrpc_call(&b, LT_SUM, 1, LRPC_NO_IDLE) != 5)
            bad++;
    uint64_t pct = (rdtsc() - t0) / N;
    CHECK_EQ(bad, 0);
    if (ncpu > 1) {
        /* The idle context is up once a call goes its way. */
        for (int i = 0; i < 100000 && b.as->served_by != 1; i++) {
            lrpc_call(&b, LT_SUM, 1, 0);
            if (b.as->served_by != 1)
                sys_yield(-1);
        }
        CHECK_EQ(b.as->served_by, 1);
        int idle = 0;
        t0 = rdtsc();
        for (int i = 0; i < N; i++) {
            if (lrpc_call(&b, LT_SUM, 1, 0) != 5)
                bad++;
            idle += b.as->served_by == 1;
        }
        uint64_t cross = (rdtsc() - t0) / N;
        CHECK_EQ(bad, 0);
        CHECK_EQ(idle > 0, 1);
        printf("t_lrpc: same-CPU protected call %lu TSC cycles, cross-CPU idle-processor call "
               "%lu (%d of %d calls by the idle context)\n",
               (unsigned long)pct, (unsigned long)cross, idle, N);
        /* An in-place result through the idle context too. */
        a[0] = 41;
        CHECK_EQ(lrpc_call(&b, LT_INC, 1, 0), 1);
        CHECK_EQ(a[0], 42);
    } else {
        printf("t_lrpc: one CPU: protected calls only, %lu TSC cycles each\n", (unsigned long)pct);
    }

    /* The server dies in the middle of a call. */
    CHECK_EQ(lrpc_call(&b, LT_EXIT, 0, LRPC_NO_IDLE), -E_NOENT);
    CHECK_EQ(b.dead, 1);
    CHECK_EQ(exo_pte(AS_VA), 0); /* its A-stack went with it */
    CHECK_EQ(lrpc_call(&b, LT_SUM, 1, 0), -E_NOENT);
    CHECK_EQ(lrpc_unbind(&b), 0);
    CHECK_EQ(exo_wait(s, -1), ENV_STATUS(ENV_STATUS_EXIT, 3));
    CHECK_EQ(sys_cap_delete(s), 0);
    /* ... and by a fault. */
    srv = start_server();
    CHECK_EQ(import(srv, AS_VA, &b), 0);
    if (!b.as)
        return 101;
    CHECK_EQ(lrpc_call(&b, LT_FAULT, 0, LRPC_NO_IDLE), -E_NOENT);
    CHECK_EQ(b.dead, 1);
    CHECK_EQ(exo_pte(AS_VA), 0);
    CHECK_EQ(lrpc_unbind(&b), 0);
    CHECK_EQ(exo_wait((uint32_t)srv, -1) >> 8, ENV_STATUS_FAULT);
    CHECK_EQ(sys_cap_delete((uint32_t)srv), 0);
    printf("t_lrpc: %ld CPUs; %d failed checks\n", ncpu, check_failures);
    return check_failures;
}
