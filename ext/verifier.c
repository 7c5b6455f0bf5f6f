/*
 * verifier.c - abstract interpretation of extension programs.
 *
 * Overview
 * --------
 * 1. A static pass checks every instruction's encoding, jump and call
 *    targets, and computes per-instruction register liveness.
 * 2. The program is then executed symbolically along every path (depth
 *    first).  The abstract state holds, per call frame, 11 registers and the
 *    512-byte stack (64 eight-byte slots).  A register is one of
 *      NOT_INIT   never written (reading it is an error)
 *      SCALAR     a number, with unsigned [umin,umax] and signed [smin,smax];
 *                 copies (mov, spill) share an `id` so that a bound learned
 *                 on one copy is applied to all
 *      CTX        the context pointer + constant off (+ variable part
 *                 [umin,umax] that must stay inside one data field)
 *      STACK      frame `frameno`'s frame pointer + constant off (+ variable
 *                 part; then no spills, and stores initialize nothing)
 *      PKT        packet start + variable part [umin,umax] (identified by
 *                 `id`) + constant off; `range` = bytes known to be below
 *                 packet end, measured from start + variable part
 *      PKT_END    packet end (only comparisons allowed)
 *      REGION     granted region `region` + variable [umin,umax] + off
 *    A stack slot is either a spilled register (8-byte aligned store of a
 *    full register: keeps its type) or raw bytes with a per-byte init mask.
 * 3. Loops: there is no back-edge ban.  Jump targets are "prune points"
 *    where a checkpoint of the state is recorded.  A checkpoint whose whole
 *    subtree has been explored is "complete": a later state at the same
 *    instruction that it covers (every value of the new state is a value of
 *    the checkpoint) is safe and the path stops.  A state covered by an
 *    *incomplete* checkpoint at the same instruction (which is always an
 *    ancestor on the current path, because exploration is LIFO) means the
 *    loop made no provable progress: rejected as a possibly unbounded loop.
 *    Bounded loops whose counter the verifier tracks exactly are explored
 *    iteration by iteration, limited by the complexity budget.
 *    Dead registers (static liveness) are ignored when comparing states.
 * 4. Every pointer offset is bounded (constant part by MAX_PTR_OFF,
 *    variable part by MAX_VAR_OFF), so address computations in the checks
 *    (done in int64_t) cannot overflow.
 */
#include "verifier.h"

#include "ext_env.h"

#define U64_MAX      (~(uint64_t)0)
#define S64_MAX      ((int64_t)(U64_MAX >> 1))
#define S64_MIN      (-S64_MAX - 1)
#define NSLOTS       (BPF_STACK_SIZE / 8)
#define MAX_PTR_OFF  (1 << 29)  /* bound on constant pointer offsets */
#define MAX_VAR_OFF  (1u << 20) /* bound on variable pointer offsets */
#define MAX_CKPT_CMP 64         /* checkpoints compared per prune point visit */

enum rtype { T_NOT_INIT = 0, T_SCALAR, T_CTX, T_STACK, T_PKT, T_PKT_END, T_REGION };

static const char *const type_names[] = {"uninitialized", "scalar",         "ctx pointer",
                                         "stack pointer", "packet pointer", "packet end",
                                         "region pointer"};

struct reg {
    uint8_t type;
    uint8_t frameno;     /* T_STACK: frame owning the stack */
    uint8_t region;      /* T_REGION: region id (see region_desc()) */
    uint32_t id;         /* T_PKT: identity of the variable part (0: none) */
    int32_t off;         /* pointers: constant offset */
    int32_t range;       /* T_PKT: start+var+range <= packet end is known */
    uint64_t umin, umax; /* scalar value, or a pointer's variable offset */
    int64_t smin, smax;
};

enum slot_kind { SLOT_BYTES = 0, SLOT_SPILL };

struct frame_state {
    struct reg regs[BPF_NREGS];
    uint8_t slot_kind[NSLOTS];
    uint8_t slot_init[NSLOTS]; /* SLOT_BYTES: bit i = byte i initialized */
    struct reg spill[NSLOTS];  /* SLOT_SPILL: the spilled register */
    uint32_t callsite;         /* pc of the call that created this frame */
};

struct vstate {
    uint32_t nframes;
    struct frame_state frames[]; /* nframes entries; the current state has room for all */
};

/*
 * Packed state, used for checkpoints and pending branches: per frame a
 * header followed by only the spilled registers actually present (most of a
 * frame_state is the rarely used spill[] array).
 */
struct frame_hdr {
    struct reg regs[BPF_NREGS];
    uint8_t slot_kind[NSLOTS];
    uint8_t slot_init[NSLOTS];
    uint32_t callsite;
    uint32_t nspill; /* followed by nspill struct reg, in slot order */
};

struct pstate {
    uint32_t nframes;
    uint32_t bytes;  /* size of data[] */
    uint64_t data[]; /* nframes x (frame_hdr + spills) */
};

struct ckpt {
    struct ckpt *next;   /* next checkpoint at the same instruction */
    struct ckpt *parent; /* checkpoint this path went through before */
    uint32_t branches;   /* live paths / children not yet finished */
    bool complete;
    struct pstate st;
};

struct pending {
    uint32_t pc;
    struct ckpt *ckpt;
    size_t prev_hi;        /* arena top before this entry was pushed */
    struct pending *below; /* previously pushed entry */
    struct pstate st;
};

/* Per-instruction flags from the static pass. */
#define IF_PRUNE 1 /* jump target: record checkpoints here */
#define IF_LDDW2 2 /* second half of lddw */
#define IF_FUNC  4 /* call target (function entry) */

struct env {
    const struct bpf_prog *prog;
    const struct bpf_insn *insns;
    uint32_t len;
    const struct ext_hook *hook;
    struct bpf_verify_result *res;
    uint8_t *arena;
    size_t lo, hi; /* checkpoints grow up from lo, pending branches down from hi */
    uint8_t *flags;
    uint16_t *live; /* live-in register mask per instruction */
    struct ckpt **ckpts;
    struct ckpt *cur_ckpt;
    struct pending *top; /* most recently pushed pending branch */
    uint32_t next_id;
    uint64_t max_steps;
    size_t ckpt_reserve; /* arena bytes kept free of checkpoints */
    struct vstate *cur;  /* has room for BPF_MAX_CALL_DEPTH frames */
    struct vstate *tmp;  /* scratch state of the same size */
};

/* ---------------------------------------------------------------- errors */

static void put_str(char *buf, size_t n, size_t *pos, const char *s)
{
    while (*s && *pos + 1 < n)
        buf[(*pos)++] = *s++;
    buf[*pos] = 0;
}

static void put_int(char *buf, size_t n, size_t *pos, int64_t v)
{
    char tmp[24];
    int i = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[i++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[i++] = '-';
    char out[24];
    int j = 0;
    while (i)
        out[j++] = tmp[--i];
    out[j] = 0;
    put_str(buf, n, pos, out);
}

/* Minimal formatter: %s, %d (int), %u (unsigned), %l (int64_t). */
static bool reject(struct env *e, uint32_t pc, const char *fmt, ...)
{
    __builtin_va_list ap;
    size_t pos = 0, n = sizeof(e->res->reason);
    char *buf = e->res->reason;
    buf[0] = 0;
    __builtin_va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%' || !p[1]) {
            char c[2] = {*p, 0};
            put_str(buf, n, &pos, c);
            continue;
        }
        switch (*++p) {
        case 's':
            put_str(buf, n, &pos, __builtin_va_arg(ap, const char *));
            break;
        case 'd':
            put_int(buf, n, &pos, __builtin_va_arg(ap, int));
            break;
        case 'u':
            put_int(buf, n, &pos, __builtin_va_arg(ap, unsigned));
            break;
        case 'l':
            put_int(buf, n, &pos, __builtin_va_arg(ap, int64_t));
            break;
        default:
            put_str(buf, n, &pos, "%");
            break;
        }
    }
    __builtin_va_end(ap);
    e->res->ok = false;
    e->res->insn = pc;
    return false;
}

/* ---------------------------------------------------------------- arena */

static void *alloc_lo(struct env *e, size_t sz)
{
    sz = (sz + 15) & ~(size_t)15;
    if (e->hi - e->lo < sz)
        return NULL;
    void *p = e->arena + e->lo;
    e->lo += sz;
    return p;
}

static void *alloc_hi(struct env *e, size_t sz)
{
    sz = (sz + 15) & ~(size_t)15;
    if (e->hi - e->lo < sz)
        return NULL;
    e->hi -= sz;
    return e->arena + e->hi;
}

static size_t state_size(uint32_t nframes)
{
    return sizeof(struct vstate) + nframes * sizeof(struct frame_state);
}

static void copy_state(struct vstate *dst, const struct vstate *src)
{
    memcpy(dst, src, state_size(src->nframes));
}

static size_t packed_size(const struct vstate *s)
{
    size_t n = sizeof(struct pstate);
    for (uint32_t fi = 0; fi < s->nframes; fi++) {
        n += sizeof(struct frame_hdr);
        for (int i = 0; i < NSLOTS; i++)
            if (s->frames[fi].slot_kind[i] == SLOT_SPILL)
                n += sizeof(struct reg);
    }
    return n;
}

