/* unixd: the Unix library OS's server. It alone maps the shared state
 * (struct shared and the file system) writable; every process maps it
 * read-only and asks for each update with a protected call (sys_pct_call),
 * which runs this code on the caller's time. See README.md.
 *
 * Calls are serialized by the kernel (a call into a server that serves
 * another gets E_AGAIN and the client retries), so nothing here needs a
 * lock: the server's state is touched by one call at a time. Readers in the
 * processes see updates through a sequence count (seq, odd while an update
 * is under way).
 *
 * Trust: the caller is the process whose table entry has the env id the
 * kernel passes (r8), never what the argument page says. Every descriptor,
 * pid, offset, length and page index is checked against the caller's own
 * entries; the argument page is the caller's, so it may change under us
 * only by the caller's own hand (its threads are stopped while it calls). */
#include "../unix_internal.h"
#include "../../exo/exo.h"
#include "../../c/libc.h"
#include "../../diskfs/diskfs.h"
#include "../../diskfs/diskd.h"
#include "../../net/netd.h"

#define PAGE 4096UL

static int64_t dcall(uint64_t op, uint64_t a1, uint64_t a2);         /* a call to diskd */
static int64_t ncall(uint64_t op, int me, uint64_t a1, uint64_t a2); /* a call to netd */

static struct fs fs; /* the writer's handle */
static uint32_t doorbell, console;

/* Per process slot: the secret a new image or forked child presents at
 * U_BIND, and the argument page (our original, mapped at SRV_ARGS_VA). */
static struct {
    uint64_t token;
    uint32_t page; /* capability slot, 0: none */
} binding[NPROC];
static uint64_t token_state;
static uint64_t repairs;       /* calls found cut short */
static uint8_t slot_hint[256]; /* env index (low byte of its id) -> its slot in procs, a guess */

#define ARG(i) ((struct unix_arg *)(SRV_ARGS_VA + (uint64_t)(i)*PAGE))

int errno; /* (libc's printf wants one) */

static void ring(uint64_t chans)
{
    for (; chans; chans &= chans - 1)
        sys_notify_signal(doorbell, (uint32_t)__builtin_ctzl(chans));
}

/* A token no other process can guess: a mix of a counter and the time
 * stamp counter, through splitmix64's finalizer. Never 0. */
static uint64_t new_token(void)
{
    uint64_t z = (token_state += 0x9e3779b97f4a7c15UL) ^ __builtin_ia32_rdtsc();
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
    z ^= z >> 31;
    return z ? z : 1;
}

/* A path from the argument page into buf: bounded and terminated; only
 * absolute paths (the client joins its working directory). */
static int get_path(int me, char *buf)
{
    memcpy(buf, ARG(me)->data, PATH_MAX);
    buf[PATH_MAX - 1] = 0;
    return buf[0] == '/' ? 0 : UNIX_ERR(EINVAL);
}

static int fs_errno(int r)
{
    return r < 0 ? (int)UNIX_ERR(-r) : (int)UNIX_ERR(EIO);
}

/* ---- pipes ---- */

/* Each pipe's ring is a block of frames of ours (pipe_page), mapped here at
 * PIPE_RING(i) and given to the processes that hold an end (U_PIPEMAP).
 * We never trust what is on it: we only ring the channels it names. */
static uint32_t pipe_page[NPIPE]; /* capability slot, 0: the pipe is free */
static int repairing;             /* counts are being recomputed: no pipe is released yet */

/* Rings the processes a pipe's ring says wait (mask: rwait or wwait). */
static void ring_waiters(volatile uint64_t *mask)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* (our count first, then their mask) */
    ring(__atomic_exchange_n(mask, 0, __ATOMIC_SEQ_CST));
}

/* Both ends gone: the frame goes, and every process's copy with it. */
static void pipe_release(int i)
{
    struct pipe *p = &SH->pipes[i];
    if (p->readers || p->writers || !pipe_page[i] || repairing)
        return;
    sys_cap_delete(pipe_page[i]); /* (unmapped here and in every process) */
    pipe_page[i] = 0;
}

/* A copy of pipe i's ring for the caller (slot returned; pipe, gen in x). */
static int64_t pipe_give(int me, int i)
{
    long c = sys_pct_give(pipe_page[i], R_READ | R_WRITE);
    if (c < 0)
        return UNIX_ERR(ENOMEM);
    ARG(me)->x[0] = i;
    ARG(me)->x[1] = SH->pipes[i].gen;
    return c;
}

/* ---- open file descriptions ---- */

static int ofile_new(int type, int flags)
{
    for (int i = 0; i < NOFILE_SYS; i++) {
        struct ofile *o = &SH->ofiles[i];
        if (o->type == OF_FREE) {
            memset(o, 0, sizeof *o);
            o->type = type;
            o->flags = flags;
            o->refs = 1;
            return i;
        }
    }
    return -1;
}

/* Drops one reference; the last one releases what it holds. */
static void ofile_put(int i)
{
    struct ofile *o = &SH->ofiles[i];
    if (--o->refs > 0)
        return;
    if ((o->type == OF_FILE || o->type == OF_DIR) && o->disk) {
        dcall(DISKD_CLOSE, o->ino, 0);
    } else if (o->type == OF_FILE || o->type == OF_DIR) {
        fs_unref(&fs, o->ino);
    } else if (o->type == OF_PIPE_R) {
        struct pipe *p = &SH->pipes[o->pipe];
        if (--p->readers == 0 && pipe_page[o->pipe]) /* writers waiting for room get EPIPE */
            ring_waiters(&PIPE_RING(o->pipe)->wwait);
        pipe_release(o->pipe);
    } else if (o->type == OF_SOCK) {
        ncall(NETD_CLOSE, 0, (uint64_t)o->sock, 0);
    } else if (o->type == OF_PIPE_W) {
        struct pipe *p = &SH->pipes[o->pipe];
        if (--p->writers == 0 && pipe_page[o->pipe]) /* readers waiting for data get end of file */
            ring_waiters(&PIPE_RING(o->pipe)->rwait);
        pipe_release(o->pipe);
    }
    o->type = OF_FREE;
}

/* The description behind descriptor fd of process slot me, or NULL. */
static struct ofile *of(int me, int64_t fd)
{
    if (fd < 0 || fd >= NOFILE || SH->fdtab[me][fd] < 0)
        return NULL;
    return &SH->ofiles[SH->fdtab[me][fd]];
}

static int fd_alloc(int me)
{
    for (int fd = 0; fd < NOFILE; fd++)
        if (SH->fdtab[me][fd] < 0)
            return fd;
    return -1;
}

static void close_all(int me)
{
    for (int fd = 0; fd < NOFILE; fd++)
        if (SH->fdtab[me][fd] >= 0) {
            ofile_put(SH->fdtab[me][fd]);
            SH->fdtab[me][fd] = -1;
        }
}

/* ---- shared memory segments ----
 * The table is ours; the pages are frames we allocate when a segment is
 * made (zeroed) and free when it goes. A process maps a segment's pages
 * only while it is attached: shmat gives it copies of our capabilities
 * (R_READ | R_WRITE, no R_GRANT), which it maps at the segment's place in
 * the arena's address range and deletes at its last detach; freeing the
 * segment deletes our originals, and with them any copy a process kept. */
static uint32_t seg_page[SHM_ARENA_PAGES]; /* our capability for each arena page in use */

static int page_used(uint32_t i)
{
    return (SH->shm_map[i / 64] >> (i % 64)) & 1;
}

static void mark_pages(uint32_t first, uint32_t n, int used)
{
    for (uint32_t i = first; i < first + n; i++) {
        if (used)
            SH->shm_map[i / 64] |= 1UL << (i % 64);
        else
            SH->shm_map[i / 64] &= ~(1UL << (i % 64));
    }
}

static long first_fit(uint32_t n)
{
    uint32_t run = 0;
    for (uint32_t i = 0; i < SHM_ARENA_PAGES; i++) {
        run = page_used(i) ? 0 : run + 1;
        if (run == n)
            return (long)(i + 1 - n);
    }
    return -1;
}

static struct shm_seg *seg_of(int64_t id)
{
    if (id < 0 || id > INT32_MAX)
        return NULL;
    struct shm_seg *s = &SH->shm[id % NSHM];
    return s->state != SHM_FREE && s->id == id ? s : NULL;
}

