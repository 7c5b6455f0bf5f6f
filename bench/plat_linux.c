/*
 * plat_linux.c - Linux implementation of the benchmark platform layer.
 *
 * Built as a static binary (gcc -static -O2) and run as /init of a small
 * initramfs under QEMU; it also runs as an ordinary process on any
 * x86-64 Linux host (then plat_exit just exits).
 */
#define _GNU_SOURCE
#include "plat.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>
#include <stdlib.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE 4096

static int out_fd = 1;

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

void plat_print(const char *s)
{
    write_all(out_fd, s, strlen(s));
}

const char *plat_name(void)
{
    return "linux";
}

int plat_init(void)
{
    /* As PID 1 the kernel gives us /dev/console on fds 0-2 if the
     * initramfs has it.  If not, mount devtmpfs and open the console. */
    if (fcntl(1, F_GETFD) == -1) {
        mkdir("/dev", 0755);
        mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
        int fd = open("/dev/console", O_WRONLY | O_NOCTTY);
        if (fd < 0)
            fd = open("/dev/ttyS0", O_WRONLY | O_NOCTTY);
        if (fd < 0)
            return PLAT_ERROR;
        out_fd = fd;
    }
    return PLAT_OK;
}

void plat_exit(int code)
{
    if (getpid() == 1) {
        sync();
        reboot(RB_POWER_OFF);
        /* If power-off failed, PID 1 must not exit (kernel panic). */
        for (;;)
            pause();
    }
    _exit(code);
}

/* ---- null_call ------------------------------------------------------ */

int plat_null_call(void)
{
    syscall(SYS_getpid);
    return 0;
}

/* ---- exception_rt --------------------------------------------------- */

static void sigill_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    uc->uc_mcontext.gregs[REG_RIP] += 2; /* skip ud2 (0f 0b) */
}

static int set_handler(int sig, void (*fn)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL) == 0 ? PLAT_OK : PLAT_ERROR;
}

static void reset_handler(int sig)
{
    signal(sig, SIG_DFL);
}

int plat_exception_setup(void)
{
    return set_handler(SIGILL, sigill_handler);
}

void plat_exception_teardown(void)
{
    reset_handler(SIGILL);
}

/* ---- prot_fault ----------------------------------------------------- */

static void *fault_page;

static void sigsegv_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    char *a = si->si_addr;
    char *p = fault_page;
    if (p == NULL || a < p || a >= p + PAGE || mprotect(p, PAGE, PROT_READ | PROT_WRITE) != 0) {
        /* Not ours: die with the default action on return. */
        signal(SIGSEGV, SIG_DFL);
    }
}

int plat_prot_fault_setup(void **page)
{
    void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return PLAT_ERROR;
    *(volatile char *)p = 0; /* populate */
    fault_page = p;
    if (set_handler(SIGSEGV, sigsegv_handler) != PLAT_OK) {
        munmap(p, PAGE);
        return PLAT_ERROR;
    }
    *page = p;
    return PLAT_OK;
}

int plat_page_protect_ro(void *page)
{
    return mprotect(page, PAGE, PROT_READ);
}

void plat_prot_fault_teardown(void *page)
{
    reset_handler(SIGSEGV);
    fault_page = NULL;
    munmap(page, PAGE);
}

/* ---- pct_rt ------------------------------------------------------------
 *
 * Linux has no protected control transfer: no system call runs code in
 * another address space and returns its answer (the closest things, a pipe
 * or futex round trip between two processes, go through the scheduler,
 * which a PCT does not; unix_pipe_rt measures the pipe one).  n/a.
 */
int plat_pct_setup(void)
{
    return PLAT_UNSUPPORTED;
}
int plat_pct_roundtrip(void)
{
    return -1;
}
void plat_pct_teardown(void) {}

/* ---- map_touch_unmap ------------------------------------------------ */

int plat_map_setup(void)
{
    return PLAT_OK;
}

