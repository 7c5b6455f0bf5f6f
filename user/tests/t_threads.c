/* The thread package of the Unix library OS (lib/unix/thread): strands
 * preempted at the end of each time slot, their full register and SSE state
 * kept; join values; block/unblock; checkpoint/resume; mutexes, condition
 * variables and semaphores under preemption; no memory leak. */
#include "../../lib/exo/exo.h"
#include "../../lib/unix/thread/thread.h"
#include "check.h"

#define ST (strand_stats())

/* Spins (never yielding) until the slot ends at least n more times while
 * strands are switched: only preemption gets us through. */
static void wait_preemptions(unsigned long n)
{
    unsigned long p0 = ST->preemptions + ST->deferred;
    while (ST->preemptions + ST->deferred < p0 + n)
        __asm__ volatile("pause");
}

/* ---- join values, pthread_exit, detach ---- */

static void *square(void *arg)
{
    long x = (long)arg;
    return (void *)(x * x + 1);
}

static void exit_deep(int depth, long v)
{
    if (depth < 0)
        return;
    if (depth == 0)
        pthread_exit((void *)v);
    exit_deep(depth - 1, v);
}

static void *exits_from_below(void *arg)
{
    exit_deep(10, (long)arg);
    return (void *)-1;
}

static volatile int detached_ran;
static void *detached_fn(void *arg)
{
    (void)arg;
    detached_ran++;
    return NULL;
}

static void test_join(void)
{
    pthread_t t[10];
    for (long i = 0; i < 10; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, square, (void *)i), 0);
    for (long i = 9; i >= 0; i--) {
        void *r = NULL;
        CHECK_EQ(pthread_join(t[i], &r), 0);
        CHECK_EQ((long)r, i * i + 1);
    }
    pthread_t e;
    void *r = NULL;
    CHECK_EQ(pthread_create(&e, NULL, exits_from_below, (void *)1234), 0);
    CHECK_EQ(pthread_join(e, &r), 0);
    CHECK_EQ((long)r, 1234);
    CHECK_EQ(pthread_join(pthread_self(), NULL), EDEADLK);
    CHECK_EQ(pthread_create(&e, NULL, NULL, NULL), EINVAL);

    pthread_attr_t a;
    pthread_attr_init(&a);
    CHECK_EQ(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED), 0);
    CHECK_EQ(pthread_attr_setstacksize(&a, 16384), 0);
    for (int i = 0; i < 50; i++)
        CHECK_EQ(pthread_create(&e, &a, detached_fn, NULL), 0);
    CHECK_EQ(pthread_join(e, NULL), EINVAL); /* detached */
    while (detached_ran < 50)
        sched_yield();
    CHECK_EQ(detached_ran, 50);
}

/* ---- many strands: no leak ---- */

static void test_many(void)
{
    uint64_t used = 0;
    for (int round = 0; round < 3; round++) {
        for (long i = 0; i < 1000; i++) { /* one at a time */
            pthread_t t;
            void *r;
            if (pthread_create(&t, NULL, square, (void *)i) != 0 || pthread_join(t, &r) != 0 ||
                (long)r != i * i + 1) {
                CHECK_EQ(i, -1);
                break;
            }
        }
        pthread_attr_t a; /* 100 detached ones, freed without a join */
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        detached_ran = 0;
        for (int i = 0; i < 100; i++) {
            pthread_t t;
            CHECK_EQ(pthread_create(&t, &a, detached_fn, NULL), 0);
        }
        while (detached_ran < 100)
            sched_yield();
        static pthread_t many[100]; /* and 100 alive at once, joined in reverse */
        for (long i = 0; i < 100; i++)
            CHECK_EQ(pthread_create(&many[i], NULL, square, (void *)i), 0);
        for (long i = 99; i >= 0; i--) {
            void *r;
            CHECK_EQ(pthread_join(many[i], &r), 0);
            CHECK_EQ((long)r, i * i + 1);
        }
        if (round == 0)
            used = exo_info->mem_used;
        else
            CHECK_EQ(exo_info->mem_used, used); /* the heap is reused, nothing leaks */
    }
}

