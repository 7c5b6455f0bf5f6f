/*
 * test_interp.c - instruction semantics (RFC 9669) for the interpreter, with
 * every program also JIT-compiled and compared.
 *
 * Programs run on the PCT hook; inputs arrive in ctx->msg[0..1] and are
 * loaded into r6 and r7 (so the verifier cannot constant-fold them).
 */
#include <stdlib.h>

#include "test.h"

#define N(a)                (sizeof(a) / sizeof((a)[0]))
#define EXIT                BPF_EXIT_INSN()
#define ARGS                BPF_LDX_MEM(BPF_DW, 6, 1, 8), BPF_LDX_MEM(BPF_DW, 7, 1, 16)
#define A64(op, d, s)       BPF_ALU64_REG(op, d, s)
#define A32(op, d, s)       BPF_ALU32_REG(op, d, s)
#define SDIV64(d, s)        BPF_INSN(BPF_ALU64 | BPF_DIV | BPF_X, d, s, 1, 0)
#define SMOD64(d, s)        BPF_INSN(BPF_ALU64 | BPF_MOD | BPF_X, d, s, 1, 0)
#define SDIV32(d, s)        BPF_INSN(BPF_ALU | BPF_DIV | BPF_X, d, s, 1, 0)
#define SMOD32(d, s)        BPF_INSN(BPF_ALU | BPF_MOD | BPF_X, d, s, 1, 0)
#define MOVSX64(d, s, bits) BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, bits, 0)
#define MOVSX32(d, s, bits) BPF_INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, bits, 0)
#define INT64_MIN_U         0x8000000000000000ull

/* Run on interp + JIT; returns false (and records a failure) if anything goes wrong. */
static bool run_prog(const char *name, const struct bpf_insn *insns, size_t n, uint64_t m0,
                     uint64_t m1, uint64_t *out, bool report)
{
    static struct host_env env;
    struct bpf_prog p = {insns, (uint32_t)n, H_PCT, NULL, 0};
    struct bpf_verify_result res;
    uint64_t ri = 0, rj = 0;
    char msg[160];
    if (!bpf_verify(&p, NULL, g_varena, sizeof(g_varena), &res)) {
        if (report)
            t_result(name, false, "verifier rejected at insn %u: %s", res.insn, res.reason);
        return false;
    }
    host_env_init(&env, H_PCT, NULL, 0);
    env.ctx.pct.msg[0] = m0;
    env.ctx.pct.msg[1] = m1;
    if (!host_run_both(&p, &env, &ri, &rj, msg, sizeof(msg))) {
        if (report)
            t_result(name, false, "m0=%#llx m1=%#llx: %s", (unsigned long long)m0,
                     (unsigned long long)m1, msg);
        return false;
    }
    *out = ri;
    return true;
}

static void itest(const char *name, const struct bpf_insn *insns, size_t n, uint64_t m0,
                  uint64_t m1, uint64_t expect)
{
    char full[160];
    uint64_t r;
    snprintf(full, sizeof(full), "interp %s", name);
    if (run_prog(full, insns, n, m0, m1, &r, true))
        t_result(full, r == expect, "got %#llx, expected %#llx", (unsigned long long)r,
                 (unsigned long long)expect);
}

#define IT(name, m0, m1, expect, ...)                                                              \
    do {                                                                                           \
        const struct bpf_insn p_[] = {__VA_ARGS__};                                                \
        itest(name, p_, N(p_), m0, m1, expect);                                                    \
    } while (0)

/* r0 = r6 op r7 (64 or 32 bit). */
#define BIN64(name, op, a, b, expect)                                                              \
    IT(name, a, b, expect, ARGS, A64(op, 6, 7), BPF_MOV64_REG(0, 6), EXIT)
#define BIN32(name, op, a, b, expect)                                                              \
    IT(name, a, b, expect, ARGS, A32(op, 6, 7), BPF_MOV64_REG(0, 6), EXIT)

static void alu64_tests(void)
{
    BIN64("add64 wraps", BPF_ADD, ~0ull, 2, 1);
    BIN64("sub64 negative", BPF_SUB, 5, 7, 0xfffffffffffffffeull);
    BIN64("mul64", BPF_MUL, 0x100000001ull, 3, 0x300000003ull);
    BIN64("mul64 overflow", BPF_MUL, 0x8000000000000001ull, 2, 2);
    BIN64("div64", BPF_DIV, 100, 7, 14);
    BIN64("div64 unsigned large", BPF_DIV, ~0ull, 2, 0x7fffffffffffffffull);
    BIN64("div64 by zero", BPF_DIV, 100, 0, 0);
    BIN64("mod64", BPF_MOD, 100, 7, 2);
    BIN64("mod64 by zero keeps dst", BPF_MOD, 100, 0, 100);
    BIN64("or64", BPF_OR, 0xf0, 0x0f, 0xff);
    BIN64("and64", BPF_AND, 0xff00ff, 0x0ff0f0, 0x0f00f0);
    BIN64("xor64", BPF_XOR, 0xff, 0x0f, 0xf0);
    BIN64("lsh64", BPF_LSH, 1, 63, INT64_MIN_U);
    BIN64("lsh64 count masked 64", BPF_LSH, 5, 64, 5);
    BIN64("lsh64 count masked 65", BPF_LSH, 5, 65, 10);
    BIN64("rsh64 logical", BPF_RSH, INT64_MIN_U, 63, 1);
    BIN64("arsh64 negative", BPF_ARSH, (uint64_t)-64, 4, (uint64_t)-4);
    BIN64("arsh64 count masked", BPF_ARSH, (uint64_t)-64, 68, (uint64_t)-4);
    IT("sdiv64", (uint64_t)-7, 2, (uint64_t)-3, ARGS, SDIV64(6, 7), BPF_MOV64_REG(0, 6), EXIT);
    IT("sdiv64 negative divisor", 7, (uint64_t)-2, (uint64_t)-3, ARGS, SDIV64(6, 7),
       BPF_MOV64_REG(0, 6), EXIT);
    IT("sdiv64 INT_MIN / -1", INT64_MIN_U, ~0ull, INT64_MIN_U, ARGS, SDIV64(6, 7),
       BPF_MOV64_REG(0, 6), EXIT);
    IT("sdiv64 by zero", 55, 0, 0, ARGS, SDIV64(6, 7), BPF_MOV64_REG(0, 6), EXIT);
    IT("smod64", (uint64_t)-7, 2, (uint64_t)-1, ARGS, SMOD64(6, 7), BPF_MOV64_REG(0, 6), EXIT);
    IT("smod64 negative divisor", 7, (uint64_t)-2, 1, ARGS, SMOD64(6, 7), BPF_MOV64_REG(0, 6),
       EXIT);
    IT("smod64 INT_MIN % -1", INT64_MIN_U, ~0ull, 0, ARGS, SMOD64(6, 7), BPF_MOV64_REG(0, 6), EXIT);
    IT("smod64 by zero", (uint64_t)-55, 0, (uint64_t)-55, ARGS, SMOD64(6, 7), BPF_MOV64_REG(0, 6),
       EXIT);
    IT("div64 imm zero", 9, 0, 0, ARGS, BPF_ALU64_IMM(BPF_DIV, 6, 0), BPF_MOV64_REG(0, 6), EXIT);
    IT("mod64 imm zero", 9, 0, 9, ARGS, BPF_ALU64_IMM(BPF_MOD, 6, 0), BPF_MOV64_REG(0, 6), EXIT);
    IT("sdiv64 imm -1 INT_MIN", INT64_MIN_U, 0, INT64_MIN_U, ARGS,
       BPF_INSN(BPF_ALU64 | BPF_DIV | BPF_K, 6, 0, 1, -1), BPF_MOV64_REG(0, 6), EXIT);
    IT("smod64 imm -3", (uint64_t)-10, 0, (uint64_t)-1, ARGS,
       BPF_INSN(BPF_ALU64 | BPF_MOD | BPF_K, 6, 0, 1, -3), BPF_MOV64_REG(0, 6), EXIT);
    IT("div64 imm is unsigned of sign-extended", ~0ull, 0, 1, ARGS, BPF_ALU64_IMM(BPF_DIV, 6, -1),
       BPF_MOV64_REG(0, 6), EXIT);
    IT("neg64", 5, 0, (uint64_t)-5, ARGS, BPF_ALU64_IMM(BPF_NEG, 6, 0), BPF_MOV64_REG(0, 6), EXIT);
    IT("mov64 imm sign-extends", 0, 0, ~0ull, BPF_MOV64_IMM(0, -1), EXIT);
    IT("add64 imm negative", 10, 0, 7, ARGS, BPF_ALU64_IMM(BPF_ADD, 6, -3), BPF_MOV64_REG(0, 6),
       EXIT);
    IT("and64 imm sign-extended", ~0ull, 0, 0xfffffffffffffff0ull, ARGS,
       BPF_ALU64_IMM(BPF_AND, 6, -16), BPF_MOV64_REG(0, 6), EXIT);
    IT("lsh64 imm", 3, 0, 3ull << 40, ARGS, BPF_ALU64_IMM(BPF_LSH, 6, 40), BPF_MOV64_REG(0, 6),
       EXIT);
    IT("arsh64 imm", INT64_MIN_U, 0, 0xffffffffffffffffull, ARGS, BPF_ALU64_IMM(BPF_ARSH, 6, 63),
       BPF_MOV64_REG(0, 6), EXIT);
    IT("lddw", 0, 0, 0xdeadbeefcafebabeull, BPF_LD_IMM64(0, 0xdeadbeefcafebabeull), EXIT);
}

