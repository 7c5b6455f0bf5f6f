/* fork in the Unix library OS: copy on write between processes; wait
 * statuses; the frame count back to where it was once children are gone;
 * kill; a fork bomb stopped by the quota with a clear error. */
#include "../../lib/unix/unix.h"
#include "../../lib/exo/exo.h"
#include "check.h"

static long free_frames(void)
{
    struct sys_info si = {0};
    exo_touch(&si, sizeof si);
    sys_sysinfo(&si);
    return (long)si.free_frames;
}

/* Waits until every process but us sleeps (the fork bomb has stopped: its
 * processes sleep only reading `release`), seen twice alike; returns how
 * many there are. Bounded: -1 if they never settle. */
static long bomb_settle(void)
{
    long last = -1;
    for (long tries = 0; tries < 1000000; tries++) {
        struct proc_info pi;
        long n = 0, sum = 0;
        int awake = 0;
        for (int i = 0; proc_get(i, &pi) == 0; i++) {
            if (pi.state != PROC_RUNNING || pi.pid == getpid())
                continue;
            n++;
            sum = sum * 31 + pi.pid;
            awake |= !pi.sleeping;
        }
        if (!awake && n > 0 && sum == last)
            return n;
        last = awake ? -1 : sum;
        sys_yield(-1);
    }
    return -1;
}

static uint64_t pct_echo(uint64_t a0, uint64_t a1, uint64_t a2, uint32_t caller)
{
    (void)a1, (void)a2, (void)caller;
    return a0;
}

/* Lets the kernel write into a buffer 40 KiB down the stack, fills those
 * 40 KiB with v and sums them up. */
static __attribute__((noinline)) long deep_stack(int v)
{
    volatile unsigned char buf[40960];
    long sum = 0;
    struct sys_info *si = (struct sys_info *)((uintptr_t)(buf + 64) & ~7UL);
    for (size_t i = 0; i < sizeof *si; i++) /* (touched first, as lib/unix does) */
        ((volatile char *)si)[i] = 0;
    if (sys_sysinfo(si) < 0 || si->free_frames == 0)
        return -2;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)v;
    for (size_t i = 0; i < sizeof buf; i++)
        sum += buf[i];
    return sum;
}

static int data[4096]; /* several pages of .bss */
static char heap_check[64];

