/* Spinel's implementation of the benchmark platform layer (plat.h), on the
 * exokernel interface through libexo. Each row uses the mechanism a Spinel
 * library OS would use for the same job:
 *   null_call        sys_null
 *   exception_rt     ud2 -> exception upcall -> handler -> user-level resume
 *   prot_fault       MMU_PROTECT read-only, write, page-fault upcall whose
 *                    handler makes the page writable (mmu_update), resume
 *   pct_rt           PCT call into a server env's protected entry and reply
 *   map_touch_unmap  demand paging in the library OS: nothing is mapped; the
 *                    write faults, the page-fault upcall's handler maps a
 *                    zeroed frame there (sys_frame_map: frame_alloc + map in
 *                    one call) and the write restarts; then cap_delete,
 *                    which unmaps the page and frees the frame (as munmap)
 *   yield            sys_yield between two envs with a slot each; the
 *                    partner counts its yields in a page both map
 *   domain_create    env_create + env_load + slot + start, the child exits,
 *                    the parent waits and deletes the env capability */
#include "plat.h"
#include "../lib/exo/exo.h"

#define PROT_VA  0x0000200000000000UL
#define MAP_VA   0x0000210000000000UL
#define MODEL_VA 0x0000220000000000UL
#define YIELD_VA 0x0000230000000000UL /* the yield counter; bench_yield.c */

int plat_init(void)
{
    return PLAT_OK;
}
void plat_print(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    sys_cputs(s, n);
}
const char *plat_name(void)
{
    return "spinel";
}
_Noreturn void plat_exit(int code)
{
    sys_exit(code);
}

int plat_null_call(void)
{
    return (int)sys_null();
}

/* ---- exception_rt ---- */
static void on_ud(struct upcall_frame *f)
{
    f->rip += 2;
}
int plat_exception_setup(void)
{
    return exo_set_handler(UPCALL_EXCEPTION, on_ud) == 0 ? PLAT_OK : PLAT_ERROR;
}
void plat_exception_teardown(void)
{
    exo_set_handler(UPCALL_EXCEPTION, 0);
}

/* ---- prot_fault ---- */
static long prot_cap;
static void on_prot(struct upcall_frame *f)
{
    (void)f;
    exo_protect(CAP_SELF, (uint32_t)prot_cap, MMU_W);
}
int plat_prot_fault_setup(void **page)
{
    prot_cap = exo_page_alloc_map(PROT_VA, true);
    if (prot_cap < 0 || exo_set_handler(UPCALL_PAGEFAULT, on_prot) != 0)
        return PLAT_ERROR;
    *(volatile char *)PROT_VA = 1;
    *page = (void *)PROT_VA;
    return PLAT_OK;
}
int plat_page_protect_ro(void *page)
{
    (void)page;
    return exo_protect(CAP_SELF, (uint32_t)prot_cap, 0) == 1 ? 0 : 1;
}
void plat_prot_fault_teardown(void *page)
{
    (void)page;
    exo_set_handler(UPCALL_PAGEFAULT, 0);
    sys_cap_delete((uint32_t)prot_cap);
}

/* ---- pct_rt ---- */
static long ipc_srv;
int plat_pct_setup(void)
{
    ipc_srv = exo_spawn("bench_srv", 128);
    if (ipc_srv < 0)
        return PLAT_ERROR;
    for (int i = 0; i < 1000; i++) { /* until it has registered its entry */
        if (sys_pct_call((uint32_t)ipc_srv, 1, 0, 0) == 1)
            return PLAT_OK;
        sys_yield(-1);
    }
    return PLAT_ERROR;
}
int plat_pct_roundtrip(void)
{
    return sys_pct_call((uint32_t)ipc_srv, 7, 0, 0) == 7 ? 0 : 1;
}
void plat_pct_teardown(void)
{
    sys_cap_delete((uint32_t)ipc_srv);
}

/* ---- map_touch_unmap: demand paging ---- */
static long map_cap = -1;
static void on_demand(struct upcall_frame *f)
{
    if ((f->addr & ~4095UL) != MAP_VA || map_cap >= 0)
        sys_exit(90);                                 /* not the page this row pages in */
    map_cap = sys_frame_map(CAP_SELF, MAP_VA, MMU_W); /* a zeroed frame, mapped */
    if (map_cap < 0)
        sys_exit(91);
}
int plat_map_setup(void)
{
    return exo_set_handler(UPCALL_PAGEFAULT, on_demand) == 0 ? PLAT_OK : PLAT_ERROR;
}
void plat_map_teardown(void)
{
    exo_set_handler(UPCALL_PAGEFAULT, 0);
}
void *plat_map_page(void)
{
    return (void *)MAP_VA;
} /* maps nothing */
int plat_unmap_page(void *page)
{
    (void)page;
    if (map_cap < 0)
        return 1;
    long r = sys_cap_delete((uint32_t)map_cap); /* unmaps it and frees the frame */
    map_cap = -1;
    return r == 0 ? 0 : 1;
}