static void alu32_tests(void)
{
    BIN32("add32 wraps and zero-extends", BPF_ADD, 0x12345678ffffffffull, 1, 0);
    BIN32("sub32 zero-extends", BPF_SUB, 0, 1, 0xffffffffull);
    BIN32("mul32", BPF_MUL, 0x10000, 0x10000, 0);
    BIN32("mul32 low bits", BPF_MUL, 0x100000003ull, 5, 15);
    BIN32("div32 uses low bits", BPF_DIV, 0x100000064ull, 0x100000007ull, 14);
    BIN32("div32 by zero", BPF_DIV, 0xffffffff00000010ull, 0, 0);
    BIN32("div32 by zero (high bits only)", BPF_DIV, 50, 0x100000000ull, 0);
    BIN32("mod32 by zero keeps low bits", BPF_MOD, 0xabcdef0012345678ull, 0, 0x12345678);
    BIN32("mod32", BPF_MOD, 0xffffffffull, 10, 5);
    BIN32("or32", BPF_OR, 0xff00000000ull, 1, 1);
    BIN32("and32", BPF_AND, 0xffffffffffffffffull, 0xf0f0f0f0f0ull, 0xf0f0f0f0ull);
    BIN32("xor32", BPF_XOR, 0x1ffffffffull, 0xffffffffull, 0);
    BIN32("lsh32 masked 33", BPF_LSH, 1, 33, 2);
    BIN32("lsh32 drops high bits", BPF_LSH, 0x80000001ull, 1, 2);
    BIN32("rsh32 masked 32", BPF_RSH, 0x1ffffffffull, 32, 0xffffffffull);
    BIN32("rsh32 ignores high bits", BPF_RSH, 0xf00000000ull, 4, 0);
    BIN32("arsh32", BPF_ARSH, 0x80000000ull, 4, 0xf8000000ull);
    BIN32("arsh32 uses bit 31", BPF_ARSH, 0x7fffffff80000000ull, 31, 0xffffffffull);
    IT("sdiv32", (uint32_t)-7, 2, 0xfffffffdull, ARGS, SDIV32(6, 7), BPF_MOV64_REG(0, 6), EXIT);
    IT("sdiv32 INT_MIN / -1", 0x80000000ull, 0xffffffffull, 0x80000000ull, ARGS, SDIV32(6, 7),
       BPF_MOV64_REG(0, 6), EXIT);
    IT("smod32 INT_MIN % -1", 0x80000000ull, 0xffffffffull, 0, ARGS, SMOD32(6, 7),
       BPF_MOV64_REG(0, 6), EXIT);
    IT("smod32", (uint32_t)-7, 2, 0xffffffffull, ARGS, SMOD32(6, 7), BPF_MOV64_REG(0, 6), EXIT);
    IT("sdiv32 by zero", 0xffffffff00000007ull, 0, 0, ARGS, SDIV32(6, 7), BPF_MOV64_REG(0, 6),
       EXIT);
    IT("smod32 by zero", 0xffffffff00000007ull, 0, 7, ARGS, SMOD32(6, 7), BPF_MOV64_REG(0, 6),
       EXIT);
    IT("sdiv32 ignores high bits of divisor", 100, 0xffffffff0000000aull, 10, ARGS, SDIV32(6, 7),
       BPF_MOV64_REG(0, 6), EXIT);
    IT("neg32", 1, 0, 0xffffffffull, ARGS, BPF_ALU32_IMM(BPF_NEG, 6, 0), BPF_MOV64_REG(0, 6), EXIT);
    IT("mov32 reg zero-extends", ~0ull, 0, 0xffffffffull, ARGS, BPF_MOV32_REG(0, 6), EXIT);
    IT("mov32 imm zero-extends", 0, 0, 0xffffffffull, BPF_MOV32_IMM(0, -1), EXIT);
    IT("add32 imm", 0xffffffff00000005ull, 0, 2, ARGS, BPF_ALU32_IMM(BPF_ADD, 6, -3),
       BPF_MOV64_REG(0, 6), EXIT);
    IT("and32 imm", ~0ull, 0, 0xfffffff0ull, ARGS, BPF_ALU32_IMM(BPF_AND, 6, -16),
       BPF_MOV64_REG(0, 6), EXIT);
    IT("lsh32 imm", 3, 0, 0xc0000000ull, ARGS, BPF_ALU32_IMM(BPF_LSH, 6, 30), BPF_MOV64_REG(0, 6),
       EXIT);
    IT("arsh32 imm", 0x80000000ull, 0, 0xffffffffull, ARGS, BPF_ALU32_IMM(BPF_ARSH, 6, 31),
       BPF_MOV64_REG(0, 6), EXIT);
    IT("div32 imm", 0x100000064ull, 0, 25, ARGS, BPF_ALU32_IMM(BPF_DIV, 6, 4), BPF_MOV64_REG(0, 6),
       EXIT);
    IT("sdiv32 imm", (uint32_t)-100, 0, (uint32_t)-25, ARGS,
       BPF_INSN(BPF_ALU | BPF_DIV | BPF_K, 6, 0, 1, 4), BPF_MOV64_REG(0, 6), EXIT);
}

