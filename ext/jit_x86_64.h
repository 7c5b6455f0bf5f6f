/*
 * jit_x86_64.h - compile verified programs to x86-64 machine code.
 */
#ifndef EXT_JIT_X86_64_H
#define EXT_JIT_X86_64_H

#include "prog.h"

enum bpf_jit_status {
    BPF_JIT_OK = 0,
    BPF_JIT_ENOSPC,   /* code buffer too small */
    BPF_JIT_ESCRATCH, /* scratch buffer too small */
    BPF_JIT_EINSN,    /* unsupported / invalid instruction */
    BPF_JIT_EHELPER,  /* called helper has no implementation */
};

/* Scratch bytes needed for a program of `len` instruction slots. */
#define BPF_JIT_SCRATCH_SIZE(len) ((size_t)(len) * (2 * sizeof(uint32_t) + 1))

/*
 * The generated code has the SysV signature uint64_t fn(void *ctx).  It uses
 * no SSE, no red zone, and at most BPF_MAX_CALL_DEPTH * 560 bytes of native
 * stack.  Helper addresses are taken from `helpers` at compile time.  Data
 * region addresses (lddw src=2) are taken from prog->data.  The program must
 * have been accepted by bpf_verify(); the JIT performs no safety checks.
 * On success *code_size is the number of bytes written to buf.
 */
int bpf_jit_compile(const struct bpf_prog *prog, const bpf_helper_fn *helpers, void *buf,
                    size_t buf_size, void *scratch, size_t scratch_size, size_t *code_size);

typedef uint64_t (*bpf_jit_fn)(void *ctx);

#endif /* EXT_JIT_X86_64_H */