/* ---- bounded buffer: 4 producers, 4 consumers, mutex + 2 conditions ---- */

#define NITEMS 100000
#define NPROD  4
#define NCONS  4
#define BUFSZ  16
static pthread_mutex_t bb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bb_not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t bb_not_empty = PTHREAD_COND_INITIALIZER;
static int bb_buf[BUFSZ], bb_head, bb_count, bb_producers_left = NPROD;
static uint8_t bb_seen[NITEMS];

static void *producer(void *arg)
{
    long p = (long)arg;
    for (int i = (int)p; i < NITEMS; i += NPROD) {
        pthread_mutex_lock(&bb_lock);
        while (bb_count == BUFSZ)
            pthread_cond_wait(&bb_not_full, &bb_lock);
        bb_buf[(bb_head + bb_count) % BUFSZ] = i;
        bb_count++;
        pthread_cond_signal(&bb_not_empty);
        pthread_mutex_unlock(&bb_lock);
    }
    pthread_mutex_lock(&bb_lock);
    if (--bb_producers_left == 0)
        pthread_cond_broadcast(&bb_not_empty); /* wake consumers to see the end */
    pthread_mutex_unlock(&bb_lock);
    return NULL;
}

struct consumed {
    long n, sum;
};

static void *consumer(void *arg)
{
    struct consumed *c = arg;
    for (;;) {
        pthread_mutex_lock(&bb_lock);
        while (bb_count == 0 && bb_producers_left > 0)
            pthread_cond_wait(&bb_not_empty, &bb_lock);
        if (bb_count == 0) {
            pthread_mutex_unlock(&bb_lock);
            break;
        }
        int item = bb_buf[bb_head];
        bb_head = (bb_head + 1) % BUFSZ;
        bb_count--;
        pthread_cond_signal(&bb_not_full);
        pthread_mutex_unlock(&bb_lock);
        bb_seen[item]++; /* each item is consumed once: no two strands share a byte */
        c->n++;
        c->sum += item;
    }
    return c;
}

static void test_bounded_buffer(void)
{
    unsigned long sw0 = ST->switches;
    pthread_t p[NPROD], c[NCONS];
    static struct consumed got[NCONS];
    for (long i = 0; i < NCONS; i++)
        CHECK_EQ(pthread_create(&c[i], NULL, consumer, &got[i]), 0);
    for (long i = 0; i < NPROD; i++)
        CHECK_EQ(pthread_create(&p[i], NULL, producer, (void *)i), 0);
    for (int i = 0; i < NPROD; i++)
        CHECK_EQ(pthread_join(p[i], NULL), 0);
    long n = 0, sum = 0;
    for (int i = 0; i < NCONS; i++) {
        void *r;
        CHECK_EQ(pthread_join(c[i], &r), 0);
        CHECK_EQ(r == &got[i], 1);
        n += got[i].n;
        sum += got[i].sum;
    }
    CHECK_EQ(n, NITEMS);
    CHECK_EQ(sum, (long)NITEMS * (NITEMS - 1) / 2);
    long lost = 0, dup = 0;
    for (int i = 0; i < NITEMS; i++) {
        lost += bb_seen[i] == 0;
        dup += bb_seen[i] > 1;
    }
    CHECK_EQ(lost, 0);
    CHECK_EQ(dup, 0);
    CHECK_EQ(bb_count, 0);
    CHECK_EQ(pthread_mutex_destroy(&bb_lock), 0);
    CHECK_EQ(pthread_cond_destroy(&bb_not_full), 0);
    CHECK_EQ(pthread_cond_destroy(&bb_not_empty), 0);
    printf("t_threads: bounded buffer: %d items, %lu switches\n", NITEMS, ST->switches - sw0);
}

/* ---- semaphores ---- */

static sem_t sem_slots;
static volatile int sem_inside, sem_max_inside, sem_done;

