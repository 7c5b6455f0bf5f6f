/* Processes, in user space. A process is an env. The process table lives in
 * a region of memory shared by every process of the library OS (mapped at
 * UNIX_SHARED_VA, frame blocks each process holds copies of); fork is copy
 * on write, done entirely here with page-fault upcalls; wait and exit use
 * the env capabilities a parent holds for its children.
 *
 * fork: the parent walks its capability table (sys_cap_list) and, for every
 * frame mapped in its address space, gives the child a copy of the
 * capability, mapped at the same address in the child (MMU_TCAP): writable
 * pages read-only on both sides and marked copy-on-write in this process's
 * page map (which the child inherits, being part of the copied memory),
 * other pages read-only or executable as they were, the shared region
 * writable. The child starts where the parent called exo_setjmp.
 *
 * A write to a copy-on-write page faults; the handler copies the page into a
 * fresh frame and maps that writable, or, when no other process still holds
 * a copy of the frame, just makes it writable again. A parent's originals
 * that children still use after it broke away are kept ("ghosts") and freed
 * once no copy is left (at wait).
 *
 * The kernel never takes a fault for its caller: before a kernel call writes
 * into our memory, we touch the buffer (exo_touch) so that copy-on-write
 * pages break here first. */
#include "../unix_internal.h"
#include "../../exo/exo.h"
#include "../../c/libc.h"
#include "../thread/thread.h"

#define CHILD_QUOTA      65536 /* at most this many pages for a forked child to start with ... */
#define CHILD_QUOTA_MIN  64    /* ... and at least this many */
#define CHILD_CREDIT     (1UL << 30) /* then it draws more from ours (and our parent's) on demand, */
#define PARENT_KEEP      128         /* while we keep this much for ourselves (512 KiB) */
#define PARENT_KEEP_OBJS 1           /* and one of each kind of kernel object (sys_env_quota) */
#define FORK_MARGIN      64 /* pages a parent keeps to spare after a fork, for its own copies */
#define FORK_HOT_ABOVE   2  /* stack pages from fork's own up that a child gets copies of at once */

int errno;

struct unix_hot unix_hot = {.chan = -1, .ghosts = 1};
_Static_assert(sizeof(struct unix_hot) == 4096, "one page");
#define mypid            unix_mypid
#define lingering        unix_hot.lingering
#define fork_jb          unix_hot.fork_jb
#define fork_child_pid   unix_hot.fork_child_pid
#define fork_child_token unix_hot.fork_child_token
#define fork_child_caps  unix_hot.fork_child_caps

/* ---- the shared state: read directly, updated by the server ---- */

/* A consistent read: wait while an update is under way (seq odd: its
 * caller's time slot will finish it), then copy, then check seq held. */
uint64_t sh_read_begin(void)
{
    uint64_t s;
    for (int n = 0; (s = __atomic_load_n(&SH->seq, __ATOMIC_ACQUIRE)) & 1; n++) {
        sys_yield(-1);
        if (n % 64 == 63 && unix_srv)
            unix_call(U_NOP, 0, 0); /* (an update cut short: the server repairs it) */
    }
    return s;
}

int sh_read_retry(uint64_t s)
{
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return __atomic_load_n(&SH->seq, __ATOMIC_RELAXED) != s;
}

/* A protected call to the server (unix_internal.h): again while it serves
 * someone else. Errors come back in errno. */
int64_t unix_call(uint64_t op, uint64_t a1, uint64_t a2)
{
    for (;;) {
        uint64_t r1;
        long r = exo_pct_call2(unix_srv, op, a1, a2, &r1);
        if (r == -E_AGAIN) {
            sys_yield(-1);
            continue;
        }
        if (r < 0) {
            errno = r <= -UNIX_EBASE ? (int)(-r - UNIX_EBASE) : EIO;
            return -1;
        }
        return r;
    }
}

/* The argument page the server gives us (U_BIND), mapped at UNIX_ARG_VA. */
static int unix_bind(uint64_t token)
{
    int64_t s = unix_call(U_BIND, token, 0);
    if (s < 0 || exo_map(CAP_SELF, (uint32_t)s, UNIX_ARG_VA, MMU_W) != 1) {
        printf("unix: cannot bind to the server (errno %d)\n", errno);
        return -1;
    }
    return 0;
}

/* ---- the page map: what this process maps, and which pages are COW ---- */

#define PM_COW 1
struct pmap_entry {
    uint64_t vpn;  /* 0: empty */
    uint32_t slot; /* capability mapped there, in this process's table */
    uint32_t flags;
    /* The slot its copy took in the child we forked last: a guess for
     * that child's first faults, before it has scanned its own table. */
    uint32_t cslot;
};
#define pmap      unix_hot.pmap /* (in unix_hot: fork's walk writes them) */
#define pmap_cap  unix_hot.pmap_cap
#define pmap_used unix_hot.pmap_used
static struct pmap_entry *pmap_find(uint64_t vpn, int insert);

/* The page map is never copy-on-write: a fork gives the child a copy of
 * its pages (fork_give), so that a copy-on-write fault, which writes an
 * entry, takes no second fault on the map itself, in parent or child. It
 * lives at UNIX_PMAP_VA (unix_internal.h), in one of two areas: a bigger
 * table is made in the other one, and the old table's frames are freed. */
static void pmap_release(uint64_t lo, uint64_t hi)
{
    struct cap_info batch[32];
    for (uint32_t base = 0; base < NCAPSLOTS; base += 32) {
        long n = sys_cap_list(base, batch, 32);
        if (n < 0)
            break;
        for (long i = 0; i < n; i++)
            if (batch[i].type == CAP_FRAME && batch[i].mapped_env == exo_info->id &&
                batch[i].mapped_va >= lo && batch[i].mapped_va < hi)
                sys_cap_delete(base + (uint32_t)i);
    }
}

static int pmap_grow(void)
{
    uint64_t ncap = pmap_cap ? pmap_cap * 2 : 128, bytes = ncap * sizeof(struct pmap_entry);
    uint64_t va = UNIX_PMAP_VA + ((uint64_t)pmap == UNIX_PMAP_VA ? UNIX_PMAP_AREA : 0);
    if (bytes > UNIX_PMAP_AREA)
        return -1;
    for (uint64_t o = 0; o < bytes; o += 4096)
        if (sys_frame_map(CAP_SELF, va + o, MMU_W) < 0) { /* (zeroed: an empty table) */
            pmap_release(va, va + o);
            return -1;
        }
    struct pmap_entry *old = pmap;
    uint64_t ocap = pmap_cap;
    pmap = (struct pmap_entry *)va;
    pmap_cap = ncap;
    pmap_used = 0;
    for (uint64_t i = 0; i < ocap; i++)
        if (old[i].vpn)
            *pmap_find(old[i].vpn, 1) = old[i], pmap_used++;
    if (old)
        pmap_release((uint64_t)old, (uint64_t)(old + ocap));
    return 0;
}

static struct pmap_entry *pmap_find(uint64_t vpn, int insert)
{
    if (insert && (pmap_used + 1) * 2 > pmap_cap && pmap_grow() < 0)
        return NULL;
    if (!pmap_cap)
        return NULL;
    for (uint64_t i = (vpn * 0x9e3779b97f4a7c15UL) >> 11;; i++) {
        struct pmap_entry *p = &pmap[i & (pmap_cap - 1)];
        if (p->vpn == vpn)
            return p;
        if (!p->vpn) {
            if (!insert)
                return NULL;
            p->vpn = vpn;
            return p;
        }
    }
}

/* ---- copy-on-write faults ---- */

static struct proc *proc_of(int pid);

/* A fault the library OS does not resolve ends the process "by a signal",
 * unless the fault hook takes it (a Linux program's SIGSEGV handler). */
int (*unix_fault_hook)(struct upcall_frame *f);

static void segv(struct upcall_frame *f)
{
    if (unix_fault_hook && unix_fault_hook(f))
        return; /* (the frame now enters the handler) */
    printf("[pid %d] segmentation fault at %lx (rip %lx, vector %lu, error %lx)\n", mypid, f->addr,
           f->rip, f->vector, f->error);
    if ((exo_pte(UNIX_ARG_VA) & PTE_P) && unix_srv) /* (else no table to report to) */
        unix_call(U_EXIT, SIGSEGV, 0);
    sys_exit(128 + SIGSEGV);
}

/* The slot of the frame capability mapped at va in this env: the page map's
 * hint if it still holds, or the second hint (in a forked child, where the
 * parent saw the copy land), else a search of the table. */
static long slot_at(uint64_t va, uint32_t hint, uint32_t hint2, struct cap_info *ci)
{
    if (sys_cap_inspect(hint, ci) == 0 && ci->type == CAP_FRAME && ci->mapped_va == va &&
        ci->mapped_env == exo_info->id)
        return hint;
    if (hint2 != hint && sys_cap_inspect(hint2, ci) == 0 && ci->type == CAP_FRAME &&
        ci->mapped_va == va && ci->mapped_env == exo_info->id)
        return hint2;
    struct cap_info batch[32]; /* on the exception stack */
    for (uint32_t base = 0; base < NCAPSLOTS; base += 32) {
        long n = sys_cap_list(base, batch, 32);
        if (n < 0)
            break;
        for (long i = 0; i < n; i++) {
            if (batch[i].type == CAP_FRAME && batch[i].mapped_va == va &&
                batch[i].mapped_env == exo_info->id) {
                *ci = batch[i];
                return base + (uint32_t)i;
            }
        }
    }
    return -1;
}

/* Whether the page at va is copy-on-write here (a write to it will be
 * resolved): for the Linux personality's checks of user buffers. */
int unix_page_cow(uint64_t va)
{
    struct pmap_entry *p = pmap_find(va >> 12, 0);
    return p && (p->flags & PM_COW);
}

