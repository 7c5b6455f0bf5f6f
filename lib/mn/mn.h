/* lib/mn: M:N threads. Strands (user-level threads) of one program run on
 * several CPUs at once, over virtual processors (VPs), each an env with its
 * time slot on one CPU (sys_slot_alloc_on).
 *
 * Why envs: the kernel runs an env on one CPU at a time (one context), so a
 * program that wants to run on n CPUs at once needs n contexts. mn_start
 * makes n - 1 more envs that share the caller's memory: every frame the
 * caller has mapped (code, data, bss, stack, heap so far) is mapped in each
 * VP at the same address with the same permissions (a copy of the frame
 * capability, MMU_COPY), except libexo's private stacks, which each VP gets
 * fresh. VP 0 is the caller's own env. Each VP runs a scheduler loop that
 * takes strands from one shared run queue (FIFO, under a spinlock); a strand
 * runs until it blocks, yields or exits (strands are not preempted: the
 * kernel preempts the VP env as a whole at its slot's end, and resumes it
 * where it was), and may go on on any VP next time.
 *
 * What is and is not shared: memory mapped before mn_start is; memory a VP
 * maps afterwards is that VP's alone, so malloc (which grows its heap on
 * demand, and is not locked) must not be used by strands. Kernel objects
 * are per env: a kernel call made by a strand uses the capability table of
 * the VP it runs on (mn_vp_index says which); the test programs make none.
 *
 * Blocking: a strand that waits (mutex, condition variable, semaphore,
 * join) is put on the object's wait queue under the object's spinlock and
 * switches to its VP's scheduler context, which releases that spinlock only
 * once the strand's registers are saved; a waker takes the same spinlock to
 * take it off the queue. So a wake-up can neither be lost (it finds the
 * strand on the queue) nor run a strand whose context is still being saved.
 * Lock order: a condition variable's lock, then a mutex's, then the run
 * queue's. A strand never waits while it holds one of the library's
 * spinlocks.
 *
 * Idle VPs spin on the run queue with exponential backoff (pause), and give
 * their slot back (sys_yield) between rounds, so a VP that shares a CPU with
 * others (fewer CPUs than VPs) does not hold it. Spinlocks do the same when
 * the holder may be a VP the kernel has preempted.
 *
 * Errors: the mn_* calls return 0 or a POSIX error number (EINVAL, EPERM,
 * EDEADLK, EBUSY, EAGAIN, ESRCH); mn_sem_* return 0 or -1 as POSIX's do. */
#ifndef LIB_MN_H
#define LIB_MN_H

#include <stddef.h>
#include <stdint.h>
#include "../barrier/barrier.h"

#include <spinel/pthread_errno.h>

#define MN_MAX_VPS     8
#define MN_MAX_STRANDS 64
#define MN_STACK_SIZE  (16 * 1024) /* each strand's stack (mapped by mn_start, shared) */

/* ---- spinlocks (usable without mn_start, by any code sharing memory) ---- */

/* Test-and-test-and-set with exponential backoff: a waiter reads the word
 * until it looks free (the line stays in its cache), then tries one
 * exchange; after each failed try it pauses twice as long as before (up to
 * MN_BACKOFF_MAX pauses), and at the cap gives its slot back every few
 * rounds (the holder may be a preempted env). Not fair. */
typedef struct {
    uint32_t v; /* 0 free, 1 held */
} mn_spin_t;
#define MN_SPIN_INIT                                                                               \
    {                                                                                              \
        0                                                                                          \
    }
#define MN_BACKOFF_MAX 1024
void mn_spin_lock(mn_spin_t *l);
int mn_spin_trylock(mn_spin_t *l); /* 1 if taken */
void mn_spin_unlock(mn_spin_t *l);

/* MCS queue lock with a stealable lock word (as Linux's paravirtual
 * queued spinlocks): waiters queue in FIFO order on their own nodes, each
 * spinning on its own node's flag (one cache line each); only the queue's
 * head spins on the lock word, and when it takes the word it makes the next
 * waiter the head (one remote write). Unlock only clears the word: the lock
 * is not handed to a particular waiter, so a waiter whose VP the kernel has
 * preempted does not hold up the lock until its VP's next slot (a plain MCS
 * lock hands the lock to it, and everyone waits; at SMP=2 that made 1,000
 * increments a strand take 16 s of guest time against 0.03 s for the
 * backoff spinlock). A strand that finds the word free takes it without
 * queuing, before the head if it comes first: not strictly FIFO. The node
 * is the caller's, in memory every contender can write (a strand's stack
 * is), and must stay put until mn_mcs_lock returns. */
struct mn_mcs_node {
    struct mn_mcs_node *next;
    uint32_t locked;
} __attribute__((aligned(64)));
typedef struct {
    uint32_t held;            /* the lock word: 1 while someone holds the lock */
    struct mn_mcs_node *tail; /* the last waiter, NULL when none waits */
} mn_mcs_t;
#define MN_MCS_INIT                                                                                \
    {                                                                                              \
        0, 0                                                                                       \
    }
void mn_mcs_lock(mn_mcs_t *l, struct mn_mcs_node *me);
int mn_mcs_trylock(mn_mcs_t *l); /* 1 if taken */
void mn_mcs_unlock(mn_mcs_t *l, struct mn_mcs_node *me);

/* Called by the spinlocks at their backoff cap (default: sys_yield(-1)). */
void mn_relax(void);

/* ---- virtual processors and strands ---- */

struct mn_strand;
typedef struct mn_strand *mn_t;

