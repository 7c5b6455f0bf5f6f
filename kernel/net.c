/* The network: devices multiplexed among envs by verified packet filters
 * (DPF's role), application-specific handlers run on arrival (ASH), and
 * shared rings (Xok's style): the kernel only decides whose frame it is
 * and whether an env may send one; protocols are the library OS's.
 *
 * A root env opens a device (sys_net_open) and hands copies of its
 * capability to whom it likes. With one (R_READ), an env makes an
 * endpoint: a ring in a block of its own frames, mapped in its address
 * space, and a notification channel to ring when frames arrive
 * (sys_net_endpoint). It attaches `filter/packet` programs to it, each
 * with a declared key (struct net_key), and at most one `ash/packet`
 * handler (sys_net_attach).
 *
 * Receive (net_rx, from a driver): the kernel reads the frame's key fields
 * itself; a filter claims the frame if the frame matches its declared key
 * and its verified program returns nonzero. The conflict rule: filters of
 * different endpoints must have disjoint keys (sys_net_attach refuses one
 * that overlaps another endpoint's with E_BUSY), so at most one endpoint's
 * keys match any frame, and a program can only narrow what its key admits:
 * no filter can claim another env's traffic. Within an endpoint filters
 * run in the order they were attached. A frame no filter claims goes to the
 * device's default endpoint (NETCTL_DEFAULT), or is dropped and counted.
 * The claiming endpoint's ASH, if any, runs first and may consume the frame
 * (and answer it with ash_send) without waking the env; otherwise the frame
 * is copied into the next receive slot (the one copy: the device's buffer
 * to the env's memory) and the channel is rung. A full ring drops the
 * frame, counted against that endpoint only.
 *
 * Transmit (sys_net_tx): the env fills descriptors naming frames in its
 * ring block and makes one call for the batch. Each frame is copied once,
 * into the device's next transmit buffer, and checked there (so the env
 * cannot change it after the check); it is sent only if its source MAC is
 * the device's and its
 * source addresses are the endpoint's own: swapping source and destination
 * must give a frame one of its filter keys admits (the same Ethernet type,
 * IP protocol, source address as the key's address, source port as the
 * key's port). An env can only send from the addresses it receives on.
 *
 * The loopback device (NETIF_LO) delivers what is sent on it to its own
 * filters, after the descriptor that sent it: the path is tested in the
 * guest without a network card. At most LO_BUDGET frames are delivered per
 * call (two handlers answering each other forever are cut off, counted).
 *
 * Locking: net_lock protects ifs[], eps[], the loopback queue and the ASH
 * buffers; kernel code runs with interrupts off, so a driver's interrupt
 * handler takes it like a kernel call does. Filters and handlers run with
 * it held; ash_send (their only way out) does not take it again. */
#include "kernel.h"
#include "net.h"
#include "ext.h"
#include "env.h"
#include "cap.h"
#include "cpu.h"
#include "notify.h"
#include "pmem.h"
#include "spinlock.h"
#include "uaccess.h"
#include "arch/x86_64/x86.h"
#include "../ext/ext_ctx.h"
#include "../ext/hooks.h"

#define NEP        16 /* endpoints, system-wide */
#define EP_PER_ENV 4  /* ... and per env */
#define NFILT      8  /* filters per endpoint */
#define LO_QUEUE   8  /* loopback frames waiting for delivery */
#define LO_BUDGET  64 /* loopback frames delivered per kernel call */
#define KIND_DEV   0  /* CAP_NET object: gen << 16 | kind << 8 | index */
#define KIND_EP    1

static struct spinlock net_lock = SPINLOCK_INIT("net");

struct filter {
    struct net_key key;
    u32 module; /* ext.c's module index (a reference held) */
    ext_fn fn;
    u64 hits;
};

struct endpoint {
    bool used;
    u32 gen; /* bumps on every reuse */
    u32 ifindex;
    u32 env_id;     /* the env whose ring it is */
    bool can_send;  /* made through a device capability with R_WRITE */
    u32 ring_node;  /* the ring block's capability node (checked on every use) ... */
    u64 ring_pfn;   /* ... its first frame ... */
    u32 ring_order; /* ... and its size */
    u32 via_node;   /* the device capability it was made through (checked likewise) */
    u64 via_object;
    u64 notify;           /* the notification object to ring (0: none) ... */
    u32 chan;             /* ... and its channel */
    u32 rx_head, tx_tail; /* the indices the kernel owns (never read back from the ring) */
    u32 nrx;
    u32 nfilt;
    struct filter filt[NFILT];
    bool has_ash;
    u32 ash_module;
    ext_fn ash;
    struct net_stats st; /* the ep_* and ash_* fields */
};

