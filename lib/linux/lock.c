/* POSIX advisory record locks (fcntl F_GETLK, F_SETLK, F_SETLKW and the
 * F_OFD_* forms) between the Linux processes of the Unix library OS.
 *
 * The locks of every process are in one table, a System V shared memory
 * segment (lib/unix/shm, key LK_KEY) that each process attaches at its
 * first lock call: the segment has the same address in every process and
 * fork keeps the attachment. A lock is (pid, inode, type, [start, end)).
 * As on Linux: a process's locks never conflict with each other (a new lock
 * replaces, splits or extends its own ranges), read locks share, a write
 * lock excludes; closing any descriptor of a file drops the process's locks
 * on it; they go at exit. A process that ended without (killed) leaves
 * entries that the next look at them drops (its pid no longer runs).
 * Limits: F_OFD_* locks are owned by the process, not by the open file
 * description; F_SETLKW polls (no deadlock detection, no EINTR); files are
 * told apart by inode number only (a file under /disk and an in-memory one
 * with the same number share locks: more exclusion, never less). */
#include "linux.h"
#include "../c/libc.h"
#include "../unix/unix_internal.h"

#define LK_KEY 0x4c584c4b /* "LXLK" */
#define LK_MAX 240
#define LK_INF INT64_MAX /* a lock to the end of the file and beyond */

#define F_RDLCK      0
#define F_WRLCK      1
#define F_UNLCK      2
#define F_GETLK      5
#define F_SETLKW     7
#define F_OFD_GETLK  36
#define F_OFD_SETLKW 38

struct lk {
    int pid; /* 0: a free entry */
    int type;
    uint32_t ino;
    int64_t start, end; /* [start, end) */
};
/* The shared table. spin is 0 or the pid of the process that holds it:
 * whoever holds it may change l[]; it is held only inside this file's
 * calls, which make no other call that could wait. */
struct lk_table {
    int spin;
    struct lk l[LK_MAX];
};
_Static_assert(sizeof(struct lk_table) <= 8192, "two pages at most");

static struct lk_table *tab;
static int held; /* locks this process may hold (a hint for close) */

/* Linux's struct flock. */
struct lx_flock {
    int16_t type, whence;
    int32_t pad;
    int64_t start, len;
    int32_t pid, pad2;
};

/* Where the lock table is attached (NULL: not yet): execve keeps it. */
const void *lx_lock_table(void)
{
    return tab;
}

static struct lk_table *table(void)
{
    if (tab)
        return tab;
    int id = shmget(LK_KEY, sizeof(struct lk_table), IPC_CREAT | 0600);
    if (id < 0)
        return NULL;
    void *p = shmat(id, NULL, 0);
    if (p == (void *)-1)
        return NULL;
    tab = p;
    return tab;
}

/* Whether a process with this pid runs (not a zombie). */
static int alive(int pid)
{
    struct proc_info pi;
    for (int i = 0; i < NPROC; i++)
        if (proc_get(i, &pi) == 0 && pi.pid == pid && pi.state == PROC_RUNNING)
            return 1;
    return 0;
}

