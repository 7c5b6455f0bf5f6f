/*
 * verifier.h - static safety checker for extension programs.
 */
#ifndef EXT_VERIFIER_H
#define EXT_VERIFIER_H

#include "prog.h"

struct bpf_verify_result {
    bool ok;
    uint32_t insn;    /* index of the offending instruction (if !ok) */
    char reason[160]; /* human-readable reason (if !ok) */
    uint64_t steps;   /* instructions symbolically executed */
    uint32_t pruned;  /* paths cut short by state pruning */
};

/* Limits.  Zero fields in opts select the defaults. */
#define BPF_VERIFY_DEFAULT_MAX_STEPS 200000u

struct bpf_verify_opts {
    uint32_t max_insns; /* default BPF_MAX_INSNS */
    uint32_t max_steps; /* complexity budget: symbolically executed insns */
};

/*
 * Recommended arena size.  The verifier keeps its state, per-instruction
 * tables, pruning checkpoints (at most half of the arena) and pending
 * branches in the caller's arena.  A smaller arena means less pruning; if
 * pending branches do not fit the program is rejected ("out of verifier
 * memory").  The fixed part is about 60 KiB; all test programs verify with
 * 128 KiB.
 */
#ifndef BPF_VERIFY_ARENA_SIZE
#define BPF_VERIFY_ARENA_SIZE (2u << 20)
#endif

/* Returns res->ok.  prog->hook must be set. */
bool bpf_verify(const struct bpf_prog *prog, const struct bpf_verify_opts *opts, void *arena,
                size_t arena_size, struct bpf_verify_result *res);

#endif /* EXT_VERIFIER_H */
