/*
 * test_verifier.c - verifier accept/reject cases.
 *
 * Every reject case asserts the reported instruction index and a substring
 * of the reason.  Every accept case is additionally run through the
 * interpreter and the JIT, which must agree.
 */
#include <stdlib.h>

#include "test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Short instruction names. */
#define MOV(d, i)       BPF_MOV64_IMM(d, i)
#define MOVR(d, s)      BPF_MOV64_REG(d, s)
#define MOV32(d, i)     BPF_MOV32_IMM(d, i)
#define ADDI(d, i)      BPF_ALU64_IMM(BPF_ADD, d, i)
#define ADDR(d, s)      BPF_ALU64_REG(BPF_ADD, d, s)
#define SUBR(d, s)      BPF_ALU64_REG(BPF_SUB, d, s)
#define ANDI(d, i)      BPF_ALU64_IMM(BPF_AND, d, i)
#define LSHI(d, i)      BPF_ALU64_IMM(BPF_LSH, d, i)
#define LDXDW(d, s, o)  BPF_LDX_MEM(BPF_DW, d, s, o)
#define LDXW(d, s, o)   BPF_LDX_MEM(BPF_W, d, s, o)
#define LDXH(d, s, o)   BPF_LDX_MEM(BPF_H, d, s, o)
#define LDXB(d, s, o)   BPF_LDX_MEM(BPF_B, d, s, o)
#define STXDW(d, s, o)  BPF_STX_MEM(BPF_DW, d, s, o)
#define STXW(d, s, o)   BPF_STX_MEM(BPF_W, d, s, o)
#define STXB(d, s, o)   BPF_STX_MEM(BPF_B, d, s, o)
#define STDW(d, o, i)   BPF_ST_MEM(BPF_DW, d, o, i)
#define STW(d, o, i)    BPF_ST_MEM(BPF_W, d, o, i)
#define STB(d, o, i)    BPF_ST_MEM(BPF_B, d, o, i)
#define JGT_R(d, s, o)  BPF_JMP_REG(BPF_JGT, d, s, o)
#define JGE_R(d, s, o)  BPF_JMP_REG(BPF_JGE, d, s, o)
#define JLT_R(d, s, o)  BPF_JMP_REG(BPF_JLT, d, s, o)
#define JLE_R(d, s, o)  BPF_JMP_REG(BPF_JLE, d, s, o)
#define JI(op, d, i, o) BPF_JMP_IMM(op, d, i, o)
#define CALL(id)        BPF_CALL_HELPER(id)
#define EXIT            BPF_EXIT_INSN()
#define RET0            MOV(0, 0), EXIT

/* DPF/ASH: r2 = data, r3 = data_end. */
#define LOAD_PKT LDXDW(2, 1, 0), LDXDW(3, 1, 8)

static uint8_t test_packet[100];

static void run_accepted(const char *name, const struct bpf_prog *p)
{
    static struct host_env env;
    uint64_t ri, rj;
    char msg[160];
    host_env_init(&env, p->hook, test_packet, sizeof(test_packet));
    bool same = host_run_both(p, &env, &ri, &rj, msg, sizeof(msg));
    t_result(name, same, "interp/JIT: %s", msg);
}

static void vcheck_full(const char *name, const struct ext_hook *hook, const struct bpf_insn *insns,
                        size_t n, bool expect_ok, uint32_t insn, const char *reason,
                        const struct bpf_data_region *data, uint32_t ndata, uint32_t max_steps)
{
    struct bpf_prog p = {insns, (uint32_t)n, hook, data, ndata};
    struct bpf_verify_result res;
    struct bpf_verify_opts opts = {0, max_steps};
    char full[200];
    snprintf(full, sizeof(full), "verifier %s", name);
    bool ok = bpf_verify(&p, &opts, g_varena, sizeof(g_varena), &res);
    if (expect_ok) {
        t_result(full, ok, "expected accept, got reject at insn %u: %s", res.insn, res.reason);
        if (ok) {
            snprintf(full, sizeof(full), "verifier-run %s", name);
            run_accepted(full, &p);
        }
        return;
    }
    if (ok) {
        t_result(full, false, "expected reject at insn %u (%s), got accept", insn, reason);
        return;
    }
    t_result(full, res.insn == insn && strstr(res.reason, reason),
             "expected reject at insn %u containing \"%s\", got insn %u: %s", insn, reason,
             res.insn, res.reason);
}

#define ACCEPT(name, hook, ...)                                                                    \
    do {                                                                                           \
        const struct bpf_insn p_[] = {__VA_ARGS__};                                                \
        vcheck_full(name, hook, p_, N(p_), true, 0, NULL, NULL, 0, 0);                             \
    } while (0)
#define REJECT(name, hook, idx, reason, ...)                                                       \
    do {                                                                                           \
        const struct bpf_insn p_[] = {__VA_ARGS__};                                                \
        vcheck_full(name, hook, p_, N(p_), false, idx, reason, NULL, 0, 0);                        \
    } while (0)

static void basic_cases(void)
{
    ACCEPT("minimal", H_TIMER, RET0);
    ACCEPT("return constant from every hook pf", H_PF, MOV(0, 7), EXIT);
    ACCEPT("return constant exc", H_EXC, MOV(0, 7), EXIT);
    ACCEPT("return constant pct", H_PCT, MOV(0, 7), EXIT);
    ACCEPT("return constant dpf", H_DPF, MOV(0, 7), EXIT);
    ACCEPT("return constant ash", H_ASH, MOV(0, 7), EXIT);
    REJECT("uninit r0 at exit", H_TIMER, 0, "R0 is uninitialized at exit", EXIT);
    REJECT("read uninit r2", H_TIMER, 0, "R2 is uninitialized", MOVR(0, 2), EXIT);
    REJECT("alu on uninit dst", H_TIMER, 0, "R0 is uninitialized", ADDI(0, 1), EXIT);
    REJECT("falls off end", H_TIMER, 0, "falls off the end", MOV(0, 0));
    REJECT("falls off end after branch", H_TIMER, 3, "falls off the end", LDXDW(0, 1, 0),
           JI(BPF_JEQ, 0, 5, 1), EXIT, MOV(0, 1));
    REJECT("jump out of range", H_TIMER, 0, "jump out of range", BPF_JMP_A(5), EXIT);
    REJECT("jump backwards out of range", H_TIMER, 1, "jump out of range", MOV(0, 0), BPF_JMP_A(-3),
           EXIT);
    REJECT("cond jump out of range", H_TIMER, 1, "jump out of range", MOV(0, 0),
           JI(BPF_JEQ, 0, 0, 100), EXIT);
    REJECT("jump into lddw", H_TIMER, 0, "middle of lddw", BPF_JMP_A(2), MOV(0, 0),
           BPF_LD_IMM64(0, 1), EXIT);
    REJECT("lddw missing second half", H_TIMER, 1, "missing its second half", MOV(0, 0),
           BPF_INSN(BPF_LDDW_CODE, 0, 0, 0, 1));
    REJECT("lddw bad second half", H_TIMER, 0, "invalid second half",
           BPF_INSN(BPF_LDDW_CODE, 0, 0, 0, 1), BPF_INSN(0, 0, 1, 0, 0), EXIT);
    REJECT("invalid ALU opcode", H_TIMER, 0, "invalid ALU opcode", BPF_INSN(0xff, 0, 0, 0, 0),
           EXIT);
    REJECT("invalid class ld abs", H_DPF, 0, "legacy packet access",
           BPF_INSN(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0), EXIT);
    REJECT("write r10", H_TIMER, 0, "R10 is not writable", MOV(10, 0), EXIT);
    REJECT("load into r10", H_TIMER, 0, "R10 is not writable", LDXDW(10, 1, 0), EXIT);
    REJECT("invalid src register", H_TIMER, 0, "invalid source register",
           BPF_INSN(BPF_ALU64 | BPF_ADD | BPF_X, 0, 12, 0, 0), EXIT);
    REJECT("mov imm with offset", H_TIMER, 0, "invalid offset",
           BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 8, 1), EXIT);
    REJECT("add with offset", H_TIMER, 0, "invalid offset",
           BPF_INSN(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 1, 1), EXIT);
    REJECT("movsx32 from 32 bits", H_TIMER, 1, "invalid offset", MOV(2, 1),
           BPF_INSN(BPF_ALU | BPF_MOV | BPF_X, 0, 2, 32, 0), EXIT);
    REJECT("sdiv offset 2", H_TIMER, 1, "invalid offset", MOV(0, 1),
           BPF_INSN(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 2, 1), EXIT);
    REJECT("byte swap width 24", H_TIMER, 1, "invalid byte swap width", MOV(0, 1),
           BPF_ENDIAN(BPF_TO_BE, 0, 24), EXIT);
    REJECT("bswap64 with source bit", H_TIMER, 1, "invalid ALU opcode", MOV(0, 1),
           BPF_INSN(BPF_ALU64 | BPF_END | BPF_X, 0, 0, 0, 16), EXIT);
    REJECT("jmp32 call", H_TIMER, 0, "invalid JMP32 opcode",
           BPF_INSN(BPF_JMP32 | BPF_CALL, 0, 0, 0, 2), RET0);
    REJECT("call by btf id", H_TIMER, 0, "unsupported call type",
           BPF_INSN(BPF_JMP | BPF_CALL, 0, 2, 0, 2), RET0);
    REJECT("exit with imm", H_TIMER, 1, "reserved field", MOV(0, 0),
           BPF_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 1));
    REJECT("invalid jump op", H_TIMER, 1, "invalid jump opcode", MOV(0, 0),
           BPF_INSN(BPF_JMP | 0xe0, 0, 0, 0, 0), EXIT);
    REJECT("memsx dw", H_TIMER, 0, "invalid load mode",
           BPF_INSN(BPF_LDX | BPF_MEMSX | BPF_DW, 0, 1, 0, 0), EXIT);
    REJECT("lddw src 1 (map fd)", H_TIMER, 0, "unsupported lddw source", BPF_LD_IMM64_RAW(0, 1, 5),
           EXIT);
    REJECT("lddw unknown data region", H_TIMER, 0, "unknown data region",
           BPF_LD_IMM64_RAW(0, BPF_PSEUDO_MAP_VALUE, 0), EXIT);
    ACCEPT("lddw constant", H_TIMER, BPF_LD_IMM64(0, 0x123456789abcdefull), EXIT);
    ACCEPT("ja over garbage-free code", H_TIMER, MOV(0, 1), BPF_JMP_A(1), MOV(0, 2), EXIT);
    ACCEPT("jmp32 ja", H_TIMER, MOV(0, 1), BPF_INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, 1), MOV(0, 2),
           EXIT);
}