struct netif {
    struct netdev *nd;   /* NULL: no such device on this machine */
    bool held;           /* an env holds the original capability */
    u32 gen;             /* bumps when the original goes away */
    int default_ep;      /* index in eps[] for unclaimed frames, -1: none ... */
    u32 default_gen;     /* ... while it has this generation */
    struct net_stats st; /* the device fields */
};

static struct netif ifs[NETIF_COUNT];
static struct endpoint eps[NEP];

/* The ASH being run (for ash_send) and its reply buffer. */
static struct endpoint *ash_ep;
static struct netif *ash_if;
static u8 ash_reply[EXT_ASH_REPLY_SIZE];

/* ---- the loopback device ---- */

static struct {
    u32 head, tail; /* frames delivered / queued */
    u32 len[LO_QUEUE];
    u8 frame[LO_QUEUE][NET_FRAME_MAX];
} lo;

/* The loopback's "device memory" is its queue: a frame is sent into the
 * next free entry, and delivered from there (lo_drain). */
static u8 *lo_tx_buf(struct netdev *nd)
{
    (void)nd;
    return lo.tail - lo.head == LO_QUEUE ? NULL : lo.frame[lo.tail % LO_QUEUE];
}

static void lo_tx_commit(struct netdev *nd, u32 len)
{
    (void)nd;
    lo.len[lo.tail++ % LO_QUEUE] = len;
}

static struct netdev lo_dev = {
    "lo", NETIF_LO, {0x02, 0x00, 0x00, 0x00, 0x00, 0x01}, lo_tx_buf, lo_tx_commit};

/* ---- frames ---- */