static void movsx_end_tests(void)
{
    IT("movsx64 8", 0x80, 0, 0xffffffffffffff80ull, ARGS, MOVSX64(0, 6, 8), EXIT);
    IT("movsx64 8 positive", 0x17f, 0, 0x7f, ARGS, MOVSX64(0, 6, 8), EXIT);
    IT("movsx64 16", 0x8000, 0, 0xffffffffffff8000ull, ARGS, MOVSX64(0, 6, 16), EXIT);
    IT("movsx64 32", 0x80000000ull, 0, 0xffffffff80000000ull, ARGS, MOVSX64(0, 6, 32), EXIT);
    IT("movsx32 8", 0x80, 0, 0xffffff80ull, ARGS, MOVSX32(0, 6, 8), EXIT);
    IT("movsx32 16", 0xffffffff00008000ull, 0, 0xffff8000ull, ARGS, MOVSX32(0, 6, 16), EXIT);
    IT("movsx in place", 0xfe, 0, ~0ull - 1, ARGS, MOVSX64(6, 6, 8), BPF_MOV64_REG(0, 6), EXIT);
    const uint64_t v = 0x1122334455667788ull;
    IT("le16", v, 0, 0x7788, ARGS, BPF_ENDIAN(BPF_TO_LE, 6, 16), BPF_MOV64_REG(0, 6), EXIT);
    IT("le32", v, 0, 0x55667788, ARGS, BPF_ENDIAN(BPF_TO_LE, 6, 32), BPF_MOV64_REG(0, 6), EXIT);
    IT("le64", v, 0, v, ARGS, BPF_ENDIAN(BPF_TO_LE, 6, 64), BPF_MOV64_REG(0, 6), EXIT);
    IT("be16", v, 0, 0x8877, ARGS, BPF_ENDIAN(BPF_TO_BE, 6, 16), BPF_MOV64_REG(0, 6), EXIT);
    IT("be32", v, 0, 0x88776655, ARGS, BPF_ENDIAN(BPF_TO_BE, 6, 32), BPF_MOV64_REG(0, 6), EXIT);
    IT("be64", v, 0, 0x8877665544332211ull, ARGS, BPF_ENDIAN(BPF_TO_BE, 6, 64), BPF_MOV64_REG(0, 6),
       EXIT);
    IT("bswap16", v, 0, 0x8877, ARGS, BPF_BSWAP(6, 16), BPF_MOV64_REG(0, 6), EXIT);
    IT("bswap32", v, 0, 0x88776655, ARGS, BPF_BSWAP(6, 32), BPF_MOV64_REG(0, 6), EXIT);
    IT("bswap64", v, 0, 0x8877665544332211ull, ARGS, BPF_BSWAP(6, 64), BPF_MOV64_REG(0, 6), EXIT);
    IT("be16 on r4 (rcx)", v, 0, 0x8877, ARGS, BPF_MOV64_REG(4, 6), BPF_ENDIAN(BPF_TO_BE, 4, 16),
       BPF_MOV64_REG(0, 4), EXIT);
    IT("bswap16 on r8 (r14)", v, 0, 0x8877, ARGS, BPF_MOV64_REG(8, 6), BPF_BSWAP(8, 16),
       BPF_MOV64_REG(0, 8), EXIT);
}

/* r0 = (r6 op r7) ? 1 : 0 */
static void jtest(const char *name, uint8_t cls, uint8_t op, uint64_t a, uint64_t b, bool taken)
{
    const struct bpf_insn p[] = {ARGS, BPF_MOV64_IMM(0, 1), BPF_INSN(cls | op | BPF_X, 6, 7, 1, 0),
                                 BPF_MOV64_IMM(0, 0), EXIT};
    itest(name, p, N(p), a, b, taken);
}

static void jtest_k(const char *name, uint8_t cls, uint8_t op, uint64_t a, int32_t k, bool taken)
{
    const struct bpf_insn p[] = {ARGS, BPF_MOV64_IMM(0, 1), BPF_INSN(cls | op | BPF_K, 6, 0, 1, k),
                                 BPF_MOV64_IMM(0, 0), EXIT};
    itest(name, p, N(p), a, 0, taken);
}

