/* kill [-2 | -9 | -15 | -INT | -KILL | -TERM] PID...: sends the signal (SIGTERM by
 * default) to each process. Exit status 1 if any could not be signalled. */
#include "util.h"

int main(void)
{
    unix_init("kill");
    char **argv;
    int argc = unix_args(&argv);
    int sig = SIGTERM, i = 1;
    if (argc > 1 && argv[1][0] == '-') {
        const char *s = argv[1] + 1;
        long v;
        if (strcmp(s, "KILL") == 0 || strcmp(s, "SIGKILL") == 0)
            sig = SIGKILL;
        else if (strcmp(s, "TERM") == 0 || strcmp(s, "SIGTERM") == 0)
            sig = SIGTERM;
        else if (strcmp(s, "INT") == 0 || strcmp(s, "SIGINT") == 0)
            sig = SIGINT;
        else if (parse_int(s, &v) == 0 && v > 0)
            sig = (int)v;
        else {
            fdprintf(2, "kill: %s: unknown signal\n", argv[1]);
            return 2;
        }
        i++;
    }
    if (i >= argc) {
        putstr(2, "usage: kill [-9] PID...\n");
        return 2;
    }
    int bad = 0;
    for (; i < argc; i++) {
        long pid;
        if (parse_int(argv[i], &pid) < 0 || pid <= 0) {
            fdprintf(2, "kill: %s: not a process id\n", argv[i]);
            bad = 1;
            continue;
        }
        if (kill((pid_t)pid, sig) < 0) {
            fdprintf(2, "kill: %ld: %s\n", pid, err_str(errno));
            bad = 1;
        }
    }
    return bad;
}