static inline u32 be16(const u8 *p)
{
    return (u32)p[0] << 8 | p[1];
}
static inline u32 be32(const u8 *p)
{
    return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/* What the kernel reads in a frame: the key fields, seen from the receiver
 * (dst) and the sender (src). */
struct fkey {
    u32 ethertype, proto, dport, sport, dst_ip, src_ip;
};

/* Reads f's key fields; -1 if an IPv4 or ARP header is truncated or
 * inconsistent (the frame is then malformed). len >= NET_FRAME_MIN. */
static int parse(const u8 *f, u32 len, struct fkey *k)
{
    memset(k, 0, sizeof *k);
    k->ethertype = be16(f + 12);
    if (k->ethertype == 0x0800) {
        if (len < 14 + 20 || f[14] >> 4 != 4)
            return -1;
        u32 hl = (f[14] & 15) * 4u, total = be16(f + 16);
        if (hl < 20 || total < hl || 14 + total > len)
            return -1;
        k->proto = f[23];
        k->src_ip = be32(f + 26);
        k->dst_ip = be32(f + 30);
        bool first = (be16(f + 20) & 0x1fff) == 0;
        if ((k->proto == 6 || k->proto == 17) && first) {
            if (hl + 4 > total)
                return -1;
            k->sport = be16(f + 14 + hl);
            k->dport = be16(f + 14 + hl + 2);
        }
    } else if (k->ethertype == 0x0806) {
        if (len < 14 + 28 || be16(f + 14) != 1 || be16(f + 16) != 0x0800 || f[18] != 6 ||
            f[19] != 4)
            return -1;
        k->src_ip = be32(f + 14 + 14); /* sender protocol address */
        k->dst_ip = be32(f + 14 + 24); /* target protocol address */
    }
    return 0;
}

static bool key_match(const struct net_key *key, u32 ethertype, u32 proto, u32 port, u32 ip)
{
    return (!key->ethertype || key->ethertype == ethertype) &&
           (!key->proto || key->proto == proto) && (!key->dport || key->dport == port) &&
           (!key->dst_ip || key->dst_ip == ip);
}

/* Could one frame match both keys? (Every field equal, or a wildcard on a side.) */
static bool key_overlap(const struct net_key *a, const struct net_key *b)
{
    return (!a->ethertype || !b->ethertype || a->ethertype == b->ethertype) &&
           (!a->proto || !b->proto || a->proto == b->proto) &&
           (!a->dport || !b->dport || a->dport == b->dport) &&
           (!a->dst_ip || !b->dst_ip || a->dst_ip == b->dst_ip);
}

/* ---- endpoints ---- */

/* The ring block of ep, in the kernel's direct map, if its capability and
 * the device capability it was made through still stand; else NULL. */
static u8 *ep_ring(struct endpoint *ep)
{
    struct capnode *c = cap_node(ep->ring_node), *v = cap_node(ep->via_node);
    if (!c || c->type != CAP_FRAME || c->object != ep->ring_pfn || c->order != ep->ring_order ||
        c->owner != ep->env_id)
        return NULL;
    if (!v || v->type != CAP_NET || v->object != ep->via_object)
        return NULL;
    return P2V(ep->ring_pfn * PAGE_SIZE);
}

/* Puts a frame in ep's ring and rings its channel, or counts the drop. */
static void enqueue(struct endpoint *ep, const u8 *f, u32 len)
{
    u8 *blk = ep_ring(ep);
    if (!blk) {
        ep->st.ep_rx_bad++;
        return;
    }
    struct net_ring *r = (struct net_ring *)blk;
    u32 used = ep->rx_head - r->rx_tail; /* (rx_tail is the env's: anything) */
    if (used > ep->nrx) {
        ep->st.ep_rx_bad++;
        return;
    }
    if (used == ep->nrx) {
        ep->st.ep_rx_full++;
        return;
    }
    u32 i = ep->rx_head % ep->nrx;
    memcpy(blk + PAGE_SIZE + (u64)i * NET_SLOT_SIZE, f, len);
    r->rx[i].len = len;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the frame before the index */
    r->rx_head = ++ep->rx_head;
    ep->st.ep_rx++;
    if (ep->notify) {
        if (notify_ring(ep->notify, ep->chan) < 0)
            ep->notify = 0; /* the object is gone: so are the wake-ups */
        else
            ep->st.ep_wakeups++;
    }
}

/* Frames ep may send: from the device's MAC, and from addresses it receives
 * on (the frame, source and destination swapped, matches one of its keys).
 * One more: an IPv4 frame from the unspecified address 0.0.0.0 (a host
 * that has no address yet: a DHCP client) with a protocol and source port
 * for which the endpoint holds a key on the limited broadcast address
 * 255.255.255.255 naming that protocol and port (no wildcards), which is
 * where the answers come (DHCP: UDP port 68). No env owns 0.0.0.0. */
static bool may_send(struct netif *ni, struct endpoint *ep, const u8 *f, u32 len)
{
    struct fkey k;
    if (memcmp(f + 6, ni->nd->mac, 6) != 0 || parse(f, len, &k) < 0)
        return false;
    for (u32 i = 0; i < ep->nfilt; i++) {
        const struct net_key *key = &ep->filt[i].key;
        if (key_match(key, k.ethertype, k.proto, k.sport, k.src_ip))
            return true;
        if (k.ethertype == 0x0800 && k.src_ip == 0 && key->dst_ip == 0xffffffffu && key->proto &&
            key->dport && key_match(key, k.ethertype, k.proto, k.sport, 0xffffffffu))
            return true;
    }
    return false;
}

/* Sends len bytes at f for ep: copies them into the device's next transmit
 * buffer (the one copy), checks them there, sends them. 0 or -E_x. */
static int send_checked(struct netif *ni, struct endpoint *ep, const u8 *f, u32 len)
{
    if (len < NET_FRAME_MIN || len > NET_FRAME_MAX)
        return -E_RANGE;
    u8 *buf = ni->nd->tx_buf(ni->nd);
    if (!buf)
        return -E_AGAIN;
    memcpy(buf, f, len);
    if (!may_send(ni, ep, buf, len))
        return -E_PERM;
    ni->nd->tx_commit(ni->nd, len);
    ni->st.tx_frames++;
    return 0;
}

/* Demultiplexes one frame. Called with net_lock. */
static void deliver(struct netif *ni, const u8 *f, u32 len)
{
    u64 t0 = rdtsc();
    ni->st.rx_frames++;
    if (len < NET_FRAME_MIN) {
        ni->st.rx_runt++;
        return;
    }
    if (len > NET_FRAME_MAX) {
        ni->st.rx_oversize++;
        return;
    }
    struct fkey k;
    if (parse(f, len, &k) < 0) {
        ni->st.rx_malformed++;
        return;
    }
    struct ext_dpf_ctx ctx = {(u64)f, (u64)f + len, len, ni->nd->ifindex};
    struct endpoint *to = NULL;
    for (int i = 0; i < NEP && !to; i++) {
        struct endpoint *ep = &eps[i];
        if (!ep->used || ep->ifindex != ni->nd->ifindex)
            continue;
        for (u32 j = 0; j < ep->nfilt; j++) {
            struct filter *fl = &ep->filt[j];
            if (key_match(&fl->key, k.ethertype, k.proto, k.dport, k.dst_ip) && fl->fn(&ctx)) {
                fl->hits++;
                to = ep;
                break;
            }
        }
    }
    if (!to) {
        struct endpoint *d = ni->default_ep >= 0 ? &eps[ni->default_ep] : NULL;
        if (!d || !d->used || d->gen != ni->default_gen) {
            ni->st.rx_unclaimed++;
            return;
        }
        ni->st.rx_default++;
        to = d;
    }
    if (to->has_ash && ep_ring(to)) {
        struct ext_ash_ctx a = {(u64)f, (u64)f + len, len, ni->nd->ifindex, (u64)ash_reply, 0, 0};
        ash_ep = to;
        ash_if = ni;
        u64 handled = to->ash(&a);
        ash_ep = NULL;
        ash_if = NULL;
        to->st.ash_runs++;
        if (handled) {
            to->st.ash_handled++;
            to->st.ash_tsc += rdtsc() - t0;
            return;
        }
    }
    enqueue(to, f, len);
}

/* Delivers what the loopback has queued, at most LO_BUDGET frames per call
 * (what handlers send in answer is queued behind); the rest is dropped. */
static void lo_drain(void)
{
    struct netif *ni = &ifs[NETIF_LO];
    u32 budget = LO_BUDGET;
    while (lo.head != lo.tail) {
        u32 i = lo.head % LO_QUEUE;
        if (budget) {
            budget--;
            deliver(ni, lo.frame[i], lo.len[i]); /* (its entry stays taken meanwhile) */
        } else {
            ni->st.lo_dropped++;
        }
        lo.head++;
    }
}

void net_rx(struct netdev *nd, const u8 *frame, u32 len)
{
    spin_lock(&net_lock);
    if (nd->ifindex < NETIF_COUNT && ifs[nd->ifindex].nd == nd)
        deliver(&ifs[nd->ifindex], frame, len);
    spin_unlock(&net_lock);
}

int net_ash_send(void *ctx, u64 len)
{
    (void)ctx; /* (the verifier passed the running handler's own context) */
    if (!ash_ep)
        return -E_INVAL;
    if (len > EXT_ASH_REPLY_SIZE)
        return -E_RANGE;
    int r = send_checked(ash_if, ash_ep, ash_reply, (u32)len);
    if (r == 0)
        ash_ep->st.ash_sent++;
    return r;
}

void net_register(struct netdev *nd)
{
    spin_lock(&net_lock);
    ifs[nd->ifindex].nd = nd;
    ifs[nd->ifindex].default_ep = -1;
    spin_unlock(&net_lock);
    kprintf("net: %s (ifindex %u) %02x:%02x:%02x:%02x:%02x:%02x\n", nd->name, nd->ifindex,
            nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5]);
}

