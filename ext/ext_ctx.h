/*
 * ext_ctx.h - context structures seen by extensions, one per hook.
 *
 * This header is shared by the kernel/host side and by extension programs
 * compiled with `clang -O2 -target bpf`.  Pointer-valued fields are stored as
 * 64-bit integers so the layout is identical on both sides; an extension
 * casts them: `void *data = (void *)(long)ctx->data;`.
 *
 * The verifier knows the layout through the descriptors in hooks.c; keep the
 * two in sync (tests/test_hooks.c checks offsets with offsetof()).
 */
#ifndef EXT_CTX_H
#define EXT_CTX_H

#ifdef __bpf__
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INT32_TYPE__ int32_t;
typedef __INT64_TYPE__ int64_t;
#else
#include <stdint.h>
#endif

#define EXT_PF_POOL_SIZE   8
#define EXT_STATE_SIZE     256  /* per-extension granted state region */
#define EXT_ASH_REPLY_SIZE 1536 /* ASH reply buffer */
#define EXT_MAX_PACKET     65535

/* event/pagefault: page fault in an environment that installed a handler. */
struct ext_pf_ctx {
    uint64_t fault_va;               /* r   faulting virtual address */
    uint64_t error_code;             /* r   x86 page-fault error code */
    uint64_t rip;                    /* r   faulting instruction */
    uint32_t pool_count;             /* r   valid entries in pool[] */
    uint32_t pad0;                   /*     not accessible */
    uint64_t pool[EXT_PF_POOL_SIZE]; /* r   pre-granted physical frames */
    uint64_t state;                  /* r   ptr to EXT_STATE_SIZE rw bytes */
    uint64_t action;                 /* rw  0 = resolved, else upcall */
};

/* event/exception: any other CPU exception. */
struct ext_exc_ctx {
    uint64_t vector;     /* r */
    uint64_t error_code; /* r */
    uint64_t rip;        /* r */
    uint64_t rsp;        /* r */
    uint64_t rflags;     /* r */
    uint64_t action;     /* rw 0 = resume at new_rip, else upcall */
    uint64_t new_rip;    /* rw */
};

/* event/timer: start of a time slot. */
struct ext_timer_ctx {
    uint64_t slot;       /* r  slot number */
    uint64_t now_ns;     /* r */
    uint64_t quantum_ns; /* rw length of this slot */
    uint32_t cpu;        /* r */
    uint32_t env_id;     /* r  owner of the slot */
    uint64_t next_env;   /* rw environment to run (0 = owner) */
};

/* event/pct (alias guard/pct): protected control transfer arrival. */
struct ext_pct_ctx {
    uint64_t caller_env; /* r */
    uint64_t msg[6];     /* r  message registers r0..r5 */
    uint64_t reply[6];   /* rw reply registers */
    uint64_t state;      /* r  ptr to EXT_STATE_SIZE rw bytes */
};

/* filter/packet: dynamic packet filter (DPF); packet is read-only. */
struct ext_dpf_ctx {
    uint64_t data;     /* r  packet start */
    uint64_t data_end; /* r  packet end */
    uint32_t len;      /* r */
    uint32_t ifindex;  /* r */
};

/* ash/packet: application-specific handler; packet + writable reply. */
struct ext_ash_ctx {
    uint64_t data;      /* r  packet start */
    uint64_t data_end;  /* r  packet end */
    uint32_t len;       /* r */
    uint32_t ifindex;   /* r */
    uint64_t reply;     /* r  ptr to EXT_ASH_REPLY_SIZE rw bytes */
    uint32_t reply_len; /* rw */
    uint32_t pad0;
};

/* Helper ids (the imm of a `call` with src = 0). */
enum ext_helper_id {
    EXT_HELPER_TRACE = 1,       /* long trace(const void *buf, u32 len) */
    EXT_HELPER_KTIME = 2,       /* u64 ktime(void) */
    EXT_HELPER_RANDOM = 3,      /* u32 random(void) */
    EXT_HELPER_CSUM = 4,        /* u32 csum(const void *buf, u32 len, u32 seed) */
    EXT_HELPER_MAP_FRAME = 5,   /* long map_frame(ctx, u64 va, u32 pool_idx, u64 flags) */
    EXT_HELPER_ASH_SEND = 6,    /* long ash_send(ctx, u32 len) */
    EXT_HELPER_FILL_RANDOM = 7, /* long fill_random(void *buf, u32 len) */
    EXT_HELPER_MAX = 8
};

#ifdef __bpf__
/* Helper prototypes for extension programs. */
#define SEC(name) __attribute__((section(name), used))
static long (*const ext_trace)(const void *buf, uint32_t len) = (void *)EXT_HELPER_TRACE;
static uint64_t (*const ext_ktime)(void) = (void *)EXT_HELPER_KTIME;
static uint32_t (*const ext_random)(void) = (void *)EXT_HELPER_RANDOM;
static uint32_t (*const ext_csum)(const void *buf, uint32_t len,
                                  uint32_t seed) = (void *)EXT_HELPER_CSUM;
static long (*const ext_map_frame)(void *ctx, uint64_t va, uint32_t idx,
                                   uint64_t flags) = (void *)EXT_HELPER_MAP_FRAME;
static long (*const ext_ash_send)(void *ctx, uint32_t len) = (void *)EXT_HELPER_ASH_SEND;
static long (*const ext_fill_random)(void *buf, uint32_t len) = (void *)EXT_HELPER_FILL_RANDOM;
#endif

#endif /* EXT_CTX_H */