static void too_large(void)
{
    static struct bpf_insn big[BPF_MAX_INSNS + 1];
    for (int i = 0; i < BPF_MAX_INSNS; i++)
        big[i] = MOV(0, i);
    big[BPF_MAX_INSNS] = EXIT;
    vcheck_full("program too large", H_TIMER, big, N(big), false, BPF_MAX_INSNS, "too large", NULL,
                0, 0);
    big[BPF_MAX_INSNS - 1] = EXIT;
    vcheck_full("program at size limit", H_TIMER, big, BPF_MAX_INSNS, true, 0, NULL, NULL, 0, 0);
    vcheck_full("empty program", H_TIMER, big, 0, false, 0, "empty program", NULL, 0, 0);
}

static void ctx_cases(void)
{
    ACCEPT("pf read all fields", H_PF, LDXDW(2, 1, 0), LDXDW(3, 1, 8), LDXDW(4, 1, 16),
           LDXW(5, 1, 24), LDXDW(6, 1, 32), LDXDW(7, 1, 88), ADDR(2, 3), ADDR(2, 4), ADDR(2, 5),
           ADDR(2, 6), ADDR(2, 7), MOVR(0, 2), EXIT);
    ACCEPT("pf write action", H_PF, STDW(1, 104, 1), RET0);
    ACCEPT("pf sub-word read of u64 field", H_PF, LDXB(0, 1, 3), EXIT);
    ACCEPT("pct write reply regs", H_PCT, LDXDW(2, 1, 8), STXDW(1, 2, 56), STXDW(1, 2, 96), RET0);
    ACCEPT("pct read own reply", H_PCT, STDW(1, 56, 5), LDXDW(0, 1, 56), EXIT);
    ACCEPT("timer write quantum", H_TIMER, LDXDW(2, 1, 16), LSHI(2, 1), STXDW(1, 2, 16),
           LDXW(0, 1, 24), EXIT);
    ACCEPT("exc set new rip", H_EXC, LDXDW(2, 1, 16), ADDI(2, 2), STXDW(1, 2, 48), STDW(1, 40, 0),
           RET0);
    ACCEPT("ctx pointer plus const", H_PF, ADDI(1, 8), LDXDW(0, 1, 0), EXIT);
    ACCEPT("ctx spilled and filled", H_PF, STXDW(10, 1, -8), LDXDW(2, 10, -8), LDXDW(0, 2, 0),
           EXIT);
    REJECT("ctx read out of bounds", H_PF, 0, "invalid ctx access", LDXDW(0, 1, 200), EXIT);
    REJECT("ctx read negative", H_PF, 0, "invalid ctx access", LDXDW(0, 1, -8), EXIT);
    REJECT("ctx read padding", H_PF, 0, "invalid ctx access", LDXW(0, 1, 28), EXIT);
    REJECT("ctx read straddles fields", H_PF, 0, "invalid ctx access", LDXDW(0, 1, 4), EXIT);
    REJECT("ctx write read-only field", H_PF, 0, "not writable", STDW(1, 0, 0), RET0);
    REJECT("ctx write via stx read-only", H_PCT, 1, "not writable", MOV(2, 1), STXDW(1, 2, 8),
           RET0);
    REJECT("ctx write pointer field", H_DPF, 0, "not writable", STDW(1, 0, 0), RET0);
    REJECT("ctx store pointer leak", H_PF, 0, "leaks a pointer", STXDW(1, 1, 104), RET0);
    REJECT("ctx store stack pointer leak", H_PCT, 0, "leaks a pointer", STXDW(1, 10, 56), RET0);
    REJECT("ctx pointer field partial read", H_DPF, 0, "whole u64", LDXW(2, 1, 0), RET0);
    REJECT("ctx region field partial read", H_PF, 0, "whole u64", LDXW(2, 1, 96), RET0);
    REJECT("ctx memsx read of pointer", H_DPF, 0, "whole u64", BPF_LDX_MEMSX(BPF_W, 2, 1, 0), RET0);
    REJECT("ctx via scalar", H_PF, 1, "scalar used as pointer", MOV(2, 0), LDXDW(0, 2, 0), EXIT);
    ACCEPT("ctx variable index into pool[]", H_PF, LDXW(2, 1, 24), JI(BPF_JGE, 2, 8, 4), LSHI(2, 3),
           ADDR(1, 2), LDXDW(0, 1, 32), EXIT, RET0);
    ACCEPT("ctx variable index into reply[] write", H_PCT, LDXDW(2, 1, 8), ANDI(2, 5 * 8),
           ADDR(1, 2), STDW(1, 56, 9), RET0);
    REJECT("ctx variable index past pool[]", H_PF, 4, "invalid variable ctx access", LDXW(2, 1, 24),
           JI(BPF_JGT, 2, 8, 4), LSHI(2, 3), ADDR(1, 2), LDXDW(0, 1, 32), EXIT, RET0);
    REJECT("ctx variable index into read-only msg[]", H_PCT, 3, "not writable", LDXDW(2, 1, 8),
           ANDI(2, 5 * 8), ADDR(1, 2), STDW(1, 8, 9), RET0);
    REJECT("ctx variable offset over pointer field", H_DPF, 3, "invalid variable ctx access",
           LDXB(2, 1, 16), ANDI(2, 8), ADDR(1, 2), LDXDW(0, 1, 0), EXIT);
    REJECT("ctx variable offset to helper", H_PF, 6, "must be the ctx pointer", LDXDW(2, 1, 8),
           ANDI(2, 8), ADDR(1, 2), MOV(2, 0), MOV(3, 0), MOV(4, 0), CALL(EXT_HELPER_MAP_FRAME),
           EXIT);
    REJECT("ctx atomic", H_PF, 1, "atomic operation on ctx", MOV(2, 1),
           BPF_ATOMIC_OP(BPF_DW, BPF_ADD, 1, 2, 104), RET0);
}