void net_init(void)
{
    net_register(&lo_dev);
}

/* ---- capabilities ---- */

static u64 obj_of(u32 gen, u32 kind, u32 index)
{
    return (u64)(gen & 0xffffff) << 16 | kind << 8 | index;
}

/* The device named by slot of e, with `need` rights. */
static int dev_cap(struct env *e, u64 slot, u8 need, struct netif **out, struct capnode **node)
{
    int err;
    struct capnode *c = cap_get(e, slot, &err);
    if (!c)
        return err;
    u32 idx = c->object & 0xff;
    if (c->type != CAP_NET || (c->object >> 8 & 0xff) != KIND_DEV || idx >= NETIF_COUNT ||
        !ifs[idx].held || c->object != obj_of(ifs[idx].gen, KIND_DEV, idx) ||
        (c->rights & need) != need)
        return -E_PERM;
    *out = &ifs[idx];
    if (node)
        *node = c;
    return 0;
}

/* The endpoint named by slot of e, with `need` rights. */
static int ep_cap(struct env *e, u64 slot, u8 need, struct endpoint **out)
{
    int err;
    struct capnode *c = cap_get(e, slot, &err);
    if (!c)
        return err;
    u32 idx = c->object & 0xff;
    if (c->type != CAP_NET || (c->object >> 8 & 0xff) != KIND_EP || idx >= NEP || !eps[idx].used ||
        c->object != obj_of(eps[idx].gen, KIND_EP, idx) || (c->rights & need) != need)
        return -E_PERM;
    *out = &eps[idx];
    return 0;
}

