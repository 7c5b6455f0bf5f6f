/* Signals: sigaction handlers (with SA_SIGINFO), delivery to ourselves,
 * sigprocmask blocking and sigpending, SIGCHLD on a child's exit, SIGPIPE
 * (ignored: EPIPE; default: death), EINTR without SA_RESTART, SA_RESTART,
 * alarm, sigsuspend, and signals sent to a child with kill. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include "common.h"

static volatile sig_atomic_t got_usr1, got_chld, got_alrm, last_code, last_sig;

static void on_usr1(int sig)
{
    (void)sig;
    got_usr1++;
}
static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    last_sig = sig;
    last_code = si->si_code;
    got_chld++;
}
static void on_alrm(int sig)
{
    (void)sig;
    got_alrm++;
}

int main(void)
{
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    TRY("sigaction USR1", sigaction(SIGUSR1, &sa, &old));
    say("old action default: %d\n", old.sa_handler == SIG_DFL);
    TRY("raise", raise(SIGUSR1));
    say("handled %d\n", got_usr1);
    TRY("kill self", kill(getpid(), SIGUSR1));
    say("handled %d\n", got_usr1);

    /* blocked: pending, delivered at unblock */
    sigset_t set, oldset, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    TRY("block", sigprocmask(SIG_BLOCK, &set, &oldset));
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);
    sigpending(&pend);
    say("while blocked: handled %d, pending %d\n", got_usr1, sigismember(&pend, SIGUSR1));
    TRY("unblock", sigprocmask(SIG_SETMASK, &oldset, NULL));
    say("after unblock: handled %d (standard signals do not queue)\n", got_usr1);
    TRY("sigaction SIGKILL", sigaction(SIGKILL, &sa, NULL));
    TRY("sigaction bad number", sigaction(0, &sa, NULL));
    TRY("kill bad signal", kill(getpid(), 1000));

    /* SIGCHLD with siginfo */
    struct sigaction sc = {0};
    sc.sa_sigaction = on_chld;
    sc.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sc.sa_mask);
    sigaction(SIGCHLD, &sc, NULL);
    sigprocmask(SIG_BLOCK, (sigemptyset(&set), sigaddset(&set, SIGCHLD), &set), &oldset);
    pid_t pid = fork();
    if (pid == 0)
        _exit(5);
    sigset_t wait_mask = oldset;
    sigdelset(&wait_mask, SIGCHLD);
    while (!got_chld)
        sigsuspend(&wait_mask);
    sigprocmask(SIG_SETMASK, &oldset, NULL);
    int st;
    waitpid(pid, &st, 0);
    say("SIGCHLD: %d, signal %d, code CLD_EXITED %d, status %d\n", got_chld, last_sig,
        last_code == CLD_EXITED, WEXITSTATUS(st));

    /* SIGPIPE ignored: EPIPE */
    int p[2];
    pipe(p);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    TRY("write to a closed pipe, SIGPIPE ignored", write(p[1], "x", 1));
    signal(SIGPIPE, SIG_DFL);
    pid = fork();
    if (pid == 0) {
        write(p[1], "x", 1);
        _exit(0);
    }
    close(p[1]);
    waitpid(pid, &st, 0);
    say("writer with default SIGPIPE: signaled %d, signal %d\n", WIFSIGNALED(st), WTERMSIG(st));

    /* EINTR: a read on an empty pipe, interrupted by SIGALRM (no SA_RESTART) */
    struct sigaction sl = {0};
    sl.sa_handler = on_alrm;
    sigemptyset(&sl.sa_mask);
    sigaction(SIGALRM, &sl, NULL);
    pipe(p);
    alarm(1);
    char c;
    TRY("read interrupted", read(p[0], &c, 1));
    say("alarms %d\n", got_alrm);
    /* SA_RESTART: the read goes on, and ends when a child writes */
    sl.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sl, NULL);
    alarm(1); /* (before the fork: the child's 2 s start after it) */
    pid = fork();
    if (pid == 0) {
        struct timespec ts = {2, 0};
        nanosleep(&ts, NULL);
        write(p[1], "r", 1);
        _exit(0);
    }
    TRY("read restarted", read(p[0], &c, 1));
    say("got '%c', alarms %d\n", c, got_alrm);
    waitpid(pid, &st, 0);
    close(p[0]);
    close(p[1]);

    /* nanosleep interrupted: EINTR and the time left */
    alarm(1);
    struct timespec ts = {30, 0}, left = {0, 0};
    TRY("nanosleep interrupted", nanosleep(&ts, &left));
    say("time left between 20 and 30 s: %d\n", left.tv_sec >= 20 && left.tv_sec < 30);

    /* kill a child that waits in pause(), with a caught and an uncaught signal */
    pipe(p);
    pid = fork();
    if (pid == 0) {
        signal(SIGUSR1, on_usr1);
        got_usr1 = 0;
        close(p[0]);
        write(p[1], "r", 1); /* ready */
        while (!got_usr1)
            pause();
        write(p[1], "u", 1);
        for (;;)
            pause();
    }
    close(p[1]);
    read(p[0], &c, 1);
    kill(pid, SIGUSR1);
    read(p[0], &c, 1);
    say("child handled USR1: %c\n", c);
    TRY("kill TERM", kill(pid, SIGTERM));
    waitpid(pid, &st, 0);
    say("child: signaled %d, signal %d\n", WIFSIGNALED(st), WTERMSIG(st));
    TRY("kill a reaped child", kill(pid, 0));
    close(p[0]);

    /* SIG_IGN survives exec; handlers reset (checked by sigaction here) */
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    say("ignored USR2, still here\n");
    return 0;
}