static void pack_state(struct pstate *d, const struct vstate *s)
{
    uint8_t *p = (uint8_t *)d->data;
    d->nframes = s->nframes;
    for (uint32_t fi = 0; fi < s->nframes; fi++) {
        const struct frame_state *f = &s->frames[fi];
        struct frame_hdr *h = (struct frame_hdr *)(void *)p;
        struct reg *sp = (struct reg *)(h + 1);
        uint32_t n = 0;
        memcpy(h->regs, f->regs, sizeof(h->regs));
        memcpy(h->slot_kind, f->slot_kind, sizeof(h->slot_kind));
        memcpy(h->slot_init, f->slot_init, sizeof(h->slot_init));
        h->callsite = f->callsite;
        for (int i = 0; i < NSLOTS; i++)
            if (f->slot_kind[i] == SLOT_SPILL)
                sp[n++] = f->spill[i];
        h->nspill = n;
        p = (uint8_t *)(sp + n);
    }
    d->bytes = (uint32_t)(p - (uint8_t *)d->data);
}

/* Walk to the next packed frame header. */
static const struct frame_hdr *next_hdr(const struct frame_hdr *h)
{
    return (const struct frame_hdr *)(const void *)((const struct reg *)(h + 1) + h->nspill);
}

static void unpack_state(struct vstate *d, const struct pstate *s)
{
    const struct frame_hdr *h = (const struct frame_hdr *)(const void *)s->data;
    d->nframes = s->nframes;
    for (uint32_t fi = 0; fi < s->nframes; fi++, h = next_hdr(h)) {
        struct frame_state *f = &d->frames[fi];
        const struct reg *sp = (const struct reg *)(h + 1);
        uint32_t n = 0;
        memcpy(f->regs, h->regs, sizeof(f->regs));
        memcpy(f->slot_kind, h->slot_kind, sizeof(f->slot_kind));
        memcpy(f->slot_init, h->slot_init, sizeof(f->slot_init));
        f->callsite = h->callsite;
        for (int i = 0; i < NSLOTS; i++)
            if (f->slot_kind[i] == SLOT_SPILL)
                f->spill[i] = sp[n++];
    }
}

/* ---------------------------------------------------------------- scalars */

static void mark_unknown(struct reg *r)
{
    memset(r, 0, sizeof(*r));
    r->type = T_SCALAR;
    r->umax = U64_MAX;
    r->smin = S64_MIN;
    r->smax = S64_MAX;
}

static void mark_const(struct reg *r, uint64_t v)
{
    memset(r, 0, sizeof(*r));
    r->type = T_SCALAR;
    r->umin = r->umax = v;
    r->smin = r->smax = (int64_t)v;
}

static bool is_const(const struct reg *r)
{
    return r->type == T_SCALAR && r->umin == r->umax;
}

/*
 * Tighten the unsigned and signed ranges against each other.  Returns false
 * if the ranges are empty (the state is impossible).
 */
static bool sync_bounds(struct reg *r)
{
    if (r->umin > r->umax || r->smin > r->smax)
        return false;
    if ((int64_t)r->umin <= (int64_t)r->umax) { /* does not cross the sign boundary */
        if ((int64_t)r->umin > r->smin)
            r->smin = (int64_t)r->umin;
        if ((int64_t)r->umax < r->smax)
            r->smax = (int64_t)r->umax;
    }
    if (r->smin >= 0 || r->smax < 0) {
        if ((uint64_t)r->smin > r->umin)
            r->umin = (uint64_t)r->smin;
        if ((uint64_t)r->smax < r->umax)
            r->umax = (uint64_t)r->smax;
    }
    return r->umin <= r->umax && r->smin <= r->smax;
}

static void set_urange(struct reg *r, uint64_t lo, uint64_t hi)
{
    mark_unknown(r);
    r->umin = lo;
    r->umax = hi;
    sync_bounds(r);
}

/* Range of the low 32 bits of a scalar, as an unsigned value. */
static void trunc32(struct reg *r)
{
    if (r->umax > 0xffffffffu)
        set_urange(r, 0, 0xffffffffu);
    else
        set_urange(r, r->umin, r->umax);
}

static uint64_t pow2_mask(uint64_t v) /* smallest 2^k - 1 >= v */
{
    uint64_t m = 0;
    while (m < v)
        m = (m << 1) | 1;
    return m;
}

/*
 * Abstract ALU on two scalars: d = d op s.  Exact when both are constants
 * (using the interpreter's own semantics), otherwise a sound range.
 */
static void scalar_alu(uint8_t code, int16_t off, int32_t imm, struct reg *d,
                       const struct reg *s_in)
{
    bool is64 = BPF_CLASS(code) == BPF_ALU64;
    uint8_t op = BPF_OP(code);
    struct reg s = *s_in;
    uint64_t v;

    if (is_const(d) && is_const(&s) && bpf_alu_eval(code, off, imm, d->umin, s.umin, &v)) {
        mark_const(d, v);
        return;
    }
    if (op == BPF_MOV && off == 0) {
        *d = s;
        if (!is64)
            trunc32(d);
        return;
    }
    if (op == BPF_END) {
        /* Byte swaps: BPF_ALU-class to-LE/BE with imm 64 are 64-bit operations. */
        if (imm == 16)
            set_urange(d, 0, 0xffff);
        else if (imm == 32)
            set_urange(d, 0, 0xffffffffu);
        else if (!(BPF_SRC(code) == BPF_TO_LE && !is64))
            mark_unknown(d); /* 64-bit swap; 64-bit to-LE is the identity */
        return;
    }
    if (!is64) {
        /* Work on the low 32 bits; results above 2^32 are widened below. */
        trunc32(d);
        trunc32(&s);
        switch (op) {
        case BPF_ADD:
        case BPF_SUB:
        case BPF_MUL:
        case BPF_AND:
        case BPF_OR:
        case BPF_XOR:
        case BPF_RSH:
        case BPF_LSH:
            break;
        case BPF_DIV:
        case BPF_MOD:
            if (off == 0)
                break;
            /* fallthrough */
        default:
            set_urange(d, 0, 0xffffffffu);
            return;
        }
    }
    uint64_t lo, hi;
    int64_t slo, shi;
    switch (op) {
    case BPF_ADD: {
        bool uo = __builtin_add_overflow(d->umin, s.umin, &lo);
        uo = __builtin_add_overflow(d->umax, s.umax, &hi) || uo;
        bool so = __builtin_add_overflow(d->smin, s.smin, &slo);
        so = __builtin_add_overflow(d->smax, s.smax, &shi) || so;
        mark_unknown(d);
        if (!uo) {
            d->umin = lo;
            d->umax = hi;
        }
        if (!so && is64) {
            d->smin = slo;
            d->smax = shi;
        }
        break;
    }
    case BPF_SUB: {
        bool uo = d->umin < s.umax;
        lo = d->umin - s.umax;
        hi = d->umax - s.umin;
        bool so = __builtin_sub_overflow(d->smin, s.smax, &slo);
        so = __builtin_sub_overflow(d->smax, s.smin, &shi) || so;
        mark_unknown(d);
        if (!uo) {
            d->umin = lo;
            d->umax = hi;
        }
        if (!so && is64) {
            d->smin = slo;
            d->smax = shi;
        }
        break;
    }
    case BPF_MUL:
        if (d->umax <= 0xffffffffu && s.umax <= 0xffffffffu)
            set_urange(d, d->umin * s.umin, d->umax * s.umax);
        else
            mark_unknown(d);
        break;
    case BPF_AND:
        set_urange(d, 0, d->umax < s.umax ? d->umax : s.umax);
        break;
    case BPF_OR:
        set_urange(d, d->umin > s.umin ? d->umin : s.umin, pow2_mask(d->umax | s.umax));
        break;
    case BPF_XOR:
        set_urange(d, 0, pow2_mask(d->umax | s.umax));
        break;
    case BPF_LSH: {
        uint64_t k = s.umin & (is64 ? 63 : 31);
        if (is_const(&s) && k < 64 && (d->umax << k) >> k == d->umax)
            set_urange(d, d->umin << k, d->umax << k);
        else
            mark_unknown(d);
        break;
    }
    case BPF_RSH:
        if (is_const(&s)) {
            uint64_t k = s.umin & (is64 ? 63 : 31);
            set_urange(d, d->umin >> k, d->umax >> k);
        } else {
            set_urange(d, 0, d->umax);
        }
        break;
    case BPF_ARSH:
        if (is_const(&s)) {
            uint64_t k = s.umin & 63;
            slo = d->smin >> k;
            shi = d->smax >> k;
            mark_unknown(d);
            d->smin = slo;
            d->smax = shi;
            sync_bounds(d);
        } else {
            mark_unknown(d);
        }
        break;
    case BPF_DIV:
        if (off != 0)
            mark_unknown(d);
        else if (is_const(&s) && s.umin != 0)
            set_urange(d, d->umin / s.umin, d->umax / s.umin);
        else
            set_urange(d, 0, d->umax);
        break;
    case BPF_MOD:
        if (off != 0)
            mark_unknown(d);
        else if (is_const(&s) && s.umin != 0)
            set_urange(d, 0, d->umax < s.umin - 1 ? d->umax : s.umin - 1);
        else
            set_urange(d, 0, d->umax);
        break;
    case BPF_MOV: { /* MOVSX (64-bit only here) */
        uint64_t half = (uint64_t)1 << (off - 1);
        if (s.umax < half)
            *d = s;
        else {
            mark_unknown(d);
            d->smin = -(int64_t)half;
            d->smax = (int64_t)half - 1;
            sync_bounds(d);
        }
        break;
    }
    case BPF_NEG:
        if (d->smin != S64_MIN) {
            slo = -d->smax;
            shi = -d->smin;
            mark_unknown(d);
            d->smin = slo;
            d->smax = shi;
            sync_bounds(d);
        } else {
            mark_unknown(d);
        }
        break;
    default:
        mark_unknown(d);
        break;
    }
    if (!is64 && d->umax > 0xffffffffu)
        set_urange(d, 0, 0xffffffffu);
    if (!sync_bounds(d))
        mark_unknown(d);
}

