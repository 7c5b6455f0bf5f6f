/* The scalability rows of make bench (tools/bench/smp.sh boots this as
 * init=bench_smp with -smp 1, 2 and 4). One worker env per CPU, worker i
 * with its only slot on CPU i, each doing the same number of operations on
 * objects of its own (its own frame and page tables, its own PCT
 * server on its own CPU, its own children), all starting together; then
 * the barrier rows, all workers in one barrier. For each row it prints
 *   SMP <row> ncpu=<n> k=<ops per worker> max=<ns> mean=<ns> fail=<n>
 * where max and mean are over the workers' elapsed times (the guest's TSC,
 * converted with a calibration against the 1 kHz timer: under -icount
 * these are guest instructions, one per ns). The same binary is the
 * worker: it finds its shared page mapped at BS_VA. */
#include "../../lib/exo/exo.h"
#include "../../lib/barrier/barrier.h"
#include "../../lib/c/libc.h"
#include "../../lib/unix/unix.h"
#include "../../bench/smp_work.h"

#define BS_VA    0x30000000UL
#define BS_PAGES 8
#define MAXW     8

/* The _private rows: the worker (and its PCT server) first make their
 * address spaces private to their CPU (sys_env_private, a Corey share),
 * which spares the TLB shootdowns of their unmaps. */
enum {
    ROW_NULL,
    ROW_MAP,
    ROW_MAP_PRIV,
    ROW_PCT,
    ROW_PCT_PRIV,
    ROW_ENV,
    ROW_FORK,
    ROW_PIPE,
    ROW_BAR0,
    NROWS = ROW_BAR0 + BAR_KINDS
};
static const char *const row_name[NROWS] = {"null_call",           "map_unmap",
                                            "map_unmap_private",   "pct_rt",
                                            "pct_rt_private",      "env_create_exit_wait",
                                            "unix_fork_exit_wait", "unix_pipe_rt",
                                            "barrier_sense",       "barrier_dissemination",
                                            "barrier_tournament",  "barrier_mcs"};
static const uint32_t row_k[NROWS] = {400000, 2000, 2000, 2000, 2000, 40,
                                      40,     1000, 500,  500,  500,  500};
/* A worker's memory quota in pages: the Unix rows' workers each start a
 * Unix library OS of their own (its server, its file system's blocks, the
 * children), all on the worker's CPU: private objects. */
#define WORKER_PAGES      512
#define WORKER_UNIX_PAGES 16384

struct bs_shared {
    struct barrier bar[BAR_KINDS];
    uint32_t row, k, nw, next_id;
    uint32_t ready, go, done;
    uint64_t tsc[MAXW];
    uint64_t fail[MAXW];
};
_Static_assert(sizeof(struct bs_shared) <= BS_PAGES * 4096, "fits");

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* ---- worker ---- */