/* A removed segment nobody has attached any more: its pages go back. */
static void seg_release(struct shm_seg *s)
{
    if (s->state != SHM_REMOVED || s->nattch > 0)
        return;
    mark_pages(s->first, s->npages, 0);
    for (uint32_t p = s->first; p < s->first + s->npages; p++) {
        sys_cap_delete(seg_page[p]); /* (every copy goes with it: unmapped everywhere) */
        seg_page[p] = 0;
    }
    s->state = SHM_FREE;
}

/* Copies of segment s's pages for the caller: their slots in its table on
 * its argument page, their number in x[0]. A shortfall gives back what it
 * gave (x[0] still says how many, for the caller to delete). */
static int64_t give_pages(int me, const struct shm_seg *s)
{
    uint32_t *slots = (uint32_t *)ARG(me)->data;
    ARG(me)->x[0] = 0;
    for (uint32_t k = 0; k < s->npages; k++) {
        long c = sys_pct_give(seg_page[s->first + k], R_READ | R_WRITE);
        if (c < 0)
            return UNIX_ERR(ENOMEM);
        slots[k] = (uint32_t)c;
        ARG(me)->x[0] = k + 1;
    }
    return s->first;
}

static int64_t shm_get(int me, int64_t key, int64_t size, int flags)
{
    if (key != IPC_PRIVATE) {
        for (int i = 0; i < NSHM; i++) {
            struct shm_seg *s = &SH->shm[i];
            if (s->state != SHM_USED || s->key != key)
                continue;
            if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
                return UNIX_ERR(EEXIST);
            if ((uint64_t)size > s->size)
                return UNIX_ERR(EINVAL);
            return s->id;
        }
        if (!(flags & IPC_CREAT))
            return UNIX_ERR(ENOENT);
    }
    if (size <= 0 || (uint64_t)size > SHM_ARENA_PAGES * PAGE)
        return UNIX_ERR(EINVAL);
    int slot = -1;
    for (int i = 0; i < NSHM && slot < 0; i++)
        if (SH->shm[i].state == SHM_FREE)
            slot = i;
    if (slot < 0)
        return UNIX_ERR(ENOSPC);
    uint32_t n = (uint32_t)(((uint64_t)size + PAGE - 1) / PAGE);
    long first = first_fit(n);
    if (first < 0)
        return UNIX_ERR(ENOMEM);
    struct shm_seg *s = &SH->shm[slot];
    int gen = s->id / NSHM + 1; /* the slot's next generation */
    if (gen >= (1 << 24))
        gen = 1;
    memset(s, 0, sizeof *s);
    s->state = SHM_USED;
    s->id = gen * NSHM + slot;
    s->key = (key_t)key;
    s->mode = flags & 0777;
    s->cpid = SH->procs[me].pid;
    s->size = (size_t)size;
    s->first = (uint32_t)first;
    s->npages = n;
    for (uint32_t k = 0; k < n; k++) { /* (frames come zeroed) */
        long f = sys_frame_alloc(-1);
        if (f < 0) {
            while (k > 0)
                sys_cap_delete(seg_page[first + --k]), seg_page[first + k] = 0;
            s->state = SHM_FREE;
            return UNIX_ERR(ENOMEM);
        }
        seg_page[first + k] = (uint32_t)f;
    }
    mark_pages(s->first, n, 1);
    return s->id;
}

static int64_t shm_at(int me, int64_t id)
{
    struct shm_seg *s = seg_of(id);
    if (!s || s->state != SHM_USED)
        return UNIX_ERR(EINVAL);
    if (SH->shm_att[me][id % NSHM] == UINT16_MAX)
        return UNIX_ERR(EMFILE);
    ARG(me)->x[0] = 0;
    if (SH->shm_att[me][id % NSHM] == 0) { /* the first attachment here: the pages */
        int64_t r = give_pages(me, s);
        if (r < 0)
            return r;
    }
    SH->shm_att[me][id % NSHM]++;
    s->nattch++;
    s->lpid = SH->procs[me].pid;
    return s->first;
}

/* A forked child maps what it inherited (the counts came at U_FORK). */
static int64_t shm_map(int me, int64_t id)
{
    struct shm_seg *s = seg_of(id);
    if (!s || !SH->shm_att[me][id % NSHM])
        return UNIX_ERR(EINVAL);
    return give_pages(me, s);
}

static int64_t shm_dt(int me, uint64_t addr)
{
    for (int i = 0; i < NSHM; i++) {
        struct shm_seg *s = &SH->shm[i];
        if (s->state == SHM_FREE || SHM_ARENA_VA + s->first * PAGE != addr || !SH->shm_att[me][i])
            continue;
        SH->shm_att[me][i]--;
        s->nattch--;
        s->lpid = SH->procs[me].pid;
        ARG(me)->x[0] = s->first; /* where the caller unmaps, once none is left */
        ARG(me)->x[1] = s->npages;
        int left = SH->shm_att[me][i];
        seg_release(s);
        return left;
    }
    return UNIX_ERR(EINVAL);
}

static int64_t shm_rm(int64_t id)
{
    struct shm_seg *s = seg_of(id);
    if (!s)
        return UNIX_ERR(EINVAL);
    s->state = SHM_REMOVED;
    s->key = IPC_PRIVATE;
    seg_release(s);
    return 0;
}

/* Every attachment of slot i goes (exit, exec, kill, wait). */
static void shm_drop(int i)
{
    uint16_t *att = SH->shm_att[i];
    for (int k = 0; k < NSHM; k++) {
        if (!att[k])
            continue;
        SH->shm[k].nattch -= att[k];
        att[k] = 0;
        seg_release(&SH->shm[k]);
    }
}

/* ---- processes ---- */

static void copy_name(char *d, const char *s, size_t max)
{
    size_t i = 0;
    for (; i < max && s[i] && i < 31; i++)
        d[i] = s[i];
    d[i] = 0;
}

/* The slot of pid if it is a child of slot me (any state but free), or -1. */
static int child_of(int me, int64_t pid)
{
    for (int i = 0; i < NPROC; i++)
        if (SH->procs[i].state != PROC_FREE && SH->procs[i].pid == pid &&
            SH->procs[i].ppid == SH->procs[me].pid && i != me)
            return i;
    return -1;
}

/* The argument page of slot i goes (the process ended or re-binds). */
static void unbind(int i)
{
    if (binding[i].page)
        sys_cap_delete(binding[i].page); /* (unmaps it here and in the client) */
    binding[i].page = 0;
}

/* A slot is free again: what the process left is released. */
static void proc_free(int i)
{
    close_all(i);
    shm_drop(i);
    unbind(i);
    binding[i].token = 0;
    SH->procs[i].state = PROC_FREE;
    /* Its children died with it (the kernel ends the envs an env made when
     * it ends) or never bound: nobody will wait for them, so they go too.
     * (Depth at most NPROC: each level frees a slot.) */
    int pid = SH->procs[i].pid;
    for (int j = 0; j < NPROC; j++)
        if (SH->procs[j].state != PROC_FREE && SH->procs[j].ppid == pid)
            proc_free(j);
}

static int64_t do_bind(int me, uint64_t token, uint32_t caller)
{
    if (me < 0) {
        for (int i = 0; i < NPROC && me < 0; i++)
            if (token && binding[i].token == token && SH->procs[i].state == PROC_RUNNING)
                me = i;
        if (me < 0)
            return UNIX_ERR(EPERM);
        SH->procs[me].env_id = caller;
        binding[me].token = 0;
    }
    unbind(me);
    long f = sys_frame_alloc(-1);
    if (f < 0)
        return UNIX_ERR(ENOMEM);
    if (exo_map(CAP_SELF, (uint32_t)f, (uint64_t)ARG(me), MMU_W) != 1) {
        sys_cap_delete((uint32_t)f);
        return UNIX_ERR(ENOMEM);
    }
    binding[me].page = (uint32_t)f;
    long s = sys_pct_give((uint32_t)f, R_READ | R_WRITE);
    return s < 0 ? UNIX_ERR(ENOMEM) : s;
}

/* A forked child's entry, before the child runs. (Entries of children that
 * never bind, like those of a fork bomb's, fill the table until their
 * parent is reaped: no per-process limit.) */
