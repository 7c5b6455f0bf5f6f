/* The litmus tests of lib/barrier/test/test_litmus.c on Spinel's CPUs (make
 * litmus-smp, booted as init=litmus_smp with -smp 2 or 4): two envs, with
 * their only slots on the last two CPUs, share a page with x, y, the
 * results and a sense-reversing barrier (lib/barrier) that starts each run
 * and ends it; LITMUS_RUNS runs of each test. The outcomes x86-TSO allows
 * and forbids are in docs/design.md ("Barriers and litmus tests"): SB may
 * end 0,0; SB with mfence, MP (flag seen, data not) and LB (both 1) must
 * not. Prints each test's outcome counts and "litmus: N passed, M failed".
 * The same binary is the child: it finds the shared page mapped at LS_VA. */
#include "../../lib/exo/exo.h"
#include "../../lib/barrier/barrier.h"
#include "../../lib/c/libc.h"

#define LS_VA    0x30000000UL
#define LS_PAGES 4
#ifndef LITMUS_RUNS
#define LITMUS_RUNS 1000000UL
#endif

enum test { SB, SB_FENCE, MP, LB, NTESTS };
static const char *const names[NTESTS] = {"SB", "SB+mfence", "MP", "LB"};

struct ls_shared {
    struct barrier bar;
    volatile long x __attribute__((aligned(64)));
    volatile long y __attribute__((aligned(64)));
    volatile long r[2] __attribute__((aligned(64)));
    uint64_t runs, next_id, done;
    uint64_t outcome[NTESTS][4]; /* by r0 | r1 << 1 */
};
_Static_assert(sizeof(struct ls_shared) <= LS_PAGES * 4096, "fits");

#define CB() __asm__ volatile("" ::: "memory")

static int child(struct ls_shared *sh)
{
    uint32_t id = (uint32_t)__atomic_fetch_add(&sh->next_id, 1, __ATOMIC_SEQ_CST);
    if (id > 1)
        return 1;
    for (int t = 0; t < NTESTS; t++)
        for (uint64_t i = 0; i < sh->runs; i++) {
            if (id == 0)
                sh->x = sh->y = 0;
            barrier_wait(&sh->bar, id);
            long v = 0;
            switch (t) {
            case SB:
                if (id == 0) {
                    sh->x = 1;
                    CB();
                    v = sh->y;
                } else {
                    sh->y = 1;
                    CB();
                    v = sh->x;
                }
                break;
            case SB_FENCE:
                if (id == 0) {
                    sh->x = 1;
                    __asm__ volatile("mfence" ::: "memory");
                    v = sh->y;
                } else {
                    sh->y = 1;
                    __asm__ volatile("mfence" ::: "memory");
                    v = sh->x;
                }
                break;
            case MP: /* x the data, y the flag */
                if (id == 0) {
                    sh->x = 1;
                    CB();
                    sh->y = 1;
                } else {
                    long f = sh->y;
                    CB();
                    v = sh->x;
                    sh->r[0] = f; /* (the reader reports both) */
                }
                break;
            default: /* LB */
                if (id == 0) {
                    v = sh->x;
                    CB();
                    sh->y = 1;
                } else {
                    v = sh->y;
                    CB();
                    sh->x = 1;
                }
            }
            if (t == MP) {
                if (id == 1)
                    sh->r[1] = v;
            } else {
                sh->r[id] = v;
            }
            barrier_wait(&sh->bar, id);
            if (id == 0)
                sh->outcome[t][(sh->r[0] & 1) | (sh->r[1] & 1) << 1]++;
            barrier_wait(&sh->bar, id);
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
    if (si.ncpu < 2) {
        printf("litmus: needs two CPUs or more (SMP=2)\nlitmus: 0 passed, 1 failed\n");
        return 1;
    }
    long caps[LS_PAGES];
    for (int p = 0; p < LS_PAGES; p++)
        caps[p] = exo_page_alloc_map(0x20000000UL + (uint64_t)p * 4096, true);
    struct ls_shared *sh = (struct ls_shared *)0x20000000UL;
    sh->runs = LITMUS_RUNS;
    barrier_init(&sh->bar, BAR_SENSE, 2);
    long kids[2];
    int bad = 0;
    for (int i = 0; i < 2; i++) { /* one at a time: child i takes index i */
        long c = kids[i] = sys_env_create(256);
        if (c < 0 || sys_env_load((uint32_t)c, "litmus_smp", 10) < 0 ||
            sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0) < 0)
            bad = 1;
        for (int p = 0; p < LS_PAGES && !bad; p++) {
            long d = sys_cap_derive((uint32_t)caps[p], R_READ | R_WRITE, CAP_SELF);
            if (exo_map((uint32_t)c, (uint32_t)d, LS_VA + (uint64_t)p * 4096, MMU_W) < 0)
                bad = 1;
        }
        if (bad || sys_slot_alloc_on((uint32_t)c, (uint32_t)si.ncpu - 2 + (uint32_t)i, -1) < 0 ||
            sys_env_start((uint32_t)c) < 0) {
            bad = 1;
            break;
        }
        while (__atomic_load_n(&sh->next_id, __ATOMIC_ACQUIRE) == (uint64_t)i)
            sys_block(1000);
    }
    while (!bad && __atomic_load_n(&sh->done, __ATOMIC_ACQUIRE) < 2)
        sys_block(10000);
    int passed = 0, failed = bad;
    for (int t = 0; t < NTESTS && !bad; t++) {
        uint64_t *o = sh->outcome[t];
        printf("litmus: %s on CPUs %lu and %lu: %lu runs: r0,r1 = 0,0: %lu  1,0: %lu  0,1: %lu  "
               "1,1: %lu\n",
               names[t], si.ncpu - 2, si.ncpu - 1, (unsigned long)sh->runs, (unsigned long)o[0],
               (unsigned long)o[1], (unsigned long)o[2], (unsigned long)o[3]);
        int ok = o[0] + o[1] + o[2] + o[3] == sh->runs;
        if (t == SB_FENCE)
            ok &= o[0] == 0;
        if (t == MP)
            ok &= o[1] == 0;
        if (t == LB)
            ok &= o[3] == 0;
        passed += ok;
        failed += !ok;
    }
    for (int i = 0; i < 2; i++)
        if (kids[i] > 0)
            sys_cap_delete((uint32_t)kids[i]);
    printf("litmus: %d passed, %d failed\n", passed, failed);
    return failed;
}
