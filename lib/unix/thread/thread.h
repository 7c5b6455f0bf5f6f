/* The thread package of the Unix library OS: user-level threads ("strands")
 * inside one env, scheduled by the library in the env's own time slots, and
 * pthreads-like synchronization on top of them.
 *
 * Scheduling. Strands run one at a time on the env's CPU. A strand runs
 * until it blocks, yields or exits, or until its env's time slot ends: at
 * the epilogue upcall the library saves the interrupted strand's full
 * context (the upcall frame, plus the FPU/SSE state with fxsave), puts it
 * at the tail of the run queue, gives the slot back with sys_yield(-1) and,
 * when the env's next slot begins, switches to the strand at the head of
 * the run queue (round robin). When no strand is runnable the library
 * yields the env's slots until one is.
 *
 * The library owns the env's UPCALL_EPILOGUE entry from the first
 * strand_create (or pthread_create) on; it installs no prologue handler.
 *
 * Strand operations (the library OS's primitives):
 *   strand_create / strand_exit / strand_join / strand_yield / strand_self
 *   strand_block / strand_unblock  a per-strand wake-up token: unblock
 *       wakes a strand sleeping in strand_block, or, if it is not sleeping
 *       there, makes its next strand_block return at once (no lost
 *       wake-ups). Waits on mutexes, condition variables, semaphores and
 *       joins are not affected by strand_unblock.
 *   strand_checkpoint / strand_resume  like setjmp/longjmp, across strands:
 *       a checkpoint saves the calling strand's registers; resuming it
 *       makes that strand continue from the checkpoint (strand_checkpoint
 *       then returns the value given to strand_resume). The caller itself
 *       jumps there at once; another strand (ready, or asleep in
 *       strand_block) continues from the checkpoint the next time it runs.
 *       Only the registers are saved, not the stack: the function that took
 *       the checkpoint must not have returned in between.
 *
 * Not thread-safe by itself: malloc/free (lib/c/malloc.c). The library's
 * own calls are made with preemption off; strands that call malloc
 * themselves must do it inside strand_preempt_off()/on().
 */
#ifndef LIBUNIX_THREAD_H
#define LIBUNIX_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <spinel/exo.h>

/* POSIX error numbers (Linux values) returned by the pthread_* calls. */
#include <spinel/pthread_errno.h>

/* ---- strands ---- */

struct strand; /* private to thread.c */
typedef struct strand *strand_t;

/* The saved registers of a strand (see thread.c for the FPU modes). */
struct strand_ctx {
    struct upcall_frame f; /* general registers, rip, rflags, rsp */
    uint32_t np;           /* the "no preemption" flag to set when resuming */
    uint32_t fpu;          /* FPU_NONE, FPU_CTRL (fcw + mxcsr) or FPU_FULL (fxsave area) */
    uint32_t mxcsr;        /* FPU_CTRL */
    uint16_t fcw;          /* FPU_CTRL */
    uint16_t pad;
    void *fx; /* FPU_FULL: a 512-byte, 16-aligned fxsave area */
};

typedef struct strand_checkpoint {
    struct strand_ctx ctx;
    strand_t owner; /* the strand that took it */
} strand_checkpoint_t;

enum strand_state {
    STRAND_RUNNING = 1,
    STRAND_READY = 2,   /* in the run queue */
    STRAND_BLOCKED = 3, /* in strand_block, or waiting on a sync object or a join */
    STRAND_ZOMBIE = 4,  /* exited, not yet joined */
};

#define STRAND_STACK_DEFAULT (64 * 1024)

/* Creates a strand running fn(arg) on a malloc'd stack of stack_size bytes
 * (0: STRAND_STACK_DEFAULT); 0 and *out, or EAGAIN / ENOMEM / EINVAL. */
int strand_create(strand_t *out, size_t stack_size, void *(*fn)(void *), void *arg);
__attribute__((noreturn)) void strand_exit(void *ret);
/* Waits for t to exit, frees it and stores its value in *ret (if ret). */
int strand_join(strand_t t, void **ret);
/* t's resources are freed when it exits; it cannot be joined. */
int strand_detach(strand_t t);
strand_t strand_self(void);
/* Moves the caller behind the other runnable strands (if any). */
void strand_yield(void);
/* Whether another strand is ready to run (a library OS call that must wait
 * lets it run instead of putting the whole env to sleep). */
