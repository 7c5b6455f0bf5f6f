/*
 * bench.c - the Spinel microbenchmark suite: portable measurement logic.
 *
 * This file is shared by every platform (see plat.h).  It uses no libc:
 * output goes through plat_print, everything the system does goes through
 * the other plat_* functions, and time is read with rdtsc.
 *
 * Method, for every row of the table below:
 *   1. setup (untimed); PLAT_UNSUPPORTED -> "BENCH <name> n/a"
 *   2. one warm-up batch of N iterations (untimed)
 *   3. BATCHES batches of N iterations; each batch is timed with rdtsc
 *      around the whole loop, ticks/op = delta / (N * ops_per_iter),
 *      rounded (ops_per_iter is 1 except for yield, see rows[])
 *   4. the median batch is reported: "BENCH <name> <ticks_per_op>"
 *   5. teardown (untimed)
 * After the last row: "BENCH-END".  Extra information is printed on lines
 * starting with "BENCH-INFO", which the host-side parser ignores.
 *
 * Under QEMU TCG with -icount shift=0 the TSC advances by one tick per
 * guest instruction, so a tick count is an instruction count and is
 * deterministic.  With KVM it is a real cycle count.
 *
 * To add a row: write an op (and setup/teardown if needed) using plat_*
 * functions, declare any new plat_* functions in plat.h, implement them on
 * every platform (returning PLAT_UNSUPPORTED from setup where not
 * possible), and add a line to rows[].  The host side picks up new row
 * names by itself.
 */
#include "plat.h"

#define BATCHES 9 /* odd, so the median is one batch */

/* ------------------------------------------------------------------ */
/* Small freestanding helpers                                           */
/* ------------------------------------------------------------------ */

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    /* lfence keeps rdtsc from being executed ahead of earlier
     * instructions on real hardware (KVM); it is one more instruction
     * under TCG and is amortised over N iterations. */
    __asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Markers for the cost-model plugin (tools/bench/model.c): multi-byte NOPs
 * with a tag in the displacement, the same instruction on every platform and
 * harmless without the plugin.  START/STOP bracket each timed batch, ROW
 * starts a row (the plugin numbers its records by row and batch). */
#define MARK_START "0x53504201"
#define MARK_STOP  "0x53504202"
#define MARK_ROW   "0x53504203"
#define MARK_BOOT  "0x53504204" /* the boot row ends here (model.c) */
#define MARK(tag)  __asm__ volatile("nopl " tag "(%%rax)" : : : "memory")