/* ---------------------------------------------------------------- static pass */

static bool jump_target_ok(struct env *e, uint32_t pc, int64_t tgt)
{
    if (tgt < 0 || tgt >= e->len)
        return reject(e, pc, "jump out of range (target %l)", tgt);
    return true;
}

static bool check_insn_encoding(struct env *e, uint32_t pc)
{
    const struct bpf_insn *in = &e->insns[pc];
    uint8_t code = in->code, cls = BPF_CLASS(code), op = BPF_OP(code);

    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
        bool is64 = cls == BPF_ALU64;
        if (op > BPF_END)
            return reject(e, pc, "invalid ALU opcode 0x%u", code);
        if (in->dst > 9)
            return reject(e, pc, "R%u is not writable", (unsigned)in->dst);
        if (BPF_SRC(code) == BPF_X && op != BPF_END && op != BPF_NEG && in->src > 10)
            return reject(e, pc, "invalid source register R%u", (unsigned)in->src);
        if (op == BPF_END) {
            /* The source bit picks the byte order; imm is the width. */
            if (in->imm != 16 && in->imm != 32 && in->imm != 64)
                return reject(e, pc, "invalid byte swap width %d", in->imm);
            if (is64 && BPF_SRC(code) != 0)
                return reject(e, pc, "invalid ALU opcode 0x%u", code);
            if (in->src)
                return reject(e, pc, "reserved field not zero (src of byte swap)");
        } else if (op == BPF_NEG) {
            if (BPF_SRC(code) != BPF_K)
                return reject(e, pc, "invalid ALU opcode 0x%u", code);
            if (in->src || in->imm)
                return reject(e, pc, "reserved field not zero (src/imm of neg)");
        } else if (BPF_SRC(code) == BPF_K && in->src) {
            return reject(e, pc, "reserved field not zero (src of immediate form)");
        } else if (BPF_SRC(code) == BPF_X && in->imm) {
            return reject(e, pc, "reserved field not zero (imm of register form)");
        }
        bool off_ok = in->off == 0;
        if ((op == BPF_DIV || op == BPF_MOD) && in->off == 1)
            off_ok = true;
        if (op == BPF_MOV && BPF_SRC(code) == BPF_X &&
            (in->off == 8 || in->off == 16 || (is64 && in->off == 32)))
            off_ok = true;
        if (!off_ok)
            return reject(e, pc, "invalid offset %d for ALU instruction", in->off);
        return true;
    }
    case BPF_LD:
        if (code != BPF_LDDW_CODE)
            return reject(e, pc, "unsupported load instruction (legacy packet access)");
        if (pc + 1 >= e->len)
            return reject(e, pc, "lddw is missing its second half");
        if (in->dst > 9)
            return reject(e, pc, "R%u is not writable", (unsigned)in->dst);
        {
            const struct bpf_insn *n = &e->insns[pc + 1];
            if (n->code || n->dst || n->src || n->off)
                return reject(e, pc, "invalid second half of lddw");
        }
        if (in->off)
            return reject(e, pc, "invalid lddw offset");
        if (in->src == BPF_PSEUDO_MAP_VALUE) {
            if ((uint32_t)in->imm >= e->prog->ndata)
                return reject(e, pc, "lddw references unknown data region %d", in->imm);
        } else if (in->src != 0) {
            return reject(e, pc, "unsupported lddw source %u", (unsigned)in->src);
        }
        return true;
    case BPF_LDX:
        if (BPF_MODE(code) != BPF_MEM && !(BPF_MODE(code) == BPF_MEMSX && BPF_SIZE(code) != BPF_DW))
            return reject(e, pc, "invalid load mode 0x%u", code);
        if (in->dst > 9)
            return reject(e, pc, "R%u is not writable", (unsigned)in->dst);
        if (in->src > 10)
            return reject(e, pc, "invalid source register R%u", (unsigned)in->src);
        if (in->imm)
            return reject(e, pc, "reserved field not zero");
        return true;
    case BPF_ST:
    case BPF_STX:
        if (in->dst > 10 || in->src > 10)
            return reject(e, pc, "invalid register");
        if (BPF_MODE(code) == BPF_ATOMIC && cls == BPF_STX) {
            int32_t a = in->imm;
            if (BPF_SIZE(code) != BPF_W && BPF_SIZE(code) != BPF_DW)
                return reject(e, pc, "invalid atomic operand size");
            if (a != BPF_ADD && a != BPF_OR && a != BPF_AND && a != BPF_XOR &&
                a != (BPF_ADD | BPF_FETCH) && a != (BPF_OR | BPF_FETCH) &&
                a != (BPF_AND | BPF_FETCH) && a != (BPF_XOR | BPF_FETCH) && a != BPF_XCHG &&
                a != BPF_CMPXCHG)
                return reject(e, pc, "invalid atomic operation %d", a);
            if ((a & BPF_FETCH) && in->src == 10)
                return reject(e, pc, "R10 is not writable");
            return true;
        }
        if (BPF_MODE(code) != BPF_MEM)
            return reject(e, pc, "invalid store mode 0x%u", code);
        if (cls == BPF_STX && in->imm)
            return reject(e, pc, "reserved field not zero (imm of stx)");
        if (cls == BPF_ST && in->src)
            return reject(e, pc, "reserved field not zero (src of st)");
        return true;
    case BPF_JMP:
    case BPF_JMP32:
        if (op == BPF_CALL || op == BPF_EXIT) {
            if (cls == BPF_JMP32)
                return reject(e, pc, "invalid JMP32 opcode 0x%u", code);
            if (in->dst || in->off || BPF_SRC(code))
                return reject(e, pc, "reserved field not zero");
            if (op == BPF_EXIT)
                return in->src || in->imm ? reject(e, pc, "reserved field not zero") : true;
            if (in->src == BPF_PSEUDO_CALL) {
                if (!jump_target_ok(e, pc, (int64_t)pc + in->imm + 1))
                    return false;
                return true;
            }
            if (in->src != BPF_PSEUDO_HELPER)
                return reject(e, pc, "unsupported call type %u", (unsigned)in->src);
            /* Checked here too so unreachable calls cannot name bad helpers. */
            if (in->imm <= 0 || in->imm >= EXT_HELPER_MAX || !ext_helpers[in->imm].name)
                return reject(e, pc, "unknown helper %d", in->imm);
            if (!(e->hook->helpers & (1u << in->imm)))
                return reject(e, pc, "helper %s is not allowed for hook %s",
                              ext_helpers[in->imm].name, e->hook->name);
            return true;
        }
        if (op == BPF_JA) {
            /* ja uses off, the JMP32 form (gotol) imm; the other is unused. */
            if (BPF_SRC(code) || in->dst || in->src ||
                (cls == BPF_JMP32 ? in->off != 0 : in->imm != 0))
                return reject(e, pc, "reserved field not zero (ja)");
            int64_t t = (int64_t)pc + 1 + (cls == BPF_JMP32 ? in->imm : in->off);
            return jump_target_ok(e, pc, t);
        }
        if (op > BPF_JSLE)
            return reject(e, pc, "invalid jump opcode 0x%u", code);
        if (in->dst > 10 || in->src > 10)
            return reject(e, pc, "invalid register");
        if (BPF_SRC(code) == BPF_K && in->src)
            return reject(e, pc, "reserved field not zero (src of immediate jump)");
        if (BPF_SRC(code) == BPF_X && in->imm)
            return reject(e, pc, "reserved field not zero (imm of register jump)");
        return jump_target_ok(e, pc, (int64_t)pc + 1 + in->off);
    default:
        return reject(e, pc, "invalid opcode 0x%u", code);
    }
}

/* Jump / call target of insn pc (or -1). */
static int64_t branch_target(const struct bpf_insn *in, uint32_t pc)
{
    uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
    if (cls != BPF_JMP && cls != BPF_JMP32)
        return -1;
    if (op == BPF_EXIT)
        return -1;
    if (op == BPF_CALL)
        return in->src == BPF_PSEUDO_CALL ? (int64_t)pc + 1 + in->imm : -1;
    if (op == BPF_JA && cls == BPF_JMP32)
        return (int64_t)pc + 1 + in->imm;
    return (int64_t)pc + 1 + in->off;
}