static void jump_tests(void)
{
    const uint64_t m1 = ~0ull;
    jtest("jeq taken", BPF_JMP, BPF_JEQ, 5, 5, true);
    jtest("jeq not taken", BPF_JMP, BPF_JEQ, 5, 6, false);
    jtest("jne taken", BPF_JMP, BPF_JNE, 5, 6, true);
    jtest("jne not taken", BPF_JMP, BPF_JNE, 5, 5, false);
    jtest("jgt unsigned", BPF_JMP, BPF_JGT, m1, 1, true);
    jtest("jgt equal", BPF_JMP, BPF_JGT, 3, 3, false);
    jtest("jge equal", BPF_JMP, BPF_JGE, 3, 3, true);
    jtest("jge less", BPF_JMP, BPF_JGE, 2, 3, false);
    jtest("jlt", BPF_JMP, BPF_JLT, 2, 3, true);
    jtest("jlt unsigned", BPF_JMP, BPF_JLT, m1, 3, false);
    jtest("jle equal", BPF_JMP, BPF_JLE, 3, 3, true);
    jtest("jle greater", BPF_JMP, BPF_JLE, 4, 3, false);
    jtest("jsgt signed", BPF_JMP, BPF_JSGT, 1, m1, true);
    jtest("jsgt negative", BPF_JMP, BPF_JSGT, m1, 1, false);
    jtest("jsge equal", BPF_JMP, BPF_JSGE, m1, m1, true);
    jtest("jsge less", BPF_JMP, BPF_JSGE, (uint64_t)-5, (uint64_t)-4, false);
    jtest("jslt", BPF_JMP, BPF_JSLT, INT64_MIN_U, 0, true);
    jtest("jslt not", BPF_JMP, BPF_JSLT, 0, INT64_MIN_U, false);
    jtest("jsle equal", BPF_JMP, BPF_JSLE, 7, 7, true);
    jtest("jsle greater", BPF_JMP, BPF_JSLE, 8, 7, false);
    jtest("jset taken", BPF_JMP, BPF_JSET, 6, 3, true);
    jtest("jset not taken", BPF_JMP, BPF_JSET, 4, 3, false);
    jtest("jset high bits", BPF_JMP, BPF_JSET, 1ull << 40, 1ull << 40, true);
    jtest("jeq32 ignores high bits", BPF_JMP32, BPF_JEQ, 0x100000001ull, 0x200000001ull, true);
    jtest("jeq64 sees high bits", BPF_JMP, BPF_JEQ, 0x100000001ull, 0x200000001ull, false);
    jtest("jsgt32 negative low word", BPF_JMP32, BPF_JSGT, 0x80000000ull, 1, false);
    jtest("jsgt64 same values", BPF_JMP, BPF_JSGT, 0x80000000ull, 1, true);
    jtest("jgt32", BPF_JMP32, BPF_JGT, 0x0000000500000001ull, 2, false);
    jtest("jlt32", BPF_JMP32, BPF_JLT, 0x0000000500000001ull, 2, true);
    jtest("jset32 ignores high bits", BPF_JMP32, BPF_JSET, 1ull << 40, 1ull << 40, false);
    jtest("jsle32", BPF_JMP32, BPF_JSLE, 0xffffffffull, 0, true);
    jtest("jsge32", BPF_JMP32, BPF_JSGE, 0x7fffffffull, 0x80000000ull, true);
    jtest("jne32", BPF_JMP32, BPF_JNE, 0xffffffff00000000ull, 0, false);
    jtest("jge32", BPF_JMP32, BPF_JGE, 0xffffffffull, 0xffffffff00000000ull, true);
    jtest("jle32", BPF_JMP32, BPF_JLE, 0x1ull, 0x100000000ull, false);
    jtest("jslt32", BPF_JMP32, BPF_JSLT, 0x80000000ull, 0x7fffffffull, true);
    jtest_k("jgt imm sign-extended", BPF_JMP, BPF_JGT, 5, -1, false);
    jtest_k("jeq imm sign-extended", BPF_JMP, BPF_JEQ, ~0ull, -1, true);
    jtest_k("jeq32 imm", BPF_JMP32, BPF_JEQ, 0x12345678ffffffffull, -1, true);
    jtest_k("jslt imm", BPF_JMP, BPF_JSLT, (uint64_t)-10, -5, true);
    jtest_k("jset imm", BPF_JMP, BPF_JSET, 0x10, 0x30, true);
    jtest_k("jsgt32 imm", BPF_JMP32, BPF_JSGT, 0x100000000ull, -1, true);
    IT("ja forward", 0, 0, 1, BPF_MOV64_IMM(0, 1), BPF_JMP_A(1), BPF_MOV64_IMM(0, 2), EXIT);
    IT("ja32 (gotol)", 0, 0, 3, BPF_MOV64_IMM(0, 3), BPF_INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, 1),
       BPF_MOV64_IMM(0, 2), EXIT);
    IT("loop sum 1..100", 0, 0, 5050, BPF_MOV64_IMM(0, 0), BPF_MOV64_IMM(2, 1),
       BPF_ALU64_REG(BPF_ADD, 0, 2), BPF_ALU64_IMM(BPF_ADD, 2, 1), BPF_JMP_IMM(BPF_JLE, 2, 100, -3),
       EXIT);
}

static void memory_tests(void)
{
    const uint64_t v = 0x1122334455667788ull;
    IT("stx/ldx dw", v, 0, v, ARGS, BPF_STX_MEM(BPF_DW, 10, 6, -8), BPF_LDX_MEM(BPF_DW, 0, 10, -8),
       EXIT);
    IT("ldx w of dw", v, 0, 0x55667788, ARGS, BPF_STX_MEM(BPF_DW, 10, 6, -8),
       BPF_LDX_MEM(BPF_W, 0, 10, -8), EXIT);
    IT("ldx h of dw (offset 2)", v, 0, 0x5566, ARGS, BPF_STX_MEM(BPF_DW, 10, 6, -8),
       BPF_LDX_MEM(BPF_H, 0, 10, -6), EXIT);
    IT("ldx b of dw (offset 7)", v, 0, 0x11, ARGS, BPF_STX_MEM(BPF_DW, 10, 6, -8),
       BPF_LDX_MEM(BPF_B, 0, 10, -1), EXIT);
    IT("stx b merges", v, 0xaa, 0x11223344556677aaull, ARGS, BPF_STX_MEM(BPF_DW, 10, 6, -8),
       BPF_STX_MEM(BPF_B, 10, 7, -8), BPF_LDX_MEM(BPF_DW, 0, 10, -8), EXIT);
    IT("stx h merges", v, 0xbbbb, 0x112233445566bbbbull, ARGS, BPF_STX_MEM(BPF_DW, 10, 6, -8),
       BPF_STX_MEM(BPF_H, 10, 7, -8), BPF_LDX_MEM(BPF_DW, 0, 10, -8), EXIT);
    IT("stx w merges", v, 0xcccccccc, 0x11223344ccccccccull, ARGS, BPF_STX_MEM(BPF_DW, 10, 6, -8),
       BPF_STX_MEM(BPF_W, 10, 7, -8), BPF_LDX_MEM(BPF_DW, 0, 10, -8), EXIT);
    IT("st dw imm sign-extends", 0, 0, (uint64_t)-2, BPF_ST_MEM(BPF_DW, 10, -8, -2),
       BPF_LDX_MEM(BPF_DW, 0, 10, -8), EXIT);
    IT("st w imm", 0, 0, 0xffffffffull, BPF_ST_MEM(BPF_W, 10, -8, -1),
       BPF_LDX_MEM(BPF_W, 0, 10, -8), EXIT);
    IT("st h imm", 0, 0, 0xbeef, BPF_ST_MEM(BPF_H, 10, -8, 0xbeef), BPF_LDX_MEM(BPF_H, 0, 10, -8),
       EXIT);
    IT("st b imm", 0, 0, 0xab, BPF_ST_MEM(BPF_B, 10, -8, 0xab), BPF_LDX_MEM(BPF_B, 0, 10, -8),
       EXIT);
    IT("ldxsx b", 0x80, 0, (uint64_t)-128, ARGS, BPF_STX_MEM(BPF_DW, 10, 6, -8),
       BPF_LDX_MEMSX(BPF_B, 0, 10, -8), EXIT);
    IT("ldxsx h", 0x8001, 0, 0xffffffffffff8001ull, ARGS, BPF_STX_MEM(BPF_DW, 10, 6, -8),
       BPF_LDX_MEMSX(BPF_H, 0, 10, -8), EXIT);
    IT("ldxsx w", 0x80000000ull, 0, 0xffffffff80000000ull, ARGS, BPF_STX_MEM(BPF_DW, 10, 6, -8),
       BPF_LDX_MEMSX(BPF_W, 0, 10, -8), EXIT);
    IT("ldxsx w positive", 0x7fffffffull, 0, 0x7fffffffull, ARGS, BPF_STX_MEM(BPF_DW, 10, 6, -8),
       BPF_LDX_MEMSX(BPF_W, 0, 10, -8), EXIT);
    IT("stack bottom", v, 0, v, ARGS, BPF_STX_MEM(BPF_DW, 10, 6, -512),
       BPF_LDX_MEM(BPF_DW, 0, 10, -512), EXIT);
    IT("byte store from sil (r2)", 0x1234, 0, 0x34, ARGS, BPF_MOV64_REG(2, 6),
       BPF_STX_MEM(BPF_B, 10, 2, -1), BPF_LDX_MEM(BPF_B, 0, 10, -1), EXIT);
    IT("byte store from dil (r1)", 0x1256, 0, 0x56, ARGS, BPF_MOV64_REG(1, 6),
       BPF_STX_MEM(BPF_B, 10, 1, -1), BPF_LDX_MEM(BPF_B, 0, 10, -1), EXIT);
    IT("state region", 0, 0, 0x3f3c, BPF_LDX_MEM(BPF_DW, 2, 1, 104), BPF_LDX_MEM(BPF_H, 0, 2, 20),
       EXIT);
    IT("state region write", 77, 0, 77, ARGS, BPF_LDX_MEM(BPF_DW, 2, 1, 104),
       BPF_STX_MEM(BPF_DW, 2, 6, 248), BPF_LDX_MEM(BPF_DW, 0, 2, 248), EXIT);
    IT("ctx reply write", 5, 0, 5, ARGS, BPF_STX_MEM(BPF_DW, 1, 6, 56),
       BPF_LDX_MEM(BPF_DW, 0, 1, 56), EXIT);
}