static void ep_free(struct endpoint *ep)
{
    for (u32 i = 0; i < ep->nfilt; i++)
        ext_packet_put(ep->filt[i].module);
    if (ep->has_ash)
        ext_packet_put(ep->ash_module);
    u32 gen = ep->gen;
    memset(ep, 0, sizeof *ep);
    ep->gen = (gen + 1) & 0xffffff;
}

void net_module_gone(u32 module)
{
    spin_lock(&net_lock);
    for (int i = 0; i < NEP; i++) {
        struct endpoint *ep = &eps[i];
        if (!ep->used)
            continue;
        u32 k = 0;
        for (u32 j = 0; j < ep->nfilt; j++) {
            if (ep->filt[j].module == module)
                ext_packet_put(module);
            else
                ep->filt[k++] = ep->filt[j];
        }
        ep->nfilt = k;
        if (ep->has_ash && ep->ash_module == module) {
            ep->has_ash = false;
            ext_packet_put(module);
        }
    }
    spin_unlock(&net_lock);
}

/* net_module_stat: see net.h. */
void net_module_stat(u32 module, u32 *filters, u64 *packets)
{
    *filters = 0;
    *packets = 0;
    spin_lock(&net_lock);
    for (int i = 0; i < NEP; i++) {
        struct endpoint *ep = &eps[i];
        if (!ep->used)
            continue;
        for (u32 j = 0; j < ep->nfilt; j++) {
            if (ep->filt[j].module == module) {
                (*filters)++;
                *packets += ep->filt[j].hits;
            }
        }
        if (ep->has_ash && ep->ash_module == module) {
            (*filters)++;
            *packets += ep->st.ash_handled;
        }
    }
    spin_unlock(&net_lock);
}

void net_release(u64 object)
{
    u32 idx = object & 0xff, kind = object >> 8 & 0xff;
    spin_lock(&net_lock);
    if (kind == KIND_DEV && idx < NETIF_COUNT && object == obj_of(ifs[idx].gen, KIND_DEV, idx)) {
        /* Its endpoints stop with the capabilities they were made through. */
        ifs[idx].held = false;
        ifs[idx].gen = (ifs[idx].gen + 1) & 0xffffff;
        ifs[idx].default_ep = -1;
    } else if (kind == KIND_EP && idx < NEP && eps[idx].used &&
               object == obj_of(eps[idx].gen, KIND_EP, idx)) {
        ep_free(&eps[idx]);
    }
    spin_unlock(&net_lock);
}

/* ---- kernel calls ---- */

/* sys_net_open(ifindex): see kernel/kcalls.tbl. */
s64 sys_net_open(u64 ifindex)
{
    struct env *e = cpu_env();
    if (!e->root)
        return -E_PERM;
    if (ifindex >= NETIF_COUNT)
        return -E_INVAL;
    spin_lock(&net_lock);
    struct netif *ni = &ifs[ifindex];
    s64 r = !ni->nd ? -E_NOENT : ni->held ? -E_BUSY : 0;
    if (r == 0) {
        r = cap_insert(e, CAP_NET, R_READ | R_WRITE | R_GRANT | R_REVOKE | R_CONTROL,
                       obj_of(ni->gen, KIND_DEV, (u32)ifindex), 0);
        if (r >= 0)
            ni->held = true;
    }
    spin_unlock(&net_lock);
    return r;
}

