/* The terminal of the Unix library OS, driven through the UART's loopback
 * mode (what we write comes back as console input, through the receive
 * interrupt): a blocking read woken by typed input, typeahead kept in the
 * shared buffer, ^C sending SIGINT to the foreground job (sleeping, or
 * itself reading the console), ^C cancelling a line when there is no
 * foreground job. */
#include "../../lib/unix/unix.h"
#include "../../lib/exo/exo.h"
#include "check.h"

static uint32_t dev;

/* "Types" s on the console. */
static void type(const char *s)
{
    CHECK_EQ(sys_dev_ctl(dev, DEVCTL_LOOPBACK, 1), 0);
    sys_cputs(s, strlen(s));
    CHECK_EQ(sys_dev_ctl(dev, DEVCTL_LOOPBACK, 0), 0);
}

/* Waits until process pid is asleep (in read, or in sleep): the event the
 * test needs, where a guessed 20 ms was not always enough on a loaded host.
 * Bounded: a process that never sleeps fails the check. */
static void wait_asleep(pid_t pid)
{
    struct proc_info pi;
    for (long tries = 0; tries < 200000; tries++) {
        for (int i = 0; proc_get(i, &pi) == 0; i++)
            if (pi.pid == pid && pi.state == PROC_RUNNING && pi.sleeping)
                return;
        sys_yield(-1);
    }
    CHECK_EQ(pid, -1); /* never asleep */
}

static long read_line(char *buf, size_t n)
{
    long r = read(0, buf, n - 1);
    buf[r > 0 ? r : 0] = 0;
    return r;
}

int main(void)
{
    unix_init("t_unix_tty");
    struct cap_info ci;
    for (uint32_t s = 1; s < 256 && !dev; s++)
        if (sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_DEVICE && (ci.rights & R_CONTROL))
            dev = s;
    CHECK_EQ(dev != 0, 1);
    char buf[64];
    long irqs = sys_dev_ctl(dev, DEVCTL_INTERRUPTS, 0);

    /* Typed input reaches a reader asleep in read: only the receive
     * interrupt can wake it. */
    pid_t pid = fork();
    if (pid == 0) {
        read_line(buf, sizeof buf);
        exit(strcmp(buf, "hello\n") == 0 ? 0 : 1);
    }
    wait_asleep(pid);
    type("hello\r");
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st) && WEXITSTATUS(st) == 0, 1);
    CHECK_EQ(sys_dev_ctl(dev, DEVCTL_INTERRUPTS, 0) > irqs, 1);

    /* Two lines typed at once: the second waits for the next read, even
     * in another process. */
    type("one\rtwo\r");
    CHECK_EQ(read_line(buf, sizeof buf), 4);
    CHECK_EQ(strcmp(buf, "one\n"), 0);
    pid = fork();
    if (pid == 0) {
        read_line(buf, sizeof buf);
        exit(strcmp(buf, "two\n") == 0 ? 0 : 1);
    }
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st) && WEXITSTATUS(st) == 0, 1);

    /* ^C without a foreground job cancels the line being typed. */
    type("abc\003");
    CHECK_EQ(read_line(buf, sizeof buf), 1);
    CHECK_EQ(strcmp(buf, "\n"), 0);

    /* ^C interrupts a sleeping foreground job that reads nothing: the
     * waiting parent takes the input and sends SIGINT. */
    pid = fork();
    if (pid == 0)
        for (;;)
            sleep(1);
    CHECK_EQ(tty_set_foreground(&pid, 1), 0);
    wait_asleep(pid);
    type("\003");
    CHECK_EQ(tty_waitpid(pid, &st), pid);
    CHECK_EQ(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT, 1);
    CHECK_EQ(tty_set_foreground(NULL, 0), 0);

    /* ... and a foreground job that is reading the console itself. */
    pid = fork();
    if (pid == 0) {
        read_line(buf, sizeof buf);
        exit(0);
    }
    CHECK_EQ(tty_set_foreground(&pid, 1), 0);
    wait_asleep(pid);
    type("\003");
    CHECK_EQ(tty_waitpid(pid, &st), pid);
    CHECK_EQ(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT, 1);
    CHECK_EQ(tty_set_foreground(NULL, 0), 0);

    /* Nothing typed is left over. */
    CHECK_EQ(sys_console_read(dev, buf, sizeof buf), -E_AGAIN);

    /* Bad input. */
    CHECK_EQ(tty_set_foreground(NULL, 1), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(tty_set_foreground(&pid, TTY_MAXFG + 1), -1);
    CHECK_EQ(kill(pid, 5), -1); /* no such signal here */
    CHECK_EQ(errno, EINVAL);

    printf("t_unix_tty: %d failed checks\n", check_failures);
    return check_failures;
}