static void atomic_tests(void)
{
#define SLOT_INIT(v) BPF_LD_IMM64(2, v), BPF_STX_MEM(BPF_DW, 10, 2, -8)
#define READ_SLOT    BPF_LDX_MEM(BPF_DW, 0, 10, -8)
    IT("atomic add64", 0, 0, 15, SLOT_INIT(10), BPF_MOV64_IMM(3, 5),
       BPF_ATOMIC_OP(BPF_DW, BPF_ADD, 10, 3, -8), READ_SLOT, EXIT);
    IT("atomic add32 wraps low word only", 0, 0, 0x1000000000ull, SLOT_INIT(0x10ffffffffull),
       BPF_MOV64_IMM(3, 1), BPF_ATOMIC_OP(BPF_W, BPF_ADD, 10, 3, -8), READ_SLOT, EXIT);
    IT("atomic fetch add returns old", 0, 0, 10, SLOT_INIT(10), BPF_MOV64_IMM(3, 5),
       BPF_ATOMIC_OP(BPF_DW, BPF_ADD | BPF_FETCH, 10, 3, -8), BPF_MOV64_REG(0, 3), EXIT);
    IT("atomic fetch add32 zero-extends", 0, 0, 0xffffffffull, SLOT_INIT(0xffffffffull),
       BPF_MOV64_IMM(3, -1), BPF_ATOMIC_OP(BPF_W, BPF_ADD | BPF_FETCH, 10, 3, -8),
       BPF_MOV64_REG(0, 3), EXIT);
    IT("atomic or", 0, 0, 0xff, SLOT_INIT(0xf0), BPF_MOV64_IMM(3, 0x0f),
       BPF_ATOMIC_OP(BPF_DW, BPF_OR, 10, 3, -8), READ_SLOT, EXIT);
    IT("atomic and", 0, 0, 0x30, SLOT_INIT(0xf0), BPF_MOV64_IMM(3, 0x3f),
       BPF_ATOMIC_OP(BPF_DW, BPF_AND, 10, 3, -8), READ_SLOT, EXIT);
    IT("atomic xor32", 0, 0, 0x50000000f, SLOT_INIT(0x5000000f0ull), BPF_MOV64_IMM(3, 0xff),
       BPF_ATOMIC_OP(BPF_W, BPF_XOR, 10, 3, -8), READ_SLOT, EXIT);
    IT("atomic fetch or (old + new)", 0, 0, 0xf0 + 0xff, SLOT_INIT(0xf0), BPF_MOV64_IMM(3, 0x0f),
       BPF_ATOMIC_OP(BPF_DW, BPF_OR | BPF_FETCH, 10, 3, -8), READ_SLOT,
       BPF_ALU64_REG(BPF_ADD, 0, 3), EXIT);
    IT("atomic fetch and32", 0, 0, 0xf0 + 0x30, SLOT_INIT(0xf0), BPF_MOV64_IMM(3, 0x3f),
       BPF_ATOMIC_OP(BPF_W, BPF_AND | BPF_FETCH, 10, 3, -8), READ_SLOT,
       BPF_ALU64_REG(BPF_ADD, 0, 3), EXIT);
    IT("atomic fetch xor r0 as src", 0, 0, 0xf0 + 0xf, SLOT_INIT(0xf0), BPF_MOV64_IMM(0, 0xff),
       BPF_ATOMIC_OP(BPF_DW, BPF_XOR | BPF_FETCH, 10, 0, -8), BPF_LDX_MEM(BPF_DW, 3, 10, -8),
       BPF_ALU64_REG(BPF_ADD, 0, 3), EXIT);
    IT("atomic xchg", 0, 0, 7 * 1000 + 9, SLOT_INIT(7), BPF_MOV64_IMM(3, 9),
       BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, 10, 3, -8), BPF_ALU64_IMM(BPF_MUL, 3, 1000), READ_SLOT,
       BPF_ALU64_REG(BPF_ADD, 0, 3), EXIT);
    IT("atomic xchg32", 0, 0, 0x100000009ull + 0xffffffffull, SLOT_INIT(0x1ffffffffull),
       BPF_MOV64_IMM(3, 9), BPF_ATOMIC_OP(BPF_W, BPF_XCHG, 10, 3, -8), READ_SLOT,
       BPF_ALU64_REG(BPF_ADD, 0, 3), EXIT);
    IT("cmpxchg success", 0, 0, 7 + 9 * 1000, SLOT_INIT(7), BPF_MOV64_IMM(0, 7),
       BPF_MOV64_IMM(3, 9), BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, 10, 3, -8),
       BPF_LDX_MEM(BPF_DW, 4, 10, -8), BPF_ALU64_IMM(BPF_MUL, 4, 1000),
       BPF_ALU64_REG(BPF_ADD, 0, 4), EXIT);
    IT("cmpxchg failure", 0, 0, 7 + 7 * 1000, SLOT_INIT(7), BPF_MOV64_IMM(0, 8),
       BPF_MOV64_IMM(3, 9), BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, 10, 3, -8),
       BPF_LDX_MEM(BPF_DW, 4, 10, -8), BPF_ALU64_IMM(BPF_MUL, 4, 1000),
       BPF_ALU64_REG(BPF_ADD, 0, 4), EXIT);
    IT("cmpxchg32 compares low word, zero-extends r0", 0, 0, 0x7, SLOT_INIT(0xaa00000007ull),
       BPF_LD_IMM64(0, 0xff00000007ull), BPF_MOV64_IMM(3, 9),
       BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, 10, 3, -8), EXIT);
    IT("cmpxchg32 stored", 0, 0, 0xaa00000009ull, SLOT_INIT(0xaa00000007ull),
       BPF_LD_IMM64(0, 0xff00000007ull), BPF_MOV64_IMM(3, 9),
       BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, 10, 3, -8), READ_SLOT, EXIT);
    IT("atomic on state region", 0, 0, 0x2d2a2724211e1b18ull + 0x1000,
       BPF_LDX_MEM(BPF_DW, 2, 1, 104), BPF_MOV64_IMM(3, 0x1000),
       BPF_ATOMIC_OP(BPF_DW, BPF_ADD | BPF_FETCH, 2, 3, 8), BPF_LDX_MEM(BPF_DW, 0, 2, 8), EXIT);
}

