/* Environments: the unit of protection. An env has an address space, a
 * capability table, the entry points its library OS registered for upcalls,
 * and the user contexts the kernel saved for it. The kernel knows nothing of
 * the processes or threads a library OS builds inside an env. */
#ifndef KERNEL_ENV_H
#define KERNEL_ENV_H

#include "types.h"
#include "trap.h"
#include <spinel/exo.h>

#define NENV          64
#define PT_LIST_MAX   32 /* page tables an env's teardown frees without a scan */
#define ENV_MIN_QUOTA 16

enum env_state {
    ENV_FREE = 0,
    ENV_EMPTY,    /* created, nothing loaded, not runnable */
    ENV_RUNNABLE, /* may run in its slots */
    ENV_BLOCKED,  /* waits for an event (sys_block); protected calls still enter */
    ENV_ZOMBIE,   /* torn down; kept until its original capability is deleted */
};

/* How an env ended, for whoever created it. */
enum env_stop { STOP_NONE, STOP_EXIT, STOP_FAULT, STOP_TIMEOUT, STOP_KILLED };

struct env {
    u32 id; /* index in envs[] | generation << 8; never 0 */
    enum env_state state;
    char name[32];
    u32 parent;   /* id of the env that created it, or that env's creator once it ended
                     (its quota goes there when it ends); 0: none (the kernel) */
    u32 orig_cap; /* node of the original capability naming it (0: none) */
    bool named;   /* some env may name it as parent or objq.heir (env_note_named): set
                     wherever such a name is written, cleared only when the slot is
                     reused (a new id); teardown scans for those envs only when set */
    bool root;    /* started by the kernel: no creator, no original capability */
    /* Teardown (env.c): envs to tear down wait in a list, so that destroying
     * a tree of envs is a loop, not a recursion. */
    bool tearing;          /* in that list, or being torn down */
    bool free_when_torn;   /* its original is gone: free it once torn down */
    struct env *doom_next; /* next in the list */
    paddr_t pml4;
    /* The page-table pages below the PML4 that vm.c made for this address
     * space, in the order made: teardown frees them from this list instead
     * of scanning every table for present entries. Upper-level entries are
     * never cleared before teardown (vm.c), so the list holds every table
     * while pts_over is false; once more than PT_LIST_MAX were made,
     * pts_over is set and teardown scans as before. */
    paddr_t pts[PT_LIST_MAX];
    u8 npts;
    bool pts_over;
    /* The CPU whose current env it is (cpu->env == this env), -1 if none:
     * written under the kernel lock by that CPU's switches (set_env,
     * env_run) and by klock_evict. An env runs on one CPU at a time: a slot
     * of it on another CPU is skipped while it runs (run_target). */
    int on_cpu;
    /* A share (Corey) of its address space: the CPU it is private to, -1
     * if shared (the default). While private to k, no other CPU loads its
     * page tables (run_target, pct_callee_ready and sched_slot_alloc refuse
     * it elsewhere), so a change to its mappings made on k needs no
     * shootdown, and one made elsewhere goes to k alone (vm.c). Written
     * under the kernel lock (sys_env_private). shootdowns_spared counts
     * the cross-CPU calls that saved. */
    int private_cpu;
    u64 shootdowns_spared;
    u16 pcid;       /* 0 when the CPU has no PCIDs */
    bool tlb_stale; /* page tables changed while not loaded: flush on next switch */

    /* Saved user contexts. tf is the env's own context; pct_tf the context of
     * its protected entry while it serves a call (in_pct). Entries from user mode save
     * straight into the active one, so both end on a 16-byte boundary (the
     * CPU aligns the stack before pushing an interrupt frame). */
    struct trapframe tf __aligned(16);
    bool has_context; /* tf holds a context to resume */
    struct trapframe pct_tf __aligned(16);

