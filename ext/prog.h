/*
 * prog.h - a loaded program as seen by verifier, interpreter and JIT.
 */
#ifndef EXT_PROG_H
#define EXT_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf.h"
#include "hooks.h"

/* A data region of the ELF object (.rodata, .data, .bss), lddw src=2 target. */
struct bpf_data_region {
    const char *name;
    void *base;
    uint32_t size;
    bool writable;
};

#define BPF_MAX_DATA_REGIONS 8

struct bpf_prog {
    const struct bpf_insn *insns;
    uint32_t len; /* in instruction slots */
    const struct ext_hook *hook;
    const struct bpf_data_region *data; /* may be NULL if ndata == 0 */
    uint32_t ndata;
};

/* Helpers receive r1..r5 and return r0. */
typedef uint64_t (*bpf_helper_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

/* ---- Shared ALU semantics (interpreter + verifier constant folding). ---- */

static inline uint64_t bpf_bswap16(uint64_t v)
{
    return ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}
static inline uint64_t bpf_bswap32(uint64_t v)
{
    return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | ((v >> 24) & 0xff);
}
static inline uint64_t bpf_bswap64(uint64_t v)
{
    return (bpf_bswap32(v) << 32) | bpf_bswap32(v >> 32);
}

/*
 * Evaluate an ALU/ALU64 instruction.  `src` is the already selected operand
 * (register value or sign-extended imm).  Returns false for an invalid
 * encoding.  Semantics follow RFC 9669: division by zero yields 0, modulo by
 * zero leaves dst unchanged, shift counts are masked to the operand width,
 * 32-bit operations zero-extend their result, INT_MIN / -1 = INT_MIN and
 * INT_MIN % -1 = 0.
 */
static inline bool bpf_alu_eval(uint8_t code, int16_t off, int32_t imm, uint64_t dst, uint64_t src,
                                uint64_t *out)
{
    bool is64 = BPF_CLASS(code) == BPF_ALU64;
    uint64_t r;
    /* Only signed div/mod (off 1) and movsx (off 8/16/32) use the offset. */
    if (off != 0 && BPF_OP(code) != BPF_MOV &&
        !(off == 1 && (BPF_OP(code) == BPF_DIV || BPF_OP(code) == BPF_MOD)))
        return false;
    if (!is64) {
        uint32_t d = (uint32_t)dst, s = (uint32_t)src;
        switch (BPF_OP(code)) {
        case BPF_ADD:
            r = (uint32_t)(d + s);
            break;
        case BPF_SUB:
            r = (uint32_t)(d - s);
            break;
        case BPF_MUL:
            r = (uint32_t)(d * s);
            break;
        case BPF_OR:
            r = d | s;
            break;
        case BPF_AND:
            r = d & s;
            break;
        case BPF_XOR:
            r = d ^ s;
            break;
        case BPF_LSH:
            r = (uint32_t)(d << (s & 31));
            break;
        case BPF_RSH:
            r = d >> (s & 31);
            break;
        case BPF_ARSH:
            r = (uint32_t)((int32_t)d >> (s & 31));
            break;
        case BPF_NEG:
            r = (uint32_t)(0u - d);
            break;
        case BPF_DIV:
            if (off == 0)
                r = s ? d / s : 0;
            else if (s == 0)
                r = 0;
            else if ((int32_t)s == -1)
                r = (uint32_t)(0u - d);
            else
                r = (uint32_t)((int32_t)d / (int32_t)s);
            break;
        case BPF_MOD:
            if (off == 0)
                r = s ? d % s : d;
            else if (s == 0)
                r = d;
            else if ((int32_t)s == -1)
                r = 0;
            else
                r = (uint32_t)((int32_t)d % (int32_t)s);
            break;
        case BPF_MOV:
            if (off == 0)
                r = s;
            else if (off == 8)
                r = (uint32_t)(int32_t)(int8_t)s;
            else if (off == 16)
                r = (uint32_t)(int32_t)(int16_t)s;
            else
                return false;
            break;
        case BPF_END: /* ALU class: TO_LE / TO_BE on a little-endian machine */
            if (imm != 16 && imm != 32 && imm != 64)
                return false;
            if (BPF_SRC(code) == BPF_TO_LE)
                r = imm == 16 ? (uint16_t)dst : imm == 32 ? (uint32_t)dst : dst;
            else
                r = imm == 16 ? bpf_bswap16(dst) : imm == 32 ? bpf_bswap32(dst) : bpf_bswap64(dst);
            break;
        default:
            return false;
        }
        *out = r;
        return true;
    }
    switch (BPF_OP(code)) {
    case BPF_ADD:
        r = dst + src;
        break;
    case BPF_SUB:
        r = dst - src;
        break;
    case BPF_MUL:
        r = dst * src;
        break;
    case BPF_OR:
        r = dst | src;
        break;
    case BPF_AND:
        r = dst & src;
        break;
    case BPF_XOR:
        r = dst ^ src;
        break;
    case BPF_LSH:
        r = dst << (src & 63);
        break;
    case BPF_RSH:
        r = dst >> (src & 63);
        break;
    case BPF_ARSH:
        r = (uint64_t)((int64_t)dst >> (src & 63));
        break;
    case BPF_NEG:
        r = 0 - dst;
        break;
    case BPF_DIV:
        if (off == 0)
            r = src ? dst / src : 0;
        else if (src == 0)
            r = 0;
        else if ((int64_t)src == -1)
            r = 0 - dst;
        else
            r = (uint64_t)((int64_t)dst / (int64_t)src);
        break;
    case BPF_MOD:
        if (off == 0)
            r = src ? dst % src : dst;
        else if (src == 0)
            r = dst;
        else if ((int64_t)src == -1)
            r = 0;
        else
            r = (uint64_t)((int64_t)dst % (int64_t)src);
        break;
    case BPF_MOV:
        if (off == 0)
            r = src;
        else if (off == 8)
            r = (uint64_t)(int64_t)(int8_t)src;
        else if (off == 16)
            r = (uint64_t)(int64_t)(int16_t)src;
        else if (off == 32)
            r = (uint64_t)(int64_t)(int32_t)src;
        else
            return false;
        break;
    case BPF_END: /* ALU64 class: unconditional byte swap */
        if (BPF_SRC(code) != 0)
            return false;
        if (imm == 16)
            r = bpf_bswap16(dst);
        else if (imm == 32)
            r = bpf_bswap32(dst);
        else if (imm == 64)
            r = bpf_bswap64(dst);
        else
            return false;
        break;
    default:
        return false;
    }
    *out = r;
    return true;
}

/* Evaluate a conditional jump; `is32` compares the low 32 bits. */
static inline bool bpf_jmp_eval(uint8_t op, bool is32, uint64_t a, uint64_t b)
{
    if (is32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    int64_t sa = is32 ? (int64_t)(int32_t)a : (int64_t)a;
    int64_t sb = is32 ? (int64_t)(int32_t)b : (int64_t)b;
    switch (op) {
    case BPF_JEQ:
        return a == b;
    case BPF_JNE:
        return a != b;
    case BPF_JGT:
        return a > b;
    case BPF_JGE:
        return a >= b;
    case BPF_JLT:
        return a < b;
    case BPF_JLE:
        return a <= b;
    case BPF_JSET:
        return (a & b) != 0;
    case BPF_JSGT:
        return sa > sb;
    case BPF_JSGE:
        return sa >= sb;
    case BPF_JSLT:
        return sa < sb;
    case BPF_JSLE:
        return sa <= sb;
    default:
        return false;
    }
}

#endif /* EXT_PROG_H */
