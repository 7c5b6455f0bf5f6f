/* System V shared memory segments for the Unix library OS.
 *
 * Segments are carved from the arena: an address range (SHM_ARENA_VA, 448
 * pages) where each segment has its place, the same in every process, so
 * a segment has the same address everywhere. Its pages are frames of the
 * server (lib/unix/srv), allocated zeroed when the segment is made. A
 * process maps them only while it is attached: the first shmat in a
 * process gives it copies of the server's capabilities (mapped here), its
 * last shmdt unmaps and deletes them, and when the segment goes the server
 * deletes its own, so nothing of it stays mapped anywhere. Segment contents
 * are the programs' own: any process may attach any segment (no
 * permissions), but one that is not attached cannot write it by mistake.
 *
 * The bookkeeping is the server's: the segment table, the bitmap of arena
 * pages in use and the attachment counts of each process (by its slot in
 * the process table) are in the shared state, read-only here; shmget,
 * shmat, shmdt and IPC_RMID are protected calls, IPC_STAT a direct read.
 * Keeping the counts shared lets the server drop what a process left
 * attached when it frees its slot (a child killed by its parent never runs
 * its own exit; children that died with their parent go with it). A forked
 * child inherits its parent's counts and maps the segments at its start
 * (shm_child_attach); exec drops them.
 *
 * After IPC_RMID the key is free at once and the pages go when the last
 * attachment goes. */
#include "../unix_internal.h"
#include "../../exo/exo.h"
#include "../../c/libc.h"

#define PAGE 4096UL

static int fail(int e)
{
    errno = e;
    return -1;
}

/* Deletes our capabilities for the arena pages [first, first + n) (which
 * unmaps them). */
static void unmap_pages(uint64_t first, uint64_t n)
{
    static struct cap_info ci[256];
    uint64_t lo = SHM_ARENA_VA + first * PAGE, hi = lo + n * PAGE;
    for (uint32_t base = 0; base < NCAPSLOTS; base += 256) {
        exo_touch(ci, sizeof ci);
        long k = sys_cap_list(base, ci, 256);
        if (k < 0)
            break;
        for (long i = 0; i < k; i++)
            if (ci[i].type == CAP_FRAME && ci[i].mapped_env == exo_info->id &&
                ci[i].mapped_va >= lo && ci[i].mapped_va < hi)
                sys_cap_delete(base + (uint32_t)i);
    }
}

/* Maps the pages the server just gave (slots on our argument page) from
 * arena page first on; 0, or -1 (what was given is deleted). */
static int map_given(int64_t first, int64_t given)
{
    static uint32_t slots[SHM_ARENA_PAGES];
    static struct mmu_op ops[SHM_ARENA_PAGES];
    if (given < 0 || given > SHM_ARENA_PAGES)
        return fail(EIO);
    memcpy(slots, UNIX_ARG->data, (size_t)given * sizeof slots[0]);
    exo_touch(ops, sizeof ops);
    if (first < 0) { /* the server failed midway: give back what came */
        for (int64_t k = 0; k < given; k++)
            sys_cap_delete(slots[k]);
        return -1;
    }
    for (int64_t k = 0; k < given; k++)
        ops[k] = (struct mmu_op){SHM_ARENA_VA + ((uint64_t)first + (uint64_t)k) * PAGE, slots[k],
                                 MMU_MAP | MMU_W};
    if (given && sys_mmu_update(CAP_SELF, ops, (uint64_t)given) != given) {
        for (int64_t k = 0; k < given; k++)
            sys_cap_delete(slots[k]);
        return fail(ENOMEM);
    }
    return 0;
}

int shmget(key_t key, size_t size, int flags)
{
    UNIX_ARG->x[0] = flags;
    return (int)unix_call(U_SHMGET, (uint64_t)(int64_t)key,
                          size > (1UL << 40) ? (1UL << 40) : size);
}

void *shmat(int id, const void *addr, int flags)
{
    if (addr || flags) { /* no placement, no read-only attachments */
        fail(EINVAL);
        return (void *)-1;
    }
    int64_t first = unix_call(U_SHMAT, (uint64_t)(int64_t)id, 0);
    int e = errno;
    if (map_given(first, UNIX_ARG->x[0]) < 0) {
        if (first >= 0) /* (counted, but not mapped: undo) */
            unix_call(U_SHMDT, SHM_ARENA_VA + (uint64_t)first * PAGE, 0);
        else
            errno = e;
        return (void *)-1;
    }
    return (void *)(SHM_ARENA_VA + (uint64_t)first * PAGE);
}

