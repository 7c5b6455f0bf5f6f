/* The kernel-call fuzzer's shared part (t_fuzz, the hostile root env, and
 * t_fuzz_child, the envs it and they create). One fuzz step picks a kernel
 * call of kernel/kcalls.tbl (or an unknown number) and arguments that are
 * valid-looking (slots that calls returned, envs it created, writable
 * buffers), at a boundary (CAP_SELF, NCAPSLOTS, 1 << 32, sizes around a
 * limit) or random (forged slots, kernel, unmapped and non-canonical
 * pointers, malformed mapping batches, garbage upcall entries, stacks and
 * registers, flipped extension bytes), and makes it.
 *
 * Everything comes from a deterministic generator (splitmix64): step i of a
 * run draws from its own stream, seeded by (seed, i), so the same seed makes
 * the same calls and a subset of the steps can be replayed on its own (how
 * tools/fuzz-kernel.sh minimises a failing run). The envs it creates run
 * the same steps from seeds they are sent, concurrently: their part is
 * replayable only as far as scheduling repeats.
 *
 * A fuzzing env protects itself only from itself: the capabilities it held
 * when it started (its program's pages) are not deleted, moved, unmapped or
 * re-protected through its own table (a child does it one time in 64 and
 * dies of it: dying in the middle of calls is part of the test). */
#ifndef USER_TESTS_FUZZ_H
#define USER_TESTS_FUZZ_H
#include "../../lib/exo/exo.h"
#include "../../lib/c/libc.h"

/* Classes of calls that reach known kernel bugs (issue 10); a run leaves a
 * class out unless its bit is set in the flags. */
#define FZ_ENVMOVE 0x1 /* cap_move of env capabilities into envs: cycles (items 3, 12, 13) */
#define FZ_REVOKE  0x2 /* sys_env_revoke of frames: quota below use (item 1) */
#define FZ_CREDIT  0x4 /* sys_env_credit: quota arithmetic (item 11) */
/* FZ_NEST: children create envs of their own; quota is lost when an env
 * dies with live children (item 11). */
#define FZ_NEST  0x8
#define FZ_ALL   0xf
#define FZ_TRACE 0x10 /* (in a child's seed event) print every call, as the root does */

#define FZ_NCALLS                                                                                  \
    61            /* kernel calls 0 .. 60 (kernel/kcalls.tbl; 41-49, 51-59 unused); and            \
                     the disk's, 80-83, picked on their own */
#define FZ_NNET 7 /* and the network's, SYS_net_open .. SYS_net_filters (90 .. 96) */
static const char *const fz_names[FZ_NCALLS] = {
    "null",          "cputs",           "exit",
    "sysinfo",       "console_read",    "cap_inspect",
    "cap_derive",    "cap_revoke",      "cap_delete",
    "frame_alloc",   "mmu_update",      "env_create",
    "env_load",      "env_set_entries", "env_start",
    "slot_alloc",    "yield",           "pct_call",
    "pct_reply",     "pct_send",        "block",
    "env_revoke",    "revoke_done",     "env_status",
    "ext_load",      "ext_attach",      "ext_info",
    "bootimage_map", "frame_alloc_in",  "cap_list",
    "env_set_regs",  "env_replace",     "cap_move",
    "ext_combine",   "notify_create",   "notify_bind",
    "notify_signal", "dev_open",        "dev_irq",
    "dev_ctl",       "env_credit",      [50] = "env_quota",
};

/* ---- the generator: splitmix64 ---- */
struct fz_rng {
    uint64_t s;
};
static inline uint64_t fz_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
    return z ^ (z >> 31);
}
static inline uint64_t fz_next(struct fz_rng *r)
{
    r->s += 0x9e3779b97f4a7c15UL;
    return fz_mix(r->s);
}
static inline uint64_t fz_below(struct fz_rng *r, uint64_t n)
{
    return n ? fz_next(r) % n : 0;
}
static inline int fz_pct(struct fz_rng *r, unsigned pct)
{
    return fz_below(r, 100) < pct;
}
/* The stream of step i of the run with this seed. */
static inline struct fz_rng fz_stream(uint64_t seed, uint64_t i)
{
    struct fz_rng r = {fz_mix(seed ^ fz_mix(i + 0x5851f42d4c957f2dUL))};
    return r;
}

/* ---- one fuzzing env's state ---- */
#define FZ_RECENT 16
struct fz_ctx {
    int root;                   /* the root env (t_fuzz): must survive its own calls */
    uint64_t flags;             /* FZ_* classes allowed */
    int trace;                  /* print every call */
    uint64_t calls;             /* kernel calls made */
    uint32_t recent[FZ_RECENT]; /* slots recent calls returned */
    uint32_t envs[FZ_RECENT];   /* env capabilities it created (maybe stale) */
    unsigned nrecent, nenvs;
    uint8_t prot[NCAPSLOTS / 8]; /* slots in use when it started */
    uint8_t *scratch;            /* FZ_SCRATCH writable bytes the kernel may scribble on */
    uint32_t disk;               /* the slot sys_dev_open(DEV_DISK) last returned */
    uint64_t blk_batches;        /* block batches the kernel took */
};
#define FZ_SCRATCH (4 * 4096)
#define FZ_VA      0x0000500000000000UL /* where its own mappings go */
#define FZ_CHILD   "t_fuzz_child"