static void *sem_worker(void *arg)
{
    (void)arg;
    for (int k = 0; k < 20; k++) {
        sem_wait(&sem_slots);
        int in = ++sem_inside;
        if (in > sem_max_inside)
            sem_max_inside = in;
        for (int y = 0; y < 3; y++)
            sched_yield(); /* let the others try to get in */
        sem_inside--;
        sem_post(&sem_slots);
    }
    sem_done++;
    return NULL;
}

static sem_t ping, pong;
static char pp_log[2001];
static int pp_len;

static void *pinger(void *arg)
{
    char c = (char)(long)arg;
    sem_t *mine = c == 'a' ? &ping : &pong, *other = c == 'a' ? &pong : &ping;
    for (int i = 0; i < 1000; i++) {
        sem_wait(mine);
        pp_log[pp_len++] = c;
        sem_post(other);
    }
    return NULL;
}

static void test_semaphores(void)
{
    sem_t s;
    int v = -1;
    CHECK_EQ(sem_init(&s, 0, 0), 0);
    CHECK_EQ(sem_trywait(&s), -1);
    CHECK_EQ(sem_post(&s), 0);
    CHECK_EQ(sem_post(&s), 0);
    CHECK_EQ(sem_getvalue(&s, &v), 0);
    CHECK_EQ(v, 2);
    CHECK_EQ(sem_trywait(&s), 0);
    CHECK_EQ(sem_wait(&s), 0);
    CHECK_EQ(sem_trywait(&s), -1);
    CHECK_EQ(sem_destroy(&s), 0);
    CHECK_EQ(sem_init(&s, 1, 0), -1); /* no process-shared semaphores */

    /* A counting semaphore admits at most 3 strands at a time. */
    CHECK_EQ(sem_init(&sem_slots, 0, 3), 0);
    pthread_t t[10];
    for (int i = 0; i < 10; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, sem_worker, NULL), 0);
    for (int i = 0; i < 10; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(sem_done, 10);
    CHECK_EQ(sem_max_inside, 3);
    CHECK_EQ(sem_getvalue(&sem_slots, &v), 0);
    CHECK_EQ(v, 3);

    /* Two semaphores make two strands alternate strictly. */
    CHECK_EQ(sem_init(&ping, 0, 1), 0);
    CHECK_EQ(sem_init(&pong, 0, 0), 0);
    pthread_t a, b;
    CHECK_EQ(pthread_create(&b, NULL, pinger, (void *)'b'), 0); /* b is first in line... */
    CHECK_EQ(pthread_create(&a, NULL, pinger, (void *)'a'), 0); /* ...but a has the unit */
    CHECK_EQ(pthread_join(a, NULL), 0);
    CHECK_EQ(pthread_join(b, NULL), 0);
    int alternating = pp_len == 2000;
    for (int i = 0; i < pp_len; i++)
        alternating &= pp_log[i] == (i % 2 ? 'b' : 'a');
    CHECK_EQ(alternating, 1);
}

/* ---- mutexes: errors, and exclusion under preemption ---- */

static pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;
static volatile long mx_counter;
static volatile int mx_in;
static volatile long mx_overlaps;

/* Each worker does at least n rounds, and goes on (up to 100 n) until the
 * workers were preempted (or an epilogue was deferred in a critical
 * section) at least once: how many rounds fit in a time slot depends on the
 * host's speed, the event is what the test needs. */
static volatile long mx_held_preempted; /* preempted while holding the lock (rare: see below) */
static unsigned long mx_events0;        /* preemptions + deferred when the workers began */

static void *mx_worker(void *arg)
{
    long n = (long)arg, i = 0;
    for (; i < n || (ST->preemptions + ST->deferred <= mx_events0 && i < 100 * n); i++) {
        pthread_mutex_lock(&mx);
        unsigned long p0 = ST->preemptions; /* moves only if we are preempted: we run */
        if (mx_in++)
            mx_overlaps++;
        long v = mx_counter; /* a slow read-modify-write: preempted inside, often */
        for (volatile int k = 0; k < 20; k++)
            ;
        mx_counter = v + 1;
        mx_in--;
        if (ST->preemptions != p0)
            mx_held_preempted++;
        pthread_mutex_unlock(&mx);
    }
    return (void *)i;
}

