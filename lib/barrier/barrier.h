/* Barriers for threads that share memory (lib/barrier): the algorithms of
 * Mellor-Crummey and Scott's "Algorithms for scalable synchronization on
 * shared-memory multiprocessors" (1991):
 *
 *   BAR_SENSE   centralized, sense-reversing: one counter, one sense flag;
 *               every thread spins on the same flag.
 *   BAR_DISSEM  dissemination: ceil(log2 p) rounds; in round k thread i
 *               signals thread (i + 2^k) mod p and waits for its own flag.
 *   BAR_TOURN   tournament: static pairings; the loser of each match tells
 *               the winner and waits to be woken; the champion (thread 0)
 *               wakes the losers it beat, and each woken thread those it beat.
 *   BAR_MCS     MCS tree: arrival up a 4-ary tree (each node waits for its
 *               children's flags), wake-up down a binary tree.
 *
 * A struct barrier lives in memory every thread maps (at any address: it
 * holds no pointers); a thread passes its own index (0 .. p-1) to each
 * wait, and keeps nothing of its own outside the struct. The flags a
 * thread spins on are written by one other thread each (except the
 * centralized barrier's, by the last arriver), and each thread's own state
 * is on cache lines of its own.
 *
 * Memory ordering: every flag store is a release and every spin load an
 * acquire (__atomic), so what a thread wrote before a barrier is visible to
 * every thread after it. On x86-TSO these compile to plain moves (TSO keeps
 * stores in order and loads in order, and never moves a load above an
 * earlier load or a store above an earlier access); the one read-modify-
 * write (the centralized counter) is a locked instruction. No barrier needs
 * an mfence: none depends on a load not passing an earlier store to
 * another location (the store-buffering case, docs/design.md). */
#ifndef LIB_BARRIER_H
#define LIB_BARRIER_H

#include <stdint.h>

#define BAR_MAX_THREADS 16
#define BAR_ROUNDS      4 /* ceil(log2(BAR_MAX_THREADS)) */

enum bar_kind { BAR_SENSE, BAR_DISSEM, BAR_TOURN, BAR_MCS, BAR_KINDS };

struct bar_local { /* one thread's state, on its own cache line */
    uint32_t sense;
    uint32_t parity;               /* dissemination */
    uint32_t flags[2][BAR_ROUNDS]; /* dissemination: set by a partner */
    uint32_t arrived;              /* tournament: set by this thread as a loser */
    uint32_t woken;                /* tournament: set by the thread that beat it */
    uint32_t child_not_ready[4];   /* MCS: cleared by each child on arrival */
    uint32_t have_child[4];        /* MCS: which children exist */
    uint32_t parent_sense;         /* MCS: set by its wake-up parent */
} __attribute__((aligned(64)));

struct barrier {
    uint32_t kind, p, rounds;
    uint32_t magic;                              /* BAR_MAGIC once initialized */
    uint32_t count __attribute__((aligned(64))); /* centralized */
    uint32_t sense;                              /* centralized */
    struct bar_local local[BAR_MAX_THREADS] __attribute__((aligned(64)));
};
#define BAR_MAGIC 0xba77ae75u

/* Initializes b for p threads (1 .. BAR_MAX_THREADS) with algorithm kind,
 * before any thread waits on it. 0, or -1 if p or kind is out of range. */
int barrier_init(struct barrier *b, enum bar_kind kind, uint32_t p);
/* Thread id (0 .. p-1) waits until all p threads have called it for this
 * episode. 0, or -1 (nothing done) if b is not initialized or id >= p. */
int barrier_wait(struct barrier *b, uint32_t id);
/* This thread calls fn every `every` turns of a spin loop (0 or NULL: never):
 * on a machine with fewer CPUs than threads, fn yields the CPU. */
void barrier_set_relax(void (*fn)(void), uint32_t every);
const char *barrier_name(enum bar_kind kind);

#endif