/* Registers read (use) and written (def) by an instruction, for liveness. */
static void insn_use_def(const struct bpf_insn *in, uint16_t *use, uint16_t *def)
{
    uint8_t code = in->code, cls = BPF_CLASS(code), op = BPF_OP(code);
    uint16_t d = (uint16_t)(1u << in->dst), s = (uint16_t)(1u << in->src);
    *use = *def = 0;
    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
        *def = d;
        if (op == BPF_MOV)
            *use = BPF_SRC(code) == BPF_X ? s : 0;
        else
            *use = d | (BPF_SRC(code) == BPF_X && op != BPF_END && op != BPF_NEG ? s : 0);
        break;
    case BPF_LD:
        *def = d;
        break;
    case BPF_LDX:
        *use = s;
        *def = d;
        break;
    case BPF_ST:
        *use = d;
        break;
    case BPF_STX:
        *use = d | s;
        if (BPF_MODE(code) == BPF_ATOMIC) {
            if (in->imm == BPF_CMPXCHG) {
                *use |= 1;
                *def = 1;
            } else if (in->imm & BPF_FETCH) {
                *def = s;
            }
        }
        break;
    case BPF_JMP:
    case BPF_JMP32:
        if (op == BPF_CALL) {
            *use = 0x3e; /* r1..r5 */
            *def = 0x3f; /* r0 defined, r1..r5 clobbered */
        } else if (op == BPF_EXIT) {
            *use = 1;
        } else if (op != BPF_JA) {
            *use = d | (BPF_SRC(code) == BPF_X ? s : 0);
        }
        break;
    }
}

static bool static_pass(struct env *e)
{
    if (e->len == 0)
        return reject(e, 0, "empty program");
    for (uint32_t pc = 0; pc < e->len; pc++) {
        if (e->flags[pc] & IF_LDDW2)
            continue;
        if (!check_insn_encoding(e, pc))
            return false;
        if (e->insns[pc].code == BPF_LDDW_CODE)
            e->flags[pc + 1] |= IF_LDDW2;
    }
    for (uint32_t pc = 0; pc < e->len; pc++) {
        if (e->flags[pc] & IF_LDDW2)
            continue;
        int64_t t = branch_target(&e->insns[pc], pc);
        if (t < 0)
            continue;
        if (e->flags[t] & IF_LDDW2)
            return reject(e, pc, "jump into the middle of lddw (target %l)", t);
        if (BPF_OP(e->insns[pc].code) == BPF_CALL)
            e->flags[t] |= IF_FUNC | IF_PRUNE;
        else
            e->flags[t] |= IF_PRUNE;
    }
    /* Backward liveness to a fixpoint. */
    bool changed = true;
    memset(e->live, 0, e->len * sizeof(uint16_t));
    while (changed) {
        changed = false;
        for (uint32_t i = e->len; i-- > 0;) {
            if (e->flags[i] & IF_LDDW2)
                continue;
            const struct bpf_insn *in = &e->insns[i];
            uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
            uint16_t out = 0, use, def;
            bool is_jmp = cls == BPF_JMP || cls == BPF_JMP32;
            uint32_t next = i + (in->code == BPF_LDDW_CODE ? 2 : 1);
            bool falls = !(is_jmp && (op == BPF_EXIT || op == BPF_JA));
            if (falls && next < e->len)
                out |= e->live[next];
            if (is_jmp && op != BPF_CALL && op != BPF_EXIT) {
                int64_t t = branch_target(in, i);
                out |= e->live[t];
            }
            insn_use_def(in, &use, &def);
            uint16_t nl = (uint16_t)(use | (out & ~def));
            if (nl != e->live[i]) {
                e->live[i] = nl;
                changed = true;
            }
        }
    }
    return true;
}

/* ---------------------------------------------------------------- state helpers */

static struct frame_state *top_frame(struct env *e)
{
    return &e->cur->frames[e->cur->nframes - 1];
}

static void init_frame(struct frame_state *f, uint32_t frameno, uint32_t callsite)
{
    memset(f, 0, sizeof(*f));
    f->regs[10].type = T_STACK;
    f->regs[10].frameno = (uint8_t)frameno;
    f->callsite = callsite;
}

static bool check_read(struct env *e, uint32_t pc, int regno)
{
    if (top_frame(e)->regs[regno].type == T_NOT_INIT)
        return reject(e, pc, "R%d is uninitialized", regno);
    return true;
}

static bool is_ptr(const struct reg *r)
{
    return r->type > T_SCALAR;
}

