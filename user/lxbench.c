/* lxbench: the first program of make bench's Spinel-Linux boot (make
 * run-bench-linux puts it in that boot image as /init, so that it gets the
 * memory init gets, most of the machine's, as the Linux side's /init
 * does). It starts the Unix library OS
 * as init does and runs the benchmark suite's Linux build, the same static
 * binary make bench boots on Linux (/bin/bench-linux, tools/bench/run.sh),
 * unmodified, under the Linux personality (lib/linux); when it ends, so
 * does the machine. See docs/benchmarks.md, "The Spinel-Linux column". */
#include "../lib/c/libc.h"
#include "../lib/exo/exo.h"
#include "../lib/unix/unix.h"

int main(void)
{
    unix_init("lxbench");
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"bench-linux", NULL};
        execv("/bin/bench-linux", argv);
        printf("lxbench: cannot run /bin/bench-linux (errno %d)\n", errno);
        exit(127);
    }
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) != pid)
        ;
    if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        printf("BENCH-INFO the Linux benchmark process failed (status %#x)\n", status);
    return 0;
}