static void *unlock_not_mine(void *arg)
{
    return (void *)(long)pthread_mutex_unlock(arg);
}

static void test_mutex(void)
{
    pthread_mutex_t m;
    CHECK_EQ(pthread_mutex_init(&m, NULL), 0);
    CHECK_EQ(pthread_mutex_trylock(&m), 0);
    CHECK_EQ(pthread_mutex_trylock(&m), EBUSY);
    CHECK_EQ(pthread_mutex_lock(&m), EDEADLK);
    CHECK_EQ(pthread_mutex_destroy(&m), EBUSY);
    pthread_t t;
    void *r;
    CHECK_EQ(pthread_create(&t, NULL, unlock_not_mine, &m), 0);
    CHECK_EQ(pthread_join(t, &r), 0);
    CHECK_EQ((long)r, EPERM);
    CHECK_EQ(pthread_mutex_unlock(&m), 0);
    CHECK_EQ(pthread_mutex_unlock(&m), EPERM);
    CHECK_EQ(pthread_mutex_destroy(&m), 0);

    /* Four strands, preempted while they hold the lock. (Once they contend,
     * the lock is handed from one to the next and the holder is alone in
     * the run queue, so most slot ends find no one else to run.) */
    unsigned long p0 = ST->preemptions, d0 = ST->deferred;
    mx_events0 = p0 + d0;
    pthread_t w[4];
    long rounds = 0;
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_create(&w[i], NULL, mx_worker, (void *)30000L), 0);
    for (int i = 0; i < 4; i++) {
        void *r = NULL;
        CHECK_EQ(pthread_join(w[i], &r), 0);
        rounds += (long)r;
    }
    CHECK_EQ(mx_counter, rounds);
    CHECK_EQ(rounds >= 4 * 30000L, 1);
    CHECK_EQ(mx_overlaps, 0);
    CHECK_EQ(ST->preemptions + ST->deferred > p0 + d0, 1);
    printf("t_threads: mutex: %ld rounds, %lu preemptions (%ld holding the lock), %lu deferred\n",
           rounds, ST->preemptions - p0, mx_held_preempted, ST->deferred - d0);
}

/* ---- condition variables: broadcast wakes every waiter ---- */

static pthread_mutex_t cv_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int cv_go, cv_waiting, cv_woken;

static void *cv_waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&cv_m);
    cv_waiting++;
    while (!cv_go)
        pthread_cond_wait(&cv, &cv_m);
    cv_woken++;
    pthread_mutex_unlock(&cv_m);
    return NULL;
}

static void test_cond(void)
{
    pthread_t t[6];
    for (int i = 0; i < 6; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, cv_waiter, NULL), 0);
    while (cv_waiting < 6)
        sched_yield();
    CHECK_EQ(pthread_cond_destroy(&cv), EBUSY);
    CHECK_EQ(pthread_cond_signal(&cv), 0); /* cv_go is 0: it waits again */
    for (int i = 0; i < 10; i++)
        sched_yield();
    CHECK_EQ(cv_woken, 0);
    pthread_mutex_lock(&cv_m);
    cv_go = 1;
    CHECK_EQ(pthread_cond_broadcast(&cv), 0);
    pthread_mutex_unlock(&cv_m);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(cv_woken, 6);
    CHECK_EQ(pthread_cond_wait(&cv, &cv_m), EPERM); /* without holding the mutex */
}

/* ---- preemption: strands that never yield all make progress ---- */

static volatile unsigned long spin_count[2];
static volatile int spin_stop;

static void *spinner(void *arg)
{
    long i = (long)arg;
    while (!spin_stop)
        spin_count[i]++;
    return NULL;
}