static void acquire(void)
{
    int me = getpid();
    for (int spins = 0;; spins++) {
        int zero = 0;
        if (__atomic_compare_exchange_n(&tab->spin, &zero, me, 0, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return;
        int holder = __atomic_load_n(&tab->spin, __ATOMIC_RELAXED);
        /* A holder that ended inside (killed) never lets go: take it over. */
        if (spins > 16 && holder && !alive(holder) &&
            __atomic_compare_exchange_n(&tab->spin, &holder, me, 0, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return;
        sys_yield(-1);
    }
}

static void release(void)
{
    __atomic_store_n(&tab->spin, 0, __ATOMIC_RELEASE);
}

/* Another process's lock on ino that conflicts with type over [s, e), or
 * NULL; entries of processes that have ended are dropped on the way. */
static struct lk *conflict(uint32_t ino, int me, int type, int64_t s, int64_t e)
{
    for (int i = 0; i < LK_MAX; i++) {
        struct lk *l = &tab->l[i];
        if (!l->pid || l->pid == me || l->ino != ino || l->end <= s || l->start >= e)
            continue;
        if (type != F_WRLCK && l->type != F_WRLCK)
            continue;
        if (!alive(l->pid)) {
            l->pid = 0;
            continue;
        }
        return l;
    }
    return NULL;
}

static struct lk *free_entry(void)
{
    for (int i = 0; i < LK_MAX; i++)
        if (!tab->l[i].pid)
            return &tab->l[i];
    return NULL;
}

/* Makes [s, e) of ino ours with type (F_UNLCK: not ours): our entries
 * there are cut away (split if need be), then the new one is added.
 * -ENOLCK when the table is full (nothing changed then). */
static long set(uint32_t ino, int me, int type, int64_t s, int64_t e)
{
    int need = type != F_UNLCK, splits = 0, frees = 0;
    for (int i = 0; i < LK_MAX; i++) {
        struct lk *l = &tab->l[i];
        if (!l->pid)
            frees++;
        else if (l->pid == me && l->ino == ino && l->start < s && l->end > e)
            splits++;
    }
    if (need + splits > frees)
        return -LX_ENOLCK;
    for (int i = 0; i < LK_MAX; i++) {
        struct lk *l = &tab->l[i];
        if (l->pid != me || l->ino != ino || l->end <= s || l->start >= e)
            continue;
        if (l->start < s && l->end > e) { /* the new range is inside: split */
            struct lk *r = free_entry();
            *r = *l;
            r->start = e;
            l->end = s;
        } else if (l->start < s) {
            l->end = s;
        } else if (l->end > e) {
            l->start = e;
        } else {
            l->pid = 0;
        }
    }
    if (need) {
        struct lk *n = free_entry();
        n->pid = me, n->type = type, n->ino = ino, n->start = s, n->end = e;
        held = 1;
    }
    return 0;
}

/* Drops this process's locks on ino (every inode: ino 0). */
static void drop(uint32_t ino)
{
    int me = getpid();
    acquire();
    for (int i = 0; i < LK_MAX; i++)
        if (tab->l[i].pid == me && (!ino || tab->l[i].ino == ino))
            tab->l[i].pid = 0;
    release();
}

/* close(fd) is about to happen: POSIX drops the process's locks on the
 * file, whichever descriptor took them. */
void lx_lock_close(int fd)
{
    struct stat st;
    if (!held || !tab || fd_type(fd) != OF_FILE || fstat(fd, &st) < 0)
        return;
    drop((uint32_t)st.st_ino);
}

/* The process ends: all its locks go. */
void lx_lock_exit(void)
{
    if (held && tab)
        drop(0);
}

long lx_lock(int fd, int cmd, uint64_t arg)
{
    int t = fd_type(fd);
    if (t < 0)
        return -LX_EBADF;
    if (!lx_ok(arg, sizeof(struct lx_flock), cmd == F_GETLK || cmd == F_OFD_GETLK))
        return -LX_EFAULT;
    struct lx_flock *fl = (struct lx_flock *)arg;
    int ofd = cmd >= F_OFD_GETLK;
    if (fl->type != F_RDLCK && fl->type != F_WRLCK && fl->type != F_UNLCK)
        return -LX_EINVAL;
    if (ofd && fl->pid != 0)
        return -LX_EINVAL;
    if (t != OF_FILE)
        return -LX_EINVAL; /* (pipes, the console, directories: nothing to lock here) */
    int64_t base;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -LX_EBADF;
    switch (fl->whence) {
    case 0:
        base = 0;
        break;
    case 1:
        base = (int64_t)lseek(fd, 0, 1);
        break;
    case 2:
        base = (int64_t)st.st_size;
        break;
    default:
        return -LX_EINVAL;
    }
    if (base < 0 || (fl->start > 0 && base > LK_INF - fl->start))
        return -LX_EOVERFLOW;
    int64_t s = base + fl->start, e;
    if (fl->len > 0) {
        if (s > LK_INF - fl->len)
            return -LX_EOVERFLOW;
        e = s + fl->len;
    } else if (fl->len == 0) {
        e = LK_INF;
    } else {
        e = s;
        s = s + fl->len;
    }
    if (s < 0)
        return -LX_EINVAL;
    if (!table())
        return -LX_ENOLCK; /* no table */
    uint32_t ino = (uint32_t)st.st_ino;
    int me = getpid();
    if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
        if (fl->type == F_UNLCK)
            return -LX_EINVAL;
        acquire();
        struct lk *l = conflict(ino, me, fl->type, s, e);
        if (l) {
            fl->type = (int16_t)l->type;
            fl->whence = 0;
            fl->start = l->start;
            fl->len = l->end == LK_INF ? 0 : l->end - l->start;
            fl->pid = ofd ? -1 : l->pid;
        } else {
            fl->type = F_UNLCK;
        }
        release();
        return 0;
    }
    for (;;) {
        acquire();
        if (fl->type == F_UNLCK || !conflict(ino, me, fl->type, s, e)) {
            long r = set(ino, me, fl->type, s, e);
            release();
            return r;
        }
        release();
        if (cmd != F_SETLKW && cmd != F_OFD_SETLKW)
            return -LX_EAGAIN;
        usleep(1000); /* F_SETLKW: look again */
    }
}
