/* t_diskfs's diskd part (included by t_diskfs.c): diskd, the disk file
 * system as a server env (protected control transfer):
 * the test gives it a sub-range of the scratch disk and binds; an honest
 * part makes, writes, fsyncs, renames, lists and reads back files; a
 * hostile part sends unknown ops, garbage numbers, unterminated paths,
 * lengths past the dd_page and random bytes on the argument dd_page (written
 * while calls run too), and an env without R_CALL tries to dd_call. After it
 * the honest files are intact and the server's fsck of the unmounted disk
 * finds nothing; a second mount still has everything. Two more clients at
 * once (dd_two_clients) and repossession (dd_repossess) are below. */
#include "../../lib/diskfs/diskd.h"

#define DD_PAGE_VA 0x0000520000000000UL
#define DD_FIRST   12800
#define DD_COUNT   2048

static uint32_t dd_srv;
static uint8_t *dd_page = (uint8_t *)DD_PAGE_VA;

static long dd_call(uint64_t op, uint64_t a1, uint64_t a2)
{
    long r;
    while ((r = sys_pct_call(dd_srv, op, a1, a2)) == -E_AGAIN)
        sys_yield(-1);
    return r;
}

static long dd_path_call(uint64_t op, const char *p, uint64_t a1, uint64_t a2)
{
    strcpy((char *)dd_page, p);
    return dd_call(op, a1, a2);
}

static uint8_t dd_want[3 * 4096];

static int dd_check_files(void)
{
    int bad = 0;
    long f = dd_path_call(DISKD_OPEN, "/dir/renamed", DFS_O_READ, 0);
    if (f <= 0)
        return 1;
    for (int k = 0; k < 3; k++) {
        uint64_t n = 4096;
        memcpy(dd_page, &n, 8);
        if (dd_call(DISKD_READ, (uint64_t)f, (uint64_t)k * 4096) != 4096 ||
            memcmp(dd_page, dd_want + k * 4096, 4096) != 0)
            bad++;
    }
    dd_call(DISKD_CLOSE, (uint64_t)f, 0);
    return bad;
}

/* Two more clients at once (t_diskd_client, each an env with a call
 * capability to the server): they interleave their calls with each other's
 * and ours, and their hostile part (our 0600 file, our directories, inodes
 * they did not open, our calls, garbage) gets errors only. Afterwards our
 * files are intact and theirs are there, owned by DISKD_NOBODY. */