/* Apply fn to every register and spilled register of the current state. */
#define FOR_EACH_REG(e, r, body)                                                                   \
    do {                                                                                           \
        for (uint32_t fi_ = 0; fi_ < (e)->cur->nframes; fi_++) {                                   \
            struct frame_state *f_ = &(e)->cur->frames[fi_];                                       \
            for (int ri_ = 0; ri_ < BPF_NREGS; ri_++) {                                            \
                struct reg *r = &f_->regs[ri_];                                                    \
                body;                                                                              \
            }                                                                                      \
            for (int si_ = 0; si_ < NSLOTS; si_++) {                                               \
                if (f_->slot_kind[si_] != SLOT_SPILL)                                              \
                    continue;                                                                      \
                struct reg *r = &f_->spill[si_];                                                   \
                body;                                                                              \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* Learned: packet pointer p (and every pointer sharing its variable part) +
 * `bytes` <= packet end. */
static void learn_pkt_range(struct env *e, const struct reg *p, int64_t bytes)
{
    uint32_t id = p->id;
    if (bytes > MAX_PTR_OFF || bytes <= 0)
        return;
    FOR_EACH_REG(e, r, {
        if (r->type == T_PKT && r->id == id && r->range < bytes)
            r->range = (int32_t)bytes;
    });
}

static const struct ext_region_desc *region_desc(struct env *e, uint8_t id,
                                                 struct ext_region_desc *tmp)
{
    if (id < EXT_MAX_HOOK_REGIONS)
        return id < e->hook->nregions ? &e->hook->regions[id] : NULL;
    id -= EXT_MAX_HOOK_REGIONS;
    if (id >= e->prog->ndata)
        return NULL;
    tmp->name = e->prog->data[id].name;
    tmp->size = e->prog->data[id].size;
    tmp->writable = e->prog->data[id].writable;
    return tmp;
}

/* ---------------------------------------------------------------- memory access */

enum acc { ACC_READ, ACC_WRITE, ACC_ATOMIC, ACC_HELPER_READ, ACC_HELPER_WRITE };

/*
 * Check an access of `size` bytes (size may come from a helper argument, up to
 * EXT_MAX_HELPER_MEM) at ptr + ioff.  For reads, *out receives the loaded
 * value (for ctx pointer fields a typed pointer).  `val` is the value stored
 * for ACC_WRITE (NULL for immediates).
 */
static bool check_mem(struct env *e, uint32_t pc, int regno, const struct reg *ptr, int64_t ioff,
                      int64_t size, enum acc acc, const struct reg *val, struct reg *out,
                      bool sign_ext)
{
    bool write = acc == ACC_WRITE || acc == ACC_ATOMIC || acc == ACC_HELPER_WRITE;
    int64_t lo = (int64_t)ptr->off + ioff; /* constant part of the start */

    if (out)
        set_urange(out, 0, size >= 8 ? U64_MAX : ((uint64_t)1 << (size * 8)) - 1);
    if (out && sign_ext && size < 8) {
        mark_unknown(out);
        out->smin = -((int64_t)1 << (size * 8 - 1));
        out->smax = ((int64_t)1 << (size * 8 - 1)) - 1;
        sync_bounds(out);
    }
    if (val && is_ptr(val) && (ptr->type != T_STACK || size != 8))
        return reject(e, pc,
                      "R%d leaks a pointer (pointers may only be spilled to the stack "
                      "with an 8-byte store)",
                      (int)e->insns[pc].src);

    switch (ptr->type) {
    case T_NOT_INIT:
        return reject(e, pc, "R%d is uninitialized", regno);
    case T_SCALAR:
        return reject(e, pc, "R%d invalid memory access: scalar used as pointer", regno);
    case T_PKT_END:
        return reject(e, pc, "R%d invalid memory access: packet end pointer", regno);
    case T_CTX: {
        if (acc == ACC_ATOMIC || acc == ACC_HELPER_READ || acc == ACC_HELPER_WRITE)
            return reject(e, pc, "R%d ctx memory cannot be used here", regno);
        /* With a variable offset (array fields such as pool[] or msg[]) the
         * whole possible range must lie inside one plain data field. */
        int64_t first = lo + (int64_t)ptr->umin, last = lo + (int64_t)ptr->umax + size;
        for (uint32_t i = 0; i < e->hook->nfields; i++) {
            const struct ext_ctx_field *f = &e->hook->fields[i];
            if (first < f->off || last > (int64_t)f->off + f->size)
                continue;
            if (ptr->umax != 0 && f->kind != EXT_FIELD_SCALAR)
                return reject(e, pc, "variable offset access to ctx pointer field %s", f->name);
            if (!(f->rights & (write ? EXT_F_WRITE : EXT_F_READ)))
                return reject(e, pc, "ctx field %s is not %s", f->name,
                              write ? "writable" : "readable");
            if (f->kind != EXT_FIELD_SCALAR) {
                if (lo != f->off || size != 8 || sign_ext)
                    return reject(e, pc, "ctx field %s must be read as a whole u64", f->name);
                memset(out, 0, sizeof(*out));
                if (f->kind == EXT_FIELD_PKT_START) {
                    out->type = T_PKT;
                } else if (f->kind == EXT_FIELD_PKT_END) {
                    out->type = T_PKT_END;
                } else {
                    out->type = T_REGION;
                    out->region = f->region;
                }
            }
            return true;
        }
        if (ptr->umax != 0)
            return reject(e, pc, "invalid variable ctx access at offset %l..%l", first, last);
        return reject(e, pc, "invalid ctx access at offset %l size %l", lo, size);
    }
    case T_STACK: {
        struct frame_state *f = &e->cur->frames[ptr->frameno];
        if (ptr->umax != 0) {
            /* Variable offset (e.g. a local array indexed by a variable):
             * every byte that may be touched must be in the stack; reads
             * need them all initialized; writes only weaken knowledge. */
            int64_t first = lo + (int64_t)ptr->umin, last = lo + (int64_t)ptr->umax + size;
            if (first < -BPF_STACK_SIZE || last > 0 || size <= 0)
                return reject(e, pc, "invalid variable stack access at offset %l..%l", first, last);
            if (acc == ACC_ATOMIC)
                return reject(e, pc, "atomic operation with a variable stack offset");
            if (val && is_ptr(val))
                return reject(e, pc, "pointer spill with a variable stack offset");
            for (int64_t b = first + BPF_STACK_SIZE; b < last + BPF_STACK_SIZE; b++) {
                int s = (int)(b / 8);
                bool spill = f->slot_kind[s] == SLOT_SPILL;
                if (write) {
                    if (spill) {
                        f->slot_init[s] = is_ptr(&f->spill[s]) ? 0 : 0xff;
                        f->slot_kind[s] = SLOT_BYTES;
                    }
                } else if (spill ? is_ptr(&f->spill[s]) : !(f->slot_init[s] & (1u << (b % 8)))) {
                    return reject(e, pc,
                                  "variable stack read of uninitialized or pointer bytes at "
                                  "offset %l",
                                  b - BPF_STACK_SIZE);
                }
            }
            return true;
        }
        if (lo < -BPF_STACK_SIZE || lo + size > 0 || size <= 0)
            return reject(e, pc, "invalid stack access at offset %l size %l", lo, size);
        int64_t base = lo + BPF_STACK_SIZE; /* byte index into the frame */
        bool aligned8 = size == 8 && base % 8 == 0;
        if (write) {
            if (val && val->type == T_STACK && val->frameno > ptr->frameno)
                return reject(e, pc, "storing a pointer to a callee stack in a caller frame");
            if (acc == ACC_ATOMIC) {
                for (int64_t b = base; b < base + size; b++) {
                    int s = (int)(b / 8);
                    if (f->slot_kind[s] == SLOT_SPILL && is_ptr(&f->spill[s]))
                        return reject(e, pc, "atomic operation on a spilled pointer");
                    if (f->slot_kind[s] == SLOT_BYTES && !(f->slot_init[s] & (1u << (b % 8))))
                        return reject(e, pc, "atomic operation on uninitialized stack");
                }
            }
            if (aligned8 && acc == ACC_WRITE) {
                int s = (int)(base / 8);
                f->slot_kind[s] = SLOT_SPILL;
                if (val)
                    f->spill[s] = *val;
                else
                    mark_const(&f->spill[s], (uint64_t)(int64_t)e->insns[pc].imm);
                return true;
            }
            for (int64_t b = base; b < base + size; b++) {
                int s = (int)(b / 8);
                if (f->slot_kind[s] == SLOT_SPILL) {
                    /* Partly overwritten spill: scalar bytes stay initialized,
                     * pointer bytes become unreadable. */
                    f->slot_init[s] = is_ptr(&f->spill[s]) ? 0 : 0xff;
                    f->slot_kind[s] = SLOT_BYTES;
                }
                if (acc != ACC_HELPER_WRITE)
                    f->slot_init[s] |= (uint8_t)(1u << (b % 8));
            }
            return true;
        }
        if (aligned8 && f->slot_kind[base / 8] == SLOT_SPILL) {
            const struct reg *sp = &f->spill[base / 8];
            if (acc == ACC_HELPER_READ && is_ptr(sp))
                return reject(e, pc, "helper would read a spilled pointer");
            if (out)
                *out = *sp;
            return true;
        }
        for (int64_t b = base; b < base + size; b++) {
            int s = (int)(b / 8);
            if (f->slot_kind[s] == SLOT_SPILL) {
                if (is_ptr(&f->spill[s]))
                    return reject(e, pc, "partial read of a spilled pointer at stack offset %l",
                                  b - BPF_STACK_SIZE);
            } else if (!(f->slot_init[s] & (1u << (b % 8)))) {
                return reject(e, pc, "read of uninitialized stack at offset %l",
                              b - BPF_STACK_SIZE);
            }
        }
        return true;
    }
    case T_PKT: {
        if (write)
            return reject(e, pc, "packet is read-only");
        if ((int64_t)ptr->umin + lo < 0)
            return reject(e, pc, "packet access before packet start (offset %l)", lo);
        if (lo + size > ptr->range)
            return reject(e, pc, "packet access out of bounds: offset %l size %l, checked range %d",
                          lo, size, ptr->range);
        return true;
    }
    case T_REGION: {
        struct ext_region_desc tmp;
        const struct ext_region_desc *rd = region_desc(e, ptr->region, &tmp);
        if (!rd)
            return reject(e, pc, "invalid region");
        if (write && !rd->writable)
            return reject(e, pc, "region %s is read-only", rd->name);
        if ((int64_t)ptr->umin + lo < 0 || (int64_t)ptr->umax + lo + size > (int64_t)rd->size)
            return reject(
                e, pc, "region %s access out of bounds: offset %l..%l size %l (region size %u)",
                rd->name, (int64_t)ptr->umin + lo, (int64_t)ptr->umax + lo, size, rd->size);
        return true;
    }
    }
    return reject(e, pc, "invalid memory access");
}

/* ---------------------------------------------------------------- ALU */

static bool do_alu(struct env *e, uint32_t pc)
{
    const struct bpf_insn *in = &e->insns[pc];
    uint8_t code = in->code, op = BPF_OP(code);
    bool is64 = BPF_CLASS(code) == BPF_ALU64;
    struct frame_state *f = top_frame(e);
    struct reg *d = &f->regs[in->dst];
    struct reg s;

    if (op != BPF_MOV && !check_read(e, pc, in->dst))
        return false;
    if (BPF_SRC(code) == BPF_X && op != BPF_END && op != BPF_NEG) {
        if (!check_read(e, pc, in->src))
            return false;
        s = f->regs[in->src];
    } else {
        mark_const(&s, (uint64_t)(int64_t)in->imm);
        if (!is64)
            mark_const(&s, (uint32_t)in->imm);
    }

    if (op == BPF_MOV && in->off == 0 && is64) {
        /* A copy of an unknown scalar shares an id with its source so that
         * bounds learned on either apply to both (see apply_refined). */
        if (s.type == T_SCALAR && !is_const(&s) && s.id == 0)
            s.id = f->regs[in->src].id = ++e->next_id;
        *d = s;
        return true;
    }
    if (!is_ptr(d) && !is_ptr(&s)) {
        scalar_alu(code, in->off, in->imm, d, &s);
        return true;
    }
    if (op == BPF_MOV && !is_ptr(&s)) { /* overwriting a pointer with a scalar */
        mark_unknown(d);
        scalar_alu(code, in->off, in->imm, d, &s);
        return true;
    }
    if (!is64)
        return reject(e, pc, "32-bit arithmetic on a pointer is prohibited");

    /* Pointer arithmetic: only ptr +/- scalar, and packet - packet. */
    if (op == BPF_SUB && is_ptr(d) && is_ptr(&s)) {
        bool pd = d->type == T_PKT || d->type == T_PKT_END;
        bool ps = s.type == T_PKT || s.type == T_PKT_END;
        if (pd && ps) {
            mark_unknown(d);
            return true;
        }
        if (d->type == T_STACK && s.type == T_STACK && d->frameno == s.frameno) {
            if (d->umax == 0 && s.umax == 0)
                mark_const(d, (uint64_t)((int64_t)d->off - s.off));
            else
                mark_unknown(d);
            return true;
        }
        return reject(e, pc, "subtraction of incompatible pointers");
    }
    if (op != BPF_ADD && op != BPF_SUB)
        return reject(e, pc, "pointer arithmetic prohibited (only add/sub of a scalar)");
    if (is_ptr(d) && is_ptr(&s))
        return reject(e, pc, "addition of two pointers is prohibited");
    struct reg ptr = is_ptr(d) ? *d : s;
    struct reg sc = is_ptr(d) ? s : *d;
    if (op == BPF_SUB && !is_ptr(d))
        return reject(e, pc, "subtracting a pointer from a scalar is prohibited");
    if (ptr.type == T_PKT_END)
        return reject(e, pc, "arithmetic on the packet end pointer is prohibited");
    if (is_const(&sc)) {
        int64_t c = (int64_t)sc.umin;
        int64_t no = op == BPF_ADD ? (int64_t)ptr.off + c : (int64_t)ptr.off - c;
        if (c > MAX_PTR_OFF || c < -MAX_PTR_OFF || no > MAX_PTR_OFF || no < -MAX_PTR_OFF)
            return reject(e, pc, "pointer offset %l out of bounds", c);
        ptr.off = (int32_t)no;
        *d = ptr;
        return true;
    }
    if (op == BPF_SUB)
        return reject(e, pc, "subtracting a variable from a pointer is prohibited");
    if (ptr.type != T_PKT && ptr.type != T_REGION && ptr.type != T_STACK && ptr.type != T_CTX)
        return reject(e, pc, "variable offset on %s is prohibited", type_names[ptr.type]);
    if (sc.umax > MAX_VAR_OFF || ptr.umax + sc.umax > MAX_VAR_OFF)
        return reject(e, pc, "variable pointer offset is not bounded (max %l)", (int64_t)sc.umax);
    ptr.umin += sc.umin;
    ptr.umax += sc.umax;
    ptr.smin = (int64_t)ptr.umin;
    ptr.smax = (int64_t)ptr.umax;
    if (ptr.type == T_PKT) {
        ptr.id = ++e->next_id; /* new variable part: nothing known about its range */
        ptr.range = 0;
    }
    *d = ptr;
    return true;
}

/* ---------------------------------------------------------------- branches */

static uint8_t negate_op(uint8_t op)
{
    switch (op) {
    case BPF_JEQ:
        return BPF_JNE;
    case BPF_JNE:
        return BPF_JEQ;
    case BPF_JGT:
        return BPF_JLE;
    case BPF_JLE:
        return BPF_JGT;
    case BPF_JGE:
        return BPF_JLT;
    case BPF_JLT:
        return BPF_JGE;
    case BPF_JSGT:
        return BPF_JSLE;
    case BPF_JSLE:
        return BPF_JSGT;
    case BPF_JSGE:
        return BPF_JSLT;
    case BPF_JSLT:
        return BPF_JSGE;
    default:
        return 0; /* JSET: no refinement */
    }
}

static uint64_t umax64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}
static uint64_t umin64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}
static int64_t smax64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}
static int64_t smin64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Restrict scalars a and b to the values for which `a op b` holds.
 * Returns false if no values satisfy it. */