/* Protects the slots in use now (the program's own pages). */
static inline void fz_protect_current(struct fz_ctx *c)
{
    struct cap_info *ci = (struct cap_info *)c->scratch;
    for (uint32_t start = 0; start < NCAPSLOTS; start += 256) {
        long n = sys_cap_list(start, ci, 256);
        if (n <= 0)
            break;
        for (long k = 0; k < n; k++)
            if (ci[k].type != CAP_NONE)
                c->prot[(start + k) / 8] |= (uint8_t)(1 << ((start + k) % 8));
    }
}
static inline int fz_is_prot(const struct fz_ctx *c, uint64_t slot)
{
    return slot < NCAPSLOTS && (c->prot[slot / 8] >> (slot % 8) & 1);
}

static inline void fz_remember(struct fz_ctx *c, long slot, int is_env)
{
    if (slot <= 0 || slot >= NCAPSLOTS)
        return;
    c->recent[c->nrecent++ % FZ_RECENT] = (uint32_t)slot;
    if (is_env)
        c->envs[c->nenvs++ % FZ_RECENT] = (uint32_t)slot;
}

/* A capability slot: recent results, envs, small numbers, or boundaries. */
static inline uint64_t fz_slot(struct fz_ctx *c, struct fz_rng *r)
{
    static const uint64_t bad[] = {CAP_SELF,        NCAPSLOTS - 1, NCAPSLOTS, 0xffffffffUL,
                                   (1UL << 32) | 1, ~0UL,          1UL << 31, 4095};
    unsigned k = (unsigned)fz_below(r, 100);
    if (k < 40 && c->nrecent)
        return c->recent[fz_below(r, c->nrecent < FZ_RECENT ? c->nrecent : FZ_RECENT)];
    if (k < 60 && c->nenvs)
        return c->envs[fz_below(r, c->nenvs < FZ_RECENT ? c->nenvs : FZ_RECENT)];
    if (k < 90)
        return 1 + fz_below(r, 64);
    return bad[fz_below(r, sizeof bad / sizeof bad[0])];
}
/* An env argument: one it created, mostly. */
static inline uint64_t fz_env(struct fz_ctx *c, struct fz_rng *r)
{
    if (c->nenvs && fz_pct(r, 75))
        return c->envs[fz_below(r, c->nenvs < FZ_RECENT ? c->nenvs : FZ_RECENT)];
    return fz_slot(c, r);
}
/* A slot the call may destroy, move, unmap or re-protect: not one of the
 * program's own (a child lets one through now and then, and dies). */
static inline uint64_t fz_victim(struct fz_ctx *c, struct fz_rng *r)
{
    uint64_t s = fz_slot(c, r);
    if (fz_is_prot(c, s) && (c->root || !fz_pct(r, 2)))
        s = c->nrecent ? c->recent[fz_below(r, c->nrecent < FZ_RECENT ? c->nrecent : FZ_RECENT)]
                       : NCAPSLOTS - 1;
    if (fz_is_prot(c, s) && (c->root || !fz_pct(r, 2)))
        s = NCAPSLOTS - 1;
    return s;
}

static const uint64_t fz_rodata[64] = {1, 2, 3};

/* A pointer the kernel may read from or write `size` bytes to: the scratch
 * area (aligned or not), read-only data, or something it must refuse. Never
 * the fuzzer's own variables or stack. */
static inline uint64_t fz_ptr(struct fz_ctx *c, struct fz_rng *r, uint64_t size)
{
    uint64_t room = size < FZ_SCRATCH ? FZ_SCRATCH - size : 0;
    switch (fz_below(r, 16)) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5: /* good, aligned */
        return (uint64_t)c->scratch + (fz_below(r, room + 1) & ~7UL);
    case 6:
        return (uint64_t)c->scratch + fz_below(r, room + 1); /* good, maybe unaligned */
    case 7:
        return (uint64_t)fz_rodata;
    case 8:
        return fz_pct(r, 50) ? 0 : 1 + fz_below(r, 4096);
    case 9:
        return KERNEL_TEXT + fz_below(r, 4096);
    case 10:
        return PHYS_MAP_BASE + 0x100000 + fz_below(r, 4096);
    case 11:
        return USER_TOP - 1 - fz_below(r, 16);
    case 12:
        return USER_TOP + fz_below(r, 1UL << 40); /* non-canonical */
    case 13:
        return fz_pct(r, 50) ? ENV_INFO_VA : PT_WINDOW_BASE + fz_below(r, 1UL << 20);
    case 14:
        return 0x0000300000000000UL + (fz_below(r, 1UL << 30) & ~7UL); /* unmapped */
    default:
        return fz_next(r);
    }
}
static inline uint64_t fz_size(struct fz_rng *r)
{
    static const uint64_t v[] = {0,    1,    7,    8,         64,
                                 4095, 4096, 4097, 1UL << 20, (1UL << 20) + 1,
                                 256,  257,  ~0UL, 1UL << 63, 1UL << 32};
    if (fz_pct(r, 20))
        return fz_next(r) >> fz_below(r, 64);
    return v[fz_below(r, sizeof v / sizeof v[0])];
}
static inline uint64_t fz_any(struct fz_rng *r)
{
    static const uint64_t v[] = {0,
                                 1,
                                 2,
                                 15,
                                 16,
                                 17,
                                 63,
                                 64,
                                 255,
                                 256,
                                 511,
                                 512,
                                 4096,
                                 0x7fffffffUL,
                                 0xffffffffUL,
                                 1UL << 32,
                                 ~0UL,
                                 1UL << 63,
                                 (1UL << 63) - 1,
                                 1UL << 40,
                                 (1UL << 40) + 1,
                                 1UL << 62};
    switch (fz_below(r, 4)) {
    case 0:
        return fz_below(r, 64);
    case 1:
        return v[fz_below(r, sizeof v / sizeof v[0])];
    case 2:
        return -(uint64_t)fz_below(r, 4);
    default:
        return fz_next(r) >> fz_below(r, 64);
    }
}
/* A user address for an entry point, a stack or a mapping. */
static inline uint64_t fz_va(struct fz_rng *r)
{
    switch (fz_below(r, 10)) {
    case 0:
    case 1:
    case 2:
    case 3:
        return FZ_VA + fz_below(r, 1024) * 4096;
    case 4:
        return FZ_VA + fz_below(r, 1UL << 20); /* maybe unaligned */
    case 5:
        return USER_MIN + fz_below(r, 64) * 4096; /* where programs live */
    case 6:
        return USER_STACK_TOP - fz_below(r, 17) * 4096;
    case 7:
        return fz_pct(r, 50) ? ENV_INFO_VA : PT_WINDOW_BASE;
    case 8:
        return fz_pct(r, 50) ? USER_TOP - 4096 : 0;
    default:
        return fz_pct(r, 50) ? KERNEL_BASE : fz_next(r);
    }
}

