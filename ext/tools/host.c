/*
 * host.c - host-side glue: helpers, environments, JIT execution.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint64_t rnd_state, trace_sum;

void host_helpers_reset(void)
{
    rnd_state = 0x9e3779b97f4a7c15ull;
    trace_sum = 0;
}

uint64_t host_helper_trace_sum(void)
{
    return trace_sum;
}

static uint64_t h_trace(uint64_t buf, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    const uint8_t *p = (const uint8_t *)(uintptr_t)buf;
    for (uint64_t i = 0; i < len; i++)
        trace_sum = trace_sum * 31 + p[i];
    return len;
}

static uint64_t h_ktime(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return 1000000007ull;
}

static uint64_t h_random(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (uint32_t)rnd_state;
}

static uint64_t h_csum(uint64_t buf, uint64_t len, uint64_t seed, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    const uint8_t *p = (const uint8_t *)(uintptr_t)buf;
    uint32_t s = (uint32_t)seed;
    for (uint64_t i = 0; i < len; i++)
        s = (s << 5 | s >> 27) ^ p[i];
    return s;
}

static uint64_t h_map_frame(uint64_t ctx, uint64_t va, uint64_t idx, uint64_t flags, uint64_t a5)
{
    (void)ctx, (void)a5;
    return (va >> 12) ^ (idx * 7) ^ flags;
}

static uint64_t h_ash_send(uint64_t ctx, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)ctx, (void)a3, (void)a4, (void)a5;
    return len;
}

static uint64_t h_fill_random(uint64_t buf, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    uint8_t *p = (uint8_t *)(uintptr_t)buf;
    for (uint64_t i = 0; i < len; i++)
        p[i] = (uint8_t)(i * 7 + 3);
    return 0;
}

const bpf_helper_fn host_helpers[EXT_HELPER_MAX] = {
    [EXT_HELPER_TRACE] = h_trace,
    [EXT_HELPER_KTIME] = h_ktime,
    [EXT_HELPER_RANDOM] = h_random,
    [EXT_HELPER_CSUM] = h_csum,
    [EXT_HELPER_MAP_FRAME] = h_map_frame,
    [EXT_HELPER_ASH_SEND] = h_ash_send,
    [EXT_HELPER_FILL_RANDOM] = h_fill_random,
};

void host_env_init(struct host_env *env, const struct ext_hook *hook, const uint8_t *input,
                   size_t len)
{
    memset(env, 0, sizeof(*env));
    for (size_t i = 0; i < sizeof(env->ctx.raw); i++)
        env->ctx.raw[i] = (uint8_t)(i * 13 + 1);
    for (size_t i = 0; i < sizeof(env->state); i++)
        env->state[i] = (uint8_t)(i * 3);
    if (!hook)
        return;
    if (hook->has_packet) {
        if (len > HOST_PKT_MAX)
            len = HOST_PKT_MAX;
        if (input)
            memcpy(env->pkt, input, len);
    } else if (input) {
        size_t n = len < hook->ctx_size ? len : hook->ctx_size;
        memcpy(env->ctx.raw, input, n);
        if (len > n) {
            size_t m = len - n < sizeof(env->state) ? len - n : sizeof(env->state);
            memcpy(env->state, input + n, m);
        }
    }
    /* Pointer fields point into env; padding fields are zero. */
    for (uint32_t i = 0; i < hook->nfields; i++) {
        const struct ext_ctx_field *f = &hook->fields[i];
        uint64_t v;
        if (f->kind == EXT_FIELD_PKT_START)
            v = (uintptr_t)env->pkt;
        else if (f->kind == EXT_FIELD_PKT_END)
            v = (uintptr_t)env->pkt + len;
        else if (f->kind == EXT_FIELD_REGION)
            v = (uintptr_t)(hook->regions[f->region].size == EXT_STATE_SIZE ? env->state
                                                                            : env->reply);
        else
            continue;
        memcpy(env->ctx.raw + f->off, &v, 8);
    }
    if (hook == &ext_hooks[EXT_HOOK_DPF])
        env->ctx.dpf.len = (uint32_t)len;
    if (hook == &ext_hooks[EXT_HOOK_ASH])
        env->ctx.ash.len = (uint32_t)len;
}