/* The Linux personality's protections change what a write may do: the
 * page at va (frame capability slot, mapped there) becomes copy-on-write
 * (cow: mprotect gave write back to a frame still shared) or stops being
 * so (write taken away, or the page unmapped: a later frame at va, a
 * read-only one say, must not be made writable by a stale mark). */
void unix_page_cow_set(uint64_t va, uint32_t slot, int cow)
{
    struct pmap_entry *p = pmap_find(va >> 12, cow);
    if (!p)
        return;
    if (cow) {
        if (!p->slot)
            pmap_used++; /* (a new entry: counted as fork counts them) */
        p->slot = p->cslot = slot;
        p->flags |= PM_COW;
    } else {
        p->flags &= ~PM_COW;
    }
}

/* The program's stack (the one the kernel made, include/spinel/layout.h):
 * a forked child is given only its pages from just below where fork was
 * called up (fork_give); the pages below, dead when fork was called, come
 * on demand, zeroed, at the child's first touch. */
#define STACK_LO (USER_STACK_TOP - USER_STACK_PAGES * 4096UL)
#define STACK_HI USER_STACK_TOP

static void on_fault(struct upcall_frame *f)
{
    if (!(f->error & 1) && f->addr >= STACK_LO && f->addr < STACK_HI &&
        !(exo_pte(f->addr) & PTE_P)) {
        if (sys_frame_map(CAP_SELF, f->addr & ~4095UL, MMU_W) < 0)
            segv(f);
        return;
    }
    struct pmap_entry *p = pmap_find(f->addr >> 12, 0);
    if (!p || !(p->flags & PM_COW) || !(f->error & 2)) { /* not a write to a COW page */
        segv(f);
        return;
    }
    uint64_t va = f->addr & ~4095UL;
    struct cap_info ci;
    long slot = slot_at(va, p->slot, p->cslot, &ci);
    if (slot < 0) {
        segv(f);
        return;
    }
    if ((ci.rights & R_WRITE) && ci.children == 0) {
        /* Nobody else has it any more: ours again. */
        exo_protect(CAP_SELF, (uint32_t)slot, MMU_W | (exo_pte(va) & PTE_NX ? 0 : MMU_X));
        p->flags &= ~PM_COW;
        p->slot = (uint32_t)slot;
        return;
    }
    /* A fresh frame of ours holding a copy of the page: the kernel copies it
     * (sys_frame_copy), so nothing is mapped for the copy and the frame is
     * not zeroed first. (The shared frame is read-only for everyone who has
     * it: its contents cannot change meanwhile.) It takes the shared one's
     * place in one step (MMU_REMAP): the page is never absent, so an upcall
     * that comes meanwhile (an epilogue's check_signals, a signal's
     * unix_die and linger) may read it; a write of its faults again and
     * waits for this handler (it breaks the nested fault itself, or finds
     * the page ours already). */
    long g = sys_frame_copy((uint32_t)slot), m = 0;
    uint32_t exec = exo_pte(va) & PTE_NX ? 0 : MMU_X;
    if (g >= 0 &&
        (m = exo_remap(CAP_SELF, (uint32_t)slot, (uint32_t)g, MMU_W | exec)) == -E_INVAL &&
        (exo_pte(va) & (PTE_P | PTE_W)) == (PTE_P | PTE_W)) {
        /* An upcall nested in this handler wrote the page, and its own
         * fault broke the sharing first (the map is up to date): ours is
         * not needed. */
        sys_cap_delete((uint32_t)g);
        return;
    }
    if (g < 0 || m != 1) {
        printf("[pid %d] out of memory breaking copy-on-write (quota %lu, used %lu; frame %ld, map "
               "%ld)\n",
               mypid, (unsigned long)exo_info->mem_quota, (unsigned long)exo_info->mem_used, g, m);
        uint64_t lo, hi;
        exo_private_range(&lo, &hi);
        if (f->rsp >= lo && f->rsp < hi) /* the fault came from exiting: no second try */
            sys_exit(128 + SIGSEGV);
        _exit(128 + SIGSEGV);
    }
    /* The old capability goes, unless copies were derived from it (our
     * children's, or theirs): deleting it would delete those and unmap the
     * page under them. Then it stays, unmapped, as a ghost until they are
     * gone (free_ghosts). This holds for a copy (we are a forked child
     * ourselves) as much as for an original. */
    if (ci.children == 0)
        sys_cap_delete((uint32_t)slot);
    else
        unix_hot.ghosts = 1;
    p->flags &= ~PM_COW; /* (the map itself may fault here: the nested fault breaks it first) */
    p->slot = (uint32_t)g;
}

/* fork's buffers: the table walk's, the child's operations, our pages to
 * protect, and the page-map entries of the copies. They live at
 * UNIX_FORK_VA, which fork skips: a child is not given them (it has no use
 * for them), so they are never copy-on-write, and writing them at the next
 * fork takes no fault. A process maps them at its first fork. */
struct fork_scratch {
    struct cap_info ci[256];
    struct mmu_op cops[256], pops[256];
    uint32_t prot[NCAPSLOTS];
    struct pmap_entry *cpm[256];
    struct { /* the page map's pages (their copies go to the child last) */
        uint64_t va;
        uint32_t slot;
    } pmp[UNIX_PMAP_AREA / 4096 / 32 + 1];
};
#define FS_SCRATCH ((struct fork_scratch *)UNIX_FORK_VA)
#define FS_PAGES   ((sizeof(struct fork_scratch) + 4095) / 4096)

/* Frees the frame capabilities we no longer map and nobody holds a copy
 * of (ghosts left by copy-on-write faults). */
static int fork_scratch_map(void);
static void free_ghosts(void)
{
    if (!unix_hot.ghosts)
        return; /* (none left at the last scan, and none made since) */
    /* (fork's buffer, once mapped: never copy-on-write) */
    static struct cap_info ghost_ci[256];
    struct cap_info *ci = fork_scratch_map() == 0 ? FS_SCRATCH->ci : ghost_ci;
    int left = 0;
    unix_hot.ghosts = 0; /* (before the scan: one made meanwhile sets it again) */
    for (uint32_t base = 0; base < NCAPSLOTS; base += 256) {
        exo_touch(ci, 256 * sizeof *ci);
        long n = sys_cap_list(base, ci, 256);
        if (n < 0) {
            left |= n != -E_INVAL && n != -E_NOENT; /* (past the end of the table: done) */
            break;
        }
        for (long i = 0; i < n; i++) {
            if (ci[i].type != CAP_FRAME || ci[i].mapped_env || ci[i].order)
                continue;
            if (ci[i].children)
                left = 1; /* still shared: again at the next wait */
            else
                sys_cap_delete(base + (uint32_t)i);
        }
    }
    if (left)
        unix_hot.ghosts = 1;
}

/* ---- the process table ---- */

static struct proc *proc_of(int pid)
{
    for (int i = 0; i < NPROC; i++)
        if (SH->procs[i].state != PROC_FREE && SH->procs[i].pid == pid)
            return &SH->procs[i];
    return NULL;
}

int proc_get(int i, struct proc_info *out)
{
    if (i < 0 || i >= NPROC)
        return -1;
    struct proc *p = &SH->procs[i];
    uint64_t s;
    do {
        s = sh_read_begin();
        out->pid = p->pid;
        out->ppid = p->ppid;
        out->state = p->state;
        out->status = p->status;
        out->env_id = p->env_id;
        memcpy(out->name, p->name, sizeof out->name);
    } while (sh_read_retry(s));
    /* Whether it sleeps is on its argument page: the server looks. */
    out->sleeping =
        out->state == PROC_RUNNING && unix_srv && unix_call(U_ASLEEP, (uint64_t)i, 0) > 0;
    return 0;
}

static void copy_name(char *d, const char *s)
{
    size_t i = 0;
    for (; s && s[i] && i < 31; i++)
        d[i] = s[i];
    d[i] = 0;
}

static uint64_t exec_arrive(void);

/* A pending signal ends the process: checked when a time slot of ours ends
 * (the epilogue: a process that never yields) and whenever we wait. */
static void linger(void);
int unix_linger;
void unix_die(int sig)
{
    unix_call(U_EXIT, (uint64_t)sig, 0); /* (the server closes our descriptors) */
    if (unix_linger)
        linger();
    sys_exit(128 + sig);
}

/* The default action of sig for a process without handlers: 1 if it is
 * ignored (as POSIX: CHLD, URG, WINCH, CONT), else the process ends. */
static int sig_ignored(int sig)
{
    return sig == 17 || sig == 23 || sig == 28 || sig == 18;
}

int unix_sig_sender;

/* Called from ordinary code (a wait, a sleep) and from the epilogue
 * upcall, which checks first that the pages it reads are present (below).
 * Ordinary code never runs inside a copy-on-write fault's window (on_fault
 * waits for nothing between its unmap and its map), so it reads unix_chan
 * and mypid without that check, which cost a quarter of a pipe round trip
 * (four page-table walks per wait). */
static void check_signals(void)
{
    /* Our entry is at our channel's index, once bound (else a search). */
    struct proc *p = unix_chan >= 0 && SH->procs[unix_chan].pid == mypid ? &SH->procs[unix_chan]
                                                                         : proc_of(mypid);
    /* (read without the sequence count: a word) */
    if (!p || !p->pending)
        return;
    if (unix_call(U_SIGTAKE, 0, 0) <= 0)
        return;
    uint64_t sigs = (uint64_t)UNIX_ARG->x[0];
    unix_sig_sender = (int)UNIX_ARG->x[1];
    for (; sigs; sigs &= sigs - 1) {
        int sig = __builtin_ctzl(sigs) + 1;
        if (unix_signal_hook ? !unix_signal_hook(sig) : !sig_ignored(sig))
            unix_die(sig);
    }
    unix_sig_sender = 0;
}
int (*unix_signal_hook)(int sig);
int (*unix_intr_hook)(void);
uint64_t unix_wake_tsc;