/* Makes VPs 1 .. nvp - 1, VP i with its one slot on CPU i mod ncpu, sharing
 * the caller's memory; the caller becomes the first strand, on VP 0.
 * The first call maps the strands' stacks (1 MiB, kept until the program
 * ends). 0, EINVAL (nvp 0 or above MN_MAX_VPS, or already started), ENOMEM
 * (no memory for the stacks, or a VP could not be made: everything made so
 * far is undone). */
int mn_start(uint32_t nvp);
/* From the strand that called mn_start, once every other strand has ended
 * (EBUSY otherwise, EPERM from another strand): moves it back to VP 0, ends
 * the other VPs and waits for them. 0, or EAGAIN if a VP did not end well
 * (a strand faulted on it). */
int mn_stop(void);
uint32_t mn_nvp(void);
/* What mn_start does for each VP, for other libraries (lib/lrpc's idle
 * contexts): maps into `env` (an env capability with R_CONTROL, of an env
 * not yet started) every frame the caller has mapped, a copy of its
 * capability at the same address with the same permissions, and fresh
 * frames in libexo's private range. 0 or a negative error. */
long mn_share_memory(uint32_t env);
uint32_t mn_vp_index(void); /* the VP the caller runs on (0 before mn_start) */

int mn_create(mn_t *out, void *(*fn)(void *), void *arg); /* EAGAIN: no free strand */
int mn_join(mn_t t, void **ret); /* EDEADLK (self), EINVAL (detached, already joined) */
int mn_detach(mn_t t);
__attribute__((noreturn)) void mn_exit(void *ret);
mn_t mn_self(void);
void mn_yield(void);
/* Bit i set: the strand has run on VP i. */
uint32_t mn_vps_seen(mn_t t);

struct mn_stats {
    uint64_t switches; /* strand switches, all VPs */
    uint64_t idle;     /* idle rounds of VP scheduler loops */
};
void mn_get_stats(struct mn_stats *out);

/* ---- synchronization (strands only) ---- */

struct mn_queue {
    struct mn_strand *head, *tail;
};

/* Error-checking mutex; unlock hands it to the first waiter (FIFO). */
typedef struct {
    mn_spin_t lock; /* protects owner and waiters */
    struct mn_strand *owner;
    struct mn_queue waiters;
} mn_mutex_t;
#define MN_MUTEX_INIT                                                                              \
    {                                                                                              \
        MN_SPIN_INIT, 0,                                                                           \
        {                                                                                          \
            0, 0                                                                                   \
        }                                                                                          \
    }
int mn_mutex_init(mn_mutex_t *m);
int mn_mutex_destroy(mn_mutex_t *m); /* EBUSY if held or waited on */
int mn_mutex_lock(mn_mutex_t *m);    /* EDEADLK if the caller holds it */
int mn_mutex_trylock(mn_mutex_t *m); /* EBUSY */
int mn_mutex_unlock(mn_mutex_t *m);  /* EPERM if the caller does not hold it */

typedef struct {
    mn_spin_t lock; /* protects waiters */
    struct mn_queue waiters;
} mn_cond_t;
#define MN_COND_INIT                                                                               \
    {                                                                                              \
        MN_SPIN_INIT,                                                                              \
        {                                                                                          \
            0, 0                                                                                   \
        }                                                                                          \
    }
int mn_cond_init(mn_cond_t *c);
int mn_cond_destroy(mn_cond_t *c);             /* EBUSY if strands wait */
int mn_cond_wait(mn_cond_t *c, mn_mutex_t *m); /* EPERM if m is not the caller's */
int mn_cond_signal(mn_cond_t *c);              /* wakes the longest waiter */
int mn_cond_broadcast(mn_cond_t *c);

/* Counting semaphore; post hands its unit straight to the longest waiter. */
typedef struct {
    mn_spin_t lock; /* protects value and waiters */
    uint32_t value;
    struct mn_queue waiters;
} mn_sem_t;
#define MN_SEM_VALUE_MAX 0x7fffffffU
int mn_sem_init(mn_sem_t *s, int pshared, unsigned int value); /* -1: pshared, or too big */
int mn_sem_destroy(mn_sem_t *s);                               /* -1 if strands wait */
int mn_sem_wait(mn_sem_t *s);
int mn_sem_trywait(mn_sem_t *s); /* -1: would wait */
int mn_sem_post(mn_sem_t *s);    /* -1: at MN_SEM_VALUE_MAX */
int mn_sem_getvalue(mn_sem_t *s, int *value);

/* ---- pthread_barrier_* on lib/barrier ----
 * A barrier for `count` strands (1 .. BAR_MAX_THREADS) with one of
 * lib/barrier's algorithms (pthread_barrierattr_setkind_np; default the
 * dissemination barrier). The first `count` distinct strands that wait on
 * it get its thread indices 0 .. count - 1; any other strand gets EINVAL.
 * A waiting strand spins, and yields to the VP's other strands every 16
 * turns (so strands may outnumber VPs). One waiter per episode (index 0)
 * gets PTHREAD_BARRIER_SERIAL_THREAD, the others 0. */
#define PTHREAD_BARRIER_SERIAL_THREAD (-1)
typedef struct {
    int kind; /* enum bar_kind */
} pthread_barrierattr_t;
typedef struct {
    struct barrier bar;
    mn_spin_t lock;                /* protects ids */
    uint64_t ids[BAR_MAX_THREADS]; /* index -> the strand's uid (0: free) */
    uint32_t count, magic;
} pthread_barrier_t;
int pthread_barrierattr_init(pthread_barrierattr_t *a);
int pthread_barrierattr_destroy(pthread_barrierattr_t *a);
int pthread_barrierattr_setkind_np(pthread_barrierattr_t *a, int kind); /* EINVAL */
int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned count);
int pthread_barrier_destroy(pthread_barrier_t *b);
int pthread_barrier_wait(pthread_barrier_t *b);

#endif