int shmdt(const void *addr)
{
    int64_t left = unix_call(U_SHMDT, (uint64_t)addr, 0);
    if (left < 0)
        return -1;
    if (left == 0) /* our last attachment of it: its pages go from here */
        unmap_pages((uint64_t)UNIX_ARG->x[0], (uint64_t)UNIX_ARG->x[1]);
    return 0;
}

void shm_child_attach(void)
{
    if (unix_chan < 0)
        return;
    int ids[NSHM], n; /* (one consistent read of our attachments, then the calls) */
    uint64_t seq;
    do {
        seq = sh_read_begin();
        n = 0;
        for (int k = 0; k < NSHM; k++)
            if (SH->shm_att[unix_chan][k])
                ids[n++] = SH->shm[k].id;
    } while (sh_read_retry(seq));
    for (int i = 0; i < n; i++) {
        int64_t first = unix_call(U_SHMMAP, (uint64_t)ids[i], 0);
        map_given(first, UNIX_ARG->x[0]);
    }
}

/* Detaches every segment we have attached, as often as it is attached,
 * but the one at keep (the Linux personality's execve in place: the new
 * image starts with no mappings, as Linux's; the personality's own lock
 * table stays). */
void shm_detach_all(const void *keep)
{
    for (int k = 0; k < NSHM && unix_chan >= 0; k++) {
        for (;;) {
            uint64_t seq, va;
            int att;
            do {
                seq = sh_read_begin();
                att = SH->shm_att[unix_chan][k];
                va = SHM_ARENA_VA + (uint64_t)SH->shm[k].first * PAGE;
            } while (sh_read_retry(seq));
            if (!att || va == (uint64_t)keep || shmdt((const void *)va) < 0)
                break;
        }
    }
}

/* The id of the segment we have attached whose pages hold va, or -1. */
static int seg_at(uint64_t va)
{
    int id;
    uint64_t seq;
    do {
        seq = sh_read_begin();
        id = -1;
        for (int k = 0; k < NSHM && unix_chan >= 0 && id < 0; k++) {
            const struct shm_seg *s = &SH->shm[k];
            uint64_t lo = SHM_ARENA_VA + (uint64_t)s->first * PAGE;
            if (s->state != SHM_FREE && SH->shm_att[unix_chan][k] && va >= lo &&
                va < lo + (uint64_t)s->npages * PAGE)
                id = s->id;
        }
    } while (sh_read_retry(seq));
    return id;
}

int shm_attached(uint64_t va)
{
    return seg_at(va) >= 0;
}

/* For the Linux personality's mprotect of MAP_SHARED memory, whose
 * PROT_NONE pages it unmaps (deleting our capabilities): maps the pages of
 * [lo, hi) that are not mapped again with perms, from fresh capabilities
 * the server gives (U_SHMMAP: every page of the segment; those not needed
 * are deleted). Every page must lie in one segment we have attached. */
int shm_remap(uint64_t lo, uint64_t hi, uint32_t perms)
{
    static uint32_t slots[SHM_ARENA_PAGES];
    int id = seg_at(lo);
    if (id < 0 || hi <= lo || seg_at(hi - 1) != id)
        return fail(EINVAL);
    int64_t first = unix_call(U_SHMMAP, (uint64_t)id, 0);
    int64_t given = UNIX_ARG->x[0];
    if (given < 0 || given > SHM_ARENA_PAGES)
        return fail(EIO);
    memcpy(slots, UNIX_ARG->data, (size_t)given * sizeof slots[0]);
    int bad = first < 0;
    for (int64_t k = 0; k < given; k++) {
        uint64_t va = SHM_ARENA_VA + ((uint64_t)first + (uint64_t)k) * PAGE;
        if (bad || va < lo || va >= hi || (exo_pte(va) & PTE_P) ||
            exo_map(CAP_SELF, slots[k], va, perms) != 1) {
            if (!bad && va >= lo && va < hi && !(exo_pte(va) & PTE_P))
                bad = 1;
            sys_cap_delete(slots[k]);
        }
    }
    return bad ? fail(ENOMEM) : 0;
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