static uint8_t *jit_mem;
static size_t jit_mem_size = 1 << 20;

int host_jit_run(const struct bpf_prog *prog, void *ctx, uint64_t *ret, char *err, size_t errlen)
{
    static uint8_t scratch[BPF_JIT_SCRATCH_SIZE(BPF_MAX_INSNS * 4)];
    size_t code_size = 0;
    if (!jit_mem) {
        jit_mem =
            mmap(NULL, jit_mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (jit_mem == MAP_FAILED) {
            jit_mem = NULL;
            snprintf(err, errlen, "mmap failed");
            return -1;
        }
    }
    if (mprotect(jit_mem, jit_mem_size, PROT_READ | PROT_WRITE)) {
        snprintf(err, errlen, "mprotect RW failed");
        return -1;
    }
    int rc = bpf_jit_compile(prog, host_helpers, jit_mem, jit_mem_size, scratch, sizeof(scratch),
                             &code_size);
    if (rc != BPF_JIT_OK) {
        snprintf(err, errlen, "JIT compile failed (%d)", rc);
        return rc;
    }
    if (mprotect(jit_mem, jit_mem_size, PROT_READ | PROT_EXEC)) {
        snprintf(err, errlen, "mprotect RX failed");
        return -1;
    }
    bpf_jit_fn fn;
    memcpy(&fn, &(void *){jit_mem}, sizeof(fn));
    *ret = fn(ctx);
    return 0;
}

bool host_run_both(const struct bpf_prog *prog, struct host_env *env, uint64_t *r_interp,
                   uint64_t *r_jit, char *msg, size_t msglen)
{
    static struct host_env init, after_interp;
    static uint8_t data_init[BPF_MAX_DATA_REGIONS][1 << 16];
    static uint8_t data_after[BPF_MAX_DATA_REGIONS][1 << 16];
    uint64_t ts_interp;
    char err[128];

    memcpy(&init, env, sizeof(init));
    for (uint32_t i = 0; i < prog->ndata; i++)
        if (prog->data[i].size <= sizeof(data_init[i]))
            memcpy(data_init[i], prog->data[i].base, prog->data[i].size);

    host_helpers_reset();
    int rc = bpf_interp_run(prog, host_helpers, env->ctx.raw, 0, r_interp);
    if (rc != BPF_EXEC_OK) {
        snprintf(msg, msglen, "interpreter failed: %s", bpf_exec_strerror(rc));
        return false;
    }
    ts_interp = host_helper_trace_sum();
    memcpy(&after_interp, env, sizeof(after_interp));
    for (uint32_t i = 0; i < prog->ndata; i++)
        if (prog->data[i].size <= sizeof(data_after[i])) {
            memcpy(data_after[i], prog->data[i].base, prog->data[i].size);
            memcpy(prog->data[i].base, data_init[i], prog->data[i].size);
        }

    memcpy(env, &init, sizeof(init));
    host_helpers_reset();
    if (host_jit_run(prog, env->ctx.raw, r_jit, err, sizeof(err))) {
        snprintf(msg, msglen, "%s", err);
        return false;
    }
    if (*r_interp != *r_jit) {
        snprintf(msg, msglen, "r0 differs: interp %#llx jit %#llx", (unsigned long long)*r_interp,
                 (unsigned long long)*r_jit);
        return false;
    }
    if (memcmp(env, &after_interp, sizeof(after_interp))) {
        snprintf(msg, msglen, "memory differs after interp and JIT runs");
        return false;
    }
    for (uint32_t i = 0; i < prog->ndata; i++)
        if (prog->data[i].size <= sizeof(data_after[i]) &&
            memcmp(data_after[i], prog->data[i].base, prog->data[i].size)) {
            snprintf(msg, msglen, "data region %s differs", prog->data[i].name);
            return false;
        }
    if (ts_interp != host_helper_trace_sum()) {
        snprintf(msg, msglen, "helper side effects differ");
        return false;
    }
    return true;
}

uint8_t *host_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}