/* sys_net_endpoint(dev, ring, notify, chan): see kernel/kcalls.tbl. */
s64 sys_net_endpoint(u64 dev, u64 ring, u64 notify, u64 chan)
{
    struct env *e = cpu_env();
    struct netif *ni;
    struct capnode *via, *rc;
    int err;
    u64 nobj = 0;
    spin_lock(&net_lock);
    s64 r = dev_cap(e, dev, R_READ, &ni, &via);
    if (r < 0)
        goto out;
    r = -E_INVAL;
    if (ring == CAP_SELF || (notify != CAP_SELF && chan >= NOTIFY_CHANNELS))
        goto out;
    if (!(rc = cap_get(e, ring, &err))) {
        r = err;
        goto out;
    }
    r = -E_PERM;
    if (rc->type != CAP_FRAME || (rc->rights & (R_READ | R_WRITE)) != (R_READ | R_WRITE))
        goto out;
    r = -E_INVAL;
    if (rc->order < 1 || rc->order > NET_RING_ORDER_MAX)
        goto out;
    if (notify != CAP_SELF && (r = notify_object(e, notify, R_WRITE, &nobj)) < 0)
        goto out;
    struct endpoint *ep = NULL;
    int mine = 0;
    r = -E_BUSY;
    for (int i = 0; i < NEP; i++) {
        if (!eps[i].used) {
            if (!ep)
                ep = &eps[i];
            continue;
        }
        mine += eps[i].env_id == e->id;
        if (eps[i].ring_pfn == rc->object)
            goto out; /* two endpoints on one ring */
    }
    r = -E_NOMEM;
    if (!ep || mine >= EP_PER_ENV)
        goto out;
    u32 gen = ep->gen;
    memset(ep, 0, sizeof *ep);
    ep->gen = gen;
    ep->ifindex = ni->nd->ifindex;
    ep->env_id = e->id;
    ep->can_send = via->rights & R_WRITE;
    ep->ring_node = cap_index(rc);
    ep->ring_pfn = rc->object;
    ep->ring_order = rc->order;
    ep->via_node = cap_index(via);
    ep->via_object = via->object;
    ep->notify = nobj;
    ep->chan = (u32)chan;
    ep->nrx = 1u << (rc->order - 1);
    r = cap_insert(e, CAP_NET, R_READ | R_WRITE | R_GRANT | R_REVOKE | R_CONTROL,
                   obj_of(ep->gen, KIND_EP, (u32)(ep - eps)), 0);
    if (r < 0)
        goto out;
    ep->used = true;
    struct net_ring *rg = P2V(rc->object * PAGE_SIZE);
    memset(rg, 0, PAGE_SIZE);
    rg->nrx = ep->nrx;
    rg->ntx = NET_NTX;
    memcpy(rg->mac, ni->nd->mac, 6);
out:
    spin_unlock(&net_lock);
    return r;
}

/* sys_net_attach(ep, module, prog, key): see kernel/kcalls.tbl. */
s64 sys_net_attach(u64 uep, u64 module, u64 prog, u64 ukey)
{
    struct env *e = cpu_env();
    struct endpoint *ep;
    struct net_key key;
    u32 hook, mi;
    ext_fn fn;
    spin_lock(&net_lock);
    s64 r = ep_cap(e, uep, R_CONTROL, &ep);
    if (r < 0 || (r = ext_packet_get(e, module, prog, &hook, &mi, &fn)) < 0)
        goto out;
    if (hook == EXT_HOOK_ASH) {
        if (ep->has_ash)
            ext_packet_put(ep->ash_module);
        ep->has_ash = true;
        ep->ash_module = mi;
        ep->ash = fn;
        r = NFILT; /* (the handler's place, after the filters) */
        goto out;
    }
    r = -E_INVAL;
    if (hook != EXT_HOOK_DPF)
        goto put;
    r = -E_FAULT;
    if (copy_from_user(&key, ukey, sizeof key) < 0)
        goto put;
    r = -E_INVAL;
    if (key.pad0 || key.pad1)
        goto put;
    r = -E_NOMEM;
    if (ep->nfilt == NFILT)
        goto put;
    r = -E_BUSY;
    for (int i = 0; i < NEP; i++) {
        if (!eps[i].used || &eps[i] == ep || eps[i].ifindex != ep->ifindex)
            continue;
        for (u32 j = 0; j < eps[i].nfilt; j++)
            if (key_overlap(&key, &eps[i].filt[j].key))
                goto put; /* it could claim another endpoint's frames */
    }
    struct filter *fl = &ep->filt[ep->nfilt];
    fl->key = key;
    fl->module = mi;
    fl->fn = fn;
    fl->hits = 0;
    r = ep->nfilt++;
    goto out;
put:
    ext_packet_put(mi);
out:
    spin_unlock(&net_lock);
    return r;
}

