/* The exokernel interface's data structures, shared by the kernel and libexo. */
#ifndef SPINEL_EXO_H
#define SPINEL_EXO_H

#include <stdint.h>

/* ---- capabilities ---- */
#define CAP_SELF 0 /* slot 0 always names the calling env itself */
/* A table holds up to NCAPSLOTS - 1 capabilities (slot 0 is CAP_SELF). It
 * grows a page (CAPS_PER_TABLE_PAGE slots) at a time, each page charged to
 * the env's memory quota and kept until the env ends. */
#define NCAPSLOTS           4096
#define CAPS_PER_TABLE_PAGE 64
#define CAP_MAX_DEPTH       32 /* generations of copies below an original */

enum cap_type {
    CAP_NONE = 0,
    CAP_FRAME = 1,   /* a physical page frame; object = frame number */
    CAP_ENV = 2,     /* an environment; object = env id */
    CAP_SLOT = 3,    /* a time slot; object = generation << 32 | cpu << 16 | position */
    CAP_EXT = 4,     /* a loaded, verified extension module */
    CAP_HANDLER = 5, /* an extension handler attached to an env's event */
    CAP_NOTIFY = 6,  /* a notification object: NOTIFY_CHANNELS doorbells */
    CAP_DEVICE = 7,  /* a device; object = enum dev_id */
    CAP_NET = 8,     /* a network device or endpoint (kernel/net.c) */
    CAP_BLOCK = 9,   /* a range of disk blocks; object = first << 32 | count (BLK_CAP_*) */
};

#define R_READ   0x01 /* frame: may be mapped readable */
#define R_WRITE  0x02 /* frame: may be mapped writable */
#define R_EXEC   0x04 /* frame: may be mapped executable */
#define R_GRANT  0x08 /* may derive copies into another env's table */
#define R_REVOKE 0x10 /* may revoke the copies derived from it */
#define R_CALL   0x20 /* env: protected control transfer (call, send) */
/* R_CONTROL: env: map into it, set its entries, start, revoke from, destroy
 * it; notify: take over a channel another env has bound. */
#define R_CONTROL 0x40
#define R_ALL     0x7f

struct cap_info {
    uint32_t type;       /* enum cap_type */
    uint32_t rights;     /* R_* bits */
    uint64_t object;     /* frame number, env id, or cpu << 16 | slot */
    uint64_t mapped_va;  /* CAP_FRAME: where this capability is mapped, 0 if not */
    uint32_t mapped_env; /* ... and in which env */
    uint8_t depth;       /* 0 for an original, n for an n-th generation copy */
    uint8_t order;       /* CAP_FRAME: a block of 2^order contiguous frames */
    uint16_t children;   /* copies derived directly from this one */
};
#define FRAME_MAX_ORDER 9 /* blocks up to 2 MiB */

/* ---- memory: batched page-table updates ---- */
/* MMU_COPY: derive a copy of the caller's frame capability into the target
 * env's table and map it there (how a library OS gives a forked child its
 * pages in one call per batch). */
/* MMU_REMAP: map `cap` where the frame capability in slot `va` (of the same
 * table) is mapped, in place of it, in one step: the page is never absent
 * (how a library OS breaks copy-on-write under its own upcalls). */
enum mmu_opcode { MMU_MAP = 1, MMU_UNMAP = 2, MMU_PROTECT = 3, MMU_COPY = 4, MMU_REMAP = 5 };
#define MMU_W     0x100  /* map writable (needs R_WRITE) */
#define MMU_X     0x200  /* map executable (needs R_EXEC) */
#define MMU_TCAP  0x400  /* `cap` names a slot in the target env's table, not the caller's */
#define MMU_CLRAD 0x1000 /* with MMU_PROTECT: also clear the accessed and dirty bits */

struct mmu_op {
    uint64_t va;  /* MMU_MAP, MMU_COPY: page-aligned user address; MMU_REMAP: the
                   * slot of the capability mapped now; ignored otherwise */
    uint32_t cap; /* slot of a frame capability in the caller's table */
    uint32_t op;  /* enum mmu_opcode | MMU_W | MMU_X | MMU_TCAP */
};
#define MMU_BATCH_MAX 512

/* The env's own page tables, readable (never writable) through a recursive
 * mapping: the entry for va is at PT_WINDOW_PTE(va). */
