/* Helper for t_diskfs (not in the manifest): a second client of diskd, one
 * of two at once. Its parent (diskd's mounter) puts a call capability to
 * diskd and a notification capability in its table. It binds (uid and gid
 * DISKD_NOBODY), makes a file of its own under /shared (mode 0777) and
 * writes it a piece at a time, yielding in between so that its calls and
 * the other client's interleave, and reads it back. Then, hostile: it
 * tries what a client must not do (the mounter's 0600 file, writes in
 * directories it may not write, inodes it did not open, the mounter's
 * calls, garbage), each with its error. It unbinds last. It rings channel
 * 1 if every check held, else channel 2. */
#include "../../lib/exo/exo.h"
#include "../../lib/diskfs/diskfs.h"
#include "../../lib/diskfs/diskd.h"
#include "../../lib/c/libc.h"

#define PAGE_VA 0x0000520000000000UL
static uint8_t *pg = (uint8_t *)PAGE_VA;
static uint32_t srv;
static int bad;

static long call(uint64_t op, uint64_t a1, uint64_t a2)
{
    long r;
    while ((r = sys_pct_call(srv, op, a1, a2)) == -E_AGAIN)
        sys_yield(-1);
    return r;
}

static long pcall(uint64_t op, const char *p, uint64_t a1, uint64_t a2)
{
    strcpy((char *)pg, p);
    return call(op, a1, a2);
}

static void expect(long got, long want, int line)
{
    if (got != want) {
        printf("t_diskd_client: line %d: %ld, expected %ld\n", line, got, want);
        bad++;
    }
}
#define EXPECT(a, b) expect((long)(a), (long)(b), __LINE__)

