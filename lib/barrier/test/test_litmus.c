/* Memory-model litmus tests on the host's CPUs (two pthreads), ITERATIONS
 * runs each (argv[1], default 100000), synchronized by lib/barrier's
 * sense-reversing barrier. x and y start at 0 in every run.
 *
 *   SB (store buffering)  T0: x = 1; r0 = y       T1: y = 1; r1 = x
 *       x86-TSO allows r0 = r1 = 0 (each store may wait in its CPU's store
 *       buffer while the later load reads memory): counted, not an error.
 *   SB+mfence             the same with mfence between store and load:
 *       r0 = r1 = 0 is forbidden.
 *   MP (message passing)  T0: data = 1; flag = 1  T1: r0 = flag; r1 = data
 *       forbidden: r0 = 1, r1 = 0 (TSO keeps stores in order, and loads).
 *   LB (load buffering)   T0: r0 = x; y = 1       T1: r1 = y; x = 1
 *       forbidden: r0 = r1 = 1 (TSO never moves a store above an earlier
 *       load).
 *
 * The accesses are volatile with compiler barriers between them, so the
 * compiler emits them in program order; what reorders is the CPU. The
 * barrier's own release/acquire accesses are plain moves on x86 (barrier.h):
 * the MP case is the pattern every flag of the barriers relies on. Ends with
 * "N passed, M failed". */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include "barrier.h"

static int passed, failed;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (c)                                                                                     \
            passed++;                                                                              \
        else {                                                                                     \
            failed++;                                                                              \
            printf("  check failed at line %d: %s\n", __LINE__, #c);                               \
        }                                                                                          \
    } while (0)

#define CB() __asm__ volatile("" ::: "memory")
enum test { SB, SB_FENCE, MP, LB, NTESTS };
static const char *const names[NTESTS] = {"SB", "SB+mfence", "MP", "LB"};

static struct barrier bar;
static volatile long x __attribute__((aligned(64))), y __attribute__((aligned(64)));
static volatile long r[2];
static unsigned long iters;
static enum test cur;
static unsigned long outcome[NTESTS][4]; /* by r0 | r1 << 1 */

static void yield(void)
{
    sched_yield();
}

static void *run(void *arg)
{
    unsigned id = (unsigned)(unsigned long)arg;
    barrier_set_relax(yield, 256);
    for (unsigned long i = 0; i < iters; i++) {
        if (id == 0)
            x = y = 0;
        barrier_wait(&bar, id);
        long v = 0;
        switch (cur) {
        case SB:
            if (id == 0) {
                x = 1;
                CB();
                v = y;
            } else {
                y = 1;
                CB();
                v = x;
            }
            break;
        case SB_FENCE:
            if (id == 0) {
                x = 1;
                __asm__ volatile("mfence" ::: "memory");
                v = y;
            } else {
                y = 1;
                __asm__ volatile("mfence" ::: "memory");
                v = x;
            }
            break;
        case MP: /* x is the data, y the flag */
            if (id == 0) {
                x = 1;
                CB();
                y = 1;
            } else {
                long f = y;
                CB();
                v = x;
                r[0] = f; /* (T1 reports both) */
            }
            break;
        default: /* LB */
            if (id == 0) {
                v = x;
                CB();
                y = 1;
            } else {
                v = y;
                CB();
                x = 1;
            }
            break;
        }
        if (cur == MP) {
            if (id == 1)
                r[1] = v;
        } else {
            r[id] = v;
        }
        barrier_wait(&bar, id);
        if (id == 0)
            outcome[cur][(r[0] & 1) | (r[1] & 1) << 1]++;
        barrier_wait(&bar, id);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
    for (int t = 0; t < NTESTS; t++) {
        cur = (enum test)t;
        CHECK(barrier_init(&bar, BAR_SENSE, 2) == 0);
        pthread_t th[2];
        for (unsigned long i = 0; i < 2; i++)
            pthread_create(&th[i], NULL, run, (void *)i);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        unsigned long *o = outcome[t];
        printf("%s: %lu runs: r0,r1 = 0,0: %lu  1,0: %lu  0,1: %lu  1,1: %lu\n", names[t], iters,
               o[0], o[1], o[2], o[3]);
        CHECK(o[0] + o[1] + o[2] + o[3] == iters);
        if (t == SB_FENCE)
            CHECK(o[0] == 0); /* both 0: forbidden with the fences */
        if (t == MP)
            CHECK(o[1] == 0); /* flag seen, data not: forbidden */
        if (t == LB)
            CHECK(o[3] == 0); /* both 1: forbidden */
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
