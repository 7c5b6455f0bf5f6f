/* For the Unix library OS's tests: run a program and collect its output. */
#ifndef USER_TESTS_UNIX_RUN_H
#define USER_TESTS_UNIX_RUN_H

#include "../../lib/unix/unix.h"

/* Runs argv with stdout to a pipe; returns its wait status (-1 if it could
 * not be run or waited for; exit 125 if execv failed), output in out. */
static int run_status(char *const argv[], char *out, size_t outsz)
{
    int p[2];
    if (pipe(p) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execv(argv[0], argv);
        exit(125);
    }
    close(p[1]);
    size_t n = 0;
    long r;
    while (n + 1 < outsz && (r = read(p[0], out + n, outsz - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = 0;
    close(p[0]);
    int st = -1;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

/* The same, returning its exit status (-1 if it did not exit). */
static inline int run(char *const argv[], char *out, size_t outsz)
{
    int st = run_status(argv, out, outsz);
    return st < 0 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

#endif