static void stack_cases(void)
{
    ACCEPT("stack write read", H_TIMER, STDW(10, -8, 42), LDXDW(0, 10, -8), EXIT);
    ACCEPT("stack all sizes", H_TIMER, STB(10, -1, 1), BPF_ST_MEM(BPF_H, 10, -4, 2), STW(10, -8, 3),
           STDW(10, -16, 4), LDXB(0, 10, -1), LDXH(2, 10, -4), LDXW(3, 10, -8), LDXDW(4, 10, -16),
           ADDR(0, 2), ADDR(0, 3), ADDR(0, 4), EXIT);
    ACCEPT("stack bottom", H_TIMER, STDW(10, -512, 1), LDXDW(0, 10, -512), EXIT);
    ACCEPT("stack unaligned read of init bytes", H_TIMER, STDW(10, -16, 1), STDW(10, -8, 2),
           LDXDW(0, 10, -12), EXIT);
    ACCEPT("stack pointer arithmetic", H_TIMER, MOVR(2, 10), ADDI(2, -16), STDW(2, 8, 3),
           LDXDW(0, 10, -8), EXIT);
    ACCEPT("stack pointer difference", H_TIMER, MOVR(2, 10), ADDI(2, -16), MOVR(0, 10), SUBR(0, 2),
           EXIT);
    ACCEPT("spilled scalar keeps bounds", H_PF, LDXDW(2, 1, 8), ANDI(2, 0xf0), STXDW(10, 2, -8),
           LDXDW(3, 10, -8), LDXDW(4, 1, 96), ADDR(4, 3), LDXDW(0, 4, 0), EXIT);
    REJECT("stack write at fp", H_TIMER, 0, "invalid stack access", STDW(10, 0, 1), RET0);
    REJECT("stack write straddles fp", H_TIMER, 0, "invalid stack access", STDW(10, -4, 1), RET0);
    REJECT("stack below limit", H_TIMER, 0, "invalid stack access", STDW(10, -520, 1), RET0);
    REJECT("stack read uninit", H_TIMER, 0, "read of uninitialized stack", LDXDW(0, 10, -8), EXIT);
    REJECT("stack read partially init", H_TIMER, 1, "uninitialized stack at offset -4",
           STW(10, -8, 1), LDXDW(0, 10, -8), EXIT);
    REJECT("partial read of spilled pointer", H_TIMER, 1, "partial read of a spilled pointer",
           STXDW(10, 1, -8), LDXW(0, 10, -8), EXIT);
    REJECT("overwritten spilled pointer", H_TIMER, 2, "uninitialized stack at offset -7",
           STXDW(10, 1, -8), STB(10, -8, 0), LDXDW(0, 10, -8), EXIT);
    REJECT("pointer spilled with 4-byte store", H_TIMER, 0, "leaks a pointer", STXW(10, 1, -8),
           RET0);
    ACCEPT("stack variable offset read", H_PF, STDW(10, -8, 1), STDW(10, -16, 2), LDXDW(2, 1, 8),
           ANDI(2, 8), MOVR(3, 10), ADDI(3, -16), ADDR(3, 2), LDXDW(0, 3, 0), EXIT);
    ACCEPT("stack variable offset write", H_PF, STDW(10, -8, 1), STDW(10, -16, 2), LDXDW(2, 1, 8),
           ANDI(2, 8), MOVR(3, 10), ADDI(3, -16), ADDR(3, 2), STB(3, 3, 7), LDXDW(0, 10, -16),
           EXIT);
    REJECT("stack variable offset read partly uninit", H_PF, 7, "variable stack read",
           STDW(10, -8, 1), LDXDW(2, 1, 8), ANDI(2, 8), MOVR(3, 10), ADDI(3, -16), ADDR(3, 2),
           MOV(0, 0), LDXDW(0, 3, 0), EXIT);
    REJECT("stack variable offset write does not init", H_PF, 7, "read of uninitialized stack",
           LDXDW(2, 1, 8), ANDI(2, 8), MOVR(3, 10), ADDI(3, -16), ADDR(3, 2), STDW(3, 0, 7),
           MOV(0, 0), LDXDW(0, 10, -8), EXIT);
    REJECT("stack variable offset out of range", H_PF, 5, "invalid variable stack access",
           LDXDW(2, 1, 8), ANDI(2, 8), MOVR(3, 10), ADDI(3, -8), ADDR(3, 2), LDXDW(0, 3, 0), EXIT);
    REJECT("stack variable offset pointer spill", H_PF, 5, "pointer spill with a variable",
           LDXDW(2, 1, 8), ANDI(2, 8), MOVR(3, 10), ADDI(3, -16), ADDR(3, 2), STXDW(3, 1, 0), RET0);
    REJECT("stack variable offset clobbers spilled pointer", H_PF, 7, "uninitialized stack",
           STXDW(10, 1, -16), LDXDW(2, 1, 8), ANDI(2, 8), MOVR(3, 10), ADDI(3, -16), ADDR(3, 2),
           STB(3, 0, 1), LDXDW(4, 10, -16), RET0);
    REJECT("stack variable offset unbounded", H_PF, 3, "not bounded", LDXDW(2, 1, 8), MOVR(3, 10),
           ADDI(3, -16), ADDR(3, 2), RET0);
    REJECT("stack variable offset atomic", H_PF, 8, "atomic operation with a variable",
           STDW(10, -8, 1), STDW(10, -16, 2), LDXDW(2, 1, 8), ANDI(2, 8), MOVR(3, 10), ADDI(3, -16),
           ADDR(3, 2), MOV(4, 1), BPF_ATOMIC_OP(BPF_DW, BPF_ADD, 3, 4, 0), RET0);
    REJECT("stack pointer offset overflow", H_TIMER, 1, "out of bounds", MOVR(2, 10),
           ADDI(2, 0x7fffffff), RET0);
    REJECT("return stack pointer", H_TIMER, 2, "R0 leaks a stack pointer", MOVR(0, 10), ADDI(0, -8),
           EXIT);
    REJECT("return ctx pointer", H_TIMER, 1, "R0 leaks a ctx pointer", MOVR(0, 1), EXIT);
    REJECT("stack pointer multiply", H_TIMER, 1, "pointer arithmetic prohibited", MOVR(2, 10),
           BPF_ALU64_IMM(BPF_MUL, 2, 2), RET0);
    REJECT("32-bit add on pointer", H_TIMER, 0, "32-bit arithmetic on a pointer",
           BPF_ALU32_IMM(BPF_ADD, 1, 4), RET0);
    REJECT("32-bit mov of pointer", H_TIMER, 0, "32-bit arithmetic on a pointer",
           BPF_MOV32_REG(2, 1), RET0);
    REJECT("add two pointers", H_TIMER, 0, "addition of two pointers", ADDR(1, 10), RET0);
    REJECT("scalar minus pointer", H_TIMER, 1, "subtracting a pointer from a scalar", MOV(0, 5),
           SUBR(0, 1), EXIT);
    REJECT("ctx minus stack pointer", H_TIMER, 0, "incompatible pointers", SUBR(1, 10), RET0);
    REJECT("pointer xor", H_TIMER, 0, "pointer arithmetic prohibited", BPF_ALU64_IMM(BPF_XOR, 1, 1),
           RET0);
    REJECT("pointer neg", H_TIMER, 0, "pointer arithmetic prohibited", BPF_ALU64_IMM(BPF_NEG, 1, 0),
           RET0);
    REJECT("compare pointer with scalar", H_TIMER, 0, "pointer comparison prohibited",
           JI(BPF_JEQ, 1, 0, 0), RET0);
    REJECT("compare ctx and stack", H_TIMER, 0, "pointer comparison prohibited", JGT_R(1, 10, 0),
           RET0);
}

