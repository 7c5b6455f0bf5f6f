/* The disk through the Unix library OS: the first process mounts a
 * sub-range of the scratch disk at /disk (diskd, made into a file system if
 * it has none); files there are written, fsynced, renamed, read back (by a
 * forked child too), listed and removed with the ordinary calls, and the
 * bad cases answer errors: missing paths, a name past PATH_MAX, a rename
 * between /disk and /tmp (EXDEV), a non-empty rmdir, a directory opened
 * for writing, a full disk (ENOSPC, then the space comes back); busybox
 * (the Linux personality) writes, renames and syncs a file there. Last it
 * writes and fsyncs /disk/persist with a token; a second boot of the same
 * disk (tools/run-tests.sh, check_unix_disk_persist) runs this program
 * again, which then finds the file and prints the token it read.
 * Permissions (perms) and several processes at once (many) are below. */
#include "../../lib/unix/unix.h"
#include "../../lib/unix/unix_internal.h"
#include "../../lib/exo/exo.h"
#include "check.h"

#define FIRST 15360 /* blocks [FIRST, FIRST + COUNT) of make test's 64 MiB disk: unused by */
#define COUNT 960   /* t_blk, t_blk_diskfs and t_diskfs (and below t_blk's token block) */

static char big[10000], back[10000];

static long read_all(int fd, char *buf, long n)
{
    long done = 0;
    while (done < n) {
        long r = read(fd, buf + done, (size_t)(n - done));
        if (r <= 0)
            break;
        done += r;
    }
    return done;
}

/* Permissions on the disk: modes and owners are kept (chmod, chown, stat
 * show them) and enforced by diskd for every uid but 0, by the credentials
 * unixd gives it for each call: a process that set its uid to 1000 cannot
 * read a 0600 file of root's, write a 0644 one, create, remove or rename in
 * root's 0755 directory, chmod what is not its own or chown anything, or
 * take uid 0 back; in a directory of its own it can; uid 2000 cannot enter
 * 1000's 0700 directory. Bad input: missing paths, an out-of-range id. */