static int64_t do_fork(int me)
{
    int c = -1;
    for (int i = 0; i < NPROC && c < 0; i++)
        if (SH->procs[i].state == PROC_FREE)
            c = i;
    if (c < 0)
        return UNIX_ERR(EAGAIN);
    struct proc *p = &SH->procs[c], *parent = &SH->procs[me];
    memset(p, 0, sizeof *p);
    p->pid = SH->next_pid++;
    p->ppid = parent->pid;
    p->state = PROC_RUNNING;
    p->env_id = 0; /* until the child binds */
    memcpy(p->name, parent->name, sizeof p->name);
    p->uid = parent->uid;
    p->gid = parent->gid;
    for (int k = 0; k < NSHM; k++) { /* the child inherits every attachment ... */
        SH->shm_att[c][k] = SH->shm_att[me][k];
        SH->shm[k].nattch += SH->shm_att[me][k];
    }
    for (int fd = 0; fd < NOFILE; fd++) { /* ... and every open file */
        SH->fdtab[c][fd] = SH->fdtab[me][fd];
        if (SH->fdtab[c][fd] >= 0)
            SH->ofiles[SH->fdtab[c][fd]].refs++;
    }
    binding[c].token = new_token();
    ARG(me)->x[0] = (int64_t)binding[c].token;
    return p->pid;
}

static int64_t do_signal(int me, int64_t pid, int64_t sig)
{
    if (sig < 1 || sig > 64)
        return UNIX_ERR(EINVAL);
    if (pid == SH->procs[me].pid)
        return UNIX_ERR(EPERM);
    for (int i = 0; i < NPROC; i++) {
        struct proc *p = &SH->procs[i];
        if (p->state == PROC_FREE || p->pid != pid)
            continue;
        if (p->state == PROC_RUNNING) {
            p->pending |= 1UL << (sig - 1);
            p->sigfrom = SH->procs[me].pid;
            ring(1UL << i); /* wakes it if it sleeps */
        }
        return 0;
    }
    return UNIX_ERR(ESRCH);
}

/* ---- pipes ---- */

static int64_t do_pipe(int me)
{
    int r = fd_alloc(me);
    if (r < 0)
        return UNIX_ERR(EMFILE);
    SH->fdtab[me][r] = 0; /* reserved while we find the second */
    int w = fd_alloc(me);
    SH->fdtab[me][r] = -1;
    if (w < 0)
        return UNIX_ERR(EMFILE);
    int pi = -1;
    for (int i = 0; i < NPIPE && pi < 0; i++)
        if (!SH->pipes[i].readers && !SH->pipes[i].writers && !pipe_page[i])
            pi = i;
    int or = pi < 0 ? -1 : ofile_new(OF_PIPE_R, O_RDONLY);
    int ow = or < 0 ? -1 : ofile_new(OF_PIPE_W, O_WRONLY);
    long f = ow < 0 ? -1 : sys_frame_alloc_in(CAP_SELF, -1, PIPE_ORDER); /* (zeroed: empty) */
    if (f >= 0 && exo_map(CAP_SELF, (uint32_t)f, (uint64_t)PIPE_RING(pi), MMU_W) != 1) {
        sys_cap_delete((uint32_t)f);
        f = -1;
    }
    if (f < 0) {
        if (or >= 0)
            SH->ofiles[or].type = OF_FREE;
        if (ow >= 0)
            SH->ofiles[ow].type = OF_FREE;
        return UNIX_ERR(pi < 0 ? EMFILE : ENOMEM);
    }
    pipe_page[pi] = (uint32_t)f;
    struct pipe *pp = &SH->pipes[pi];
    pp->gen++;
    pp->readers = pp->writers = 1;
    SH->ofiles[or].pipe = SH->ofiles[ow].pipe = pi;
    SH->fdtab[me][r] = (int16_t) or ;
    SH->fdtab[me][w] = (int16_t)ow;
    ARG(me)->x[0] = w;
    return r; /* (the caller asks for the ring at its first read or write) */
}

/* ---- the network: we are netd's one client ----
 * A socket descriptor is an open file description of type OF_SOCK naming
 * a netd socket; a process's socket call names its descriptor, which we
 * resolve in its own table before we forward the call, so that a process
 * can use only the sockets it holds (inherited, passed on by dup, or its
 * own). Data and addresses go through its argument page and netd's (one
 * copy each way here). The last description's close closes netd's
 * socket. */

#define NET_ARG_VA                                                                                 \
    0x00006c0000100000UL /* netd's argument page, here (1 MiB above diskd's 128 KiB area) */
static uint32_t nsrv;    /* call capability to netd (0: no network) */
static struct netd_page *const npage = (struct netd_page *)NET_ARG_VA;

/* A call to netd for process slot me (its channel is rung when the socket
 * the call waits on can go on): netd's answer, an errno as UNIX_ERR. */
static int64_t ncall(uint64_t op, int me, uint64_t a1, uint64_t a2)
{
    if (!nsrv)
        return UNIX_ERR(ENETDOWN);
    long r;
    while ((r = sys_pct_call(nsrv, op | (uint64_t)me << 8, a1, a2)) == -E_AGAIN || r == -NETD_BUSY)
        sys_yield(-1); /* (netd's own loop is in lwIP: it lets go soon) */
    if (r <= -NETD_EBASE && r > -2 * NETD_EBASE)
        return UNIX_ERR(-r - NETD_EBASE);
    if (r < 0)
        return UNIX_ERR(ENETDOWN); /* (the call itself failed: netd is gone) */
    return r;
}

static int64_t net_start(int me, int64_t call, int64_t addrs)
{
    if (me != 0 || nsrv || call <= 0 || call >= NCAPSLOTS)
        return UNIX_ERR(EINVAL);
    long pg;
    for (int i = 0; i < 1000 && (pg = sys_pct_call((uint32_t)call, NETD_BIND, (uint64_t)addrs,
                                                   (uint64_t)ARG(me)->x[0])) == -E_INVAL;
         i++)
        sys_yield(-1); /* (netd takes calls once its main has run) */
    if (pg <= 0 || exo_map(CAP_SELF, (uint32_t)pg, NET_ARG_VA, MMU_W) != 1) {
        printf("unixd: netd bind %ld\n", pg);
        return UNIX_ERR(EIO);
    }
    nsrv = (uint32_t)call;
    return 0;
}

/* A new descriptor for netd socket sid (flags: O_NONBLOCK); netd's socket
 * is closed if there is no room. */
static int64_t sock_fd(int me, int64_t sid, int64_t flags)
{
    int fd = fd_alloc(me);
    int o = fd < 0 ? -1 : ofile_new(OF_SOCK, O_RDWR | (int)(flags & O_NONBLOCK));
    if (o < 0) {
        ncall(NETD_CLOSE, me, (uint64_t)sid, 0);
        return UNIX_ERR(fd < 0 ? EMFILE : ENFILE);
    }
    SH->ofiles[o].sock = (int)sid;
    SH->fdtab[me][fd] = (int16_t)o;
    return fd;
}

static int64_t net_socket(int me, int64_t type, int64_t flags)
{
    if (type != 1 && type != 2)
        return UNIX_ERR(EINVAL);
    if (fd_alloc(me) < 0)
        return UNIX_ERR(EMFILE);
    int64_t sid = ncall(NETD_SOCKET, me, (uint64_t)type, 0);
    return sid < 0 ? sid : sock_fd(me, sid, flags);
}

/* A process's socket call, forwarded (see U_NET). */
static int64_t net_call(int me, int64_t fd, int64_t op)
{
    struct ofile *o = of(me, fd);
    if (!o)
        return UNIX_ERR(EBADF);
    if (o->type != OF_SOCK)
        return UNIX_ERR(ENOTSOCK);
    if (op <= NETD_CLOSE || op >= NETD_NOPS || op == NETD_STAT)
        return UNIX_ERR(EINVAL);
    struct unix_arg *a = ARG(me);
    int64_t a2 = a->x[0];
    for (int i = 0; i < 4; i++)
        npage->x[i] = a->x[1 + i];
    memcpy(&npage->addr, a->data, sizeof npage->addr);
    if (op == NETD_SEND) {
        if (a2 < 0 || a2 > NETD_DATA || a2 > (int64_t)UNIX_ARG_DATA - 64)
            return UNIX_ERR(EINVAL);
        memcpy(npage->data, a->data + 64, (size_t)a2);
    }
    if (op == NETD_RECV && a2 > (int64_t)UNIX_ARG_DATA - 64)
        a2 = (int64_t)UNIX_ARG_DATA - 64;
    int64_t r = ncall((uint64_t)op, me, (uint64_t)o->sock, (uint64_t)a2);
    memcpy(a->data, &npage->addr, sizeof npage->addr);
    for (int i = 0; i < 4; i++)
        a->x[1 + i] = npage->x[i];
    if (op == NETD_RECV && r > 0)
        memcpy(a->data + 64, npage->data, (size_t)r);
    if (op == NETD_ACCEPT && r >= 0)
        return sock_fd(me, r, 0);
    return r;
}