static void test_preemption(void)
{
    pthread_t a, b;
    CHECK_EQ(pthread_create(&a, NULL, spinner, (void *)0L), 0);
    CHECK_EQ(pthread_create(&b, NULL, spinner, (void *)1L), 0);
    /* main never yields either: it sees both counters move several times */
    int moves[2] = {0, 0};
    unsigned long last[2] = {0, 0};
    while (moves[0] < 3 || moves[1] < 3) {
        for (int i = 0; i < 2; i++)
            if (spin_count[i] != last[i]) {
                last[i] = spin_count[i];
                moves[i]++;
            }
        wait_preemptions(1);
    }
    spin_stop = 1;
    CHECK_EQ(pthread_join(a, NULL), 0);
    CHECK_EQ(pthread_join(b, NULL), 0);
    CHECK_EQ(spin_count[0] > 0 && spin_count[1] > 0, 1);
}

/* ---- FPU/SSE state survives preemption ---- */

static volatile unsigned long fpu_progress[2];
static uint64_t fpu_out[2][17];

/* Loads a pattern into xmm0-15 and mxcsr, then spins without touching them
 * until the other strand has made progress twice (so both were preempted
 * while holding their patterns), then stores what the registers hold. */
static void *fpu_holder(void *arg)
{
    long me = (long)arg;
    uint64_t base = 0x1111111111111111UL * (uint64_t)(me + 1);
    uint32_t mxcsr = me ? 0x7f80 /* round toward zero */ : 0x3f80 /* round down */, got_mxcsr;
    volatile unsigned long *mine = &fpu_progress[me], *other = &fpu_progress[1 - me];
    uint64_t *out = fpu_out[me];
    /* clang-format off */
#define LD(n) "movq %[b], %%rax; add $" #n ", %%rax; movq %%rax, %%xmm" #n "\n"
#define SV(n) "movq %%xmm" #n ", " #n "*8(%[out])\n"
    __asm__ volatile(
        LD(0) LD(1) LD(2) LD(3) LD(4) LD(5) LD(6) LD(7)
        LD(8) LD(9) LD(10) LD(11) LD(12) LD(13) LD(14) LD(15)
        "ldmxcsr %[mx]\n"
        "mov (%[o]), %%rcx\n"
        "add $2, %%rcx\n"
        "1: incq (%[m])\n"
        "pause\n"
        "cmp (%[o]), %%rcx\n"
        "ja 1b\n"
        "addq $2, (%[m])\n" /* the other one may be waiting for us */
        SV(0) SV(1) SV(2) SV(3) SV(4) SV(5) SV(6) SV(7)
        SV(8) SV(9) SV(10) SV(11) SV(12) SV(13) SV(14) SV(15)
        "stmxcsr %[gm]\n"
        "ldmxcsr %[def]\n"
        : [gm] "=m"(got_mxcsr)
        : [b] "r"(base), [mx] "m"(mxcsr), [def] "m"((uint32_t){0x1f80}), [m] "r"(mine),
          [o] "r"(other), [out] "r"(out)
        : "rax", "rcx", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
          "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    /* clang-format on */
    out[16] = got_mxcsr;
    return NULL;
}

#define FP_N 3000000L
static double fp_result[3];
static double fp_step(long i)
{
    return i == 0 ? 0.25 : i == 1 ? 0.5 : 0.125;
}

static void *fp_sum(void *arg)
{
    long i = (long)arg;
    double acc = 0, step = fp_step(i);
    for (long k = 0; k < FP_N; k++)
        acc += (double)k * step;
    fp_result[i] = acc;
    return NULL;
}

static void test_fpu(void)
{
    pthread_t a, b;
    CHECK_EQ(pthread_create(&a, NULL, fpu_holder, (void *)0L), 0);
    CHECK_EQ(pthread_create(&b, NULL, fpu_holder, (void *)1L), 0);
    CHECK_EQ(pthread_join(a, NULL), 0);
    CHECK_EQ(pthread_join(b, NULL), 0);
    int bad = 0;
    for (int t = 0; t < 2; t++)
        for (int n = 0; n < 16; n++)
            bad += fpu_out[t][n] != 0x1111111111111111UL * (uint64_t)(t + 1) + (uint64_t)n;
    CHECK_EQ(bad, 0);
    CHECK_EQ(fpu_out[0][16], 0x3f80);
    CHECK_EQ(fpu_out[1][16], 0x7f80);

    /* Ordinary floating-point code in three strands preempted many times:
     * again (up to 20 rounds) until there were 3 preemptions, however many
     * sums a slot holds on this host. */
    unsigned long p0 = ST->preemptions;
    for (int round = 0; round < 20 && ST->preemptions - p0 < 3; round++) {
        pthread_t t[3];
        for (long i = 0; i < 3; i++)
            CHECK_EQ(pthread_create(&t[i], NULL, fp_sum, (void *)i), 0);
        for (int i = 0; i < 3; i++)
            CHECK_EQ(pthread_join(t[i], NULL), 0);
        for (int i = 0; i < 3; i++) /* sum of k * step, k < FP_N: exact in a double */
            CHECK_EQ(fp_result[i] == fp_step(i) * ((double)FP_N * (FP_N - 1) / 2), 1);
    }
    CHECK_EQ(ST->preemptions - p0 >= 3, 1);
}

/* ---- block / unblock ---- */

static volatile int bl_wakes;
static pthread_mutex_t bl_m = PTHREAD_MUTEX_INITIALIZER;
static volatile int bl_got_lock;

static void *blocker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++) {
        strand_block();
        bl_wakes++;
    }
    return NULL;
}