/* sys_net_tx(ep): see kernel/kcalls.tbl. */
s64 sys_net_tx(u64 uep)
{
    struct env *e = cpu_env();
    struct endpoint *ep;
    spin_lock(&net_lock);
    s64 r = ep_cap(e, uep, R_WRITE, &ep);
    if (r < 0)
        goto out;
    r = -E_PERM;
    if (!ep->can_send)
        goto out;
    struct netif *ni = &ifs[ep->ifindex];
    u8 *blk = ep_ring(ep);
    r = -E_NOENT;
    if (!blk)
        goto out;
    struct net_ring *rg = (struct net_ring *)blk;
    u32 n = rg->tx_head - ep->tx_tail; /* (tx_head is the env's: anything) */
    r = -E_INVAL;
    if (n > NET_NTX) {
        ep->st.ep_tx_bad++;
        goto out;
    }
    u64 bytes = PAGE_SIZE << ep->ring_order;
    r = 0;
    for (u32 k = 0; k < n; k++) {
        struct net_txdesc d = rg->tx[ep->tx_tail % NET_NTX]; /* one read of it */
        int st;
        if (d.len < NET_FRAME_MIN || d.len > NET_FRAME_MAX || d.off > bytes - d.len) {
            st = -E_RANGE;
        } else {
            st = send_checked(ni, ep, blk + d.off, d.len); /* (checked as copied) */
            if (st == -E_AGAIN)
                break; /* the device is full: the rest stays posted */
        }
        rg->tx[ep->tx_tail % NET_NTX].status = (s16)st;
        rg->tx_tail = ++ep->tx_tail;
        if (st < 0) {
            ep->st.ep_tx_bad++;
        } else {
            ep->st.ep_tx++;
            r++;
        }
        if (ni->nd == &lo_dev)
            lo_drain();
    }
out:
    spin_unlock(&net_lock);
    return r;
}

/* sys_net_stat(cap, out): see kernel/kcalls.tbl. */
s64 sys_net_stat(u64 slot, u64 uout)
{
    struct env *e = cpu_env();
    struct netif *ni;
    struct endpoint *ep = NULL;
    struct net_stats st;
    spin_lock(&net_lock);
    s64 r = dev_cap(e, slot, 0, &ni, NULL);
    if (r == -E_PERM && ep_cap(e, slot, 0, &ep) == 0) {
        ni = &ifs[ep->ifindex];
        r = 0;
    }
    if (r == 0) {
        st = ep ? ep->st : (struct net_stats){0};
        struct net_stats *d = &ni->st;
        st.rx_frames = d->rx_frames;
        st.rx_runt = d->rx_runt;
        st.rx_oversize = d->rx_oversize;
        st.rx_malformed = d->rx_malformed;
        st.rx_unclaimed = d->rx_unclaimed;
        st.rx_default = d->rx_default;
        st.tx_frames = d->tx_frames;
        st.lo_dropped = d->lo_dropped;
        for (int i = 0; i < NEP; i++) {
            if (eps[i].used && eps[i].ifindex == (u32)(ni - ifs)) {
                st.endpoints++;
                st.filters += eps[i].nfilt;
            }
        }
    }
    spin_unlock(&net_lock);
    if (r == 0 && copy_to_user(uout, &st, sizeof st) < 0)
        r = -E_FAULT;
    return r;
}

/* sys_net_ctl(dev, op, arg): see kernel/kcalls.tbl. */
s64 sys_net_ctl(u64 dev, u64 op, u64 arg)
{
    struct env *e = cpu_env();
    struct netif *ni;
    struct endpoint *ep;
    spin_lock(&net_lock);
    s64 r = dev_cap(e, dev, R_CONTROL, &ni, NULL);
    if (r < 0)
        goto out;
    r = -E_INVAL;
    if (op == NETCTL_MAC) {
        r = 0;
        for (int i = 0; i < 6; i++)
            r = r << 8 | ni->nd->mac[i];
    } else if (op == NETCTL_DEFAULT && arg == 0) {
        ni->default_ep = -1;
        r = 0;
    } else if (op == NETCTL_DEFAULT) {
        if ((r = ep_cap(e, arg, R_READ, &ep)) < 0)
            goto out;
        r = -E_INVAL;
        if (ep->ifindex != ni->nd->ifindex)
            goto out;
        ni->default_ep = (int)(ep - eps);
        ni->default_gen = ep->gen;
        r = 0;
    }
out:
    spin_unlock(&net_lock);
    return r;
}