int strand_others_ready(void);
void strand_block(void);
int strand_unblock(strand_t t); /* 0, or ESRCH if t has exited */
enum strand_state strand_state(strand_t t);
/* 0 when taking the checkpoint, val (never 0: 0 becomes 1) when resumed. */
long strand_checkpoint(strand_checkpoint_t *cp) __attribute__((returns_twice));
/* Resumes cp's owner at cp. For the caller's own checkpoint this does not
 * return; otherwise 0, ESRCH (the owner has exited) or EBUSY (the owner
 * waits on a mutex, condition variable, semaphore or join). A checkpoint
 * must not be used once its owner has been joined (its memory is freed). */
int strand_resume(strand_checkpoint_t *cp, long val);

/* Critical sections for code outside the library (e.g. around malloc):
 * while preemption is off the running strand is never switched out at a
 * slot's end (the slot is still given back on time). They nest. */
void strand_preempt_off(void);
void strand_preempt_on(void);

struct strand_stats {
    unsigned long created;     /* strands created */
    unsigned long switches;    /* context switches (voluntary and preemptive) */
    unsigned long preemptions; /* strands switched out at a slot's end */
    unsigned long deferred;    /* slot ends that found preemption off */
    unsigned long idle_yields; /* slots given back with no strand runnable */
    unsigned long redone;      /* preemptions that landed in a switch's restore code */
};
const volatile struct strand_stats *strand_stats(void);

/* ---- pthreads-like interface ---- */

typedef strand_t pthread_t;
typedef struct {
    size_t stacksize; /* 0: default */
    int detached;
} pthread_attr_t;
#define PTHREAD_CREATE_JOINABLE 0
#define PTHREAD_CREATE_DETACHED 1

int pthread_attr_init(pthread_attr_t *a);
int pthread_attr_destroy(pthread_attr_t *a);
int pthread_attr_setstacksize(pthread_attr_t *a, size_t size);
int pthread_attr_setdetachstate(pthread_attr_t *a, int state);
int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
int pthread_join(pthread_t t, void **ret);
int pthread_detach(pthread_t t);
__attribute__((noreturn)) void pthread_exit(void *ret);
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);
int pthread_yield(void);
int sched_yield(void);

/* A FIFO of waiting strands. */
struct strand_queue {
    struct strand *head, *tail;
};

/* Mutexes are error-checking: relocking returns EDEADLK, unlocking a mutex
 * the caller does not hold EPERM. Unlock hands the mutex to the first
 * waiter (FIFO, no barging). */
typedef struct {
    struct strand *owner; /* NULL when unlocked */
    struct strand_queue waiters;
} pthread_mutex_t;
typedef struct {
    int unused;
} pthread_mutexattr_t;
#define PTHREAD_MUTEX_INITIALIZER                                                                  \
    {                                                                                              \
        0,                                                                                         \
        {                                                                                          \
            0, 0                                                                                   \
        }                                                                                          \
    }

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr);
int pthread_mutex_destroy(pthread_mutex_t *m); /* EBUSY if locked */
int pthread_mutex_lock(pthread_mutex_t *m);
int pthread_mutex_trylock(pthread_mutex_t *m); /* EBUSY if held */
int pthread_mutex_unlock(pthread_mutex_t *m);

/* Condition variables: signal wakes the longest waiter, broadcast all;
 * there are no spurious wake-ups (but callers should loop anyway). */
typedef struct {
    struct strand_queue waiters;
} pthread_cond_t;
typedef struct {
    int unused;
} pthread_condattr_t;
#define PTHREAD_COND_INITIALIZER                                                                   \
    {                                                                                              \
        {                                                                                          \
            0, 0                                                                                   \
        }                                                                                          \
    }

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr);
int pthread_cond_destroy(pthread_cond_t *c); /* EBUSY if strands wait */
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int pthread_cond_signal(pthread_cond_t *c);
int pthread_cond_broadcast(pthread_cond_t *c);

/* Counting semaphores. As in POSIX these return 0 or -1 (libc has no errno
 * yet: -1 from sem_trywait means EAGAIN, from the others EINVAL / EBUSY).
 * sem_post hands the unit straight to the longest waiter. */
typedef struct {
    unsigned int value;
    struct strand_queue waiters;
} sem_t;
#define SEM_VALUE_MAX 0x7fffffffU

int sem_init(sem_t *s, int pshared, unsigned int value); /* pshared must be 0 */
int sem_destroy(sem_t *s);
int sem_wait(sem_t *s);
int sem_trywait(sem_t *s);
int sem_post(sem_t *s);
int sem_getvalue(sem_t *s, int *value);

#endif