/* Event bits for sys_pct_send. A t_fuzz_child takes the first event bits it
 * gets as its seed, and their low bits as its FZ_* classes: a sender never
 * sets a class bit it does not have itself. */
#define FZ_EVENT_SEED (1UL << 61)
static inline uint64_t fz_bits(struct fz_ctx *c, struct fz_rng *r)
{
    uint64_t b = fz_pct(r, 80) ? (fz_next(r) & (FZ_EVENT_SEED - 1)) | FZ_EVENT_SEED : fz_any(r);
    return b & ~(uint64_t)((FZ_ALL & ~c->flags) | FZ_TRACE);
}

/* Creates an env running t_fuzz_child with quota q (its own slot half the
 * time) and sends it the seed of its steps. */
static inline long fz_spawn(struct fz_ctx *c, struct fz_rng *r)
{
    static const uint64_t q[] = {16, 40, 64, 96, 128, 200, 300, 512};
    uint64_t quota = q[fz_below(r, c->root ? 8 : 6)];
    long e = sys_env_create(quota);
    c->calls++;
    if (e < 0)
        return e;
    fz_remember(c, e, 1);
    long rr = sys_env_load((uint32_t)e, FZ_CHILD, sizeof FZ_CHILD - 1);
    c->calls++;
    if (rr < 0)
        return rr;
    if (fz_pct(r, 50)) {
        rr = sys_slot_alloc((uint32_t)e, -1);
        c->calls++;
        fz_remember(c, rr, 0);
    }
    /* Objects (slots, envs, notifications, modules, handlers) of its own. */
    sys_env_quota((uint32_t)e, OBJ_ALL, fz_below(r, 4), fz_pct(r, 50) ? ~0UL : fz_below(r, 8),
                  fz_below(r, 2));
    c->calls++;
    sys_env_start((uint32_t)e);
    sys_pct_send((uint32_t)e, ((fz_next(r) << 5) & (FZ_EVENT_SEED - 1)) | FZ_EVENT_SEED | c->flags |
                                  (c->trace ? FZ_TRACE : 0));
    c->calls += 2;
    return e;
}

/* Never its own pages through its own table (a child sometimes): an
 * operation that would unmap or re-protect one of them names an empty slot
 * instead. Filters the `count` operations at `at` that lie in the scratch
 * area (what the kernel will read). */
static inline void fz_filter_self(struct fz_ctx *c, struct fz_rng *r, uint64_t at, uint64_t count)
{
    uint64_t lo = (uint64_t)c->scratch, hi = lo + FZ_SCRATCH;
    for (uint64_t k = 0; k < count && at + (k + 1) * sizeof(struct mmu_op) <= hi; k++) {
        struct mmu_op o;
        if (at + k * sizeof o < lo)
            continue;
        memcpy(&o, (const void *)(at + k * sizeof o), sizeof o); /* (maybe unaligned) */
        if ((o.op & 0xff) != MMU_MAP && (o.op & 0xff) != MMU_COPY && fz_is_prot(c, o.cap) &&
            (c->root || !fz_pct(r, 2))) {
            o.cap = NCAPSLOTS - 1;
            memcpy((void *)(at + k * sizeof o), &o, sizeof o);
        }
        /* (MMU_REMAP names the capability it replaces in va) */
        if ((o.op & 0xff) == MMU_REMAP && o.va < NCAPSLOTS && fz_is_prot(c, (uint32_t)o.va) &&
            (c->root || !fz_pct(r, 2))) {
            o.va = NCAPSLOTS - 1;
            memcpy((void *)(at + k * sizeof o), &o, sizeof o);
        }
    }
}

