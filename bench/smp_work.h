/* The Unix rows of the scalability table, one text for both sides (make
 * bench-smp): user/bench/bench_smp.c includes it on Spinel, over the Unix
 * library OS (lib/unix/unix.h), and bench/smp_linux.c on Linux, over glibc
 * (<unistd.h>, <sys/wait.h>): the same calls in the same order, so the
 * work is the same. The includer provides pid_t, pipe, fork, read, write,
 * close, waitpid, _exit and WIFEXITED. */
#ifndef BENCH_SMP_WORK_H
#define BENCH_SMP_WORK_H

/* An echo child: what it reads from `to` it writes back to `from`. */
struct smp_echo {
    int to[2], from[2];
    pid_t pid;
};

/* unix_fork_exit_wait: fork, the child _exit(0)s, waitpid. 0 if all went
 * as it should. */
static inline int smp_fork_exit_wait(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    int st;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? 0 : -1;
}

/* unix_pipe_rt: one byte there and back. */
static inline int smp_echo_rt(struct smp_echo *e, char c)
{
    char b = c;
    return write(e->to[1], &b, 1) == 1 && read(e->from[0], &b, 1) == 1 && b == c ? 0 : -1;
}

/* The echo child (forked: on the caller's CPU on both sides), and one
 * round trip before the clock starts. 0, or -1. */
static inline int smp_echo_start(struct smp_echo *e)
{
    if (pipe(e->to) < 0 || pipe(e->from) < 0 || (e->pid = fork()) < 0)
        return -1;
    if (e->pid == 0) {
        close(e->to[1]);
        close(e->from[0]);
        char c;
        while (read(e->to[0], &c, 1) == 1)
            if (write(e->from[1], &c, 1) != 1)
                break;
        _exit(0);
    }
    close(e->to[0]);
    close(e->from[1]);
    return smp_echo_rt(e, 'w');
}

/* The child reads end of file and exits; we wait for it. */
static inline void smp_echo_stop(struct smp_echo *e)
{
    close(e->to[1]);
    waitpid(e->pid, 0, 0);
    close(e->from[0]);
}
#endif
