/* The disk as the root file system, as make run has it (not in the
 * manifest: tools/run-tests.sh, check_root_disk, boots a fresh image with
 * init=t_unix_root, then boots it again). The first process mounts the whole
 * disk as "/" (unix_mount_root): a new file system, given the boot image's
 * programs under /bin, with /tmp and /dev in memory. Then, on it: the layout
 * (which paths are the disk's, /disk an alias of the root), programs run
 * from the disk (the shell, its utilities, busybox through the Linux
 * personality), the shell's own 46 checks with a working directory on the
 * disk, shell and busybox commands that make, write, copy, rename, list,
 * truncate, chmod and remove files and directories there, exec of a program
 * copied onto the disk, /tmp staying in memory (EXDEV across), several
 * processes at once and permissions. Last it leaves /persist/token fsynced
 * (and a file that is only synced by the shell's sync); the second boot
 * finds them, and /tmp empty (it was memory). */
#include "../../lib/unix/unix.h"
#include "../../lib/c/libc.h"
#include "../../lib/exo/exo.h"
#include "check.h"
#include "unix_run.h"

static char out[16384];

/* Runs argv; its output must be want (NULL: anything) and its status 0. */
static void expect_run(const char *what, char *const argv[], const char *want)
{
    int st = run_status(argv, out, sizeof out);
    if (st != 0 || (want && strcmp(out, want) != 0)) {
        printf("  %s: status 0x%x, output \"%s\" (want \"%s\")\n", what, st, out,
               want ? want : "(any)");
        check_failures++;
    }
}

static void sh(const char *what, const char *cmd, const char *want)
{
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    expect_run(what, argv, want);
}

static void bb(const char *what, const char *cmd, const char *want)
{
    char *argv[] = {"/bin/busybox", "sh", "-c", (char *)cmd, NULL};
    expect_run(what, argv, want);
}

static long slurp(const char *path, char *buf, long n)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long done = 0, r;
    while (done < n && (r = read(fd, buf + done, (size_t)(n - done))) > 0)
        done += r;
    close(fd);
    return done;
}

static int second_boot(int m)
{
    char tok[64] = {0};
    long n = slurp("/persist/token", tok, sizeof tok - 1);
    char synced[16] = {0};
    slurp("/persist/synced", synced, sizeof synced - 1);
    struct stat st;
    CHECK_EQ(m, 0); /* (the file system was there) */
    CHECK_EQ(strcmp(synced, "by sync\n"), 0);
    CHECK_EQ(stat("/bin/sh", &st), 0);
    CHECK_EQ(stat("/tmp/first", &st), -1); /* (memory: gone with the first boot) */
    sh("second boot: ls /persist", "ls /persist", "synced\ntoken\n");
    printf("t_unix_root: persist read %s (%ld bytes)\n", tok, n);
    printf("t_unix_root: %d failed checks\n", check_failures);
    return n > 0 ? check_failures : 1;
}

