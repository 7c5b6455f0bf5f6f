/* Host tests of lib/barrier: bad inputs, then each algorithm with 2, 3 and
 * 4 threads (pthreads), EPISODES episodes each (argv[1], default 100000):
 * before each episode a thread writes its episode number, after the
 * barrier it checks that every thread has written at least that number (no
 * thread passed early). Threads outnumber the host's CPUs, so spins yield
 * (barrier_set_relax). Ends with "N passed, M failed". */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
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

static struct barrier bar;
static struct {
    unsigned long v;
} __attribute__((aligned(64))) episode[BAR_MAX_THREADS];
static unsigned long early[BAR_MAX_THREADS];
static unsigned long nepisodes;
static unsigned nthreads;

static void yield(void)
{
    sched_yield();
}

static void *run(void *arg)
{
    unsigned id = (unsigned)(unsigned long)arg;
    barrier_set_relax(yield, 64);
    for (unsigned long ep = 1; ep <= nepisodes; ep++) {
        __atomic_store_n(&episode[id].v, ep, __ATOMIC_RELAXED);
        if (barrier_wait(&bar, id) != 0)
            early[id]++;
        for (unsigned j = 0; j < nthreads; j++)
            if (__atomic_load_n(&episode[j].v, __ATOMIC_RELAXED) < ep)
                early[id]++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
    /* Bad inputs. */
    CHECK(barrier_init(NULL, BAR_SENSE, 2) == -1);
    CHECK(barrier_init(&bar, BAR_SENSE, 0) == -1);
    CHECK(barrier_init(&bar, BAR_SENSE, BAR_MAX_THREADS + 1) == -1);
    CHECK(barrier_init(&bar, (enum bar_kind)BAR_KINDS, 2) == -1);
    CHECK(barrier_init(&bar, (enum bar_kind) - 1, 2) == -1);
    CHECK(barrier_wait(NULL, 0) == -1);
    struct barrier junk = {0};
    CHECK(barrier_wait(&junk, 0) == -1); /* never initialized */
    CHECK(barrier_init(&bar, BAR_MCS, 3) == 0);
    CHECK(barrier_wait(&bar, 3) == -1);
    CHECK(barrier_wait(&bar, ~0u) == -1);
    /* One thread: every algorithm passes at once. */
    for (int k = 0; k < BAR_KINDS; k++) {
        CHECK(barrier_init(&bar, (enum bar_kind)k, 1) == 0);
        int ok = 1;
        for (int i = 0; i < 1000; i++)
            ok &= barrier_wait(&bar, 0) == 0;
        CHECK(ok);
    }
    for (unsigned p = 2; p <= 4; p++) {
        for (int k = 0; k < BAR_KINDS; k++) {
            nthreads = p;
            nepisodes = p == 4 ? n : n / 10;
            CHECK(barrier_init(&bar, (enum bar_kind)k, p) == 0);
            for (unsigned i = 0; i < p; i++)
                episode[i].v = early[i] = 0;
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            pthread_t th[BAR_MAX_THREADS];
            for (unsigned i = 0; i < p; i++)
                pthread_create(&th[i], NULL, run, (void *)(unsigned long)i);
            for (unsigned i = 0; i < p; i++)
                pthread_join(th[i], NULL);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            unsigned long bad = 0;
            for (unsigned i = 0; i < p; i++)
                bad += early[i];
            CHECK(bad == 0);
            double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3;
            printf("%s, %u threads: %lu episodes, %lu early, %.2f us each\n",
                   barrier_name((enum bar_kind)k), p, nepisodes, bad, us / (double)nepisodes);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
