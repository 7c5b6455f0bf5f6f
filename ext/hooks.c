/*
 * hooks.c - context descriptors for every hook and the helper table.
 */
#include "hooks.h"

#include "ext_env.h"

#define FLD(st, f, r, k, reg)                                                                      \
    {                                                                                              \
#f, (uint16_t) __builtin_offsetof(st, f), (uint16_t)sizeof(((st *)0)->f), (r), (k), (reg)  \
    }
#define RO    EXT_F_READ
#define RW    (EXT_F_READ | EXT_F_WRITE)
#define H(id) (1u << (id))
#define COMMON_HELPERS                                                                             \
    (H(EXT_HELPER_TRACE) | H(EXT_HELPER_KTIME) | H(EXT_HELPER_RANDOM) | H(EXT_HELPER_CSUM) |       \
     H(EXT_HELPER_FILL_RANDOM))

static const struct ext_region_desc state_region[] = {
    {"state", EXT_STATE_SIZE, true},
};

static const struct ext_ctx_field pf_fields[] = {
    FLD(struct ext_pf_ctx, fault_va, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_pf_ctx, error_code, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_pf_ctx, rip, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_pf_ctx, pool_count, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_pf_ctx, pool, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_pf_ctx, state, RO, EXT_FIELD_REGION, 0),
    FLD(struct ext_pf_ctx, action, RW, EXT_FIELD_SCALAR, 0),
};

static const struct ext_ctx_field exc_fields[] = {
    FLD(struct ext_exc_ctx, vector, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_exc_ctx, error_code, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_exc_ctx, rip, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_exc_ctx, rsp, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_exc_ctx, rflags, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_exc_ctx, action, RW, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_exc_ctx, new_rip, RW, EXT_FIELD_SCALAR, 0),
};

static const struct ext_ctx_field timer_fields[] = {
    FLD(struct ext_timer_ctx, slot, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_timer_ctx, now_ns, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_timer_ctx, quantum_ns, RW, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_timer_ctx, cpu, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_timer_ctx, env_id, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_timer_ctx, next_env, RW, EXT_FIELD_SCALAR, 0),
};

static const struct ext_ctx_field pct_fields[] = {
    FLD(struct ext_pct_ctx, caller_env, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_pct_ctx, msg, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_pct_ctx, reply, RW, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_pct_ctx, state, RO, EXT_FIELD_REGION, 0),
};

static const struct ext_ctx_field dpf_fields[] = {
    FLD(struct ext_dpf_ctx, data, RO, EXT_FIELD_PKT_START, 0),
    FLD(struct ext_dpf_ctx, data_end, RO, EXT_FIELD_PKT_END, 0),
    FLD(struct ext_dpf_ctx, len, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_dpf_ctx, ifindex, RO, EXT_FIELD_SCALAR, 0),
};

static const struct ext_region_desc ash_regions[] = {
    {"reply", EXT_ASH_REPLY_SIZE, true},
};

static const struct ext_ctx_field ash_fields[] = {
    FLD(struct ext_ash_ctx, data, RO, EXT_FIELD_PKT_START, 0),
    FLD(struct ext_ash_ctx, data_end, RO, EXT_FIELD_PKT_END, 0),
    FLD(struct ext_ash_ctx, len, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_ash_ctx, ifindex, RO, EXT_FIELD_SCALAR, 0),
    FLD(struct ext_ash_ctx, reply, RO, EXT_FIELD_REGION, 0),
    FLD(struct ext_ash_ctx, reply_len, RW, EXT_FIELD_SCALAR, 0),
};

#define N(a) (uint32_t)(sizeof(a) / sizeof((a)[0]))

const struct ext_hook ext_hooks[EXT_HOOK_COUNT] = {
    [EXT_HOOK_PAGEFAULT] = {"event/pagefault", NULL, sizeof(struct ext_pf_ctx), pf_fields,
                            N(pf_fields), state_region, N(state_region),
                            COMMON_HELPERS | H(EXT_HELPER_MAP_FRAME), false},
    [EXT_HOOK_EXCEPTION] = {"event/exception", NULL, sizeof(struct ext_exc_ctx), exc_fields,
                            N(exc_fields), NULL, 0, COMMON_HELPERS, false},
    [EXT_HOOK_TIMER] = {"event/timer", NULL, sizeof(struct ext_timer_ctx), timer_fields,
                        N(timer_fields), NULL, 0, COMMON_HELPERS, false},
    [EXT_HOOK_PCT] = {"event/pct", "guard/pct", sizeof(struct ext_pct_ctx), pct_fields,
                      N(pct_fields), state_region, N(state_region), COMMON_HELPERS, false},
    [EXT_HOOK_DPF] = {"filter/packet", NULL, sizeof(struct ext_dpf_ctx), dpf_fields, N(dpf_fields),
                      NULL, 0, H(EXT_HELPER_CSUM) | H(EXT_HELPER_TRACE), true},
    [EXT_HOOK_ASH] = {"ash/packet", NULL, sizeof(struct ext_ash_ctx), ash_fields, N(ash_fields),
                      ash_regions, N(ash_regions), COMMON_HELPERS | H(EXT_HELPER_ASH_SEND), true},
};

#define A_NONE EXT_ARG_NONE
const struct ext_helper_desc ext_helpers[EXT_HELPER_MAX] = {
    [0] = {NULL, {0}, 0},
    [EXT_HELPER_TRACE] = {"trace", {EXT_ARG_MEM, EXT_ARG_SIZE}, UINT64_MAX},
    [EXT_HELPER_KTIME] = {"ktime", {A_NONE}, UINT64_MAX},
    [EXT_HELPER_RANDOM] = {"random", {A_NONE}, UINT32_MAX},
    [EXT_HELPER_CSUM] = {"csum", {EXT_ARG_MEM, EXT_ARG_SIZE, EXT_ARG_SCALAR}, UINT32_MAX},
    [EXT_HELPER_MAP_FRAME] = {"map_frame",
                              {EXT_ARG_CTX, EXT_ARG_SCALAR, EXT_ARG_SCALAR, EXT_ARG_SCALAR},
                              UINT64_MAX},
    [EXT_HELPER_ASH_SEND] = {"ash_send", {EXT_ARG_CTX, EXT_ARG_SCALAR}, UINT64_MAX},
    [EXT_HELPER_FILL_RANDOM] = {"fill_random", {EXT_ARG_MEM_UNINIT, EXT_ARG_SIZE}, UINT64_MAX},
};

/* Does secname equal name, or start with name followed by '/'? */
static bool sec_matches(const char *secname, const char *name)
{
    if (!name)
        return false;
    while (*name && *secname == *name) {
        name++;
        secname++;
    }
    return *name == 0 && (*secname == 0 || *secname == '/');
}

const struct ext_hook *ext_hook_by_section(const char *secname)
{
    for (int i = 0; i < EXT_HOOK_COUNT; i++) {
        if (sec_matches(secname, ext_hooks[i].name) || sec_matches(secname, ext_hooks[i].alias))
            return &ext_hooks[i];
    }
    return NULL;
}