int main(void)
{
    unix_init("t_unix_root");
    int m = unix_mount_root(0, 0);
    CHECK_EQ(m == 0 || m == 1, 1);
    if (m < 0)
        return 1;
    struct stat st;
    if (stat("/persist", &st) == 0)
        return second_boot(m);
    CHECK_EQ(m, 1); /* a fresh image: a new file system */

    /* The layout: the disk's, but for /tmp and /dev; /disk is the root too. */
    CHECK_EQ(stat("/", &st), 0);
    CHECK_EQ(S_ISDIR(st.st_mode) && st.st_dev == 2, 1);
    CHECK_EQ(stat("/bin/sh", &st), 0);
    CHECK_EQ(S_ISREG(st.st_mode) && st.st_dev == 2 && (st.st_mode & 0111) != 0, 1);
    CHECK_EQ(stat("/tmp", &st), 0);
    CHECK_EQ(S_ISDIR(st.st_mode) && st.st_dev == 1, 1);
    CHECK_EQ(stat("/dev", &st), 0);
    CHECK_EQ(st.st_dev, 1u);
    CHECK_EQ(stat("/disk/bin/sh", &st), 0);
    CHECK_EQ(st.st_dev, 2u);
    int seen = 0;
    DIR *d = opendir("/");
    struct dirent *e;
    while (d && (e = readdir(d)))
        seen |= (strcmp(e->d_name, "bin") == 0) | (strcmp(e->d_name, "tmp") == 0) << 1 |
                (strcmp(e->d_name, "dev") == 0) << 2;
    if (d)
        closedir(d);
    CHECK_EQ(seen, 7);

    /* Programs from the disk: the shell, its utilities, busybox. */
    sh("sh echo", "echo hi from the disk", "hi from the disk\n");
    sh("cat | grep", "cat /bin/tests.sh | grep -c 'results written'", "1\n");
    bb("busybox echo", "echo linux on the disk", "linux on the disk\n");
    /* The shell's own checks (they write /tmp, in memory), run from a
     * working directory on the disk. */
    CHECK_EQ(mkdir("/work", 0755), 0);
    sh("sh tests.sh", "cd /work && sh /bin/tests.sh > /work/res; echo $?", "0\n");
    CHECK_EQ(slurp("/work/res", out, sizeof out - 1) > 0, 1);

    /* Shell commands on the disk: redirections, append, cd, ls, cat. */
    sh("sh files", "cd /work; echo one > a; echo two >> a; cat a; ls; wc -l a",
       "one\ntwo\na\nres\n2 a\n");
    /* Busybox: mkdir -p, cp, mv, rm -r, ls, chmod, stat, truncate, find. */
    bb("busybox files",
       "set -e; mkdir -p /bb/x/y; echo data > /bb/x/y/f; cp /bb/x/y/f /bb/g; mv /bb/g /bb/h; "
       "cat /bb/h; ls /bb; chmod 640 /bb/h; stat -c '%a %s %u' /bb/h; truncate -s 2 /bb/h; "
       "wc -c < /bb/h; find /bb -type f | sort; rm -r /bb/x; ls /bb; rm -r /bb; ls / | grep -c bb "
       "|| true",
       "data\nh\nx\n640 5 0\n2\n/bb/h\n/bb/x/y/f\nh\n0\n");
    bb("busybox tar z",
       "cd /work && tar czf t.tgz a && tar tzf t.tgz && ls -l /bin/gzip | "
       "awk '{print $2}'",
       "a\n13\n"); /* (gzip: busybox, hard-linked with 12 applet names) */
    bb("busybox dd+cmp",
       "dd if=/bin/sh of=/work/sh2 bs=4096 2>/dev/null; cmp /bin/sh /work/sh2 && "
       "echo same",
       "same\n");
    /* A program copied onto the disk runs from there. */
    bb("exec a copy", "cp /bin/echo /work/myecho && chmod 755 /work/myecho", "");
    char *argv[] = {"/work/myecho", "copied", NULL};
    expect_run("exec /work/myecho", argv, "copied\n");
    /* /tmp is the memory file system's: a rename across is EXDEV. */
    int fd = open("/tmp/first", O_CREAT | O_WRONLY);
    CHECK_EQ(write(fd, "t", 1), 1);
    close(fd);
    CHECK_EQ(rename("/tmp/first", "/first"), -1);
    CHECK_EQ(errno, EXDEV);
    CHECK_EQ(stat("/tmp/first", &st), 0);
    CHECK_EQ(st.st_dev, 1u);
    /* Several processes at once, one descriptor shared across fork. */
    fd = open("/work/shared", O_CREAT | O_RDWR | O_TRUNC);
    for (int i = 0; i < 3; i++)
        if (fork() == 0) {
            int bad = 0;
            for (int k = 0; k < 30; k++) {
                bad |= write(fd, i == 0 ? "a" : i == 1 ? "b" : "c", 1) != 1;
                sys_yield(-1);
            }
            exit(bad);
        }
    int status, ok = 0;
    for (int i = 0; i < 3; i++)
        ok += wait(&status) > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    CHECK_EQ(ok, 3);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 90);
    close(fd);
    /* Permissions: uid 1000 cannot write root's /work, nor replace /bin/sh. */
    if (fork() == 0) {
        int bad = setuid(1000) != 0;
        bad |= (open("/work/x", O_CREAT | O_WRONLY) != -1 || errno != EACCES) << 1;
        bad |= (open("/bin/sh", O_WRONLY) != -1 || errno != EACCES) << 2;
        bad |= (unlink("/bin/sh") != -1 || errno != EACCES) << 3;
        bad |= (slurp("/bin/tests.sh", out, 16) != 16) << 4; /* (reading is fine) */
        exit(bad);
    }
    CHECK_EQ(wait(&status) > 0 && WIFEXITED(status), 1);
    CHECK_EQ(WEXITSTATUS(status), 0);

    /* For the second boot: one file fsynced, one only synced (the shell's
     * sync builtin), then the whole file system committed. */
    CHECK_EQ(mkdir("/persist", 0755), 0);
    char tok[32];
    snprintf(tok, sizeof tok, "%lx", (unsigned long)__builtin_ia32_rdtsc());
    fd = open("/persist/token", O_CREAT | O_WRONLY | O_TRUNC);
    CHECK_EQ(write(fd, tok, strlen(tok)), (long)strlen(tok));
    CHECK_EQ(fsync(fd), 0);
    close(fd);
    sh("sync", "echo by sync > /persist/synced; sync", "");
    printf("t_unix_root: persist token %s\n", tok);
    printf("t_unix_root: %d failed checks\n", check_failures);
    return check_failures;
}