/* ---- the disk at /disk: we are diskd's one client ---- */

#define DISK_ARG_VA 0x00006c0000000000UL /* diskd's argument page, here */
static uint32_t dsrv;                    /* call capability to diskd (0: no disk) */
static uint8_t *const dpage = (uint8_t *)DISK_ARG_VA;

static int64_t dcall(uint64_t op, uint64_t a1, uint64_t a2)
{
    long r;
    while ((r = sys_pct_call(dsrv, op, a1, a2)) == -E_AGAIN)
        sys_yield(-1);
    if (r < 0 && r > -4096)
        return UNIX_ERR(-r); /* a DFS_E* code is a Linux errno */
    return r;
}

/* diskd checks permissions by the credentials we give it for our calls:
 * those of the process we call for (dcred at each call we serve). */
static uint32_t dcred_uid, dcred_gid; /* what diskd has now (a mounter starts as 0, 0) */
static void dcred(int me)
{
    const struct proc *p = &SH->procs[me];
    if (!dsrv || (p->uid == dcred_uid && p->gid == dcred_gid))
        return;
    if (dcall(DISKD_CRED, p->uid, p->gid) == 0) {
        dcred_uid = p->uid;
        dcred_gid = p->gid;
    }
}

/* Credentials (U_SETID): a value of -1 leaves one as it is. Root (uid 0)
 * may take any; another uid only the ones it has. */
static int64_t do_setid(int me, int64_t uid, int64_t gid)
{
    struct proc *p = &SH->procs[me];
    if (uid < -1 || uid >= 0xffffffffL || gid < -1 || gid >= 0xffffffffL)
        return UNIX_ERR(EINVAL);
    if (p->uid != 0 && ((uid >= 0 && uid != p->uid) || (gid >= 0 && gid != p->gid)))
        return UNIX_ERR(EPERM);
    if (uid >= 0)
        p->uid = (uint32_t)uid;
    if (gid >= 0)
        p->gid = (uint32_t)gid;
    return 0;
}

/* The path inside the disk's file system if path is on the disk
 * (unix_disk_path: /disk and below, or with the disk as the root every
 * path but /tmp and /dev), else NULL. */
static const char *disk_path(const char *path)
{
    return dsrv ? unix_disk_path(SH->disk_mode, path) : NULL;
}

static int64_t dpath_call(uint64_t op, const char *p, uint64_t a1, uint64_t a2)
{
    size_t n = strlen(p);
    if (n + 1 > DISKD_PAGE)
        return UNIX_ERR(ENAMETOOLONG);
    memcpy(dpage, p, n + 1);
    return dcall(op, a1, a2);
}

/* ---- the disk as the root: the boot image's programs on it ---- */

/* A hash of the memory file system's tree at dir (names, modes, sizes,
 * contents): the boot image's programs under /bin. */
static uint64_t tree_hash(uint32_t dir, uint64_t h, int depth)
{
    static uint8_t buf[4096] __attribute__((aligned(8)));
    uint32_t pos = 0;
    struct fs_dirent de;
    while (fs_readdir(&fs, dir, &pos, &de) == 1) {
        struct fs_stat st;
        if (!strcmp(de.name, ".") || !strcmp(de.name, "..") || fs_stat(&fs, de.ino, &st) < 0)
            continue;
        for (const char *c = de.name; *c; c++)
            h = (h ^ (uint8_t)*c) * 0x100000001b3UL;
        h = (h ^ st.mode ^ (st.size << 16) ^ (uint64_t)de.type << 60) * 0x100000001b3UL;
        if (de.type == FS_TYPE_DIR) {
            if (depth < 8)
                h = tree_hash(de.ino, h, depth + 1);
            continue;
        }
        for (uint64_t off = 0; off < st.size;) {
            int64_t n = fs_read(&fs, de.ino, off, buf, sizeof buf);
            if (n <= 0)
                break;
            memset(buf + n, 0, (size_t)((8 - n % 8) % 8)); /* (whole words) */
            for (int64_t k = 0; k < n; k += 8) {
                uint64_t w;
                memcpy(&w, buf + k, 8);
                h = (h ^ w) * 0x100000001b3UL;
                h ^= h >> 29;
            }
            off += (uint64_t)n;
        }
    }
    return h;
}

/* Copies memory file ino (size bytes) to the disk at dpath, mode mode. */
static int64_t copy_to_disk(const char *dpath, uint32_t ino, uint32_t mode, uint64_t size)
{
    int64_t d = dpath_call(DISKD_OPEN, dpath, DFS_O_WRITE | DFS_O_CREAT | DFS_O_TRUNC, mode);
    if (d < 0)
        return d;
    int64_t r = dcall(DISKD_CHMOD, (uint64_t)d, mode); /* (an old file keeps its mode else) */
    for (uint64_t off = 0; r >= 0 && off < size;) {
        int64_t n = fs_read(&fs, ino, off, dpage + 8, DISKD_PAGE - 8);
        if (n <= 0) {
            r = UNIX_ERR(EIO);
            break;
        }
        uint64_t len = (uint64_t)n;
        memcpy(dpage, &len, 8);
        r = dcall(DISKD_WRITE, (uint64_t)d, off);
        if (r >= 0 && r != n)
            r = UNIX_ERR(ENOSPC);
        off += (uint64_t)n;
    }
    dcall(DISKD_CLOSE, (uint64_t)d, 0);
    return r < 0 ? r : 0;
}

/* Copies the memory file system's tree at dir to the disk at path (len
 * bytes long, in a PATH_MAX buffer); the files copied, or an error. */
static int64_t tree_copy(uint32_t dir, char *path, size_t len, int depth)
{
    int64_t files = 0;
    uint32_t pos = 0;
    struct fs_dirent de;
    while (fs_readdir(&fs, dir, &pos, &de) == 1) {
        struct fs_stat st;
        size_t n = strlen(de.name);
        if (!strcmp(de.name, ".") || !strcmp(de.name, "..") || fs_stat(&fs, de.ino, &st) < 0)
            continue;
        if (len + 1 + n + 1 > PATH_MAX)
            return UNIX_ERR(ENAMETOOLONG);
        path[len] = '/';
        memcpy(path + len + 1, de.name, n + 1);
        int64_t r = 0;
        if (de.type == FS_TYPE_DIR) {
            dpath_call(DISKD_MKDIR, path, 0755, 0); /* (EEXIST: it is there) */
            if (depth < 8)
                r = tree_copy(de.ino, path, len + 1 + n, depth + 1);
        } else {
            r = copy_to_disk(path, de.ino, st.mode & 07777 ? st.mode & 07777 : 0755, st.size);
            files += r == 0;
        }
        if (r < 0) {
            printf("unixd: cannot copy %s to the disk (errno %ld)\n", path, -r - UNIX_EBASE);
            return r;
        }
        files += r;
        path[len] = 0;
    }
    return files;
}

/* The disk as "/": /tmp and /dev exist on it as the places where the memory
 * file system shows through (so that ls / lists them), and its /bin holds the
 * boot image's programs, copied when the boot image differs from the one
 * copied last (its hash in /.bootimage): a new disk gets them, a rebuilt
 * Spinel refreshes them. Returns the files copied. */
