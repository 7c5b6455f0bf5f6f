/* Barriers (lib/barrier): see barrier.h. Written from the descriptions in
 * Mellor-Crummey and Scott (1991). */
#include "barrier.h"

static void (*relax_fn)(void); /* per process (per env): not in the shared struct */
static uint32_t relax_every;

void barrier_set_relax(void (*fn)(void), uint32_t every)
{
    relax_fn = fn;
    relax_every = every;
}

const char *barrier_name(enum bar_kind kind)
{
    static const char *const names[BAR_KINDS] = {"sense-reversing", "dissemination", "tournament",
                                                 "MCS tree"};
    return (unsigned)kind < BAR_KINDS ? names[kind] : "?";
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__)
    __asm__ volatile("pause");
#endif
}

/* Spins until *p == v (acquire). */
static void spin_until(const uint32_t *p, uint32_t v)
{
    uint32_t n = 0;
    while (__atomic_load_n(p, __ATOMIC_ACQUIRE) != v) {
        cpu_relax();
        if (relax_fn && relax_every && ++n % relax_every == 0)
            relax_fn();
    }
}

static inline void set(uint32_t *p, uint32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

int barrier_init(struct barrier *b, enum bar_kind kind, uint32_t p)
{
    if (!b || p == 0 || p > BAR_MAX_THREADS || (unsigned)kind >= BAR_KINDS)
        return -1;
    uint8_t *z = (uint8_t *)b;
    for (unsigned long i = 0; i < sizeof *b; i++)
        z[i] = 0;
    b->kind = kind;
    b->p = p;
    b->rounds = 0;
    while ((1u << b->rounds) < p)
        b->rounds++;
    b->count = p;
    b->sense = 0;
    for (uint32_t i = 0; i < p; i++) {
        struct bar_local *l = &b->local[i];
        l->sense = 1; /* the value that means "this episode" for every flag */
        for (uint32_t j = 0; j < 4; j++)
            l->have_child[j] = l->child_not_ready[j] = 4 * i + j + 1 < p;
    }
    __atomic_store_n(&b->magic, BAR_MAGIC, __ATOMIC_RELEASE);
    return 0;
}

static void wait_sense(struct barrier *b, struct bar_local *l)
{
    uint32_t s = l->sense;
    if (__atomic_fetch_sub(&b->count, 1, __ATOMIC_ACQ_REL) == 1) {
        b->count = b->p; /* (nobody touches it until the flag flips) */
        set(&b->sense, s);
    } else {
        spin_until(&b->sense, s);
    }
    l->sense = !s;
}

static void wait_dissem(struct barrier *b, uint32_t id, struct bar_local *l)
{
    uint32_t s = l->sense, par = l->parity;
    for (uint32_t k = 0; k < b->rounds; k++) {
        uint32_t partner = (id + (1u << k)) % b->p;
        set(&b->local[partner].flags[par][k], s);
        spin_until(&l->flags[par][k], s);
    }
    if (par == 1)
        l->sense = !s;
    l->parity = 1 - par;
}

static void wait_tourn(struct barrier *b, uint32_t id, struct bar_local *l)
{
    uint32_t s = l->sense, k;
    for (k = 1; k < b->p; k <<= 1) {
        if (id & k) { /* loses this round to id - k: tell it, wait to be woken */
            set(&l->arrived, s);
            spin_until(&l->woken, s);
            break;
        }
        if (id + k < b->p) /* wins against id + k once that one has arrived */
            spin_until(&b->local[id + k].arrived, s);
        /* (else a bye) */
    }
    /* The champion (id 0, k >= p), or a loser at round k now woken: wake
     * the ones it beat, top round first. */
    for (k >>= 1; k >= 1; k >>= 1)
        if (id + k < b->p)
            set(&b->local[id + k].woken, s);
    l->sense = !s;
}

static void wait_mcs(struct barrier *b, uint32_t id, struct bar_local *l)
{
    uint32_t s = l->sense;
    for (uint32_t j = 0; j < 4; j++) /* arrival: all my children (4-ary tree) */
        spin_until(&l->child_not_ready[j], 0);
    for (uint32_t j = 0; j < 4; j++) /* ready for the next episode (they wait for our wake-up) */
        l->child_not_ready[j] = l->have_child[j];
    if (id != 0) {
        set(&b->local[(id - 1) / 4].child_not_ready[(id - 1) % 4], 0);
        spin_until(&l->parent_sense, s); /* wake-up down the binary tree */
    }
    if (2 * id + 1 < b->p)
        set(&b->local[2 * id + 1].parent_sense, s);
    if (2 * id + 2 < b->p)
        set(&b->local[2 * id + 2].parent_sense, s);
    l->sense = !s;
}

int barrier_wait(struct barrier *b, uint32_t id)
{
    if (!b || __atomic_load_n(&b->magic, __ATOMIC_ACQUIRE) != BAR_MAGIC || id >= b->p)
        return -1;
    struct bar_local *l = &b->local[id];
    switch (b->kind) {
    case BAR_SENSE:
        wait_sense(b, l);
        break;
    case BAR_DISSEM:
        wait_dissem(b, id, l);
        break;
    case BAR_TOURN:
        wait_tourn(b, id, l);
        break;
    default:
        wait_mcs(b, id, l);
        break;
    }
    return 0;
}