static bool refine(struct reg *a, struct reg *b, uint8_t op)
{
    switch (op) {
    case BPF_JEQ:
        a->umin = b->umin = umax64(a->umin, b->umin);
        a->umax = b->umax = umin64(a->umax, b->umax);
        a->smin = b->smin = smax64(a->smin, b->smin);
        a->smax = b->smax = smin64(a->smax, b->smax);
        break;
    case BPF_JNE:
        if (is_const(a) && is_const(b) && a->umin == b->umin)
            return false;
        if (is_const(b)) {
            if (a->umin == b->umin)
                a->umin++;
            else if (a->umax == b->umin)
                a->umax--;
        } else if (is_const(a)) {
            if (b->umin == a->umin)
                b->umin++;
            else if (b->umax == a->umin)
                b->umax--;
        }
        break;
    case BPF_JGT: /* a > b */
        if (b->umin == U64_MAX || a->umax == 0)
            return false;
        a->umin = umax64(a->umin, b->umin + 1);
        b->umax = umin64(b->umax, a->umax - 1);
        break;
    case BPF_JGE:
        a->umin = umax64(a->umin, b->umin);
        b->umax = umin64(b->umax, a->umax);
        break;
    case BPF_JLT:
        return refine(b, a, BPF_JGT);
    case BPF_JLE:
        return refine(b, a, BPF_JGE);
    case BPF_JSGT:
        if (b->smin == S64_MAX || a->smax == S64_MIN)
            return false;
        a->smin = smax64(a->smin, b->smin + 1);
        b->smax = smin64(b->smax, a->smax - 1);
        break;
    case BPF_JSGE:
        a->smin = smax64(a->smin, b->smin);
        b->smax = smin64(b->smax, a->smax);
        break;
    case BPF_JSLT:
        return refine(b, a, BPF_JSGT);
    case BPF_JSLE:
        return refine(b, a, BPF_JSGE);
    default:
        break;
    }
    return sync_bounds(a) && sync_bounds(b);
}

static bool push_branch(struct env *e, uint32_t pc, uint32_t target_pc, const struct vstate *st)
{
    size_t before = e->hi;
    struct pending *p =
        alloc_hi(e, sizeof(struct pending) - sizeof(struct pstate) + packed_size(st));
    if (!p)
        return reject(e, pc, "out of verifier memory (too many pending branches)");
    p->pc = target_pc;
    p->ckpt = e->cur_ckpt;
    p->prev_hi = before;
    p->below = e->top;
    pack_state(&p->st, st);
    if (e->cur_ckpt)
        e->cur_ckpt->branches++;
    e->top = p;
    return true;
}

/*
 * Store the refined bounds v of register `regno` (top frame of st) into it and
 * into every scalar sharing its id: copies made by `mov` hold the same value,
 * so a bound learned on one holds for all (clang often tests a copy and then
 * uses the original).
 */
static void apply_refined(struct env *e, struct vstate *st, int regno, const struct reg *v)
{
    struct vstate *save = e->cur;
    e->cur = st;
    struct frame_state *f = top_frame(e);
    uint32_t id = f->regs[regno].id;
    f->regs[regno] = *v;
    if (id) {
        FOR_EACH_REG(e, r, {
            if (r->type == T_SCALAR && r->id == id) {
                r->umin = v->umin;
                r->umax = v->umax;
                r->smin = v->smin;
                r->smax = v->smax;
            }
        });
    }
    e->cur = save;
}

/*
 * Both branches of the jump at pc are feasible; e->tmp holds the state for
 * the taken branch, e->cur the one for the fall-through.  One is pushed, the
 * other continued.  To keep the pending stack shallow in loops, the loop
 * continuation is the one left pending: for a backward jump continue with
 * the fall-through, for a forward jump (typically `if (...) break;`) with
 * the taken branch.
 */
static bool split(struct env *e, uint32_t pc, uint32_t taken_pc, uint32_t fall_pc, uint32_t *next)
{
    if (taken_pc <= pc) {
        *next = fall_pc;
        return push_branch(e, pc, taken_pc, e->tmp);
    }
    if (!push_branch(e, pc, fall_pc, e->cur))
        return false;
    copy_state(e->cur, e->tmp);
    *next = taken_pc;
    return true;
}

/*
 * Conditional jump.  Sets *next to the pc to continue with; the other
 * feasible branch (if any) is pushed.  *dead is set if neither is feasible.
 */