#define PT_WINDOW_BASE 0x00007f8000000000UL
#define PT_WINDOW_PTE(va)                                                                          \
    ((const volatile uint64_t *)(PT_WINDOW_BASE + ((((uint64_t)(va)) >> 9) & 0x7ffffffff8UL)))
#define PT_WINDOW_PDE(va)                                                                          \
    ((const volatile uint64_t *)(PT_WINDOW_BASE + (255UL << 30) +                                  \
                                 ((((uint64_t)(va)) >> 18) & 0x3ffffff8UL)))
#define PT_WINDOW_PDPTE(va)                                                                        \
    ((const volatile uint64_t *)(PT_WINDOW_BASE + (255UL << 30) + (255UL << 21) +                  \
                                 ((((uint64_t)(va)) >> 27) & 0x1ffff8UL)))
#define PT_WINDOW_PML4E(va)                                                                        \
    ((const volatile uint64_t *)(PT_WINDOW_BASE + (255UL << 30) + (255UL << 21) + (255UL << 12) +  \
                                 ((((uint64_t)(va)) >> 36) & 0xff8UL)))
#define USER_MAP_TOP PT_WINDOW_BASE /* highest mappable user address (exclusive) */

#define PTE_P  (1UL << 0)
#define PTE_W  (1UL << 1)
#define PTE_U  (1UL << 2)
#define PTE_A  (1UL << 5)
#define PTE_D  (1UL << 6)
#define PTE_PS (1UL << 7) /* in a directory entry: a 2 MiB page (exo_pte hides it) */
#define PTE_NX (1UL << 63)

/* ---- upcalls ---- */
enum upcall_kind {
    UPCALL_EXCEPTION = 0, /* any exception but a page fault */
    UPCALL_PAGEFAULT = 1,
    UPCALL_EVENT = 2,    /* asynchronous notifications (pct_send) */
    UPCALL_PCT = 3,      /* protected entry for sys_pct_call */
    UPCALL_PROLOGUE = 4, /* a time slot of this env begins */
    UPCALL_EPILOGUE = 5, /* a time slot ends: save state and yield within the grace period */
    UPCALL_REVOKE = 6,   /* the kernel wants resources back (see struct env_info) */
    UPCALL_NKINDS = 7,
    /* Not in env_entries: a `syscall` instruction of a foreign-ABI env,
     * reflected to the entry given with sys_env_set_foreign. The frame holds
     * the registers as the instruction left them (rip after it; rcx and r11
     * are the CPU's: return rip and rflags), vector KCALL_GATE_SYSCALL, addr
     * the call number (rax). The handler answers in frame->rax and resumes. */
    UPCALL_SYSCALL = 7,
};
/* Kernel calls from a foreign-ABI env (where `syscall` is reflected):
 * `int $KCALL_GATE_VECTOR`, same registers and results as `syscall` but
 * rcx and r11 are preserved. Any env may use it. */
#define KCALL_GATE_VECTOR  0x81
#define KCALL_GATE_SYSCALL 0x100 /* upcall_frame.vector of a reflected syscall */

struct env_entries {
    uint64_t entry[UPCALL_NKINDS]; /* user addresses; 0 = none */
    uint64_t xstack_top;           /* exception stack for upcall frames (16-byte aligned) */
    uint64_t xstack_size;
    uint64_t pct_stack_top; /* stack on which the protected entry starts */
};

/* Pushed on the exception stack by every upcall; the handler gets a pointer
 * to it in rdi and may resume the interrupted context from it entirely in
 * user mode (exo_resume). The registers come in the kernel's trap-frame
 * order, so the kernel copies them in one piece. */
struct upcall_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;            /* exception vector and error code */
    uint64_t rip, cs, rflags, rsp, ss; /* cs and ss are ignored on resume */
    uint64_t kind;                     /* enum upcall_kind */
    uint64_t addr;                     /* faulting address, event bits, frames asked for, ... */
};

/* ---- object quotas ---- */
/* Every kernel object an env can create is charged, one unit, to the env
 * holding its original capability, against a quota its keeper (the holder
 * of its own original) gave it with sys_env_quota; moving an original moves
 * the charge. A combined extension module costs 1 plus what its parts cost.
 * A root env (started by the kernel) has the whole system's objects. */
