/* ps: lists the processes of the process table, "PID PPID STATE NAME". */
#include "util.h"

int main(void)
{
    unix_init("ps");
    putstr(1, "PID PPID STATE NAME\n");
    struct proc_info pi;
    for (int i = 0; i < NPROC; i++) {
        if (proc_get(i, &pi) < 0 || pi.state == PROC_FREE)
            continue;
        char name[sizeof pi.name + 1];
        memcpy(name, pi.name, sizeof pi.name);
        name[sizeof pi.name] = 0;
        fdprintf(1, "%d %d %s %s\n", pi.pid, pi.ppid,
                 pi.state == PROC_RUNNING && pi.sleeping ? "sleeping"
                 : pi.state == PROC_RUNNING              ? "running"
                 : pi.state == PROC_ZOMBIE               ? "zombie"
                                                         : "?",
                 name);
    }
    return 0;
}