    /* Protected control transfer (pct.c). The state machine and its
     * invariants (interrupts off; one CPU runs envs today):
     *
     *   in_pct      it runs its protected entry: pct_tf is its active
     *               frame (cpu_set_env). Set by the call that enters it,
     *               cleared by its own reply or its own teardown, and by
     *               nothing else: another env's death never changes which
     *               frame an env saves into, even while it runs.
     *   pct_caller  the env whose call it serves; NULL when it serves
     *               none, or when that caller has died (an orphaned call:
     *               it finishes in its own time, its reply goes nowhere).
     *   pct_callee  the env whose reply it waits for; NULL if none.
     *
     * I1: e->pct_callee == t  <=>  t->pct_caller == e (both set or neither).
     * I2: pct_caller != NULL  =>  in_pct.
     * I3: a call enters only an env with !in_pct and no pct_callee, so
     *     chains (head -> ... -> tail along pct_callee) never loop, and an
     *     env serves at most one call.
     * I4: an env with a pct_callee does not run; a chain runs its tail, in
     *     the slots of its head (run_target), in the tail's own, or on time
     *     donated to the head (sys_yield).
     * I5: a zombie or free env has in_pct false and no links
     *     (pct_abandon, at the start of teardown, cuts them: its caller
     *     gets E_NOENT, its callee's call is orphaned).
     * I6: pct_block  =>  in_pct. The protected entry waits in sys_block
     *     for an event (or pct_wake_tsc): the chain it ends does not run
     *     (run_target) until one is pending, which ends the wait and is
     *     the sys_block's result (in pct_tf). Set by sys_block, cleared by
     *     that wake-up or by its own teardown (pct_abandon); its caller's
     *     death leaves it waiting (the orphaned call goes on once woken). */
    bool in_pct;
    bool pct_block;
    u64 pct_wake_tsc; /* ... and the wait ends by itself at this TSC value (0: never) */
    struct env *pct_caller;
    struct env *pct_callee;

    void *cap_pages[64];        /* capability table pages (cap.c); NULL until used */
    u32 cap_hint;               /* a slot at or below the first free one */
    u32 cap_top;                /* above every slot ever used (cap_list stops there) */
    u8 fpu[512] __aligned(16);  /* x87/SSE state (fxsave image) while not on a CPU */
    bool fpu_used;              /* it has used x87/SSE: switch its state eagerly */
    struct env_entries entries; /* upcall entry points (user addresses) */
    struct env_info *info;      /* the info page, also mapped read-only at ENV_INFO_VA */
    paddr_t info_pa;
    u64 mem_quota, mem_used; /* pages */
    u64 credit;              /* pages it may still draw from its creator's quota (env_reserve) */
    u64 credit_keep;         /* ... as long as the creator keeps this many spare */
    u32 fmap_head;           /* first node of the list of other envs' capabilities mapped here */
    struct obj_quota {       /* object quotas (quota.c), by enum obj_kind */
        u32 quota[OBJ_KINDS], used[OBJ_KINDS];
        u32 credit[OBJ_KINDS], keep[OBJ_KINDS]; /* may draw on its keeper's (sys_env_quota) */
        u32 heir; /* with no original (orig_cap 0): who gets its quota back (the env that
                   * held its deleted original, or replaced it: sys_env_replace) */
    } objq;
    /* The foreign-ABI attribute (sys_env_set_foreign): nonzero, the user
     * address to which a `syscall` instruction of this env is reflected as
     * an UPCALL_SYSCALL upcall; 0, a native env. fs_base: its FS base
     * (sys_env_set_fs), loaded whenever it runs. foreign_fast: the
     * fast syscall entry (sys_env_set_foreign_fast; syscall_foreign_entry
     * reads it), 0 for none; only meaningful while foreign_entry is set.
     * All start at 0. */
    u64 foreign_entry;
    u64 fs_base;
    u64 foreign_fast;
    u32 ext_hooks;     /* bit per ext hook id with a verified handler attached */
    u8 ext_n;          /* handlers attached to this env's events ... */
    u8 ext_h[8];       /* ... their indices in ext.c's handlers[] */
    u64 revoke_target; /* mem_used must drop to this to satisfy a request */
    bool revoke_pending;
    bool revoke_upcalled; /* the upcall for the pending request was delivered */
    bool in_block;        /* asleep in sys_block: its wake-up returns the pending events */
    u64 wake_tsc;         /* ... and it wakes by itself at this TSC value (0: never) */
    u32 wake_hint;        /* the env it last woke (sys_notify_signal): sched.c's wake_target */

