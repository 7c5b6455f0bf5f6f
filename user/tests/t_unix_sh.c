/* The shell and the utilities (user/sh) on the Unix library OS:
 * - `sh -c "echo hi | wc -c"` writes "3\n" to the pipe we gave it as stdout;
 * - 80 fork+exec+wait rounds in a row (more than the kernel's 64 envs: an
 *   exec must not leave its old env behind);
 * - user/sh/tests.sh (46 checks of the shell and utilities) exits 0. */
#include "../../lib/unix/unix.h"
#include "check.h"
#include "unix_run.h"

int main(void)
{
    unix_init("t_unix_sh");
    static char out[16384];

    char *pipeline[] = {"/bin/sh", "-c", "echo hi | wc -c", NULL};
    CHECK_EQ(run(pipeline, out, sizeof out), 0);
    CHECK_EQ(strcmp(out, "3\n"), 0);

    char *notfound[] = {"/bin/sh", "-c", "nosuchcommand", NULL};
    CHECK_EQ(run(notfound, out, sizeof out), 127);

    int bad = 0;
    for (int i = 0; i < 80; i++) {
        char *t[] = {"/bin/true", NULL};
        if (run(t, out, sizeof out) != 0)
            bad++;
    }
    CHECK_EQ(bad, 0);

    char *suite[] = {"/bin/sh", "/bin/tests.sh", NULL};
    int st = run(suite, out, sizeof out);
    write(1, out, strlen(out)); /* (printf stops at its buffer size) */
    CHECK_EQ(st, 0);
    printf("t_unix_sh: %d failed checks\n", check_failures);
    return check_failures;
}
