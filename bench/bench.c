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

/* Format v/100 with two decimals (v is a fixed-point value * 100). */
static char *fmt_centi(char *buf, uint64_t v)
{
    char *p = fmt_u64(buf, v / 100);
    while (*p)
        p++;
    *p++ = '.';
    *p++ = (char)('0' + (v / 10) % 10);
    *p++ = (char)('0' + v % 10);
    *p = '\0';
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

/* yield: the partner's yield count is reported as BENCH-INFO. */
static uint64_t yield_partner_count;

static void teardown_yield(void)
{
    plat_yield_teardown(&yield_partner_count);
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
    {"ipc_rt", 1000, 1, plat_ipc_setup, plat_ipc_roundtrip, plat_ipc_teardown},
    {"map_touch_unmap", 1000, 1, plat_map_setup, op_map_touch_unmap, NULL},
    /* one iteration = our yield + the partner's yield (strict alternation) */
    {"yield", 500, 2, plat_yield_setup, plat_yield, teardown_yield},
    {"domain_create", 50, 1, plat_domain_setup, plat_domain_create_exit_wait, plat_domain_teardown},
    /* Extensions: the same events handled by a verified handler in the
     * kernel instead of an upcall (compare with exception_rt and ipc_rt). */
    {"ext_exception_rt", 500, 1, plat_ext_exception_setup, op_exception,
     plat_ext_exception_teardown},
    {"ext_pct_rt", 1000, 1, plat_ext_pct_setup, plat_ext_pct_roundtrip, plat_ext_pct_teardown},
    /* Unix: fork (copy-on-write, in the library OS on Spinel) + exit + wait. */
    {"unix_fork_exit_wait", 50, 1, plat_unix_fork_setup, plat_unix_fork_exit_wait, NULL},
    /* Unix: 1-byte round trip through two pipes to a child process. */
    {"unix_pipe_rt", 500, 1, plat_unix_pipe_setup, plat_unix_pipe_roundtrip, plat_unix_pipe_teardown},
    /* Threads inside one domain: Linux pthreads, Spinel's lib/unix/thread. */
    {"thread_create_join", 200, 1, NULL, plat_thread_create_join, NULL},
    {"mutex_uncontended", 2000, 1, NULL, plat_mutex_lock_unlock, NULL},
    /* one iteration = our yield + the partner thread's (strict alternation) */
    {"thread_switch", 500, 2, plat_thread_switch_setup, plat_thread_switch,
     plat_thread_switch_teardown},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* Run one batch of n iterations; 0 and *ticks on success. */
static int run_batch(int (*op)(void), uint32_t n, uint64_t *ticks)
{
    uint64_t t0 = rdtsc();
    for (uint32_t i = 0; i < n; i++) {
        if (op() != 0)
            return -1;
    }
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

    for (unsigned i = 0; i < NROWS; i++) {
        run_row(&rows[i]);
        if (rows[i].op == plat_yield && yield_partner_count != 0) {
            /* partner yields per iteration (warm-up included); 1.00
             * means strict alternation */
            uint64_t iters = (uint64_t)(BATCHES + 1) * rows[i].iters;
            say("BENCH-INFO yield partner_yields_per_iteration=",
                fmt_centi(a, div_round(yield_partner_count * 100, iters)), NULL, NULL, NULL, NULL,
                NULL, NULL);
        }
    }
    plat_print("BENCH-END\n");
    plat_exit(0);
}