static void dd_two_clients(void)
{
    CHECK_EQ(dd_path_call(DISKD_MKDIR, "/shared", 0777, 0), 0);
    long s = dd_path_call(DISKD_OPEN, "/dir/secret", DFS_O_CREAT | DFS_O_WRITE, 0600);
    uint64_t n = 6;
    memcpy(dd_page, &n, 8);
    memcpy(dd_page + 8, "secret", 6);
    CHECK_EQ(dd_call(DISKD_WRITE, (uint64_t)s, 0), 6);
    CHECK_EQ(dd_call(DISKD_CLOSE, (uint64_t)s, 0), 0);
    /* Each its own notification object: channel 1 (done, checks held) and
     * 2 (a check failed) ring bits 1 and 2 of child 0, 3 and 4 of child 1. */
    long kids[2], nt[2];
    for (int i = 0; i < 2; i++) {
        nt[i] = sys_notify_create();
        CHECK_EQ(nt[i] > 0, 1);
        CHECK_EQ(sys_notify_bind((uint32_t)nt[i], 1, 0x2UL << (2 * i)), 0);
        CHECK_EQ(sys_notify_bind((uint32_t)nt[i], 2, 0x4UL << (2 * i)), 0);
        kids[i] = exo_spawn("t_diskd_client", 128);
        CHECK_EQ(kids[i] > 0, 1);
        CHECK_EQ(sys_cap_derive(dd_srv, R_CALL, (uint32_t)kids[i]) > 0, 1);
        CHECK_EQ(sys_cap_derive((uint32_t)nt[i], R_WRITE, (uint32_t)kids[i]) > 0, 1);
    }
    /* Meanwhile, our own calls between theirs. */
    uint64_t ev = 0;
    int mine = 0;
    for (int i = 0; i < 20000 && !((ev & 0x6) && (ev & 0x18)); i++) {
        mine += dd_check_files() == 0;
        long p = sys_block(1000); /* (their rings; else a slot later) */
        if (p > 0)
            ev |= (uint64_t)p;
    }
    CHECK_EQ(ev & 0x1e, 0xa); /* both done, neither failed a check */
    CHECK_EQ(mine > 0, 1);
    for (int i = 0; i < 2; i++) {
        sys_cap_delete((uint32_t)kids[i]);
        sys_cap_delete((uint32_t)nt[i]);
    }
    int theirs = 0;
    for (int k = 0; k < DISKD_CLIENTS; k++) {
        char name[32];
        snprintf(name, sizeof name, "/shared/c%d", k);
        long f = dd_path_call(DISKD_OPEN, name, DFS_O_READ, 0);
        if (f <= 0)
            continue;
        struct dfs_stat st;
        CHECK_EQ(dd_call(DISKD_STAT, (uint64_t)f, 0), 0);
        memcpy(&st, dd_page, sizeof st);
        theirs += st.size == 40000 && st.uid == DISKD_NOBODY;
        dd_call(DISKD_CLOSE, (uint64_t)f, 0);
    }
    CHECK_EQ(theirs, 2);
    s = dd_path_call(DISKD_OPEN, "/dir/secret", DFS_O_READ, 0);
    n = 64;
    memcpy(dd_page, &n, 8);
    CHECK_EQ(dd_call(DISKD_READ, (uint64_t)s, 0), 6);
    CHECK_EQ(memcmp(dd_page, "secret", 6), 0);
    dd_call(DISKD_CLOSE, (uint64_t)s, 0);
}

/* A server started on our sub-range, bound and mounted (mkfs: make one). */
static long dd_start(long disk, int mkfs)
{
    long s = exo_spawn("diskd", 4096);
    CHECK_EQ(s > 0, 1);
    if (s <= 0)
        return -1;
    dd_srv = (uint32_t)s;
    /* The server's own block capability: a sub-range, given into its table. */
    long blk = sys_blk_derive((uint32_t)disk, DD_FIRST, DD_COUNT, R_READ | R_WRITE, dd_srv);
    CHECK_EQ(blk > 0, 1);
    long pg;
    for (int i = 0; i < 1000 && (pg = sys_pct_call(dd_srv, DISKD_BIND, 0, 0)) == -E_INVAL; i++)
        sys_yield(-1);
    CHECK_EQ(pg > 0, 1);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)pg, DD_PAGE_VA, MMU_W), 1);
    CHECK_EQ(dd_call(DISKD_MOUNT, (uint64_t)blk, (uint64_t)mkfs), 0);
    return blk;
}

/* Repossession: the kernel asks the server for 100 frames back
 * (sys_env_revoke) while a file it was given is only in its cache, dirty
 * (no fsync). Its revocation handler commits, then gives back clean cache
 * pages (dfs_autosave). It goes on working with the smaller cache; then it
 * is destroyed without an unmount or a sync, and a new server mounting the
 * same blocks finds the file whole: the dirty buffers reached the disk
 * before the frames went. */
