/*
 * hooks.h - hook (context type) and helper descriptors used by the verifier.
 */
#ifndef EXT_HOOKS_H
#define EXT_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ext_ctx.h"

/* Access rights of a context field. */
#define EXT_F_READ  1u
#define EXT_F_WRITE 2u

enum ext_field_kind {
    EXT_FIELD_SCALAR = 0, /* plain data; sub-word reads allowed */
    EXT_FIELD_PKT_START,  /* u64 holding the packet start pointer */
    EXT_FIELD_PKT_END,    /* u64 holding the packet end pointer */
    EXT_FIELD_REGION,     /* u64 holding a pointer to a granted region */
};

struct ext_ctx_field {
    const char *name;
    uint16_t off;
    uint16_t size;
    uint8_t rights; /* EXT_F_READ | EXT_F_WRITE */
    uint8_t kind;   /* enum ext_field_kind */
    uint8_t region; /* for EXT_FIELD_REGION: index into hook->regions */
};

/* A memory region granted to an extension (by the hook or the ELF object). */
struct ext_region_desc {
    const char *name;
    uint32_t size;
    bool writable;
};

#define EXT_MAX_HOOK_REGIONS 4

struct ext_hook {
    const char *name;  /* ELF section name, e.g. "event/pagefault" */
    const char *alias; /* alternative section name or NULL */
    uint32_t ctx_size;
    const struct ext_ctx_field *fields;
    uint32_t nfields;
    const struct ext_region_desc *regions; /* regions reachable via ctx */
    uint32_t nregions;
    uint32_t helpers; /* bit i set: helper id i may be called */
    bool has_packet;  /* context has PKT_START/PKT_END fields */
};

/* Helper argument types. */
enum ext_arg_type {
    EXT_ARG_NONE = 0,
    EXT_ARG_SCALAR,     /* any initialized scalar */
    EXT_ARG_CTX,        /* the context pointer, unmodified */
    EXT_ARG_MEM,        /* pointer to initialized readable memory; next arg is its size */
    EXT_ARG_MEM_UNINIT, /* pointer to writable memory (may be uninit); next arg is size */
    EXT_ARG_SIZE,       /* scalar size of the preceding memory argument */
};

struct ext_helper_desc {
    const char *name;
    uint8_t args[5];  /* enum ext_arg_type */
    uint64_t ret_max; /* r0 is a scalar in [0, ret_max] (UINT64_MAX: any) */
};

enum ext_hook_id {
    EXT_HOOK_PAGEFAULT = 0,
    EXT_HOOK_EXCEPTION,
    EXT_HOOK_TIMER,
    EXT_HOOK_PCT,
    EXT_HOOK_DPF,
    EXT_HOOK_ASH,
    EXT_HOOK_COUNT
};

extern const struct ext_hook ext_hooks[EXT_HOOK_COUNT];
extern const struct ext_helper_desc ext_helpers[EXT_HELPER_MAX];

/* Find the hook for an ELF section name (exact name/alias, or name + "/..."). */
const struct ext_hook *ext_hook_by_section(const char *secname);

/* Largest allowed size argument for memory helpers. */
#define EXT_MAX_HELPER_MEM 4096

#endif /* EXT_HOOKS_H */
