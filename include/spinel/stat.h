/* sys_stat: read-only views of the machine's state for monitors (httpd's
 * live view at /spinel/). Every entry is a copy the kernel fills under its
 * lock: names, quotas and counters, never a kernel address or the contents
 * of anyone's memory (what Xok's read-only mapped kernel tables showed). */
#ifndef SPINEL_STAT_H
#define SPINEL_STAT_H

#include <stdint.h>

enum stat_kind {
    STAT_ENVS = 1,    /* struct stat_env per live or zombie env; n up to STAT_MAX_ENVS */
    STAT_CPUS = 2,    /* struct stat_cpu per CPU; n up to STAT_MAX_CPUS */
    STAT_MODULES = 3, /* struct stat_module per loaded extension module; n up to STAT_MAX_MODULES */
};
#define STAT_MAX_ENVS    64 /* NENV */
#define STAT_MAX_CPUS    16 /* MAX_CPUS */
#define STAT_MAX_MODULES 32 /* EXT_NMODULES */
#define STAT_CAP_TYPES   10 /* caps[] below: by enum cap_type, caps[0] the total */

struct stat_env {
    uint32_t id, parent; /* parent: the env that created it (0: the kernel) */
    char name[32];
    uint32_t state;     /* 1 empty, 2 runnable, 3 blocked, 4 zombie (kernel/env.h) */
    uint32_t slots;     /* time-slot positions it owns, on all CPUs */
    uint64_t mem_quota; /* pages */
    uint64_t mem_used;  /* pages: frames, page tables, capability tables, its info page */
    uint64_t slots_run; /* slots begun */
    uint64_t overruns;  /* slots ended by force after the grace period */
    uint64_t upcalls;   /* upcalls delivered */
    uint32_t caps[STAT_CAP_TYPES]; /* capabilities it holds: caps[t] of type t, caps[0] all */
    uint32_t pad;
};

struct stat_cpu {
    uint32_t cpu;          /* index */
    uint32_t online;       /* 1: it runs envs */
    uint32_t env;          /* the env it runs (or ran last), 0: none */
    uint32_t slot_pos;     /* the position of its current slot */
    uint64_t ticks;        /* timer interrupts it took */
    uint32_t owner[64];    /* its slot vector: env id per position, 0 free */
    uint32_t overruns[64]; /* per position: slots ended by force after the grace period */
};

struct stat_module {
    uint32_t index, gen; /* the object of its capability is gen << 8 | index */
    uint32_t owner;      /* the env holding its original capability (0: none left) */
    uint32_t nprogs;     /* programs in it */
    uint32_t handlers;   /* event handlers attached from it (sys_ext_attach) */
    uint32_t filters;    /* packet filters and ASHs attached from it (sys_net_attach) */
    uint64_t code_bytes; /* JIT-compiled code, all its programs */
    uint64_t runs;       /* its event handlers' runs ... */
    uint64_t handled;    /* ... and how many handled the event */
    uint64_t packets;    /* frames its packet filters claimed and its ASHs consumed */
    char prog[48];       /* its first program's name, e.g. "filter/packet/lnet" */
};

#endif