static void call_tests(void)
{
    /* factorial(5) by recursion: 6 frames deep */
    IT("recursive factorial", 0, 0, 120, BPF_MOV64_IMM(1, 5), BPF_CALL_REL(1), EXIT,
       BPF_MOV64_IMM(0, 1), BPF_JMP_IMM(BPF_JLE, 1, 1, 4), BPF_MOV64_REG(6, 1),
       BPF_ALU64_IMM(BPF_ADD, 1, -1), BPF_CALL_REL(-5), BPF_ALU64_REG(BPF_MUL, 0, 6), EXIT);
    /* Leaf programs (no call, no r6..r10: no frame, jit_x86_64.c): the
     * context in r1, scratch in r2..r5. */
    IT("leaf program", 41, 0, 42, BPF_LDX_MEM(BPF_DW, 2, 1, 8), BPF_MOV64_REG(0, 2),
       BPF_ALU64_IMM(BPF_ADD, 0, 1), EXIT);
    IT("leaf program, branches", 150, 0, 0, BPF_LDX_MEM(BPF_DW, 2, 1, 8), BPF_MOV64_IMM(0, 1),
       BPF_JMP_IMM(BPF_JLT, 2, 100, 1), BPF_MOV64_IMM(0, 0), EXIT);
    IT("callee-saved preserved", 3, 4, 3 * 100 + 4 * 10 + 7, ARGS, BPF_MOV64_IMM(8, 7),
       BPF_MOV64_IMM(9, 0), BPF_CALL_REL(7), BPF_ALU64_IMM(BPF_MUL, 6, 100),
       BPF_ALU64_IMM(BPF_MUL, 7, 10), BPF_MOV64_REG(0, 6), BPF_ALU64_REG(BPF_ADD, 0, 7),
       BPF_ALU64_REG(BPF_ADD, 0, 8), BPF_ALU64_REG(BPF_ADD, 0, 9), EXIT,
       /* callee */ BPF_MOV64_IMM(6, 1000), BPF_MOV64_IMM(7, 1000), BPF_MOV64_IMM(8, 1000),
       BPF_MOV64_IMM(9, 1000), BPF_MOV64_IMM(0, 0), EXIT);
    IT("frames have separate stacks", 0, 0, 11, BPF_ST_MEM(BPF_DW, 10, -8, 11), BPF_CALL_REL(2),
       BPF_LDX_MEM(BPF_DW, 0, 10, -8), EXIT, BPF_ST_MEM(BPF_DW, 10, -8, 22), BPF_MOV64_IMM(0, 0),
       EXIT);
    IT("callee writes via caller stack pointer", 0, 0, 33, BPF_MOV64_REG(1, 10),
       BPF_ALU64_IMM(BPF_ADD, 1, -16), BPF_CALL_REL(2), BPF_LDX_MEM(BPF_DW, 0, 10, -16), EXIT,
       BPF_ST_MEM(BPF_DW, 1, 0, 33), BPF_MOV64_IMM(0, 0), EXIT);
    IT("call args in r1..r5", 0, 0, 1 + 20 + 300 + 4000 + 50000, BPF_MOV64_IMM(1, 1),
       BPF_MOV64_IMM(2, 20), BPF_MOV64_IMM(3, 300), BPF_MOV64_IMM(4, 4000), BPF_MOV64_IMM(5, 50000),
       BPF_CALL_REL(1), EXIT, BPF_MOV64_REG(0, 1), BPF_ALU64_REG(BPF_ADD, 0, 2),
       BPF_ALU64_REG(BPF_ADD, 0, 3), BPF_ALU64_REG(BPF_ADD, 0, 4), BPF_ALU64_REG(BPF_ADD, 0, 5),
       EXIT);
    IT("max call depth 8", 0, 0, 6, BPF_MOV64_IMM(1, 6), BPF_CALL_REL(1), EXIT, BPF_MOV64_IMM(0, 0),
       BPF_JMP_IMM(BPF_JEQ, 1, 0, 4), BPF_ALU64_IMM(BPF_ADD, 1, -1), BPF_CALL_REL(-4),
       BPF_ALU64_IMM(BPF_ADD, 0, 1), EXIT, EXIT);
    IT("fall through into a called function", 0, 0, 3, BPF_CALL_REL(1), BPF_JMP_A(0),
       BPF_MOV64_IMM(0, 3), EXIT);
    IT("jump to a called function's entry", 0, 0, 1, BPF_CALL_REL(2), BPF_MOV64_REG(6, 0),
       BPF_JMP_IMM(BPF_JEQ, 6, 1, 0), BPF_MOV64_IMM(0, 1), EXIT);
    IT("helper ktime", 0, 0, 1000000007, BPF_CALL_HELPER(EXT_HELPER_KTIME), EXIT);
    IT("helper random deterministic", 0, 0, 0, BPF_CALL_HELPER(EXT_HELPER_RANDOM),
       BPF_MOV64_REG(6, 0), BPF_CALL_HELPER(EXT_HELPER_RANDOM), BPF_JMP_REG(BPF_JNE, 0, 6, 1),
       BPF_MOV64_IMM(0, 1), BPF_MOV64_IMM(0, 0), EXIT);
    IT("helper csum of stack", 0, 0, 0x483, BPF_ST_MEM(BPF_DW, 10, -8, 0x01020304),
       BPF_MOV64_REG(1, 10), BPF_ALU64_IMM(BPF_ADD, 1, -8), BPF_MOV64_IMM(2, 2),
       BPF_MOV64_IMM(3, 1), BPF_CALL_HELPER(EXT_HELPER_CSUM), EXIT);
    IT("helper fill_random then read", 0, 0, 3 + 10 * 256, BPF_MOV64_REG(1, 10),
       BPF_ALU64_IMM(BPF_ADD, 1, -8), BPF_MOV64_IMM(2, 8), BPF_CALL_HELPER(EXT_HELPER_FILL_RANDOM),
       BPF_LDX_MEM(BPF_H, 0, 10, -8), EXIT);
}