/* Format v in decimal into buf (at least 21 bytes); returns buf. */
static char *fmt_u64(char *buf, uint64_t v)
{
    char tmp[21];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

/* Print up to 8 strings as one line (NULLs are skipped), then '\n'. */
static void say(const char *a, const char *b, const char *c, const char *d, const char *e,
                const char *f, const char *g, const char *h)
{
    const char *parts[8] = {a, b, c, d, e, f, g, h};
    char line[256];
    size_t n = 0;
    for (int i = 0; i < 8; i++) {
        const char *s = parts[i];
        if (s == NULL)
            continue;
        while (*s != '\0' && n < sizeof(line) - 2)
            line[n++] = *s++;
    }
    line[n++] = '\n';
    line[n] = '\0';
    plat_print(line);
}

static uint64_t div_round(uint64_t a, uint64_t b)
{
    return (a + b / 2) / b;
}

/* ------------------------------------------------------------------ */
/* Rows                                                                 */
/* ------------------------------------------------------------------ */

/* Calibration only: measures the harness itself. */
static int op_empty(void)
{
    __asm__ volatile("" : : : "memory");
    return 0;
}

/* null_call */
static int op_null_call(void)
{
    return plat_null_call();
}

/* exception_rt: the platform's #UD handler skips the 2-byte ud2. */
static int op_exception(void)
{
    __asm__ volatile("ud2" : : : "memory");
    return 0;
}

/* prot_fault: make the page read-only, write to it; the platform's fault
 * handler makes it writable again and the write is restarted. */
static void *prot_page;
static uint8_t prot_val;

static int setup_prot_fault(void)
{
    return plat_prot_fault_setup(&prot_page);
}

static int op_prot_fault(void)
{
    if (plat_page_protect_ro(prot_page) != 0)
        return -1;
    *(volatile uint8_t *)prot_page = ++prot_val;
    return 0;
}

static void teardown_prot_fault(void)
{
    plat_prot_fault_teardown(prot_page);
}

/* map_touch_unmap */
static int op_map_touch_unmap(void)
{
    void *p = plat_map_page();
    if (p == NULL)
        return -1;
    *(volatile uint8_t *)p = 1;
    return plat_unmap_page(p);
}

/* yield: the partner adds 1 to *yield_counter after each of its yields, so
 * strict alternation means every one of our yields sees it grow by exactly
 * one; anything else (a dead partner, a yield that came back to us at once)
 * fails the row. */
static volatile uint64_t *yield_counter;

static int setup_yield(void)
{
    return plat_yield_setup(&yield_counter);
}

static int op_yield(void)
{
    uint64_t c = *yield_counter;
    if (plat_yield() != 0)
        return -1;
    return *yield_counter == c + 1 ? 0 : -1;
}

/* ---- model check rows: known cases for the cost model ---------------------
 * A pointer chase through a random cycle over the lines of 1 KiB, 64 KiB and
 * 8 MiB (L1-resident, L2-resident, bigger than L2), 256 dependent loads per
 * operation; and one write to each of 1,000 pages (fits the STLB, not the
 * L1 TLB), alone and after a yield to another domain (an address-space
 * switch: CR3 writes flush the user entries). */
#define CHASE_STEPS 256
#define MODEL_BYTES (8u << 20)
#define TLB_PAGES   1000
static uint8_t *model_buf;
static void **chase_pos;

static uint64_t lcg_state = 0x9e3779b97f4a7c15ull;
static uint64_t lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return lcg_state >> 33;
}

/* Link the first 'bytes' of model_buf, one pointer per 64-byte line, into
 * one random cycle (Sattolo's shuffle). */
static int setup_chase(uint32_t bytes)
{
    if (model_buf == NULL && (model_buf = plat_alloc(MODEL_BYTES)) == NULL)
        return PLAT_ERROR;
    uint64_t n = bytes / 64;
    uint64_t *idx = (uint64_t *)model_buf; /* line k's first word: its successor */
    for (uint64_t k = 0; k < n; k++)
        idx[k * 8] = k;
    for (uint64_t k = n - 1; k > 0; k--) {
        uint64_t j = lcg() % k;
        uint64_t t = idx[k * 8];
        idx[k * 8] = idx[j * 8];
        idx[j * 8] = t;
    }
    for (uint64_t k = 0; k < n; k++)
        *(void **)(model_buf + k * 64) = model_buf + idx[k * 8] * 64;
    chase_pos = (void **)model_buf;
    return PLAT_OK;
}
static int setup_chase_1k(void)
{
    return setup_chase(1024);
}
static int setup_chase_64k(void)
{
    return setup_chase(64 * 1024);
}
static int setup_chase_8m(void)
{
    return setup_chase(MODEL_BYTES);
}

static int op_chase(void)
{
    void **p = chase_pos;
    for (int i = 0; i < CHASE_STEPS; i++)
        p = (void **)*(void *volatile *)p;
    chase_pos = p;
    return 0;
}

static int setup_tlb(void)
{
    if (model_buf == NULL && (model_buf = plat_alloc(MODEL_BYTES)) == NULL)
        return PLAT_ERROR;
    return PLAT_OK;
}

/* One byte in each of TLB_PAGES pages, at a different line offset in each
 * page so that the lines spread over the cache sets. */
static int op_tlb_touch(void)
{
    for (uint32_t i = 0; i < TLB_PAGES; i++)
        model_buf[(uint64_t)i * 4096 + (i * 64) % 4096] = (uint8_t)i;
    return 0;
}

static int setup_tlb_cr3(void)
{
    if (setup_tlb() != PLAT_OK)
        return PLAT_ERROR;
    return setup_yield();
}

