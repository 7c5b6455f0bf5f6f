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
 * again, which then finds the file and prints the token it read. */
#include "../../lib/unix/unix.h"
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
