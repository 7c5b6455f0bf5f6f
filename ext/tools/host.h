/*
 * host.h - host-side glue shared by tools, tests and the fuzzer (uses libc).
 */
#ifndef EXT_HOST_H
#define EXT_HOST_H

#include "../bpf_elf.h"
#include "../interp.h"
#include "../jit_x86_64.h"
#include "../verifier.h"

/* Deterministic helper implementations; host_helpers_reset() before a run. */
extern const bpf_helper_fn host_helpers[EXT_HELPER_MAX];
void host_helpers_reset(void);
uint64_t host_helper_trace_sum(void);

#define HOST_PKT_MAX 2048

/* Everything a program can touch: context, packet and granted regions. */
struct host_env {
    union {
        struct ext_pf_ctx pf;
        struct ext_exc_ctx exc;
        struct ext_timer_ctx timer;
        struct ext_pct_ctx pct;
        struct ext_dpf_ctx dpf;
        struct ext_ash_ctx ash;
        uint8_t raw[256];
    } ctx;
    uint8_t pkt[HOST_PKT_MAX];
    uint8_t state[EXT_STATE_SIZE];
    uint8_t reply[EXT_ASH_REPLY_SIZE];
};

/*
 * Fill the context for `hook` from `input` (len bytes): for packet hooks the
 * input is the packet; for others it is copied over the start of the context
 * scalars (fields without pointers) and the state region.  Pointers are set
 * to the env's own buffers.
 */
void host_env_init(struct host_env *env, const struct ext_hook *hook, const uint8_t *input,
                   size_t len);

/* JIT-compile and run; returns 0 and *ret on success, else an error code. */
int host_jit_run(const struct bpf_prog *prog, void *ctx, uint64_t *ret, char *err, size_t errlen);

/*
 * Run the program through the interpreter and the JIT on identical copies of
 * env (and of the program's data regions).  Returns true if both succeed
 * with the same r0 and the same final memory; otherwise false with a message.
 */
bool host_run_both(const struct bpf_prog *prog, struct host_env *env, uint64_t *r_interp,
                   uint64_t *r_jit, char *msg, size_t msglen);

/* Read a whole file (malloc'd). */
uint8_t *host_read_file(const char *path, size_t *len);

#endif