void plat_map_teardown(void) {}

void *plat_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *plat_map_page(void)
{
    void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int plat_unmap_page(void *page)
{
    return munmap(page, PAGE);
}

/* ---- yield ----------------------------------------------------------
 *
 * Both processes run under SCHED_FIFO at the same priority, so every
 * sched_yield moves the caller behind the other one: the parent and the
 * partner alternate strictly (the partner's yield count confirms it).
 * Under the default CFS policy a yield only switches when the other
 * task's vruntime is close enough, so the result would mix switching
 * and non-switching yields.  If SCHED_FIFO is refused (not root), the
 * row falls back to CFS and says so.
 */

static pid_t yield_pid = -1;
static volatile uint64_t *yield_counter; /* shared with the partner */
static int yield_fifo;

int plat_yield_setup(volatile uint64_t **counter)
{
    void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return PLAT_ERROR;
    yield_counter = p;
    *yield_counter = 0;

    struct sched_param sp;
    memset(&sp, 0, sizeof(sp));
    sp.sched_priority = 1;
    yield_fifo = sched_setscheduler(0, SCHED_FIFO, &sp) == 0;
    plat_print(yield_fifo ? "BENCH-INFO yield policy=SCHED_FIFO\n"
                          : "BENCH-INFO yield policy=SCHED_OTHER\n");

    pid_t pid = fork(); /* the partner inherits the policy */
    if (pid < 0) {
        munmap(p, PAGE);
        return PLAT_ERROR;
    }
    if (pid == 0) {
        for (;;) {
            sched_yield();
            (*yield_counter)++;
        }
    }
    yield_pid = pid;
    /* Let the partner reach its loop. */
    sched_yield();
    *counter = yield_counter;
    return PLAT_OK;
}

int plat_yield(void)
{
    return sched_yield();
}

void plat_yield_teardown(void)
{
    kill(yield_pid, SIGKILL);
    waitpid(yield_pid, NULL, 0);
    yield_pid = -1;
    if (yield_fifo) {
        struct sched_param sp;
        memset(&sp, 0, sizeof(sp));
        sched_setscheduler(0, SCHED_OTHER, &sp);
    }
    munmap((void *)yield_counter, PAGE);
    yield_counter = NULL;
}

/* ---- domain_create: vfork + execve of a tiny static binary + waitpid ----
 *
 * /bin/exit0 (built by tools/bench/run.sh) is three instructions: mov $60,
 * %eax; xor %edi, %edi; syscall (exit(0)).  vfork + execve is how a Unix
 * creates a new address space running another program without copying the
 * parent's; the fork row is unix_fork_exit_wait.
 */
#define EXIT0 "/bin/exit0"

int plat_domain_setup(void)
{
    return access(EXIT0, X_OK) == 0 ? PLAT_OK : PLAT_UNSUPPORTED;
}

int plat_domain_create_exit_wait(void)
{
    static char *const argv[] = {EXIT0, NULL};
    static char *const envp[] = {NULL};
    pid_t pid = vfork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execve(EXIT0, argv, envp);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return 0;
}

/* fork + _exit + waitpid */
static int fork_exit_wait(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        _exit(0);
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return 0;
}

void plat_domain_teardown(void) {}

/*
 * As /init (PID 1) we do not run the suite ourselves: the kernel treats
 * init specially (signal delivery to PID 1 costs extra instructions, for
 * one), so the suite runs in an ordinary child process while init waits
 * for it and then powers the machine off.
 */
int main(void)
{
    if (getpid() != 1)
        bench_main();

    if (plat_init() != PLAT_OK)
        plat_exit(1);
    pid_t pid = fork();
    if (pid < 0) {
        plat_print("BENCH-INFO fork of the benchmark process failed\n");
        plat_exit(1);
    }
    if (pid == 0)
        bench_main();
    int st = 0;
    for (;;) {
        pid_t w = waitpid(-1, &st, 0); /* also reaps any orphans */
        if (w == pid || (w < 0 && errno == ECHILD))
            break;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        plat_print("BENCH-INFO benchmark process failed\n");
    plat_exit(0);
}

/* Linux has no way to run a user-supplied handler for a user fault or an
 * IPC inside the kernel (eBPF cannot answer a signal or a pipe write). */
int plat_ext_exception_setup(void)
{
    return PLAT_UNSUPPORTED;
}
void plat_ext_exception_teardown(void) {}
int plat_ext_pct_setup(void)
{
    return PLAT_UNSUPPORTED;
}
int plat_ext_pct_roundtrip(void)
{
    return -1;
}
void plat_ext_pct_teardown(void) {}

/* The network row needs Spinel's endpoints and ASH. */
int plat_net_ping_setup(void)
{
    return PLAT_UNSUPPORTED;
}
int plat_net_ping_roundtrip(void)
{
    return -1;
}
void plat_net_ping_teardown(void) {}

/* ---- threads: pthreads ----------------------------------------------
 *
 * thread_switch runs both threads under SCHED_FIFO at the same priority
 * (the partner inherits it), so that every sched_yield switches, as in
 * the yield row.
 */
#include <pthread.h>

static void *thread_returns(void *arg)
{
    return arg;
}

int plat_thread_create_join(void)
{
    pthread_t t;
    void *r = NULL;
    if (pthread_create(&t, NULL, thread_returns, (void *)1) != 0 || pthread_join(t, &r) != 0)
        return -1;
    return r == (void *)1 ? 0 : -1;
}

static pthread_mutex_t bench_mutex = PTHREAD_MUTEX_INITIALIZER;

int plat_mutex_lock_unlock(void)
{
    return pthread_mutex_lock(&bench_mutex) | pthread_mutex_unlock(&bench_mutex);
}

static pthread_t switch_partner;
static volatile int switch_stop;
static int switch_fifo;

static void *switch_partner_fn(void *arg)
{
    (void)arg;
    while (!switch_stop)
        sched_yield();
    return NULL;
}

int plat_thread_switch_setup(void)
{
    struct sched_param sp;
    memset(&sp, 0, sizeof(sp));
    sp.sched_priority = 1;
    switch_fifo = sched_setscheduler(0, SCHED_FIFO, &sp) == 0;
    plat_print(switch_fifo ? "BENCH-INFO thread_switch policy=SCHED_FIFO\n"
                           : "BENCH-INFO thread_switch policy=SCHED_OTHER\n");
    switch_stop = 0;
    if (pthread_create(&switch_partner, NULL, switch_partner_fn, NULL) != 0)
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
    pthread_join(switch_partner, NULL);
    if (switch_fifo) {
        struct sched_param sp;
        memset(&sp, 0, sizeof(sp));
        sched_setscheduler(0, SCHED_OTHER, &sp);
    }
}

int plat_unix_fork_setup(void)
{
    return PLAT_OK;
}
int plat_unix_fork_exit_wait(void)
{
    return fork_exit_wait();
}

/* ---- bb_fork_exit_wait: fork by a process holding busybox's image ---- */
#include <elf.h>

#define BB      "/bin/busybox"
#define BB_MAPS 8
static void *bb_map[BB_MAPS];
static size_t bb_len[BB_MAPS];
static int bb_n;

void plat_bb_fork_teardown(void)
{
    for (int i = 0; i < bb_n; i++)
        munmap(bb_map[i], bb_len[i]);
    bb_n = 0;
}

/* Maps busybox's PT_LOAD segments as a loader would (private file
 * mappings with the segment's protections, the bss anonymous), at
 * addresses of the kernel's choosing, and touches every page: reads, and
 * one write per page of the writable segment (its data become private
 * anonymous pages, as a running busybox's would). */
int plat_bb_fork_setup(void)
{
    int fd = open(BB, O_RDONLY);
    if (fd < 0)
        return PLAT_UNSUPPORTED;
    Elf64_Ehdr eh;
    Elf64_Phdr ph[16];
    int ok = pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh && eh.e_phnum <= 16 &&
             eh.e_phentsize == sizeof ph[0] &&
             pread(fd, ph, eh.e_phnum * sizeof ph[0], (off_t)eh.e_phoff) ==
                 (ssize_t)(eh.e_phnum * sizeof ph[0]);
    for (int i = 0; ok && i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        uint64_t off = ph[i].p_offset & ~(uint64_t)(PAGE - 1), delta = ph[i].p_offset - off;
        size_t flen = (delta + ph[i].p_filesz + PAGE - 1) & ~(size_t)(PAGE - 1);
        size_t mlen = (delta + ph[i].p_memsz + PAGE - 1) & ~(size_t)(PAGE - 1);
        int prot = (ph[i].p_flags & PF_R ? PROT_READ : 0) |
                   (ph[i].p_flags & PF_W ? PROT_WRITE : 0) | (ph[i].p_flags & PF_X ? PROT_EXEC : 0);
        if (bb_n + 2 > BB_MAPS) {
            ok = 0;
            break;
        }
        char *m = mmap(NULL, mlen, prot, MAP_PRIVATE, fd, (off_t)off);
        if (m == MAP_FAILED) {
            ok = 0;
            break;
        }
        bb_map[bb_n] = m;
        bb_len[bb_n++] = mlen;
        if (mlen > flen) { /* the bss beyond the file's last page */
            if (mmap(m + flen, mlen - flen, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
                MAP_FAILED) {
                ok = 0;
                break;
            }
        }
        for (size_t p = 0; p < mlen; p += PAGE) {
            if (prot & PROT_WRITE)
                m[p] = m[p]; /* (the same byte: busybox's data stay as they were) */
            else
                (void)*(volatile char *)(m + p);
        }
    }
    close(fd);
    if (!ok) {
        plat_bb_fork_teardown();
        return PLAT_ERROR;
    }
    return PLAT_OK;
}

int plat_bb_fork_exit_wait(void)
{
    return fork_exit_wait();
}

/* ---- bb_sh_c_true: fork + execve busybox sh -c true + wait ------------ */
int plat_sh_setup(void)
{
    return access(BB, X_OK) == 0 ? PLAT_OK : PLAT_UNSUPPORTED;
}

int plat_sh_c_true(void)
{
    static char *const argv[] = {"sh", "-c", "true", NULL};
    static char *const envp[] = {"PATH=/bin", NULL};
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execve(BB, argv, envp);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return 0;
}

/* ---- unix_pipe_rt: pipe ping-pong with a child process -------------- */

static int pipe_to_child = -1, pipe_from_child = -1;
static pid_t pipe_pid = -1;

int plat_unix_pipe_setup(void)
{
    int down[2], up[2];
    if (pipe(down) != 0)
        return PLAT_ERROR;
    if (pipe(up) != 0) {
        close(down[0]);
        close(down[1]);
        return PLAT_ERROR;
    }
    pid_t pid = fork();
    if (pid < 0)
        return PLAT_ERROR;
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        char b;
        while (read(down[0], &b, 1) == 1) {
            if (write(up[1], &b, 1) != 1)
                break;
        }
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    pipe_to_child = down[1];
    pipe_from_child = up[0];
    pipe_pid = pid;
    return PLAT_OK;
}

int plat_unix_pipe_roundtrip(void)
{
    char b = 'x';
    if (write(pipe_to_child, &b, 1) != 1)
        return -1;
    if (read(pipe_from_child, &b, 1) != 1)
        return -1;
    return 0;
}

void plat_unix_pipe_teardown(void)
{
    close(pipe_to_child); /* child sees EOF and exits */
    close(pipe_from_child);
    waitpid(pipe_pid, NULL, 0);
    pipe_pid = -1;
}