static void dd_repossess(long disk)
{
    static uint8_t want[3 * 4000];
    for (int i = 0; i < (int)sizeof want; i++)
        want[i] = (uint8_t)(i * 11 + 3);
    long f = dd_path_call(DISKD_OPEN, "/auto", DFS_O_CREAT | DFS_O_WRITE, 0644);
    CHECK_EQ(f > 0, 1);
    for (int k = 0; k < 3; k++) {
        uint64_t n = 4000;
        memcpy(dd_page, &n, 8);
        memcpy(dd_page + 8, want + k * 4000, 4000);
        CHECK_EQ(dd_call(DISKD_WRITE, (uint64_t)f, (uint64_t)k * 4000), 4000);
    }
    CHECK_EQ(dd_call(DISKD_CLOSE, (uint64_t)f, 0), 0);
    long before = dd_call(DISKD_CACHE, 0, 0), after = before;
    CHECK_EQ(before > 200, 1);
    CHECK_EQ(sys_env_revoke(dd_srv, REVOKE_FRAMES, 100, 10000), 0);
    for (int i = 0; i < 100000 && after > before - 100; i++) {
        sys_yield(-1);
        after = dd_call(DISKD_CACHE, 0, 0);
    }
    CHECK_EQ(after, before - 100);
    CHECK_EQ(dd_check_files(), 0);       /* (through the smaller cache) */
    CHECK_EQ(sys_cap_delete(dd_srv), 0); /* no unmount, no sync */
    dd_start(disk, 0);
    f = dd_path_call(DISKD_OPEN, "/auto", DFS_O_READ, 0);
    CHECK_EQ(f > 0, 1);
    int same = 0;
    for (int k = 0; k < 3; k++) {
        uint64_t n = 4000;
        memcpy(dd_page, &n, 8);
        same += dd_call(DISKD_READ, (uint64_t)f, (uint64_t)k * 4000) == 4000 &&
                memcmp(dd_page, want + k * 4000, 4000) == 0;
    }
    CHECK_EQ(same, 3);
    CHECK_EQ(dd_call(DISKD_CLOSE, (uint64_t)f, 0), 0);
    CHECK_EQ(dd_check_files(), 0);
}

