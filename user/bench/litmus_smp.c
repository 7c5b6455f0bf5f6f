/* The litmus tests (store buffering, message passing, load buffering) on
 * Spinel's CPUs: two envs, with their only slots on the last two CPUs (both
 * on CPU 0 with one CPU), share pages with the tests' locations, the
 * results and a sense-reversing barrier (lib/barrier). The runs go in
 * batches of LITMUS_BATCH: a barrier, then each env runs its side of the
 * test on the batch's own locations x[i], y[i], run i starting when the
 * TSC (one clock for every CPU) reaches the batch's start plus i times
 * 2 us (litmus7's "timebase" synchronization: the two sides of a run meet
 * when both vCPUs run at once, with no barrier per run, which made a
 * million runs take hours on a loaded host), a barrier, and env 0 counts
 * the outcomes. LITMUS_RUNS runs of each test.
 *
 * The outcomes x86-TSO allows and forbids are in docs/design.md ("Barriers
 * and litmus tests"): SB may end 0,0; SB with mfence, MP (flag seen, data
 * not) and LB (both 1) must not (checked). Prints each test's outcome
 * counts and "litmus: N passed, M failed". Built twice: litmus_smp (make
 * litmus-smp: LITMUS_RUNS from the make line, millions) and t_litmus (make
 * test: a short fixed run). The same binary is the child: it finds the
 * shared pages mapped at LS_VA. */
#include "../../lib/exo/exo.h"
#include "../../lib/barrier/barrier.h"
#include "../../lib/c/libc.h"

#define LS_VA    0x30000000UL
#define LS_PAGES 12
#ifndef LITMUS_RUNS
#define LITMUS_RUNS 2000000UL
#endif
#ifndef LITMUS_NAME
#define LITMUS_NAME "litmus_smp"
#endif
#define LITMUS_BATCH 512

enum test { SB, SB_FENCE, MP, LB, NTESTS };
static const char *const names[NTESTS] = {"SB", "SB+mfence", "MP", "LB"};

struct ls_shared {
    struct barrier bar;
    uint64_t runs, next_id, done, relax;
    uint64_t start, step;        /* the batch's first run's TSC time; TSC ticks between runs */
    uint64_t outcome[NTESTS][4]; /* by r0 | r1 << 1 */
    volatile long x[LITMUS_BATCH] __attribute__((aligned(4096)));
    volatile long y[LITMUS_BATCH] __attribute__((aligned(4096)));
    long r0[LITMUS_BATCH] __attribute__((aligned(4096)));
    long r1[LITMUS_BATCH] __attribute__((aligned(4096)));
};
_Static_assert(sizeof(struct ls_shared) <= LS_PAGES * 4096, "fits");

#define CB() __asm__ volatile("" ::: "memory")

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static void yield(void)
{
    sys_yield(-1);
}

/* Env id's side of test t on locations 0 .. n-1. */
static void run_side(struct ls_shared *sh, int t, uint32_t id, uint32_t n)
{
    volatile long *x = sh->x, *y = sh->y;
    long *r = id == 0 ? sh->r0 : sh->r1;
    uint64_t start = sh->start, step = sh->step;
    for (uint32_t i = 0; i < n; i++) {
        long a, b;
        while (rdtsc() < start + i * step)
            __asm__ volatile("pause");
        switch (t) {
        case SB: /* store one location, load the other */
            if (id == 0) {
                x[i] = 1;
                CB();
                r[i] = y[i];
            } else {
                y[i] = 1;
                CB();
                r[i] = x[i];
            }
            break;
        case SB_FENCE:
            if (id == 0) {
                x[i] = 1;
                __asm__ volatile("mfence" ::: "memory");
                r[i] = y[i];
            } else {
                y[i] = 1;
                __asm__ volatile("mfence" ::: "memory");
                r[i] = x[i];
            }
            break;
        case MP: /* x the data, y the flag; the reader reports both */
            if (id == 0) {
                x[i] = 1;
                CB();
                y[i] = 1;
            } else {
                a = y[i];
                CB();
                b = x[i];
                sh->r0[i] = a;
                sh->r1[i] = b;
            }
            break;
        default: /* LB: load one location, store the other */
            if (id == 0) {
                r[i] = x[i];
                CB();
                y[i] = 1;
            } else {
                r[i] = y[i];
                CB();
                x[i] = 1;
            }
        }
    }
}