/*
 * JIT register-allocation stress: for every (dst, src) pair among the
 * registers with special roles in the x86 mapping (rax, rdx, rcx, ...), run
 * op dst, src with sentinel values in all other registers and fold every
 * register into r0.  The interpreter and the JIT must agree.
 */
static void regpair_test(const char *opname, uint8_t code, int16_t off)
{
    static const uint64_t inputs[][2] = {
        {100, 7},   {(uint64_t)-100, 7},     {INT64_MIN_U, ~0ull}, {0x80000000ull, 0xffffffffull},
        {12345, 0}, {0xdeadbeefcafeull, 65}, {~0ull, 33},          {5, 0x100000000ull}};
    char name[96], fail[128] = "";
    int bad = 0;
    snprintf(name, sizeof(name), "jit regpairs %s", opname);
    for (int dst = 0; dst <= 9; dst++) {
        for (int src = 0; src <= 9; src++) {
            struct bpf_insn p[64];
            int n = 0;
            p[n++] = BPF_LDX_MEM(BPF_DW, 2, 1, 8);
            p[n++] = BPF_STX_MEM(BPF_DW, 10, 2, -8);
            p[n++] = BPF_LDX_MEM(BPF_DW, 2, 1, 16);
            p[n++] = BPF_STX_MEM(BPF_DW, 10, 2, -16);
            for (int r = 0; r <= 9; r++)
                p[n++] = BPF_MOV64_IMM(r, 0x1000 + r * 0x111);
            p[n++] = BPF_LDX_MEM(BPF_DW, dst, 10, -8);
            if (src != dst)
                p[n++] = BPF_LDX_MEM(BPF_DW, src, 10, -16);
            p[n++] = BPF_INSN(code, dst, src, off, 0);
            for (int r = 1; r <= 9; r++) {
                p[n++] = BPF_ALU64_IMM(BPF_MUL, 0, 31);
                p[n++] = BPF_ALU64_REG(BPF_ADD, 0, r);
            }
            p[n++] = EXIT;
            for (size_t i = 0; i < N(inputs); i++) {
                uint64_t r;
                if (!run_prog(name, p, (size_t)n, inputs[i][0], inputs[i][1], &r, false)) {
                    if (!bad++)
                        snprintf(fail, sizeof(fail), "dst r%d src r%d input %zu", dst, src, i);
                }
            }
        }
    }
    t_result(name, bad == 0, "%d mismatches, first: %s", bad, fail);
}

static void atomic_regpair_test(const char *opname, uint8_t size, int32_t aop)
{
    char name[96], fail[128] = "";
    int bad = 0, ran = 0;
    snprintf(name, sizeof(name), "jit atomic regpairs %s", opname);
    for (int base = 0; base <= 9; base++) {
        for (int src = 0; src <= 9; src++) {
            if (src == base)
                continue;
            struct bpf_insn p[64];
            int n = 0;
            p[n++] = BPF_LDX_MEM(BPF_DW, 2, 1, 8);
            p[n++] = BPF_STX_MEM(BPF_DW, 10, 2, -8);
            for (int r = 0; r <= 9; r++)
                p[n++] = BPF_MOV64_IMM(r, 0x1000 + r * 0x111);
            p[n++] = BPF_LDX_MEM(BPF_DW, src, 10, -8);
            p[n++] = BPF_MOV64_REG(base, 10);
            p[n++] = BPF_ST_MEM(BPF_DW, 10, -24, 0x0f0f);
            p[n++] = BPF_ATOMIC_OP(size, aop, base, src, -24);
            p[n++] = BPF_MOV64_IMM(base, 0);
            p[n++] = BPF_LDX_MEM(BPF_DW, base, 10, -24);
            for (int r = 1; r <= 9; r++) {
                p[n++] = BPF_ALU64_IMM(BPF_MUL, 0, 31);
                p[n++] = BPF_ALU64_REG(BPF_ADD, 0, r);
            }
            p[n++] = EXIT;
            struct bpf_prog pr = {p, (uint32_t)n, H_PCT, NULL, 0};
            struct bpf_verify_result res;
            if (!bpf_verify(&pr, NULL, g_varena, sizeof(g_varena), &res))
                continue; /* e.g. cmpxchg needs r0 scalar */
            ran++;
            uint64_t r;
            if (!run_prog(name, p, (size_t)n, 0x123456789abcdef0ull, 0, &r, false)) {
                if (!bad++)
                    snprintf(fail, sizeof(fail), "base r%d src r%d", base, src);
            }
        }
    }
    t_result(name, bad == 0 && ran > 0, "%d mismatches (%d run), first: %s", bad, ran, fail);
}

static void jit_stress_tests(void)
{
    static const struct {
        const char *name;
        uint8_t op;
        int16_t off;
    } ops[] = {{"div", BPF_DIV, 0},    {"mod", BPF_MOD, 0},     {"sdiv", BPF_DIV, 1},
               {"smod", BPF_MOD, 1},   {"lsh", BPF_LSH, 0},     {"rsh", BPF_RSH, 0},
               {"arsh", BPF_ARSH, 0},  {"mul", BPF_MUL, 0},     {"sub", BPF_SUB, 0},
               {"movsx8", BPF_MOV, 8}, {"movsx16", BPF_MOV, 16}};
    char name[64];
    for (size_t i = 0; i < N(ops); i++) {
        snprintf(name, sizeof(name), "%s64", ops[i].name);
        regpair_test(name, BPF_ALU64 | ops[i].op | BPF_X, ops[i].off);
        snprintf(name, sizeof(name), "%s32", ops[i].name);
        regpair_test(name, BPF_ALU | ops[i].op | BPF_X, ops[i].off);
    }
    regpair_test("movsx32 (64-bit)", BPF_ALU64 | BPF_MOV | BPF_X, 32);
    static const struct {
        const char *name;
        int32_t op;
    } aops[] = {{"add", BPF_ADD},
                {"fetch_add", BPF_ADD | BPF_FETCH},
                {"fetch_or", BPF_OR | BPF_FETCH},
                {"fetch_and", BPF_AND | BPF_FETCH},
                {"fetch_xor", BPF_XOR | BPF_FETCH},
                {"xchg", BPF_XCHG},
                {"cmpxchg", BPF_CMPXCHG}};
    for (size_t i = 0; i < N(aops); i++) {
        snprintf(name, sizeof(name), "%s64", aops[i].name);
        atomic_regpair_test(name, BPF_DW, aops[i].op);
        snprintf(name, sizeof(name), "%s32", aops[i].name);
        atomic_regpair_test(name, BPF_W, aops[i].op);
    }
}