enum obj_kind {
    OBJ_SLOT = 0,    /* time slots (CAP_SLOT) */
    OBJ_ENV = 1,     /* envs (CAP_ENV) */
    OBJ_NOTIFY = 2,  /* notification objects (CAP_NOTIFY) */
    OBJ_EXTMOD = 3,  /* extension modules (CAP_EXT) */
    OBJ_HANDLER = 4, /* extension handlers (CAP_HANDLER) */
    OBJ_KINDS = 5,
};
#define OBJ_ALL ((1u << OBJ_KINDS) - 1) /* every kind, for sys_env_quota's mask */

/* ---- the env information page: read-only, at ENV_INFO_VA ---- */
#define ENV_INFO_VA   0x00007f7ffffff000UL
#define REPOSSESS_MAX 64

struct repossessed {
    uint32_t slot; /* the capability slot that was emptied */
    uint32_t type;
    uint64_t object; /* frame number (or cpu << 16 | slot) */
    uint64_t va;     /* where the frame was mapped, 0 if not */
};

struct env_info {
    uint32_t id, parent;
    uint64_t mem_quota, mem_used; /* pages: frames, page tables, capability tables, this page */
    uint64_t slots_run;           /* time slots begun */
    uint64_t overruns;            /* slots ended by force after the grace period */
    uint64_t upcalls;             /* upcalls delivered */
    uint64_t pending_events;      /* bits from sys_pct_send, notifications, EVENT_CHILD; cleared on
                                     delivery */
    /* Revocation: the kernel asks for revoke_count resources of kind
     * revoke_kind (frames or time slots, any of the env's choice) by
     * revoke_deadline (TSC). sys_revoke_done() answers; otherwise the abort
     * protocol takes them and lists them in taken[] (the repossession vector). */
    uint64_t revoke_kind, revoke_count, revoke_deadline;
    uint64_t revoke_seq; /* increments with every request */
    uint64_t ntaken;     /* entries in taken[] (cumulative, capped) */
    struct repossessed taken[REPOSSESS_MAX];
    uint64_t tsc_per_ms;
    uint64_t fpu_used;             /* nonzero once the env has used x87/SSE (then its state is kept
                                      across upcall handlers by libexo) */
    uint32_t obj_quota[OBJ_KINDS]; /* object quotas (sys_env_quota), by enum obj_kind */
    uint32_t obj_used[OBJ_KINDS];  /* ... and the originals it holds of each kind */
};
#define ENV_INFO_FPU_USED 1640 /* offsetof(struct env_info, fpu_used), for assembly */

_Static_assert(__builtin_offsetof(struct env_info, fpu_used) == ENV_INFO_FPU_USED,
               "env_info layout");

/* ---- extensions (verified eBPF, ext/) ---- */
#define EXT_MAX_OBJECT (128 * 1024) /* largest ELF object sys_ext_load takes */
/* The verifier explores at most this many instructions in one sys_ext_load,
 * all its programs together (it runs with interrupts off). */
#define EXT_LOAD_MAX_STEPS 25000
#define EXT_MAX_POOL       8 /* frames a page-fault handler may be given */

/* Filled by sys_ext_load when the verifier (or the loader) refuses. */
struct ext_verdict {
    uint32_t prog;    /* index of the refused program in the object */
    uint32_t insn;    /* instruction index the verifier names */
    char reason[160]; /* the verifier's (or loader's) message */
    char section[64]; /* the program's section name */
};

/* sys_ext_info: one exported program of a module. */
struct ext_prog_info {
    char name[64];       /* its ELF section name, e.g. "event/pct/double" */
    uint32_t hook;       /* enum ext_hook_id (ext/hooks.h) */
    uint32_t len;        /* instructions */
    uint64_t code_bytes; /* size of its JIT-compiled code */
};

/* sys_env_revoke kinds */
#define REVOKE_FRAMES 1 /* give back frames (original frame capabilities) */
#define REVOKE_SLOTS  2 /* give back time slots (slot capabilities) */

/* ---- notifications and devices ---- */
/* A notification object has NOTIFY_CHANNELS channels. A channel is bound
 * to at most one env (sys_notify_bind, needs R_READ; a channel bound to
 * another env that has not ended needs R_CONTROL) and rung by anyone
 * holding the object with R_WRITE (sys_notify_signal) or by a device's
 * interrupt (sys_dev_irq): the bound env gets the channel's event bits (an
 * UPCALL_EVENT, or a wake-up from sys_block). A ring on an unbound channel
 * is kept and delivered when the channel is next bound. */