/* ---- model checks: 2 MiB blocks of zeroed frames ---- */
void *plat_alloc(size_t bytes)
{
    static uint64_t next = MODEL_VA;
    uint64_t va = next;
    for (size_t off = 0; off < bytes; off += 2UL << 20) {
        long b = sys_frame_alloc_in(CAP_SELF, -1, 9);
        if (b < 0 || exo_map(CAP_SELF, (uint32_t)b, next, MMU_W) != 1)
            return 0;
        next += 2UL << 20;
    }
    return (void *)va;
}

/* ---- yield ---- */
static long yield_partner, yield_page;
int plat_yield_setup(volatile uint64_t **counter)
{
    yield_page = exo_page_alloc_map(YIELD_VA, true);
    if (yield_page < 0)
        return PLAT_ERROR;
    yield_partner = exo_spawn("bench_yield", 64);
    if (yield_partner < 0)
        return PLAT_ERROR;
    /* The partner waits until the page is mapped in its space too. */
    struct mmu_op op = {.va = YIELD_VA, .cap = (uint32_t)yield_page, .op = MMU_COPY | MMU_W};
    if (sys_mmu_update((uint32_t)yield_partner, &op, 1) != 1)
        return PLAT_ERROR;
    *counter = (volatile uint64_t *)YIELD_VA;
    sys_yield(-1); /* let the partner reach its loop */
    return PLAT_OK;
}
int plat_yield(void)
{
    return (int)sys_yield(-1);
}
void plat_yield_teardown(void)
{
    sys_cap_delete((uint32_t)yield_partner);
    exo_unmap(CAP_SELF, (uint32_t)yield_page);
    sys_cap_delete((uint32_t)yield_page);
}

/* ---- domain_create ---- */
int plat_domain_setup(void)
{
    return PLAT_OK;
}
int plat_domain_create_exit_wait(void)
{
    long env = exo_spawn("bench_exit", 64);
    if (env < 0)
        return 1;
    long st = exo_wait((uint32_t)env, -1);
    sys_cap_delete((uint32_t)env);
    return st == ENV_STATUS(ENV_STATUS_EXIT, 0) ? 0 : 1;
}
void plat_domain_teardown(void) {}

/* ---- extensions: user/ext/x_skip.bpf.c and x_pct.bpf.c ---- */
extern const char ext_obj_x_skip[], ext_obj_x_skip_end[], ext_obj_x_pct[], ext_obj_x_pct_end[];
static long skip_mod, pct_mod, pct_srv;

int plat_ext_exception_setup(void)
{
    skip_mod =
        sys_ext_load(ext_obj_x_skip, (uint64_t)(ext_obj_x_skip_end - ext_obj_x_skip), 0, 0, 0);
    long g = exo_ext_find((uint32_t)skip_mod, "event/exception/is_ud");
    long h = exo_ext_find((uint32_t)skip_mod, "event/exception/skip");
    if (skip_mod < 0 || g < 0 || h < 0 ||
        sys_ext_attach((uint32_t)skip_mod, (uint32_t)h, g, CAP_SELF, 0, 0) < 0)
        return PLAT_ERROR;
    return PLAT_OK;
}
void plat_ext_exception_teardown(void)
{
    sys_cap_delete((uint32_t)skip_mod);
}

int plat_ext_pct_setup(void)
{
    pct_mod = sys_ext_load(ext_obj_x_pct, (uint64_t)(ext_obj_x_pct_end - ext_obj_x_pct), 0, 0, 0);
    long g = exo_ext_find((uint32_t)pct_mod, "guard/pct/small");
    long h = exo_ext_find((uint32_t)pct_mod, "event/pct/double");
    pct_srv = exo_spawn("bench_srv", 128);
    if (pct_mod < 0 || g < 0 || h < 0 || pct_srv < 0 ||
        sys_ext_attach((uint32_t)pct_mod, (uint32_t)h, g, (uint32_t)pct_srv, 0, 0) < 0)
        return PLAT_ERROR;
    return PLAT_OK;
}
int plat_ext_pct_roundtrip(void)
{
    return sys_pct_call((uint32_t)pct_srv, 7, 0, 0) == 14 ? 0 : 1;
}
void plat_ext_pct_teardown(void)
{
    sys_cap_delete((uint32_t)pct_srv);
    sys_cap_delete((uint32_t)pct_mod);
}