static int child(struct ls_shared *sh)
{
    uint32_t id = (uint32_t)__atomic_fetch_add(&sh->next_id, 1, __ATOMIC_SEQ_CST);
    if (id > 1)
        return 1;
    if (sh->relax)
        barrier_set_relax(yield, 16); /* (both on one CPU) */
    for (int t = 0; t < NTESTS; t++)
        for (uint64_t done = 0; done < sh->runs; done += LITMUS_BATCH) {
            uint32_t n =
                sh->runs - done < LITMUS_BATCH ? (uint32_t)(sh->runs - done) : LITMUS_BATCH;
            if (id == 0) {
                for (uint32_t i = 0; i < n; i++)
                    sh->x[i] = sh->y[i] = 0;
                sh->start = rdtsc() + 20 * sh->step; /* (time for env 1 to pass the barrier) */
            }
            barrier_wait(&sh->bar, id);
            run_side(sh, t, id, n);
            barrier_wait(&sh->bar, id);
            if (id == 0) /* (env 1 touches nothing until the next batch's barrier) */
                for (uint32_t i = 0; i < n; i++)
                    sh->outcome[t][(sh->r0[i] & 1) | (sh->r1[i] & 1) << 1]++;
        }
    __atomic_fetch_add(&sh->done, 1, __ATOMIC_SEQ_CST);
    return 0;
}

int main(void)
{
    if (exo_pte(LS_VA))
        return child((struct ls_shared *)LS_VA);
    struct sys_info si;
    sys_sysinfo(&si);
    long caps[LS_PAGES];
    for (int p = 0; p < LS_PAGES; p++)
        caps[p] = exo_page_alloc_map(0x20000000UL + (uint64_t)p * 4096, true);
    struct ls_shared *sh = (struct ls_shared *)0x20000000UL;
    sh->runs = LITMUS_RUNS;
    sh->relax = si.ncpu < 2;
    sh->step = exo_info->tsc_per_ms / 500 ? exo_info->tsc_per_ms / 500 : 1; /* 2 us */
    barrier_init(&sh->bar, BAR_SENSE, 2);
    uint32_t cpu0 = si.ncpu >= 2 ? (uint32_t)si.ncpu - 2 : 0, cpu1 = si.ncpu >= 2 ? cpu0 + 1 : 0;
    long kids[2] = {-1, -1};
    int bad = 0;
    uint64_t t0 = si.ticks;
    for (int i = 0; i < 2; i++) { /* one at a time: child i takes index i */
        long c = kids[i] = sys_env_create(256);
        if (c < 0 || sys_env_load((uint32_t)c, LITMUS_NAME, sizeof LITMUS_NAME - 1) < 0 ||
            sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0) < 0)
            bad = 1;
        for (int p = 0; p < LS_PAGES && !bad; p++) {
            long d = sys_cap_derive((uint32_t)caps[p], R_READ | R_WRITE, CAP_SELF);
            if (exo_map((uint32_t)c, (uint32_t)d, LS_VA + (uint64_t)p * 4096, MMU_W) < 0)
                bad = 1;
        }
        if (bad || sys_slot_alloc_on((uint32_t)c, i ? cpu1 : cpu0, -1) < 0 ||
            sys_env_start((uint32_t)c) < 0) {
            bad = 1;
            break;
        }
        while (__atomic_load_n(&sh->next_id, __ATOMIC_ACQUIRE) == (uint64_t)i)
            sys_block(1000);
    }
    while (!bad && __atomic_load_n(&sh->done, __ATOMIC_ACQUIRE) < 2)
        sys_block(10000);
    sys_sysinfo(&si);
    int passed = 0, failed = bad;
    for (int t = 0; t < NTESTS && !bad; t++) {
        uint64_t *o = sh->outcome[t];
        printf("litmus: %s on CPUs %u and %u: %lu runs: r0,r1 = 0,0: %lu  1,0: %lu  0,1: %lu  "
               "1,1: %lu\n",
               names[t], cpu0, cpu1, (unsigned long)sh->runs, (unsigned long)o[0],
               (unsigned long)o[1], (unsigned long)o[2], (unsigned long)o[3]);
        int ok = o[0] + o[1] + o[2] + o[3] == sh->runs;
        if (t == SB_FENCE)
            ok &= o[0] == 0; /* both loads 0: forbidden with the fence */
        if (t == MP)
            ok &= o[1] == 0; /* flag seen, data not: forbidden */
        if (t == LB)
            ok &= o[3] == 0; /* both loads see the other's later store: forbidden */
        passed += ok;
        failed += !ok;
    }
    for (int i = 0; i < 2; i++)
        if (kids[i] > 0)
            sys_cap_delete((uint32_t)kids[i]);
    printf("litmus: %lu ticks\n", (unsigned long)(si.ticks - t0));
    printf("litmus: %d passed, %d failed\n", passed, failed);
    return failed;
}