/* The interpreter's defensive checks catch accesses outside allowed memory
 * even for programs that were never verified. */
static void defensive_tests(void)
{
    static struct host_env env;
    uint64_t r;
    const struct bpf_insn oob_stack[] = {BPF_LDX_MEM(BPF_DW, 0, 10, 8), EXIT};
    const struct bpf_insn wild[] = {BPF_LD_IMM64(2, 0x1000), BPF_LDX_MEM(BPF_DW, 0, 2, 0), EXIT};
    const struct bpf_insn ro_ctx[] = {BPF_ST_MEM(BPF_DW, 1, 8, 0), BPF_MOV64_IMM(0, 0), EXIT};
    const struct bpf_insn pkt_write[] = {BPF_LDX_MEM(BPF_DW, 2, 1, 0), BPF_ST_MEM(BPF_B, 2, 0, 0),
                                         BPF_MOV64_IMM(0, 0), EXIT};
    const struct bpf_insn pkt_over[] = {BPF_LDX_MEM(BPF_DW, 2, 1, 0), BPF_LDX_MEM(BPF_B, 0, 2, 100),
                                        EXIT};
    const struct bpf_insn below_frame[] = {BPF_LDX_MEM(BPF_DW, 0, 10, -520), EXIT};
    const struct bpf_insn endless[] = {BPF_JMP_A(-1)};
    const struct bpf_insn fall_off[] = {BPF_MOV64_IMM(0, 0)};
    const struct bpf_insn deep[] = {BPF_CALL_REL(-1)};
    struct {
        const char *name;
        const struct bpf_insn *p;
        uint32_t n;
        const struct ext_hook *h;
        int expect;
    } cases[] = {
        {"interp rejects stack overflow access", oob_stack, N(oob_stack), H_PCT, BPF_EXEC_EFAULT},
        {"interp rejects access below the frame", below_frame, N(below_frame), H_PCT,
         BPF_EXEC_EFAULT},
        {"interp rejects wild pointer", wild, N(wild), H_PCT, BPF_EXEC_EFAULT},
        {"interp rejects read-only ctx write", ro_ctx, N(ro_ctx), H_PCT, BPF_EXEC_EFAULT},
        {"interp rejects packet write", pkt_write, N(pkt_write), H_DPF, BPF_EXEC_EFAULT},
        {"interp rejects read past packet end", pkt_over, N(pkt_over), H_DPF, BPF_EXEC_EFAULT},
        {"interp step budget", endless, N(endless), H_PCT, BPF_EXEC_EBUDGET},
        {"interp falling off the end", fall_off, N(fall_off), H_PCT, BPF_EXEC_EINSN},
        {"interp call depth", deep, N(deep), H_PCT, BPF_EXEC_EDEPTH},
    };
    uint8_t pkt[64] = {0};
    for (size_t i = 0; i < N(cases); i++) {
        struct bpf_prog p = {cases[i].p, cases[i].n, cases[i].h, NULL, 0};
        host_env_init(&env, cases[i].h, pkt, sizeof(pkt));
        int rc = bpf_interp_run(&p, host_helpers, env.ctx.raw, 100000, &r);
        t_result(cases[i].name, rc == cases[i].expect, "got status %d (%s)", rc,
                 bpf_exec_strerror(rc));
    }
}

/* The JIT refuses malformed input instead of emitting wild code. */
static void jit_defensive_tests(void)
{
    static uint8_t code[4096], scratch[4096];
    size_t sz;
    const struct bpf_insn bad_jump[] = {BPF_JMP_A(5), EXIT};
    const struct bpf_insn bad_call[] = {BPF_CALL_REL(-5), EXIT};
    const struct bpf_insn bad_reg[] = {BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, 12, 1, 0, 0), EXIT};
    const struct bpf_insn no_helper[] = {BPF_CALL_HELPER(EXT_HELPER_KTIME), EXIT};
    const struct bpf_insn ok[] = {BPF_MOV64_IMM(0, 1), EXIT};
    struct bpf_prog p = {bad_jump, N(bad_jump), H_PCT, NULL, 0};
    t_result("jit rejects jump out of range",
             bpf_jit_compile(&p, host_helpers, code, sizeof(code), scratch, sizeof(scratch), &sz) ==
                 BPF_JIT_EINSN,
             "compiled");
    p.insns = bad_call;
    t_result("jit rejects call out of range",
             bpf_jit_compile(&p, host_helpers, code, sizeof(code), scratch, sizeof(scratch), &sz) ==
                 BPF_JIT_EINSN,
             "compiled");
    p.insns = bad_reg;
    t_result("jit rejects bad register",
             bpf_jit_compile(&p, host_helpers, code, sizeof(code), scratch, sizeof(scratch), &sz) ==
                 BPF_JIT_EINSN,
             "compiled");
    p.insns = no_helper;
    t_result("jit rejects missing helper",
             bpf_jit_compile(&p, NULL, code, sizeof(code), scratch, sizeof(scratch), &sz) ==
                 BPF_JIT_EHELPER,
             "compiled");
    p.insns = ok;
    t_result("jit reports small buffer",
             bpf_jit_compile(&p, host_helpers, code, 4, scratch, sizeof(scratch), &sz) ==
                 BPF_JIT_ENOSPC,
             "compiled");
    /* A leaf program (no call, nothing of r6..r10) has no prologue: its
     * code is its instructions and a ret; the same with r6 has the frame. */
    const struct bpf_insn leaf_r6[] = {BPF_MOV64_IMM(6, 1), BPF_MOV64_REG(0, 6), EXIT};
    const struct bpf_insn leaf_r1[] = {BPF_MOV64_IMM(1, 1), BPF_MOV64_REG(0, 1), EXIT};
    size_t s6 = 0, s1 = 0;
    p.insns = leaf_r6;
    p.len = N(leaf_r6);
    bool ok6 = bpf_jit_compile(&p, host_helpers, code, sizeof(code), scratch, sizeof(scratch),
                               &s6) == BPF_JIT_OK;
    p.insns = leaf_r1;
    p.len = N(leaf_r1);
    bool ok1 = bpf_jit_compile(&p, host_helpers, code, sizeof(code), scratch, sizeof(scratch),
                               &s1) == BPF_JIT_OK;
    t_result("jit leaf program without a frame", ok6 && ok1 && s1 + 20 <= s6 && s1 <= 12,
             "sizes %zu (r1) and %zu (r6)", s1, s6);
    t_result("jit reports small scratch",
             bpf_jit_compile(&p, host_helpers, code, sizeof(code), scratch, 1, &sz) ==
                 BPF_JIT_ESCRATCH,
             "compiled");
}

void test_interp(void)
{
    jit_defensive_tests();
    alu64_tests();
    alu32_tests();
    movsx_end_tests();
    jump_tests();
    memory_tests();
    atomic_tests();
    call_tests();
    jit_stress_tests();
    defensive_tests();
}
