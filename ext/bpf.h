/*
 * bpf.h - eBPF instruction encoding (RFC 9669).
 */
#ifndef EXT_BPF_H
#define EXT_BPF_H

#include <stdint.h>

/* One 64-bit instruction slot.  lddw occupies two consecutive slots. */
struct bpf_insn {
    uint8_t code;    /* opcode */
    uint8_t dst : 4; /* destination register */
    uint8_t src : 4; /* source register */
    int16_t off;     /* signed offset */
    int32_t imm;     /* signed immediate */
};

/* Instruction classes (low 3 bits of code). */
#define BPF_CLASS(code) ((code)&0x07)
#define BPF_LD          0x00
#define BPF_LDX         0x01
#define BPF_ST          0x02
#define BPF_STX         0x03
#define BPF_ALU         0x04
#define BPF_JMP         0x05
#define BPF_JMP32       0x06
#define BPF_ALU64       0x07

/* Arithmetic / jump instructions: source bit and operation (high 4 bits). */
#define BPF_SRC(code) ((code)&0x08)
#define BPF_K         0x00
#define BPF_X         0x08
#define BPF_OP(code)  ((code)&0xf0)

#define BPF_ADD  0x00
#define BPF_SUB  0x10
#define BPF_MUL  0x20
#define BPF_DIV  0x30
#define BPF_OR   0x40
#define BPF_AND  0x50
#define BPF_LSH  0x60
#define BPF_RSH  0x70
#define BPF_NEG  0x80
#define BPF_MOD  0x90
#define BPF_XOR  0xa0
#define BPF_MOV  0xb0
#define BPF_ARSH 0xc0
#define BPF_END  0xd0

/* BPF_END source bit: convert to little / big endian. */
#define BPF_TO_LE 0x00
#define BPF_TO_BE 0x08

#define BPF_JA   0x00
#define BPF_JEQ  0x10
#define BPF_JGT  0x20
#define BPF_JGE  0x30
#define BPF_JSET 0x40
#define BPF_JNE  0x50
#define BPF_JSGT 0x60
#define BPF_JSGE 0x70
#define BPF_CALL 0x80
#define BPF_EXIT 0x90
#define BPF_JLT  0xa0
#define BPF_JLE  0xb0
#define BPF_JSLT 0xc0
#define BPF_JSLE 0xd0

/* Load / store: size and mode. */
#define BPF_SIZE(code) ((code)&0x18)
#define BPF_W          0x00
#define BPF_H          0x08
#define BPF_B          0x10
#define BPF_DW         0x18
#define BPF_MODE(code) ((code)&0xe0)
#define BPF_IMM        0x00
#define BPF_ABS        0x20
#define BPF_IND        0x40
#define BPF_MEM        0x60
#define BPF_MEMSX      0x80
#define BPF_ATOMIC     0xc0

/* Atomic operations (in imm of an ATOMIC instruction). */
#define BPF_FETCH   0x01
#define BPF_XCHG    (0xe0 | BPF_FETCH)
#define BPF_CMPXCHG (0xf0 | BPF_FETCH)

/* src field of a call: helper by id, or pc-relative bpf-to-bpf call. */
#define BPF_PSEUDO_HELPER 0
#define BPF_PSEUDO_CALL   1

/*
 * src field of lddw.  0: 64-bit immediate.  BPF_PSEUDO_MAP_VALUE: address of
 * data region number imm plus the offset in the second slot's imm (the ELF
 * loader produces these for .rodata/.data/.bss references).
 */
#define BPF_PSEUDO_MAP_VALUE 2

/* Registers. */
#define BPF_REG_0  0
#define BPF_REG_1  1
#define BPF_REG_2  2
#define BPF_REG_3  3
#define BPF_REG_4  4
#define BPF_REG_5  5
#define BPF_REG_6  6
#define BPF_REG_7  7
#define BPF_REG_8  8
#define BPF_REG_9  9
#define BPF_REG_10 10
#define BPF_NREGS  11

#define BPF_STACK_SIZE     512 /* bytes of stack per call frame */
#define BPF_MAX_CALL_DEPTH 8
#define BPF_MAX_INSNS      4096

#define BPF_LDDW_CODE (BPF_LD | BPF_IMM | BPF_DW)

/* Size in bytes of a BPF_SIZE() value. */
static inline int bpf_size_bytes(uint8_t code)
{
    switch (BPF_SIZE(code)) {
    case BPF_B:
        return 1;
    case BPF_H:
        return 2;
    case BPF_W:
        return 4;
    default:
        return 8;
    }
}

/* ---- Instruction-building macros (used by tests and tools). ---- */

#define BPF_INSN(c, d, s, o, i)                                                                    \
    ((struct bpf_insn){.code = (c), .dst = (d), .src = (s), .off = (o), .imm = (i)})
#define BPF_ALU64_REG(op, d, s) BPF_INSN(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define BPF_ALU32_REG(op, d, s) BPF_INSN(BPF_ALU | (op) | BPF_X, d, s, 0, 0)
#define BPF_ALU64_IMM(op, d, i) BPF_INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define BPF_ALU32_IMM(op, d, i) BPF_INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define BPF_MOV64_REG(d, s)     BPF_ALU64_REG(BPF_MOV, d, s)
#define BPF_MOV32_REG(d, s)     BPF_ALU32_REG(BPF_MOV, d, s)
#define BPF_MOV64_IMM(d, i)     BPF_ALU64_IMM(BPF_MOV, d, i)
#define BPF_MOV32_IMM(d, i)     BPF_ALU32_IMM(BPF_MOV, d, i)
#define BPF_LD_IMM64_RAW(d, s, v)                                                                  \
    BPF_INSN(BPF_LDDW_CODE, d, s, 0, (int32_t)(uint32_t)(uint64_t)(v)),                            \
        BPF_INSN(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
#define BPF_LD_IMM64(d, v)             BPF_LD_IMM64_RAW(d, 0, v)
#define BPF_LDX_MEM(sz, d, s, o)       BPF_INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define BPF_LDX_MEMSX(sz, d, s, o)     BPF_INSN(BPF_LDX | BPF_MEMSX | (sz), d, s, o, 0)
#define BPF_STX_MEM(sz, d, s, o)       BPF_INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define BPF_ST_MEM(sz, d, o, i)        BPF_INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define BPF_ATOMIC_OP(sz, op, d, s, o) BPF_INSN(BPF_STX | BPF_ATOMIC | (sz), d, s, o, op)
#define BPF_JMP_REG(op, d, s, o)       BPF_INSN(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define BPF_JMP_IMM(op, d, i, o)       BPF_INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define BPF_JMP32_REG(op, d, s, o)     BPF_INSN(BPF_JMP32 | (op) | BPF_X, d, s, o, 0)
#define BPF_JMP32_IMM(op, d, i, o)     BPF_INSN(BPF_JMP32 | (op) | BPF_K, d, 0, o, i)
#define BPF_JMP_A(o)                   BPF_INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define BPF_CALL_HELPER(id)            BPF_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_HELPER, 0, id)
#define BPF_CALL_REL(o)                BPF_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, o)
#define BPF_EXIT_INSN()                BPF_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define BPF_ENDIAN(src, d, bits)       BPF_INSN(BPF_ALU | BPF_END | (src), d, 0, 0, bits)
#define BPF_BSWAP(d, bits)             BPF_INSN(BPF_ALU64 | BPF_END, d, 0, 0, bits)

#endif /* EXT_BPF_H */