    /* For the one that created it (and the test runner). */
    /* Killed once its CPU has taken this many timer ticks (0: none): in the
     * machine's ticks, not the TSC, so that a host that does not run its
     * virtual CPU for a while (ticks coalesce meanwhile) does not eat the
     * time of a test program (ktest.c). */
    u64 deadline_tick;
    enum env_stop stop;
    int exit_status;
    u64 fault_vector;
    char why[128];
};

extern struct env envs[NENV];
STATIC_ASSERT(offsetof(struct env, tf) % 16 == 0 && offsetof(struct env, pct_tf) % 16 == 0 &&
              sizeof(struct env) % 16 == 0);

/* e runs its protected entry (pct_tf is its active frame): see in_pct. */
static inline bool env_in_pct(const struct env *e)
{
    return e->in_pct;
}

/* Quota it has to spare. Never negative: a revocation lowers the quota at
 * once, possibly below what the env still uses. */
static inline u64 env_spare(const struct env *e)
{
    return e->mem_quota > e->mem_used ? e->mem_quota - e->mem_used : 0;
}

/* A revocation asks it for frames: until it has given them back it takes no
 * more memory, lends none and gives no quota to new children. */
static inline bool env_shrinking(const struct env *e)
{
    return e->revoke_pending && e->info && e->info->revoke_kind == REVOKE_FRAMES;
}

/* Lifecycle (env.c). */
int env_alloc(const char *name, u32 parent, u64 quota, struct env **out);
void env_note_named(u32 id);
int env_load_program(struct env *e, const u8 *elf, size_t size);
/* Live or zombie env by id. Inline (with env_lookup): on the paths of
 * yield, PCT and every capability deletion. */
static inline struct env *env_lookup_any(u32 id)
{
    struct env *e = &envs[id & 0xff];
    if (id == 0 || (id & 0xff) >= NENV || e->id != id || e->state == ENV_FREE)
        return NULL;
    return e;
}

/* A live (not free, not zombie) env by id. */
static inline struct env *env_lookup(u32 id)
{
    struct env *e = env_lookup_any(id);
    return e && e->state != ENV_ZOMBIE ? e : NULL;
}
int env_map_new_frame(struct env *e, vaddr_t va, u64 flags);
int env_map_new_block(struct env *e, vaddr_t va, u64 order, u64 flags);
void env_teardown(struct env *e, enum env_stop why); /* release everything, become a zombie */
void env_free(struct env *e);                        /* zombie -> free */
void env_destroy(struct env *t); /* its original was deleted: tear it down and free it */
bool env_below(struct env *x, struct env *t);   /* x is t or holds an original under t */
int env_create(struct env *creator, u64 quota); /* sys_env_create for creator: its slot */
void env_exit(struct env *e, int status) __noreturn;
void env_kill(struct env *e, enum env_stop why, const char *fmt, ...) __noreturn
    __attribute__((format(printf, 3, 4)));
int env_charge(struct env *e, u64 pages);   /* 0 or -E_NOMEM */
bool env_reserve(struct env *e, u64 pages); /* e has `pages` of quota spare (may borrow) */
void env_uncharge(struct env *e, u64 pages);

/* Running (sched.c). */
void env_run(struct env *e);
void sched_save_current(struct trapframe *tf); /* copy the entry frame into the env */
__noreturn void sched_return_to_loop(void);
void cpu_set_env(struct env *e); /* switch this CPU to e (donation, PCT) */

int elf_load(struct env *e, const u8 *elf, size_t size, u64 *entry);

#endif