static int op_tlb_touch_cr3(void)
{
    if (op_yield() != 0)
        return -1;
    return op_tlb_touch();
}

struct row {
    const char *name;
    uint32_t iters;         /* N: iterations per batch */
    uint32_t ops_per_iter;  /* operations one iteration stands for */
    int (*setup)(void);     /* may be NULL */
    int (*op)(void);        /* the timed operation */
    void (*teardown)(void); /* may be NULL; runs iff setup succeeded */
};

/*
 * The rows, in output order.  N is chosen so that a batch is a few
 * million ticks: long enough to amortise the rdtsc pair and loop, short
 * enough to keep the whole suite within seconds of guest time.
 */
static const struct row rows[] = {
    {"null_call", 2000, 1, NULL, op_null_call, NULL},
    {"exception_rt", 500, 1, plat_exception_setup, op_exception, plat_exception_teardown},
    {"prot_fault", 300, 1, setup_prot_fault, op_prot_fault, teardown_prot_fault},
    /* a protected control transfer round trip (Linux has none: n/a) */
    {"pct_rt", 1000, 1, plat_pct_setup, plat_pct_roundtrip, plat_pct_teardown},
    {"map_touch_unmap", 1000, 1, plat_map_setup, op_map_touch_unmap, plat_map_teardown},
    /* one iteration = our yield + the partner's yield (strict alternation) */
    {"yield", 500, 2, setup_yield, op_yield, plat_yield_teardown},
    {"domain_create", 50, 1, plat_domain_setup, plat_domain_create_exit_wait, plat_domain_teardown},
    /* Extensions: the same events handled by a verified handler in the
     * kernel instead of an upcall (compare with exception_rt and ipc_rt). */
    {"ext_exception_rt", 500, 1, plat_ext_exception_setup, op_exception,
     plat_ext_exception_teardown},
    {"ext_pct_rt", 1000, 1, plat_ext_pct_setup, plat_ext_pct_roundtrip, plat_ext_pct_teardown},
    /* A ping over the loopback answered by a verified handler (ASH) in the kernel. */
    {"net_ash_ping_rt", 1000, 1, plat_net_ping_setup, plat_net_ping_roundtrip,
     plat_net_ping_teardown},
    /* Linux: the kernel's fork; Spinel: the Unix library OS's
     * copy-on-write fork (user space). */
    /* Unix: fork (copy-on-write, in the library OS on Spinel) + exit + wait. */
    {"unix_fork_exit_wait", 50, 1, plat_unix_fork_setup, plat_unix_fork_exit_wait, NULL},
    /* Unix: 1-byte round trip through two pipes to a child process. */
    {"unix_pipe_rt", 500, 1, plat_unix_pipe_setup, plat_unix_pipe_roundtrip,
     plat_unix_pipe_teardown},
    /* Busybox-sized processes: fork + exit + wait by a process holding a
     * busybox image; fork + execve `busybox sh -c true` + wait. */
    {"bb_fork_exit_wait", 10, 1, plat_bb_fork_setup, plat_bb_fork_exit_wait, plat_bb_fork_teardown},
    {"bb_sh_c_true", 5, 1, plat_sh_setup, plat_sh_c_true, NULL},
    /* Threads inside one domain: Linux pthreads, Spinel's lib/unix/thread. */
    {"thread_create_join", 200, 1, NULL, plat_thread_create_join, NULL},
    {"mutex_uncontended", 2000, 1, NULL, plat_mutex_lock_unlock, NULL},
    /* one iteration = our yield + the partner thread's (strict alternation) */
    {"thread_switch", 500, 2, plat_thread_switch_setup, plat_thread_switch,
     plat_thread_switch_teardown},
    /* Known cases for the cost model (docs/benchmarks.md, "Model checks"). */
    {"model_chase_1k", 200, 1, setup_chase_1k, op_chase, NULL},
    {"model_chase_64k", 200, 1, setup_chase_64k, op_chase, NULL},
    {"model_chase_8m", 50, 1, setup_chase_8m, op_chase, NULL},
    {"model_tlb_1000", 20, 1, setup_tlb, op_tlb_touch, NULL},
    {"model_tlb_1000_cr3", 20, 1, setup_tlb_cr3, op_tlb_touch_cr3, plat_yield_teardown},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* Run one batch of n iterations; 0 and *ticks on success.  The cost-model
 * plugin (tools/bench/model.c) counts between MARK_START and MARK_STOP. */
static int run_batch(int (*op)(void), uint32_t n, uint64_t *ticks)
{
    uint64_t t0 = rdtsc();
    MARK(MARK_START);
    for (uint32_t i = 0; i < n; i++) {
        if (op() != 0) {
            MARK(MARK_STOP);
            return -1;
        }
    }
    MARK(MARK_STOP);
    uint64_t t1 = rdtsc();
    *ticks = t1 - t0;
    return 0;
}

static void sort_u64(uint64_t *v, int n)
{
    for (int i = 1; i < n; i++) {
        uint64_t x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static void run_row(const struct row *r)
{
    char a[24], b[24], c[24];

    MARK(MARK_ROW);

    if (r->setup != NULL) {
        int st = r->setup();
        if (st != PLAT_OK) {
            say("BENCH ", r->name, " n/a", NULL, NULL, NULL, NULL, NULL);
            if (st != PLAT_UNSUPPORTED)
                say("BENCH-INFO ", r->name, " setup failed", NULL, NULL, NULL, NULL, NULL);
            return;
        }
    }

    uint64_t batch[BATCHES];
    uint64_t warm;
    int ok = run_batch(r->op, r->iters, &warm) == 0;
    for (int i = 0; ok && i < BATCHES; i++)
        ok = run_batch(r->op, r->iters, &batch[i]) == 0;

    if (r->teardown != NULL)
        r->teardown();

    if (!ok) {
        say("BENCH ", r->name, " n/a", NULL, NULL, NULL, NULL, NULL);
        say("BENCH-INFO ", r->name, " operation failed", NULL, NULL, NULL, NULL, NULL);
        return;
    }

#ifdef BENCH_VERBOSE
    for (int i = 0; i < BATCHES; i++)
        say("BENCH-INFO ", r->name, " batch ", fmt_u64(a, (uint64_t)i), " ticks ",
            fmt_u64(b, batch[i]), NULL, NULL);
#endif
    uint64_t ops = (uint64_t)r->iters * r->ops_per_iter;
    sort_u64(batch, BATCHES);
    uint64_t med = div_round(batch[BATCHES / 2], ops);
    say("BENCH ", r->name, " ", fmt_u64(a, med), NULL, NULL, NULL, NULL);
    say("BENCH-INFO ", r->name, " ops=", fmt_u64(a, ops),
        " min=", fmt_u64(b, div_round(batch[0], ops)),
        " max=", fmt_u64(c, div_round(batch[BATCHES - 1], ops)));
}

void bench_main(void)
{
    char a[24];

    /* Linux's boot row: from the first instruction to the start of /init
     * (this program), counted by the cost-model plugin. */
    MARK(MARK_BOOT);

    if (plat_init() != PLAT_OK) {
        /* No BENCH-END: the host side then counts the run as failed. */
        plat_print("BENCH-INFO platform init failed\n");
        plat_exit(1);
    }
    /* Start on a fresh line: firmware output may precede us. */
    plat_print("\n");
    say("BENCH-INFO platform ", plat_name(), " batches=", fmt_u64(a, BATCHES), NULL, NULL, NULL,
        NULL);

    /* The harness's own cost per operation (loop, indirect call, return
     * check), included in every row's figure. */
    uint64_t t;
    if (run_batch(op_empty, 1000, &t) == 0 && run_batch(op_empty, 1000, &t) == 0)
        say("BENCH-INFO harness_overhead_per_op=", fmt_u64(a, div_round(t, 1000)), NULL, NULL, NULL,
            NULL, NULL, NULL);

    for (unsigned i = 0; i < NROWS; i++)
        run_row(&rows[i]);
    plat_print("BENCH-END\n");
    plat_exit(0);
}