#define NOTIFY_CHANNELS 64
/* The kernel's own event: an env this one created has ended (its status
 * is ready for sys_env_status). Kernel events are raised by the kernel
 * only: sys_pct_send and notification channels carry user events, bits 0
 * to 61 (up to EVENT_USER_MAX); bit 62 is EVENT_CHILD, bit 63 is not an
 * event (sys_block returns the bits). */
#define EVENT_CHILD       (1UL << 62)
#define EVENT_USER_MAX    ((1UL << 62) - 1) /* the user event bits */
#define EVENT_BITS_MAX    ((1UL << 63) - 1) /* every event bit, user and kernel */
#define BLOCK_TIMEOUT_MAX (1UL << 40)       /* sys_block: longest timeout, in microseconds */

enum dev_id {
    DEV_CONSOLE = 0, /* the serial console's input: sys_console_read; interrupt on input */
    DEV_DISK = 1,    /* the disk (virtio-blk): sys_dev_open gives a CAP_BLOCK over all of it */
    DEV_COUNT = 2,
};
#define DEVCTL_LOOPBACK   1 /* console: arg 1 = UART loopback on, 0 = off */
#define DEVCTL_INTERRUPTS 2 /* console: receive interrupts taken so far */

/* ---- the disk: block capabilities and batched block I/O ---- */
/* The disk is addressed in blocks of BLK_SIZE bytes (one page). A CAP_BLOCK
 * names the blocks [first, first + count) with R_READ (read them) and
 * R_WRITE (write them, flush the disk); sys_blk_derive makes a copy over a
 * sub-range with fewer rights. */
#define BLK_SIZE              4096
#define BLK_CAP_FIRST(object) ((uint64_t)(object) >> 32)
#define BLK_CAP_COUNT(object) ((uint64_t)(object)&0xffffffffu)

enum blk_op {
    BLK_READ = 1,  /* disk -> frames: needs R_READ on the block capability, R_WRITE on the frame */
    BLK_WRITE = 2, /* frames -> disk: R_WRITE on the block capability, R_READ on the frame */
    BLK_FLUSH = 3, /* writes completed before it are on stable storage when it completes */
};
#define BLK_FUA 0x100 /* with BLK_WRITE: completes only once the data is on stable storage */

/* One request of a batch (sys_blk_submit). The data is `count` blocks in
 * the frames of the frame capability in slot `frame`, from its page `page`
 * on (a capability of 2^order frames holds 2^order blocks). */
struct blk_req {
    uint64_t block;    /* first disk block (absolute); 0 for BLK_FLUSH */
    uint32_t count;    /* blocks, 1 .. BLK_REQ_MAX_BLOCKS; 0 for BLK_FLUSH */
    uint32_t op;       /* enum blk_op, | BLK_FUA */
    uint32_t cap;      /* slot of a CAP_BLOCK covering [block, block + count) */
    uint32_t frame;    /* slot of a CAP_FRAME (ignored for BLK_FLUSH) */
    uint32_t page;     /* first page of that capability's block */
    uint32_t reserved; /* 0 */
    uint64_t tag;      /* the caller's: comes back in the completion */
};
/* A completion (sys_blk_reap). */
struct blk_done {
    uint64_t tag;
    int32_t status; /* 0, or -E_IO (the device failed it) */
    uint32_t reserved;
};
#define BLK_REQ_MAX_BLOCKS 512 /* one request: at most 2 MiB (a frame block of order 9) */
#define BLK_BATCH_MAX      64  /* requests per sys_blk_submit */
#define BLK_ENV_MAX        64  /* requests an env may have submitted and not reaped */
#define BLK_REQ_SLOTS      80  /* requests in flight, all envs together */

/* sys_blk_ctl operations */
#define BLKCTL_NBLOCKS     1 /* the disk's size in blocks (any block capability) */
#define BLKCTL_WRITTEN     2 /* blocks written to the disk since boot (any block capability) */
#define BLKCTL_CRASH_AFTER 3 /* R_CONTROL, whole disk: halt at the arg-th block write from now */
#define BLK_CRASH_EXIT     3 /* the machine_exit status of a crash point (QEMU exits with 7) */

#endif