static void on_epilogue(struct upcall_frame *f)
{
    (void)f;
    /* An epilogue that came while a copy-on-write fault had the page of
     * unix_chan or mypid unmapped (between its unmap and its map) does not
     * look now: the signal stays pending for the next look. Read-only here:
     * a write to a flag could itself be a copy-on-write fault. */
    if ((exo_pte((uint64_t)&unix_chan) & PTE_P) && (exo_pte((uint64_t)&mypid) & PTE_P))
        check_signals();
    sys_yield(-1); /* within the grace period; we resume where we were */
}

/* ---- wake-ups: the doorbell (see unix_internal.h) ---- */

/* Events only wake us (sys_block returns); what to do is decided by the
 * code that waited, which looks again at what it waited for. The handler
 * writes nothing: in a forked child that could be a copy-on-write fault. */
static void on_event(struct upcall_frame *f)
{
    (void)f;
}

void unix_ring(uint64_t chans)
{
    for (; chans; chans &= chans - 1)
        sys_notify_signal(unix_doorbell, (uint32_t)__builtin_ctzl(chans));
}

void unix_block(void)
{
    check_signals();
    if (strand_others_ready()) {
        strand_yield(); /* our other threads run meanwhile; the caller looks again */
    } else {
        /* (until unix_wake_tsc at the latest, if set) */
        uint64_t us = 0, now = __builtin_ia32_rdtsc();
        if (unix_wake_tsc)
            us = unix_wake_tsc > now ? (unix_wake_tsc - now) * 1000 / exo_info->tsc_per_ms + 1 : 1;
        UNIX_ARG->asleep = 1; /* (for ps) */
        sys_block(us);        /* returns once rung, or at once if a ring came meanwhile */
        UNIX_ARG->asleep = 0;
    }
    check_signals();
}

/* Finds our copies of the doorbell, the console and the server's call
 * capability (their slots differ from one process to the next) and binds
 * our channel to us. */
#define srv_original                                                                               \
    unix_hot.srv_original /* the first process's: the server's original capability */

/* Our channel: our index in the table, bound to us. */
static void chan_bind(void)
{
    struct proc *p = proc_of(mypid);
    unix_chan = p ? (int)(p - SH->procs) : -1;
    if (unix_doorbell && unix_chan >= 0)
        sys_notify_bind(unix_doorbell, (uint32_t)unix_chan, 1);
}

static void doorbell_attach(void)
{
    static struct cap_info ci[256];
    unix_doorbell = unix_console = unix_srv = srv_original = 0;
    for (uint32_t base = 0; base < NCAPSLOTS; base += 256) {
        exo_touch(ci, sizeof ci);
        long n = sys_cap_list(base, ci, 256);
        if (n < 0)
            break;
        for (long i = 0; i < n; i++) {
            if (ci[i].type == CAP_NOTIFY && !unix_doorbell)
                unix_doorbell = base + (uint32_t)i;
            if (ci[i].type == CAP_DEVICE && ci[i].object % 256 == DEV_CONSOLE && !unix_console)
                unix_console = base + (uint32_t)i;
            /* The server: our call capability, and (the first process,
             * after an exec) its original, which must go on with us. */
            if (ci[i].type == CAP_ENV && (uint32_t)ci[i].object == SH->srv_env) {
                if ((ci[i].rights & R_CONTROL) && !srv_original)
                    srv_original = base + (uint32_t)i;
                else if ((ci[i].rights & R_CALL) && !unix_srv)
                    unix_srv = base + (uint32_t)i;
            }
        }
    }
    chan_bind();
}

/* The first process starts the server: an env of its own running unixd
 * from the boot image. The shared state's frames (struct shared and the
 * file system) move to it, mapped writable there; we keep read-only copies
 * (R_READ | R_GRANT: what forked children and new images get). Its quota
 * covers them, the argument pages and the shm segments' pages; the pipes'
 * rings come from a credit on ours (a pipe neither can pay for: ENOMEM). */
/* (The first process's read-only copies of the shared state's blocks and
 * where they are mapped: unix_share_fs hands copies of them out.) */
static uint32_t shared_ro[1 + UNIX_FS_BLOCKS];
static uint64_t shared_va[1 + UNIX_FS_BLOCKS];
static int nshared;

static int start_server(const uint32_t *blocks, const uint64_t *vas, int nblocks)
{
    long srv = sys_env_create(((UNIX_FS_SIZE + UNIX_PROC_SIZE) >> 12) + SHM_ARENA_PAGES + 512);
    if (srv < 0 || sys_env_load((uint32_t)srv, "unixd", 5) < 0)
        return -1;
    /* The pipes' rings (128 KiB blocks) beyond that: drawn from our quota
     * as they are made (we keep 1 MiB to spare), not set aside now. */
    if (sys_env_credit((uint32_t)srv, NPIPE << PIPE_ORDER, 256) < 0)
        return -1;
    struct cap_info eci = {0};
    sys_cap_inspect((uint32_t)srv, &eci);
    SH->srv_env = (uint32_t)eci.object;
    for (int i = 0; i < nblocks; i++) {
        long ro = sys_cap_derive(blocks[i], R_READ | R_GRANT, CAP_SELF);
        if (ro < 0 || exo_unmap(CAP_SELF, blocks[i]) != 1)
            return -1;
        long m = sys_cap_move(blocks[i], (uint32_t)srv);
        struct mmu_op op = {vas[i], (uint32_t)m, MMU_MAP | MMU_TCAP | MMU_W};
        if (m < 0 || sys_mmu_update((uint32_t)srv, &op, 1) != 1 ||
            exo_map(CAP_SELF, (uint32_t)ro, vas[i], 0) != 1)
            return -1;
        if (i < 1 + UNIX_FS_BLOCKS) {
            shared_ro[i] = (uint32_t)ro;
            shared_va[i] = vas[i];
            nshared = i + 1;
        }
    }
    if (unix_doorbell && sys_cap_derive(unix_doorbell, R_READ | R_WRITE, (uint32_t)srv) < 0)
        return -1;
    if (unix_console && sys_cap_derive(unix_console, R_READ, (uint32_t)srv) < 0)
        return -1;
    /* Its one kernel object of its own: its time slot (sys_env_quota). */
    long call = sys_cap_derive((uint32_t)srv, R_CALL | R_GRANT, CAP_SELF);
    if (call < 0 || sys_env_quota((uint32_t)srv, 1u << OBJ_SLOT, 1, 0, 0) < 0 ||
        sys_slot_alloc((uint32_t)srv, -1) < 0 || sys_env_start((uint32_t)srv) < 0)
        return -1;
    srv_original = (uint32_t)srv;
    unix_srv = (uint32_t)call;
    /* It takes calls once its main has run. */
    uint64_t r1;
    while (exo_pct_call2(unix_srv, U_NOP, 0, 0, &r1) == -E_INVAL)
        sys_yield(-1);
    /* Our page tables for the shm arena's range and the pipe rings (past
     * it), made once (they stay while we live, like the rest of our page
     * tables). */
    for (int t = 0; t < 2; t++) {
        long f = sys_frame_alloc(-1);
        if (f >= 0 && exo_map(CAP_SELF, (uint32_t)f, t ? UNIX_PIPE_VA : SHM_ARENA_VA, 0) == 1)
            sys_cap_delete((uint32_t)f);
    }
    return unix_bind(0);
}

void unix_init(const char *name)
{
    int first = !(exo_pte(UNIX_SHARED_VA) & PTE_P);
    uint32_t blocks[1 + UNIX_FS_BLOCKS];
    uint64_t vas[1 + UNIX_FS_BLOCKS];
    if (first) {
        /* The first process: make the shared state (struct shared, the file
         * system's 2 MiB blocks), writable until the server takes them
         * over. */
        for (int i = 0; i <= UNIX_FS_BLOCKS; i++) {
            vas[i] = i == 0 ? UNIX_SHARED_VA : UNIX_FS_VA + (uint64_t)(i - 1) * (2UL << 20);
            long b = sys_frame_alloc_in(CAP_SELF, -1, i == 0 ? UNIX_PROC_ORDER : 9);
            if (b < 0 || exo_map(CAP_SELF, (uint32_t)b, vas[i], MMU_W) != 1) {
                printf("unix: cannot set up the shared region (%ld)\n", b);
                sys_exit(127);
            }
            blocks[i] = (uint32_t)b;
        }
        SH->magic = SHARED_MAGIC;
        SH->next_pid = 1;
        memset(SH->fdtab, 0xff, sizeof SH->fdtab); /* (-1: closed) */
        struct proc *p = &SH->procs[0];
        p->pid = SH->next_pid++;
        p->state = PROC_RUNNING;
        p->env_id = exo_info->id;
        copy_name(p->name, name);
        mypid = p->pid;
    }
    if (first) {
        /* The doorbell, and the console (a root env may take it). Our
         * handlers come after the server's start: the table is not mapped
         * for a moment there, and the end of a slot looks at it. */
        if (sys_notify_create() < 0 || sys_dev_open(DEV_CONSOLE) < 0)
            printf("unix: no doorbell or console capability: waits will spin\n");
        doorbell_attach();
        fd_init_first();
        if (start_server(blocks, vas, 1 + UNIX_FS_BLOCKS) < 0) {
            printf("unix: cannot start the server (unixd)\n");
            sys_exit(127);
        }
        fd_attach();
    }
    exo_set_handler(UPCALL_PAGEFAULT, on_fault);
    exo_set_handler(UPCALL_EXCEPTION, segv);
    exo_set_handler(UPCALL_EPILOGUE, on_epilogue);
    exo_set_handler(UPCALL_EVENT, on_event);
    if (!first) {
        uint64_t token = exec_arrive(); /* who we are: pid, arguments */
        doorbell_attach();
        if (unix_bind(token) < 0)
            sys_exit(127);
        fd_attach();
    }
}

/* diskd in an env of ours (it ends with us): its block capability, a
 * sub-range of the disk's, goes into its table; the server gets a call
 * capability to it and becomes its one client (U_MOUNT). We keep the disk's
 * original capability: deleting it would take the sub-range back. */