#define STAMP "/.bootimage"
static int64_t root_populate(void)
{
    dpath_call(DISKD_MKDIR, "/tmp", 01777, 0); /* (EEXIST after the first boot) */
    dpath_call(DISKD_MKDIR, "/dev", 0755, 0);
    dpath_call(DISKD_MKDIR, "/bin", 0755, 0);
    int bin = fs_lookup(&fs, "/bin");
    if (bin < 0)
        return 0;
    uint64_t h = tree_hash((uint32_t)bin, 0xcbf29ce484222325UL, 0), old = 0, len = 8;
    int64_t d = dpath_call(DISKD_OPEN, STAMP, DFS_O_READ, 0);
    if (d >= 0) {
        memcpy(dpage, &len, 8);
        if (dcall(DISKD_READ, (uint64_t)d, 0) == 8)
            memcpy(&old, dpage, 8);
        dcall(DISKD_CLOSE, (uint64_t)d, 0);
    }
    if (old == h)
        return 0;
    static char path[PATH_MAX];
    memcpy(path, "/bin", 5);
    int64_t files = tree_copy((uint32_t)bin, path, 4, 0);
    if (files < 0)
        return files;
    d = dpath_call(DISKD_OPEN, STAMP, DFS_O_WRITE | DFS_O_CREAT | DFS_O_TRUNC, 0644);
    if (d >= 0) {
        memcpy(dpage, &len, 8);
        memcpy(dpage + 8, &h, 8);
        dcall(DISKD_WRITE, (uint64_t)d, 0);
        dcall(DISKD_CLOSE, (uint64_t)d, 0);
    }
    dcall(DISKD_SYNC, 0, 0);
    return files;
}

static int64_t disk_mount(int me, int64_t call, int64_t blk)
{
    int64_t mode = ARG(me)->x[0];
    if (me != 0 || dsrv || call <= 0 || call >= NCAPSLOTS || blk <= 0 || blk >= NCAPSLOTS ||
        (mode != DISK_AT && mode != DISK_ROOT))
        return UNIX_ERR(EINVAL);
    dsrv = (uint32_t)call;
    long pg;
    for (int i = 0; i < 1000 && (pg = sys_pct_call(dsrv, DISKD_BIND, 0, 0)) == -E_INVAL; i++)
        sys_yield(-1); /* (diskd takes calls once its main has run) */
    if (pg <= 0 || exo_map(CAP_SELF, (uint32_t)pg, DISK_ARG_VA, MMU_W) != 1) {
        dsrv = 0;
        return UNIX_ERR(EIO);
    }
    int made = 0;
    if (dcall(DISKD_MOUNT, (uint64_t)blk, 0) < 0) { /* no file system yet: make one */
        made = 1;
        if (dcall(DISKD_MOUNT, (uint64_t)blk, 1) < 0) {
            dsrv = 0;
            return UNIX_ERR(EIO);
        }
    }
    SH->disk_mode = (int)mode;
    if (mode == DISK_ROOT) {
        fs_mkdir(&fs, "/dev"); /* (the memory file system's, where lib/linux makes null, zero) */
        int64_t n = root_populate();
        if (n < 0)
            return n;
        ARG(me)->x[1] = n;
    } else {
        fs_mkdir(&fs, "/disk"); /* so that ls / shows it (its contents are the disk's) */
    }
    return made;
}

static int64_t disk_stat(uint32_t ino, struct dfs_stat *st)
{
    int64_t r = dcall(DISKD_STAT, ino, 0);
    if (r >= 0)
        memcpy(st, dpage, sizeof *st);
    return r;
}

static int64_t disk_open(int me, const char *dp, int64_t flags)
{
    int acc = (int)(flags & O_ACCMODE);
    unsigned df = (acc != O_WRONLY ? DFS_O_READ : 0) | (acc != O_RDONLY ? DFS_O_WRITE : 0) |
                  (flags & O_CREAT ? DFS_O_CREAT : 0) | (flags & O_EXCL ? DFS_O_EXCL : 0) |
                  (flags & O_TRUNC ? DFS_O_TRUNC : 0) | (flags & O_DIRECTORY ? DFS_O_DIRECTORY : 0);
    int fd = fd_alloc(me);
    if (fd < 0)
        return UNIX_ERR(EMFILE);
    int64_t ino = dpath_call(DISKD_OPEN, dp, df, 0644);
    if (ino < 0)
        return ino;
    struct dfs_stat st;
    int64_t r = disk_stat((uint32_t)ino, &st);
    int o = r < 0 ? -1 : ofile_new(DFS_S_ISDIR(st.mode) ? OF_DIR : OF_FILE, (int)flags);
    if (o < 0) {
        dcall(DISKD_CLOSE, (uint64_t)ino, 0);
        return r < 0 ? r : UNIX_ERR(ENOMEM);
    }
    SH->ofiles[o].ino = (uint32_t)ino;
    SH->ofiles[o].disk = 1;
    SH->fdtab[me][fd] = (int16_t)o;
    return fd;
}

static int64_t disk_read(int me, int64_t fd, int64_t n)
{
    struct ofile *o = of(me, fd);
    if (!o || !o->disk || o->type != OF_FILE || (o->flags & O_ACCMODE) == O_WRONLY)
        return UNIX_ERR(EBADF);
    if (n < 0 || n > UNIX_ARG_DATA)
        return UNIX_ERR(EINVAL);
    uint64_t len = (uint64_t)n;
    memcpy(dpage, &len, 8);
    int64_t r = dcall(DISKD_READ, o->ino, o->off);
    if (r > 0) {
        memcpy(ARG(me)->data, dpage, (size_t)r);
        o->off += (uint64_t)r;
    }
    return r;
}

static int64_t disk_write(struct ofile *o, const char *data, uint64_t n)
{
    if (o->flags & O_APPEND) {
        struct dfs_stat st;
        int64_t e = disk_stat(o->ino, &st);
        if (e < 0)
            return e;
        o->off = st.size;
    }
    memcpy(dpage, &n, 8);
    memcpy(dpage + 8, data, n);
    int64_t r = dcall(DISKD_WRITE, o->ino, o->off);
    if (r > 0)
        o->off += (uint64_t)r;
    return r;
}

static int64_t disk_dstat(int me, int64_t fd)
{
    uint32_t ino;
    int64_t r;
    if (fd >= 0) {
        struct ofile *o = of(me, fd);
        if (!o || !o->disk)
            return UNIX_ERR(EBADF);
        ino = o->ino;
    } else {
        char path[PATH_MAX];
        if ((r = get_path(me, path)) < 0)
            return r;
        const char *dp = disk_path(path);
        if (!dp)
            return UNIX_ERR(EINVAL);
        if ((r = dpath_call(DISKD_OPEN, dp, 0, 0)) < 0)
            return r;
        ino = (uint32_t)r;
    }
    struct dfs_stat st;
    r = disk_stat(ino, &st);
    if (fd < 0)
        dcall(DISKD_CLOSE, ino, 0);
    if (r < 0)
        return r;
    ARG(me)->x[0] = st.ino;
    ARG(me)->x[1] = st.mode;
    ARG(me)->x[2] = st.nlink;
    ARG(me)->x[3] = (int64_t)st.size;
    ARG(me)->x[4] = st.uid;
    ARG(me)->x[5] = st.gid;
    return 0;
}

static int64_t disk_readdir(int me, int64_t fd, int64_t pos)
{
    struct ofile *o = of(me, fd);
    if (!o || !o->disk || o->type != OF_DIR)
        return UNIX_ERR(EBADF);
    if (pos < 0)
        return UNIX_ERR(EINVAL);
    int64_t r = dcall(DISKD_READDIR, o->ino, (uint64_t)pos);
    if (r == 1) {
        struct dfs_dirent de;
        memcpy(&ARG(me)->x[0], dpage, 8);
        memcpy(&de, dpage + 8, sizeof de);
        ARG(me)->x[1] = de.ino;
        ARG(me)->x[2] = de.type;
        size_t k = 0;
        while (k < sizeof de.name - 1 && de.name[k])
            k++;
        if (k > UNIX_ARG_DATA - 1)
            k = UNIX_ARG_DATA - 1;
        memcpy(ARG(me)->data, de.name, k);
        ARG(me)->data[k] = 0;
    }
    return r;
}

/* ---- files ---- */

static int64_t do_open(int me, int64_t flags)
{
    char path[PATH_MAX];
    int e = get_path(me, path);
    if (e < 0)
        return e;
    const char *dp = disk_path(path);
    if (dp)
        return disk_open(me, dp, flags);
    unsigned ff = (flags & O_CREAT ? FS_O_CREAT : 0) | (flags & O_EXCL ? FS_O_EXCL : 0) |
                  (flags & O_TRUNC ? FS_O_TRUNC : 0) | (flags & O_DIRECTORY ? FS_O_DIRECTORY : 0);
    int fd = fd_alloc(me);
    if (fd < 0)
        return UNIX_ERR(EMFILE);
    int ino = fs_open(&fs, path, ff); /* takes a reference */
    if (ino < 0)
        return fs_errno(ino);
    struct fs_stat st;
    fs_stat(&fs, (uint32_t)ino, &st);
    if (st.type == FS_TYPE_DIR && (flags & O_ACCMODE) != O_RDONLY) {
        fs_unref(&fs, (uint32_t)ino);
        return UNIX_ERR(EISDIR);
    }
    int o = ofile_new(st.type == FS_TYPE_DIR ? OF_DIR : OF_FILE, (int)flags);
    if (o < 0) {
        fs_unref(&fs, (uint32_t)ino);
        return UNIX_ERR(ENOMEM);
    }
    SH->ofiles[o].ino = (uint32_t)ino;
    SH->fdtab[me][fd] = (int16_t)o;
    return fd;
}

