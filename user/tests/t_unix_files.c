/* Files, descriptors and pipes of the Unix library OS: files written and
 * read back, unlink frees the space, descriptors inherited across fork
 * (sharing their offset), 1 MiB through a pipe between two processes,
 * and the bad cases: a closed descriptor, a pipe with no reader. */
#include "../../lib/unix/unix_internal.h"
#include "../../lib/exo/exo.h"
#include "../../lib/unix/thread/thread.h"
#include "check.h"

/* A thread that writes to a pipe after the main thread has started to
 * wait on it: the wait must let it run rather than put the env to sleep. */
static int tpipe[2];
static void *late_writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++)
        pthread_yield();
    write(tpipe[1], "late", 4);
    return NULL;
}

static long fs_free(void)
{
    struct stat st;
    return stat("/", &st) == 0 ? 0 : -1; /* (placeholder for a statfs) */
}

int main(void)
{
    unix_init("t_unix_files");
    (void)fs_free;
    /* The boot image is in /bin. */
    struct stat st;
    CHECK_EQ(stat("/bin/init", &st), 0);
    CHECK_EQ(S_ISREG(st.st_mode), 1);
    CHECK_EQ(st.st_size > 1000, 1);
    CHECK_EQ(stat("/bin", &st), 0);
    CHECK_EQ(S_ISDIR(st.st_mode), 1);
    int found = 0;
    DIR *d = opendir("/bin");
    CHECK_EQ(d != NULL, 1);
    struct dirent *e;
    while (d && (e = readdir(d)))
        found += strcmp(e->d_name, "t_unix_files") == 0;
    closedir(d);
    CHECK_EQ(found, 1);

    /* Write, read back, seek, append. */
    int fd = open("/tmp/a", O_CREAT | O_RDWR);
    CHECK_EQ(fd >= 3, 1);
    static char big[100000], back[100000];
    for (int i = 0; i < 100000; i++)
        big[i] = (char)(i * 7 + 3);
    CHECK_EQ(write(fd, big, sizeof big), (long)sizeof big);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(read(fd, back, sizeof back), (long)sizeof back);
    CHECK_EQ(memcmp(big, back, sizeof big), 0);
    CHECK_EQ(read(fd, back, 10), 0); /* end of file */
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 100000);
    CHECK_EQ(close(fd), 0);
    fd = open("/tmp/a", O_WRONLY | O_APPEND);
    CHECK_EQ(write(fd, "xyz", 3), 3);
    close(fd);
    CHECK_EQ(stat("/tmp/a", &st), 0);
    CHECK_EQ(st.st_size, 100003);

    /* Bad cases. */
    CHECK_EQ(read(fd, back, 1), -1); /* closed */
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(write(99, "x", 1), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(open("/nope/x", O_RDONLY), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(open("/tmp/a", O_CREAT | O_EXCL | O_RDWR), -1);
    CHECK_EQ(errno, EEXIST);
    CHECK_EQ(open("/bin", O_WRONLY), -1);
    CHECK_EQ(errno, EISDIR);
    CHECK_EQ(mkdir("/tmp/d", 0755), 0);
    CHECK_EQ(mkdir("/tmp/d", 0755), -1);
    CHECK_EQ(chdir("/tmp/d"), 0);
    fd = open("rel", O_CREAT | O_RDWR); /* relative to the working directory */
    close(fd);
    CHECK_EQ(stat("/tmp/d/rel", &st), 0);
    char cwd[64];
    CHECK_EQ(strcmp(getcwd(cwd, sizeof cwd), "/tmp/d"), 0);
    /* "." and ".." anywhere in a path, relative or not. */
    CHECK_EQ(stat("./rel", &st), 0);
    CHECK_EQ(stat("../d/./rel", &st), 0);
    CHECK_EQ(stat("/tmp/d/../../tmp//d/rel", &st), 0);
    CHECK_EQ(stat("/../../tmp/d/rel", &st), 0);    /* ".." of "/" is "/" */
    CHECK_EQ(stat("../nosuch/../d/rel", &st), -1); /* each component must exist */
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(stat("rel/", &st), -1); /* a trailing slash wants a directory */
    CHECK_EQ(chdir(".."), 0);
    CHECK_EQ(strcmp(getcwd(cwd, sizeof cwd), "/tmp"), 0);
    CHECK_EQ(chdir("d/."), 0);
    CHECK_EQ(strcmp(getcwd(cwd, sizeof cwd), "/tmp/d"), 0);
    CHECK_EQ(chdir("../../.."), 0);
    CHECK_EQ(strcmp(getcwd(cwd, sizeof cwd), "/"), 0);
    CHECK_EQ(chdir("tmp/d"), 0);
    CHECK_EQ(stat("..", &st), 0);
    CHECK_EQ(S_ISDIR(st.st_mode), 1);
    CHECK_EQ(rmdir("/tmp/d"), -1); /* not empty */
    CHECK_EQ(unlink("rel"), 0);
    CHECK_EQ(chdir("/"), 0);
    CHECK_EQ(rmdir("/tmp/d"), 0);

    /* Unlink frees the space: make and remove a big file twice. */
    for (int round = 0; round < 3; round++) {
        fd = open("/tmp/big", O_CREAT | O_TRUNC | O_RDWR);
        for (int k = 0; k < 20; k++)
            if (write(fd, big, sizeof big) != (long)sizeof big)
                check_failures++;
        close(fd);
        CHECK_EQ(unlink("/tmp/big"), 0);
    }
    CHECK_EQ(stat("/tmp/big", &st), -1);

    /* Descriptors are inherited across fork and share their offset. */
    fd = open("/tmp/shared", O_CREAT | O_TRUNC | O_RDWR);
    CHECK_EQ(write(fd, "parent;", 7), 7);
    pid_t pid = fork();
    if (pid == 0) {
        int bad = write(fd, "child;", 6) != 6;
        close(fd);
        exit(bad);
    }
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(WEXITSTATUS(status), 0);
    CHECK_EQ(write(fd, "end", 3), 3);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    char buf[64] = {0};
    CHECK_EQ(read(fd, buf, sizeof buf), 16);
    CHECK_EQ(strcmp(buf, "parent;child;end"), 0);
    close(fd);

    /* A pipe between two threads of one process. */
    CHECK_EQ(pipe(tpipe), 0);
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, late_writer, NULL), 0);
    char late[8] = {0};
    CHECK_EQ(read(tpipe[0], late, sizeof late), 4); /* empty until the thread writes */
    CHECK_EQ(memcmp(late, "late", 4), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    close(tpipe[0]);
    close(tpipe[1]);

    /* 1 MiB through a pipe between two processes, unchanged. */
    int p[2];
    CHECK_EQ(pipe(p), 0);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        static char chunk[8192];
        int bad = 0;
        for (int k = 0; k < 128; k++) {
            for (int i = 0; i < 8192; i++)
                chunk[i] = (char)((k * 8192 + i) * 13);
            bad += write(p[1], chunk, sizeof chunk) != (long)sizeof chunk;
        }
        close(p[1]);
        exit(bad);
    }
    close(p[1]);
    long total = 0, wrong = 0, r;
    static char in[3000];
    while ((r = read(p[0], in, sizeof in)) > 0) {
        for (long i = 0; i < r; i++)
            wrong += in[i] != (char)((total + i) * 13);
        total += r;
    }
    CHECK_EQ(total, 1 << 20);
    CHECK_EQ(wrong, 0);
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(WEXITSTATUS(status), 0);
    close(p[0]);

    /* A pipe holds 64 KiB (Linux's) with nobody reading yet: a full ring
     * is then EAGAIN with unix_nonblock (a write that would wait), and
     * fd_poll says what a read or write would do. */
    CHECK_EQ(pipe(p), 0);
    static char pbig[PIPE_SIZE];
    for (size_t i = 0; i < sizeof pbig; i++)
        pbig[i] = (char)(i * 13);
    CHECK_EQ(fd_poll(p[0], 1, 0), 0); /* empty: not readable */
    CHECK_EQ(fd_poll(p[1], 4, 0), 4); /* writable */
    CHECK_EQ(write(p[1], pbig, sizeof pbig), (ssize_t)sizeof pbig);
    CHECK_EQ(fd_poll(p[0], 1, 0), 1); /* readable */
    CHECK_EQ(fd_poll(p[1], 4, 0), 0); /* full */
    unix_nonblock = 1;
    CHECK_EQ(write(p[1], "x", 1), -1);
    CHECK_EQ(errno, EAGAIN);
    unix_nonblock = 0;
    CHECK_EQ(fd_poll(99, 1, 0), 0x20); /* POLLNVAL */
    static char pback[PIPE_SIZE];
    CHECK_EQ(read(p[0], pback, sizeof pback), (ssize_t)sizeof pback);
    CHECK_EQ(memcmp(pback, pbig, sizeof pbig), 0);
    unix_nonblock = 1;
    CHECK_EQ(read(p[0], pback, 1), -1);
    CHECK_EQ(errno, EAGAIN);
    unix_nonblock = 0;
    close(p[1]);
    CHECK_EQ(fd_poll(p[0], 1, 0), 0x10); /* POLLHUP: no writer left */
    CHECK_EQ(read(p[0], pback, 1), 0);
    close(p[0]);

    /* Symbolic and hard links (lib/unix/fs has the thorough tests). */
    fd = open("/tmp/lt", O_CREAT | O_RDWR);
    CHECK_EQ(write(fd, "abc", 3), 3);
    close(fd);
    CHECK_EQ(symlink("lt", "/tmp/ls"), 0);
    CHECK_EQ(symlink("lt", "/tmp/ls"), -1);
    CHECK_EQ(errno, EEXIST);
    struct stat lst;
    CHECK_EQ(stat("/tmp/ls", &lst), 0);
    CHECK_EQ(S_ISREG(lst.st_mode), 1);
    CHECK_EQ(lst.st_size, 3);
    CHECK_EQ(lstat("/tmp/ls", &lst), 0);
    CHECK_EQ(lst.st_mode & S_IFMT, S_IFLNK);
    char tgt[16];
    CHECK_EQ(readlink("/tmp/ls", tgt, sizeof tgt), 2);
    CHECK_EQ(memcmp(tgt, "lt", 2), 0);
    CHECK_EQ(readlink("/tmp/lt", tgt, sizeof tgt), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(symlink("/tmp/loop", "/tmp/loop"), 0);
    CHECK_EQ(open("/tmp/loop", O_RDONLY), -1);
    CHECK_EQ(errno, ELOOP);
    CHECK_EQ(link("/tmp/lt", "/tmp/lh"), 0);
    CHECK_EQ(link("/tmp", "/tmp/dh"), -1);
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(unlink("/tmp/lt"), 0);
    CHECK_EQ(stat("/tmp/ls", &lst), -1); /* dangling now */
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(stat("/tmp/lh", &lst), 0); /* the data stays with the other name */
    CHECK_EQ(lst.st_size, 3);
    CHECK_EQ(symlink(NULL, "/tmp/x"), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(symlink("", "/tmp/x"), -1);
    CHECK_EQ(errno, ENOENT);
    unlink("/tmp/ls");
    unlink("/tmp/lh");
    unlink("/tmp/loop");

    /* Writing to a pipe with no reader: EPIPE. */
    CHECK_EQ(pipe(p), 0);
    close(p[0]);
    CHECK_EQ(write(p[1], "x", 1), -1);
    CHECK_EQ(errno, EPIPE);
    close(p[1]);
    /* dup2 */
    fd = open("/tmp/dup", O_CREAT | O_RDWR);
    CHECK_EQ(dup2(fd, 10), 10);
    CHECK_EQ(write(10, "ab", 2), 2);
    CHECK_EQ(write(fd, "cd", 2), 2);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 4); /* one offset */
    close(10);
    close(fd);
    printf("t_unix_files: %d failed checks\n", check_failures);
    return check_failures;
}