static void perms(void)
{
    struct stat st;
    CHECK_EQ(getuid(), 0u);
    CHECK_EQ(mkdir("/disk/p", 0755), 0);
    int fd = open("/disk/p/secret", O_CREAT | O_WRONLY);
    CHECK_EQ(write(fd, "s3", 2), 2);
    close(fd);
    CHECK_EQ(chmod("/disk/p/secret", 0600), 0);
    fd = open("/disk/p/pub", O_CREAT | O_WRONLY);
    CHECK_EQ(write(fd, "pub", 3), 3);
    close(fd);
    CHECK_EQ(mkdir("/disk/p/home", 0755), 0);
    CHECK_EQ(chown("/disk/p/home", 1000, 100), 0);
    CHECK_EQ(chmod("/disk/p/home", 0700), 0);
    CHECK_EQ(stat("/disk/p/home", &st), 0);
    CHECK_EQ(st.st_uid, 1000u);
    CHECK_EQ(st.st_gid, 100u);
    CHECK_EQ(st.st_mode, (uint32_t)(S_IFDIR | 0700));
    CHECK_EQ(chown("/disk/p/home", (uid_t)-1, 200), 0); /* (-1: the uid stays) */
    CHECK_EQ(stat("/disk/p/home", &st), 0);
    CHECK_EQ(st.st_uid * 1000 + st.st_gid, 1000u * 1000 + 200);
    CHECK_EQ(chown("/disk/p/home", 1000, 100), 0);
    CHECK_EQ(stat("/disk/p/secret", &st), 0);
    CHECK_EQ(st.st_mode, (uint32_t)(S_IFREG | 0600));
    CHECK_EQ(st.st_uid, 0u);
    CHECK_EQ(chmod("/disk/p/nosuch", 0600), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(chown("/disk/p/nosuch", 1, 1), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(setuid((uid_t)-1), -1); /* (no such uid) */
    CHECK_EQ(errno, EINVAL);
    /* By descriptor: fchmod and fchown (a file and a directory on the
     * disk, a file in memory; bad descriptors and ids). */
    fd = open("/disk/p/byfd", O_CREAT | O_WRONLY);
    CHECK_EQ(fchmod(fd, 0640), 0);
    CHECK_EQ(fchown(fd, 1000, (gid_t)-1), 0);
    CHECK_EQ(stat("/disk/p/byfd", &st), 0);
    CHECK_EQ(st.st_mode, (uint32_t)(S_IFREG | 0640));
    CHECK_EQ(st.st_uid * 1000 + st.st_gid, 1000u * 1000 + 0);
    CHECK_EQ(fchown(fd, (uid_t)-1, 100), 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_uid * 1000 + st.st_gid, 1000u * 1000 + 100);
    close(fd);
    CHECK_EQ(fchmod(fd, 0600), -1); /* (closed) */
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(fchown(-1, 0, 0), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(fchmod(1000000, 0600), -1);
    CHECK_EQ(errno, EBADF);
    int dfd = open("/disk/p", O_RDONLY);
    CHECK_EQ(dfd >= 0, 1);
    CHECK_EQ(fchmod(dfd, 0751), 0);
    CHECK_EQ(stat("/disk/p", &st), 0);
    CHECK_EQ(st.st_mode, (uint32_t)(S_IFDIR | 0751));
    CHECK_EQ(fchmod(dfd, 0755), 0);
    close(dfd);
    fd = open("/tmp/byfd", O_CREAT | O_WRONLY);
    CHECK_EQ(fchmod(fd, 0600), 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_mode & 07777, 0600u);
    CHECK_EQ(fchown(fd, 5, 5), 0); /* (root: nothing kept in memory) */
    close(fd);
    CHECK_EQ(unlink("/tmp/byfd"), 0);
    pid_t pid = fork();
    if (pid == 0) {
        unsigned bad = 0, k = 0;
#define NOT(c) (bad |= (unsigned)!!(c) << k++)
        NOT(setgid(100) != 0 || setuid(1000) != 0 || getuid() != 1000 || getgid() != 100);
        NOT(setuid(0) != -1 || errno != EPERM);
        NOT(setgid(0) != -1 || errno != EPERM);
        NOT(open("/disk/p/secret", O_RDONLY) != -1 || errno != EACCES);
        NOT(open("/disk/p/pub", O_WRONLY) != -1 || errno != EACCES);
        NOT(truncate("/disk/p/pub", 0) != -1 || errno != EACCES);
        int f = open("/disk/p/pub", O_RDONLY);
        char b[4] = {0};
        NOT(f < 0 || read(f, b, 3) != 3 || strcmp(b, "pub") != 0);
        NOT(ftruncate(f, 0) != -1); /* (open for reading only) */
        close(f);
        NOT(open("/disk/p/new", O_CREAT | O_WRONLY) != -1 || errno != EACCES);
        NOT(unlink("/disk/p/pub") != -1 || errno != EACCES);
        NOT(rename("/disk/p/pub", "/disk/p/home/pub") != -1 || errno != EACCES);
        NOT(mkdir("/disk/p/x", 0755) != -1 || errno != EACCES);
        NOT(chmod("/disk/p/pub", 0666) != -1 || errno != EPERM);
        NOT(chown("/disk/p/home", 1000, 0) != -1 || errno != EPERM);
        NOT(chown("/tmp", 1000, 100) != -1 || errno != EPERM);
        f = open("/disk/p/home/mine", O_CREAT | O_WRONLY);
        NOT(f < 0 || write(f, "mine", 4) != 4);
        close(f);
        NOT(stat("/disk/p/home/mine", &st) != 0 || st.st_uid != 1000 || st.st_gid != 100);
        NOT(chmod("/disk/p/home/mine", 0640) != 0);
        f = open("/disk/p/pub", O_RDONLY); /* (root's: not by descriptor either) */
        NOT(fchmod(f, 0666) != -1 || errno != EPERM);
        NOT(fchown(f, 1000, 100) != -1 || errno != EPERM);
        close(f);
        f = open("/disk/p/byfd", O_RDONLY); /* (its own: it may) */
        NOT(fchmod(f, 0604) != 0 || fstat(f, &st) != 0 || st.st_mode != (S_IFREG | 0604));
        close(f);
        NOT(stat("/disk/p/secret", &st) != 0 ||
            st.st_mode != (S_IFREG | 0600)); /* (stat: x on p) */
        if (bad)
            printf("t_unix_disk: uid 1000's failed checks: %x\n", bad);
        exit(bad ? 1 : 0);
    }
    int status = -1;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(WIFEXITED(status) && WEXITSTATUS(status) == 0, 1);
    CHECK_EQ(getuid(), 0u); /* (the child's setuid was its own) */
    pid = fork();
    if (pid == 0) {
        unsigned bad = 0, k = 0;
        NOT(setuid(2000) != 0);
        NOT(opendir("/disk/p/home") != NULL || errno != EACCES);
        NOT(stat("/disk/p/home/mine", &st) != -1 || errno != EACCES);
        NOT(open("/disk/p/home/mine", O_RDONLY) != -1 || errno != EACCES);
#undef NOT
        if (bad)
            printf("t_unix_disk: uid 2000's failed checks: %x\n", bad);
        exit(bad ? 1 : 0);
    }
    status = -1;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(WIFEXITED(status) && WEXITSTATUS(status) == 0, 1);
    /* Root passes every check. */
    CHECK_EQ(stat("/disk/p/home/mine", &st), 0);
    CHECK_EQ(st.st_mode, (uint32_t)(S_IFREG | 0640));
    CHECK_EQ(unlink("/disk/p/home/mine"), 0);
    CHECK_EQ(rmdir("/disk/p/home"), 0);
    CHECK_EQ(unlink("/disk/p/secret"), 0);
    CHECK_EQ(unlink("/disk/p/pub"), 0);
    CHECK_EQ(unlink("/disk/p/byfd"), 0);
    CHECK_EQ(rmdir("/disk/p"), 0);
}

/* Several processes on the disk at once: three children share one
 * descriptor of their parent's (one offset: their records interleave,
 * none lost or overwritten) and each writes and reads a file of its own
 * meanwhile, yielding between calls. */
static void many(void)
{
    enum { KIDS = 3, RECS = 40 };
    int fd = open("/disk/m", O_CREAT | O_RDWR | O_TRUNC);
    CHECK_EQ(fd >= 0, 1);
    pid_t pids[KIDS];
    for (int i = 0; i < KIDS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            char own[16], rec[16];
            snprintf(own, sizeof own, "/disk/m%d", i);
            int o = open(own, O_CREAT | O_RDWR | O_TRUNC);
            int bad = o < 0;
            for (int k = 0; k < RECS; k++) {
                snprintf(rec, sizeof rec, "%d:%05d\n", i, k);
                bad |= write(fd, rec, 8) != 8;
                bad |= write(o, rec, 8) != 8;
                sys_yield(-1);
            }
            static char back[RECS * 8 + 1];
            bad |= lseek(o, 0, SEEK_SET) != 0 || read_all(o, back, RECS * 8) != RECS * 8;
            for (int k = 0; k < RECS && !bad; k++) {
                snprintf(rec, sizeof rec, "%d:%05d\n", i, k);
                bad |= memcmp(back + k * 8, rec, 8) != 0;
            }
            close(o);
            exit(bad);
        }
    }
    for (int i = 0; i < KIDS; i++) {
        int status = -1;
        CHECK_EQ(waitpid(pids[i], &status, 0), pids[i]);
        CHECK_EQ(WIFEXITED(status) && WEXITSTATUS(status) == 0, 1);
    }
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, KIDS * RECS * 8);
    static char all[KIDS * RECS * 8];
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(read_all(fd, all, sizeof all), (long)sizeof all);
    int next[KIDS] = {0}, order = 1;
    for (int r = 0; r < KIDS * RECS; r++) {
        int i = all[r * 8] - '0', k = 0;
        for (int c = 2; c < 7; c++)
            k = k * 10 + (all[r * 8 + c] - '0');
        order &= i >= 0 && i < KIDS && k == next[i];
        if (i >= 0 && i < KIDS)
            next[i]++;
    }
    CHECK_EQ(order, 1);
    close(fd);
    CHECK_EQ(unlink("/disk/m"), 0);
    for (int i = 0; i < KIDS; i++) {
        char own[16];
        snprintf(own, sizeof own, "/disk/m%d", i);
        CHECK_EQ(stat(own, &st), 0);
        CHECK_EQ(st.st_size, RECS * 8);
        CHECK_EQ(unlink(own), 0);
    }
}

/* A hostile process (uid 1000) with a wild pointer's worth of garbage: 3000
 * calls to the server's file operations with random descriptors, offsets,
 * lengths, modes and owners, random bytes on its argument page (paths among
 * them, some under /disk), while root's files sit in a 0755 directory. It
 * gets errors (it is not killed, the server answers every call), root's
 * file and its mode and owner are as they were, and the host's fsck of this
 * file system after the second boot (check_unix_disk_persist) is clean. */
static void hostile(void)
{
    struct stat st;
    CHECK_EQ(mkdir("/disk/h", 0755), 0);
    CHECK_EQ(mkdir("/disk/h/junk", 0755), 0);
    CHECK_EQ(chmod("/disk/h/junk", 0777), 0);
    int fd = open("/disk/h/precious", O_CREAT | O_WRONLY);
    CHECK_EQ(write(fd, big, 5000), 5000);
    close(fd);
    pid_t pid = fork();
    if (pid == 0) {
        setuid(1000);
        static const uint64_t ops[] = {U_OPEN,  U_CLOSE,  U_WRITE,    U_SEEK,  U_UNLINK, U_MKDIR,
                                       U_RMDIR, U_RENAME, U_CHMOD,    U_CHOWN, U_TRUNC,  U_FTRUNC,
                                       U_DREAD, U_DSTAT,  U_DREADDIR, U_FSYNC, U_SYNC,   U_DUP};
        static const char *const names[] = {
            "/disk/h/precious", "/disk/h/junk/a", "/disk/h",
            "/disk/h/junk",     "/disk",          "/disk/h/junk/b/c"};
        uint32_t x = 2463534242u;
        int answered = 0;
        for (int i = 0; i < 3000; i++) {
            uint32_t r[8];
            for (int k = 0; k < 8; k++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                r[k] = x;
            }
            for (int k = 0; k < (int)sizeof UNIX_ARG->data; k += 4)
                memcpy(UNIX_ARG->data + k, &r[k / 4 % 8], 4);
            if (r[0] % 2) { /* a path (and a second one for rename) */
                strcpy(UNIX_ARG->data, names[r[1] % 6]);
                strcpy(UNIX_ARG->data + PATH_MAX, names[r[2] % 6]);
            }
            for (int k = 0; k < 7; k++)
                UNIX_ARG->x[k] = (int64_t)r[k] << (r[7] % 40);
            uint64_t op = ops[r[3] % (sizeof ops / sizeof ops[0])];
            uint64_t a1 = r[4] % 3 ? r[4] % 40 : (uint64_t)r[4] << 32 | r[5];
            uint64_t a2 = r[6] % 3 ? r[6] % 5000 : (uint64_t)r[6] << 33 | r[5];
            int64_t v = unix_call(op, a1, a2);
            answered += v >= -1;
        }
        exit(answered == 3000 ? 0 : 1);
    }
    int status = -1;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(WIFEXITED(status) && WEXITSTATUS(status) == 0, 1);
    CHECK_EQ(stat("/disk/h/precious", &st), 0);
    CHECK_EQ(st.st_size, 5000);
    CHECK_EQ(st.st_mode, (uint32_t)(S_IFREG | 0644));
    CHECK_EQ(st.st_uid, 0u);
    fd = open("/disk/h/precious", O_RDONLY);
    CHECK_EQ(read_all(fd, back, 5000), 5000);
    CHECK_EQ(memcmp(back, big, 5000), 0);
    close(fd);
}

static int second_boot(void)
{
    char tok[64] = {0};
    int fd = open("/disk/persist", O_RDONLY);
    long n = read_all(fd, tok, sizeof tok - 1);
    close(fd);
    printf("t_unix_disk: persist read %s (%ld bytes)\n", tok, n);
    return n > 0 ? 0 : 1;
}

int main(void)
{
    unix_init("t_unix_disk");
    int m = unix_mount_disk(FIRST, COUNT);
    CHECK_EQ(m == 0 || m == 1, 1);
    if (m < 0)
        return 1;
    struct stat st;
    if (stat("/disk/persist", &st) == 0)
        return second_boot();
    CHECK_EQ(stat("/disk", &st), 0);
    CHECK_EQ(S_ISDIR(st.st_mode), 1);
    CHECK_EQ(unix_mount_disk(FIRST, COUNT), -1); /* once */

    /* Write, fsync, read back, rename. */
    CHECK_EQ(mkdir("/disk/d", 0755), 0);
    CHECK_EQ(mkdir("/disk/d", 0755), -1);
    CHECK_EQ(errno, EEXIST);
    int fd = open("/disk/d/f", O_CREAT | O_RDWR);
    CHECK_EQ(fd >= 3, 1);
    for (int i = 0; i < (int)sizeof big; i++)
        big[i] = (char)(i * 13 + 5);
    CHECK_EQ(write(fd, big, sizeof big), (long)sizeof big);
    CHECK_EQ(fsync(fd), 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, (long)sizeof big);
    CHECK_EQ(S_ISREG(st.st_mode), 1);
    CHECK_EQ(lseek(fd, 0, SEEK_END), (long)sizeof big);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(read_all(fd, back, sizeof back), (long)sizeof back);
    CHECK_EQ(memcmp(big, back, sizeof big), 0);
    CHECK_EQ(read(fd, back, 10), 0); /* end of file */
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(rename("/disk/d/f", "/disk/d/g"), 0);
    CHECK_EQ(stat("/disk/d/f", &st), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(stat("/disk/d/g", &st), 0);
    CHECK_EQ(st.st_size, (long)sizeof big);
    /* A hard link: two names, one file (nlink 2); bad cases. */
    CHECK_EQ(link("/disk/d/g", "/disk/d/hard"), 0);
    CHECK_EQ(stat("/disk/d/hard", &st), 0);
    CHECK_EQ(st.st_nlink, 2u);
    CHECK_EQ(st.st_size, (long)sizeof big);
    CHECK_EQ(link("/disk/d/g", "/disk/d/hard"), -1);
    CHECK_EQ(errno, EEXIST);
    CHECK_EQ(link("/disk/d", "/disk/dirlink"), -1); /* (directories: no) */
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(link("/disk/d/g", "/tmp/g"), -1);
    CHECK_EQ(errno, EXDEV);
    CHECK_EQ(link("/disk/d/nosuch", "/disk/d/x"), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(unlink("/disk/d/hard"), 0);
    CHECK_EQ(stat("/disk/d/g", &st), 0);
    CHECK_EQ(st.st_nlink, 1u);
    /* Append. */
    fd = open("/disk/d/g", O_WRONLY | O_APPEND);
    CHECK_EQ(write(fd, "tail", 4), 4);
    close(fd);
    CHECK_EQ(stat("/disk/d/g", &st), 0);
    CHECK_EQ(st.st_size, (long)sizeof big + 4);

    /* truncate and ftruncate reach the disk's file, not the memory's. */
    fd = open("/disk/t", O_CREAT | O_RDWR);
    CHECK_EQ(write(fd, big, 5000), 5000);
    CHECK_EQ(ftruncate(fd, 100), 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 100);
    close(fd);
    CHECK_EQ(truncate("/disk/t", 10), 0);
    CHECK_EQ(stat("/disk/t", &st), 0);
    CHECK_EQ(st.st_size, 10);
    CHECK_EQ(truncate("/disk/nosuch", 10), -1);
    CHECK_EQ(unlink("/disk/t"), 0);

    /* Another process reads it. */
    pid_t pid = fork();
    if (pid == 0) {
        static char c[10004];
        int f = open("/disk/d/g", O_RDONLY);
        int ok = f >= 0 && read_all(f, c, sizeof c) == (long)sizeof c &&
                 memcmp(c, big, sizeof big) == 0 && memcmp(c + sizeof big, "tail", 4) == 0;
        exit(ok ? 0 : 1);
    }
    int status = -1;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(WIFEXITED(status) && WEXITSTATUS(status) == 0, 1);

    /* List. */
    CHECK_EQ(mkdir("/disk/d/sub", 0755), 0);
    int seen_g = 0, seen_sub = 0, others = 0;
    DIR *d = opendir("/disk/d");
    CHECK_EQ(d != NULL, 1);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, "g") == 0)
            seen_g += e->d_type == DT_REG;
        else if (strcmp(e->d_name, "sub") == 0)
            seen_sub += e->d_type == DT_DIR;
        else if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            others++;
    }
    if (d)
        closedir(d);
    CHECK_EQ(seen_g, 1);
    CHECK_EQ(seen_sub, 1);
    CHECK_EQ(others, 0);
    CHECK_EQ(opendir("/disk/d/g") == NULL && errno == ENOTDIR, 1);
    CHECK_EQ(chdir("/disk/d"), 0);
    CHECK_EQ(stat("g", &st), 0); /* relative to a working directory on the disk */
    CHECK_EQ(chdir("/"), 0);

    /* Bad input. */
    CHECK_EQ(open("/disk/nosuch/x", O_RDONLY), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(open("/disk/d/g/x", O_CREAT | O_RDWR), -1);
    CHECK_EQ(errno, ENOTDIR);
    static char longname[300];
    memcpy(longname, "/disk/", 6);
    memset(longname + 6, 'n', sizeof longname - 7);
    CHECK_EQ(open(longname, O_CREAT | O_RDWR), -1);
    CHECK_EQ(rename("/disk/d/g", "/tmp/g"), -1);
    CHECK_EQ(errno, EXDEV);
    CHECK_EQ(rename("/tmp", "/disk/tmp"), -1);
    CHECK_EQ(errno, EXDEV);
    CHECK_EQ(rmdir("/disk/d"), -1);
    CHECK_EQ(errno, ENOTEMPTY);
    CHECK_EQ(open("/disk/d", O_RDWR), -1);
    CHECK_EQ(errno, EISDIR);
    fd = open("/disk/d/g", O_WRONLY);
    CHECK_EQ(read(fd, back, 10), -1);
    CHECK_EQ(errno, EBADF);
    close(fd);
    CHECK_EQ(fsync(99), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(unlink("/disk/nosuch"), -1);
    CHECK_EQ(errno, ENOENT);

    /* A full disk: ENOSPC, and unlink gives the space back. */
    fd = open("/disk/fill", O_CREAT | O_WRONLY);
    long total = 0, w;
    while ((w = write(fd, big, sizeof big)) == (long)sizeof big)
        total += w;
    CHECK_EQ(w < (long)sizeof big, 1); /* a short write, or -1 */
    if (w >= 0)
        CHECK_EQ(write(fd, big, sizeof big), -1);
    CHECK_EQ(errno, ENOSPC);
    close(fd);
    printf("t_unix_disk: the %d-block file system filled at %ld bytes\n", COUNT, total);
    CHECK_EQ(total > 1000000, 1);
    CHECK_EQ(unlink("/disk/fill"), 0);
    fd = open("/disk/again", O_CREAT | O_WRONLY);
    CHECK_EQ(write(fd, big, sizeof big), (long)sizeof big);
    close(fd);
    CHECK_EQ(unlink("/disk/again"), 0);
    /* The earlier files are intact. */
    fd = open("/disk/d/g", O_RDONLY);
    CHECK_EQ(read_all(fd, back, sizeof back), (long)sizeof back);
    CHECK_EQ(memcmp(big, back, sizeof big), 0);
    close(fd);

    /* A Linux program (busybox, through lib/linux) on the disk. */
    pid = fork();
    if (pid == 0) {
        char *argv[] = {"/bin/busybox", "sh", "-c",
                        "echo fromlinux > /disk/lx && mv /disk/lx /disk/lx2 && sync", NULL};
        execv(argv[0], argv);
        exit(127);
    }
    status = -1;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(WIFEXITED(status) && WEXITSTATUS(status) == 0, 1);
    char lx[16] = {0};
    fd = open("/disk/lx2", O_RDONLY);
    CHECK_EQ(read_all(fd, lx, sizeof lx - 1), 10);
    CHECK_EQ(strcmp(lx, "fromlinux\n"), 0);
    close(fd);
    CHECK_EQ(unlink("/disk/lx2"), 0);

    perms();
    many();
    hostile();

    /* Clean up, then the token for the second boot. */
    CHECK_EQ(unlink("/disk/d/g"), 0);
    CHECK_EQ(rmdir("/disk/d/sub"), 0);
    CHECK_EQ(rmdir("/disk/d"), 0);
    CHECK_EQ(stat("/disk/d", &st), -1);
    char tok[32];
    snprintf(tok, sizeof tok, "%lx", (unsigned long)__builtin_ia32_rdtsc());
    fd = open("/disk/persist", O_CREAT | O_WRONLY | O_TRUNC);
    CHECK_EQ(write(fd, tok, strlen(tok)), (long)strlen(tok));
    CHECK_EQ(fsync(fd), 0);
    close(fd);
    sync();
    printf("t_unix_disk: persist token %s\n", tok);
    printf("t_unix_disk: %d failed checks\n", check_failures);
    return check_failures;
}