static int mount_disk(uint64_t first, uint64_t count, int mode)
{
    if (mypid != 1) {
        errno = EPERM;
        return -1;
    }
    long disk = sys_dev_open(DEV_DISK);
    if (disk < 0) {
        errno = ENOENT;
        return -1;
    }
    if (count == 0) {
        struct cap_info ci = {0};
        sys_cap_inspect((uint32_t)disk, &ci);
        count = BLK_CAP_COUNT(ci.object) > first ? BLK_CAP_COUNT(ci.object) - first : 1;
    }
    /* (its cache and scratch: about 500 pages; and 32 for each client's
     * argument area, user/diskd.c) */
    long d = exo_spawn("diskd", 1536);
    if (d < 0) {
        sys_cap_delete((uint32_t)disk);
        errno = ENOMEM;
        return -1;
    }
    long blk = sys_blk_derive((uint32_t)disk, first, count, R_READ | R_WRITE, (uint32_t)d);
    long call = sys_cap_derive((uint32_t)d, R_CALL, srv_original);
    if (blk < 0 || call < 0) {
        sys_cap_delete((uint32_t)d);
        sys_cap_delete((uint32_t)disk);
        errno = EINVAL;
        return -1;
    }
    UNIX_ARG->x[0] = mode;
    int64_t r = unix_call(U_MOUNT, (uint64_t)call, (uint64_t)blk);
    return r < 0 ? -1 : (int)r;
}

int unix_mount_disk(uint64_t first, uint64_t count)
{
    return mount_disk(first, count, DISK_AT);
}

int unix_mount_root(uint64_t first, uint64_t count)
{
    return mount_disk(first, count, DISK_ROOT);
}

int unix_start_net(uint32_t dev, uint32_t ip, uint32_t mask, uint32_t gw)
{
    if (mypid != 1) {
        errno = EPERM;
        return -1;
    }
    long d = exo_spawn("netd", 4096);
    if (d < 0) {
        sys_cap_delete((uint32_t)dev);
        errno = ENOMEM;
        return -1;
    }
    /* netd gets the device (to receive and send), the doorbell (to ring
     * waiting processes), and the server a call capability to it. */
    long nc = sys_cap_derive(dev, R_READ | R_WRITE, (uint32_t)d);
    long db = unix_doorbell ? sys_cap_derive(unix_doorbell, R_READ | R_WRITE, (uint32_t)d) : -1;
    long call = sys_cap_derive((uint32_t)d, R_CALL, srv_original);
    /* (we keep netd's original: deleting it would end netd; the caller
     * keeps the device's, whose copies netd holds) */
    if (nc < 0 || db < 0 || call < 0) {
        sys_cap_delete((uint32_t)d);
        errno = EINVAL;
        return -1;
    }
    UNIX_ARG->x[0] = mask;
    return unix_call(U_NETD, (uint64_t)call, ip | (uint64_t)gw << 32) < 0 ? -1 : 0;
}

/* Maps the shared state (the process table, the memory file system) in
 * env, read-only, at its usual addresses: for a server env that is no Unix
 * process (httpd serves files from it), reading it as processes do. */
int unix_share_fs(uint32_t env)
{
    if (mypid != 1 || !nshared) {
        errno = EPERM;
        return -1;
    }
    for (int i = 0; i < nshared; i++) {
        long c = sys_cap_derive(shared_ro[i], R_READ, env);
        struct mmu_op op = {shared_va[i], (uint32_t)c, MMU_MAP | MMU_TCAP};
        if (c < 0 || sys_mmu_update(env, &op, 1) != 1) {
            errno = EINVAL;
            return -1;
        }
    }
    return 0;
}

pid_t getpid(void)
{
    return mypid;
}

/* Credentials: our entry in the process table (the server sets them). */
static uint32_t cred_get(int gid)
{
    uint32_t v;
    uint64_t s;
    do {
        s = sh_read_begin();
        struct proc *p = proc_of(mypid);
        v = p ? (gid ? p->gid : p->uid) : 0;
    } while (sh_read_retry(s));
    return v;
}

uid_t getuid(void)
{
    return cred_get(0);
}

gid_t getgid(void)
{
    return cred_get(1);
}

int setuid(uid_t uid)
{
    return unix_call(U_SETID, uid, (uint64_t)-1) < 0 ? -1 : 0;
}

int setgid(gid_t gid)
{
    return unix_call(U_SETID, (uint64_t)-1, gid) < 0 ? -1 : 0;
}

/* An orphan (its parent has exited: a zombie that lingers for it, or
 * gone) has init, pid 1, for parent, as on Linux. (The table keeps the
 * real parent: that process still reaps it.) */
pid_t getppid(void)
{
    int pp;
    uint64_t s;
    do {
        s = sh_read_begin();
        struct proc *p = proc_of(mypid), *pa = p && p->ppid ? proc_of(p->ppid) : NULL;
        pp = !p || !p->ppid ? 0 : pa && pa->state == PROC_RUNNING ? p->ppid : 1;
    } while (sh_read_retry(s));
    return pp;
}

/* ---- fork ---- */

/* In the child, right after exo_longjmp: its binding to the server, its
 * own slots in the page map. */
static void child_start(void)
{
    mypid = fork_child_pid;
    if (fork_child_caps[0]) {
        unix_srv = fork_child_caps[0];
        unix_doorbell = fork_child_caps[1];
        unix_console = fork_child_caps[2];
        srv_original = 0; /* (the first process's: it stays there) */
        chan_bind();
    } else {
        doorbell_attach();
    }
    if (unix_bind(fork_child_token) < 0)
        sys_exit(127);
    fd_attach();
    shm_child_attach(); /* the segments we inherited */
    /* Our parent's children are not ours; nor are those it reaped that
     * linger (their slots name other capabilities in our table: linger_reap
     * would delete whatever is there). */
    for (int i = 0; i < NPROC; i++)
        unix_hot.children[i].pid = 0;
    memset(lingering, 0, sizeof lingering);
    /* (No scan of our table for the page map: its cslot hints, from our
     * parent, name our copies; a fault that finds a hint wrong walks the
     * table, and our own fork's marking walk brings every slot up to date.) */
}

static int fork_scratch_map(void)
{
    for (uint64_t k = 0; k < FS_PAGES; k++)
        if (!(exo_pte(UNIX_FORK_VA + k * 4096) & PTE_P) &&
            sys_frame_map(CAP_SELF, UNIX_FORK_VA + k * 4096, MMU_W) < 0)
            return -1;
    return 0;
}

/* Write access back, in one batch, for the copy-on-write pages of
 * [lo, hi) that nobody shares any more (what on_fault does for one page
 * at its first write): for what fork writes before its walk (the page map,
 * the stack below us), which the last fork protected. The page map's marks
 * are cleared only once the batch is done (it may hold their own pages);
 * a page whose slot hint does not hold is left to its fault. */
static void regain(uint64_t lo, uint64_t hi)
{
    struct mmu_op ops[16];
    struct pmap_entry *pms[16];
    int n = 0;
    for (uint64_t va = lo & ~4095UL; va < hi; va += 4096) {
        struct pmap_entry *p = pmap_find(va >> 12, 0);
        struct cap_info ci;
        uint64_t pte = exo_pte(va);
        if (!p || !(p->flags & PM_COW) || !(pte & PTE_P) || (pte & PTE_W) ||
            sys_cap_inspect(p->slot, &ci) < 0 || ci.type != CAP_FRAME || ci.mapped_va != va ||
            ci.mapped_env != exo_info->id || ci.order || ci.children || !(ci.rights & R_WRITE))
            continue;
        pms[n] = p;
        ops[n++] = (struct mmu_op){0, p->slot, MMU_PROTECT | MMU_W | (pte & PTE_NX ? 0 : MMU_X)};
        if (n == 16 || va + 4096 >= hi) {
            if (sys_mmu_update(CAP_SELF, ops, (uint64_t)n) == n)
                for (int k = 0; k < n; k++)
                    pms[k]->flags &= ~PM_COW;
            n = 0;
        }
    }
    if (n && sys_mmu_update(CAP_SELF, ops, (uint64_t)n) == n)
        for (int k = 0; k < n; k++)
            pms[k]->flags &= ~PM_COW;
}

/* fork walks the capability table while it gives the child its pages; a
 * copy-on-write fault in the middle of that walk would change the table
 * under it (a fresh frame in a slot already passed, a deleted copy ahead).
 * So everything the walk writes is written once beforehand: a stretch of
 * stack below us and unix_hot (which holds the page map's counts). (The
 * page map and fork's buffers are never copy-on-write, nor is libexo's own
 * upcall state, on private pages.) */
static __attribute__((noinline)) void fork_pretouch(void)
{
    volatile char pad[16384];
    regain((uint64_t)pad, (uint64_t)pad + sizeof pad + 1024); /* (and our caller's frame) */
    for (size_t i = 0; i < sizeof pad; i += 1024)
        pad[i] = 0;
    pad[sizeof pad - 1] = 0;
    exo_touch(&unix_hot, sizeof unix_hot);
}

/* Gives the child env our address space, copy-on-write, in one walk of
 * our capability table: every frame we map gets a copy in the child's
 * table, mapped at the same address there (read-only unless shared), and
 * its entry in the page map is brought up to date (its slot) and marked
 * copy-on-write if writable here. The page map is written during the walk
 * but protected only at the very end, and fork_pretouch has made its
 * pages ours: the child, whose copies share its frames, sees every mark.
 * Our writable pages are listed in prot[] (*nprot) for fork to protect
 * once the walk is done. 1 on failure. */