static void *lock_then_block(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&bl_m);
    bl_got_lock = 1;
    pthread_mutex_unlock(&bl_m);
    strand_block(); /* the token from the unblock below: returns at once */
    return (void *)7;
}

static void test_block(void)
{
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, blocker, NULL), 0);
    for (int i = 0; i < 5; i++) {
        while (strand_state(t) != STRAND_BLOCKED)
            sched_yield();
        for (int k = 0; k < 5; k++) /* it stays asleep until unblocked */
            sched_yield();
        CHECK_EQ(bl_wakes, i);
        CHECK_EQ(strand_state(t), STRAND_BLOCKED);
        CHECK_EQ(strand_unblock(t), 0);
        /* Ready, unless a preemption ran it since: then it counted this
         * wake-up and went back to sleep. */
        int st = strand_state(t);
        CHECK_EQ(st == STRAND_READY || (st == STRAND_BLOCKED && bl_wakes == i + 1), 1);
        while (bl_wakes == i)
            sched_yield();
    }
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(bl_wakes, 5);

    /* A wake-up before the block is not lost. */
    CHECK_EQ(strand_unblock(strand_self()), 0);
    strand_block();

    /* unblock does not break a mutex wait. */
    pthread_mutex_lock(&bl_m);
    CHECK_EQ(pthread_create(&t, NULL, lock_then_block, NULL), 0);
    while (strand_state(t) != STRAND_BLOCKED)
        sched_yield();
    CHECK_EQ(strand_unblock(t), 0);
    for (int k = 0; k < 5; k++)
        sched_yield();
    CHECK_EQ(bl_got_lock, 0);
    CHECK_EQ(strand_state(t), STRAND_BLOCKED);
    pthread_mutex_unlock(&bl_m);
    void *r;
    CHECK_EQ(pthread_join(t, &r), 0);
    CHECK_EQ(bl_got_lock, 1);
    CHECK_EQ((long)r, 7);
}

/* ---- checkpoint / resume ---- */

static strand_checkpoint_t r_cp, y_cp, z_cp;
static volatile int r_block_returned, y_loops;
static pthread_mutex_t cr_m = PTHREAD_MUTEX_INITIALIZER;

static __attribute__((noinline)) void sleep_deep(int depth)
{
    if (depth > 0) {
        sleep_deep(depth - 1);
        return;
    }
    strand_block();
    r_block_returned = 1; /* never: resumed at the checkpoint instead */
}

static void *resumed_from_block(void *arg)
{
    (void)arg;
    long v = strand_checkpoint(&r_cp);
    if (v == 0)
        sleep_deep(5);
    return (void *)v;
}