/* ---- net_ash_ping_rt: user/ext/x_net.bpf.c's ASH on the loopback ---- */
#include "../lib/c/libc.h"
extern const char ext_obj_x_net[], ext_obj_x_net_end[];
static long net_dev, net_mod, net_blk[2], net_ep[2];
static struct net_ring *net_ring;
static uint8_t ping_frame[98];

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}
static uint32_t sum16(const uint8_t *p, uint32_t len)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i + 1 < len; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return ~s & 0xffff;
}

int plat_net_ping_setup(void)
{
    static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    const uint32_t me = 0x0a000001, ash = 0x0a000003;
    net_dev = sys_net_open(NETIF_LO);
    net_mod = sys_ext_load(ext_obj_x_net, (uint64_t)(ext_obj_x_net_end - ext_obj_x_net), 0, 0, 0);
    long all = exo_ext_find((uint32_t)net_mod, "filter/packet/all");
    long ping = exo_ext_find((uint32_t)net_mod, "ash/packet/ping");
    if (net_dev < 0 || net_mod < 0 || all < 0 || ping < 0)
        return PLAT_ERROR;
    struct net_key keys[2] = {{0x0800, 1, 0, 0, 0, me}, {0x0800, 1, 0, 0, 0, ash}};
    for (int i = 0; i < 2; i++) {
        net_blk[i] = sys_frame_alloc_in(CAP_SELF, -1, 3);
        if (net_blk[i] < 0 ||
            exo_map(CAP_SELF, (uint32_t)net_blk[i], 0x0000620000000000UL + (uint64_t)i * 0x100000,
                    MMU_W) < 0 ||
            (net_ep[i] = sys_net_endpoint((uint32_t)net_dev, (uint32_t)net_blk[i], CAP_SELF, 0)) <
                0 ||
            sys_net_attach((uint32_t)net_ep[i], (uint32_t)net_mod, (uint32_t)all, &keys[i]) < 0)
            return PLAT_ERROR;
    }
    if (sys_net_attach((uint32_t)net_ep[1], (uint32_t)net_mod, (uint32_t)ping, 0) < 0)
        return PLAT_ERROR;
    net_ring = (struct net_ring *)0x0000620000000000UL;
    /* An echo request from 10.0.0.1 to 10.0.0.3 with 56 bytes of data. */
    uint8_t *f = ping_frame;
    memcpy(f, mac, 6);
    memcpy(f + 6, mac, 6);
    put16(f + 12, 0x0800);
    f[14] = 0x45;
    put16(f + 16, 84);
    f[22] = 64, f[23] = 1;
    put16(f + 26, me >> 16), put16(f + 28, me & 0xffff);
    put16(f + 30, ash >> 16), put16(f + 32, ash & 0xffff);
    put16(f + 24, sum16(f + 14, 20));
    f[34] = 8;
    for (int i = 42; i < 98; i++)
        f[i] = (uint8_t)i;
    put16(f + 36, sum16(f + 34, 64));
    memcpy((char *)net_ring + 16384, f, sizeof ping_frame); /* (its transmit buffer) */
    return PLAT_OK;
}
/* One ping: post the request, one sys_net_tx, the reply is in the ring. */
int plat_net_ping_roundtrip(void)
{
    struct net_ring *r = net_ring;
    struct net_txdesc *d = &r->tx[r->tx_head % NET_NTX];
    d->off = 16384;
    d->len = sizeof ping_frame;
    r->tx_head++;
    if (sys_net_tx((uint32_t)net_ep[0]) != 1 || r->rx_head == r->rx_tail)
        return 1;
    uint8_t type = ((uint8_t *)r + 4096 + (r->rx_tail % r->nrx) * NET_SLOT_SIZE)[34];
    r->rx_tail++;
    return type != 0;
}
void plat_net_ping_teardown(void)
{
    struct net_stats st;
    if (sys_net_stat((uint32_t)net_ep[1], &st) == 0 && st.ash_handled) {
        char line[128];
        snprintf(line, sizeof line, "BENCH-INFO ash_ping_handler arrival_to_answer=%lu pings=%lu\n",
                 st.ash_tsc / st.ash_handled, st.ash_handled);
        plat_print(line);
    }
    for (int i = 0; i < 2; i++) {
        sys_cap_delete((uint32_t)net_ep[i]);
        sys_cap_delete((uint32_t)net_blk[i]);
    }
    sys_cap_delete((uint32_t)net_mod);
    sys_cap_delete((uint32_t)net_dev);
}