static int fork_give(uint32_t env, int *nprot)
{
    struct cap_info *ci = FS_SCRATCH->ci;
    struct mmu_op *cops = FS_SCRATCH->cops;
    uint32_t *prot = FS_SCRATCH->prot;
    struct pmap_entry **cpm = FS_SCRATCH->cpm;
    int npmp = 0;
    uint32_t hot_slot = 0;
    uint64_t map_cap = pmap_cap, priv_lo, priv_hi;
    exo_private_range(&priv_lo, &priv_hi);
    uint64_t pct_lo, pct_hi;
    exo_pct_stack_range(&pct_lo, &pct_hi);
    /* The stack from here up to fork's caller's frame (above fork_jb's
     * stack pointer): see below. */
    uint64_t hot_lo = (uint64_t)__builtin_frame_address(0) & ~4095UL,
             hot_hi = (fork_jb[6] & ~4095UL) + FORK_HOT_ABOVE * 4096;
    /* The child starts at fork_jb's stack pointer: on the program's stack,
     * what lies more than a page below it is dead for the child. */
    uint64_t stack_floor =
        fork_jb[6] >= STACK_LO && fork_jb[6] < STACK_HI ? (fork_jb[6] & ~4095UL) - 4096 : STACK_LO;
    int fail = 0;
    /* The child's copies of the doorbell, the console and the server's call
     * capability (it finds them in its table, doorbell_attach). */
    /* The child's table fills in order (slots are taken one after another
     * in a new env), so we can tell where each copy lands: noted in the
     * page map (cslot) as a hint for the child's first faults. */
    long cnext = sys_cap_derive(unix_srv, R_CALL | R_GRANT, env) + 1;
    if (cnext <= 0)
        fail = 1;
    fork_child_caps[0] = cnext > 0 ? (uint32_t)(cnext - 1) : 0;
    fork_child_caps[1] = fork_child_caps[2] = 0;
    long d;
    if (unix_doorbell && (d = sys_cap_derive(unix_doorbell, R_READ | R_WRITE | R_GRANT, env)) < 0)
        fail = 1;
    else if (unix_doorbell)
        cnext = d + 1, fork_child_caps[1] = (uint32_t)d;
    if (unix_console && (d = sys_cap_derive(unix_console, R_READ | R_GRANT, env)) < 0)
        fail = 1;
    else if (unix_console)
        cnext = d + 1, fork_child_caps[2] = (uint32_t)d;
    for (uint32_t base = 0; base < NCAPSLOTS && !fail; base += 256) {
        long n = sys_cap_list(base, ci, 256);
        if (n < 0)
            break;
        int nc = 0;
        for (long i = 0; i < n && !fail; i++) {
            if (ci[i].type != CAP_FRAME || ci[i].mapped_env != exo_info->id)
                continue;
            uint64_t va = ci[i].mapped_va;
            uint32_t slot = base + (uint32_t)i, perms;
            if (va >= UNIX_FORK_VA && va < UNIX_FORK_VA + FS_PAGES * 4096)
                continue; /* the child maps its own */
            if (va >= UNIX_PMAP_VA && va < UNIX_PMAP_VA + 2 * UNIX_PMAP_AREA) {
                if (va >= (uint64_t)pmap && va < (uint64_t)(pmap + pmap_cap) &&
                    (size_t)npmp < sizeof FS_SCRATCH->pmp / sizeof FS_SCRATCH->pmp[0])
                    FS_SCRATCH->pmp[npmp].va = va, FS_SCRATCH->pmp[npmp++].slot = slot;
                continue; /* copied last, below */
            }
            if (va == UNIX_ARG_VA || /* ours alone: the child binds its own, */
                (va >= SHM_ARENA_VA && va < SHM_ARENA_VA + SHM_ARENA_PAGES * 4096UL) ||
                (va >= UNIX_PIPE_VA && va < UNIX_PIPE_VA + NPIPE * PIPE_STRIDE))
                continue; /* and asks for the segments and pipe rings it uses */
            if (va >= pct_lo && va < pct_hi && !exo_entries()->entry[UPCALL_PCT])
                continue; /* (no protected entry: no stack for it, exo_set_pct_entry) */
            if (va >= priv_lo && va < priv_hi) { /* the child's own, fresh */
                long f = sys_frame_alloc_in(env, -1, 0);
                if (f < 0) {
                    fail = 1;
                    break;
                }
                cnext = f + 1;
                cpm[nc] = NULL;
                cops[nc++] = (struct mmu_op){va, (uint32_t)f, MMU_MAP | MMU_TCAP | MMU_W};
                continue;
            }
            if (va >= STACK_LO && va < stack_floor)
                continue; /* (below where the child starts: dead, on demand there) */
            if (va >= UNIX_SHARED_VA && va < UNIX_SHARED_VA + UNIX_SHARED_SIZE) {
                /* shared, read-only (the server writes it) */
                cpm[nc] = NULL;
                cops[nc++] = (struct mmu_op){va, slot, MMU_COPY};
                continue;
            }
            uint64_t pte = exo_pte(va);
            struct pmap_entry *pm = NULL;
            if (!ci[i].order) { /* (blocks are read-only: never copy-on-write) */
                pm = pmap_find(va >> 12, 1);
                if (pm && pm->slot != slot) { /* (slots change from one process to the next) */
                    if (!pm->slot)
                        pmap_used++;
                    pm->slot = slot;
                }
                if (pm && (pte & PTE_W))
                    pm->flags |= PM_COW;
                if (!pm && (pte & PTE_W)) { /* (no room in the map: it could not be marked) */
                    fail = 1;
                    break;
                }
            }
            if (va == (uint64_t)&unix_hot) {
                hot_slot = slot; /* copied last, with the page map */
                if (pm)
                    pm->flags &= ~PM_COW;
                continue;
            }
            if (va >= hot_lo && va < hot_hi && (pte & PTE_W) && !ci[i].order) {
                /* A page of the stack that both sides write as soon as
                 * fork returns: the child gets its own copy now, and ours
                 * stays writable (two copy-on-write faults saved). */
                long g = sys_frame_copy(slot), c = -1;
                if (g < 0 || (c = sys_cap_move((uint32_t)g, env)) < 0) {
                    if (g >= 0)
                        sys_cap_delete((uint32_t)g);
                    fail = 1;
                    break;
                }
                if (pm)
                    pm->flags &= ~PM_COW;
                cnext = c + 1;
                cpm[nc] = NULL;
                cops[nc++] = (struct mmu_op){
                    va, (uint32_t)c, MMU_MAP | MMU_TCAP | MMU_W | (pte & PTE_NX ? 0 : MMU_X)};
                continue;
            }
            perms = pte & PTE_NX ? 0 : MMU_X;
            if (pte & PTE_W)
                prot[(*nprot)++] = slot | (perms & MMU_X ? 0x80000000u : 0);
            /* A copy of our capability, in the child's table, mapped there
             * (read-only unless shared: copy on write on both sides). */
            cpm[nc] = pm;
            cops[nc++] = (struct mmu_op){va, slot, MMU_COPY | perms};
        }
        if (pmap_cap != map_cap)
            return fail;             /* (cpm[] points into the old map: fork starts again) */
        for (int k = 0; k < nc; k++) /* (the copies take slots in this order) */
            if ((cops[k].op & 0xff) == MMU_COPY) {
                if (cpm[k])
                    cpm[k]->cslot = (uint32_t)cnext;
                cnext++;
            }
        if (nc && sys_mmu_update(env, cops, (uint64_t)nc) != nc)
            fail = 1;
    }
    /* The page map, now that every mark and hint is in: a private copy of
     * each of its pages for the child, made here, moved to its table and
     * mapped writable there. (The map grew meanwhile: fork starts again.) */
    if (pmap_cap != map_cap)
        return fail;
    if ((uint64_t)npmp != (pmap_cap * sizeof *pmap + 4095) / 4096 || !hot_slot)
        fail = 1; /* (a page of it not found: never, as long as it fits in pmp) */
    if (!fail)    /* (unix_hot, the last one: what the walk wrote in it, too) */
        FS_SCRATCH->pmp[npmp].va = (uint64_t)&unix_hot, FS_SCRATCH->pmp[npmp++].slot = hot_slot;
    for (int k = 0; k < npmp && !fail; k++) {
        long g = sys_frame_copy(FS_SCRATCH->pmp[k].slot), c = -1;
        if (g < 0 || (c = sys_cap_move((uint32_t)g, env)) < 0) {
            if (g >= 0)
                sys_cap_delete((uint32_t)g);
            fail = 1;
            break;
        }
        cops[k % 256] =
            (struct mmu_op){FS_SCRATCH->pmp[k].va, (uint32_t)c, MMU_MAP | MMU_TCAP | MMU_W};
        if ((k % 256 == 255 || k == npmp - 1) &&
            sys_mmu_update(env, cops, (uint64_t)(k % 256 + 1)) != k % 256 + 1)
            fail = 1;
    }
    return fail;
}

