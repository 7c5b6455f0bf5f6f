/* lib/lrpc: lightweight remote procedure call (Bershad et al., 1990) on top
 * of Spinel's protected control transfer (PCT).
 *
 * Export. A server env describes an interface (an id and up to
 * LRPC_MAX_PROCS procedures, each with the largest argument it takes) and
 * calls lrpc_export: its protected entry becomes the clerk, and the
 * A-stacks of all its bindings (LRPC_MAX_BINDINGS pages at LRPC_SERVER_VA)
 * are allocated and mapped up front. Then it waits in sys_block(0).
 *
 * Import (binding). A client that holds the server's env capability (with
 * R_CALL) calls lrpc_import: a protected call to the clerk, which checks
 * the interface id, takes a free binding, draws its key, and gives the
 * client (sys_pct_give) a copy of that binding's A-stack frame, which the
 * client maps where it likes. The binding object (struct lrpc_binding) is
 * the index, the key, the server and the A-stack: the A-stack is shared by
 * this client and the server only (pairwise), so arguments and results are
 * never copied: the client writes them there, the server's procedure reads
 * and writes them in place.
 *
 * Call. lrpc_call(b, proc, len) is one protected call carrying the op and
 * procedure, the length, the index and the key in registers; the server
 * runs the procedure on the caller's time (PCT runs the callee in the
 * caller's slot) and replies with its result. The clerk checks, for every
 * call: the binding is in use, the key is its key, the caller is the env it
 * was made for, the procedure exists, and the length is within that
 * procedure's limit. The length travels in a register, so the client cannot
 * change it after the check; the arguments are in shared memory, so a
 * procedure must read what it validates once (a client may change them
 * while it runs: only that client's own call is affected).
 *
 * The idle-processor optimization. lrpc_idle_start(cpu) makes an idle
 * context: an env sharing the server's memory (lib/mn's mn_share_memory)
 * with its one slot on `cpu`, which spins over the bindings' A-stacks. A
 * client on another CPU then calls with no kernel entry at all: it writes
 * the arguments and posts the call in the A-stack's header (IDLE ->
 * POSTED), the idle context takes it (POSTED -> TAKEN, a compare-and-swap),
 * runs the procedure and sets DONE. A client that waits too long (the idle
 * context is not running: preempted, stopped, or on the client's own CPU)
 * takes its post back (POSTED -> IDLE, a compare-and-swap: exactly one of
 * the two wins) and makes the protected call instead. While a call is
 * TAKEN the client waits for it, giving its slot back now and then.
 *
 * Errors: the calls return a negative Spinel error (-E_*): E_INVAL (not
 * bound, a bad index or procedure), E_NOENT (no such interface, a binding
 * not in use, or the server has died: the binding is then dead and its
 * A-stack gone, since the server's death takes back its frame), E_PERM (a
 * wrong key, or another env's binding), E_RANGE (arguments too long),
 * E_NOMEM (no free binding). */
#ifndef LIB_LRPC_H
#define LIB_LRPC_H

#include <stdint.h>

#define LRPC_MAX_PROCS    16
#define LRPC_MAX_BINDINGS 16
#define LRPC_SERVER_VA    0x50000000UL /* the server's A-stacks, one page each */
#define LRPC_HDR_SIZE     64
#define LRPC_ARG_MAX      (4096 - LRPC_HDR_SIZE)

/* A procedure: its arguments (len bytes, at most max = its arg_max) are at
 * args, in the A-stack; it may write results there. Returns the call's
 * result (a negative value is passed on as it is). */
typedef long (*lrpc_proc_t)(uint8_t *args, uint32_t len);

struct lrpc_interface {
    uint32_t id; /* nonzero */
    uint32_t nprocs;
    lrpc_proc_t proc[LRPC_MAX_PROCS];
    uint32_t arg_max[LRPC_MAX_PROCS]; /* each at most LRPC_ARG_MAX */
};

/* An A-stack's header (the rest of the page: the arguments). */
enum { LRPC_AS_IDLE, LRPC_AS_POSTED, LRPC_AS_TAKEN, LRPC_AS_DONE };
struct lrpc_astack {
    uint32_t state;     /* LRPC_AS_*: the idle-processor path */
    uint32_t proc, len; /* of a posted call */
    uint32_t idle;      /* 1 while the server has an idle context */
    int64_t ret;        /* a DONE call's result */
    uint64_t key;       /* set by the clerk at bind, taken by lrpc_import */
    uint32_t served_by; /* the last call's path: 1 the idle context, 2 a protected call */
    uint32_t pad[7];
};
_Static_assert(sizeof(struct lrpc_astack) == LRPC_HDR_SIZE, "header");

/* ---- server ---- */
int lrpc_export(const struct lrpc_interface *iface);
/* An idle context on `cpu` (one at most); 0 or -E_*. */
int lrpc_idle_start(uint32_t cpu);
/* Ends it (waits until it has); 0, or -E_INVAL if there is none. */
int lrpc_idle_stop(void);

/* ---- client ---- */
struct lrpc_binding {
    uint32_t server; /* env capability (R_CALL) */
    uint32_t index;
    uint64_t key;
    uint32_t as_cap; /* our copy of the A-stack frame */
    uint32_t dead;   /* the server died */
    volatile struct lrpc_astack *as;
};
/* Binds to interface `id` of `server`; maps the A-stack at astack_va. */
int lrpc_import(uint32_t server, uint32_t id, uint64_t astack_va, struct lrpc_binding *b);
/* Where the caller writes arguments and reads results (LRPC_ARG_MAX bytes). */
static inline uint8_t *lrpc_args(struct lrpc_binding *b)
{
    return (uint8_t *)b->as + LRPC_HDR_SIZE;
}
#define LRPC_NO_IDLE 1 /* flags: always the protected call */
long lrpc_call(struct lrpc_binding *b, uint32_t proc, uint32_t len, uint32_t flags);
int lrpc_unbind(struct lrpc_binding *b);

/* The clerk's protocol (a0 of the protected call; exposed for the tests). */
enum { LRPC_OP_BIND = 1, LRPC_OP_CALL = 2, LRPC_OP_UNBIND = 3 };
#define LRPC_A0(op, proc, len) ((uint64_t)(op) | (uint64_t)(proc) << 8 | (uint64_t)(len) << 32)

#endif