static void *resumed_from_ready(void *arg)
{
    (void)arg;
    long v = strand_checkpoint(&y_cp);
    if (v == 0)
        for (;;) {
            y_loops++;
            sched_yield();
        }
    return (void *)v;
}

static void *checkpoint_then_lock(void *arg)
{
    (void)arg;
    long v = strand_checkpoint(&z_cp);
    if (v)
        return (void *)-1; /* must not happen: it waits on the mutex */
    pthread_mutex_lock(&cr_m);
    pthread_mutex_unlock(&cr_m);
    return (void *)5;
}

static void test_checkpoint(void)
{
    /* The caller's own checkpoint: a longjmp. */
    strand_checkpoint_t cp;
    volatile int n = 0;
    long v = strand_checkpoint(&cp);
    n++;
    if (v < 5)
        strand_resume(&cp, v + 1);
    CHECK_EQ(n, 6);
    CHECK_EQ(v, 5);

    /* Another strand asleep in strand_block continues from its checkpoint. */
    pthread_t t;
    void *r;
    CHECK_EQ(pthread_create(&t, NULL, resumed_from_block, NULL), 0);
    while (strand_state(t) != STRAND_BLOCKED)
        sched_yield();
    CHECK_EQ(strand_resume(&r_cp, 42), 0);
    CHECK_EQ(pthread_join(t, &r), 0);
    CHECK_EQ((long)r, 42);
    CHECK_EQ(r_block_returned, 0);

    /* A ready strand (it yields in a loop) too. */
    CHECK_EQ(pthread_create(&t, NULL, resumed_from_ready, NULL), 0);
    while (y_loops < 3)
        sched_yield();
    CHECK_EQ(strand_state(t), STRAND_READY);
    CHECK_EQ(strand_resume(&y_cp, 77), 0);
    CHECK_EQ(pthread_join(t, &r), 0);
    CHECK_EQ((long)r, 77);

    /* Not one waiting on a mutex, nor one that has exited. */
    pthread_mutex_lock(&cr_m);
    CHECK_EQ(pthread_create(&t, NULL, checkpoint_then_lock, NULL), 0);
    while (strand_state(t) != STRAND_BLOCKED)
        sched_yield();
    CHECK_EQ(strand_resume(&z_cp, 9), EBUSY);
    pthread_mutex_unlock(&cr_m);
    while (strand_state(t) != STRAND_ZOMBIE)
        sched_yield();
    CHECK_EQ(strand_resume(&z_cp, 9), ESRCH);
    CHECK_EQ(pthread_join(t, &r), 0);
    CHECK_EQ((long)r, 5);
}

int main(void)
{
    test_join();
    printf("t_threads: test_join done (%d failed checks)\n", check_failures);
    test_many();
    printf("t_threads: test_many done (%d failed checks)\n", check_failures);
    test_block();
    printf("t_threads: test_block done (%d failed checks)\n", check_failures);
    test_checkpoint();
    printf("t_threads: test_checkpoint done (%d failed checks)\n", check_failures);
    test_mutex();
    printf("t_threads: test_mutex done (%d failed checks)\n", check_failures);
    test_cond();
    printf("t_threads: test_cond done (%d failed checks)\n", check_failures);
    test_semaphores();
    printf("t_threads: test_semaphores done (%d failed checks)\n", check_failures);
    test_preemption();
    printf("t_threads: test_preemption done (%d failed checks)\n", check_failures);
    test_fpu();
    printf("t_threads: test_fpu done (%d failed checks)\n", check_failures);
    test_bounded_buffer();
    printf("t_threads: test_bounded_buffer done (%d failed checks)\n", check_failures);
    CHECK_EQ(exo_info->overruns, 0); /* every slot was given back in its grace period */
    printf("t_threads: %lu strands, %lu switches, %lu preemptions (%lu in a switch), %lu "
           "deferred, %lu idle\n",
           ST->created, ST->switches, ST->preemptions, ST->redone, ST->deferred, ST->idle_yields);
    printf("t_threads: %d failed checks\n", check_failures);
    return check_failures;
}
