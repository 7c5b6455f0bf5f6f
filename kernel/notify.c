/* Notification objects: doorbells between envs, and the way device
 * interrupts reach a library OS.
 *
 * An object has NOTIFY_CHANNELS channels. Each channel is bound to at most
 * one env with the event bits it wants (sys_notify_bind; a bound channel
 * stays its binder's until it unbinds or ends, unless a holder with
 * R_CONTROL on the object takes it over); ringing the channel
 * (sys_notify_signal, or an interrupt routed to it by sys_dev_irq)
 * ORs those bits into that env's pending events, which it gets as an event
 * upcall or as the end of its sys_block. A ring on an unbound channel (or
 * one whose env has ended) is remembered and delivered by the next bind, so
 * a library OS that checks its condition, binds, checks again and blocks
 * never misses a wake-up.
 *
 * Objects are named by capabilities (CAP_NOTIFY, object = gen << 8 |
 * index); deleting the original frees the object, and its generation
 * changes, so stale routings (a device's) see it gone.
 *
 * Locking: like envs and capabilities, the objects are touched only with
 * interrupts off on the one CPU that runs environments today; the SMP issue
 * puts them under a lock. */
#include "kernel.h"
#include "notify.h"
#include "cap.h"
#include "cpu.h"
#include "env.h"
#include "sched.h"

struct notify_chan {
    u32 env;  /* id of the bound env (0: none) */
    u64 bits; /* what a ring posts to it */
};

struct notify {
    bool used;
    u32 gen;     /* bumps on every reuse */
    u64 pending; /* channels rung while unbound (bit per channel) */
    struct notify_chan chan[NOTIFY_CHANNELS];
};

static struct notify notifies[NNOTIFY];

static struct notify *notify_of(u64 object)
{
    struct notify *n = &notifies[object & 0xff];
    return (object & 0xff) < NNOTIFY && n->used && n->gen == (u32)(object >> 8) ? n : NULL;
}

/* The object behind slot of e, with rights `need`; *rights (if not NULL)
 * gets all the rights of e's capability. */
static inline __attribute__((always_inline)) int notify_get(struct env *e, u64 slot, u8 need,
                                                            struct notify **out, u8 *rights)
{
    int err;
    struct capnode *c = cap_get(e, slot, &err);
    if (!c)
        return err;
    if (c->type != CAP_NOTIFY || (c->rights & need) != need)
        return -E_PERM;
    struct notify *n = notify_of(c->object);
    if (!n)
        return -E_NOENT;
    *out = n;
    if (rights)
        *rights = c->rights;
    return 0;
}

static inline __attribute__((always_inline)) int ring(struct notify *n, u32 chan)
{
    struct env *t = n->chan[chan].env ? env_lookup(n->chan[chan].env) : NULL;
    if (!t) {
        n->chan[chan].env = 0;
        n->pending |= 1UL << chan;
        return 0;
    }
    env_post_event(t, n->chan[chan].bits);
    return 1;
}

int notify_ring(u64 object, u32 chan)
{
    struct notify *n = notify_of(object);
    if (!n || chan >= NOTIFY_CHANNELS)
        return -E_NOENT;
    return ring(n, chan);
}

int notify_object(struct env *e, u64 slot, u8 need, u64 *object)
{
    struct notify *n = NULL;
    int r = notify_get(e, slot, need, &n, NULL);
    if (r < 0)
        return r;
    *object = (u64)n->gen << 8 | (u64)(n - notifies);
    return 0;
}

void notify_release(u64 object)
{
    struct notify *n = notify_of(object);
    if (!n)
        return;
    n->used = false;
    n->gen++;
}

/* sys_notify_create(): see kernel/kcalls.tbl. */
s64 sys_notify_create(void)
{
    struct notify *n = NULL;
    for (int i = 0; i < NNOTIFY && !n; i++)
        if (!notifies[i].used)
            n = &notifies[i];
    if (!n)
        return -E_NOMEM;
    u32 gen = (n->gen + 1) & 0xffffff;
    memset(n, 0, sizeof *n);
    n->gen = gen;
    n->used = true;
    int slot = cap_insert(cpu_env(), CAP_NOTIFY, R_READ | R_WRITE | R_GRANT | R_REVOKE | R_CONTROL,
                          (u64)gen << 8 | (u64)(n - notifies), 0);
    if (slot < 0)
        n->used = false;
    return slot;
}

/* sys_notify_bind(notify, chan, bits): see kernel/kcalls.tbl. */
s64 sys_notify_bind(u64 slot, u64 chan, u64 bits)
{
    struct env *e = cpu_env();
    struct notify *n = NULL;
    u8 rights;
    if (chan >= NOTIFY_CHANNELS)
        return -E_INVAL;
    if (bits > EVENT_USER_MAX)
        return -E_INVAL; /* the kernel's events are the kernel's to raise */
    int r = notify_get(e, slot, R_READ, &n, &rights);
    if (r < 0)
        return r;
    /* A bound channel belongs to its binder until it unbinds or ends:
     * taking it over (or unbinding it) needs R_CONTROL on the object, so a
     * holder with R_READ cannot steal another env's wake-ups. */
    u32 owner = n->chan[chan].env;
    if (owner && owner != e->id && env_lookup(owner) && !(rights & R_CONTROL))
        return -E_BUSY;
    n->chan[chan].env = bits ? e->id : 0;
    n->chan[chan].bits = bits;
    if (bits && (n->pending & (1UL << chan))) {
        n->pending &= ~(1UL << chan);
        return ring(n, (u32)chan);
    }
    return 0;
}

/* sys_notify_signal(notify, chan): see kernel/kcalls.tbl. */
s64 sys_notify_signal(u64 slot, u64 chan)
{
    struct notify *n = NULL;
    if (chan >= NOTIFY_CHANNELS)
        return -E_INVAL;
    int r = notify_get(cpu_env(), slot, R_WRITE, &n, NULL);
    if (r < 0)
        return r;
    r = ring(n, (u32)chan);
    if (r == 1) /* rang an env: the one the caller's next sys_block runs first (sched.c) */
        cpu_env()->wake_hint = n->chan[chan].env;
    return r;
}