/* A batch of page-table updates: mostly well-formed, some malformed. */
static inline uint64_t fz_mmu_batch(struct fz_ctx *c, struct fz_rng *r, uint64_t target,
                                    uint64_t *count)
{
    static const uint64_t n[] = {1, 1, 2, 3, 8, 0, MMU_BATCH_MAX, MMU_BATCH_MAX + 1};
    uint64_t cnt = n[fz_below(r, 8)];
    size_t room = FZ_SCRATCH / sizeof(struct mmu_op);
    struct mmu_op *ops = (struct mmu_op *)c->scratch;
    for (uint64_t k = 0; k < cnt && k < room; k++) {
        uint32_t op = (uint32_t)(1 + fz_below(r, 5));
        if (fz_pct(r, 30))
            op |= MMU_W;
        if (fz_pct(r, 10))
            op |= MMU_X;
        if (fz_pct(r, 15))
            op |= MMU_TCAP;
        if (fz_pct(r, 10))
            op |= MMU_CLRAD;
        if (fz_pct(r, 3))
            op = (uint32_t)fz_next(r);
        ops[k].op = op;
        ops[k].va = (op & 0xff) == MMU_REMAP ? fz_slot(c, r) : fz_va(r);
        ops[k].cap = (uint32_t)fz_slot(c, r); /* (the field is 32 bits wide) */
    }
    if (target == CAP_SELF)
        fz_filter_self(c, r, (uint64_t)ops, cnt);
    *count = cnt; /* (room is 1024 operations: every batch fits) */
    return (uint64_t)ops;
}

/* Garbage (or plausible) upcall entries and stacks. */
static inline uint64_t fz_entries(struct fz_ctx *c, struct fz_rng *r)
{
    struct env_entries *e = (struct env_entries *)c->scratch;
    for (int k = 0; k < UPCALL_NKINDS; k++)
        e->entry[k] = fz_pct(r, 30) ? 0 : fz_va(r);
    e->xstack_top = fz_va(r);
    e->xstack_size = fz_size(r);
    e->pct_stack_top = fz_va(r);
    return (uint64_t)e;
}
static inline uint64_t fz_regs(struct fz_ctx *c, struct fz_rng *r)
{
    uint64_t *w = (uint64_t *)c->scratch;
    for (size_t k = 0; k < sizeof(struct upcall_frame) / 8; k++)
        w[k] = fz_any(r);
    struct upcall_frame *f = (struct upcall_frame *)w;
    f->rip = fz_va(r);
    f->rsp = fz_va(r);
    return (uint64_t)f;
}

extern const char ext_obj_x_pct[], ext_obj_x_pct_end[];
extern const char ext_obj_x_pool[], ext_obj_x_pool_end[];
extern const char ext_obj_x_lib[], ext_obj_x_lib_end[];
/* An extension object: a real one, with bytes flipped or cut short, or
 * random bytes. Returns its address; *size its length. */
static inline uint64_t fz_ext_object(struct fz_ctx *c, struct fz_rng *r, uint64_t *size)
{
    const char *objs[3][2] = {{ext_obj_x_pct, ext_obj_x_pct_end},
                              {ext_obj_x_pool, ext_obj_x_pool_end},
                              {ext_obj_x_lib, ext_obj_x_lib_end}};
    int k = (int)fz_below(r, 3);
    uint64_t n = (uint64_t)(objs[k][1] - objs[k][0]);
    if (n > FZ_SCRATCH)
        n = FZ_SCRATCH;
    uint8_t *b = c->scratch;
    switch (fz_below(r, 4)) {
    case 0: /* as it is */
        memcpy(b, objs[k][0], n);
        break;
    case 1: { /* flipped bytes */
        memcpy(b, objs[k][0], n);
        for (uint64_t f = 1 + fz_below(r, 8); f; f--)
            b[fz_below(r, n)] ^= (uint8_t)(1 + fz_below(r, 255));
        break;
    }
    case 2: /* cut short */
        memcpy(b, objs[k][0], n);
        n = fz_below(r, n);
        break;
    default: /* random bytes after a real ELF header */
        memcpy(b, objs[k][0], 64);
        for (uint64_t f = 64; f < n; f++)
            b[f] = (uint8_t)fz_next(r);
    }
    *size = fz_pct(r, 90) ? n : fz_size(r);
    return (uint64_t)b;
}

