/* lib/mn: M:N strands over four VPs (envs sharing our memory, VP i with its
 * slot on CPU i mod ncpu; with SMP=4 every VP has a CPU of its own). Checks
 * mutual exclusion under the mutex, the backoff spinlock and the MCS lock
 * (a plain read, pauses, a plain write: a lost increment shows), no lost
 * wake-ups (a bounded buffer on condition variables, semaphore ping-pong,
 * joins: a lost one hangs the test, which the runner's deadline fails),
 * pthread_barrier_* for each of lib/barrier's algorithms (no strand passes
 * early), and the calls' bad inputs. Strands make no kernel calls and print
 * nothing: they count their errors, main checks the counts. */
#include "../../lib/exo/exo.h"
#include "../../lib/mn/mn.h"
#include "check.h"

#define NVP      4
#define NSTRANDS 8

static uint64_t errors; /* counted by strands (atomic) */
static void err(void)
{
    __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
}

static long iters = 1000;
/* The same number of increments under each lock (the MCS lock's run was
 * shorter while it handed the lock to waiters on preempted VPs). */
static const long excl_iters[4] = {1000, 1000, 1000, 1000};

/* ---- mutual exclusion ---- */
static mn_mutex_t mtx = MN_MUTEX_INIT;
static mn_spin_t spin = MN_SPIN_INIT;
static mn_mcs_t mcs = MN_MCS_INIT;
static volatile uint64_t counter;
static uint32_t inside;

static void critical(void)
{
    if (__atomic_fetch_add(&inside, 1, __ATOMIC_RELAXED) != 0)
        err();
    uint64_t x = counter;
    for (int i = 0; i < 20; i++)
        __asm__ volatile("pause");
    counter = x + 1;
    __atomic_fetch_sub(&inside, 1, __ATOMIC_RELAXED);
}

static void *excl(void *arg)
{
    long kind = (long)arg;
    for (long i = 0; i < excl_iters[kind]; i++) {
        if (kind == 0) {
            if (mn_mutex_lock(&mtx) != 0)
                err();
            critical();
            if (mn_mutex_unlock(&mtx) != 0)
                err();
            if (i % 8 == 0)
                mn_yield();
        } else if (kind == 1) {
            mn_spin_lock(&spin);
            critical();
            mn_spin_unlock(&spin);
        } else if (kind == 2) {
            struct mn_mcs_node me;
            mn_mcs_lock(&mcs, &me);
            critical();
            mn_mcs_unlock(&mcs, &me);
        } else { /* the control: no lock */
            uint64_t x = counter;
            for (int k = 0; k < 20; k++)
                __asm__ volatile("pause");
            counter = x + 1;
        }
    }
    return (void *)(kind + 100);
}

static uint32_t seen_vps;

static uint64_t run_all(void *(*fn)(void *), void *arg, int n)
{
    mn_t t[NSTRANDS];
    counter = 0;
    for (int i = 0; i < n; i++)
        CHECK_EQ(mn_create(&t[i], fn, arg), 0);
    for (int i = 0; i < n; i++) {
        seen_vps |= mn_vps_seen(t[i]);
        void *r = 0;
        CHECK_EQ(mn_join(t[i], &r), 0);
        if (fn == excl)
            CHECK_EQ((long)r, (long)arg + 100);
    }
    return counter;
}

/* ---- bounded buffer on condition variables ---- */
#define BUF   4
#define NPROD 3
#define NCONS 3
static mn_mutex_t bm = MN_MUTEX_INIT;
static mn_cond_t notfull = MN_COND_INIT, notempty = MN_COND_INIT;
static long buf[BUF], bhead, bcount;
static uint8_t got[NPROD * 2000];

static void *producer(void *arg)
{
    long p = (long)arg;
    for (long i = 0; i < iters; i++) {
        mn_mutex_lock(&bm);
        while (bcount == BUF)
            if (mn_cond_wait(&notfull, &bm) != 0)
                err();
        buf[(bhead + bcount++) % BUF] = p * iters + i;
        mn_cond_signal(&notempty);
        mn_mutex_unlock(&bm);
    }
    return 0;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (;;) {
        mn_mutex_lock(&bm);
        while (bcount == 0)
            mn_cond_wait(&notempty, &bm);
        long v = buf[bhead];
        bhead = (bhead + 1) % BUF;
        bcount--;
        mn_cond_signal(&notfull);
        mn_mutex_unlock(&bm);
        if (v < 0)
            return 0;
        if (v >= (long)sizeof got || __atomic_fetch_add(&got[v], 1, __ATOMIC_RELAXED) != 0)
            err();
    }
}