static void packet_cases(void)
{
    ACCEPT("pkt checked read", H_DPF, LOAD_PKT, MOVR(4, 2), ADDI(4, 14), JGT_R(4, 3, 2),
           LDXH(0, 2, 12), EXIT, RET0);
    ACCEPT("pkt checked read last byte", H_DPF, LOAD_PKT, MOVR(4, 2), ADDI(4, 14), JGT_R(4, 3, 2),
           LDXB(0, 2, 13), EXIT, RET0);
    ACCEPT("pkt reversed compare (end >= p)", H_DPF, LOAD_PKT, MOVR(4, 2), ADDI(4, 8),
           JGE_R(3, 4, 2), RET0, LDXDW(0, 2, 0), EXIT);
    ACCEPT("pkt jlt compare", H_DPF, LOAD_PKT, MOVR(4, 2), ADDI(4, 7), JLT_R(4, 3, 2), RET0,
           LDXDW(0, 2, 0), EXIT);
    ACCEPT("pkt jle compare", H_DPF, LOAD_PKT, MOVR(4, 2), ADDI(4, 8), JLE_R(4, 3, 2), RET0,
           LDXDW(0, 2, 0), EXIT);
    ACCEPT("pkt range via copy", H_DPF, LOAD_PKT, MOVR(4, 2), ADDI(4, 4), JGT_R(4, 3, 2),
           LDXW(0, 4, -4), EXIT, RET0);
    ACCEPT("pkt variable offset checked", H_DPF, LOAD_PKT, MOVR(4, 2), ADDI(4, 1), JGT_R(4, 3, 9),
           LDXB(5, 2, 0), ANDI(5, 0xf), MOVR(6, 2), ADDR(6, 5), MOVR(7, 6), ADDI(7, 4),
           JGT_R(7, 3, 2), LDXW(0, 6, 0), EXIT, RET0);
    ACCEPT("pkt length from pointer difference", H_DPF, LOAD_PKT, MOVR(0, 3), SUBR(0, 2), EXIT);
    ACCEPT("pkt spilled pointer keeps range", H_DPF, LOAD_PKT, MOVR(4, 2), ADDI(4, 8),
           JGT_R(4, 3, 4), STXDW(10, 2, -8), LDXDW(5, 10, -8), LDXDW(0, 5, 0), EXIT, RET0);
    ACCEPT("ash read packet write reply", H_ASH, LOAD_PKT, LDXDW(4, 1, 24), MOVR(5, 2), ADDI(5, 2),
           JGT_R(5, 3, 3), LDXH(6, 2, 0), BPF_STX_MEM(BPF_H, 4, 6, 100), STW(1, 32, 2), RET0);
    ACCEPT("pkt csum helper", H_DPF, LOAD_PKT, MOVR(4, 2), ADDI(4, 20), JGT_R(4, 3, 5), MOVR(1, 2),
           MOV(2, 20), MOV(3, 0), CALL(EXT_HELPER_CSUM), EXIT, RET0);
    REJECT("pkt read unchecked", H_DPF, 2, "packet access out of bounds", LOAD_PKT, LDXB(0, 2, 0),
           EXIT);
    REJECT("pkt read beyond checked range", H_DPF, 5, "packet access out of bounds", LOAD_PKT,
           MOVR(4, 2), ADDI(4, 14), JGT_R(4, 3, 2), LDXB(0, 2, 14), EXIT, RET0);
    REJECT("pkt read in failed branch", H_DPF, 7, "packet access out of bounds", LOAD_PKT,
           MOVR(4, 2), ADDI(4, 14), JGT_R(4, 3, 2), RET0, LDXB(0, 2, 0), EXIT);
    REJECT("pkt negative offset", H_DPF, 5, "before packet start", LOAD_PKT, MOVR(4, 2),
           ADDI(4, 14), JGT_R(4, 3, 2), LDXB(0, 2, -1), EXIT, RET0);
    REJECT("pkt write dpf", H_DPF, 5, "packet is read-only", LOAD_PKT, MOVR(4, 2), ADDI(4, 14),
           JGT_R(4, 3, 3), STB(2, 0, 1), RET0, RET0);
    REJECT("pkt write ash", H_ASH, 5, "packet is read-only", LOAD_PKT, MOVR(4, 2), ADDI(4, 14),
           JGT_R(4, 3, 3), STB(2, 0, 1), RET0, RET0);
    REJECT("pkt end deref", H_DPF, 2, "packet end pointer", LOAD_PKT, LDXB(0, 3, -1), EXIT);
    REJECT("pkt end arithmetic", H_DPF, 2, "packet end pointer", LOAD_PKT, ADDI(3, -1), RET0);
    REJECT("pkt unbounded variable offset", H_DPF, 3, "not bounded", LOAD_PKT, LDXW(4, 1, 16),
           ADDR(2, 4), RET0);
    REJECT("pkt variable access needs new check", H_DPF, 9, "packet access out of bounds", LOAD_PKT,
           MOVR(4, 2), ADDI(4, 8), JGT_R(4, 3, 6), LDXB(5, 2, 0), ANDI(5, 0xf), MOVR(6, 2),
           ADDR(6, 5), LDXB(0, 6, 0), EXIT, RET0);
    REJECT("pkt subtract variable", H_DPF, 4, "subtracting a variable", LOAD_PKT, LDXW(4, 1, 16),
           ANDI(4, 7), SUBR(2, 4), RET0);
    REJECT("pkt compare 32-bit", H_DPF, 2, "pointer comparison prohibited", LOAD_PKT,
           BPF_JMP32_REG(BPF_JGT, 2, 3, 0), RET0);
    REJECT("pkt atomic", H_ASH, 6, "atomic operation on packet", LOAD_PKT, MOVR(4, 2), ADDI(4, 8),
           JGT_R(4, 3, 4), MOV(5, 1), BPF_ATOMIC_OP(BPF_DW, BPF_ADD, 2, 5, 0), RET0, RET0);
    REJECT("pkt return pointer", H_DPF, 3, "R0 leaks a packet pointer", LOAD_PKT, MOVR(0, 2), EXIT);
    REJECT("pkt end returned", H_DPF, 3, "R0 leaks a packet end", LOAD_PKT, MOVR(0, 3), EXIT);
}

static void region_cases(void)
{
    ACCEPT("region read write", H_PF, LDXDW(2, 1, 96), STDW(2, 0, 5), LDXDW(0, 2, 248), EXIT);
    ACCEPT("region masked index", H_PF, LDXDW(2, 1, 96), LDXDW(3, 1, 0), ANDI(3, 0x1f), LSHI(3, 3),
           ADDR(2, 3), LDXDW(0, 2, 0), EXIT);
    ACCEPT("region bounded by branch", H_PCT, LDXDW(2, 1, 104), LDXDW(3, 1, 8),
           JI(BPF_JGT, 3, 248, 3), ADDR(2, 3), LDXDW(0, 2, 0), EXIT, RET0);
    ACCEPT("ash reply end", H_ASH, LDXDW(2, 1, 24), STB(2, EXT_ASH_REPLY_SIZE - 1, 1), RET0);
    ACCEPT("region trace helper", H_PF, LDXDW(1, 1, 96), MOV(2, 256), CALL(EXT_HELPER_TRACE), EXIT);
    REJECT("region end overflow", H_PF, 1, "region state access out of bounds", LDXDW(2, 1, 96),
           LDXDW(0, 2, 256), EXIT);
    REJECT("region negative", H_PF, 1, "out of bounds", LDXDW(2, 1, 96), LDXB(0, 2, -1), EXIT);
    REJECT("region masked index off by one", H_PF, 5, "out of bounds", LDXDW(2, 1, 96),
           LDXDW(3, 1, 0), ANDI(3, 0x1f), LSHI(3, 3), ADDR(2, 3), LDXDW(0, 2, 8), EXIT);
    REJECT("region unbounded index", H_PF, 2, "not bounded", LDXDW(2, 1, 96), LDXDW(3, 1, 0),
           ADDR(2, 3), RET0);
    REJECT("region branch bound off by one", H_PCT, 4, "out of bounds", LDXDW(2, 1, 104),
           LDXDW(3, 1, 8), JI(BPF_JGT, 3, 249, 3), ADDR(2, 3), LDXDW(0, 2, 0), EXIT, RET0);
    REJECT("region pointer leak", H_PF, 1, "leaks a pointer", LDXDW(2, 1, 96), STXDW(2, 1, 0),
           RET0);
    REJECT("region returned", H_PF, 1, "R0 leaks a region pointer", LDXDW(0, 1, 96), EXIT);
    REJECT("region via helper too long", H_PF, 3, "region state access out of bounds",
           LDXDW(1, 1, 96), MOV(2, 257), MOV(3, 0), CALL(EXT_HELPER_CSUM), EXIT);
}