pid_t fork(void)
{
    if (fork_scratch_map() < 0) {
        errno = ENOMEM;
        return -1;
    }
    fork_pretouch(); /* (the map's slots are brought up to date by the walk, fork_give) */
    if (!pmap_cap && pmap_grow() < 0) { /* (made now, not in the middle of the walk) */
        errno = ENOMEM;
        return -1;
    }
    int slot_in_children = -1;
    for (int i = 0; i < NPROC && slot_in_children < 0; i++)
        if (!unix_hot.children[i].pid)
            slot_in_children = i;
    if (slot_in_children < 0) {
        errno = EAGAIN;
        return -1;
    }
    /* The server makes the child's entry (pid, descriptors, attachments)
     * and a token the child presents when it binds. */
    int64_t pid = unix_call(U_FORK, 0, 0);
    if (pid < 0)
        return -1;
    fork_child_token = (uint64_t)UNIX_ARG->x[0];
    /* The child's memory comes out of ours: half of what we have left,
     * within bounds. */
    uint64_t spare = exo_info->mem_quota - exo_info->mem_used;
    uint64_t q = spare / 2 < CHILD_QUOTA ? spare / 2 : CHILD_QUOTA;
    if (q < CHILD_QUOTA_MIN)
        q = CHILD_QUOTA_MIN; /* the kernel draws on our credit for it, if it can */
    /* After the fork we write our pages again, and every one the child
     * still shares costs a fresh frame: we must keep FORK_MARGIN pages to
     * spare once the child has its quota. Without it the child took all we
     * had, and if our credit had run dry meanwhile (other processes drew on
     * the same ancestors first: it depends on who ran when) we died of a
     * copy-on-write fault instead of seeing fork fail. sys_env_create is
     * the call that moves quota from our credit to us in one piece: an env
     * made with what we need and deleted at once leaves its quota with us. */
    if (spare < q + FORK_MARGIN) {
        long tmp = sys_env_create(q + FORK_MARGIN);
        if (tmp < 0) {
            unix_call(U_FORK_UNDO, (uint64_t)pid, 0);
            errno = tmp == -E_NOMEM ? ENOMEM : EAGAIN;
            return -1;
        }
        sys_cap_delete((uint32_t)tmp); /* its quota comes back to us */
    }
    long env;
    int fail, nprot;
    for (int attempt = 0;; attempt++) {
        env = sys_env_create(q);
        if (env >= 0) {
            sys_env_credit((uint32_t)env, CHILD_CREDIT, PARENT_KEEP);
            /* Objects (its time slot, its own children...) likewise. */
            sys_env_quota((uint32_t)env, OBJ_ALL, 0, ~0UL, PARENT_KEEP_OBJS);
        }
        if (env < 0) {
            unix_call(U_FORK_UNDO, (uint64_t)pid, 0);
            errno = env == -E_NOMEM ? ENOMEM : EAGAIN;
            return -1;
        }
        if (attempt == 0) {
            fork_child_pid = (int)pid;
            if (exo_setjmp(fork_jb)) {
                child_start();
                return 0;
            }
        }
        uint64_t map_cap = pmap_cap;
        nprot = 0;
        fail = fork_give((uint32_t)env, &nprot);
        if (fail || map_cap == pmap_cap)
            break;
        /* The page map grew during the walk (its new heap pages may lie
         * behind it, missed): again, with a new child, now that it is big
         * enough. */
        sys_cap_delete((uint32_t)env);
    }
    uint32_t *prot = FS_SCRATCH->prot;
    struct mmu_op *pops = FS_SCRATCH->pops;
    /* Only now our side becomes read-only: nothing above faulted on a page
     * it had just protected. */
    for (int i = 0; i < nprot && !fail; i += 256) {
        int np = 0;
        for (int k = i; k < nprot && k < i + 256; k++)
            pops[np++] = (struct mmu_op){0, prot[k] & 0x7fffffffu,
                                         MMU_PROTECT | (prot[k] & 0x80000000u ? MMU_X : 0)};
        if (sys_mmu_update(CAP_SELF, pops, (uint64_t)np) != np)
            fail = 1;
    }
    struct upcall_frame regs;
    memset(&regs, 0, sizeof regs);
    regs.rip = (uint64_t)exo_longjmp;
    regs.rsp = fork_jb[6];
    regs.rdi = (uint64_t)fork_jb;
    regs.rsi = 1;
    if (fail || sys_env_set_entries((uint32_t)env, exo_entries()) < 0 ||
        sys_env_set_regs((uint32_t)env, &regs) < 0 || sys_slot_alloc((uint32_t)env, -1) < 0 ||
        sys_env_start((uint32_t)env) < 0) {
        sys_cap_delete((uint32_t)env);
        unix_call(U_FORK_UNDO, (uint64_t)pid, 0);
        free_ghosts();
        errno = ENOMEM;
        return -1;
    }
    unix_hot.children[slot_in_children].pid = (int)pid;
    unix_hot.children[slot_in_children].cap = (uint32_t)env;
    return (int)pid;
}

/* ---- exit and wait ---- */

/* An exited process's env holds the originals of its children's envs:
 * were it to end, they would end with it. So it lingers, after U_EXIT (a
 * zombie to its parent, which may reap it meanwhile, its descriptors
 * closed), until every child has ended, as Unix hands orphans to init
 * (busybox's timeout: a watcher whose parent exits at once). Children
 * reaped while their env lingers in turn (waitpid) count too. Only if
 * unix_linger is set (the Linux personality): a native process's children
 * end with it, as before.
 *
 * A child reaped while its env lingers keeps its entry in the server's
 * table (a zombie: its pid is not reused, its own children keep their
 * parent) until its env has ended: then linger_reap frees it (U_REAP),
 * and with it the entries of its children, which ended before it. */

static void linger_keep(uint32_t cap, int pid)
{
    for (int i = 0; i < NPROC; i++)
        if (!lingering[i].cap) {
            lingering[i].cap = cap;
            lingering[i].pid = pid;
            return;
        }
    sys_cap_delete(cap); /* (no room: it ends now, as before) */
    unix_call(U_REAP, (uint64_t)pid, 0);
}

/* Deletes the capabilities of lingering envs that have ended and frees
 * their entries; how many still run. */
static int linger_reap(void)
{
    int live = 0;
    for (int i = 0; i < NPROC; i++) {
        if (!lingering[i].cap)
            continue;
        if (sys_env_status(lingering[i].cap) == -E_AGAIN) {
            live++;
        } else {
            sys_cap_delete(lingering[i].cap);
            lingering[i].cap = 0;
            unix_call(U_REAP, (uint64_t)lingering[i].pid, 0);
        }
    }
    return live;
}

static void linger(void)
{
    for (;;) {
        int live = linger_reap();
        for (int i = 0; i < NPROC; i++)
            live += unix_hot.children[i].pid && unix_hot.children[i].cap &&
                    sys_env_status(unix_hot.children[i].cap) == -E_AGAIN;
        if (!live)
            return;
        sys_block(0); /* EVENT_CHILD: one of them ended */
    }
}

void _exit(int status)
{
    unix_call(U_EXIT, (uint64_t)((status & 0xff) << 8), 0); /* (descriptors, attachments) */
    if (unix_linger)
        linger();
    sys_exit(status);
}

void exit(int status)
{
    _exit(status);
}

/* The wait status of an ended child env, from the kernel's account. */
static int status_of(long st)
{
    int kind = (int)(st >> 8), code = (int)(st & 0xff);
    if (kind == ENV_STATUS_EXIT)
        return code << 8;
    if (kind == ENV_STATUS_FAULT)
        return SIGSEGV;
    return SIGKILL;
}

pid_t waitpid(pid_t pid, int *status, int options)
{
    linger_reap(); /* (entries of children reaped before, whose envs have ended since) */
    for (;;) {
        int have = 0;
        for (int i = 0; i < NPROC; i++) {
            if (!unix_hot.children[i].pid || (pid > 0 && unix_hot.children[i].pid != pid))
                continue;
            have = 1;
            int s, killed, zombie;
            uint64_t seq;
            do {
                seq = sh_read_begin();
                struct proc *p = proc_of(unix_hot.children[i].pid);
                killed = p ? p->status : SIGKILL;
                zombie = p && p->state == PROC_ZOMBIE;
            } while (sh_read_retry(seq));
            int lingers = 0;
            if (unix_hot.children[i].cap) {
                long st = sys_env_status(unix_hot.children[i].cap);
                if (st == -E_AGAIN && !zombie)
                    continue;
                if (st == -E_AGAIN) {
                    /* It exited, its env lingers for its own children (_exit):
                     * its capability and its entry go when the env has
                     * ended (linger_reap). */
                    s = killed;
                    lingers = 1;
                    linger_keep(unix_hot.children[i].cap, unix_hot.children[i].pid);
                } else {
                    s = st < 0 ? SIGKILL : status_of(st);
                    if (zombie && WIFSIGNALED(killed) && killed)
                        s = killed; /* it ended by a signal (its fault handler said so) */
                    sys_cap_delete(unix_hot.children[i].cap);
                }
            } else {
                s = killed; /* we killed it */
            }
            if (!lingers)
                unix_call(U_REAP, (uint64_t)unix_hot.children[i].pid,
                          0); /* its entry is free again */
            pid_t done = unix_hot.children[i].pid;
            unix_hot.children[i].pid = 0;
            free_ghosts();
            if (status)
                *status = s;
            return done;
        }
        if (!have) {
            errno = ECHILD;
            return -1;
        }
        if (options & WNOHANG)
            return 0;
        if (unix_intr_hook && unix_intr_hook()) {
            errno = EINTR;
            return -1;
        }
        unix_block(); /* the kernel's EVENT_CHILD wakes us when a child ends */
    }
}

/* How many of our children have ended and wait to be reaped (waitpid),
 * without reaping any: for the Linux personality's SIGCHLD. */
int unix_children_ended(void)
{
    int n = 0;
    for (int i = 0; i < NPROC; i++) {
        if (!unix_hot.children[i].pid)
            continue;
        if (!unix_hot.children[i].cap || sys_env_status(unix_hot.children[i].cap) != -E_AGAIN) {
            n++;
            continue;
        }
        int zombie; /* (exited, its env lingering for its own children) */
        uint64_t seq;
        do {
            seq = sh_read_begin();
            struct proc *p = proc_of(unix_hot.children[i].pid);
            zombie = p && p->state == PROC_ZOMBIE;
        } while (sh_read_retry(seq));
        n += zombie;
    }
    return n;
}

int unix_ended_child(pid_t *pid, int *status)
{
    for (int i = 0; i < NPROC; i++) {
        if (!unix_hot.children[i].pid)
            continue;
        int killed, zombie;
        uint64_t seq;
        do {
            seq = sh_read_begin();
            struct proc *p = proc_of(unix_hot.children[i].pid);
            killed = p ? p->status : SIGKILL;
            zombie = p && p->state == PROC_ZOMBIE;
        } while (sh_read_retry(seq));
        int s = killed;
        if (unix_hot.children[i].cap) {
            long st = sys_env_status(unix_hot.children[i].cap);
            if (st == -E_AGAIN && !zombie)
                continue;
            if (st != -E_AGAIN) {
                s = st < 0 ? SIGKILL : status_of(st);
                if (zombie && WIFSIGNALED(killed) && killed)
                    s = killed;
            }
        }
        *pid = unix_hot.children[i].pid;
        *status = s;
        return 1;
    }
    return 0;
}

