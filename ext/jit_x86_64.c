/*
 * jit_x86_64.c - x86-64 code generator for verified eBPF programs.
 *
 * Register mapping.  BPF r1..r5 land in the SysV argument registers, so
 * helper calls need no shuffling and the context pointer arrives in r1:
 *
 *   BPF:  r0  r1  r2  r3  r4  r5  r6  r7  r8  r9  r10
 *   x86:  rax rdi rsi rdx rcx r8  rbx r13 r14 r15 rbp
 *
 * r9, r10 and r11 are scratch (caller-saved in SysV, never BPF registers);
 * r12 and rsp are never used as a BPF register (they need a SIB byte).
 *
 * Frames.  Every function (the program entry and each bpf-to-bpf call
 * target) starts with the same prologue: push rbp, rbx, r13, r14, r15 (the
 * callee-saved SysV registers we use, which are also BPF's callee-saved
 * r6..r10), reserve 512 bytes of BPF stack and point rbp (r10) at its top.
 * `exit` undoes this and returns, so bpf-to-bpf calls are plain x86 calls and
 * rsp stays 16-byte aligned at every helper call.  Jumps to a function's
 * first instruction land after the prologue, and code that falls through
 * into a function entry jumps over it.
 *
 * Leaf programs.  A program with one function, no calls at all and no
 * mention of r6..r10 (so no BPF stack: every stack access goes through r10)
 * touches no callee-saved register and needs no aligned stack: it gets no
 * prologue, and `exit` is a bare ret (a guard such as `ctx->msg[0] < 100`
 * costs its few instructions, not fourteen more).
 *
 * Code size does not depend on jump distances (all branches use rel32), so
 * two passes suffice: the first records instruction addresses, the second
 * emits the final code.
 */
#include "jit_x86_64.h"

#include "ext_env.h"

enum { RAX = 0, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

static const uint8_t reg_map[BPF_NREGS] = {RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP};

#define TMP   R11 /* scratch: immediates, results */
#define SAVE1 R9  /* scratch: saved rax in div/mod and atomics */
#define SAVE2 R10 /* scratch: saved rdx / address */

struct jit {
    uint8_t *buf;
    size_t cap, pos;
    bool emit; /* second pass */
    bool overflow;
    bool leaf;       /* a leaf program: no prologue, exit is ret (above) */
    uint32_t *addr;  /* code offset of each instruction (after any prologue) */
    uint32_t *faddr; /* code offset of the prologue of each function entry */
};

static void b(struct jit *j, uint8_t v)
{
    if (j->emit) {
        if (j->pos < j->cap)
            j->buf[j->pos] = v;
        else
            j->overflow = true;
    }
    j->pos++;
}

static void b32(struct jit *j, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b(j, (uint8_t)(v >> (8 * i)));
}

static void b64(struct jit *j, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b(j, (uint8_t)(v >> (8 * i)));
}

/* REX prefix; `force` emits it even when empty (byte access to sil/dil). */
static void rex(struct jit *j, bool w, int reg, int rm, bool force)
{
    uint8_t r = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0));
    if (r != 0x40 || force)
        b(j, r);
}