static bool do_cond_jump(struct env *e, uint32_t pc, uint32_t *next, bool *dead)
{
    const struct bpf_insn *in = &e->insns[pc];
    uint8_t code = in->code, op = BPF_OP(code);
    bool is32 = BPF_CLASS(code) == BPF_JMP32;
    uint32_t taken_pc = pc + 1 + in->off, fall_pc = pc + 1;
    struct frame_state *f = top_frame(e);
    struct reg *a = &f->regs[in->dst], *b, kreg;
    bool b_is_reg = BPF_SRC(code) == BPF_X;

    if (!check_read(e, pc, in->dst))
        return false;
    if (b_is_reg) {
        if (!check_read(e, pc, in->src))
            return false;
        b = &f->regs[in->src];
    } else {
        /* JMP32 compares with the 32-bit immediate, JMP with it sign-extended. */
        mark_const(&kreg, is32 ? (uint64_t)(uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
        b = &kreg;
    }
    *dead = false;

    if (is_ptr(a) || is_ptr(b)) {
        bool pa = a->type == T_PKT || a->type == T_PKT_END;
        bool pb = b->type == T_PKT || b->type == T_PKT_END;
        if (!pa || !pb || is32)
            return reject(e, pc, "pointer comparison prohibited");
        /* Normalise to "P op END". */
        struct reg *p = a;
        uint8_t o = op;
        if (a->type == T_PKT_END && b->type == T_PKT) {
            p = b;
            o = op == BPF_JGT   ? BPF_JLT
                : op == BPF_JLT ? BPF_JGT
                : op == BPF_JGE ? BPF_JLE
                : op == BPF_JLE ? BPF_JGE
                                : op;
        } else if (!(a->type == T_PKT && b->type == T_PKT_END)) {
            p = NULL; /* pkt vs pkt: nothing learned */
        }
        struct reg pcopy = p ? *p : *a;
        copy_state(e->tmp, e->cur);
        if (p) {
            /* Taken branch, in e->tmp. */
            struct vstate *save = e->cur;
            e->cur = e->tmp;
            if (o == BPF_JLT)
                learn_pkt_range(e, &pcopy, (int64_t)pcopy.off + 1);
            else if (o == BPF_JLE)
                learn_pkt_range(e, &pcopy, pcopy.off);
            e->cur = save;
            /* Fall-through, in e->cur. */
            if (o == BPF_JGT)
                learn_pkt_range(e, &pcopy, pcopy.off);
            else if (o == BPF_JGE)
                learn_pkt_range(e, &pcopy, (int64_t)pcopy.off + 1);
        }
        return split(e, pc, taken_pc, fall_pc, next);
    }

    /* Scalars. */
    if (is_const(a) && is_const(b)) {
        *next = bpf_jmp_eval(op, is32, a->umin, b->umin) ? taken_pc : fall_pc;
        return true;
    }
    bool can_refine = true;
    if (is32) {
        /* A 32-bit compare equals the 64-bit one when both values fit in 32
         * bits (unsigned ops) or in 31 bits (signed ops). */
        bool sgn = op == BPF_JSGT || op == BPF_JSGE || op == BPF_JSLT || op == BPF_JSLE;
        uint64_t lim = sgn ? 0x7fffffff : 0xffffffffu;
        can_refine = a->umax <= lim && b->umax <= lim;
    }
    if (!can_refine || op == BPF_JSET) {
        copy_state(e->tmp, e->cur);
        return split(e, pc, taken_pc, fall_pc, next);
    }
    struct reg ta = *a, tb = *b, fa = *a, fb = *b;
    bool t_ok = refine(&ta, &tb, op);
    bool f_ok = refine(&fa, &fb, negate_op(op));
    if (t_ok && f_ok) {
        copy_state(e->tmp, e->cur);
        apply_refined(e, e->tmp, in->dst, &ta);
        if (b_is_reg)
            apply_refined(e, e->tmp, in->src, &tb);
        apply_refined(e, e->cur, in->dst, &fa);
        if (b_is_reg)
            apply_refined(e, e->cur, in->src, &fb);
        return split(e, pc, taken_pc, fall_pc, next);
    } else if (t_ok) {
        apply_refined(e, e->cur, in->dst, &ta);
        if (b_is_reg)
            apply_refined(e, e->cur, in->src, &tb);
        *next = taken_pc;
    } else if (f_ok) {
        apply_refined(e, e->cur, in->dst, &fa);
        if (b_is_reg)
            apply_refined(e, e->cur, in->src, &fb);
        *next = fall_pc;
    } else {
        *dead = true;
    }
    return true;
}

/* ---------------------------------------------------------------- calls */

static bool do_helper_call(struct env *e, uint32_t pc)
{
    const struct bpf_insn *in = &e->insns[pc];
    int32_t id = in->imm;
    struct frame_state *f = top_frame(e);

    if (id <= 0 || id >= EXT_HELPER_MAX || !ext_helpers[id].name)
        return reject(e, pc, "unknown helper %d", id);
    const struct ext_helper_desc *h = &ext_helpers[id];
    if (!(e->hook->helpers & (1u << id)))
        return reject(e, pc, "helper %s is not allowed for hook %s", h->name, e->hook->name);
    for (int i = 0; i < 5; i++) {
        int regno = i + 1;
        struct reg *r = &f->regs[regno];
        uint8_t t = h->args[i];
        if (t == EXT_ARG_NONE)
            break;
        if (r->type == T_NOT_INIT)
            return reject(e, pc, "helper %s arg%d (R%d) is uninitialized", h->name, regno, regno);
        switch (t) {
        case EXT_ARG_SCALAR:
        case EXT_ARG_SIZE:
            if (r->type != T_SCALAR)
                return reject(e, pc, "helper %s arg%d (R%d) must be a scalar, not %s", h->name,
                              regno, regno, type_names[r->type]);
            break;
        case EXT_ARG_CTX:
            if (r->type != T_CTX || r->off != 0 || r->umax != 0)
                return reject(e, pc, "helper %s arg%d (R%d) must be the ctx pointer", h->name,
                              regno, regno);
            break;
        case EXT_ARG_MEM:
        case EXT_ARG_MEM_UNINIT: {
            struct reg *sz = &f->regs[regno + 1];
            if (r->type != T_STACK && r->type != T_PKT && r->type != T_REGION)
                return reject(e, pc, "helper %s arg%d (R%d) must point to memory, not %s", h->name,
                              regno, regno, type_names[r->type]);
            if (sz->type != T_SCALAR)
                return reject(e, pc, "helper %s arg%d (R%d) size must be a scalar", h->name,
                              regno + 1, regno + 1);
            if (sz->umax > EXT_MAX_HELPER_MEM)
                return reject(e, pc, "helper %s size argument R%d is not bounded (max %l)", h->name,
                              regno + 1, (int64_t)sz->umax);
            if (sz->umax == 0)
                break;
            enum acc acc = t == EXT_ARG_MEM ? ACC_HELPER_READ : ACC_HELPER_WRITE;
            if (!check_mem(e, pc, regno, r, 0, (int64_t)sz->umax, acc, NULL, NULL, false))
                return false;
            if (t == EXT_ARG_MEM_UNINIT && r->type == T_STACK && r->umax == 0 && sz->umin > 0) {
                /* Bytes certainly written by the helper become initialized. */
                struct frame_state *sf = &e->cur->frames[r->frameno];
                int64_t base = (int64_t)r->off + BPF_STACK_SIZE;
                for (int64_t b = base; b < base + (int64_t)sz->umin; b++)
                    sf->slot_init[b / 8] |= (uint8_t)(1u << (b % 8));
            }
            break;
        }
        }
    }
    for (int i = 1; i <= 5; i++)
        f->regs[i].type = T_NOT_INIT;
    set_urange(&f->regs[0], 0, h->ret_max);
    return true;
}

static bool do_pseudo_call(struct env *e, uint32_t pc, uint32_t *next)
{
    const struct bpf_insn *in = &e->insns[pc];
    if (e->cur->nframes >= BPF_MAX_CALL_DEPTH)
        return reject(e, pc, "call depth exceeds %d frames", BPF_MAX_CALL_DEPTH);
    struct frame_state *caller = top_frame(e);
    struct frame_state *callee = &e->cur->frames[e->cur->nframes];
    init_frame(callee, e->cur->nframes, pc);
    for (int i = 1; i <= 5; i++)
        callee->regs[i] = caller->regs[i];
    for (int i = 0; i <= 5; i++) /* dead in the caller across the call */
        caller->regs[i].type = T_NOT_INIT;
    e->cur->nframes++;
    *next = pc + 1 + in->imm;
    return true;
}

/* exit: returns true with *done set when the main function returns. */
static bool do_exit(struct env *e, uint32_t pc, uint32_t *next, bool *done)
{
    struct frame_state *f = top_frame(e);
    struct reg *r0 = &f->regs[0];
    if (r0->type == T_NOT_INIT)
        return reject(e, pc, "R0 is uninitialized at exit");
    if (r0->type != T_SCALAR)
        return reject(e, pc, "R0 leaks a %s at exit", type_names[r0->type]);
    if (e->cur->nframes == 1) {
        *done = true;
        return true;
    }
    struct reg ret = *r0;
    uint32_t callsite = f->callsite;
    e->cur->nframes--;
    struct frame_state *caller = top_frame(e);
    caller->regs[0] = ret;
    for (int i = 1; i <= 5; i++)
        caller->regs[i].type = T_NOT_INIT;
    *next = callsite + 1;
    *done = false;
    return true;
}

/* ---------------------------------------------------------------- pruning */

static bool reg_covers(const struct reg *k, const struct reg *s)
{
    if (k->type == T_NOT_INIT)
        return true;
    if (k->type != s->type)
        return false;
    switch (k->type) {
    case T_SCALAR:
        /* If k relied on this value being equal to other registers (shared
         * id), s must have the same link. */
        if (k->id && k->id != s->id)
            return false;
        return k->umin <= s->umin && s->umax <= k->umax && k->smin <= s->smin && s->smax <= k->smax;
    case T_CTX:
        return k->off == s->off && k->umin <= s->umin && s->umax <= k->umax;
    case T_STACK:
        return k->off == s->off && k->frameno == s->frameno && k->umin <= s->umin &&
               s->umax <= k->umax;
    case T_PKT_END:
        return true;
    case T_PKT:
        if (k->id != s->id || s->range < k->range)
            return false;
        /* fallthrough */
    case T_REGION:
        return k->off == s->off && k->region == s->region && k->umin <= s->umin &&
               s->umax <= k->umax;
    }
    return false;
}

/* Does checkpoint state k (packed; fully explored or in progress) include
 * the current state s? */
static bool state_covers(struct env *e, const struct pstate *k, const struct vstate *s, uint32_t pc)
{
    if (k->nframes != s->nframes)
        return false;
    const struct frame_hdr *kf = (const struct frame_hdr *)(const void *)k->data;
    for (uint32_t fi = 0; fi < k->nframes; fi++, kf = next_hdr(kf)) {
        const struct frame_state *sf = &s->frames[fi];
        const struct reg *kspill = (const struct reg *)(kf + 1); /* in slot order */
        bool top = fi + 1 == k->nframes;
        if (kf->callsite != sf->callsite)
            return false;
        for (int r = 0; r < BPF_NREGS; r++) {
            if (top && r < 10 && !(e->live[pc] & (1u << r)))
                continue; /* dead register: its value cannot matter */
            if (!reg_covers(&kf->regs[r], &sf->regs[r]))
                return false;
        }
        for (int i = 0; i < NSLOTS; i++) {
            if (kf->slot_kind[i] == SLOT_SPILL) {
                if (sf->slot_kind[i] != SLOT_SPILL || !reg_covers(kspill++, &sf->spill[i]))
                    return false;
            } else if (kf->slot_init[i]) {
                if (sf->slot_kind[i] == SLOT_SPILL) {
                    if (is_ptr(&sf->spill[i]))
                        return false;
                } else if ((sf->slot_init[i] & kf->slot_init[i]) != kf->slot_init[i]) {
                    return false;
                }
            }
        }
    }
    return true;
}

/* A path has ended: propagate completion up the checkpoint chain. */
static void path_done(struct env *e)
{
    struct ckpt *c = e->cur_ckpt;
    while (c) {
        if (--c->branches > 0)
            break;
        c->complete = true;
        c = c->parent;
    }
}

/* ---------------------------------------------------------------- main loop */

static bool explore(struct env *e)
{
    uint32_t pc = 0;
    uint64_t steps = 0;

    for (;;) {
        bool path_end = false;
        if (pc >= e->len)
            return reject(e, e->len - 1, "control falls off the end of the program");
        if (++steps > e->max_steps)
            return reject(e, pc, "complexity limit exceeded (%l instructions explored)",
                          (int64_t)e->max_steps);
        e->res->steps = steps;

        if (e->flags[pc] & IF_PRUNE) {
            /* Only the most recent checkpoints are compared (lists are
             * newest-first); this bounds the cost per prune point.  Skipping
             * older ones only loses pruning, never soundness. */
            int budget = MAX_CKPT_CMP;
            for (struct ckpt *c = e->ckpts[pc]; c && budget-- > 0; c = c->next) {
                if (!state_covers(e, &c->st, e->cur, pc))
                    continue;
                if (!c->complete)
                    return reject(e, pc, "loop is not provably bounded (state repeats)");
                e->res->pruned++;
                path_end = true;
                break;
            }
            if (!path_end) {
                /* Checkpoints may use at most half of the arena; the rest is
                 * kept for pending branches. */
                size_t csz = sizeof(struct ckpt) - sizeof(struct pstate) + packed_size(e->cur);
                struct ckpt *c = e->lo + csz + e->ckpt_reserve <= e->hi ? alloc_lo(e, csz) : NULL;
                if (c) {
                    c->parent = e->cur_ckpt;
                    c->branches = 1;
                    c->complete = false;
                    pack_state(&c->st, e->cur);
                    c->next = e->ckpts[pc];
                    e->ckpts[pc] = c;
                    e->cur_ckpt = c;
                }
            }
        }

        if (!path_end) {
            const struct bpf_insn *in = &e->insns[pc];
            uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
            struct frame_state *f = top_frame(e);
            uint32_t next = pc + 1;

            switch (cls) {
            case BPF_ALU:
            case BPF_ALU64:
                if (!do_alu(e, pc))
                    return false;
                break;
            case BPF_LD: {
                struct reg *d = &f->regs[in->dst];
                if (in->src == 0) {
                    mark_const(d, (uint32_t)in->imm |
                                      ((uint64_t)(uint32_t)e->insns[pc + 1].imm << 32));
                } else {
                    memset(d, 0, sizeof(*d));
                    d->type = T_REGION;
                    d->region = (uint8_t)(EXT_MAX_HOOK_REGIONS + in->imm);
                    d->off = e->insns[pc + 1].imm;
                }
                next = pc + 2;
                break;
            }
            case BPF_LDX: {
                struct reg val;
                if (!check_read(e, pc, in->src))
                    return false;
                struct reg ptr = f->regs[in->src];
                if (!check_mem(e, pc, in->src, &ptr, in->off, bpf_size_bytes(in->code), ACC_READ,
                               NULL, &val, BPF_MODE(in->code) == BPF_MEMSX))
                    return false;
                top_frame(e)->regs[in->dst] = val;
                break;
            }
            case BPF_ST:
            case BPF_STX: {
                if (!check_read(e, pc, in->dst))
                    return false;
                if (cls == BPF_STX && !check_read(e, pc, in->src))
                    return false;
                struct reg ptr = f->regs[in->dst];
                struct reg val;
                if (cls == BPF_STX)
                    val = f->regs[in->src];
                if (BPF_MODE(in->code) == BPF_ATOMIC) {
                    int sz = bpf_size_bytes(in->code);
                    if (is_ptr(&val))
                        return reject(e, pc, "R%d leaks a pointer through an atomic operation",
                                      (int)in->src);
                    if (in->imm == BPF_CMPXCHG) {
                        if (!check_read(e, pc, 0))
                            return false;
                        if (is_ptr(&f->regs[0]))
                            return reject(e, pc, "R0 must be a scalar for cmpxchg");
                    }
                    if (ptr.type != T_STACK && ptr.type != T_REGION)
                        return reject(e, pc, "atomic operation on %s is prohibited",
                                      type_names[ptr.type]);
                    if ((((int64_t)ptr.off + in->off) & (sz - 1)) ||
                        (ptr.type == T_REGION && ptr.umin != ptr.umax))
                        return reject(e, pc, "misaligned atomic operation");
                    if (!check_mem(e, pc, in->dst, &ptr, in->off, sz, ACC_ATOMIC, NULL, NULL,
                                   false))
                        return false;
                    if (in->imm == BPF_CMPXCHG)
                        set_urange(&f->regs[0], 0, sz == 4 ? 0xffffffffu : U64_MAX);
                    else if (in->imm & BPF_FETCH)
                        set_urange(&f->regs[in->src], 0, sz == 4 ? 0xffffffffu : U64_MAX);
                    break;
                }
                /* A spilled copy of an unknown scalar is linked to its source like a
                 * register copy (see apply_refined). */
                if (cls == BPF_STX && BPF_SIZE(in->code) == BPF_DW && ptr.type == T_STACK &&
                    val.type == T_SCALAR && !is_const(&val) && val.id == 0)
                    val.id = f->regs[in->src].id = ++e->next_id;
                if (!check_mem(e, pc, in->dst, &ptr, in->off, bpf_size_bytes(in->code), ACC_WRITE,
                               cls == BPF_STX ? &val : NULL, NULL, false))
                    return false;
                break;
            }
            case BPF_JMP:
            case BPF_JMP32:
                if (op == BPF_JA) {
                    next = pc + 1 + (cls == BPF_JMP32 ? in->imm : in->off);
                } else if (op == BPF_EXIT) {
                    bool done = false;
                    if (!do_exit(e, pc, &next, &done))
                        return false;
                    if (done)
                        path_end = true;
                } else if (op == BPF_CALL) {
                    if (in->src == BPF_PSEUDO_CALL) {
                        if (!do_pseudo_call(e, pc, &next))
                            return false;
                    } else if (!do_helper_call(e, pc)) {
                        return false;
                    }
                } else {
                    bool dead = false;
                    if (!do_cond_jump(e, pc, &next, &dead))
                        return false;
                    if (dead)
                        path_end = true;
                }
                break;
            default:
                return reject(e, pc, "invalid opcode");
            }
            pc = next;
        }

        if (path_end) {
            path_done(e);
            if (!e->top)
                return true;
            struct pending *p = e->top;
            unpack_state(e->cur, &p->st);
            pc = p->pc;
            e->cur_ckpt = p->ckpt;
            /* Pop: entries are LIFO, so restoring hi frees exactly this one. */
            e->top = p->below;
            e->hi = p->prev_hi;
        }
    }
}

bool bpf_verify(const struct bpf_prog *prog, const struct bpf_verify_opts *opts, void *arena,
                size_t arena_size, struct bpf_verify_result *res)
{
    struct env *e;
    uint32_t max_insns = opts && opts->max_insns ? opts->max_insns : BPF_MAX_INSNS;

    memset(res, 0, sizeof(*res));
    res->ok = false;
    if (!arena || arena_size < sizeof(struct env) + 64) {
        put_str(res->reason, sizeof(res->reason), &(size_t){0}, "verifier arena too small");
        return false;
    }
    /* Align the arena to 16 bytes. */
    uintptr_t a = ((uintptr_t)arena + 15) & ~(uintptr_t)15;
    arena_size -= a - (uintptr_t)arena;
    arena_size &= ~(size_t)15;
    e = (struct env *)a;
    memset(e, 0, sizeof(*e));
    e->arena = (uint8_t *)a;
    e->lo = (sizeof(*e) + 15) & ~(size_t)15;
    e->hi = arena_size;
    e->res = res;
    e->prog = prog;
    e->insns = prog->insns;
    e->len = prog->len;
    e->hook = prog->hook;
    e->max_steps = opts && opts->max_steps ? opts->max_steps : BPF_VERIFY_DEFAULT_MAX_STEPS;

    if (!prog->hook)
        return reject(e, 0, "program has no hook (context type)");
    if (!prog->insns || prog->len == 0)
        return reject(e, 0, "empty program");
    if (prog->len > max_insns)
        return reject(e, max_insns, "program too large (%u instructions, limit %u)", prog->len,
                      max_insns);
    if (prog->ndata > BPF_MAX_DATA_REGIONS)
        return reject(e, 0, "too many data regions");

    e->flags = alloc_lo(e, e->len);
    e->live = alloc_lo(e, e->len * sizeof(uint16_t));
    e->ckpts = alloc_lo(e, e->len * sizeof(struct ckpt *));
    e->cur = alloc_lo(e, state_size(BPF_MAX_CALL_DEPTH));
    e->tmp = alloc_lo(e, state_size(BPF_MAX_CALL_DEPTH));
    if (!e->flags || !e->live || !e->ckpts || !e->cur || !e->tmp)
        return reject(e, 0, "out of verifier memory");
    memset(e->flags, 0, e->len);
    memset(e->ckpts, 0, e->len * sizeof(struct ckpt *));

    if (!static_pass(e))
        return false;
    e->ckpt_reserve = (e->hi - e->lo) / 2;

    e->cur->nframes = 1;
    init_frame(&e->cur->frames[0], 0, 0);
    e->cur->frames[0].regs[1].type = T_CTX;
    if (!explore(e))
        return false;
    res->ok = true;
    res->insn = 0;
    put_str(res->reason, sizeof(res->reason), &(size_t){0}, "ok");
    return true;
}