static void data_region_cases(void)
{
    static uint8_t ro[32], rw[16];
    static const struct bpf_data_region data[2] = {{".rodata", ro, sizeof(ro), false},
                                                   {".data", rw, sizeof(rw), true}};
    const struct bpf_insn ok[] = {BPF_LD_IMM64_RAW(2, BPF_PSEUDO_MAP_VALUE, 0), LDXDW(0, 2, 24),
                                  BPF_LD_IMM64_RAW(3, BPF_PSEUDO_MAP_VALUE, 1), STXDW(3, 0, 8),
                                  EXIT};
    vcheck_full("data regions read/write", H_TIMER, ok, N(ok), true, 0, NULL, data, 2, 0);
    const struct bpf_insn wr_ro[] = {BPF_LD_IMM64_RAW(2, BPF_PSEUDO_MAP_VALUE, 0), STDW(2, 0, 1),
                                     RET0};
    vcheck_full("data region .rodata write", H_TIMER, wr_ro, N(wr_ro), false, 2, "read-only", data,
                2, 0);
    const struct bpf_insn oob[] = {BPF_LD_IMM64_RAW(2, BPF_PSEUDO_MAP_VALUE, 1), LDXDW(0, 2, 9),
                                   EXIT};
    vcheck_full("data region out of bounds", H_TIMER, oob, N(oob), false, 2, "out of bounds", data,
                2, 0);
    const struct bpf_insn offs[] = {
        {BPF_LDDW_CODE, 2, BPF_PSEUDO_MAP_VALUE, 0, 1}, {0, 0, 0, 0, 12}, LDXW(0, 2, 0), EXIT};
    vcheck_full("data region lddw offset", H_TIMER, offs, N(offs), true, 0, NULL, data, 2, 0);
    const struct bpf_insn offs2[] = {
        {BPF_LDDW_CODE, 2, BPF_PSEUDO_MAP_VALUE, 0, 1}, {0, 0, 0, 0, 12}, LDXDW(0, 2, 0), EXIT};
    vcheck_full("data region lddw offset oob", H_TIMER, offs2, N(offs2), false, 2, "out of bounds",
                data, 2, 0);
}

static void helper_cases(void)
{
    ACCEPT("helper ktime", H_TIMER, CALL(EXT_HELPER_KTIME), EXIT);
    ACCEPT("helper random bounded", H_PF, CALL(EXT_HELPER_RANDOM), ANDI(0, 0x3f), EXIT);
    ACCEPT("helper trace stack", H_TIMER, STDW(10, -8, 1), STDW(10, -16, 2), MOVR(1, 10),
           ADDI(1, -16), MOV(2, 16), CALL(EXT_HELPER_TRACE), EXIT);
    ACCEPT("helper trace size zero", H_TIMER, MOVR(1, 10), MOV(2, 0), CALL(EXT_HELPER_TRACE), EXIT);
    ACCEPT("helper map_frame", H_PF, LDXDW(2, 1, 0), MOV(3, 1), MOV(4, 3),
           CALL(EXT_HELPER_MAP_FRAME), EXIT);
    ACCEPT("helper fill_random initializes stack", H_TIMER, MOVR(1, 10), ADDI(1, -16), MOV(2, 16),
           CALL(EXT_HELPER_FILL_RANDOM), LDXDW(0, 10, -16), LDXDW(2, 10, -8), ADDR(0, 2), EXIT);
    ACCEPT("helper ash_send", H_ASH, MOV(2, 4), CALL(EXT_HELPER_ASH_SEND), EXIT);
    ACCEPT("helper result range used as offset", H_PF, MOVR(6, 1), CALL(EXT_HELPER_RANDOM),
           ANDI(0, 0xf8), LDXDW(2, 6, 96), ADDR(2, 0), LDXDW(0, 2, 0), EXIT);
    ACCEPT("helper callee-saved survive", H_TIMER, MOV(6, 3), CALL(EXT_HELPER_KTIME), ADDR(0, 6),
           EXIT);
    REJECT("unknown helper", H_TIMER, 0, "unknown helper 99", CALL(99), EXIT);
    REJECT("helper id 0", H_TIMER, 0, "unknown helper 0", CALL(0), EXIT);
    REJECT("helper negative id", H_TIMER, 0, "unknown helper -1", CALL(-1), EXIT);
    REJECT("helper not allowed for hook", H_DPF, 4, "not allowed for hook", MOV(2, 0), MOV(3, 0),
           MOV(4, 0), MOV(5, 0), CALL(EXT_HELPER_MAP_FRAME), EXIT);
    REJECT("unreachable call to unknown helper", H_TIMER, 2, "unknown helper 42", MOV(0, 0), EXIT,
           CALL(42), EXIT);
    REJECT("ash_send outside ash", H_PCT, 1, "not allowed", MOV(2, 1), CALL(EXT_HELPER_ASH_SEND),
           EXIT);
    REJECT("map_frame scalar ctx", H_PF, 4, "must be the ctx pointer", MOV(1, 0), MOV(2, 0),
           MOV(3, 0), MOV(4, 0), CALL(EXT_HELPER_MAP_FRAME), EXIT);
    REJECT("map_frame modified ctx", H_PF, 4, "must be the ctx pointer", ADDI(1, 8), MOV(2, 0),
           MOV(3, 0), MOV(4, 0), CALL(EXT_HELPER_MAP_FRAME), EXIT);
    REJECT("map_frame pointer as scalar", H_PF, 3, "must be a scalar", MOVR(2, 10), MOV(3, 0),
           MOV(4, 0), CALL(EXT_HELPER_MAP_FRAME), EXIT);
    REJECT("map_frame uninit arg", H_PF, 2, "arg3 (R3) is uninitialized", MOV(2, 0), MOV(4, 0),
           CALL(EXT_HELPER_MAP_FRAME), EXIT);
    REJECT("csum on ctx", H_TIMER, 2, "must point to memory", MOV(2, 8), MOV(3, 0),
           CALL(EXT_HELPER_CSUM), EXIT);
    REJECT("csum on scalar", H_TIMER, 3, "must point to memory", MOV(1, 0), MOV(2, 8), MOV(3, 0),
           CALL(EXT_HELPER_CSUM), EXIT);
    REJECT("trace unbounded size", H_TIMER, 3, "not bounded", LDXDW(2, 1, 0), MOVR(1, 10),
           ADDI(1, -8), CALL(EXT_HELPER_TRACE), EXIT);
    REJECT("trace size is pointer", H_TIMER, 3, "size must be a scalar", MOVR(2, 1), MOVR(1, 10),
           ADDI(1, -8), CALL(EXT_HELPER_TRACE), EXIT);
    REJECT("trace uninit stack", H_TIMER, 3, "read of uninitialized stack", MOVR(1, 10),
           ADDI(1, -8), MOV(2, 8), CALL(EXT_HELPER_TRACE), EXIT);
    REJECT("trace beyond stack", H_TIMER, 4, "invalid stack access", STDW(10, -8, 0), MOVR(1, 10),
           ADDI(1, -8), MOV(2, 16), CALL(EXT_HELPER_TRACE), EXIT);
    REJECT("trace spilled pointer", H_TIMER, 4, "spilled pointer", STXDW(10, 1, -8), MOVR(1, 10),
           ADDI(1, -8), MOV(2, 8), CALL(EXT_HELPER_TRACE), EXIT);
    REJECT("fill_random into packet", H_ASH, 7, "packet is read-only", LOAD_PKT, MOVR(4, 2),
           ADDI(4, 8), JGT_R(4, 3, 4), MOVR(1, 2), MOV(2, 8), CALL(EXT_HELPER_FILL_RANDOM), EXIT,
           RET0);
    REJECT("fill_random variable size leaves uninit", H_TIMER, 6, "read of uninitialized stack",
           LDXDW(2, 1, 0), ANDI(2, 7), MOVR(1, 10), ADDI(1, -8), CALL(EXT_HELPER_FILL_RANDOM),
           STDW(10, -16, 0), LDXDW(0, 10, -8), EXIT);
    REJECT("helper clobbers r1", H_TIMER, 1, "R1 is uninitialized", CALL(EXT_HELPER_KTIME),
           MOVR(0, 1), EXIT);
    REJECT("helper clobbers r5", H_TIMER, 2, "R5 is uninitialized", MOV(5, 1),
           CALL(EXT_HELPER_KTIME), MOVR(0, 5), EXIT);
    REJECT("random result unbounded as offset", H_PF, 4, "not bounded", MOVR(6, 1),
           CALL(EXT_HELPER_RANDOM), LDXDW(2, 6, 96), MOVR(1, 0), ADDR(2, 1), RET0);
}