int main(void)
{
    unix_init("t_unix_fork");
    CHECK_EQ(getpid(), 1);
    uint32_t q0[OBJ_KINDS], u0[OBJ_KINDS]; /* object quotas: they come back whole */
    for (int k = 0; k < OBJ_KINDS; k++) {
        q0[k] = exo_info->obj_quota[k];
        u0[k] = exo_info->obj_used[k];
    }
    for (int i = 0; i < 4096; i++)
        data[i] = i;
    char *h = malloc(10000);
    strcpy(h, "parent heap");
    strcpy(heap_check, "parent bss");
    /* A first fork makes what stays: page tables for the copy area, the page
     * map; and capability-table pages stay once made: make room for 500. */
    if (fork() == 0)
        exit(0);
    wait(NULL);
    long f0 = sys_frame_alloc(-1);
    for (int i = 0; i < 500; i++)
        CHECK_EQ(sys_cap_derive((uint32_t)f0, R_READ, CAP_SELF) > 0, 1);
    sys_cap_delete((uint32_t)f0);
    long base = free_frames();

    /* We have no protected entry, so a child gets no pages for that stack;
     * one that sets an entry gets fresh zeroed ones then (and it forks on
     * with them: its child has the entry, so the stack too). */
    pid_t pid = fork();
    if (pid == 0) {
        uint64_t lo, hi;
        exo_pct_stack_range(&lo, &hi);
        int bad = hi - lo < 4096 || (exo_pte(lo) & PTE_P) || (exo_pte(hi - 4096) & PTE_P);
        bad |= exo_set_pct_entry(pct_echo) != 0;
        for (uint64_t va = lo; va < hi; va += 4096)
            bad |= !(exo_pte(va) & PTE_P) || !(exo_pte(va) & PTE_W) || *(uint64_t *)va != 0;
        pid_t g = bad ? -1 : fork();
        if (g == 0)
            exit((exo_pte(lo) & PTE_P) && (exo_pte(hi - 4096) & PTE_P) ? 0 : 1);
        int gst;
        bad |= g < 0 || waitpid(g, &gst, 0) != g || !WIFEXITED(gst) || WEXITSTATUS(gst) != 0;
        exit(bad ? 1 : 0);
    }
    int pst;
    CHECK_EQ(waitpid(pid, &pst, 0), pid);
    CHECK_EQ(WIFEXITED(pst) && WEXITSTATUS(pst) == 0, 1);
    CHECK_EQ(free_frames(), base);

    /* The stack below where fork was called is dead: a child is not given
     * those pages (ours stay as they are), it gets zeroed ones on demand,
     * also for a kernel call's buffer it touched first. */
    CHECK_EQ(deep_stack(0x5a), 0x5a * 40960);
    pid = fork();
    if (pid == 0) {
        uint64_t sp = (uint64_t)__builtin_frame_address(0);
        int bad = (exo_pte((sp & ~4095UL) - 4 * 4096) & PTE_P) != 0;
        bad |= deep_stack(0x11) != 0x11 * 40960;
        bad |= !(exo_pte((sp & ~4095UL) - 4 * 4096) & PTE_P);
        exit(bad ? 1 : 0);
    }
    CHECK_EQ(waitpid(pid, &pst, 0), pid);
    CHECK_EQ(WIFEXITED(pst) && WEXITSTATUS(pst) == 0, 1);
    CHECK_EQ(deep_stack(0x22), 0x22 * 40960); /* (ours were never taken away) */
    CHECK_EQ(free_frames(), base);

    /* The child's writes are invisible to the parent and vice versa. */
    pid = fork();
    if (pid == 0) {
        int bad = 0;
        bad += getpid() == 1;
        bad += getppid() != 1;
        for (int i = 0; i < 4096; i++)
            bad += data[i] != i; /* the parent's data, as at fork */
        bad += strcmp(h, "parent heap") != 0;
        for (int i = 0; i < 4096; i++)
            data[i] = -i; /* now ours alone */
        strcpy(h, "child heap");
        for (int i = 0; i < 4096; i++)
            bad += data[i] != -i;
        exit(bad ? 100 + bad : 7);
    }
    CHECK_EQ(pid > 1, 1);
    data[5] = 555; /* the parent's own copy */
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 7);
    CHECK_EQ(data[5], 555);
    CHECK_EQ(data[6], 6); /* the child's writes did not reach us */
    CHECK_EQ(strcmp(h, "parent heap"), 0);
    CHECK_EQ(waitpid(pid, &st, 0), -1);
    CHECK_EQ(errno, ECHILD);
    /* Pages we did not write since are ours again without a copy. */
    for (int i = 0; i < 4096; i++)
        data[i] = i * 2;
    CHECK_EQ(free_frames(), base);

    /* Several children, statuses in any order, a crash reported as a signal. */
    for (int k = 0; k < 5; k++) {
        pid_t c = fork();
        if (c == 0) {
            if (k == 4)
                *(volatile int *)0 = 1; /* SIGSEGV */
            exit(k + 1);
        }
    }
    int sum = 0, segv = 0;
    for (int k = 0; k < 5; k++) {
        CHECK_EQ(wait(&st) > 0, 1);
        if (WIFEXITED(st))
            sum += WEXITSTATUS(st);
        else
            segv += WTERMSIG(st) == SIGSEGV;
    }
    CHECK_EQ(sum, 1 + 2 + 3 + 4);
    CHECK_EQ(segv, 1);
    CHECK_EQ(wait(&st), -1);

    /* kill: a child that never ends. */
    pid = fork();
    if (pid == 0)
        for (;;)
            sys_yield(-1);
    CHECK_EQ(kill(pid, SIGKILL), 0);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, 1);
    CHECK_EQ(kill(999, SIGKILL), -1);
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(kill(1, SIGKILL), -1); /* ourselves */
    CHECK_EQ(errno, EPERM);
    /* A grandchild killed by a process that is not its parent. */
    int pfd[2];
    pipe(pfd);
    pid = fork();
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0)
            for (;;)
                ; /* never yields */
        write(pfd[1], &g, sizeof g);
        int gst = 0;
        waitpid(g, &gst, 0);
        exit(WIFSIGNALED(gst) && WTERMSIG(gst) == SIGTERM ? 0 : 1);
    }
    pid_t grandchild = 0;
    CHECK_EQ(read(pfd[0], &grandchild, sizeof grandchild), (long)sizeof grandchild);
    CHECK_EQ(kill(grandchild, SIGTERM), 0);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st) && WEXITSTATUS(st) == 0, 1);
    close(pfd[0]);
    close(pfd[1]);
    CHECK_EQ(free_frames(), base);

    /* Copy on write three generations deep: a child breaks away from a page
     * its own child still shares with it (its copy of the page must stay
     * for the grandchild, which still reads the old contents). */
    static volatile int gen3[1024] __attribute__((aligned(4096))); /* a page of its own */
    gen3[0] = 11;
    int gq[2];
    pipe(gq);
    pid = fork();
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0) {
            char go;
            read(gq[0], &go, 1); /* until the middle one has written */
            exit(gen3[0] == 11 ? 0 : 1);
        }
        gen3[0] = 22; /* copy-on-write fault in the middle generation */
        write(gq[1], "x", 1);
        int gst = -1;
        waitpid(g, &gst, 0);
        exit(WIFEXITED(gst) && WEXITSTATUS(gst) == 0 && gen3[0] == 22 ? 0 : 1);
    }
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st) && WEXITSTATUS(st) == 0, 1);
    CHECK_EQ(gen3[0], 11);
    close(gq[0]);
    close(gq[1]);
    CHECK_EQ(free_frames(), base);

    /* Sixteen generations, each with 64 KiB of its own, in this test's
     * 40 MiB (each process also maps the 12 MiB file system): deeper than halving the quota at
     * every fork would allow (and than the 8 generations of copies the kernel once allowed); each
     * one draws what it needs from its ancestors' quota (sys_env_credit). */
    pid = fork();
    if (pid == 0) {
        int depth = 0;
        for (; depth < 16; depth++) {
            char *mine = malloc(65536);
            if (!mine) {
                printf("depth %d: no memory (quota %lu, used %lu)\n", depth, exo_info->mem_quota,
                       exo_info->mem_used);
                exit(10);
            }
            memset(mine, depth, 65536);
            pid_t c = fork();
            if (c < 0)
                exit(11);
            if (c > 0) {
                int cst = -1;
                waitpid(c, &cst, 0);
                exit(WIFEXITED(cst) && mine[65535] == depth ? WEXITSTATUS(cst) : 12);
            }
        }
        exit(depth == 16 ? 0 : 13);
    }
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st), 0);
    CHECK_EQ(free_frames(), base);

    /* A fork bomb: every process forks until the quota stops it. No one
     * ends before all have stopped: an early exit gives quota back and lets
     * the others fork again, for as long as the timing allows (on a loaded
     * host that was minutes). A stopped process sleeps reading `release`;
     * we let them all go once every one sleeps. */
    int release[2];
    CHECK_EQ(pipe(release), 0);
    pid = fork();
    if (pid == 0) {
        for (;;) {
            pid_t c = fork();
            if (c < 0)
                break;
        }
        int err = errno, bad = 0;
        char go;
        read(release[0], &go, 1);
        while (wait(&st) > 0)
            bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
        exit(bad || (err != ENOMEM && err != EAGAIN) ? 1 : 0);
    }
    long n = bomb_settle();
    printf("t_unix_fork: a fork bomb of %ld processes\n", n);
    CHECK_EQ(n > 10, 1);
    for (long i = 0; i < n; i++)
        CHECK_EQ(write(release[1], "g", 1), 1);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st) && WEXITSTATUS(st) == 0, 1);
    close(release[0]);
    close(release[1]);
    CHECK_EQ(free_frames(), base);
    /* sleep sleeps: the time passes, and the process is not scheduled
     * meanwhile (a yielding loop would run in every slot). */
    uint64_t s0 = exo_info->slots_run, t0 = __builtin_ia32_rdtsc();
    CHECK_EQ(usleep(50000), 0);
    CHECK_EQ(__builtin_ia32_rdtsc() - t0 >= 50 * exo_info->tsc_per_ms, 1);
    CHECK_EQ(exo_info->slots_run - s0 <= 3, 1);
    /* Every child drew its time slot (and the chain its envs) from our
     * object quotas: all back now. */
    for (int k = 0; k < OBJ_KINDS; k++) {
        CHECK_EQ(exo_info->obj_quota[k], q0[k]);
        CHECK_EQ(exo_info->obj_used[k], u0[k]);
    }
    printf("t_unix_fork: %d failed checks\n", check_failures);
    return check_failures;
}