static void diskd_main(long disk)
{
    long blk = dd_start(disk, 1);
    if (blk < 0)
        return;

    /* Honest. */
    CHECK_EQ(dd_path_call(DISKD_MKDIR, "/dir", 0755, 0), 0);
    long f = dd_path_call(DISKD_OPEN, "/dir/file", DFS_O_CREAT | DFS_O_WRITE, 0644);
    CHECK_EQ(f > 0, 1);
    for (int i = 0; i < (int)sizeof dd_want; i++)
        dd_want[i] = (uint8_t)(i * 7 + i / 4096);
    for (int k = 0; k < 3; k++) {
        uint64_t n = 4088;
        memcpy(dd_page, &n, 8);
        memcpy(dd_page + 8, dd_want + k * 4088, 4088);
        CHECK_EQ(dd_call(DISKD_WRITE, (uint64_t)f, (uint64_t)k * 4088), 4088);
    }
    uint64_t n = 3 * 4096 - 3 * 4088;
    memcpy(dd_page, &n, 8);
    memcpy(dd_page + 8, dd_want + 3 * 4088, n);
    CHECK_EQ(dd_call(DISKD_WRITE, (uint64_t)f, 3 * 4088), (long)n);
    CHECK_EQ(dd_call(DISKD_FSYNC, (uint64_t)f, 0), 0);
    CHECK_EQ(dd_call(DISKD_STAT, (uint64_t)f, 0), 0);
    struct dfs_stat st;
    memcpy(&st, dd_page, sizeof st);
    CHECK_EQ(st.size, sizeof dd_want);
    CHECK_EQ(dd_call(DISKD_CLOSE, (uint64_t)f, 0), 0);
    memcpy(dd_page, "/dir/file\0/dir/renamed", 23);
    CHECK_EQ(dd_call(DISKD_RENAME, 0, 0), 0);
    long d = dd_path_call(DISKD_OPEN, "/dir", DFS_O_READ | DFS_O_DIRECTORY, 0);
    int entries = 0;
    uint64_t pos = 0;
    while (dd_call(DISKD_READDIR, (uint64_t)d, pos) == 1) {
        memcpy(&pos, dd_page, 8);
        entries++;
    }
    CHECK_EQ(entries, 3); /* ".", "..", "renamed" */
    dd_call(DISKD_CLOSE, (uint64_t)d, 0);
    CHECK_EQ(dd_check_files(), 0);
    dd_two_clients();

    /* Hostile. */
    memset(dd_page, 'a', 4096); /* no NUL anywhere */
    CHECK_EQ(dd_call(DISKD_OPEN, DFS_O_CREAT, 0644), -DFS_ENAMETOOLONG);
    CHECK_EQ(dd_call(DISKD_RENAME, 0, 0), -DFS_ENAMETOOLONG);
    n = 1ull << 40;
    memcpy(dd_page, &n, 8);
    CHECK_EQ(dd_call(DISKD_WRITE, 2, 0), -DFS_EBADF); /* (inode 2: not one we have open) */
    f = dd_path_call(DISKD_OPEN, "/dir/renamed", DFS_O_READ | DFS_O_WRITE, 0);
    memcpy(dd_page, &n, 8);
    CHECK_EQ(dd_call(DISKD_WRITE, (uint64_t)f, 0), -DFS_EINVAL);
    CHECK_EQ(dd_call(DISKD_CLOSE, (uint64_t)f, 0), 0);
    CHECK_EQ(dd_call(DISKD_CLOSE, (uint64_t)f, 0), -DFS_EBADF); /* (closed: no more ours) */
    CHECK_EQ(dd_call(DISKD_CRED, 1ull << 32, 0), -DFS_EINVAL);
    CHECK_EQ(dd_call(DISKD_UNBIND, 0, 0), -DFS_EBUSY); /* (the mounter stays) */
    CHECK_EQ(dd_call(DISKD_READ, 1ull << 40, 0), -DFS_EBADF);
    CHECK_EQ(dd_call(DISKD_STAT, 0xffffffffu, 0), -DFS_EBADF);
    CHECK_EQ(dd_call(DISKD_TRUNCATE, 123456789, 0), -DFS_EBADF);
    CHECK_EQ(dd_call(DISKD_MOUNT, 5, 1), -DFS_EBUSY); /* no second mkfs under it */
    CHECK_EQ(dd_call(0, 0, 0), -DFS_EINVAL);
    CHECK_EQ(dd_call(DISKD_NOPS + 7, 1, 2), -DFS_EINVAL);
    long weak = sys_cap_derive(dd_srv, R_CONTROL, CAP_SELF);
    CHECK_EQ(sys_pct_call((uint32_t)weak, DISKD_SYNC, 0, 0), -E_PERM);
    uint32_t r = 12345;
    int answered = 0;
    for (int i = 0; i < 3000; i++) {
        for (int k = 0; k < 4096; k += 4) {
            r ^= r << 13;
            r ^= r >> 17;
            r ^= r << 5;
            memcpy(dd_page + k, &r, 4);
        }
        if (i % 3 == 0)
            dd_page[(r >> 8) % 200] = 0;                          /* sometimes a path */
        uint64_t op = DISKD_OPEN + r % (DISKD_CRED - DISKD_OPEN); /* (CRED, UNBIND: below) */
        /* garbage numbers (never a live inode: those are small) */
        uint64_t a1 = (uint64_t)r << 20 | 0x100000, a2 = (uint64_t)r * 2654435761u;
        if (op == DISKD_OPEN || op == DISKD_MKDIR)
            a1 &= DFS_O_CREAT | DFS_O_EXCL | DFS_O_READ;
        long x = dd_call(op, a1, a2);
        answered += x >= -100;
    }
    CHECK_EQ(answered, 3000);
    CHECK_EQ(dd_check_files(), 0);
    CHECK_EQ(dd_call(DISKD_UNMOUNT, 0, 0), 0);
    CHECK_EQ(dd_call(DISKD_CHECK, 0, 0), 0);
    CHECK_EQ(dd_call(DISKD_MOUNT, (uint64_t)blk, 0), 0);
    CHECK_EQ(dd_check_files(), 0);
    dd_repossess(disk);
    CHECK_EQ(dd_call(DISKD_UNMOUNT, 0, 0), 0);
    CHECK_EQ(dd_call(DISKD_CHECK, 0, 0), 0);
    CHECK_EQ(sys_cap_delete(dd_srv), 0);
}