static int worker(volatile struct bs_shared *sh)
{
    uint32_t id = __atomic_fetch_add(&sh->next_id, 1, __ATOMIC_SEQ_CST);
    uint32_t row = sh->row, k = sh->k;
    struct sys_info si;
    sys_sysinfo(&si);
    uint32_t cpu = id % (uint32_t)si.ncpu;
    uint64_t fail = 0;
    long frame = -1, srv = -1;
    int priv = row == ROW_MAP_PRIV || row == ROW_PCT_PRIV;
    if (priv && sys_env_private(CAP_SELF, cpu) < 0)
        fail++;
    if (row == ROW_MAP || row == ROW_MAP_PRIV)
        frame = sys_frame_alloc(-1);
    if (row == ROW_PCT || row == ROW_PCT_PRIV) {
        srv = sys_env_create(64);
        if (srv < 0 || sys_env_load((uint32_t)srv, "bench_srv", 9) < 0 ||
            sys_env_quota((uint32_t)srv, OBJ_ALL, 0, ~0UL, 0) < 0 ||
            sys_slot_alloc_on((uint32_t)srv, cpu, -1) < 0 ||
            (priv && sys_env_private((uint32_t)srv, cpu) < 0) || sys_env_start((uint32_t)srv) < 0)
            fail++;
        while (srv > 0 && sys_pct_call((uint32_t)srv, 1, 0, 0) != 1) /* until it has its entry */
            sys_yield(-1);
    }
    /* The Unix rows: a Unix library OS of our own (its server unixd gets
     * its slot on our CPU, as does every child we fork); for the pipe row
     * an echo child, as in make bench's unix_pipe_rt. */
    struct smp_echo echo = {.pid = -1};
    if (row == ROW_FORK || row == ROW_PIPE)
        unix_init("bench_smp");
    if (row == ROW_PIPE && smp_echo_start(&echo) < 0)
        fail++;
    __atomic_fetch_add(&sh->ready, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&sh->go, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
    uint64_t t0 = rdtsc();
    for (uint32_t i = 0; i < k && !fail; i++) {
        switch (row) {
        case ROW_NULL:
            if (sys_null() != 0)
                fail++;
            break;
        case ROW_MAP:
        case ROW_MAP_PRIV:
            if (exo_map(CAP_SELF, (uint32_t)frame, 0x40000000UL, MMU_W) < 0 ||
                exo_unmap(CAP_SELF, (uint32_t)frame) < 0)
                fail++;
            break;
        case ROW_PCT:
        case ROW_PCT_PRIV:
            if (sys_pct_call((uint32_t)srv, i, 0, 0) != (long)i)
                fail++;
            break;
        case ROW_ENV: {
            long c = sys_env_create(64), r = c;
            if (r < 0 || (r = sys_env_load((uint32_t)c, "bench_exit", 10)) < 0 ||
                (r = sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0)) < 0 ||
                (r = sys_slot_alloc_on((uint32_t)c, cpu, -1)) < 0 ||
                (r = sys_env_start((uint32_t)c)) < 0 ||
                (r = exo_wait((uint32_t)c, -1)) != ENV_STATUS_EXIT << 8) {
                fail++;
            }
            if (c > 0)
                sys_cap_delete((uint32_t)c);
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
        default:
            if (barrier_wait((struct barrier *)&sh->bar[row - ROW_BAR0], id) < 0)
                fail++;
        }
    }
    sh->tsc[id] = rdtsc() - t0;
    sh->fail[id] = fail;
    if (srv > 0)
        sys_cap_delete((uint32_t)srv);
    if (echo.pid > 0)
        smp_echo_stop(&echo);
    __atomic_fetch_add(&sh->done, 1, __ATOMIC_SEQ_CST);
    if (row == ROW_FORK || row == ROW_PIPE)
        exit(0); /* (lib/unix's: the server hears of it) */
    sys_exit(0); /* (lib/unix's exit would call a server we never started) */
}

/* ---- driver ---- */

int main(void)
{
    if (exo_pte(BS_VA))
        return worker((volatile struct bs_shared *)BS_VA);
    struct sys_info si;
    sys_sysinfo(&si);
    uint32_t nw = (uint32_t)si.ncpu < MAXW ? (uint32_t)si.ncpu : MAXW;
    /* The kernel's calibration of the TSC against the timer (under -icount
     * both run on the virtual clock). */
    uint64_t tsc_per_ms = exo_info->tsc_per_ms;
    printf("SMP-INFO ncpu=%u tsc_per_ms=%lu\n", nw, (unsigned long)tsc_per_ms);
    long caps[BS_PAGES];
    for (int p = 0; p < BS_PAGES; p++)
        caps[p] = exo_page_alloc_map(0x20000000UL + (uint64_t)p * 4096, true);
    volatile struct bs_shared *sh = (volatile struct bs_shared *)0x20000000UL;
    for (int row = 0; row < NROWS; row++) {
        for (uint64_t i = 0; i < sizeof *sh; i++)
            ((volatile uint8_t *)sh)[i] = 0;
        sh->row = (uint32_t)row;
        sh->k = row_k[row];
        sh->nw = nw;
        for (int kd = 0; kd < BAR_KINDS; kd++)
            barrier_init((struct barrier *)&sh->bar[kd], (enum bar_kind)kd, nw);
        long kids[MAXW];
        int bad = 0;
        for (uint32_t i = 0; i < nw; i++) {
            long c = kids[i] = sys_env_create(row == ROW_FORK || row == ROW_PIPE ? WORKER_UNIX_PAGES
                                                                                 : WORKER_PAGES);
            if (c < 0 || sys_env_load((uint32_t)c, "bench_smp", 9) < 0 ||
                sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0) < 0) {
                bad = 1;
                break;
            }
            for (int p = 0; p < BS_PAGES; p++) {
                long d = sys_cap_derive((uint32_t)caps[p], R_READ | R_WRITE, CAP_SELF);
                if (exo_map((uint32_t)c, (uint32_t)d, BS_VA + (uint64_t)p * 4096, MMU_W) < 0)
                    bad = 1;
            }
            if (sys_slot_alloc_on((uint32_t)c, i, -1) < 0 || sys_env_start((uint32_t)c) < 0)
                bad = 1;
            /* One at a time: worker i takes id i, the CPU of its slot (under
             * multi-threaded TCG a later worker could otherwise come first). */
            while (!bad && __atomic_load_n(&sh->next_id, __ATOMIC_ACQUIRE) == i)
                sys_block(1);
        }
        while (!bad && __atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE) < nw)
            sys_block(1000);
        __atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
        while (!bad && __atomic_load_n(&sh->done, __ATOMIC_ACQUIRE) < nw)
            sys_block(1000);
        uint64_t mx = 0, sum = 0, fail = (uint64_t)bad;
        for (uint32_t i = 0; i < nw; i++) {
            if (!bad)
                exo_wait((uint32_t)kids[i], -1);
            sys_cap_delete((uint32_t)kids[i]);
            mx = sh->tsc[i] > mx ? sh->tsc[i] : mx;
            sum += sh->tsc[i];
            fail += sh->fail[i];
        }
        printf("SMP %s ncpu=%u k=%u max=%lu mean=%lu fail=%lu\n", row_name[row], nw, row_k[row],
               (unsigned long)(mx * 1000000 / tsc_per_ms),
               (unsigned long)(sum / nw * 1000000 / tsc_per_ms), (unsigned long)fail);
    }
    printf("SMP-END\n");
    sys_exit(0);
}