/* ---- semaphores ---- */
static mn_sem_t ping, pong, pool;
static uint32_t holders;

static void *pinger(void *arg)
{
    (void)arg;
    for (long i = 0; i < iters; i++) {
        mn_sem_post(&ping);
        mn_sem_wait(&pong);
    }
    return 0;
}

static void *ponger(void *arg)
{
    (void)arg;
    for (long i = 0; i < iters; i++) {
        mn_sem_wait(&ping);
        mn_sem_post(&pong);
    }
    return 0;
}

static void *pool_user(void *arg)
{
    (void)arg;
    for (long i = 0; i < iters / 4; i++) {
        mn_sem_wait(&pool);
        if (__atomic_add_fetch(&holders, 1, __ATOMIC_RELAXED) > 2)
            err();
        for (int k = 0; k < 50; k++)
            __asm__ volatile("pause");
        __atomic_sub_fetch(&holders, 1, __ATOMIC_RELAXED);
        mn_sem_post(&pool);
        mn_yield();
    }
    return 0;
}

/* ---- barriers ---- */
static pthread_barrier_t pb;
static struct {
    uint64_t v;
} __attribute__((aligned(64))) episode[NSTRANDS];
static uint64_t serial, bar_eps, bar_base;

static void *bar_strand(void *arg)
{
    long id = (long)arg;
    for (uint64_t ep = bar_base + 1; ep <= bar_base + bar_eps; ep++) {
        __atomic_store_n(&episode[id].v, ep, __ATOMIC_RELAXED);
        int r = pthread_barrier_wait(&pb);
        if (r == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED);
        else if (r != 0)
            err();
        for (int j = 0; j < NSTRANDS; j++)
            if (__atomic_load_n(&episode[j].v, __ATOMIC_RELAXED) < ep)
                err();
    }
    return 0;
}

static void *bar_outsider(void *arg)
{
    (void)arg;
    return (void *)(long)pthread_barrier_wait(&pb);
}

/* ---- bad inputs from strands ---- */
static void *bad_calls(void *arg)
{
    (void)arg;
    long r = 0;
    if (mn_stop() != EPERM)
        r |= 1;
    if (mn_join(mn_self(), 0) != EDEADLK)
        r |= 2;
    if (mn_mutex_unlock(&mtx) != EPERM) /* held by main */
        r |= 4;
    if (mn_mutex_trylock(&mtx) != EBUSY)
        r |= 8;
    mn_mutex_t m2 = MN_MUTEX_INIT;
    mn_cond_t c2 = MN_COND_INIT;
    if (mn_cond_wait(&c2, &m2) != EPERM) /* not holding m2 */
        r |= 16;
    if (mn_mutex_lock(&m2) != 0 || mn_mutex_lock(&m2) != EDEADLK ||
        mn_mutex_destroy(&m2) != EBUSY || mn_mutex_unlock(&m2) != 0 || mn_mutex_destroy(&m2) != 0)
        r |= 32;
    return (void *)r;
}

static void *quick(void *arg)
{
    return arg;
}