static void branch_cases(void)
{
    ACCEPT("dead branch not explored", H_TIMER, MOV(0, 5), JI(BPF_JGT, 0, 10, 1), EXIT, MOVR(0, 9),
           EXIT);
    ACCEPT("range refinement unsigned", H_PF, LDXDW(3, 1, 0), JI(BPF_JGE, 3, 32, 5), LSHI(3, 3),
           LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT, RET0);
    ACCEPT("range refinement jlt", H_PF, LDXDW(3, 1, 0), JI(BPF_JLT, 3, 32, 2), RET0, LSHI(3, 3),
           LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT);
    ACCEPT("range refinement signed", H_PF, LDXDW(3, 1, 0), JI(BPF_JSLT, 3, 0, 6),
           JI(BPF_JSGT, 3, 31, 5), LSHI(3, 3), LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT,
           RET0);
    ACCEPT("range refinement jeq", H_PF, LDXDW(3, 1, 0), JI(BPF_JEQ, 3, 16, 2), RET0,
           LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT);
    ACCEPT("range refinement reg-reg", H_PF, LDXDW(3, 1, 0), MOV(4, 100), JGT_R(3, 4, 4),
           LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT, RET0);
    ACCEPT("jmp32 refinement small values", H_PF, LDXB(3, 1, 0), BPF_JMP32_IMM(BPF_JGT, 3, 31, 5),
           LSHI(3, 3), LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT, RET0);
    ACCEPT("jmp32 refinement of u32 field", H_PF, LDXW(3, 1, 24), BPF_JMP32_IMM(BPF_JGE, 3, 32, 5),
           LSHI(3, 3), LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT, RET0);
    REJECT("jmp32 signed needs 31-bit values", H_PF, 5, "not bounded", LDXW(3, 1, 24),
           BPF_JMP32_IMM(BPF_JSGE, 3, 32, 6), LSHI(3, 3), LDXDW(2, 1, 96), MOVR(4, 2), ADDR(4, 3),
           RET0, RET0);
    REJECT("jmp32 ignores high bits of 64-bit value", H_PF, 5, "not bounded", LDXDW(3, 1, 0),
           BPF_JMP32_IMM(BPF_JGE, 3, 32, 6), LSHI(3, 3), LDXDW(2, 1, 96), MOVR(4, 2), ADDR(4, 3),
           RET0, RET0);
    ACCEPT("bound learned on a copy applies to the original", H_PF, LDXDW(3, 1, 0), MOVR(4, 3),
           JI(BPF_JGE, 4, 32, 5), LSHI(3, 3), LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT,
           RET0);
    ACCEPT("bound learned on the original applies to a spilled copy", H_PF, LDXDW(3, 1, 0),
           STXDW(10, 3, -8), JI(BPF_JGE, 3, 32, 6), LDXDW(4, 10, -8), LSHI(4, 3), LDXDW(2, 1, 96),
           ADDR(2, 4), LDXDW(0, 2, 0), EXIT, RET0);
    REJECT("modified copy is no longer linked", H_PF, 6, "not bounded", LDXDW(3, 1, 0), MOVR(4, 3),
           ADDI(4, 0), JI(BPF_JGE, 4, 32, 5), LSHI(3, 3), LDXDW(2, 1, 96), ADDR(2, 3),
           LDXDW(0, 2, 0), EXIT, RET0);
    REJECT("32-bit copy is not linked", H_PF, 5, "not bounded", LDXDW(3, 1, 0), BPF_MOV32_REG(4, 3),
           JI(BPF_JGE, 4, 32, 5), LSHI(3, 3), LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT,
           RET0);
    ACCEPT("jset both paths", H_TIMER, LDXDW(2, 1, 0), MOV(0, 1), JI(BPF_JSET, 2, 4, 1), MOV(0, 2),
           EXIT);
    ACCEPT("all conditional ops", H_TIMER, LDXDW(2, 1, 0), LDXDW(3, 1, 8), MOV(0, 0),
           JGT_R(2, 3, 0), JGE_R(2, 3, 0), JLT_R(2, 3, 0), JLE_R(2, 3, 0),
           BPF_JMP_REG(BPF_JEQ, 2, 3, 0), BPF_JMP_REG(BPF_JNE, 2, 3, 0),
           BPF_JMP_REG(BPF_JSGT, 2, 3, 0), BPF_JMP_REG(BPF_JSGE, 2, 3, 0),
           BPF_JMP_REG(BPF_JSLT, 2, 3, 0), BPF_JMP_REG(BPF_JSLE, 2, 3, 0),
           BPF_JMP_REG(BPF_JSET, 2, 3, 0), EXIT);
    REJECT("refinement not applied to other branch", H_PF, 4, "not bounded", LDXDW(3, 1, 0),
           JI(BPF_JLT, 3, 32, 5), LSHI(3, 3), LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT,
           RET0);
    REJECT("signed bound without lower bound", H_PF, 3, "not bounded", LDXDW(3, 1, 0),
           JI(BPF_JSGT, 3, 31, 4), LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT, RET0);
    REJECT("uninit only on one path", H_TIMER, 4, "R2 is uninitialized", LDXDW(3, 1, 0),
           JI(BPF_JEQ, 3, 0, 1), MOV(2, 1), MOV(0, 0), ADDR(0, 2), EXIT);
    REJECT("jset does not refine", H_PF, 3, "not bounded", LDXDW(3, 1, 0), JI(BPF_JSET, 3, -32, 4),
           LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT, RET0);
}

static void loop_cases(void)
{
    ACCEPT("bounded loop", H_TIMER, MOV(0, 0), ADDI(0, 1), JI(BPF_JLT, 0, 10, -2), EXIT);
    ACCEPT("bounded loop with sum", H_TIMER, MOV(0, 0), MOV(2, 0), ADDR(0, 2), ADDI(2, 1),
           JI(BPF_JLT, 2, 100, -3), EXIT);
    ACCEPT("bounded loop over region", H_PF, LDXDW(2, 1, 96), MOV(3, 0), MOV(0, 0), MOVR(4, 2),
           ADDR(4, 3), LDXDW(5, 4, 0), ADDR(0, 5), ADDI(3, 8), JI(BPF_JLT, 3, 256, -6), EXIT);
    ACCEPT("countdown loop", H_TIMER, MOV(0, 20), ADDI(0, -1), JI(BPF_JNE, 0, 0, -2), EXIT);
    REJECT("infinite loop", H_TIMER, 1, "loop is not provably bounded", MOV(0, 0), BPF_JMP_A(-1),
           EXIT);
    REJECT("infinite loop no change", H_TIMER, 2, "not provably bounded", MOV(0, 0), MOV(2, 1),
           JI(BPF_JNE, 2, 0, -1), EXIT);
    REJECT("loop with unknown bound", H_TIMER, 2, "not provably bounded", LDXDW(2, 1, 0), MOV(0, 0),
           ADDI(2, 1), JI(BPF_JNE, 2, 0, -2), EXIT);
    const struct bpf_insn big_loop[] = {MOV(0, 0), ADDI(0, 1), JI(BPF_JLT, 0, 1000000, -2), EXIT};
    vcheck_full("loop exceeding complexity budget", H_TIMER, big_loop, N(big_loop), false, 1,
                "complexity limit", NULL, 0, 20001);
    /* 24 sequential diamonds: 2^24 paths without pruning. */
    static struct bpf_insn diamonds[3 + 24 * 3 + 1];
    size_t k = 0;
    diamonds[k++] = LDXDW(2, 1, 0);
    diamonds[k++] = MOV(0, 0);
    diamonds[k++] = MOV(3, 0);
    for (int i = 0; i < 24; i++) {
        diamonds[k++] = BPF_JMP_IMM(BPF_JSET, 2, 1 << i, 1);
        diamonds[k++] = BPF_JMP_A(1);
        diamonds[k++] = MOV(3, i);
    }
    diamonds[k++] = EXIT;
    vcheck_full("pruning of 24 diamonds", H_TIMER, diamonds, k, true, 0, NULL, NULL, 0, 20000);
}