pid_t wait(int *status)
{
    return waitpid(-1, status, 0);
}

int kill(pid_t pid, int sig)
{
    if (sig != SIGKILL && sig != SIGTERM && sig != SIGINT) {
        errno = EINVAL;
        return -1;
    }
    for (int i = 0; i < NPROC; i++) {
        if (!pid || unix_hot.children[i].pid != pid || !unix_hot.children[i].cap)
            continue;
        /* Our child: deleting our original of its env ends it at once. */
        sys_cap_delete(unix_hot.children[i].cap);
        unix_hot.children[i].cap = 0;
        unix_call(U_KILLED, (uint64_t)pid, (uint64_t)sig); /* it ran no exit of its own */
        return 0;
    }
    /* Another process: its parent holds the authority over its env, so the
     * server leaves the signal in the table (and rings it); the process acts
     * on it at the end of its current time slot or when it next waits
     * (check_signals). Killing oneself is EPERM (no signal handlers). */
    return unix_call(U_SIGNAL, (uint64_t)pid, (uint64_t)sig) < 0 ? -1 : 0;
}

int unix_sigsend(pid_t pid, int sig)
{
    return unix_call(U_SIGNAL, (uint64_t)pid, (uint64_t)sig) < 0 ? -1 : 0;
}

/* ---- time ---- */

int usleep(unsigned usec)
{
    uint64_t until = __builtin_ia32_rdtsc() + (uint64_t)usec * exo_info->tsc_per_ms / 1000;
    for (uint64_t now; (now = __builtin_ia32_rdtsc()) < until;) {
        check_signals(); /* a kill ends a sleeping process (it rings us) */
        uint64_t left = (until - now) * 1000 / exo_info->tsc_per_ms;
        UNIX_ARG->asleep = 1;
        sys_block(left ? left : 1); /* asleep: no CPU time until then */
        UNIX_ARG->asleep = 0;
    }
    check_signals();
    return 0;
}

unsigned sleep(unsigned seconds)
{
    for (unsigned s = 0; s < seconds; s++)
        usleep(1000000);
    return 0;
}

/* ---- exec ---- */

#define EXEC_SCRATCH_VA 0x00006c0000000000UL

struct elf_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static char *exec_argv[EXEC_MAXARG + 1];
static int exec_argc;

int unix_args(char ***argv)
{
    *argv = exec_argv;
    return exec_argc;
}

/* A new process image's first steps (called from unix_init). */
static uint64_t exec_arrive(void)
{
    const struct exec_info *x = (const struct exec_info *)EXEC_INFO_VA;
    if (!(exo_pte(EXEC_INFO_VA) & PTE_P) || x->magic != EXEC_MAGIC)
        return 0;
    mypid = x->pid;
    exec_argc = x->argc;
    for (int i = 0; i < x->argc && i < EXEC_MAXARG; i++)
        exec_argv[i] = (char *)x->strings + x->argv_off[i];
    exec_argv[exec_argc] = NULL;
    for (int i = 0; i < NPROC; i++) {
        unix_hot.children[i].pid = x->child_pid[i];
        unix_hot.children[i].cap = x->child_cap[i];
        lingering[i].pid = x->linger_pid[i];
        lingering[i].cap = x->linger_cap[i];
    }
    fd_import(x->cwd);
    return x->token;
}

struct page_plan {
    uint64_t va;
    uint32_t slot; /* a frame of ours, moved to the new env at the end */
    uint16_t perms;
    uint16_t order; /* a block of 2^order frames (read-only pages: see execv) */
};

/* Makes (or finds) the page at va in the plan and maps it at the scratch address. */
static struct page_plan *plan_page(struct page_plan *plan, int *n, int max, uint64_t va)
{
    for (int i = 0; i < *n; i++)
        if (plan[i].va == va && !plan[i].order) {
            exo_map(CAP_SELF, plan[i].slot, EXEC_SCRATCH_VA, MMU_W);
            return &plan[i];
        }
    if (*n == max)
        return NULL;
    long f = sys_frame_alloc(-1);
    if (f < 0 || exo_map(CAP_SELF, (uint32_t)f, EXEC_SCRATCH_VA, MMU_W) != 1)
        return NULL;
    plan[*n] = (struct page_plan){va, (uint32_t)f, 0, 0};
    return &plan[(*n)++];
}

/* The pages of segment i of an image that only it has (not its end pages,
 * which a neighbour may share): [*lo, *hi), empty if another segment
 * reaches into them. */
static void own_pages(const struct elf_phdr *ph, int phnum, int i, uint64_t *lo, uint64_t *hi)
{
    *lo = (ph[i].vaddr & ~4095UL) + 4096;
    *hi = ((ph[i].vaddr + ph[i].memsz + 4095) & ~4095UL) - 4096;
    for (int j = 0; j < phnum && *lo < *hi; j++)
        if (j != i && ph[j].type == 1 && ph[j].memsz && ph[j].vaddr < *hi &&
            ph[j].vaddr + ph[j].memsz > *lo)
            *hi = *lo;
}

/* A read-only segment's own pages in blocks of 8 to 512 frames (one
 * capability each: a fork of the new program copies a few of them instead
 * of one per page), filled through the scratch address; returns where the
 * blocks end (the pages from there on are planned one by one). */
static uint64_t plan_blocks(struct page_plan *plan, int *n, int max, uint64_t lo, uint64_t hi,
                            uint32_t perms, const uint8_t *img, const struct elf_phdr *ph)
{
    while (hi - lo >= 8 * 4096UL && *n < max) {
        uint32_t k = 3;
        while (k < FRAME_MAX_ORDER && (4096UL << (k + 1)) <= hi - lo)
            k++;
        long f = sys_frame_alloc_in(CAP_SELF, -1, k);
        if (f < 0)
            break;
        if (exo_map(CAP_SELF, (uint32_t)f, EXEC_SCRATCH_VA, MMU_W) != 1) {
            sys_cap_delete((uint32_t)f);
            break;
        }
        uint64_t end = lo + (4096UL << k), flo = ph->vaddr, fhi = ph->vaddr + ph->filesz;
        uint64_t a = lo > flo ? lo : flo, b = end < fhi ? end : fhi;
        if (a < b)
            memcpy((char *)EXEC_SCRATCH_VA + (a - lo), img + ph->offset + (a - flo), b - a);
        exo_unmap(CAP_SELF, (uint32_t)f);
        plan[(*n)++] = (struct page_plan){lo, (uint32_t)f, (uint16_t)perms, (uint16_t)k};
        lo = end;
    }
    return lo;
}

/* Whether img (an ELF file of size bytes) carries crt0's "Spinel" note: a
 * program of this system. Any other ELF is a Linux program. */
static int spinel_program(const uint8_t *img, uint64_t size)
{
    const struct elf_ehdr *eh = (const struct elf_ehdr *)img;
    if (eh->phentsize != sizeof(struct elf_phdr) || eh->phoff > size ||
        (uint64_t)eh->phnum * sizeof(struct elf_phdr) > size - eh->phoff)
        return 0;
    const struct elf_phdr *ph = (const struct elf_phdr *)(img + eh->phoff);
    for (int i = 0; i < eh->phnum; i++) {
        if (ph[i].type != 4 || ph[i].offset > size || ph[i].filesz > size - ph[i].offset)
            continue;
        for (uint64_t o = 0; o + 20 <= ph[i].filesz;) {
            const uint32_t *n = (const uint32_t *)(img + ph[i].offset + o);
            if (n[0] == 7 && n[2] == 1 && memcmp(n + 3, "Spinel", 7) == 0)
                return 1;
            o += 12 + ((n[0] + 3) & ~3UL) + ((n[1] + 3) & ~3UL);
        }
    }
    return 0;
}

/* A Linux program runs under the personality: /bin/linux PATH ARGV... */
static int exec_linux(const char *path, char *const argv[])
{
    char *nargv[EXEC_MAXARG + 1];
    int n = 0;
    nargv[n++] = "linux";
    nargv[n++] = (char *)path;
    for (int i = 0; argv && argv[i]; i++) {
        if (n == EXEC_MAXARG) {
            errno = E2BIG;
            return -1;
        }
        nargv[n++] = argv[i];
    }
    nargv[n] = NULL;
    return execv("/bin/linux", nargv);
}