int main(void)
{
    struct sys_info si;
    CHECK_EQ(sys_sysinfo(&si), 0);
    long ncpu = (long)si.ncpu;

    /* Bad inputs before the start. */
    mn_t t;
    CHECK_EQ(mn_create(&t, quick, 0), EINVAL);
    CHECK_EQ(mn_stop(), EINVAL);
    CHECK_EQ(mn_start(0), EINVAL);
    CHECK_EQ(mn_start(MN_MAX_VPS + 1), EINVAL);
    CHECK_EQ(mn_self() == 0, 1);
    CHECK_EQ(mn_sem_init(&ping, 1, 0), -1);
    CHECK_EQ(mn_sem_init(&ping, 0, MN_SEM_VALUE_MAX + 1U), -1);
    pthread_barrierattr_t ba;
    CHECK_EQ(pthread_barrierattr_init(&ba), 0);
    CHECK_EQ(pthread_barrierattr_setkind_np(&ba, BAR_KINDS), EINVAL);
    CHECK_EQ(pthread_barrierattr_setkind_np(&ba, -1), EINVAL);
    CHECK_EQ(pthread_barrier_init(&pb, &ba, 0), EINVAL);
    CHECK_EQ(pthread_barrier_init(&pb, &ba, BAR_MAX_THREADS + 1), EINVAL);
    CHECK_EQ(pthread_barrier_wait(&pb), EINVAL); /* never initialized */

    CHECK_EQ(mn_start(NVP), 0);
    CHECK_EQ(mn_start(NVP), EINVAL);
    CHECK_EQ(mn_nvp(), NVP);
    CHECK_EQ(mn_self() != 0, 1);

    /* Bad calls from a strand; the creation and join of many. */
    CHECK_EQ(mn_mutex_lock(&mtx), 0);
    CHECK_EQ(mn_mutex_lock(&mtx), EDEADLK);
    CHECK_EQ(mn_create(&t, bad_calls, 0), 0);
    void *r = (void *)1;
    CHECK_EQ(mn_stop(), EBUSY);
    CHECK_EQ(mn_join(t, &r), 0);
    CHECK_EQ((long)r, 0);
    CHECK_EQ(mn_join(t, &r), EINVAL); /* already joined */
    CHECK_EQ(mn_join(0, &r), EINVAL);
    CHECK_EQ(mn_join((mn_t)&r, &r), EINVAL); /* not a strand */
    CHECK_EQ(mn_mutex_unlock(&mtx), 0);
    CHECK_EQ(mn_mutex_unlock(&mtx), EPERM);
    mn_t many[MN_MAX_STRANDS];
    int made = 0;
    while (made < MN_MAX_STRANDS && mn_create(&many[made], quick, (void *)(long)made) == 0)
        made++;
    CHECK_EQ(made, MN_MAX_STRANDS - 1); /* the table's size, less main */
    CHECK_EQ(mn_create(&t, quick, 0), EAGAIN);
    CHECK_EQ(mn_detach(many[0]), 0);
    CHECK_EQ(mn_detach(many[0]), EINVAL);
    CHECK_EQ(mn_join(many[0], 0), EINVAL); /* detached */
    for (int i = 1; i < made; i++) {
        CHECK_EQ(mn_join(many[i], &r), 0);
        CHECK_EQ((long)r, i);
    }

    /* Mutual exclusion. */
    static const char *const names[] = {"mutex", "spinlock (backoff)", "MCS lock"};
    for (long k = 0; k < 3; k++) {
        errors = 0;
        struct sys_info s0, s1;
        sys_sysinfo(&s0);
        CHECK_EQ(run_all(excl, (void *)k, NSTRANDS), (uint64_t)NSTRANDS * excl_iters[k]);
        sys_sysinfo(&s1);
        CHECK_EQ(errors, 0);
        printf("t_mn: %s: %d strands x %ld increments, none lost (%lu ticks)\n", names[k], NSTRANDS,
               excl_iters[k], (unsigned long)(s1.ticks - s0.ticks));
    }
    uint64_t lost = (uint64_t)NSTRANDS * iters - run_all(excl, (void *)3, NSTRANDS);
    printf("t_mn: without a lock, %lu of %lu increments lost (strands ran at once)\n",
           (unsigned long)lost, (unsigned long)(NSTRANDS * iters));

    /* Condition variables: every item consumed exactly once. */
    errors = 0;
    mn_t prod[NPROD], cons[NCONS];
    for (int i = 0; i < NCONS; i++)
        CHECK_EQ(mn_create(&cons[i], consumer, 0), 0);
    for (int i = 0; i < NPROD; i++)
        CHECK_EQ(mn_create(&prod[i], producer, (void *)(long)i), 0);
    for (int i = 0; i < NPROD; i++)
        CHECK_EQ(mn_join(prod[i], 0), 0);
    for (int i = 0; i < NCONS; i++) { /* one end mark per consumer */
        CHECK_EQ(mn_mutex_lock(&bm), 0);
        while (bcount == BUF)
            CHECK_EQ(mn_cond_wait(&notfull, &bm), 0);
        buf[(bhead + bcount++) % BUF] = -1;
        CHECK_EQ(mn_cond_signal(&notempty), 0);
        CHECK_EQ(mn_mutex_unlock(&bm), 0);
    }
    for (int i = 0; i < NCONS; i++)
        CHECK_EQ(mn_join(cons[i], 0), 0);
    long missing = 0;
    for (long i = 0; i < NPROD * iters; i++)
        missing += got[i] != 1;
    CHECK_EQ(missing, 0);
    CHECK_EQ(errors, 0);
    CHECK_EQ(mn_cond_destroy(&notfull), 0);
    printf("t_mn: bounded buffer: %d producers, %d consumers, %ld items, each once\n", NPROD, NCONS,
           NPROD * iters);

    /* Semaphores. */
    errors = 0;
    CHECK_EQ(mn_sem_init(&ping, 0, 0), 0);
    CHECK_EQ(mn_sem_init(&pong, 0, 0), 0);
    CHECK_EQ(mn_sem_init(&pool, 0, 2), 0);
    CHECK_EQ(mn_sem_trywait(&ping), -1);
    mn_t a, b;
    CHECK_EQ(mn_create(&a, pinger, 0), 0);
    CHECK_EQ(mn_create(&b, ponger, 0), 0);
    mn_t users[NSTRANDS];
    for (int i = 0; i < NSTRANDS - 2; i++)
        CHECK_EQ(mn_create(&users[i], pool_user, 0), 0);
    CHECK_EQ(mn_join(a, 0), 0);
    CHECK_EQ(mn_join(b, 0), 0);
    for (int i = 0; i < NSTRANDS - 2; i++)
        CHECK_EQ(mn_join(users[i], 0), 0);
    int v = -1;
    CHECK_EQ(mn_sem_getvalue(&pool, &v), 0);
    CHECK_EQ(v, 2);
    CHECK_EQ(mn_sem_getvalue(&ping, &v), 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(errors, 0);
    CHECK_EQ(mn_sem_destroy(&pool), 0);
    printf("t_mn: semaphores: %ld ping-pongs, a pool of 2 never over-held\n", iters);

    /* pthread_barrier_* with each algorithm: no strand passes early. */
#ifdef MN_BAR_EPISODES
    bar_eps = MN_BAR_EPISODES; /* make barrier-smp (built as mn_barrier_smp) */
#else
    bar_eps = 200;
#endif
    for (int k = 0; k < BAR_KINDS; k++) {
        errors = serial = 0;
        CHECK_EQ(pthread_barrierattr_setkind_np(&ba, k), 0);
        CHECK_EQ(pthread_barrier_init(&pb, &ba, NSTRANDS), 0);
        mn_t bs[NSTRANDS];
        for (long i = 0; i < NSTRANDS; i++)
            CHECK_EQ(mn_create(&bs[i], bar_strand, (void *)i), 0);
        for (int i = 0; i < NSTRANDS; i++)
            CHECK_EQ(mn_join(bs[i], 0), 0);
        CHECK_EQ(errors, 0);
        CHECK_EQ(serial, bar_eps);
        CHECK_EQ(mn_create(&t, bar_outsider, 0), 0); /* a ninth strand */
        CHECK_EQ(mn_join(t, &r), 0);
        CHECK_EQ((long)r, EINVAL);
        CHECK_EQ(pthread_barrier_destroy(&pb), 0);
        CHECK_EQ(pthread_barrier_destroy(&pb), EINVAL);
        printf("t_mn: pthread_barrier (%s): %d strands, %lu episodes, none early\n",
               barrier_name((enum bar_kind)k), NSTRANDS, (unsigned long)bar_eps);
        bar_base += bar_eps;
    }

    int vps = 0;
    for (int i = 0; i < NVP; i++)
        vps += (seen_vps >> i) & 1;
    struct mn_stats st;
    mn_get_stats(&st);
    CHECK_EQ(mn_stop(), 0);
    CHECK_EQ(mn_vp_index(), 0);
    CHECK_EQ(mn_stop(), EINVAL);
    /* Again, on two VPs. */
    CHECK_EQ(mn_start(2), 0);
    CHECK_EQ(mn_create(&t, quick, (void *)7L), 0);
    CHECK_EQ(mn_join(t, &r), 0);
    CHECK_EQ((long)r, 7);
    CHECK_EQ(mn_stop(), 0);
    printf("t_mn: %d VPs on %ld CPUs; strands ran on %d of them; %lu switches; %d failed checks\n",
           NVP, ncpu, vps, (unsigned long)st.switches, check_failures);
    return check_failures;
}
