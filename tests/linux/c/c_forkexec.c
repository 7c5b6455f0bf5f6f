/* Processes: fork, the child's copy of memory, execve of ourselves with
 * arguments and an environment, FD_CLOEXEC across exec, exit statuses and
 * deaths by signal seen by waitpid, WNOHANG, ECHILD, getpid/getppid, and
 * ENOENT/ENOEXEC from execve. Run with an absolute argv[0]. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "common.h"

extern char **environ;

static void child_mode(int argc, char **argv)
{
    /* Re-executed: tell what we were given. */
    say("  exec'd: argc %d:", argc);
    for (int i = 1; i < argc; i++)
        say(" [%s]", argv[i]);
    say("\n  env:");
    for (char **e = environ; *e; e++)
        say(" %s", *e);
    say("\n");
    /* fd 5 was close-on-exec, fd 6 not. */
    say("  fd 5 %s, fd 6 %s\n", fcntl(5, F_GETFD) < 0 ? "closed" : "open",
        fcntl(6, F_GETFD) < 0 ? "closed" : "open");
    exit(atoi(argv[2]));
}

static void report(const char *what, int st)
{
    if (WIFEXITED(st))
        say("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        say("%s: killed by signal %d%s\n", what, WTERMSIG(st), WCOREDUMP(st) ? " (core)" : "");
    else
        say("%s: status %#x\n", what, st);
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "child") == 0)
        child_mode(argc, argv);
    pid_t me = getpid();
    int st;

    static int counter = 10;
    pid_t pid = fork();
    if (pid == 0) {
        counter++;
        say("child: counter %d, parent is our parent: %d, pid differs: %d\n", counter,
            getppid() == me, getpid() != me);
        _exit(7);
    }
    TRY("waitpid", waitpid(pid, &st, 0) == pid);
    report("child", st);
    say("parent: counter %d\n", counter);

    /* exec ourselves; fd 5 close-on-exec, fd 6 inherited. */
    int fd = open("/dev/null", O_RDONLY);
    dup2(fd, 5);
    dup2(fd, 6);
    close(fd);
    fcntl(5, F_SETFD, FD_CLOEXEC);
    pid = fork();
    if (pid == 0) {
        char *av[] = {argv[0], "child", "42", "two words", "", NULL};
        char *ev[] = {"A=1", "B=two", "EMPTY=", NULL};
        execve(argv[0], av, ev);
        say("execve failed: %s\n", errname(errno));
        _exit(127);
    }
    waitpid(pid, &st, 0);
    report("exec'd child", st);

    /* deaths by signal */
    int sigs[] = {SIGTERM, SIGKILL, SIGSEGV, SIGABRT, SIGUSR1};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        pid = fork();
        if (pid == 0) {
            if (sigs[i] == SIGSEGV) {
                static int *volatile nowhere; /* NULL: a real fault */
                *nowhere = 1;
            } else if (sigs[i] == SIGABRT)
                abort();
            kill(getpid(), sigs[i]);
            for (;;)
                pause();
        }
        waitpid(pid, &st, 0);
        say("signal %d: signaled %d termsig %d\n", sigs[i], WIFSIGNALED(st), WTERMSIG(st));
    }

    /* WNOHANG before the child ends, then a blocking wait. */
    int p[2];
    pipe(p);
    pid = fork();
    if (pid == 0) {
        char c;
        close(p[1]);
        read(p[0], &c, 1); /* until the parent closes its end */
        _exit(3);
    }
    close(p[0]);
    TRY("WNOHANG while running", waitpid(pid, &st, WNOHANG));
    close(p[1]);
    TRY("wait after release", waitpid(pid, &st, 0) == pid);
    report("released child", st);
    TRY("waitpid without children", waitpid(-1, &st, 0));
    TRY("waitpid WNOHANG without children", waitpid(-1, &st, WNOHANG));

    /* several children, reaped in any order: count them */
    for (int i = 0; i < 8; i++)
        if (fork() == 0)
            _exit(i);
    int sum = 0, n = 0;
    while ((pid = wait(&st)) > 0) {
        sum += WEXITSTATUS(st);
        n++;
    }
    say("reaped %d children, statuses sum %d, then %s\n", n, sum, errname(errno));

    /* execve errors */
    TRY("execve missing", execve("/tmp/c_forkexec_missing", (char *[]){"x", NULL}, environ));
    fd = open("/tmp/c_forkexec_text", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    write(fd, "not an elf and no #! line\n", 26);
    close(fd);
    pid = fork();
    if (pid == 0) {
        execve("/tmp/c_forkexec_text", (char *[]){"x", NULL}, environ);
        _exit(errno == ENOEXEC ? 100 : errno == EACCES ? 101 : 102);
    }
    waitpid(pid, &st, 0);
    say("execve of a text file: %d\n", WEXITSTATUS(st));
    unlink("/tmp/c_forkexec_text");
    return 0;
}