static int64_t do_write(int me, int64_t fd, uint64_t n)
{
    struct ofile *o = of(me, fd);
    if (!o || (o->flags & O_ACCMODE) == O_RDONLY)
        return UNIX_ERR(EBADF);
    if (n > UNIX_ARG_DATA)
        return UNIX_ERR(EINVAL);
    if (o->type != OF_FILE) /* (pipes are written on their ring) */
        return UNIX_ERR(EBADF);
    if (o->disk)
        return disk_write(o, ARG(me)->data, n);
    if (o->flags & O_APPEND) {
        struct fs_stat st;
        fs_stat(&fs, o->ino, &st);
        o->off = st.size;
    }
    int64_t r = fs_write(&fs, o->ino, o->off, ARG(me)->data, n);
    if (r < 0)
        return fs_errno((int)r);
    o->off += (uint64_t)r;
    return r;
}

static int64_t do_dup(int me, int64_t fd, int64_t nfd)
{
    struct ofile *o = of(me, fd);
    if (!o || nfd < -1 || nfd >= NOFILE)
        return UNIX_ERR(EBADF);
    if (nfd == fd)
        return nfd;
    if (nfd < 0 && (nfd = fd_alloc(me)) < 0)
        return UNIX_ERR(EMFILE);
    int oi = SH->fdtab[me][fd];
    SH->ofiles[oi].refs++;
    if (SH->fdtab[me][nfd] >= 0)
        ofile_put(SH->fdtab[me][nfd]);
    SH->fdtab[me][nfd] = (int16_t)oi;
    return nfd;
}

/* ---- the terminal ---- */

/* Takes what the kernel has queued into the buffer (^C with a foreground
 * job: its pids go back to the caller, which interrupts them); 1 if
 * anything came. */
static int tty_pull(int me)
{
    ARG(me)->x[0] = 0;
    if (!console)
        return 0;
    char in[64];
    long n = sys_console_read(console, in, sizeof in);
    if (n <= 0)
        return 0;
    for (long i = 0; i < n; i++) {
        if (in[i] == 3 && SH->tty.nfg > 0) {
            ARG(me)->x[0] = SH->tty.nfg;
            memcpy(ARG(me)->data, SH->tty.fg, sizeof SH->tty.fg);
            continue;
        }
        if (SH->tty.tail - SH->tty.head < TTY_BUF)
            SH->tty.buf[SH->tty.tail++ % TTY_BUF] = in[i];
    }
    uint64_t readers = SH->cons_waiters & ~(1UL << me); /* they look again */
    SH->cons_waiters = 0;
    ring(readers);
    return 1;
}

static int64_t tty_read(int me)
{
    tty_pull(me);
    if (SH->tty.head != SH->tty.tail) {
        SH->cons_waiters &= ~(1UL << me);
        return (unsigned char)SH->tty.buf[SH->tty.head++ % TTY_BUF];
    }
    SH->cons_waiters |= 1UL << me; /* whoever pulls input next rings us */
    return UNIX_ERR(EAGAIN);
}

static int64_t tty_fg(int me, int64_t n)
{
    if (n < 0 || n > TTY_MAXFG)
        return UNIX_ERR(EINVAL);
    pid_t pids[TTY_MAXFG];
    memcpy(pids, ARG(me)->data, sizeof pids);
    SH->tty.nfg = (int)n;
    for (int i = 0; i < TTY_MAXFG; i++)
        SH->tty.fg[i] = i < n ? pids[i] : 0;
    return 0;
}

/* ---- the protected entry ---- */

