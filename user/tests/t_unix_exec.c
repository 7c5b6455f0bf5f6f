/* exec in the Unix library OS: a process replaced by a program from the
 * file system keeps its pid, parent and descriptors and gets its arguments;
 * the parent's wait sees the new program's status; exec of a file that is
 * not an ELF executable fails cleanly; a child that still shares the
 * process's pages (copy-on-write) keeps them across its exec. */
#include "../../lib/unix/unix.h"
#include "../../lib/exo/exo.h"
#include "check.h"

/* Two pages of a pattern, written before a fork: shared copy-on-write. */
static volatile uint32_t pattern[2048];

static int pattern_ok(void)
{
    for (int i = 0; i < 2048; i++)
        if (pattern[i] != (uint32_t)i * 7u + 1u)
            return 0;
    return 1;
}

/* A process forks, then execs while its child still shares its pages: the
 * child must keep them (the kernel hands the frames it shares to the new
 * image, sys_env_replace). The child waits on a pipe until the new image
 * has started, then reads the pattern and runs code from its pages. */
static void exec_with_child(void)
{
    pid_t x = fork();
    if (x == 0) {
        for (int i = 0; i < 2048; i++)
            pattern[i] = (uint32_t)i * 7u + 1u;
        int pp[2];
        if (pipe(pp) < 0)
            exit(90);
        pid_t g = fork();
        if (g == 0) {
            close(pp[1]);
            char c = 0;
            if (read(pp[0], &c, 1) != 1 || c != 'x')
                exit(91);
            exit(pattern_ok() ? 5 : 6);
        }
        close(pp[0]);
        char fdstr[16];
        snprintf(fdstr, sizeof fdstr, "%d", pp[1]);
        char *args[] = {"t_unix_exec", "waiter", fdstr, NULL};
        execv("/bin/t_unix_exec", args);
        exit(92);
    }
    int st = -1;
    CHECK_EQ(waitpid(x, &st, 0), x);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 43);
}

int main(void)
{
    unix_init("t_unix_exec");
    char **argv;
    int argc = unix_args(&argv);
    if (argc == 3 && strcmp(argv[1], "waiter") == 0) { /* exec'd while a child shares pages */
        int fd = 0, st = -1;
        for (const char *c = argv[2]; *c >= '0' && *c <= '9'; c++)
            fd = fd * 10 + (*c - '0');
        if (write(fd, "x", 1) != 1)
            exit(80);
        pid_t g = waitpid(-1, &st, 0);
        exit(g > 0 && WIFEXITED(st) ? (WEXITSTATUS(st) == 5 ? 43 : 60 + WEXITSTATUS(st)) : 81);
    }
    if (argc >= 2 && strcmp(argv[1], "leaf") == 0) { /* exec'd by an exec'd image's child */
        int f = open("/tmp/leaf", O_CREAT | O_RDWR);
        exit(f >= 0 && write(f, "l", 1) == 1 ? 7 : 1);
    }
    if (argc >= 2 && strcmp(argv[1], "child") == 0) {
        /* The exec'd image: check what it was given, answer through fd 5. */
        int bad = argc != 4 || strcmp(argv[2], "hello") != 0;
        char want[16];
        snprintf(want, sizeof want, "%d", getpid());
        bad += strcmp(argv[3], want) != 0; /* the same pid as before exec */
        bad += getppid() != 1;
        bad += write(5, "from exec\n", 10) != 10; /* an inherited descriptor */
        /* An exec'd image forks in turn, and its child uses the files. */
        pid_t g = fork();
        if (g == 0) {
            int f = open("/tmp/grandchild", O_CREAT | O_RDWR);
            if (f < 0 || write(f, "g", 1) != 1)
                exit(1);
            char *leaf[] = {"t_unix_exec", "leaf", NULL};
            execv("/bin/t_unix_exec", leaf);
            printf("t_unix_exec: exec from a child of an exec'd image failed: errno %d\n", errno);
            exit(2);
        }
        int gst = -1;
        bad += waitpid(g, &gst, 0) != g || !WIFEXITED(gst) || WEXITSTATUS(gst) != 7;
        exit(bad ? 100 + bad : 42);
    }
    CHECK_EQ(argc, 0);                     /* started by the kernel: no arguments */
    uint32_t q0[OBJ_KINDS], u0[OBJ_KINDS]; /* object quotas: they come back whole */
    for (int k = 0; k < OBJ_KINDS; k++) {
        q0[k] = exo_info->obj_quota[k];
        u0[k] = exo_info->obj_used[k];
    }

    /* Not an ELF file, not there, a directory: errors, and we go on. */
    char *none[] = {"x", NULL};
    CHECK_EQ(execv("/bin/tests", none), -1);
    CHECK_EQ(errno, ENOEXEC);
    CHECK_EQ(execv("/bin/no-such", none), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(execv("/bin", none), -1);
    CHECK_EQ(errno, ENOEXEC);

    int fd = open("/tmp/out", O_CREAT | O_TRUNC | O_RDWR);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd, 5);
        char pidstr[16];
        snprintf(pidstr, sizeof pidstr, "%d", getpid());
        char *args[] = {"t_unix_exec", "child", "hello", pidstr, NULL};
        execv("/bin/t_unix_exec", args);
        exit(99); /* exec failed */
    }
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 42);
    char buf[32] = {0};
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(read(fd, buf, sizeof buf), 10);
    CHECK_EQ(strcmp(buf, "from exec\n"), 0);
    close(fd);
    exec_with_child();
    /* The children drew on our object quotas (through exec and fork): it is
     * all back, nothing made or lost across replace and teardown. */
    for (int k = 0; k < OBJ_KINDS; k++) {
        CHECK_EQ(exo_info->obj_quota[k], q0[k]);
        CHECK_EQ(exo_info->obj_used[k], u0[k]);
    }
    printf("t_unix_exec: %d failed checks\n", check_failures);
    return check_failures;
}
