/* Unix processes protected from each other: hostile processes attack the
 * shared state of the library OS, then everything is checked intact.
 *
 * Before: files with known checksums, a victim process with private data
 * and a shared memory segment of its own, waiting on a pipe, a snapshot of
 * the process table.
 * Attacker 1: garbage requests to the server (unknown ops, random
 *   arguments over a random argument page, descriptors, pids, offsets and
 *   lengths out of range, another process's pid, a forged binding token);
 *   direct writes to the process table, the file system and the shm
 *   arena (segments it has not attached), which must fault; attempts to get a writable mapping of
 * them (protect, derive); sys_pct_give outside a call. It reports what it saw through its exit
 *   status (the number of checks that failed).
 * Attacker 2: writes random bytes over every page it has mapped writable
 *   (its argument page to the server, a segment of its own, its own
 *   memory), with no handlers left, and ends.
 * After: the table (but for the attackers' entries, freed when reaped), the
 * files and the victim are as they were, and the system still works: fork,
 * pipes, files, and the shell's own test suite (tests.sh). */
#include "../../lib/unix/unix.h"
#include "../../lib/unix/unix_internal.h"
#include "../../lib/exo/exo.h"
#include "check.h"
#include "unix_run.h"

static uint64_t rng = 0x243f6a8885a308d3UL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint32_t sum_of(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* ---- files ---- */

#define NFILES 4
static const char *files[NFILES] = {"/tmp/h/a", "/tmp/h/b", "/tmp/h/sub/c", "/bin/tests.sh"};
static uint32_t file_sum[NFILES];
static long file_len[NFILES];

/* Checksum and length of a whole file (-1: cannot read it). */
static long read_sum(const char *path, uint32_t *sum)
{
    static unsigned char buf[256 << 10];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = 0, r;
    while (n < (long)sizeof buf && (r = read(fd, buf + n, sizeof buf - (size_t)n)) > 0)
        n += r;
    close(fd);
    *sum = sum_of(buf, (size_t)n);
    return n;
}

static void make_file(const char *path, long len)
{
    static unsigned char buf[100000];
    for (long i = 0; i < len; i++)
        buf[i] = (unsigned char)rnd();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK_EQ(fd >= 0, 1);
    CHECK_EQ(write(fd, buf, (size_t)len), len);
    close(fd);
}

/* ---- attacker 1: garbage requests, direct writes ---- */

static exo_jmp_buf probe_jb;
static volatile uint64_t probe_faults;
static exo_handler_t unix_fault_handler;

/* A fault on the shared state goes back to the probe; any other goes to
 * the library OS (copy on write). */
#define ARENA_END (SHM_ARENA_VA + SHM_ARENA_PAGES * 4096UL)
static void on_probe_fault(struct upcall_frame *f)
{
    if ((f->addr >= UNIX_SHARED_VA && f->addr < UNIX_SHARED_VA + UNIX_SHARED_SIZE) ||
        (f->addr >= SHM_ARENA_VA && f->addr < ARENA_END) ||
        (f->addr >= UNIX_PIPE_VA && f->addr < UNIX_PIPE_VA + NPIPE * PIPE_STRIDE)) {
        probe_faults++;
        f->rip = (uint64_t)exo_longjmp;
        f->rdi = (uint64_t)probe_jb;
        f->rsi = 1;
        return;
    }
    unix_fault_handler(f);
}

/* 1 if a write of one byte at va faulted. */
static int write_faults(uint64_t va)
{
    uint64_t before = probe_faults;
    if (exo_setjmp(probe_jb) == 0)
        *(volatile unsigned char *)va = (unsigned char)rnd();
    return probe_faults == before + 1;
}

extern exo_handler_t exo_handlers[];

static int64_t call(uint64_t op, uint64_t a1, uint64_t a2)
{
    return unix_call(op, a1, a2);
}

static int attacker1(pid_t victim, pid_t me)
{
    for (int fd = 3; fd < NOFILE; fd++)
        close(fd); /* (its own copies: nothing of the others') */
    int p[2];
    CHECK_EQ(pipe(p), 0);
    int f = open("/tmp/h/mine", O_RDWR | O_CREAT, 0600);
    CHECK_EQ(f >= 0, 1);

    /* Targeted garbage: every answer is an error, nothing changes. */
    CHECK_EQ(call(U_NOPS, 0, 0), -1);
    CHECK_EQ(errno, ENOSYS);
    CHECK_EQ(call(999999, 1, 2), -1);
    CHECK_EQ(call((uint64_t)-1, 0, 0), -1);
    CHECK_EQ(call(U_KILLED, (uint64_t)victim, SIGKILL), -1); /* not our child */
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(call(U_REAP, (uint64_t)victim, 0), -1);
    CHECK_EQ(errno, ECHILD);
    CHECK_EQ(call(U_REAP, 1, 0), -1); /* our parent */
    CHECK_EQ(call(U_FORK_UNDO, (uint64_t)victim, 0), -1);
    CHECK_EQ(call(U_KILLED, (uint64_t)me, SIGKILL), -1); /* ourselves */
    CHECK_EQ(call(U_SIGNAL, (uint64_t)victim, 65), -1);  /* not a signal */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(call(U_SIGNAL, (uint64_t)victim, 0), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(call(U_SIGNAL, (uint64_t)victim, (uint64_t)-15), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(call(U_SIGNAL, 99999, SIGTERM), -1);
    CHECK_EQ(errno, ESRCH);
    uint64_t badfd[] = {(uint64_t)-1, NOFILE, 1000, 1UL << 40, 0x8000000000000000UL};
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(call(U_CLOSE, badfd[i], 0), -1);
        CHECK_EQ(errno, EBADF);
        CHECK_EQ(call(U_READ, badfd[i], 10), -1);
        CHECK_EQ(call(U_WRITE, badfd[i], 10), -1);
        CHECK_EQ(call(U_SEEK, badfd[i], 0), -1);
        CHECK_EQ(call(U_DUP, badfd[i], (uint64_t)-1), -1);
        if (i > 0) /* (-1: the lowest free descriptor) */
            CHECK_EQ(call(U_DUP, 0, badfd[i]), -1);
    }
    CHECK_EQ(call(U_SEEK, (uint64_t)f, (uint64_t)-5), -1); /* a negative offset */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(call(U_SEEK, (uint64_t)p[0], 10), -1); /* a pipe */
    CHECK_EQ(errno, ESPIPE);
    CHECK_EQ(call(U_WRITE, (uint64_t)f, UNIX_ARG_DATA + 1), -1); /* longer than the page */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(call(U_WRITE, (uint64_t)f, (uint64_t)-1), -1);
    CHECK_EQ(call(U_WRITE, (uint64_t)p[0], 1), -1); /* the read end */
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(call(U_READ, (uint64_t)f, 10), -1); /* files are read directly */
    CHECK_EQ(call(U_READ, (uint64_t)p[1], 10), -1);
    memset(UNIX_ARG->data, 'x', 10);
    CHECK_EQ(call(U_WRITE, (uint64_t)p[1], 10), -1); /* pipes: on their ring, not through it */
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(call(U_READ, (uint64_t)p[0], (uint64_t)-1), -1);
    CHECK_EQ(call(U_PIPEMAP, (uint64_t)f, 0), -1); /* a file has no ring */
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(call(U_PIPEMAP, (uint64_t)-1, 0), -1);
    /* Our pipe works, on its ring (mapped here now). */
    CHECK_EQ(write(p[1], "z", 1), 1);
    char z = 0;
    CHECK_EQ(read(p[0], &z, 1), 1);
    CHECK_EQ(z, 'z');
    int mine = SH->ofiles[SH->fdtab[unix_chan][p[0]]].pipe;
    /* Garbage on our own pipe's ring harms only that pipe: its ends see
     * a ring that cannot be (EIO), and nothing outside it is touched. */
    int q[2];
    CHECK_EQ(pipe(q), 0);
    CHECK_EQ(write(q[1], "abc", 3), 3);
    int qi = SH->ofiles[SH->fdtab[unix_chan][q[0]]].pipe;
    PIPE_RING(qi)->tail += 100000;
    CHECK_EQ(read(q[0], &z, 1), -1);
    CHECK_EQ(errno, EIO);
    CHECK_EQ(write(q[1], "z", 1), -1);
    CHECK_EQ(errno, EIO);
    PIPE_RING(qi)->head = 0x7fffffffu; /* in range again, at any place: just bytes */
    PIPE_RING(qi)->tail = 0x7fffffffu + 5;
    CHECK_EQ(read(q[0], UNIX_ARG->data, 100), 5);
    CHECK_EQ(close(q[1]), 0);
    CHECK_EQ(read(q[0], &z, 1), 0); /* end of file */
    CHECK_EQ(close(q[0]), 0);
    CHECK_EQ(call(U_TTY_FG, TTY_MAXFG + 1, 0), -1);
    CHECK_EQ(call(U_TTY_FG, (uint64_t)-1, 0), -1);
    CHECK_EQ(call(U_SHMAT, (uint64_t)-1, 0), -1);
    CHECK_EQ(call(U_SHMAT, 1UL << 40, 0), -1);
    CHECK_EQ(call(U_SHMDT, SHM_ARENA_VA, 0), -1);
    CHECK_EQ(call(U_SHMRM, (uint64_t)-7, 0), -1);
    UNIX_ARG->x[0] = 0;
    CHECK_EQ(call(U_SHMGET, 0, (uint64_t)-1), -1);
    memset(UNIX_ARG->data, 'A', UNIX_ARG_DATA); /* an unterminated path */
    CHECK_EQ(call(U_OPEN, O_RDONLY, 0), -1);
    CHECK_EQ(call(U_MKDIR, 0, 0), -1);
    strcpy(UNIX_ARG->data, "tmp/h/a"); /* relative */
    CHECK_EQ(call(U_UNLINK, 0, 0), -1);
    CHECK_EQ(errno, EINVAL);
    /* A forged token binds nothing new: we are in the table already, so
     * the server re-binds us (a fresh page, by our env id), and the table
     * still says who we are. */
    long s = call(U_BIND, rnd(), 0);
    CHECK_EQ(s > 0, 1);
    if (s > 0) {
        CHECK_EQ(exo_pte(UNIX_ARG_VA) & PTE_P, 0); /* the old page went */
        CHECK_EQ(exo_map(CAP_SELF, (uint32_t)s, UNIX_ARG_VA, MMU_W), 1);
    }
    CHECK_EQ(getpid(), me);
    CHECK_EQ(sys_pct_give(1, R_READ), -E_INVAL); /* not serving a call */

    /* Random requests over a random argument page (no exit, no signals:
     * those end us or are every process's right; no rebinding). */
    for (int i = 0; i < 3000; i++) {
        uint64_t *w = (uint64_t *)UNIX_ARG_VA;
        for (int k = 0; k < 512; k++)
            w[k] = rnd();
        uint64_t op = rnd() % (U_NOPS + 3);
        if (op == U_EXIT || op == U_SIGNAL || op == U_BIND || op == U_TTY_READ)
            continue;
        uint64_t a1 = rnd() & 1 ? rnd() % 40 - 4 : rnd();
        uint64_t a2 = rnd() & 1 ? rnd() % 5000 : rnd();
        call(op, a1, a2);
    }

    /* Direct writes to the table and the file system fault, everywhere. */
    unix_fault_handler = exo_handlers[UPCALL_PAGEFAULT];
    exo_set_handler(UPCALL_PAGEFAULT, on_probe_fault);
    int probes = 0, faulted = 0;
    for (uint64_t va = UNIX_SHARED_VA; va < UNIX_SHARED_VA + UNIX_SHARED_SIZE; va += 64 << 10) {
        probes++;
        faulted += write_faults(va + (rnd() & 0xfff));
    }
    for (uint64_t va = SHM_ARENA_VA; va < ARENA_END; va += 4096) { /* (the victim's segment) */
        probes++;
        faulted += write_faults(va);
    }
    /* Pipe rings: only our own pipe's is mapped here (the victim's two,
     * which our parent holds and uses, are not). */
    for (int i = 0; i < NPIPE; i++) {
        if (i == mine)
            continue;
        probes++;
        faulted += write_faults((uint64_t)PIPE_RING(i) + (rnd() & 0xfff));
    }
    probes += 3;
    faulted += write_faults((uint64_t)&SH->seq);
    faulted += write_faults((uint64_t)&SH->procs[0].state);
    faulted += write_faults(UNIX_FS_VA);
    exo_set_handler(UPCALL_PAGEFAULT, unix_fault_handler);
    CHECK_EQ(faulted, probes);
    /* Nor can the mappings be made writable: our capabilities for them
     * lack R_WRITE, and so would any copy of them. */
    static struct cap_info ci[256];
    int ro = 0;
    for (uint32_t base = 0; base < NCAPSLOTS; base += 256) {
        exo_touch(ci, sizeof ci);
        long n = sys_cap_list(base, ci, 256);
        if (n < 0)
            break;
        for (long i = 0; i < n; i++) {
            if (ci[i].type != CAP_FRAME || ci[i].mapped_va < UNIX_SHARED_VA ||
                ci[i].mapped_va >= UNIX_SHARED_VA + UNIX_SHARED_SIZE)
                continue;
            ro++;
            CHECK_EQ(ci[i].rights & R_WRITE, 0);
            CHECK_EQ(exo_protect(CAP_SELF, base + (uint32_t)i, MMU_W), -E_PERM);
            CHECK_EQ(sys_cap_derive(base + (uint32_t)i, R_READ | R_WRITE, CAP_SELF), -E_PERM);
        }
    }
    CHECK_EQ(ro, 1 + UNIX_FS_BLOCKS);
    return check_failures;
}

/* ---- attacker 2: random bytes over every writable page ---- */

/* The ranges to write, (va, bytes) pairs, its own page last: the loop
 * below keeps everything in registers and ends with sys_exit. */
static uint64_t ranges[512] __attribute__((aligned(4096)));

static __attribute__((noreturn)) void scribble(uint64_t *list, uint64_t n, uint64_t seed)
{
    __asm__ volatile("1:  test %1, %1\n"
                     "    jz 3f\n"
                     "    mov (%0), %%rdi\n"
                     "    mov 8(%0), %%rsi\n"
                     "    add $16, %0\n"
                     "    dec %1\n"
                     "2:  mov %2, %%rax\n" /* xorshift64 */
                     "    shl $13, %%rax\n"
                     "    xor %%rax, %2\n"
                     "    mov %2, %%rax\n"
                     "    shr $7, %%rax\n"
                     "    xor %%rax, %2\n"
                     "    mov %2, %%rax\n"
                     "    shl $17, %%rax\n"
                     "    xor %%rax, %2\n"
                     "    mov %2, (%%rdi)\n"
                     "    add $8, %%rdi\n"
                     "    sub $8, %%rsi\n"
                     "    jnz 2b\n"
                     "    jmp 1b\n"
                     "3:  mov $2, %%eax\n" /* SYS_exit */
                     "    mov $77, %%edi\n"
                     "    syscall\n"
                     "    ud2\n"
                     : "+r"(list), "+r"(n), "+r"(seed)
                     :
                     : "rax", "rdi", "rsi", "rcx", "r11", "memory");
    __builtin_unreachable();
}

static void attacker2(void)
{
    int seg = shmget(IPC_PRIVATE, 3 * 4096, 0600); /* its own: it may write that */
    if (seg < 0 || shmat(seg, NULL, 0) == (void *)-1)
        sys_exit(2);
    /* Every page mapped writable now (its copy-on-write pages that it has
     * not written are still shared read-only with its parent: a write
     * would only give it its own copy). */
    static struct cap_info ci[256];
    exo_touch(ranges, sizeof ranges);
    uint64_t n = 0, own = (uint64_t)ranges;
    int arg = 0, arena = 0;
    for (uint32_t base = 0; base < NCAPSLOTS; base += 256) {
        exo_touch(ci, sizeof ci);
        long k = sys_cap_list(base, ci, 256);
        if (k < 0)
            break;
        for (long i = 0; i < k && n < 254; i++) {
            if (ci[i].type != CAP_FRAME || ci[i].mapped_env != exo_info->id ||
                !(exo_pte(ci[i].mapped_va) & PTE_W) || ci[i].mapped_va == own)
                continue;
            arg |= ci[i].mapped_va == UNIX_ARG_VA;
            arena |= ci[i].mapped_va >= SHM_ARENA_VA && ci[i].mapped_va < ARENA_END;
            ranges[2 * n] = ci[i].mapped_va;
            ranges[2 * n + 1] = 4096UL << ci[i].order;
            n++;
        }
    }
    if (!arg || !arena || n < 10)
        sys_exit(1); /* (the parent sees status 1: the walk missed something) */
    ranges[2 * n] = own;
    ranges[2 * n + 1] = 4096;
    n++;
    /* No handlers: a fault now ends us (nothing of ours is left to run one). */
    static struct env_entries none;
    sys_env_set_entries(CAP_SELF, &none);
    scribble(ranges, n, rnd() | 1);
}

/* ---- the victim ---- */

static unsigned char victim_data[64 << 10];
#define VSEG (5 * 4096)

static void victim(int in, int out)
{
    for (size_t i = 0; i < sizeof victim_data; i++)
        victim_data[i] = (unsigned char)(i * 7 + 3);
    uint32_t before = sum_of(victim_data, sizeof victim_data);
    int seg = shmget(IPC_PRIVATE, VSEG, 0600);
    unsigned char *m = seg < 0 ? (void *)-1 : shmat(seg, NULL, 0);
    if (m == (void *)-1)
        exit(4);
    for (size_t i = 0; i < VSEG; i++)
        m[i] = (unsigned char)(i * 5 + 1);
    uint32_t seg_before = sum_of(m, VSEG);
    char c = 'r'; /* ready: bound, in the table for good */
    if (write(out, &c, 1) != 1)
        exit(1);
    if (read(in, &c, 1) != 1)
        exit(2);
    char ok = sum_of(victim_data, sizeof victim_data) == before && sum_of(m, VSEG) == seg_before &&
                      c == 'x'
                  ? 'y'
                  : 'n';
    if (write(out, &ok, 1) != 1)
        exit(3);
    exit(0);
}

/* ---- a process killed in the middle of calls ---- */

static __attribute__((noreturn)) void busy_writer(void)
{
    static char buf[4000];
    for (unsigned i = 0;; i++) {
        buf[i % sizeof buf] = (char)i;
        int fd = open("/tmp/h/busy", O_WRONLY | O_CREAT, 0600);
        write(fd, buf, sizeof buf);
        int p[2];
        if (pipe(p) == 0) {
            write(p[1], buf, sizeof buf);
            read(p[0], buf, sizeof buf);
            close(p[0]);
            close(p[1]);
        }
        close(fd);
    }
}

/* ---- the rest of the system still works ---- */

static struct proc_info table[NPROC];

int main(void)
{
    unix_init("t_unix_hostile");
    CHECK_EQ(mkdir("/tmp/h", 0755), 0);
    CHECK_EQ(mkdir("/tmp/h/sub", 0755), 0);
    make_file(files[0], 10);
    make_file(files[1], 100000);
    make_file(files[2], 5000);
    for (int i = 0; i < NFILES; i++) {
        file_len[i] = read_sum(files[i], &file_sum[i]);
        CHECK_EQ(file_len[i] > 0, 1);
    }
    int to_v[2], from_v[2];
    CHECK_EQ(pipe(to_v), 0);
    CHECK_EQ(pipe(from_v), 0);
    pid_t v = fork();
    if (v == 0)
        victim(to_v[0], from_v[1]);
    char c = 0;
    CHECK_EQ(read(from_v[0], &c, 1), 1);
    CHECK_EQ(c, 'r');
    for (int i = 0; i < NPROC; i++)
        proc_get(i, &table[i]);

    pid_t a1 = fork();
    if (a1 == 0)
        exit(attacker1(v, getpid()));
    int st = -1;
    CHECK_EQ(waitpid(a1, &st, 0), a1);
    CHECK_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st), 0);
    pid_t a2 = fork();
    if (a2 == 0)
        attacker2();
    CHECK_EQ(waitpid(a2, &st, 0), a2);
    CHECK_EQ(st == (77 << 8) || st == SIGSEGV, 1); /* it ended, one way or the other */

    /* Processes destroyed in the middle of calls (their parent kills them
     * while they write a file and move data through a pipe): the server
     * finds the calls cut short and repairs what they left half done. */
    int64_t repairs0 = unix_call(U_NOP, 0, 0);
    for (int i = 0; i < 40; i++) {
        pid_t w = fork();
        if (w == 0)
            busy_writer();
        for (int k = 0; k < i % 5 + 1; k++)
            sys_yield(-1);
        CHECK_EQ(kill(w, SIGKILL), 0);
        CHECK_EQ(waitpid(w, &st, 0), w);
    }
    printf("t_unix_hostile: %ld of 40 killed in the middle of a call\n",
           (long)(unix_call(U_NOP, 0, 0) - repairs0));
    /* Nothing they left half made stays: every open file description is
     * referred to by as many descriptors as it counts, every pipe in use
     * is one of ours (to and from the victim). */
    int bad_refs = 0, pipes_used = 0;
    uint64_t seq;
    do {
        seq = sh_read_begin();
        bad_refs = pipes_used = 0;
        for (int o = 0; o < NOFILE_SYS; o++) {
            int n = 0;
            for (int i = 0; i < NPROC; i++)
                for (int fd = 0; fd < NOFILE; fd++)
                    n += SH->procs[i].state != PROC_FREE && SH->fdtab[i][fd] == o;
            bad_refs += SH->ofiles[o].type != OF_FREE && SH->ofiles[o].refs != n;
        }
        for (int p = 0; p < NPIPE; p++)
            pipes_used += SH->pipes[p].readers || SH->pipes[p].writers;
    } while (sh_read_retry(seq));
    CHECK_EQ(bad_refs, 0);
    CHECK_EQ(pipes_used, 2);

    /* The table: every entry as it was (the attackers' are free again). */
    int same = 1;
    for (int i = 0; i < NPROC; i++) {
        struct proc_info now;
        proc_get(i, &now);
        if (now.pid == a1 || now.pid == a2)
            continue;
        if (now.state != table[i].state ||
            (now.state != PROC_FREE &&
             (now.pid != table[i].pid || now.ppid != table[i].ppid ||
              now.env_id != table[i].env_id || strcmp(now.name, table[i].name) != 0))) {
            printf("  slot %d: pid %d state %d, was pid %d state %d\n", i, now.pid, now.state,
                   table[i].pid, table[i].state);
            same = 0;
        }
    }
    CHECK_EQ(same, 1);
    /* The files. */
    for (int i = 0; i < NFILES; i++) {
        uint32_t s = 0;
        CHECK_EQ(read_sum(files[i], &s), file_len[i]);
        CHECK_EQ(s, file_sum[i]);
    }
    /* The victim: its memory is its own, its pipes still carry data. */
    CHECK_EQ(write(to_v[1], "x", 1), 1);
    c = 0;
    CHECK_EQ(read(from_v[0], &c, 1), 1);
    CHECK_EQ(c, 'y');
    CHECK_EQ(waitpid(v, &st, 0), v);
    CHECK_EQ(st, 0);

    /* And the system keeps working: files, fork, pipes, the shell. */
    make_file("/tmp/h/after", 20000);
    uint32_t s = 0;
    CHECK_EQ(read_sum("/tmp/h/after", &s), 20000);
    CHECK_EQ(unlink("/tmp/h/after"), 0);
    static char out[16384];
    char *pipeline[] = {"/bin/sh", "-c", "echo hi | wc -c", NULL};
    CHECK_EQ(run(pipeline, out, sizeof out), 0);
    CHECK_EQ(strcmp(out, "3\n"), 0);
    char *suite[] = {"/bin/sh", "/bin/tests.sh", NULL};
    st = run(suite, out, sizeof out);
    CHECK_EQ(st, 0);
    if (st != 0)
        write(1, out, strlen(out));
    printf("t_unix_hostile: %d failed checks\n", check_failures);
    return check_failures;
}