static int64_t dispatch(int me, uint64_t op, int64_t a1, int64_t a2)
{
    struct proc *p = &SH->procs[me];
    char path[PATH_MAX];
    int e;
    dcred(me); /* (whatever reaches diskd now is this process's doing) */
    switch (op) {
    case U_NOP:
        return (int64_t)repairs;
    case U_FORK:
        return do_fork(me);
    case U_FORK_UNDO: {
        int c = child_of(me, a1);
        if (c < 0 || SH->procs[c].env_id)
            return UNIX_ERR(ESRCH);
        proc_free(c);
        return 0;
    }
    case U_EXIT:
        close_all(me);
        shm_drop(me);
        p->state = PROC_ZOMBIE;
        p->status = (int)a1;
        /* Its parent may be waiting for it: the kernel wakes it when our
         * env ends, but a process whose children still run lingers after
         * this (unix_linger), so it is woken here too. */
        for (int i = 0; i < NPROC; i++)
            if (SH->procs[i].state == PROC_RUNNING && SH->procs[i].pid == p->ppid)
                ring(1UL << i);
        return 0;
    case U_REAP: {
        int c = child_of(me, a1);
        if (c < 0)
            return UNIX_ERR(ECHILD);
        proc_free(c);
        return 0;
    }
    case U_KILLED: {
        int c = child_of(me, a1);
        if (c < 0 || SH->procs[c].state != PROC_RUNNING)
            return UNIX_ERR(ESRCH);
        close_all(c);
        shm_drop(c);
        unbind(c);
        SH->procs[c].state = PROC_ZOMBIE;
        SH->procs[c].status = (int)(a2 & 0x7f);
        return 0;
    }
    case U_SIGNAL:
        return do_signal(me, a1, a2);
    case U_FTRUNC: {
        struct ofile *o = of(me, a1);
        if (!o || o->type != OF_FILE ||
            !((o->flags & O_ACCMODE) == O_WRONLY || (o->flags & O_ACCMODE) == O_RDWR))
            return UNIX_ERR(o && o->type == OF_FILE ? EINVAL : EBADF);
        if (o->disk) {
            int64_t r = a2 < 0 ? UNIX_ERR(EINVAL) : dcall(DISKD_TRUNCATE, o->ino, (uint64_t)a2);
            return r < 0 ? r : 0;
        }
        e = fs_truncate(&fs, o->ino, (uint64_t)a2);
        return e < 0 ? fs_errno(e) : 0;
    }
    case U_CHOWN:
    case U_CHMOD:
    case U_TRUNC: {
        if ((e = get_path(me, path)) < 0)
            return e;
        if (op == U_CHOWN && (a1 < -1 || a1 >= 0xffffffffL || a2 < -1 || a2 >= 0xffffffffL))
            return UNIX_ERR(EINVAL);
        if (disk_path(path)) {
            int64_t r = dpath_call(DISKD_OPEN, disk_path(path), op == U_TRUNC ? DFS_O_WRITE : 0, 0);
            if (r < 0)
                return r;
            struct dfs_stat st;
            int64_t t = op == U_TRUNC ? (a1 >= 0 ? dcall(DISKD_TRUNCATE, (uint64_t)r, (uint64_t)a1)
                                                 : UNIX_ERR(EINVAL))
                        : op == U_CHMOD ? dcall(DISKD_CHMOD, (uint64_t)r, (uint64_t)a1 & 07777)
                                        : disk_stat((uint32_t)r, &st);
            if (op == U_CHOWN && t >= 0) /* (-1 keeps what is there) */
                t = dcall(DISKD_CHOWN, (uint64_t)r,
                          (a1 < 0 ? st.uid : (uint64_t)a1) | (a2 < 0 ? st.gid : (uint64_t)a2)
                                                                 << 32);
            dcall(DISKD_CLOSE, (uint64_t)r, 0);
            return t < 0 ? t : 0;
        }
        int ino = fs_lookup(&fs, path);
        if (ino < 0)
            return fs_errno(ino);
        if (op == U_CHOWN) /* (the memory file system keeps no owners) */
            return p->uid == 0 ? 0 : UNIX_ERR(EPERM);
        e = op == U_CHMOD ? fs_chmod(&fs, (uint32_t)ino, (uint32_t)a1 & 07777)
                          : fs_truncate(&fs, (uint32_t)ino, (uint64_t)a1);
        return e < 0 ? fs_errno(e) : 0;
    }
    case U_SYMLINK: {
        char target[PATH_MAX];
        if ((e = get_path(me, path)) < 0) /* (the link) */
            return e;
        memcpy(target, ARG(me)->data + PATH_MAX, PATH_MAX);
        target[PATH_MAX - 1] = 0;
        if (disk_path(path))
            return UNIX_ERR(EPERM); /* (the disk's file system has no links) */
        e = fs_symlink(&fs, target, path);
        return e < 0 ? fs_errno(e) : 0;
    }
    case U_LINK: {
        char to[PATH_MAX];
        if ((e = get_path(me, path)) < 0)
            return e;
        memcpy(to, ARG(me)->data + PATH_MAX, PATH_MAX);
        to[PATH_MAX - 1] = 0;
        if (to[0] != '/')
            return UNIX_ERR(EINVAL);
        if (disk_path(path) || disk_path(to)) { /* (a hard link on the disk: diskd's) */
            if (!disk_path(path) || !disk_path(to))
                return UNIX_ERR(EXDEV);
            const char *a = disk_path(path), *b = disk_path(to);
            size_t la = strlen(a), lb = strlen(b);
            if (la + lb + 2 > DISKD_PAGE)
                return UNIX_ERR(ENAMETOOLONG);
            memcpy(dpage, a, la + 1);
            memcpy(dpage + la + 1, b, lb + 1);
            int64_t r = dcall(DISKD_LINK, 0, 0);
            return r < 0 ? r : 0;
        }
        e = fs_link(&fs, path, to);
        return e < 0 ? fs_errno(e) : 0;
    }
    case U_RENAME: {
        char to[PATH_MAX];
        if ((e = get_path(me, path)) < 0)
            return e;
        memcpy(to, ARG(me)->data + PATH_MAX, PATH_MAX);
        to[PATH_MAX - 1] = 0;
        if (to[0] != '/')
            return UNIX_ERR(EINVAL);
        if (disk_path(path) || disk_path(to)) {
            if (!disk_path(path) || !disk_path(to))
                return UNIX_ERR(EXDEV);
            const char *a = disk_path(path), *b = disk_path(to);
            size_t la = strlen(a), lb = strlen(b);
            if (la + lb + 2 > DISKD_PAGE)
                return UNIX_ERR(ENAMETOOLONG);
            memcpy(dpage, a, la + 1);
            memcpy(dpage + la + 1, b, lb + 1);
            int64_t r = dcall(DISKD_RENAME, 0, 0);
            return r < 0 ? r : 0;
        }
        e = fs_rename(&fs, path, to);
        return e < 0 ? fs_errno(e) : 0;
    }
    case U_SIGTAKE: {
        uint64_t sigs = SH->procs[me].pending;
        SH->procs[me].pending = 0;
        ARG(me)->x[0] = (int64_t)sigs;
        ARG(me)->x[1] = SH->procs[me].sigfrom;
        return sigs != 0;
    }
    case U_ASLEEP:
        if (a1 < 0 || a1 >= NPROC || SH->procs[a1].state != PROC_RUNNING || !binding[a1].page)
            return 0;
        return ARG(a1)->asleep != 0;
    case U_EXEC:
        shm_drop(me); /* the new image starts with no segments attached */
        copy_name(p->name, ARG(me)->data, sizeof ARG(me)->data);
        binding[me].token = new_token();
        ARG(me)->x[0] = (int64_t)binding[me].token;
        return 0;
    case U_OPEN:
        return do_open(me, a1);
    case U_CLOSE: {
        if (!of(me, a1))
            return UNIX_ERR(EBADF);
        ofile_put(SH->fdtab[me][a1]);
        SH->fdtab[me][a1] = -1;
        return 0;
    }
    case U_DUP:
        return do_dup(me, a1, a2);
    case U_PIPE:
        return do_pipe(me);
    case U_READ:
        return UNIX_ERR(EBADF); /* (pipes are read on their ring, files directly) */
    case U_PIPEMAP: {
        struct ofile *o = of(me, a1);
        if (!o || (o->type != OF_PIPE_R && o->type != OF_PIPE_W) || !pipe_page[o->pipe])
            return UNIX_ERR(EBADF);
        return pipe_give(me, o->pipe);
    }
    case U_WRITE:
        return do_write(me, a1, (uint64_t)a2);
    case U_SEEK: {
        struct ofile *o = of(me, a1);
        if (!o)
            return UNIX_ERR(EBADF);
        if (o->type != OF_FILE)
            return UNIX_ERR(ESPIPE);
        if (a2 < 0)
            return UNIX_ERR(EINVAL);
        o->off = (uint64_t)a2;
        return a2;
    }
    case U_UNLINK:
    case U_MKDIR:
    case U_RMDIR:
        if ((e = get_path(me, path)) < 0)
            return e;
        if (disk_path(path)) {
            int64_t r = dpath_call(op == U_UNLINK  ? DISKD_UNLINK
                                   : op == U_MKDIR ? DISKD_MKDIR
                                                   : DISKD_RMDIR,
                                   disk_path(path), 0755, 0);
            return r < 0 ? r : 0;
        }
        e = op == U_UNLINK  ? fs_unlink(&fs, path)
            : op == U_MKDIR ? fs_mkdir(&fs, path)
                            : fs_rmdir(&fs, path);
        return e < 0 ? fs_errno(e) : 0;
    case U_TTY_READ:
        return tty_read(me);
    case U_TTY_PULL:
        return tty_pull(me);
    case U_TTY_FG:
        return tty_fg(me, a1);
    case U_SHMGET:
        return shm_get(me, a1, a2, (int)ARG(me)->x[0]);
    case U_SHMAT:
        return shm_at(me, a1);
    case U_SHMDT:
        return shm_dt(me, (uint64_t)a1);
    case U_SHMMAP:
        return shm_map(me, a1);
    case U_SHMRM:
        return shm_rm(a1);
    case U_MOUNT:
        return disk_mount(me, a1, a2);
    case U_NETD:
        return net_start(me, a1, a2);
    case U_SOCKET:
        return net_socket(me, a1, a2);
    case U_NET:
        return net_call(me, a1, a2);
    case U_SETFL: {
        struct ofile *o = of(me, a1);
        if (!o)
            return UNIX_ERR(EBADF);
        o->flags = (o->flags & ~O_NONBLOCK) | (int)(a2 & O_NONBLOCK);
        return 0;
    }
    case U_DREAD:
        return disk_read(me, a1, a2);
    case U_DSTAT:
        return disk_dstat(me, a1);
    case U_DREADDIR:
        return dsrv ? disk_readdir(me, a1, a2) : UNIX_ERR(EINVAL);
    case U_FSYNC: {
        struct ofile *o = of(me, a1);
        if (!o)
            return UNIX_ERR(EBADF);
        if (!o->disk)
            return 0; /* (the memory file system has nothing to write) */
        int64_t r = dcall(DISKD_FSYNC, o->ino, 0);
        return r < 0 ? r : 0;
    }
    case U_SYNC:
        return dsrv ? (dcall(DISKD_SYNC, 0, 0) < 0 ? UNIX_ERR(EIO) : 0) : 0;
    case U_SETID:
        return do_setid(me, a1, a2);
    case U_FCHMOD:
    case U_FCHOWN: {
        /* chmod and chown by descriptor: the file or directory it opened
         * (diskd checks the owner, or root, by the caller's credentials) */
        struct ofile *o = of(me, a1);
        int64_t gid = ARG(me)->x[0];
        if (!o)
            return UNIX_ERR(EBADF);
        if (op == U_FCHOWN && (a2 < -1 || a2 >= 0xffffffffL || gid < -1 || gid >= 0xffffffffL))
            return UNIX_ERR(EINVAL);
        if (o->type != OF_FILE && o->type != OF_DIR)
            return 0; /* (pipes, sockets, the console: no mode or owner kept) */
        if (o->disk) {
            struct dfs_stat st;
            int64_t t = op == U_FCHMOD ? dcall(DISKD_CHMOD, o->ino, (uint64_t)a2 & 07777)
                                       : disk_stat(o->ino, &st);
            if (op == U_FCHOWN && t >= 0)
                t = dcall(DISKD_CHOWN, o->ino,
                          (a2 < 0 ? st.uid : (uint64_t)a2) | (gid < 0 ? st.gid : (uint64_t)gid)
                                                                 << 32);
            return t < 0 ? t : 0;
        }
        if (op == U_FCHOWN) /* (the memory file system keeps no owners) */
            return p->uid == 0 ? 0 : UNIX_ERR(EPERM);
        e = fs_chmod(&fs, o->ino, (uint32_t)a2 & 07777);
        return e < 0 ? fs_errno(e) : 0;
    }
    }
    return UNIX_ERR(ENOSYS);
}