static void call_cases(void)
{
    /* main: call f; exit.  f: r0 = r1-ish */
    ACCEPT("bpf-to-bpf call", H_TIMER, MOV(1, 5), BPF_CALL_REL(1), EXIT, MOVR(0, 1), ADDI(0, 1),
           EXIT);
    ACCEPT("callee writes caller stack", H_TIMER, MOVR(1, 10), ADDI(1, -8), BPF_CALL_REL(2),
           LDXDW(0, 10, -8), EXIT, STDW(1, 0, 77), MOV(0, 0), EXIT);
    ACCEPT("callee uses own stack", H_TIMER, BPF_CALL_REL(1), EXIT, STDW(10, -8, 3),
           LDXDW(0, 10, -8), EXIT);
    ACCEPT("callee-saved regs preserved", H_TIMER, MOV(6, 4), BPF_CALL_REL(2), ADDR(0, 6), EXIT,
           MOV(6, 100), MOV(0, 1), EXIT);
    ACCEPT("nested calls depth 3", H_TIMER, BPF_CALL_REL(1), EXIT, BPF_CALL_REL(1), EXIT, MOV(0, 3),
           EXIT);
    ACCEPT("subprog passes ctx to helper", H_PF, BPF_CALL_REL(1), EXIT, MOV(2, 0), MOV(3, 0),
           MOV(4, 0), CALL(EXT_HELPER_MAP_FRAME), EXIT);
    REJECT("recursion one frame too deep", H_TIMER, 6, "call depth exceeds", MOV(1, 7),
           BPF_CALL_REL(1), EXIT, MOV(0, 0), JI(BPF_JEQ, 1, 0, 4), ADDI(1, -1), BPF_CALL_REL(-4),
           ADDI(0, 1), EXIT, EXIT);
    REJECT("unbounded recursion", H_TIMER, 1, "call depth exceeds", BPF_CALL_REL(0),
           BPF_CALL_REL(-1), EXIT);
    REJECT("call target out of range", H_TIMER, 0, "jump out of range", BPF_CALL_REL(10), EXIT);
    REJECT("call into lddw", H_TIMER, 0, "middle of lddw", BPF_CALL_REL(1), BPF_LD_IMM64(0, 1),
           EXIT);
    REJECT("subprog returns pointer", H_TIMER, 4, "R0 leaks a stack pointer", BPF_CALL_REL(2),
           MOV(0, 0), EXIT, MOVR(0, 10), EXIT);
    REJECT("caller args clobbered by call", H_TIMER, 2, "R2 is uninitialized", MOV(2, 5),
           BPF_CALL_REL(2), MOVR(0, 2), EXIT, MOV(0, 0), EXIT);
    REJECT("callee cannot read caller r6", H_TIMER, 3, "R6 is uninitialized", MOV(6, 1),
           BPF_CALL_REL(1), EXIT, MOVR(0, 6), EXIT);
    REJECT("callee stack pointer into caller frame", H_TIMER, 6, "callee stack", MOVR(1, 10),
           ADDI(1, -8), BPF_CALL_REL(2), MOV(0, 0), EXIT, MOVR(2, 10), STXDW(1, 2, 0), MOV(0, 0),
           EXIT);
    REJECT("callee stack out of bounds", H_TIMER, 2, "invalid stack access", BPF_CALL_REL(1), EXIT,
           LDXDW(0, 10, 8), EXIT);
}

static void atomic_cases(void)
{
    ACCEPT("atomic add stack", H_TIMER, STDW(10, -8, 1), MOV(2, 2),
           BPF_ATOMIC_OP(BPF_DW, BPF_ADD, 10, 2, -8), LDXDW(0, 10, -8), EXIT);
    ACCEPT("atomic fetch ops stack", H_TIMER, STDW(10, -8, 0x0f), MOV(2, 0x3c),
           BPF_ATOMIC_OP(BPF_DW, BPF_OR | BPF_FETCH, 10, 2, -8),
           BPF_ATOMIC_OP(BPF_W, BPF_AND | BPF_FETCH, 10, 2, -8),
           BPF_ATOMIC_OP(BPF_DW, BPF_XOR | BPF_FETCH, 10, 2, -8),
           BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, 10, 2, -8), MOVR(0, 2), EXIT);
    ACCEPT("atomic cmpxchg region", H_PF, LDXDW(2, 1, 96), MOV(0, 0), MOV(3, 9),
           BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, 2, 3, 16), EXIT);
    REJECT("atomic uninit stack", H_TIMER, 1, "uninitialized stack", MOV(2, 1),
           BPF_ATOMIC_OP(BPF_DW, BPF_ADD, 10, 2, -8), RET0);
    REJECT("atomic misaligned", H_TIMER, 2, "misaligned atomic", STDW(10, -16, 0), MOV(2, 1),
           BPF_ATOMIC_OP(BPF_W, BPF_ADD, 10, 2, -14), RET0);
    REJECT("atomic pointer leak", H_PF, 1, "leaks a pointer through an atomic", LDXDW(2, 1, 96),
           BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, 2, 1, 0), RET0);
    REJECT("atomic on spilled pointer", H_TIMER, 2, "spilled pointer", STXDW(10, 1, -8), MOV(2, 1),
           BPF_ATOMIC_OP(BPF_DW, BPF_ADD, 10, 2, -8), RET0);
    REJECT("atomic invalid op", H_TIMER, 0, "invalid atomic operation",
           BPF_ATOMIC_OP(BPF_DW, 0x10, 10, 2, -8), RET0);
    REJECT("atomic byte size", H_TIMER, 0, "invalid atomic operand size",
           BPF_ATOMIC_OP(BPF_B, BPF_ADD, 10, 2, -8), RET0);
    REJECT("cmpxchg uninit r0", H_PF, 2, "R0 is uninitialized", LDXDW(2, 1, 96), MOV(3, 9),
           BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, 2, 3, 16), RET0);
}

static void alu_cases(void)
{
    ACCEPT("div by possibly zero register", H_TIMER, LDXDW(2, 1, 0), MOV(0, 100),
           BPF_ALU64_REG(BPF_DIV, 0, 2), BPF_ALU64_REG(BPF_MOD, 0, 2), EXIT);
    ACCEPT("div by zero immediate", H_TIMER, MOV(0, 100), BPF_ALU64_IMM(BPF_DIV, 0, 0),
           BPF_ALU32_IMM(BPF_MOD, 0, 0), EXIT);
    ACCEPT("signed div/mod", H_TIMER, LDXDW(2, 1, 0), LDXDW(0, 1, 8),
           BPF_INSN(BPF_ALU64 | BPF_DIV | BPF_X, 0, 2, 1, 0),
           BPF_INSN(BPF_ALU | BPF_MOD | BPF_X, 0, 2, 1, 0), EXIT);
    ACCEPT("movsx and bswap", H_TIMER, LDXDW(2, 1, 0),
           BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 2, 8, 0),
           BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 32, 0), BPF_BSWAP(3, 64),
           BPF_ENDIAN(BPF_TO_BE, 0, 16), ADDR(0, 3), EXIT);
    ACCEPT("32-bit ops", H_TIMER, LDXDW(2, 1, 0), BPF_MOV32_REG(0, 2),
           BPF_ALU32_IMM(BPF_ADD, 0, -1), BPF_ALU32_REG(BPF_LSH, 0, 2),
           BPF_ALU32_IMM(BPF_ARSH, 0, 3), BPF_ALU32_IMM(BPF_NEG, 0, 0), EXIT);
    ACCEPT("scalar bounds after and", H_PF, LDXDW(3, 1, 0), BPF_ALU32_IMM(BPF_AND, 3, 0xf8),
           LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 0), EXIT);
    ACCEPT("scalar bounds after rsh", H_PF, LDXDW(3, 1, 0), BPF_ALU64_IMM(BPF_RSH, 3, 56),
           LDXDW(2, 1, 96), ADDR(2, 3), LDXB(0, 2, 0), EXIT);
    ACCEPT("scalar bounds after mod", H_PF, LDXDW(3, 1, 0), BPF_ALU64_IMM(BPF_MOD, 3, 200),
           LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 48), EXIT);
    REJECT("scalar bounds after mod too big", H_PF, 4, "out of bounds", LDXDW(3, 1, 0),
           BPF_ALU64_IMM(BPF_MOD, 3, 200), LDXDW(2, 1, 96), ADDR(2, 3), LDXDW(0, 2, 56), EXIT);
    REJECT("32-bit add loses bounds", H_PF, 4, "not bounded", LDXB(3, 1, 0),
           BPF_ALU32_IMM(BPF_ADD, 3, -1), LDXDW(2, 1, 96), MOVR(4, 2), ADDR(4, 3), RET0);
    REJECT("le64 is a 64-bit operation", H_PF, 5, "out of bounds", LDXDW(3, 1, 0),
           BPF_ENDIAN(BPF_TO_LE, 3, 64), BPF_ALU64_IMM(BPF_RSH, 3, 52), LDXDW(2, 1, 96), ADDR(2, 3),
           LDXB(0, 2, 0), EXIT);
    REJECT("be64 result unknown", H_PF, 5, "out of bounds", LDXW(3, 1, 0),
           BPF_ENDIAN(BPF_TO_BE, 3, 64), BPF_ALU64_IMM(BPF_RSH, 3, 52), LDXDW(2, 1, 96), ADDR(2, 3),
           LDXB(0, 2, 0), EXIT);
    ACCEPT("be16 result bounded", H_PF, LDXDW(3, 1, 0), BPF_ENDIAN(BPF_TO_BE, 3, 16),
           BPF_ALU64_IMM(BPF_RSH, 3, 8), LDXDW(2, 1, 96), ADDR(2, 3), LDXB(0, 2, 0), EXIT);
    REJECT("sub underflow loses bounds", H_PF, 4, "not bounded", LDXB(3, 1, 0),
           BPF_ALU64_IMM(BPF_SUB, 3, 1), LDXDW(2, 1, 96), MOVR(4, 2), ADDR(4, 3), RET0);
}

