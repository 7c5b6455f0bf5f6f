/*
 * fuzz_prog.c - libFuzzer target: random programs through the verifier; every
 * accepted program must run in the interpreter without touching memory
 * outside its regions and give exactly the same result (r0 and final memory)
 * in the JIT.  Any discrepancy aborts.
 *
 * The input is decoded into a program: mostly through a grammar that yields
 * plausible instructions (so that a useful fraction is accepted), sometimes
 * as raw instruction words (to exercise the decoder and error paths).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/host.h"

#define MAX_GEN 200

static unsigned char varena[BPF_VERIFY_ARENA_SIZE] __attribute__((aligned(16)));
static struct host_env env;

struct rd {
    const uint8_t *p;
    size_t n, i;
};

static uint8_t u8(struct rd *r)
{
    return r->i < r->n ? r->p[r->i++] : 0;
}
static uint32_t u32(struct rd *r)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)u8(r) << (8 * i);
    return v;
}

static int32_t pick_imm(struct rd *r)
{
    static const int32_t special[] = {0,  1,  -1, 2,   7,    8,          16,        31,
                                      32, 63, 64, 255, -128, 0x7fffffff, INT32_MIN, 0x80};
    uint8_t k = u8(r);
    if (k < 128)
        return special[k % 16];
    if (k < 200)
        return (int8_t)u8(r);
    return (int32_t)u32(r);
}

static const uint8_t alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND,  BPF_LSH,
                                  BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH, BPF_END};
static const uint8_t jmp_ops[] = {BPF_JEQ,  BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
                                  BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};
static const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};

/* Generate one instruction (or two for lddw) at p[n]; returns slots used. */
static int gen_insn(struct rd *r, struct bpf_insn *p, int n, int max)
{
    uint8_t kind = u8(r) % 21;
    uint8_t dst = u8(r) % 10, src = u8(r) % 11;
    switch (kind) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4: { /* ALU */
        uint8_t op = alu_ops[u8(r) % sizeof(alu_ops)];
        bool is64 = u8(r) & 1, x = u8(r) & 1;
        int16_t off = 0;
        int32_t imm = pick_imm(r);
        if ((op == BPF_DIV || op == BPF_MOD) && (u8(r) & 1))
            off = 1;
        if (op == BPF_MOV && x && (u8(r) % 3 == 0)) {
            static const int16_t o[] = {8, 16, 32};
            off = o[u8(r) % (is64 ? 3 : 2)];
        }
        if (op == BPF_END) {
            static const int32_t w[] = {16, 32, 64};
            imm = w[u8(r) % 3];
            x = is64 ? 0 : x;
        }
        if (op == BPF_NEG)
            x = 0;
        p[n] =
            BPF_INSN((is64 ? BPF_ALU64 : BPF_ALU) | op | (x ? BPF_X : BPF_K), dst, src, off, imm);
        return 1;
    }
    case 5:
    case 6: { /* stack store / load */
        uint8_t sz = sizes[u8(r) % 4];
        int16_t off =
            (int16_t)(-8 * (1 + u8(r) % 8) + ((u8(r) & 7) == 0 ? (int16_t)(u8(r) % 8) : 0));
        if (kind == 5)
            p[n] = (u8(r) & 1) ? BPF_STX_MEM(sz, 10, src % 10, off)
                               : BPF_ST_MEM(sz, 10, off, pick_imm(r));
        else
            p[n] = (u8(r) & 3) ? BPF_LDX_MEM(sz, dst, 10, off)
                               : BPF_LDX_MEMSX(sizes[u8(r) % 3], dst, 10, off);
        return 1;
    }
    case 7: { /* ctx load (offsets valid for most hooks) or ctx store */
        static const int16_t offs[] = {0, 8, 16, 24, 32, 40, 48, 56, 64, 104};
        int16_t off = offs[u8(r) % 10];
        if (u8(r) & 1)
            p[n] = BPF_LDX_MEM(sizes[u8(r) % 4], dst, 6, off);
        else
            p[n] = BPF_STX_MEM(BPF_DW, 6, src, off);
        return 1;
    }
    case 8:
    case 9:
    case 10: { /* conditional jump, mostly forward */
        uint8_t op = jmp_ops[u8(r) % sizeof(jmp_ops)];
        bool x = u8(r) & 1, j32 = (u8(r) & 3) == 0;
        int room = max - n - 1;
        int16_t off = (int16_t)(room > 0 ? u8(r) % (room < 12 ? room : 12) : 0);
        if ((u8(r) & 15) == 0)
            off = (int16_t) - (u8(r) % 6) - 1; /* small backward jump: loop */
        p[n] = BPF_INSN((j32 ? BPF_JMP32 : BPF_JMP) | op | (x ? BPF_X : BPF_K), dst, src, off,
                        pick_imm(r));
        return 1;
    }
    case 11: /* helper call */
        p[n] = BPF_CALL_HELPER(u8(r) & 1 ? EXT_HELPER_KTIME : EXT_HELPER_RANDOM);
        return 1;
    case 12: /* lddw */
        if (n + 1 >= max)
            return 0;
        p[n] = BPF_INSN(BPF_LDDW_CODE, dst, 0, 0, (int32_t)u32(r));
        p[n + 1] = BPF_INSN(0, 0, 0, 0, (int32_t)u32(r));
        return 2;
    case 13: { /* atomic on an initialized stack slot */
        static const int32_t aops[] = {BPF_ADD,
                                       BPF_OR,
                                       BPF_AND,
                                       BPF_XOR,
                                       BPF_ADD | BPF_FETCH,
                                       BPF_OR | BPF_FETCH,
                                       BPF_AND | BPF_FETCH,
                                       BPF_XOR | BPF_FETCH,
                                       BPF_XCHG,
                                       BPF_CMPXCHG};
        uint8_t sz = (u8(r) & 1) ? BPF_DW : BPF_W;
        p[n] = BPF_ATOMIC_OP(sz, aops[u8(r) % 10], 10, src % 10, -8 * (1 + u8(r) % 8));
        return 1;
    }
    case 14: /* state region access through r9 when it holds the region */
        p[n] = (u8(r) & 1) ? BPF_LDX_MEM(sizes[u8(r) % 4], dst, 9, (int16_t)(u8(r) % 64 * 4))
                           : BPF_STX_MEM(sizes[u8(r) % 4], 9, src, (int16_t)(u8(r) % 64 * 4));
        return 1;
    case 15: { /* variable-offset access via r9 (region), r8 (packet), r10 (stack), r6 (ctx) */
        static const uint8_t bases[] = {9, 8, 10, 6};
        uint8_t base = bases[u8(r) % 4];
        if (n + 4 > max)
            return 0;
        p[n] = BPF_MOV64_REG(5, base);
        p[n + 1] = BPF_ALU64_IMM(BPF_ADD, 5, base == 10 ? -64 : 0);
        p[n + 2] = BPF_ALU64_REG(BPF_ADD, 5, src % 10);
        p[n + 3] = (u8(r) & 3) ? BPF_LDX_MEM(sizes[u8(r) % 4], dst, 5, (int16_t)(u8(r) % 16))
                               : BPF_STX_MEM(sizes[u8(r) % 4], 5, src % 10, (int16_t)(u8(r) % 16));
        return 4;
    }
    case 16: { /* packet bounds check: r5 = r8 + k; if r5 > r7 goto +j */
        if (n + 2 > max)
            return 0;
        int room = max - n - 2;
        p[n] = BPF_MOV64_REG(5, 8);
        p[n + 1] = BPF_ALU64_IMM(BPF_ADD, 5, u8(r) % 72);
        if (room > 0 && n + 3 <= max) {
            static const uint8_t ops[] = {BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE};
            uint8_t op = ops[u8(r) % 4];
            int16_t off = (int16_t)(u8(r) % (room < 10 ? room : 10));
            p[n + 2] = (u8(r) & 1) ? BPF_JMP_REG(op, 5, 7, off) : BPF_JMP_REG(op, 7, 5, off);
            return 3;
        }
        return 2;
    }
    case 17: /* packet load at a constant offset */
        p[n] = BPF_LDX_MEM(sizes[u8(r) % 4], dst, 8, (int16_t)(u8(r) % 64));
        return 1;
    case 18: /* masked index: dst &= small mask, or shift down */
        p[n] = (u8(r) & 1) ? BPF_ALU64_IMM(BPF_AND, dst, (1 << (u8(r) % 9)) - 1)
                           : BPF_ALU64_IMM(BPF_RSH, dst, 56 + u8(r) % 8);
        return 1;
    case 19: { /* bpf-to-bpf call forward into the program */
        int room = max - n - 1;
        if (room <= 0)
            return 0;
        p[n] = BPF_CALL_REL(u8(r) % room);
        return 1;
    }
    default: /* exit */
        p[n] = BPF_EXIT_INSN();
        return 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct bpf_insn prog[MAX_GEN + 64];
    struct rd r = {data, size, 0};
    int n = 0;
    uint8_t mode = u8(&r);
    const struct ext_hook *hook = &ext_hooks[u8(&r) % EXT_HOOK_COUNT];

    if (mode < 24) {
        /* Raw instructions. */
        while (r.i + 8 <= r.n && n < MAX_GEN) {
            memcpy(&prog[n++], r.p + r.i, 8);
            r.i += 8;
        }
        if (n == 0)
            return 0;
    } else {
        /* Prologue: ctx in r6, scalars everywhere else, stack initialized,
         * r9 = state region for hooks that have one. */
        prog[n++] = BPF_MOV64_REG(6, 1);
        for (int i = 0; i < 8; i++)
            prog[n++] = BPF_ST_MEM(BPF_DW, 10, -8 * (i + 1), pick_imm(&r));
        /* For packet hooks r8 = data, r7 = data_end; otherwise scalars. */
        prog[n++] = BPF_LDX_MEM(BPF_DW, 7, 6, 8);
        prog[n++] = BPF_LDX_MEM(BPF_DW, 8, 6, 0);
        for (int reg = 0; reg <= 5; reg++)
            prog[n++] = BPF_MOV64_IMM(reg, pick_imm(&r));
        prog[n++] = BPF_MOV64_IMM(9, pick_imm(&r));
        if (hook == &ext_hooks[EXT_HOOK_PAGEFAULT])
            prog[n++] = BPF_LDX_MEM(BPF_DW, 9, 6, 96);
        if (hook == &ext_hooks[EXT_HOOK_PCT])
            prog[n++] = BPF_LDX_MEM(BPF_DW, 9, 6, 104);
        int body = 1 + u8(&r) % 60;
        int max = n + body;
        while (n < max && r.i < r.n) {
            int k = gen_insn(&r, prog, n, max);
            if (!k)
                break;
            n += k;
        }
        if (!hook->has_packet) { /* r7 is a scalar (msg/field), fold it in */
            prog[n++] = BPF_ALU64_IMM(BPF_MUL, 0, 3);
            prog[n++] = BPF_ALU64_REG(BPF_ADD, 0, 7);
        }
        prog[n++] = BPF_EXIT_INSN();
    }

    struct bpf_prog p = {prog, (uint32_t)n, hook, NULL, 0};
    struct bpf_verify_result res;
    struct bpf_verify_opts opts = {0, 10000};
    static uint64_t runs, accepted;
    if ((++runs & 0xfff) == 0)
        fprintf(stderr, "fuzz_prog: %llu programs, %llu accepted and cross-checked\n",
                (unsigned long long)runs, (unsigned long long)accepted);
    if (!bpf_verify(&p, &opts, varena, sizeof(varena), &res))
        return 0;
    accepted++;

    if (getenv("FUZZ_DUMP")) {
        fprintf(stderr, "hook %s, %d insns, verifier steps %llu\n", hook->name, n,
                (unsigned long long)res.steps);
        for (int i = 0; i < n; i++)
            fprintf(stderr, "  %3d: code=%02x dst=%u src=%u off=%d imm=%d\n", i, prog[i].code,
                    prog[i].dst, prog[i].src, prog[i].off, prog[i].imm);
    }
    uint8_t input[256];
    size_t in_len = r.n - r.i < sizeof(input) ? r.n - r.i : sizeof(input);
    memcpy(input, r.p + r.i, in_len);
    host_env_init(&env, hook, input, in_len);
    uint64_t ri, rj;
    char msg[200];
    if (!host_run_both(&p, &env, &ri, &rj, msg, sizeof(msg))) {
        fprintf(stderr, "MISMATCH (hook %s, %d insns): %s\n", hook->name, n, msg);
        for (int i = 0; i < n; i++)
            fprintf(stderr, "  %3d: code=%02x dst=%u src=%u off=%d imm=%d\n", i, prog[i].code,
                    prog[i].dst, prog[i].src, prog[i].off, prog[i].imm);
        abort();
    }
    return 0;
}