/* sys_net_filters(dev, out, n): see kernel/kcalls.tbl. */
s64 sys_net_filters(u64 dev, u64 uout, u64 n)
{
    static struct net_filter_info all[NEP * (NFILT + 1)]; /* (filled under net_lock) */
    struct env *e = cpu_env();
    struct netif *ni;
    if (n > ARRAY_SIZE(all))
        return -E_INVAL;
    spin_lock(&net_lock);
    s64 r = dev_cap(e, dev, R_CONTROL, &ni, NULL);
    u32 k = 0;
    for (int i = 0; r == 0 && i < NEP; i++) {
        struct endpoint *ep = &eps[i];
        if (!ep->used || ep->ifindex != ni->nd->ifindex)
            continue;
        for (u32 j = 0; j <= ep->nfilt; j++) {
            if (j == ep->nfilt && !ep->has_ash)
                break;
            struct net_filter_info *fi = &all[k++];
            memset(fi, 0, sizeof *fi);
            fi->env_id = ep->env_id;
            fi->endpoint = (u16)i;
            fi->filter = (u8)(j < ep->nfilt ? j : NFILT);
            if (j < ep->nfilt) {
                fi->key = ep->filt[j].key;
                fi->hits = ep->filt[j].hits;
            } else {
                fi->hits = ep->st.ash_handled;
            }
        }
    }
    spin_unlock(&net_lock);
    if (r == 0 && n && copy_to_user(uout, all, MIN(n, k) * sizeof all[0]) < 0)
        r = -E_FAULT;
    return r < 0 ? r : k;
}

/* ---- kernel unit tests ---- */

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            ksnprintf(why, whylen, "%s (line %d)", #cond, __LINE__);                               \
            return false;                                                                          \
        }                                                                                          \
    } while (0)

/* The receive path's checks on frames no env sent: runts, giants, broken
 * IPv4 and ARP headers are dropped and counted; the key rules. */
bool net_selftest(char *why, size_t whylen)
{
    static u8 f[NET_FRAME_MAX + 100];
    struct netif *ni = &ifs[NETIF_LO];
    struct net_stats before = ni->st;
    memset(f, 0, sizeof f);
    net_rx(&lo_dev, f, 0);
    net_rx(&lo_dev, f, NET_FRAME_MIN - 1);
    CHECK(ni->st.rx_runt == before.rx_runt + 2);
    net_rx(&lo_dev, f, NET_FRAME_MAX + 1);
    net_rx(&lo_dev, f, sizeof f);
    CHECK(ni->st.rx_oversize == before.rx_oversize + 2);
    /* IPv4: truncated, wrong version, header length 3 words, total length
     * beyond the frame, UDP header cut off. */
    f[12] = 0x08, f[13] = 0x00;
    net_rx(&lo_dev, f, 20);
    f[14] = 0x65;
    net_rx(&lo_dev, f, 60);
    f[14] = 0x43;
    net_rx(&lo_dev, f, 60);
    f[14] = 0x45, f[16] = 0x05, f[17] = 0xdc; /* 1500 bytes */
    net_rx(&lo_dev, f, 60);
    f[16] = 0, f[17] = 22, f[23] = 17; /* 20 + 2 bytes of UDP */
    net_rx(&lo_dev, f, 60);
    /* ARP: truncated, then an Ethernet/IPv6 one. */
    f[12] = 0x08, f[13] = 0x06;
    net_rx(&lo_dev, f, 30);
    f[14] = 0, f[15] = 1, f[16] = 0x86, f[17] = 0xdd, f[18] = 6, f[19] = 4;
    net_rx(&lo_dev, f, 60);
    CHECK(ni->st.rx_malformed == before.rx_malformed + 7);
    /* A well-formed frame nobody claims: counted, not delivered. */
    f[16] = 0x08, f[17] = 0x00;
    net_rx(&lo_dev, f, 60);
    CHECK(ni->st.rx_malformed == before.rx_malformed + 7);
    CHECK(ni->st.rx_unclaimed + ni->st.rx_default == before.rx_unclaimed + before.rx_default + 1);
    CHECK(ni->st.rx_frames == before.rx_frames + 12);
    /* Keys: wildcards overlap everything; one differing field separates. */
    struct net_key a = {0x800, 17, 0, 7000, 0, 0x0a000002}, b = a, w = {0};
    CHECK(key_overlap(&a, &b) && key_overlap(&a, &w) && key_overlap(&w, &w));
    b.dport = 7001;
    CHECK(!key_overlap(&a, &b));
    b.dport = 0;
    CHECK(key_overlap(&a, &b));
    b.dst_ip = 0x0a000003;
    CHECK(!key_overlap(&a, &b));
    CHECK(key_match(&a, 0x800, 17, 7000, 0x0a000002) && !key_match(&a, 0x800, 6, 7000, 0x0a000002));
    CHECK(key_match(&w, 0x86dd, 0, 0, 0));
    return true;
}
