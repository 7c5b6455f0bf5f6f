/* An orphan: a process whose parent exits is given another parent, as
 * Linux reparents it (to init, or a subreaper): getppid no longer names
 * the dead parent, the new parent exists (kill 0), and the grandparent
 * still reaps the middle process with its status. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "common.h"

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    pid_t mid = fork();
    if (mid == 0) {
        pid_t me = getpid();
        pid_t gc = fork();
        if (gc == 0) {
            close(fds[0]);
            struct timespec ms = {0, 1000000};
            int waited = 0;
            while (getppid() == me && waited < 10000) {
                nanosleep(&ms, NULL);
                waited++;
            }
            pid_t now = getppid();
            say("orphan: reparented %d, not 0 %d, new parent exists %d\n", now != me, now != 0,
                kill(now, 0) == 0);
            write(fds[1], "x", 1);
            _exit(0);
        }
        say("middle: forked %d\n", gc > 0);
        _exit(7);
    }
    close(fds[1]);
    int st = 0;
    pid_t w = waitpid(mid, &st, 0);
    char x;
    long got = read(fds[0], &x, 1); /* (the orphan has spoken) */
    say("waited middle: %d, status %d\n", w == mid, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    say("orphan reported: %ld\n", got);
    say("no more children: %s\n", waitpid(-1, &st, WNOHANG) < 0 ? errname(errno) : "some");
    return 0;
}