/* After a call was cut short: every count that other entries determine is
 * recomputed from them (an open file description's references from the
 * descriptor tables, a pipe's ends from the descriptions, a segment's
 * attachments from the per-process counts, the arena's bitmap and our
 * frames from the live segments); what nothing refers to any more is
 * released, and every waiter is rung to look again. (A half-made process
 * entry stays: its parent frees it; and a file's open-reference count in
 * the file system is not recomputed.) */
static void repair_tables(void)
{
    static int refs[NOFILE_SYS];
    memset(refs, 0, sizeof refs);
    repairing = 1;
    for (int i = 0; i < NPROC; i++)
        for (int fd = 0; fd < NOFILE; fd++) {
            int o = SH->fdtab[i][fd];
            if (o >= NOFILE_SYS || (o >= 0 && SH->procs[i].state == PROC_FREE))
                SH->fdtab[i][fd] = -1;
            else if (o >= 0)
                refs[o]++;
        }
    for (int o = 0; o < NOFILE_SYS; o++) {
        struct ofile *of = &SH->ofiles[o];
        if (of->type == OF_FREE)
            continue;
        if (!refs[o]) {
            of->refs = 1;
            ofile_put(o);
        } else {
            of->refs = refs[o];
        }
    }
    repairing = 0;
    for (int p = 0; p < NPIPE; p++) {
        struct pipe *pp = &SH->pipes[p];
        pp->readers = pp->writers = 0;
        for (int o = 0; o < NOFILE_SYS; o++) {
            const struct ofile *of = &SH->ofiles[o];
            pp->readers += of->type == OF_PIPE_R && of->pipe == p;
            pp->writers += of->type == OF_PIPE_W && of->pipe == p;
        }
        if (pipe_page[p]) {
            ring_waiters(&PIPE_RING(p)->rwait);
            ring_waiters(&PIPE_RING(p)->wwait);
        }
        pipe_release(p);
    }
    ring(SH->cons_waiters);
    SH->cons_waiters = 0;
    memset(SH->shm_map, 0, sizeof SH->shm_map);
    for (int k = 0; k < NSHM; k++) {
        struct shm_seg *s = &SH->shm[k];
        s->nattch = 0;
        for (int i = 0; i < NPROC; i++)
            s->nattch += SH->procs[i].state == PROC_FREE ? 0 : SH->shm_att[i][k];
        if (s->state != SHM_FREE)
            mark_pages(s->first, s->npages, 1);
        seg_release(s);
    }
    for (uint32_t p = 0; p < SHM_ARENA_PAGES; p++)
        if (seg_page[p] && !page_used(p)) {
            sys_cap_delete(seg_page[p]);
            seg_page[p] = 0;
        }
}

static uint64_t serve(uint64_t op, uint64_t a1, uint64_t a2, uint32_t caller)
{
    /* An odd count here means a call was cut short (its caller destroyed
     * in the middle): the file system's lock, which that call may hold in
     * our name, is broken through a second handle and the file system
     * repaired (fs_break_lock), the tables too, and the count made even
     * again, before anything else. */
    if (SH->seq & 1) {
        struct fs breaker = fs;
        breaker.owner = 2;
        fs_break_lock(&breaker, fs.owner);
        repair_tables();
        repairs++;
        __atomic_store_n(&SH->seq, SH->seq + 1, __ATOMIC_RELEASE);
    }
    /* The caller's entry: the one we saw it in last (by its env's index,
     * the low byte of its id), checked, else a search. */
    /* A process that has exited (a zombie) may still reap: it lingers for
     * children whose envs it holds (unix_linger), and frees the entries of
     * those it reaped while they lingered in turn, once their envs end. */
    int me = slot_hint[caller & 0xff], zok = op == U_REAP ? PROC_ZOMBIE : PROC_RUNNING;
    if ((SH->procs[me].state != PROC_RUNNING && SH->procs[me].state != zok) ||
        SH->procs[me].env_id != caller) {
        me = -1;
        for (int i = 0; i < NPROC && me < 0; i++)
            if ((SH->procs[i].state == PROC_RUNNING || SH->procs[i].state == zok) &&
                SH->procs[i].env_id == caller)
                me = i;
        if (me >= 0)
            slot_hint[caller & 0xff] = (uint8_t)me;
    }
    if (op != U_BIND && (me < 0 || !binding[me].page))
        return (uint64_t)UNIX_ERR(EPERM); /* not a process of ours, or not bound */
    /* Odd: readers retry. (x86 keeps stores in order and loads in order,
     * so the count and the data need only the compiler's barriers.) */
    __atomic_store_n(&SH->seq, SH->seq + 1, __ATOMIC_RELEASE);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    int64_t r;
    if (op == U_BIND) {
        r = do_bind(me, a1, caller);
    } else {
        r = dispatch(me, op, (int64_t)a1, (int64_t)a2);
    }
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&SH->seq, SH->seq + 1, __ATOMIC_RELEASE);
    return (uint64_t)r;
}

/* Waiting for calls (they enter on the protected-entry stack). */
static __attribute__((noreturn)) void idle(void)
{
    for (;;)
        sys_block(0);
}

/* A reply that finds its caller gone (ended in the middle of the call)
 * returns to libexo's entry, which traps: we go back to waiting instead of
 * dying with every process's state. Any other exception is a bug of ours:
 * the same, after a word on the console. */
static char idle_stack[4096] __attribute__((aligned(16)));
static void on_exception(struct upcall_frame *f)
{
    if (f->vector != 6) /* (#UD: the trap after a failed sys_pct_reply) */
        printf("unixd: exception %lu at %lx\n", f->vector, f->rip);
    f->rip = (uint64_t)idle;
    f->rsp = (uint64_t)(idle_stack + sizeof idle_stack) - 8;
}

/* The first process made us and mapped the shared state here before
 * starting us; we find our copies of the doorbell and the console, open
 * the file system and wait for calls. */
int main(void)
{
    static struct cap_info ci[256];
    for (uint32_t base = 0; base < NCAPSLOTS; base += 256) {
        long n = sys_cap_list(base, ci, 256);
        if (n < 0)
            break;
        for (long i = 0; i < n; i++) {
            if (ci[i].type == CAP_NOTIFY && !doorbell)
                doorbell = base + (uint32_t)i;
            if (ci[i].type == CAP_DEVICE && ci[i].object % 256 == DEV_CONSOLE && !console)
                console = base + (uint32_t)i;
        }
    }
    if (SH->magic != SHARED_MAGIC ||
        fs_attach(&fs, (void *)UNIX_FS_VA, UNIX_FS_SIZE, NULL, 1) < 0) {
        printf("unixd: no shared state\n");
        return 1;
    }
    /* Grow our capability table and the page table of the argument pages
     * once, to what NPROC bindings and a full shm arena need: both stay as
     * long as we do, so later calls take no frame that does not come back
     * when what they made goes. */
    enum { NPRE = NPROC + SHM_ARENA_PAGES + NPIPE + 16 };
    static uint32_t pre[NPRE];
    for (int i = 0; i < NPRE; i++)
        pre[i] = (uint32_t)sys_frame_alloc(-1);
    exo_map(CAP_SELF, pre[0], (uint64_t)ARG(0), MMU_W);
    exo_map(CAP_SELF, pre[1], (uint64_t)PIPE_RING(0), MMU_W);
    for (int i = 0; i < NPRE; i++)
        sys_cap_delete(pre[i]);
    token_state = __builtin_ia32_rdtsc();
    for (int i = 0; i < NPROC; i++)
        if (SH->procs[i].state != PROC_FREE) /* the first process: it binds by its env id */
            binding[i].token = 0;
    exo_set_handler(UPCALL_EXCEPTION, on_exception);
    exo_set_pct_entry(serve);
    idle();
}
