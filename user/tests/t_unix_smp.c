/* Unix processes across CPUs (issue 15's stress line: fork/exit and pipes;
 * t_smp_stress does the kernel objects). We fork NKIDS children; child i
 * takes a second time slot of its own on CPU (i + 1) mod ncpu, so it runs
 * on both CPUs, and its own forks get their slot on whichever CPU it runs
 * on. For ROUNDS rounds we send each child a byte through its own pipe;
 * the child forks a grandchild that exits with the round's number, waits
 * for it and checks the status, then sends the byte plus one back through
 * a second pipe. Every read blocks (a wake-up across CPUs through the Unix
 * server and the doorbell): a lost wake-up hangs the test, which the
 * runner's deadline fails. At the end every child exited 0 after all its
 * rounds and every byte came back right; the runner checks that the test
 * gave back every frame (no leak). */
#include "../../lib/unix/unix.h"
#include "../../lib/exo/exo.h"
#include "check.h"

#define NKIDS  3
#define ROUNDS 40

static int down[NKIDS][2], up[NKIDS][2];

static void child(int i, long ncpu)
{
    int bad = 0;
    if (ncpu > 1 && sys_slot_alloc_on(CAP_SELF, (uint32_t)((i + 1) % ncpu), -1) < 0)
        bad |= 1;
    for (int r = 0; r < ROUNDS; r++) {
        unsigned char c;
        if (read(down[i][0], &c, 1) != 1 || c != (unsigned char)r) {
            bad |= 2;
            break;
        }
        pid_t g = fork();
        if (g == 0)
            _exit(r);
        int st = -1;
        if (g < 0 || waitpid(g, &st, 0) != g || !WIFEXITED(st) || WEXITSTATUS(st) != r)
            bad |= 4;
        c++;
        if (write(up[i][1], &c, 1) != 1)
            bad |= 8;
    }
    _exit(bad);
}

int main(void)
{
    struct sys_info si = {0};
    exo_touch(&si, sizeof si);
    CHECK_EQ(sys_sysinfo(&si), 0);
    long ncpu = (long)si.ncpu;
    unix_init("t_unix_smp");
    for (int i = 0; i < NKIDS; i++) {
        CHECK_EQ(pipe(down[i]), 0);
        CHECK_EQ(pipe(up[i]), 0);
    }
    pid_t kids[NKIDS];
    for (int i = 0; i < NKIDS; i++) {
        kids[i] = fork();
        if (kids[i] == 0)
            child(i, ncpu);
        CHECK_EQ(kids[i] > 0, 1);
    }
    long answers = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < NKIDS; i++) {
            unsigned char c = (unsigned char)r;
            CHECK_EQ(write(down[i][1], &c, 1), 1);
        }
        for (int i = 0; i < NKIDS; i++) {
            unsigned char c = 0;
            CHECK_EQ(read(up[i][0], &c, 1), 1);
            CHECK_EQ(c, (unsigned char)(r + 1));
            answers += c == (unsigned char)(r + 1);
        }
    }
    for (int i = 0; i < NKIDS; i++) {
        int st = -1;
        CHECK_EQ(waitpid(kids[i], &st, 0), kids[i]);
        CHECK_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : 100, 0);
    }
    CHECK_EQ(answers, NKIDS * ROUNDS);
    printf("t_unix_smp: %d children on %ld CPUs, %d rounds: %ld pipe round trips and forks\n",
           NKIDS, ncpu, ROUNDS, answers);
    printf("t_unix_smp: %d failed checks\n", check_failures);
    return check_failures;
}
