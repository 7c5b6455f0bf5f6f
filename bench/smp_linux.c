/* The Linux column of the scalability table (tools/bench/smp.sh, make
 * bench-smp): the rows of user/bench/bench_smp.c that Linux has, the same
 * work on Linux booted under the same QEMU with -smp 1, 2 and 4. It runs as
 * /init of an initramfs (a static glibc program). One worker per CPU,
 * worker i pinned to CPU i (sched_setaffinity), each doing the same number
 * of operations on objects of its own, all starting together:
 *
 *   map_unmap            mmap of one page of the worker's own memfd (the
 *                        page exists already: MAP_POPULATE maps it, as
 *                        Spinel's row maps a frame it holds) and munmap
 *   unix_fork_exit_wait  fork, the child _exit(0)s, waitpid
 *   unix_pipe_rt         one byte to an echo child through one pipe and
 *                        back through another (the child on the same CPU)
 *   barrier_pthread      one episode of pthread_barrier_wait, the workers
 *                        being threads of one process
 *
 * The workers are processes (their own address space each: Linux's
 * private objects) but for the barrier row. For each row it prints, as
 * bench_smp does,
 *   SMP <row> ncpu=<n> k=<ops per worker> max=<ns> mean=<ns> fail=<n>
 * (max and mean over the workers' elapsed CLOCK_MONOTONIC times: under
 * -icount the guest's clock advances one ns per instruction), then SMP-END,
 * and powers the machine off. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "smp_work.h"

#define MAXW 8

enum { ROW_MAP, ROW_FORK, ROW_PIPE, ROW_BARRIER, NROWS };
static const char *const row_name[NROWS] = {"map_unmap", "unix_fork_exit_wait", "unix_pipe_rt",
                                            "barrier_pthread"};
/* The same counts as bench_smp.c's rows. */
static const uint32_t row_k[NROWS] = {2000, 40, 1000, 500};

struct shared {
    uint32_t ready, go, done;
    uint64_t ns[MAXW];
    uint64_t fail[MAXW];
};
static struct shared *sh;
static pthread_barrier_t pbar;
static int ncpu;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    sched_setaffinity(0, sizeof s, &s);
}

/* Worker id of a row: set up, wait for the go, k operations, report. */
static void work(int row, int id)
{
    uint32_t k = row_k[row];
    uint64_t fail = 0;
    pin(id);
    int fd = -1;
    struct smp_echo echo = {.pid = -1};
    if (row == ROW_MAP) {
        fd = memfd_create("smp", 0);
        char *p;
        if (fd < 0 || ftruncate(fd, 4096) < 0 ||
            (p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
            fail++;
        else
            p[0] = 1, munmap(p, 4096); /* (the page now exists) */
    }
    if (row == ROW_PIPE && smp_echo_start(&echo) < 0)
        fail++;
    __atomic_fetch_add(&sh->ready, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&sh->go, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
    uint64_t t0 = now_ns();
    for (uint32_t i = 0; i < k && !fail; i++) {
        switch (row) {
        case ROW_MAP: {
            void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
            if (p == MAP_FAILED || munmap(p, 4096) < 0)
                fail++;
            break;
        }
        case ROW_FORK:
            if (smp_fork_exit_wait() < 0)
                fail++;
            break;
        case ROW_PIPE:
            if (smp_echo_rt(&echo, (char)i) < 0)
                fail++;
            break;
        default: {
            int r = pthread_barrier_wait(&pbar);
            if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD)
                fail++;
        }
        }
    }
    sh->ns[id] = now_ns() - t0;
    sh->fail[id] = fail;
    if (echo.pid > 0)
        smp_echo_stop(&echo);
    __atomic_fetch_add(&sh->done, 1, __ATOMIC_SEQ_CST);
}

static void *barrier_thread(void *arg)
{
    work(ROW_BARRIER, (int)(intptr_t)arg);
    return NULL;
}

int main(void)
{
    cpu_set_t all;
    sched_getaffinity(0, sizeof all, &all);
    ncpu = CPU_COUNT(&all) < MAXW ? CPU_COUNT(&all) : MAXW;
    printf("SMP-INFO ncpu=%d linux\n", ncpu);
    fflush(stdout);
    sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return 1;
    for (int row = 0; row < NROWS; row++) {
        memset(sh, 0, sizeof *sh);
        pid_t kids[MAXW];
        pthread_t th[MAXW];
        int bad = 0;
        if (row == ROW_BARRIER) {
            pthread_barrier_init(&pbar, NULL, (unsigned)ncpu);
            for (int i = 0; i < ncpu; i++)
                if (pthread_create(&th[i], NULL, barrier_thread, (void *)(intptr_t)i) != 0)
                    bad = 1;
        } else {
            for (int i = 0; i < ncpu; i++) {
                kids[i] = fork();
                if (kids[i] == 0) {
                    work(row, i);
                    _exit(0);
                }
                if (kids[i] < 0)
                    bad = 1;
            }
        }
        while (!bad && __atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE) < (uint32_t)ncpu)
            usleep(1000);
        __atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
        for (int i = 0; i < ncpu && !bad; i++) {
            if (row == ROW_BARRIER)
                pthread_join(th[i], NULL);
            else
                waitpid(kids[i], NULL, 0);
        }
        if (row == ROW_BARRIER)
            pthread_barrier_destroy(&pbar);
        uint64_t mx = 0, sum = 0, fail = (uint64_t)bad;
        for (int i = 0; i < ncpu; i++) {
            mx = sh->ns[i] > mx ? sh->ns[i] : mx;
            sum += sh->ns[i];
            fail += sh->fail[i];
        }
        printf("SMP %s ncpu=%d k=%u max=%llu mean=%llu fail=%llu\n", row_name[row], ncpu,
               row_k[row], (unsigned long long)mx, (unsigned long long)(sum / (uint64_t)ncpu),
               (unsigned long long)fail);
        fflush(stdout);
    }
    printf("SMP-END\n");
    fflush(stdout);
    if (getpid() == 1)
        reboot(RB_POWER_OFF);
    return 0;
}
