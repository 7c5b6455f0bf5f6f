/*
 * interp.h - eBPF interpreter.
 */
#ifndef EXT_INTERP_H
#define EXT_INTERP_H

#include "prog.h"

enum bpf_exec_status {
    BPF_EXEC_OK = 0,
    BPF_EXEC_EFAULT,  /* memory access outside the allowed regions */
    BPF_EXEC_EINSN,   /* invalid instruction */
    BPF_EXEC_EDEPTH,  /* call depth exceeded */
    BPF_EXEC_EHELPER, /* helper id without implementation */
    BPF_EXEC_EBUDGET, /* instruction budget exhausted (defensive) */
};

/*
 * Run a verified program.  `helpers` is indexed by helper id and must have
 * EXT_HELPER_MAX entries.  The interpreter re-checks every memory access
 * against the regions the program may touch (context fields, its stack, the
 * packet, granted and data regions) and returns BPF_EXEC_EFAULT instead of
 * touching anything else.  `max_steps` (0 = unlimited) bounds the number of
 * executed instructions.
 */
int bpf_interp_run(const struct bpf_prog *prog, const bpf_helper_fn *helpers, void *ctx,
                   uint64_t max_steps, uint64_t *ret);

const char *bpf_exec_strerror(int status);

#endif /* EXT_INTERP_H */