int main(void)
{
    struct cap_info ci;
    uint32_t notify = 0;
    while (!srv || !notify) {
        for (uint32_t s = 1; s < 64; s++) {
            if (sys_cap_inspect(s, &ci) < 0)
                continue;
            if (ci.type == CAP_ENV && (ci.rights & R_CALL))
                srv = s;
            if (ci.type == CAP_NOTIFY)
                notify = s;
        }
        if (!srv || !notify)
            sys_yield(-1);
    }
    long p = call(DISKD_BIND, 0, 0);
    if (p <= 0 || exo_map(CAP_SELF, (uint32_t)p, PAGE_VA, MMU_W) != 1) {
        sys_notify_signal(notify, 2);
        return 1;
    }
    /* Honest: a file of its own, written in pieces between the other's. */
    char name[32];
    long f = -1;
    for (int k = 0; k < DISKD_CLIENTS && f < 0; k++) {
        snprintf(name, sizeof name, "/shared/c%d", k);
        f = pcall(DISKD_OPEN, name, DFS_O_CREAT | DFS_O_EXCL | DFS_O_READ | DFS_O_WRITE, 0600);
    }
    EXPECT(f > 0, 1);
    uint8_t want = (uint8_t)(name[9] * 31);
    for (int i = 0; i < 40; i++) {
        uint64_t n = 1000;
        memcpy(pg, &n, 8);
        memset(pg + 8, want + i, 1000);
        EXPECT(call(DISKD_WRITE, (uint64_t)f, (uint64_t)i * 1000), 1000);
        sys_yield(-1);
    }
    for (int i = 0; i < 40; i++) {
        uint64_t n = 1000;
        memcpy(pg, &n, 8);
        EXPECT(call(DISKD_READ, (uint64_t)f, (uint64_t)i * 1000), 1000);
        int same = 1;
        for (int k = 0; k < 1000; k++)
            same &= pg[k] == (uint8_t)(want + i);
        EXPECT(same, 1);
        sys_yield(-1);
    }
    EXPECT(call(DISKD_STAT, (uint64_t)f, 0), 0);
    struct dfs_stat st;
    memcpy(&st, pg, sizeof st);
    EXPECT(st.uid, DISKD_NOBODY);
    EXPECT(st.size, 40000);
    EXPECT(call(DISKD_FSYNC, (uint64_t)f, 0), 0);

    /* Hostile. The mounter's files: /dir is 0755 and its own, "secret" 0600. */
    EXPECT(pcall(DISKD_OPEN, "/dir/secret", DFS_O_READ, 0), -DFS_EACCES);
    EXPECT(pcall(DISKD_OPEN, "/dir/renamed", DFS_O_WRITE, 0), -DFS_EACCES);
    EXPECT(pcall(DISKD_OPEN, "/dir/new", DFS_O_CREAT | DFS_O_WRITE, 0666), -DFS_EACCES);
    EXPECT(pcall(DISKD_UNLINK, "/dir/renamed", 0, 0), -DFS_EACCES);
    EXPECT(pcall(DISKD_MKDIR, "/mine", 0777, 0), -DFS_EACCES);
    memcpy(pg, "/dir/renamed\0/shared/stolen", 28);
    EXPECT(call(DISKD_RENAME, 0, 0), -DFS_EACCES);
    long r = pcall(DISKD_OPEN, "/dir/renamed", DFS_O_READ, 0); /* (0644: reading is fine) */
    EXPECT(r > 0, 1);
    uint64_t n1 = 1;
    memcpy(pg, &n1, 8);
    EXPECT(call(DISKD_WRITE, (uint64_t)r, 0), -DFS_EBADF); /* (opened for reading) */
    EXPECT(call(DISKD_TRUNCATE, (uint64_t)r, 0), -DFS_EBADF);
    EXPECT(call(DISKD_CHMOD, (uint64_t)r, 0777), -DFS_EPERM);
    EXPECT(call(DISKD_CHOWN, (uint64_t)r, DISKD_NOBODY | (uint64_t)DISKD_NOBODY << 32), -DFS_EPERM);
    EXPECT(call(DISKD_CLOSE, (uint64_t)r, 0), 0);
    /* Inodes it has not opened, by number: nothing reaches them. */
    int refused = 0;
    for (uint64_t ino = 0; ino < 300; ino++) {
        if (ino == (uint64_t)f)
            continue;
        uint64_t n = 16;
        memcpy(pg, &n, 8);
        refused += call(DISKD_READ, ino, 0) == -DFS_EBADF;
        refused += call(DISKD_WRITE, ino, 0) == -DFS_EBADF;
        refused += call(DISKD_CLOSE, ino, 0) == -DFS_EBADF;
        refused += call(DISKD_TRUNCATE, ino, 0) == -DFS_EBADF;
        refused += call(DISKD_READDIR, ino, 0) == -DFS_EBADF;
    }
    EXPECT(refused, 299 * 5);
    /* The mounter's calls. */
    EXPECT(call(DISKD_MOUNT, 1, 1), -DFS_EPERM);
    EXPECT(call(DISKD_UNMOUNT, 0, 0), -DFS_EPERM);
    EXPECT(call(DISKD_CHECK, 0, 0), -DFS_EPERM);
    EXPECT(call(DISKD_CRED, 0, 0), -DFS_EPERM);
    EXPECT(pcall(DISKD_OPEN, "/dir/secret", DFS_O_READ, 0), -DFS_EACCES); /* (still nobody) */
    /* Garbage: ops, numbers, unterminated paths; every one answered. */
    uint32_t x = 777 + (uint32_t)f;
    int answered = 0;
    for (int i = 0; i < 500; i++) {
        for (int k = 0; k < 4096; k += 4) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            memcpy(pg + k, &x, 4);
        }
        if (i % 2)
            pg[(x >> 8) % 100] = 0;
        uint64_t op = x % (DISKD_NOPS + 3);
        if (op == DISKD_UNBIND || op == DISKD_BIND)
            op = DISKD_SYNC;
        answered += call(op, (uint64_t)x << 12 | 0x1000, (uint64_t)x * 2654435761u) >= -100;
    }
    EXPECT(answered, 500);
    EXPECT(call(DISKD_CLOSE, (uint64_t)f, 0), 0);
    EXPECT(call(DISKD_UNBIND, 0, 0), 0);
    EXPECT(call(DISKD_SYNC, 0, 0), -DFS_EPERM); /* (no longer bound) */
    sys_notify_signal(notify, bad ? 2 : 1);
    for (;;)
        sys_block(0);
}