static void modrm_rr(struct jit *j, int reg, int rm)
{
    b(j, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

/* ModRM for [base + disp32]. */
static void modrm_mem(struct jit *j, int reg, int base, int32_t disp)
{
    b(j, (uint8_t)(0x80 | ((reg & 7) << 3) | (base & 7)));
    if ((base & 7) == 4)
        b(j, 0x24); /* SIB: base only */
    b32(j, (uint32_t)disp);
}

/* op reg-reg: opcode with "r/m = dst, reg = src" direction (e.g. 0x01 add). */
static void alu_rr(struct jit *j, bool w, uint8_t opc, int dst, int src)
{
    rex(j, w, src, dst, false);
    b(j, opc);
    modrm_rr(j, src, dst);
}

static void mov_rr(struct jit *j, bool w, int dst, int src)
{
    if (dst == src && w)
        return;
    alu_rr(j, w, 0x89, dst, src);
}

/* mov dst, sign-extended imm32 (64-bit) */
static void mov_ri(struct jit *j, int dst, int32_t imm)
{
    rex(j, true, 0, dst, false);
    b(j, 0xc7);
    modrm_rr(j, 0, dst);
    b32(j, (uint32_t)imm);
}

/* mov dst32, imm32 (zero-extends) */
static void mov_ri32(struct jit *j, int dst, uint32_t imm)
{
    rex(j, false, 0, dst, false);
    b(j, (uint8_t)(0xb8 + (dst & 7)));
    b32(j, imm);
}

static void movabs(struct jit *j, int dst, uint64_t imm)
{
    rex(j, true, 0, dst, false);
    b(j, (uint8_t)(0xb8 + (dst & 7)));
    b64(j, imm);
}

/* group-3 unary (F7 /ext): 3 neg, 6 div, 7 idiv */
static void unary(struct jit *j, bool w, int ext, int rm)
{
    rex(j, w, 0, rm, false);
    b(j, 0xf7);
    modrm_rr(j, ext, rm);
}

static void jcc32(struct jit *j, uint8_t cc, int32_t rel)
{
    b(j, 0x0f);
    b(j, (uint8_t)(0x80 | cc));
    b32(j, (uint32_t)rel);
}

/* Short forward jump placeholder: returns position of the rel8 byte. */
static size_t jcc8(struct jit *j, uint8_t cc)
{
    b(j, (uint8_t)(0x70 | cc));
    b(j, 0);
    return j->pos - 1;
}

static size_t jmp8(struct jit *j)
{
    b(j, 0xeb);
    b(j, 0);
    return j->pos - 1;
}

static void patch8(struct jit *j, size_t at)
{
    if (j->emit && at < j->cap)
        j->buf[at] = (uint8_t)(j->pos - (at + 1));
}

enum {
    CC_B = 2,
    CC_AE = 3,
    CC_E = 4,
    CC_NE = 5,
    CC_BE = 6,
    CC_A = 7,
    CC_L = 0xc,
    CC_GE = 0xd,
    CC_LE = 0xe,
    CC_G = 0xf
};

/* push/pop of a 64-bit register */
static void push_reg(struct jit *j, int r)
{
    rex(j, false, 0, r, false);
    b(j, (uint8_t)(0x50 + (r & 7)));
}

static void pop_reg(struct jit *j, int r)
{
    rex(j, false, 0, r, false);
    b(j, (uint8_t)(0x58 + (r & 7)));
}

/* Callee-saved registers pushed by every function prologue, in push order. */
static const uint8_t saved_regs[] = {RBP, RBX, R13, R14, R15};

static void emit_prologue(struct jit *j)
{
    if (j->leaf)
        return;
    for (size_t i = 0; i < sizeof(saved_regs); i++)
        push_reg(j, saved_regs[i]);
    /* sub rsp, 512: 5 pushes + return address keep rsp 16-byte aligned */
    rex(j, true, 0, RSP, false);
    b(j, 0x81);
    modrm_rr(j, 5, RSP);
    b32(j, BPF_STACK_SIZE);
    /* lea rbp, [rsp + 512]: BPF r10 points to the top of the frame's stack */
    rex(j, true, RBP, RSP, false);
    b(j, 0x8d);
    modrm_mem(j, RBP, RSP, BPF_STACK_SIZE);
}

static void emit_epilogue(struct jit *j)
{
    if (j->leaf) {
        b(j, 0xc3); /* ret */
        return;
    }
    mov_rr(j, true, RSP, RBP); /* mov rsp, rbp: drop the BPF stack */
    for (size_t i = sizeof(saved_regs); i-- > 0;)
        pop_reg(j, saved_regs[i]);
    b(j, 0xc3); /* ret */
}

/*
 * div/mod (unsigned or signed, 32 or 64 bit), dst = dst op divisor where the
 * divisor is already in TMP.  rax/rdx are saved in SAVE1/SAVE2.  Division by
 * zero and the signed -1 divisor (INT_MIN / -1 traps on x86) are handled
 * before the divide instruction, per RFC 9669.
 */
static void emit_divmod(struct jit *j, bool w, bool is_mod, bool is_signed, int dst)
{
    mov_rr(j, true, SAVE1, RAX);
    mov_rr(j, true, SAVE2, RDX);
    mov_rr(j, true, RAX, dst);
    alu_rr(j, w, 0x85, TMP, TMP); /* test tmp, tmp */
    size_t nz = jcc8(j, CC_NE);
    /* divisor == 0: div -> 0, mod -> dst (truncated for 32-bit) */
    if (is_mod)
        mov_rr(j, w, RAX, RAX);
    else
        alu_rr(j, false, 0x31, RAX, RAX); /* xor eax, eax */
    size_t done1 = jmp8(j);
    patch8(j, nz);
    size_t done2 = 0;
    if (is_signed) {
        /* cmp tmp, -1 */
        rex(j, w, 0, TMP, false);
        b(j, 0x83);
        modrm_rr(j, 7, TMP);
        b(j, 0xff);
        size_t not_m1 = jcc8(j, CC_NE);
        if (is_mod)
            alu_rr(j, false, 0x31, RAX, RAX);
        else
            unary(j, w, 3, RAX); /* neg: INT_MIN stays INT_MIN */
        done2 = jmp8(j);
        patch8(j, not_m1);
        if (w)
            b(j, 0x48);
        b(j, 0x99); /* cqo / cdq */
        unary(j, w, 7, TMP);
    } else {
        alu_rr(j, false, 0x31, RDX, RDX);
        unary(j, w, 6, TMP);
    }
    if (is_mod)
        mov_rr(j, w, RAX, RDX);
    else if (!w)
        mov_rr(j, false, RAX, RAX);
    patch8(j, done1);
    if (is_signed)
        patch8(j, done2);
    mov_rr(j, true, TMP, RAX);
    mov_rr(j, true, RAX, SAVE1);
    mov_rr(j, true, RDX, SAVE2);
    mov_rr(j, true, dst, TMP);
}

/* Variable shift: x86 needs the count in cl; rcx is BPF r4. */
static void emit_shift_reg(struct jit *j, bool w, int ext, int dst, int src)
{
    mov_rr(j, true, SAVE2, dst);
    mov_rr(j, true, TMP, RCX);
    mov_rr(j, true, RCX, src);
    rex(j, w, 0, SAVE2, false);
    b(j, 0xd3);
    modrm_rr(j, ext, SAVE2);
    mov_rr(j, true, RCX, TMP);
    mov_rr(j, true, dst, SAVE2);
    if (!w)
        mov_rr(j, false, dst, dst);
}

static bool emit_alu(struct jit *j, const struct bpf_insn *in)
{
    uint8_t code = in->code, op = BPF_OP(code);
    bool w = BPF_CLASS(code) == BPF_ALU64;
    int dst = reg_map[in->dst];
    int src;

    if (BPF_SRC(code) == BPF_X && op != BPF_END && op != BPF_NEG) {
        src = reg_map[in->src];
    } else if (op == BPF_MOV) {
        if (w)
            mov_ri(j, dst, in->imm);
        else
            mov_ri32(j, dst, (uint32_t)in->imm);
        return true;
    } else {
        src = TMP;
        if (op != BPF_END && op != BPF_NEG)
            mov_ri(j, TMP, in->imm);
    }

    switch (op) {
    case BPF_ADD:
        alu_rr(j, w, 0x01, dst, src);
        break;
    case BPF_SUB:
        alu_rr(j, w, 0x29, dst, src);
        break;
    case BPF_OR:
        alu_rr(j, w, 0x09, dst, src);
        break;
    case BPF_AND:
        alu_rr(j, w, 0x21, dst, src);
        break;
    case BPF_XOR:
        alu_rr(j, w, 0x31, dst, src);
        break;
    case BPF_MUL: /* imul dst, src */
        rex(j, w, dst, src, false);
        b(j, 0x0f);
        b(j, 0xaf);
        modrm_rr(j, dst, src);
        break;
    case BPF_MOV:
        if (in->off == 0) {
            mov_rr(j, w, dst, src);
        } else if (in->off == 32) { /* movsxd */
            rex(j, true, dst, src, false);
            b(j, 0x63);
            modrm_rr(j, dst, src);
        } else { /* movsx from 8/16 bits into 64 or 32 bits */
            rex(j, w, dst, src, in->off == 8);
            b(j, 0x0f);
            b(j, in->off == 8 ? 0xbe : 0xbf);
            modrm_rr(j, dst, src);
        }
        break;
    case BPF_NEG:
        unary(j, w, 3, dst);
        break;
    case BPF_LSH:
    case BPF_RSH:
    case BPF_ARSH: {
        int ext = op == BPF_LSH ? 4 : op == BPF_RSH ? 5 : 7;
        if (BPF_SRC(code) == BPF_K) {
            rex(j, w, 0, dst, false);
            b(j, 0xc1);
            modrm_rr(j, ext, dst);
            b(j, (uint8_t)(in->imm & (w ? 63 : 31)));
        } else {
            emit_shift_reg(j, w, ext, dst, src);
        }
        break;
    }
    case BPF_DIV:
    case BPF_MOD:
        if (src != TMP)
            mov_rr(j, true, TMP, src);
        emit_divmod(j, w, op == BPF_MOD, in->off == 1, dst);
        break;
    case BPF_END: {
        bool swap = w || BPF_SRC(code) == BPF_TO_BE;
        if (in->imm == 16) {
            if (swap) { /* ror dst16, 8 */
                b(j, 0x66);
                rex(j, false, 0, dst, false);
                b(j, 0xc1);
                modrm_rr(j, 1, dst);
                b(j, 8);
            }
            rex(j, false, dst, dst, false); /* movzx dst32, dst16 */
            b(j, 0x0f);
            b(j, 0xb7);
            modrm_rr(j, dst, dst);
        } else if (in->imm == 32) {
            if (swap) {
                rex(j, false, 0, dst, false);
                b(j, 0x0f);
                b(j, (uint8_t)(0xc8 + (dst & 7)));
            } else {
                mov_rr(j, false, dst, dst);
            }
        } else if (swap) {
            rex(j, true, 0, dst, false);
            b(j, 0x0f);
            b(j, (uint8_t)(0xc8 + (dst & 7)));
        }
        break;
    }
    default:
        return false;
    }
    return true;
}

static void emit_load(struct jit *j, const struct bpf_insn *in)
{
    int dst = reg_map[in->dst], base = reg_map[in->src];
    bool sx = BPF_MODE(in->code) == BPF_MEMSX;
    switch (BPF_SIZE(in->code)) {
    case BPF_B:
    case BPF_H:
        rex(j, sx, dst, base, false);
        b(j, 0x0f);
        b(j, (uint8_t)((sx ? 0xbe : 0xb6) | (BPF_SIZE(in->code) == BPF_H ? 1 : 0)));
        break;
    case BPF_W:
        rex(j, sx, dst, base, false);
        b(j, sx ? 0x63 : 0x8b);
        break;
    default:
        rex(j, true, dst, base, false);
        b(j, 0x8b);
        break;
    }
    modrm_mem(j, dst, base, in->off);
}

static void emit_store(struct jit *j, const struct bpf_insn *in)
{
    int base = reg_map[in->dst];
    bool is_imm = BPF_CLASS(in->code) == BPF_ST;
    int src = is_imm ? 0 : reg_map[in->src];
    int sz = bpf_size_bytes(in->code);
    if (sz == 2)
        b(j, 0x66);
    rex(j, sz == 8, src, base, sz == 1 && !is_imm);
    if (is_imm)
        b(j, sz == 1 ? 0xc6 : 0xc7);
    else
        b(j, sz == 1 ? 0x88 : 0x89);
    modrm_mem(j, src, base, in->off);
    if (is_imm) {
        if (sz == 1)
            b(j, (uint8_t)in->imm);
        else if (sz == 2) {
            b(j, (uint8_t)in->imm);
            b(j, (uint8_t)(in->imm >> 8));
        } else
            b32(j, (uint32_t)in->imm);
    }
}

/* [base+off] op= reg, with optional lock prefix; opc in "r/m, reg" direction. */
static void mem_rr(struct jit *j, bool lock, bool w, const uint8_t *opc, int n, int reg, int base,
                   int32_t off)
{
    if (lock)
        b(j, 0xf0);
    rex(j, w, reg, base, false);
    for (int i = 0; i < n; i++)
        b(j, opc[i]);
    modrm_mem(j, reg, base, off);
}

static bool emit_atomic(struct jit *j, const struct bpf_insn *in)
{
    bool w = BPF_SIZE(in->code) == BPF_DW;
    int base = reg_map[in->dst], src = reg_map[in->src];
    int32_t op = in->imm;
    static const uint8_t xadd[] = {0x0f, 0xc1}, cmpxchg[] = {0x0f, 0xb1}, xchg[] = {0x87};
    uint8_t simple;

    switch (op) {
    case BPF_ADD:
        simple = 0x01;
        break;
    case BPF_OR:
        simple = 0x09;
        break;
    case BPF_AND:
        simple = 0x21;
        break;
    case BPF_XOR:
        simple = 0x31;
        break;
    default:
        simple = 0;
        break;
    }
    if (simple) {
        mem_rr(j, true, w, &simple, 1, src, base, in->off);
        return true;
    }
    if (op == (BPF_ADD | BPF_FETCH)) {
        mem_rr(j, true, w, xadd, 2, src, base, in->off);
        if (!w)
            mov_rr(j, false, src, src);
        return true;
    }
    if (op == BPF_XCHG) {
        mem_rr(j, false, w, xchg, 1, src, base, in->off);
        if (!w)
            mov_rr(j, false, src, src);
        return true;
    }
    if (op == BPF_CMPXCHG) {
        mem_rr(j, true, w, cmpxchg, 2, src, base, in->off);
        if (!w)
            mov_rr(j, false, RAX, RAX);
        return true;
    }
    if (op != (BPF_OR | BPF_FETCH) && op != (BPF_AND | BPF_FETCH) && op != (BPF_XOR | BPF_FETCH))
        return false;
    /* Fetching or/and/xor: compare-exchange loop on the old value in rax. */
    uint8_t opc = op == (BPF_OR | BPF_FETCH) ? 0x09 : op == (BPF_AND | BPF_FETCH) ? 0x21 : 0x31;
    int val = src == RAX ? SAVE1 : src; /* r0 is rax: use its saved copy */
    mov_rr(j, true, SAVE1, RAX);
    rex(j, true, SAVE2, base, false); /* lea r10, [base + off] */
    b(j, 0x8d);
    modrm_mem(j, SAVE2, base, in->off);
    rex(j, w, RAX, SAVE2, false); /* mov rax, [r10] */
    b(j, 0x8b);
    modrm_mem(j, RAX, SAVE2, 0);
    size_t loop = j->pos;
    mov_rr(j, true, TMP, RAX);
    alu_rr(j, w, opc, TMP, val);
    mem_rr(j, true, w, cmpxchg, 2, TMP, SAVE2, 0);
    b(j, 0x75); /* jne loop */
    b(j, (uint8_t)(loop - (j->pos + 1)));
    if (src == RAX) {
        if (!w)
            mov_rr(j, false, RAX, RAX);
    } else {
        mov_rr(j, w, src, RAX);
        mov_rr(j, true, RAX, SAVE1);
    }
    return true;
}

static void emit_cond_jump(struct jit *j, const struct bpf_insn *in, uint32_t target)
{
    uint8_t op = BPF_OP(in->code);
    bool w = BPF_CLASS(in->code) == BPF_JMP;
    int dst = reg_map[in->dst];
    uint8_t cc;
    if (BPF_SRC(in->code) == BPF_X) {
        alu_rr(j, w, op == BPF_JSET ? 0x85 : 0x39, dst, reg_map[in->src]);
    } else if (op == BPF_JSET) { /* test dst, imm32 */
        rex(j, w, 0, dst, false);
        b(j, 0xf7);
        modrm_rr(j, 0, dst);
        b32(j, (uint32_t)in->imm);
    } else { /* cmp dst, imm32 */
        rex(j, w, 0, dst, false);
        b(j, 0x81);
        modrm_rr(j, 7, dst);
        b32(j, (uint32_t)in->imm);
    }
    switch (op) {
    case BPF_JEQ:
        cc = CC_E;
        break;
    case BPF_JNE:
    case BPF_JSET:
        cc = CC_NE;
        break;
    case BPF_JGT:
        cc = CC_A;
        break;
    case BPF_JGE:
        cc = CC_AE;
        break;
    case BPF_JLT:
        cc = CC_B;
        break;
    case BPF_JLE:
        cc = CC_BE;
        break;
    case BPF_JSGT:
        cc = CC_G;
        break;
    case BPF_JSGE:
        cc = CC_GE;
        break;
    case BPF_JSLT:
        cc = CC_L;
        break;
    default:
        cc = CC_LE;
        break;
    }
    jcc32(j, cc, (int32_t)(j->addr[target] - (j->pos + 6)));
}

static int jit_pass(struct jit *j, const struct bpf_prog *prog, const bpf_helper_fn *helpers,
                    const uint8_t *is_func)
{
    j->pos = 0;
    for (uint32_t pc = 0; pc < prog->len; pc++) {
        const struct bpf_insn *in = &prog->insns[pc];
        uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
        if (is_func[pc]) {
            /* A function entry can also be reached by falling through or
             * jumping from the preceding code, which must not run the
             * prologue: jump over it. */
            size_t skip = 0;
            if (pc > 0) {
                b(j, 0xe9);
                b32(j, 0);
                skip = j->pos;
            }
            j->faddr[pc] = (uint32_t)j->pos;
            emit_prologue(j);
            if (pc > 0 && j->emit && skip <= j->cap) {
                uint32_t rel = (uint32_t)(j->pos - skip);
                for (int i = 0; i < 4; i++)
                    j->buf[skip - 4 + i] = (uint8_t)(rel >> (8 * i));
            }
        }
        j->addr[pc] = (uint32_t)j->pos;
        if (in->dst >= BPF_NREGS || in->src >= BPF_NREGS)
            return BPF_JIT_EINSN;
        switch (cls) {
        case BPF_ALU:
        case BPF_ALU64:
            if (!emit_alu(j, in))
                return BPF_JIT_EINSN;
            break;
        case BPF_LD: {
            if (in->code != BPF_LDDW_CODE || pc + 1 >= prog->len)
                return BPF_JIT_EINSN;
            uint64_t v = (uint32_t)in->imm | ((uint64_t)(uint32_t)in[1].imm << 32);
            if (in->src == BPF_PSEUDO_MAP_VALUE) {
                if ((uint32_t)in->imm >= prog->ndata)
                    return BPF_JIT_EINSN;
                v = (uintptr_t)prog->data[in->imm].base + (uint64_t)(int64_t)in[1].imm;
            }
            movabs(j, reg_map[in->dst], v);
            pc++;
            j->addr[pc] = (uint32_t)j->pos;
            break;
        }
        case BPF_LDX:
            emit_load(j, in);
            break;
        case BPF_ST:
        case BPF_STX:
            if (BPF_MODE(in->code) == BPF_ATOMIC) {
                if (!emit_atomic(j, in))
                    return BPF_JIT_EINSN;
            } else {
                emit_store(j, in);
            }
            break;
        case BPF_JMP:
        case BPF_JMP32:
            if (op == BPF_EXIT) {
                emit_epilogue(j);
            } else if (op == BPF_CALL && in->src == BPF_PSEUDO_CALL) {
                uint32_t t = pc + 1 + (uint32_t)in->imm;
                if (t >= prog->len)
                    return BPF_JIT_EINSN;
                b(j, 0xe8);
                b32(j, (uint32_t)(j->faddr[t] - (j->pos + 4)));
            } else if (op == BPF_CALL) {
                if (in->imm <= 0 || in->imm >= EXT_HELPER_MAX || !helpers || !helpers[in->imm])
                    return BPF_JIT_EHELPER;
                movabs(j, RAX, (uintptr_t)helpers[in->imm]);
                b(j, 0xff); /* call rax */
                b(j, 0xd0);
            } else if (op == BPF_JA) {
                uint32_t t = pc + 1 + (uint32_t)(cls == BPF_JMP32 ? in->imm : in->off);
                if (t >= prog->len)
                    return BPF_JIT_EINSN;
                b(j, 0xe9);
                b32(j, (uint32_t)(j->addr[t] - (j->pos + 4)));
            } else {
                uint32_t t = pc + 1 + (uint32_t)(int32_t)in->off;
                if (t >= prog->len || op > BPF_JSLE)
                    return BPF_JIT_EINSN;
                emit_cond_jump(j, in, t);
            }
            break;
        default:
            return BPF_JIT_EINSN;
        }
    }
    return BPF_JIT_OK;
}

int bpf_jit_compile(const struct bpf_prog *prog, const bpf_helper_fn *helpers, void *buf,
                    size_t buf_size, void *scratch, size_t scratch_size, size_t *code_size)
{
    struct jit j;
    if (scratch_size < BPF_JIT_SCRATCH_SIZE(prog->len))
        return BPF_JIT_ESCRATCH;
    memset(&j, 0, sizeof(j));
    j.addr = (uint32_t *)scratch;
    j.faddr = j.addr + prog->len;
    uint8_t *is_func = (uint8_t *)(j.faddr + prog->len);
    memset(scratch, 0, BPF_JIT_SCRATCH_SIZE(prog->len));

    /* Function entries: insn 0 and every bpf-to-bpf call target. A leaf
     * program (see the top): no call of either kind, and no register field
     * (dst, or src, read as a register or not: conservative) naming r6..r10. */
    is_func[0] = 1;
    j.leaf = true;
    for (uint32_t pc = 0; pc < prog->len; pc++) {
        const struct bpf_insn *in = &prog->insns[pc];
        if ((BPF_CLASS(in->code) == BPF_JMP || BPF_CLASS(in->code) == BPF_JMP32) &&
            BPF_OP(in->code) == BPF_CALL)
            j.leaf = false;
        if (in->dst >= 6 || in->src >= 6)
            j.leaf = false;
        if (in->code == (BPF_JMP | BPF_CALL) && in->src == BPF_PSEUDO_CALL) {
            int64_t t = (int64_t)pc + 1 + in->imm;
            if (t < 0 || t >= prog->len)
                return BPF_JIT_EINSN;
            is_func[t] = 1;
        }
        if (in->code == BPF_LDDW_CODE)
            pc++;
    }

    int rc = jit_pass(&j, prog, helpers, is_func); /* pass 1: sizes and addresses */
    if (rc != BPF_JIT_OK)
        return rc;
    j.buf = buf;
    j.cap = buf_size;
    j.emit = true;
    size_t size1 = j.pos;
    rc = jit_pass(&j, prog, helpers, is_func);
    if (rc != BPF_JIT_OK)
        return rc;
    if (j.overflow || j.pos > buf_size)
        return BPF_JIT_ENOSPC;
    if (j.pos != size1)
        return BPF_JIT_EINSN; /* cannot happen: sizes are target independent */
    *code_size = j.pos;
    return BPF_JIT_OK;
}