/* Makes one fuzz step; returns the (last) call's result. */
static inline long fz_step(struct fz_ctx *c, struct fz_rng *r)
{
    uint64_t a[6] = {0, 0, 0, 0, 0, 0};
    long nr;
    uint64_t k = fz_below(r, 100);
    if (k < 6) { /* a child of its own */
        if (!c->root && !(c->flags & FZ_NEST))
            return 0;
        long e = fz_spawn(c, r);
        if (c->trace)
            printf("  [%x] spawn -> %ld\n", exo_info->id, e);
        return e;
    }
    if (k < 8)
        nr = (long)(FZ_NCALLS + fz_below(r, 24)); /* unknown numbers */
    else if (k < 9)
        nr = (long)fz_any(r);
    else if (k < 13)
        nr = SYS_blk_submit + (long)fz_below(r, 4); /* the disk's calls, 80-83 */
    else if ((nr = (long)fz_below(r, FZ_NCALLS + FZ_NNET)) >= FZ_NCALLS)
        nr = SYS_net_open + (nr - FZ_NCALLS); /* the network's calls, 90 .. 96 */
    if (nr == SYS_null && fz_pct(r, 50))
        nr = SYS_frame_copy; /* (call 100, beyond the table above: half of sys_null's turns) */
    if (nr == SYS_mmu_update && fz_pct(r, 30))
        nr = SYS_mmu_op; /* (120, likewise: a third of sys_mmu_update's turns) */
    if (nr == SYS_frame_alloc && fz_pct(r, 30))
        nr = SYS_frame_map; /* (121: a third of sys_frame_alloc's) */
    int returns_slot = 0, returns_env = 0;
    switch (nr) {
    case SYS_null:
        break;
    case SYS_cputs: { /* never prints anything: the log is parsed */
        static const uint64_t bad[] = {0,
                                       8,
                                       KERNEL_TEXT,
                                       PHYS_MAP_BASE + 0x100000,
                                       USER_TOP,
                                       USER_TOP + 4096,
                                       0x0000300000000000UL};
        a[1] = fz_size(r);
        a[0] = fz_ptr(c, r, 16);
        if (a[1] && a[1] <= (1UL << 20))
            a[0] = bad[fz_below(r, sizeof bad / sizeof bad[0])];
        break;
    }
    case SYS_exit:
        if (c->root || !fz_pct(r, 10))
            return 0;
        a[0] = fz_any(r);
        break;
    case SYS_sysinfo:
        a[0] = fz_ptr(c, r, sizeof(struct sys_info));
        break;
    case SYS_console_read:
        a[0] = fz_slot(c, r), a[2] = fz_size(r) & 0xff, a[1] = fz_ptr(c, r, a[2]);
        break;
    case SYS_cap_inspect:
        a[0] = fz_slot(c, r), a[1] = fz_ptr(c, r, sizeof(struct cap_info));
        break;
    case SYS_cap_derive:
        a[0] = fz_slot(c, r);
        a[1] = fz_pct(r, 80) ? fz_below(r, 128) : fz_any(r);
        a[2] = fz_pct(r, 50) ? CAP_SELF : fz_env(c, r);
        returns_slot = 1;
        break;
    case SYS_cap_revoke:
        a[0] = fz_slot(c, r);
        break;
    case SYS_cap_delete:
        a[0] = fz_victim(c, r);
        break;
    case SYS_frame_alloc:
        a[0] = fz_pct(r, 80) ? (uint64_t)-1 : fz_pct(r, 50) ? fz_below(r, 1UL << 16) : fz_any(r);
        returns_slot = 1;
        break;
    case SYS_mmu_update:
        a[0] = fz_pct(r, 50) ? CAP_SELF : fz_env(c, r);
        a[1] = fz_mmu_batch(c, r, a[0], &a[2]);
        if (fz_pct(r, 5)) { /* whatever is there: old batches, other calls' output */
            a[1] = fz_ptr(c, r, 16);
            uint64_t lo = (uint64_t)c->scratch, hi = lo + FZ_SCRATCH;
            if (a[1] >= lo && a[1] < hi && a[2] > (hi - a[1]) / sizeof(struct mmu_op))
                a[2] = (hi - a[1]) / sizeof(struct mmu_op); /* not beyond the area */
            if (a[0] == CAP_SELF)
                fz_filter_self(c, r, a[1], a[2]);
        }
        break;
    case SYS_env_create:
        if (!c->root && !(c->flags & FZ_NEST))
            return 0;
        a[0] = fz_pct(r, 70) ? 16 + fz_below(r, 256) : fz_any(r);
        returns_slot = returns_env = 1;
        break;
    case SYS_env_load: {
        static const char *const progs[] = {FZ_CHILD, "t_exit42", "t_spin", "nosuch", ""};
        const char *p = progs[fz_below(r, 5)];
        a[0] = fz_env(c, r);
        memcpy(c->scratch, p, strlen(p));
        a[1] = (uint64_t)c->scratch;
        a[2] = strlen(p);
        if (fz_pct(r, 10))
            a[1] = fz_ptr(c, r, 8), a[2] = fz_size(r);
        break;
    }
    case SYS_env_set_entries:
        a[0] = fz_env(c, r);
        if (a[0] == CAP_SELF && (c->root || !fz_pct(r, 10)))
            a[0] = NCAPSLOTS - 1;
        a[1] = fz_pct(r, 90) ? fz_entries(c, r) : fz_ptr(c, r, sizeof(struct env_entries));
        break;
    case SYS_env_start:
        a[0] = fz_env(c, r);
        break;
    case SYS_slot_alloc:
        a[0] = fz_env(c, r);
        a[1] = fz_pct(r, 80) ? (uint64_t)-1 : fz_any(r);
        returns_slot = 1;
        break;
    case SYS_yield:
        a[0] = fz_pct(r, 40) ? (uint64_t)-1 : fz_env(c, r);
        break;
    case SYS_pct_call:
        a[0] = fz_env(c, r), a[1] = fz_any(r), a[2] = fz_any(r), a[3] = fz_any(r);
        break;
    case SYS_pct_reply:
        a[0] = fz_any(r), a[1] = fz_any(r);
        break;
    case SYS_pct_send:
        a[0] = fz_env(c, r);
        a[1] = fz_bits(c, r);
        break;
    case SYS_block: /* a root never waits for long */
        a[0] = fz_pct(r, 80) ? 1 + fz_below(r, 2000) : fz_any(r);
        if (a[0] == 0 || (c->root && a[0] > 5000 && a[0] <= BLOCK_TIMEOUT_MAX))
            a[0] = 1 + fz_below(r, 5000);
        break;
    case SYS_env_revoke:
        a[0] = fz_env(c, r);
        a[1] = fz_pct(r, 80) ? 1 + fz_below(r, 2) : fz_any(r);
        a[2] = fz_pct(r, 80) ? 1 + fz_below(r, 32) : fz_any(r);
        a[3] = fz_pct(r, 80) ? fz_below(r, 20) : fz_any(r);
        if (a[1] == REVOKE_FRAMES && !(c->flags & FZ_REVOKE))
            a[1] = REVOKE_SLOTS;
        break;
    case SYS_revoke_done:
        break;
    case SYS_env_status:
        a[0] = fz_env(c, r);
        break;
    case SYS_ext_load:
        a[0] = fz_ext_object(c, r, &a[1]);
        a[2] = fz_pct(r, 50) ? 0 : fz_ptr(c, r, sizeof(struct ext_verdict));
        if (a[2] >= a[0] && a[2] < a[0] + FZ_SCRATCH)
            a[2] = 0; /* not over the object */
        a[4] = fz_pct(r, 80) ? 0 : fz_below(r, 10);
        a[3] = a[4] ? fz_ptr(c, r, 4 * a[4]) : 0;
        returns_slot = 1;
        break;
    case SYS_ext_attach:
        a[0] = fz_slot(c, r), a[1] = fz_below(r, 4),
        a[2] = fz_pct(r, 70) ? (uint64_t)-1 : fz_any(r);
        a[3] = fz_pct(r, 50) ? CAP_SELF : fz_env(c, r);
        a[5] = fz_pct(r, 70) ? 0 : fz_below(r, 10);
        a[4] = fz_ptr(c, r, 4 * a[5] + 4);
        returns_slot = 1;
        break;
    case SYS_ext_info:
        a[0] = fz_slot(c, r), a[1] = fz_any(r) & 7,
        a[2] = fz_ptr(c, r, sizeof(struct ext_prog_info));
        break;
    case SYS_bootimage_map: /* rarely: each map costs page tables */
        if (!fz_pct(r, 10))
            return 0;
        a[0] = fz_va(r);
        break;
    case SYS_frame_alloc_in:
        a[0] = fz_pct(r, 50) ? CAP_SELF : fz_env(c, r);
        a[1] = fz_pct(r, 80) ? (uint64_t)-1 : fz_any(r);
        a[2] = fz_pct(r, 70) ? fz_below(r, 4) : fz_any(r);
        returns_slot = 1;
        break;
    case SYS_cap_list:
        a[0] = fz_pct(r, 70) ? fz_below(r, 128) : fz_any(r);
        a[2] = fz_pct(r, 80) ? 1 + fz_below(r, 256) : fz_any(r);
        a[1] = fz_ptr(c, r, a[2] <= 256 ? a[2] * sizeof(struct cap_info) : 16);
        break;
    case SYS_env_set_regs:
        a[0] = fz_env(c, r), a[1] = fz_regs(c, r);
        break;
    case SYS_env_replace:
        a[0] = fz_env(c, r);
        break; /* a root is refused */
    case SYS_cap_move: {
        a[0] = fz_victim(c, r);
        a[1] = fz_pct(r, 30) ? CAP_SELF : fz_env(c, r);
        if (!(c->flags & FZ_ENVMOVE) && a[1] != CAP_SELF) {
            struct cap_info *ci = (struct cap_info *)c->scratch;
            c->calls++;
            if (a[0] < NCAPSLOTS && a[0] && sys_cap_inspect((uint32_t)a[0], ci) == 0 &&
                ci->type == CAP_ENV)
                a[1] = CAP_SELF; /* no env capability into another env: no cycles */
        }
        returns_slot = 1;
        break;
    }
    case SYS_ext_combine:
        a[0] = fz_slot(c, r), a[1] = fz_slot(c, r), returns_slot = 1;
        break;
    case SYS_notify_create:
        returns_slot = 1;
        break;
    case SYS_notify_bind:
        a[0] = fz_slot(c, r), a[1] = fz_pct(r, 80) ? fz_below(r, 70) : fz_any(r);
        a[2] = fz_pct(r, 80) ? fz_below(r, 1UL << 20) : fz_any(r);
        break;
    case SYS_notify_signal:
        a[0] = fz_slot(c, r), a[1] = fz_pct(r, 80) ? fz_below(r, 70) : fz_any(r);
        break;
    case SYS_dev_open:
        a[0] = fz_pct(r, 60) ? 0 : fz_pct(r, 50) ? DEV_DISK : fz_any(r), returns_slot = 1;
        break;
    case SYS_blk_submit: { /* reads into frames it may lose, never its own pages */
        struct blk_req *q = (struct blk_req *)c->scratch;
        uint64_t n = fz_pct(r, 60) ? 1 : fz_pct(r, 90) ? 1 + fz_below(r, 8) : fz_below(r, 80);
        for (uint64_t k2 = 0; k2 < n && k2 < 80; k2++) {
            /* Blocks below 4096 only, or far outside the disk: the last
             * block and 9000-9049 belong to the boots after the suite. */
            q[k2] = (struct blk_req){
                .block = fz_pct(r, 85) ? fz_below(r, 4096) : 1UL << 40,
                .count = (uint32_t)(fz_pct(r, 70)   ? 1
                                    : fz_pct(r, 70) ? 1 + fz_below(r, 8)
                                                    : fz_any(r) & 1023),
                .op = (uint32_t)(fz_pct(r, 80) ? 1 + fz_below(r, 3) : fz_below(r, 5)) |
                      (fz_pct(r, 10) ? BLK_FUA : 0),
                .cap = (uint32_t)(c->disk && fz_pct(r, 60) ? c->disk : fz_slot(c, r)),
                .frame = (uint32_t)fz_victim(c, r),
                .page = (uint32_t)(fz_pct(r, 70)   ? 0
                                   : fz_pct(r, 80) ? fz_below(r, 4)
                                                   : fz_any(r)),
                .reserved = fz_pct(r, 95) ? 0 : 1,
                .tag = k2};
            /* A copy may name one of the root's own pages (derived from a
             * protected slot): a read would overwrite its code or stack. */
            struct cap_info fi;
            if (c->root && sys_cap_inspect(q[k2].frame, &fi) == 0 && fi.depth > 0)
                q[k2].frame = NCAPSLOTS - 1;
        }
        a[0] = fz_pct(r, 85) ? (uint64_t)q : fz_ptr(c, r, n * sizeof *q);
        a[1] = n, a[2] = fz_pct(r, 50) ? CAP_SELF : fz_slot(c, r), a[3] = fz_below(r, 70);
        break;
    }
    case SYS_blk_reap:
        a[0] = fz_ptr(c, r, 16 * sizeof(struct blk_done));
        a[1] = fz_pct(r, 80) ? fz_below(r, 20) : fz_any(r);
        break;
    case SYS_blk_derive:
        a[0] = fz_slot(c, r), a[1] = fz_pct(r, 70) ? fz_below(r, 5000) : fz_any(r);
        a[2] = fz_pct(r, 70) ? fz_below(r, 5000) : fz_any(r), a[3] = fz_below(r, 128);
        a[4] = fz_pct(r, 50) ? CAP_SELF : fz_env(c, r), returns_slot = 1;
        break;
    case SYS_blk_ctl: /* (the crash point is refused: the test boot does not allow it) */
        a[0] = fz_slot(c, r), a[1] = fz_below(r, 5), a[2] = fz_any(r);
        break;
    case SYS_dev_irq:
        a[0] = fz_slot(c, r), a[1] = fz_pct(r, 20) ? CAP_SELF : fz_slot(c, r);
        a[2] = fz_pct(r, 80) ? fz_below(r, 70) : fz_any(r);
        break;
    case SYS_dev_ctl: /* console loopback would swallow the log: only "off" */
        a[0] = fz_slot(c, r), a[1] = fz_pct(r, 80) ? fz_below(r, 4) : fz_any(r);
        a[2] = fz_pct(r, 80) ? 0 : fz_any(r);
        if (a[1] == DEVCTL_LOOPBACK && a[2] != 0)
            a[1] = DEVCTL_INTERRUPTS;
        break;
    case SYS_env_credit:
        if (!(c->flags & FZ_CREDIT))
            return 0;
        a[0] = fz_env(c, r), a[1] = fz_any(r), a[2] = fz_any(r);
        break;
    case SYS_env_quota: {
        static const uint64_t give[] = {
            0, 1, 2, -1UL, -2UL, 1UL << 31, -(1UL << 31), (1UL << 31) + 1, 100, ~0UL >> 1};
        a[0] = fz_env(c, r);
        a[1] = fz_pct(r, 80) ? fz_below(r, OBJ_ALL + 1) : fz_any(r);
        a[2] = fz_pct(r, 80) ? give[fz_below(r, 10)] : fz_any(r);
        a[3] = fz_pct(r, 50) ? fz_below(r, 16) : fz_any(r);
        a[4] = fz_pct(r, 50) ? fz_below(r, 16) : fz_any(r);
        break;
    }
    case SYS_env_set_foreign: /* (70, among the unknown numbers) never the root itself: its
                               * kernel calls would become upcalls it has no handler for
                               * (a child lets it through now and then, and dies) */
        a[0] = fz_env(c, r);
        if (a[0] == CAP_SELF && (c->root || !fz_pct(r, 2)))
            a[0] = 1 + fz_below(r, NCAPSLOTS - 1);
        a[1] = fz_any(r);
        break;
    case SYS_frame_copy:
        a[0] = fz_slot(c, r);
        returns_slot = 1;
        break;
    case SYS_mmu_op: { /* (120: one operation in registers; never the program's own pages
                        * through its own table, as fz_filter_self) */
        a[0] = fz_pct(r, 50) ? CAP_SELF : fz_env(c, r);
        a[1] = fz_pct(r, 80) ? fz_va(r) : fz_any(r);
        a[2] = fz_pct(r, 90) ? fz_slot(c, r) : fz_any(r);
        a[3] = fz_pct(r, 90) ? (1 + fz_below(r, 5)) | (fz_pct(r, 30) ? MMU_W : 0) |
                                   (fz_pct(r, 20) ? MMU_X : 0) | (fz_pct(r, 10) ? MMU_TCAP : 0) |
                                   (fz_pct(r, 5) ? MMU_CLRAD : 0)
                             : fz_any(r);
        if (a[0] == CAP_SELF && (a[3] & 0xff) != MMU_MAP && (a[3] & 0xff) != MMU_COPY &&
            fz_is_prot(c, a[2] & 0xffffffffu) && (c->root || !fz_pct(r, 2)))
            a[2] = NCAPSLOTS - 1;
        if ((a[3] & 0xff) == MMU_REMAP) { /* (the replaced capability's slot is in va) */
            if (fz_pct(r, 80))
                a[1] = fz_slot(c, r);
            if (a[0] == CAP_SELF && a[1] < NCAPSLOTS && fz_is_prot(c, a[1]) &&
                (c->root || !fz_pct(r, 2)))
                a[1] = NCAPSLOTS - 1;
        }
        break;
    }
    case SYS_frame_map: /* (121: a zeroed frame, mapped) */
        a[0] = fz_env(c, r);
        a[1] = fz_pct(r, 80) ? fz_va(r) : fz_any(r);
        a[2] =
            fz_pct(r, 80) ? (fz_pct(r, 50) ? MMU_W : 0) | (fz_pct(r, 20) ? MMU_X : 0) : fz_any(r);
        returns_slot = a[0] == CAP_SELF;
        break;
    case SYS_pct_give: /* (outside a call: refused; inside one: a copy for the caller) */
        a[0] = fz_slot(c, r), a[1] = fz_pct(r, 80) ? fz_below(r, 128) : fz_any(r);
        break;
    /* The network: devices (the fuzzer, a root, may open them), endpoints on
     * whatever blocks it holds (whose rings it may have mapped and
     * scribbled on: garbage descriptors and indices), filters with random
     * keys, sends, statistics, control. */
    case SYS_net_open:
        a[0] = fz_pct(r, 80) ? fz_below(r, 3) : fz_any(r), returns_slot = 1;
        break;
    case SYS_net_endpoint:
        a[0] = fz_slot(c, r), a[1] = fz_slot(c, r);
        a[2] = fz_pct(r, 30) ? CAP_SELF : fz_slot(c, r);
        a[3] = fz_pct(r, 80) ? fz_below(r, 70) : fz_any(r), returns_slot = 1;
        break;
    case SYS_net_attach:
        a[0] = fz_slot(c, r), a[1] = fz_slot(c, r);
        a[2] = fz_pct(r, 80) ? fz_below(r, 4) : fz_any(r);
        a[3] = fz_ptr(c, r, sizeof(struct net_key));
        break;
    case SYS_net_tx:
        a[0] = fz_slot(c, r);
        break;
    case SYS_net_stat:
        a[0] = fz_slot(c, r), a[1] = fz_ptr(c, r, sizeof(struct net_stats));
        break;
    case SYS_net_filters:
        a[0] = fz_slot(c, r), a[2] = fz_pct(r, 80) ? fz_below(r, 150) : fz_any(r);
        a[1] = fz_ptr(c, r, a[2] <= 144 ? a[2] * sizeof(struct net_filter_info) : 16);
        break;
    case SYS_net_ctl:
        a[0] = fz_slot(c, r), a[1] = fz_pct(r, 80) ? fz_below(r, 4) : fz_any(r);
        a[2] = fz_pct(r, 50) ? fz_slot(c, r) : fz_any(r);
        break;
    default: /* unknown call numbers, random arguments */
        for (int i = 0; i < 6; i++)
            a[i] = fz_any(r);
    }
    if (c->trace) /* before the call: it may never return */
        printf("  [%x] %s(%lx, %lx, %lx, %lx, %lx, %lx)\n", exo_info->id,
               nr == SYS_frame_copy                          ? "frame_copy"
               : nr >= 0 && nr < FZ_NCALLS && fz_names[nr]   ? fz_names[nr]
               : nr >= SYS_net_open && nr <= SYS_net_filters ? "net"
                                                             : "unknown",
               a[0], a[1], a[2], a[3], a[4], a[5]);
    if (c->trace && nr == SYS_mmu_update && a[1] == (uint64_t)c->scratch)
        for (uint64_t k = 0; k < a[2] && k < 4; k++) {
            const struct mmu_op *o = (const struct mmu_op *)c->scratch + k;
            printf("  [%x]   op %lu: op 0x%x cap 0x%x va 0x%lx\n", exo_info->id, k, o->op, o->cap,
                   o->va);
        }
    long ret =
        exo_syscall6(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4], (long)a[5]);
    c->calls++;
    if (c->trace)
        printf("  [%x]   = %ld\n", exo_info->id, ret);
    if (returns_slot && ret > 0)
        fz_remember(c, ret, returns_env);
    if (nr == SYS_dev_open && a[0] == DEV_DISK && ret > 0)
        c->disk = (uint32_t)ret;
    if (nr == SYS_blk_submit && ret > 0)
        c->blk_batches++;
    return ret;
}

#endif
