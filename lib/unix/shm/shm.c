/* System V shared memory segments for the Unix library OS.
 *
 * Segments are carved from the arena: a 2 MiB block of its own at
 * SHM_ARENA_VA (448 pages of it are used) that every process of the library
 * OS maps writable at the same address, so attaching is bookkeeping: a
 * segment's address is the same in every process, and nothing is mapped or
 * unmapped. Segment contents are the programs' own: any process of the
 * library OS can write any segment, attached or not (no permissions).
 *
 * The bookkeeping is the server's (lib/unix/srv): the segment table, the
 * bitmap of arena pages in use and the attachment counts of each process
 * (by its slot in the process table) are in the shared state, read-only
 * here; shmget, shmat, shmdt and IPC_RMID are protected calls, IPC_STAT a
 * direct read. Keeping the counts shared lets the server drop what a
 * process left attached when it frees its slot (a child killed by its
 * parent never runs its own exit). Not covered: a child that dies with its
 * parent (its env goes with the parent's capabilities) is never waited for,
 * so its attachments stay counted, as its open files stay open.
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

int shmget(key_t key, size_t size, int flags)
{
    UNIX_ARG->x[0] = flags;
    return (int)unix_call(U_SHMGET, (uint64_t)(int64_t)key,
                          size > (1UL << 40) ? (1UL << 40) : size);
}

void *shmat(int id, const void *addr, int flags)
{
    if (addr || flags) { /* no placement, no read-only attachments: the arena is writable */
        fail(EINVAL);
        return (void *)-1;
    }
    int64_t first = unix_call(U_SHMAT, (uint64_t)(int64_t)id, 0);
    return first < 0 ? (void *)-1 : (void *)(SHM_ARENA_VA + (uint64_t)first * PAGE);
}

int shmdt(const void *addr)
{
    return unix_call(U_SHMDT, (uint64_t)addr, 0) < 0 ? -1 : 0;
}

int shmctl(int id, int cmd, struct shmid_ds *buf)
{
    if (cmd == IPC_RMID)
        return unix_call(U_SHMRM, (uint64_t)(int64_t)id, 0) < 0 ? -1 : 0;
    if (cmd != IPC_STAT)
        return fail(EINVAL);
    struct shmid_ds ds;
    int found;
    uint64_t seq;
    do {
        seq = sh_read_begin();
        const struct shm_seg *s = id >= 0 ? &SH->shm[id % NSHM] : NULL;
        found = s && s->state != SHM_FREE && s->id == id;
        memset(&ds, 0, sizeof ds);
        if (found) {
            ds.shm_perm.key = s->key;
            ds.shm_perm.mode = (unsigned short)(s->mode | (s->state == SHM_REMOVED ? SHM_DEST : 0));
            ds.shm_segsz = s->size;
            ds.shm_cpid = s->cpid;
            ds.shm_lpid = s->lpid;
            ds.shm_nattch = (shmatt_t)s->nattch;
        }
    } while (sh_read_retry(seq));
    if (!found)
        return fail(EINVAL);
    if (!buf)
        return fail(EFAULT);
    *buf = ds;
    return 0;
}