/* ---- unix_fork_exit_wait: lib/unix/proc ---- */
#include "../lib/unix/unix.h"
static int unix_ready;
int plat_unix_fork_setup(void)
{
    if (!unix_ready++)
        unix_init("bench");
    return PLAT_OK;
}

static int to_child[2], from_child[2];
static pid_t echo_pid;
int plat_unix_pipe_setup(void)
{
    plat_unix_fork_setup();
    if (pipe(to_child) < 0 || pipe(from_child) < 0)
        return PLAT_ERROR;
    echo_pid = fork();
    if (echo_pid == 0) {
        close(to_child[1]);
        close(from_child[0]);
        char c;
        while (read(to_child[0], &c, 1) == 1)
            write(from_child[1], &c, 1);
        _exit(0);
    }
    close(to_child[0]);
    close(from_child[1]);
    return echo_pid > 0 ? PLAT_OK : PLAT_ERROR;
}
int plat_unix_pipe_roundtrip(void)
{
    char c = 'x';
    return write(to_child[1], &c, 1) == 1 && read(from_child[0], &c, 1) == 1 ? 0 : 1;
}
void plat_unix_pipe_teardown(void)
{
    close(to_child[1]); /* the child reads end of file and exits */
    waitpid(echo_pid, 0, 0);
    close(from_child[0]);
}
int plat_unix_fork_exit_wait(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    int st;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? 0 : 1;
}

/* ---- bb_fork_exit_wait: the same fork by a process holding a copy of
 * /bin/busybox (read into memory: every page written) ---- */
static char *bb_img;
int plat_bb_fork_setup(void)
{
    plat_unix_fork_setup();
    int fd = open("/bin/busybox", O_RDONLY);
    struct stat st;
    if (fd < 0)
        return PLAT_UNSUPPORTED;
    int ok = fstat(fd, &st) == 0 && st.st_size > 0 && (bb_img = malloc((size_t)st.st_size)) &&
             read(fd, bb_img, (size_t)st.st_size) == st.st_size;
    close(fd);
    return ok ? PLAT_OK : PLAT_ERROR;
}
int plat_bb_fork_exit_wait(void)
{
    return plat_unix_fork_exit_wait();
}
void plat_bb_fork_teardown(void)
{
    free(bb_img);
    bb_img = NULL;
}

/* ---- bb_sh_c_true: Spinel's own shell, /bin/sh -c true ---- */
int plat_sh_setup(void)
{
    plat_unix_fork_setup();
    struct stat st;
    return stat("/bin/sh", &st) == 0 ? PLAT_OK : PLAT_UNSUPPORTED;
}
int plat_sh_c_true(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"sh", "-c", "true", NULL};
        execv("/bin/sh", argv);
        _exit(127);
    }
    int st;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

int main(void)
{
    bench_main();
}

/* ---- threads: the Unix library OS's strands (lib/unix/thread) ---- */
#include "../lib/unix/thread/thread.h"

static void *thread_returns(void *arg)
{
    return arg;
}
int plat_thread_create_join(void)
{
    pthread_t t;
    void *r = 0;
    if (pthread_create(&t, 0, thread_returns, (void *)1) != 0 || pthread_join(t, &r) != 0)
        return 1;
    return r == (void *)1 ? 0 : 1;
}

static pthread_mutex_t bench_mutex = PTHREAD_MUTEX_INITIALIZER;
int plat_mutex_lock_unlock(void)
{
    return pthread_mutex_lock(&bench_mutex) | pthread_mutex_unlock(&bench_mutex);
}

static pthread_t switch_partner;
static volatile int switch_stop;
static void *switch_partner_fn(void *arg)
{
    (void)arg;
    while (!switch_stop)
        sched_yield();
    return 0;
}
int plat_thread_switch_setup(void)
{
    switch_stop = 0;
    if (pthread_create(&switch_partner, 0, switch_partner_fn, 0) != 0)
        return PLAT_ERROR;
    sched_yield(); /* let the partner reach its loop */
    return PLAT_OK;
}
int plat_thread_switch(void)
{
    return sched_yield();
}
void plat_thread_switch_teardown(void)
{
    switch_stop = 1;
    pthread_join(switch_partner, 0);
}