int execv(const char *path, char *const argv[])
{
    /* Read the whole program. */
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        st.st_size < (int64_t)sizeof(struct elf_ehdr)) {
        close(fd);
        errno = ENOEXEC;
        return -1;
    }
    uint8_t *img = malloc((size_t)st.st_size);
    int64_t got = 0; /* (a disk file comes a page at a time) */
    for (ssize_t n = 1; img && got < st.st_size && n > 0; got += n > 0 ? n : 0)
        n = read(fd, img + got, (size_t)(st.st_size - got));
    if (!img || got != st.st_size) {
        close(fd);
        free(img);
        errno = img ? EIO : ENOMEM;
        return -1;
    }
    close(fd);
    const struct elf_ehdr *eh = (const struct elf_ehdr *)img;
    uint64_t size = (uint64_t)st.st_size;
    if (memcmp(eh->ident,
               "\x7f"
               "ELF",
               4) == 0 &&
        !spinel_program(img, size) && strcmp(path, "/bin/linux") != 0) {
        free(img);
        return exec_linux(path, argv);
    }
    if (memcmp(eh->ident,
               "\x7f"
               "ELF",
               4) != 0 ||
        eh->ident[4] != 2 || eh->type != 2 || eh->machine != 62 ||
        eh->phentsize != sizeof(struct elf_phdr) || eh->phnum == 0 || eh->phnum > 16 ||
        eh->phoff > size || eh->phnum * sizeof(struct elf_phdr) > size - eh->phoff) {
        free(img);
        errno = ENOEXEC;
        return -1;
    }
    const struct elf_phdr *ph = (const struct elf_phdr *)(img + eh->phoff);
    int argc = 0;
    size_t strbytes = 0;
    while (argv && argv[argc]) {
        strbytes += strlen(argv[argc]) + 1;
        if (++argc > EXEC_MAXARG || strbytes > 1024) {
            free(img);
            errno = E2BIG;
            return -1;
        }
    }

    /* (The plan of the image's pages: from the heap at the first exec, not
     * in bss, where it would be mapped in every process and given to every
     * child of a fork.) */
    static struct page_plan *plan;
    if (!plan && !(plan = malloc(1024 * sizeof *plan))) {
        free(img);
        errno = ENOMEM;
        return -1;
    }
    /* The new env gets all our spare memory but what building its image
     * takes meanwhile (its pages are ours until handed over) and a margin. */
    uint64_t need = 17 + 64;
    for (int i = 0; i < eh->phnum; i++)
        if (ph[i].type == 1)
            need += ph[i].memsz / 4096 + 2;
    uint64_t spare = exo_info->mem_quota - exo_info->mem_used;
    long n = sys_env_create(spare > 2 * need + 256 ? spare - need
                                                   : need + 256); /* (may draw on our credit) */
    if (n < 0) {
        free(img);
        errno = ENOMEM;
        return -1;
    }
    /* It takes our place: its objects come out of ours (and what we have
     * left goes to it when we end). */
    sys_env_quota((uint32_t)n, OBJ_ALL, 0, ~0UL, 0);
    /* Build the new image in frames of our own. */
    int np = 0, bad = 0;
    for (int i = 0; i < eh->phnum && !bad; i++) {
        if (ph[i].type != 1 || ph[i].memsz == 0)
            continue;
        if (ph[i].filesz > ph[i].memsz || ph[i].offset > size ||
            ph[i].filesz > size - ph[i].offset || ph[i].vaddr < USER_MIN ||
            ph[i].vaddr + ph[i].memsz > USER_STACK_TOP - (64 << 10)) {
            bad = ENOEXEC;
            break;
        }
        uint32_t perms = (ph[i].flags & 2 ? MMU_W : 0) | (ph[i].flags & 1 ? MMU_X : 0);
        uint64_t blo = 0, bhi = 0;
        if (!(perms & MMU_W)) {
            own_pages(ph, eh->phnum, i, &blo, &bhi);
            if (blo < bhi)
                bhi = plan_blocks(plan, &np, 1024, blo, bhi, perms, img, &ph[i]);
        }
        for (uint64_t va = ph[i].vaddr & ~4095UL; va < ph[i].vaddr + ph[i].memsz; va += 4096) {
            if (va >= blo && va < bhi)
                continue; /* (in a block) */
            struct page_plan *pp = plan_page(plan, &np, 1024, va);
            if (!pp) {
                bad = ENOMEM;
                break;
            }
            pp->perms |= perms;
            uint64_t lo = va > ph[i].vaddr ? va : ph[i].vaddr;
            uint64_t hi =
                va + 4096 < ph[i].vaddr + ph[i].filesz ? va + 4096 : ph[i].vaddr + ph[i].filesz;
            if (lo < hi)
                memcpy((char *)EXEC_SCRATCH_VA + (lo - va), img + ph[i].offset + (lo - ph[i].vaddr),
                       hi - lo);
            exo_unmap(CAP_SELF, pp->slot);
        }
    }
    free(img);
    /* The stack, and the page that tells the new program who it is. */
    for (int k = 1; k <= 16 && !bad; k++) {
        struct page_plan *pp = plan_page(plan, &np, 1024, USER_STACK_TOP - (uint64_t)k * 4096);
        if (!pp)
            bad = ENOMEM;
        else {
            pp->perms = MMU_W;
            exo_unmap(CAP_SELF, pp->slot);
        }
    }
    struct page_plan *xp = bad ? NULL : plan_page(plan, &np, 1024, EXEC_INFO_VA);
    if (!bad && !xp)
        bad = ENOMEM;
    if (xp) {
        struct exec_info *x = (struct exec_info *)EXEC_SCRATCH_VA;
        memset(x, 0, sizeof *x);
        x->magic = EXEC_MAGIC;
        x->pid = mypid;
        x->argc = argc;
        for (int i = 0, off = 0; i < argc; i++) {
            x->argv_off[i] = (uint32_t)off;
            strcpy(x->strings + off, argv[i]);
            off += (int)strlen(argv[i]) + 1;
        }
        fd_export(x->cwd); /* (descriptors stay with the pid, in the server's table) */
        /* Our children become its children, and so do those we reaped
         * that linger. */
        for (int i = 0; i < NPROC; i++) {
            long s = unix_hot.children[i].pid && unix_hot.children[i].cap
                         ? sys_cap_move(unix_hot.children[i].cap, (uint32_t)n)
                         : 0;
            x->child_pid[i] = s > 0 ? unix_hot.children[i].pid : 0;
            x->child_cap[i] = s > 0 ? (uint32_t)s : 0;
            s = lingering[i].cap ? sys_cap_move(lingering[i].cap, (uint32_t)n) : 0;
            x->linger_pid[i] = s > 0 ? lingering[i].pid : 0;
            x->linger_cap[i] = s > 0 ? (uint32_t)s : 0;
        }
        xp->perms = MMU_W;
        exo_unmap(CAP_SELF, xp->slot);
    }
    if (bad) {
        for (int i = 0; i < np; i++)
            sys_cap_delete(plan[i].slot);
        sys_cap_delete((uint32_t)n);
        errno = bad;
        return -1;
    }
    /* The server renames us, drops our segments (the new image starts with
     * none attached) and gives the token the new image binds with. (From
     * here on a failure for want of memory leaves them so.) */
    const char *base = path;
    for (const char *c = path; *c; c++)
        if (*c == '/')
            base = c + 1;
    size_t bl = strlen(base) < 31 ? strlen(base) : 31;
    memcpy(UNIX_ARG->data, base, bl);
    UNIX_ARG->data[bl] = 0;
    if (unix_call(U_EXEC, 0, 0) < 0 || exo_map(CAP_SELF, xp->slot, EXEC_SCRATCH_VA, MMU_W) != 1) {
        for (int i = 0; i < np; i++)
            sys_cap_delete(plan[i].slot);
        sys_cap_delete((uint32_t)n);
        return -1;
    }
    ((struct exec_info *)EXEC_SCRATCH_VA)->token = (uint64_t)UNIX_ARG->x[0];
    exo_unmap(CAP_SELF, xp->slot);
    /* Hand the pages over and map them in the new env. */
    for (int i = 0; i < np && !bad; i++) {
        long s = sys_cap_move(plan[i].slot, (uint32_t)n);
        struct mmu_op op = {plan[i].va, (uint32_t)s, MMU_MAP | MMU_TCAP | plan[i].perms};
        if (s < 0 || sys_mmu_update((uint32_t)n, &op, 1) != 1)
            bad = ENOMEM;
        else
            plan[i].slot = 0;
    }
    struct upcall_frame regs;
    memset(&regs, 0, sizeof regs);
    regs.rip = eh->entry;
    regs.rsp = USER_STACK_TOP;
    if (bad || sys_env_set_regs((uint32_t)n, &regs) < 0 || sys_slot_alloc((uint32_t)n, -1) < 0) {
        for (int i = 0; i < np; i++)
            if (plan[i].slot)
                sys_cap_delete(plan[i].slot);
        sys_cap_delete((uint32_t)n);
        errno = bad ? bad : ENOMEM;
        return -1;
    }
    /* The shared region last: our own (read-only) capabilities move to the
     * new env (a copy derived from ours would die with us), and so does our
     * call capability to the server; the new image binds with the token
     * (its entry in the table names it from then on). From here on we no
     * longer see the shared region, so no handler of ours may look at it:
     * the end of a slot just preempts us. */
    exo_set_handler(UPCALL_EPILOGUE, 0);
    static struct cap_info ci[256];
    static struct {
        uint64_t va;
        uint32_t slot;
    } shared[UNIX_SHARED_SIZE >> 21];
    int ns = 0;
    for (uint32_t base = 0; base < NCAPSLOTS; base += 256) {
        exo_touch(ci, sizeof ci);
        long cnt = sys_cap_list(base, ci, 256);
        if (cnt < 0)
            break;
        for (long i = 0; i < cnt; i++)
            if (ci[i].type == CAP_FRAME && ci[i].mapped_env == exo_info->id &&
                ci[i].mapped_va >= UNIX_SHARED_VA &&
                ci[i].mapped_va < UNIX_SHARED_VA + UNIX_SHARED_SIZE &&
                ns < (int)(sizeof shared / sizeof shared[0])) {
                shared[ns].va = ci[i].mapped_va;
                shared[ns++].slot = base + (uint32_t)i;
            }
    }
    if (unix_doorbell)
        sys_cap_move(unix_doorbell, (uint32_t)n);
    if (unix_console)
        sys_cap_move(unix_console, (uint32_t)n);
    sys_cap_move(unix_srv, (uint32_t)n);
    if (srv_original) /* (the first process: the server lives as long as it) */
        sys_cap_move(srv_original, (uint32_t)n);
    for (int i = 0; i < ns; i++) {
        exo_unmap(CAP_SELF, shared[i].slot);
        long c = sys_cap_move(shared[i].slot, (uint32_t)n);
        struct mmu_op op = {shared[i].va, (uint32_t)c, MMU_MAP | MMU_TCAP}; /* read-only */
        if (c >= 0)
            sys_mmu_update((uint32_t)n, &op, 1);
    }
    sys_env_replace((uint32_t)n);
    errno = EINVAL; /* not reached */
    return -1;
}
