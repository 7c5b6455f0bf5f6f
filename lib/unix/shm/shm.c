/* System V shared memory segments for the Unix library OS.
 *
 * Segments are carved from the arena: the part of the first 2 MiB block of
 * the shared region (UNIX_SHARED_VA) that struct shared leaves unused, from
 * SHM_ARENA_OFF to its end (448 pages). Every process of the library OS maps
 * that block writable at the same address, so attaching is bookkeeping: a
 * segment's address is the same in every process, and nothing is mapped or
 * unmapped. The processes of the library OS trust each other (they all write
 * the process table and the file system), so there are no permissions.
 *
 * Everything here is in the shared region, under sh_lock: the segment table,
 * the bitmap of arena pages in use, and the attachment counts of each
 * process (by its slot in the process table). Keeping the latter shared
 * lets whoever frees a process slot drop what that process left attached
 * (a child killed by its parent never runs its own exit). Not covered: a
 * child that dies with its parent (its env goes with the parent's
 * capabilities) is never waited for, so its attachments stay counted, as
 * its open files stay open.
 *
 * A segment is zero-filled when it is created, so nothing of an earlier
 * segment shows through; after IPC_RMID its key is free at once and its
 * pages go back to the arena when the last attachment goes. */
#include "../unix_internal.h"
#include "../../c/libc.h"

#define PAGE 4096UL

static int fail(int e)
{
    errno = e;
    return -1;
}

static void *seg_addr(const struct shm_seg *s)
{
    return (void *)(SHM_ARENA_VA + s->first * PAGE);
}

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

/* The first run of n free pages, or -1. */
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

/* The process-table slot of the calling process, or -1. */
static int my_slot(void)
{
    for (int i = 0; i < NPROC; i++)
        if (SH->procs[i].state != PROC_FREE && SH->procs[i].pid == unix_mypid)
            return i;
    return -1;
}

/* The live (used or removed) segment with this id, or NULL. */
static struct shm_seg *seg_of(int id)
{
    if (id < 0)
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
    s->state = SHM_FREE;
}

int shmget(key_t key, size_t size, int flags)
{
    sh_lock();
    if (key != IPC_PRIVATE) {
        for (int i = 0; i < NSHM; i++) {
            struct shm_seg *s = &SH->shm[i];
            if (s->state != SHM_USED || s->key != key)
                continue;
            int id = s->id, e = 0;
            if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
                e = EEXIST;
            else if (size > s->size)
                e = EINVAL;
            sh_unlock();
            return e ? fail(e) : id;
        }
        if (!(flags & IPC_CREAT)) {
            sh_unlock();
            return fail(ENOENT);
        }
    }
    if (size == 0 || size > SHM_ARENA_PAGES * PAGE) {
        sh_unlock();
        return fail(EINVAL);
    }
    int slot = -1;
    for (int i = 0; i < NSHM && slot < 0; i++)
        if (SH->shm[i].state == SHM_FREE)
            slot = i;
    if (slot < 0) {
        sh_unlock();
        return fail(ENOSPC);
    }
    uint32_t n = (uint32_t)((size + PAGE - 1) / PAGE);
    long first = first_fit(n);
    if (first < 0) {
        sh_unlock();
        return fail(ENOMEM);
    }
    struct shm_seg *s = &SH->shm[slot];
    int gen = s->id / NSHM + 1; /* the slot's next generation */
    if (gen >= (1 << 24))
        gen = 1;
    memset(s, 0, sizeof *s);
    s->state = SHM_USED;
    s->id = gen * NSHM + slot;
    s->key = key;
    s->mode = flags & 0777;
    s->cpid = unix_mypid;
    s->size = size;
    s->first = (uint32_t)first;
    s->npages = n;
    mark_pages(s->first, n, 1);
    memset(seg_addr(s), 0, n * PAGE); /* (under the lock: nobody can find it half made) */
    int id = s->id;
    sh_unlock();
    return id;
}

void *shmat(int id, const void *addr, int flags)
{
    if (addr || flags) { /* no placement, no read-only attachments: the arena is writable */
        fail(EINVAL);
        return (void *)-1;
    }
    sh_lock();
    struct shm_seg *s = seg_of(id);
    int me = my_slot();
    int e = 0;
    if (!s || s->state != SHM_USED || me < 0)
        e = EINVAL; /* no such segment, or removed */
    else if (SH->shm_att[me][id % NSHM] == UINT16_MAX)
        e = EMFILE;
    void *va = (void *)-1;
    if (!e) {
        SH->shm_att[me][id % NSHM]++;
        s->nattch++;
        s->lpid = unix_mypid;
        va = seg_addr(s);
    }
    sh_unlock();
    if (e)
        fail(e);
    return va;
}

int shmdt(const void *addr)
{
    sh_lock();
    int me = my_slot();
    for (int i = 0; i < NSHM && me >= 0; i++) {
        struct shm_seg *s = &SH->shm[i];
        if (s->state == SHM_FREE || seg_addr(s) != addr || !SH->shm_att[me][i])
            continue;
        SH->shm_att[me][i]--;
        s->nattch--;
        s->lpid = unix_mypid;
        seg_release(s);
        sh_unlock();
        return 0;
    }
    sh_unlock();
    return fail(EINVAL);
}

int shmctl(int id, int cmd, struct shmid_ds *buf)
{
    if (cmd != IPC_STAT && cmd != IPC_RMID)
        return fail(EINVAL);
    struct shmid_ds ds;
    sh_lock();
    struct shm_seg *s = seg_of(id);
    if (!s) {
        sh_unlock();
        return fail(EINVAL);
    }
    if (cmd == IPC_RMID) {
        s->state = SHM_REMOVED;
        s->key = IPC_PRIVATE;
        seg_release(s);
        sh_unlock();
        return 0;
    }
    memset(&ds, 0, sizeof ds);
    ds.shm_perm.key = s->key;
    ds.shm_perm.mode = (unsigned short)(s->mode | (s->state == SHM_REMOVED ? SHM_DEST : 0));
    ds.shm_segsz = s->size;
    ds.shm_cpid = s->cpid;
    ds.shm_lpid = s->lpid;
    ds.shm_nattch = (shmatt_t)s->nattch;
    sh_unlock();
    if (!buf)
        return fail(EFAULT);
    *buf = ds;
    return 0;
}

/* ---- process hooks (proc.c), sh_lock held ---- */

void shm_fork_locked(const struct proc *parent, const struct proc *child)
{
    uint16_t *from = SH->shm_att[parent - SH->procs], *to = SH->shm_att[child - SH->procs];
    for (int i = 0; i < NSHM; i++) {
        to[i] = from[i];
        SH->shm[i].nattch += from[i];
    }
}

void shm_drop_locked(const struct proc *p)
{
    uint16_t *att = SH->shm_att[p - SH->procs];
    for (int i = 0; i < NSHM; i++) {
        if (!att[i])
            continue;
        SH->shm[i].nattch -= att[i];
        att[i] = 0;
        seg_release(&SH->shm[i]);
    }
}