/* RFC 9669: fields an instruction does not use must be zero. One program per
 * field and opcode: r0 = 1; r2 = 1; <insn>; exit, rejected at insn 2 (and the
 * same instruction with the field zero is accepted, so the test is not vacuous). */
static void reserved_check(const char *what, struct bpf_insn bad, struct bpf_insn good)
{
    char name[96];
    const struct bpf_insn p0[] = {MOV(0, 1), MOV(2, 1), bad, EXIT};
    const struct bpf_insn p1[] = {MOV(0, 1), MOV(2, 1), good, EXIT};
    snprintf(name, sizeof(name), "reserved %s (code 0x%02x)", what, bad.code);
    vcheck_full(name, H_TIMER, p0, N(p0), false, 2, "reserved field not zero", NULL, 0, 0);
    snprintf(name, sizeof(name), "reserved %s zero (code 0x%02x)", what, good.code);
    vcheck_full(name, H_TIMER, p1, N(p1), true, 0, NULL, NULL, 0, 0);
}

static void reserved_field_cases(void)
{
    static const uint8_t alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND,
                                      BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH};
    static const uint8_t jmp_ops[] = {BPF_JEQ,  BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
                                      BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};
    /* ALU and ALU64: src of the immediate forms, imm of the register forms. */
    for (int c = 0; c < 2; c++) {
        uint8_t cls = c ? BPF_ALU64 : BPF_ALU;
        for (size_t i = 0; i < N(alu_ops); i++) {
            uint8_t k = cls | alu_ops[i] | BPF_K, x = cls | alu_ops[i] | BPF_X;
            reserved_check("src of alu imm", BPF_INSN(k, 0, 3, 0, 1), BPF_INSN(k, 0, 0, 0, 1));
            reserved_check("imm of alu reg", BPF_INSN(x, 0, 2, 0, 1), BPF_INSN(x, 0, 2, 0, 0));
        }
        /* neg: src and imm unused. */
        reserved_check("src of neg", BPF_INSN(cls | BPF_NEG, 0, 2, 0, 0),
                       BPF_INSN(cls | BPF_NEG, 0, 0, 0, 0));
        reserved_check("imm of neg", BPF_INSN(cls | BPF_NEG, 0, 0, 0, 5),
                       BPF_INSN(cls | BPF_NEG, 0, 0, 0, 0));
        /* byte swaps: src unused (the width is imm, checked elsewhere). */
        reserved_check("src of byte swap", BPF_INSN(cls | BPF_END, 0, 2, 0, 32),
                       BPF_INSN(cls | BPF_END, 0, 0, 0, 32));
    }
    reserved_check("src of be swap", BPF_INSN(BPF_ALU | BPF_END | BPF_TO_BE, 0, 1, 0, 64),
                   BPF_INSN(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 64));
    /* Signed division and sign-extending moves take an offset, but still no imm. */
    reserved_check("imm of sdiv reg", BPF_INSN(BPF_ALU64 | BPF_DIV | BPF_X, 0, 2, 1, 3),
                   BPF_INSN(BPF_ALU64 | BPF_DIV | BPF_X, 0, 2, 1, 0));
    reserved_check("imm of movsx", BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 2, 16, 1),
                   BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 2, 16, 0));
    /* LDX: imm unused. */
    reserved_check("imm of ldx", BPF_INSN(BPF_LDX | BPF_MEM | BPF_DW, 3, 1, 0, 1),
                   BPF_INSN(BPF_LDX | BPF_MEM | BPF_DW, 3, 1, 0, 0));
    reserved_check("imm of ldxsx", BPF_INSN(BPF_LDX | BPF_MEMSX | BPF_W, 3, 1, 24, 1),
                   BPF_INSN(BPF_LDX | BPF_MEMSX | BPF_W, 3, 1, 24, 0));
    /* ST: src unused; STX: imm unused. */
    for (int sz = 0; sz < 4; sz++) {
        uint8_t st = BPF_ST | BPF_MEM | (uint8_t)(sz << 3),
                stx = BPF_STX | BPF_MEM | (uint8_t)(sz << 3);
        reserved_check("src of st", BPF_INSN(st, 10, 2, -8, 7), BPF_INSN(st, 10, 0, -8, 7));
        reserved_check("imm of stx", BPF_INSN(stx, 10, 2, -8, 7), BPF_INSN(stx, 10, 2, -8, 0));
    }
    /* JMP and JMP32: src of immediate compares, imm of register compares. */
    for (int c = 0; c < 2; c++) {
        uint8_t cls = c ? BPF_JMP32 : BPF_JMP;
        for (size_t i = 0; i < N(jmp_ops); i++) {
            uint8_t k = cls | jmp_ops[i] | BPF_K, x = cls | jmp_ops[i] | BPF_X;
            reserved_check("src of jump imm", BPF_INSN(k, 0, 2, 0, 1), BPF_INSN(k, 0, 0, 0, 1));
            reserved_check("imm of jump reg", BPF_INSN(x, 0, 2, 0, 1), BPF_INSN(x, 0, 2, 0, 0));
        }
    }
    /* ja: JMP uses off (imm unused), JMP32 (gotol) uses imm (off unused);
     * src and dst unused. */
    reserved_check("imm of ja", BPF_INSN(BPF_JMP | BPF_JA, 0, 0, 0, 1),
                   BPF_INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0));
    reserved_check("off of gotol", BPF_INSN(BPF_JMP32 | BPF_JA, 0, 0, 1, 0),
                   BPF_INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, 0));
    reserved_check("dst of ja", BPF_INSN(BPF_JMP | BPF_JA, 1, 0, 0, 0),
                   BPF_INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0));
    reserved_check("src of ja", BPF_INSN(BPF_JMP | BPF_JA, 0, 1, 0, 0),
                   BPF_INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0));
    /* call: dst and off unused; exit: everything. */
    reserved_check("dst of call", BPF_INSN(BPF_JMP | BPF_CALL, 1, 0, 0, EXT_HELPER_KTIME),
                   BPF_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, EXT_HELPER_KTIME));
    reserved_check("off of call", BPF_INSN(BPF_JMP | BPF_CALL, 0, 0, 1, EXT_HELPER_KTIME),
                   BPF_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, EXT_HELPER_KTIME));
    reserved_check("dst of exit", BPF_INSN(BPF_JMP | BPF_EXIT, 1, 0, 0, 0),
                   BPF_INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0));
    reserved_check("src of exit", BPF_INSN(BPF_JMP | BPF_EXIT, 0, 1, 0, 0),
                   BPF_INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0));
    reserved_check("off of exit", BPF_INSN(BPF_JMP | BPF_EXIT, 0, 0, 1, 0),
                   BPF_INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0));
}

void test_verifier(void)
{
    for (size_t i = 0; i < sizeof(test_packet); i++)
        test_packet[i] = (uint8_t)(i * 7 + 1);
    basic_cases();
    too_large();
    ctx_cases();
    stack_cases();
    packet_cases();
    region_cases();
    data_region_cases();
    helper_cases();
    branch_cases();
    loop_cases();
    call_cases();
    atomic_cases();
    alu_cases();
    reserved_field_cases();
}
