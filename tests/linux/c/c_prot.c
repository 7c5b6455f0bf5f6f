/* Protections and big anonymous mappings: a PROT_NONE page is neither
 * readable nor writable (SIGSEGV with si_addr the address and si_code
 * SEGV_ACCERR, caught with sigsetjmp), mprotect back to read-write keeps
 * its contents, read() into a PROT_NONE buffer is EFAULT, a read-only page
 * refuses a write, a 64 MiB anonymous mapping touched sparsely works and
 * part of it can be unmapped (then that part faults, the rest stays), and a
 * guard page under a read-write region (as glibc's thread stacks) faults
 * while the region is usable, and a forked child inherits a PROT_NONE page
 * with its contents. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "common.h"

static sigjmp_buf jb;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jb, 1);
}

/* 1 if reading *p faults (then fault_addr, fault_code tell how) */
static int read_faults(volatile char *p)
{
    fault_addr = 0;
    fault_code = 0;
    if (sigsetjmp(jb, 1))
        return 1;
    (void)*p;
    return 0;
}

static int write_faults(volatile char *p)
{
    fault_addr = 0;
    fault_code = 0;
    if (sigsetjmp(jb, 1))
        return 1;
    *p = 1;
    return 0;
}

static const char *code_name(int c)
{
    return c == SEGV_ACCERR ? "SEGV_ACCERR" : c == SEGV_MAPERR ? "SEGV_MAPERR" : "other";
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);

    /* PROT_NONE from mmap */
    char *n = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (n == MAP_FAILED)
        return 1;
    int f = read_faults(n + 4100);
    say("mmap none read: fault %d at right addr %d code %s\n", f, fault_addr == n + 4100,
        code_name(fault_code));
    f = write_faults(n + 10);
    say("mmap none write: fault %d at right addr %d code %s\n", f, fault_addr == n + 10,
        code_name(fault_code));
    say("mprotect rw: %d\n", mprotect(n, 8192, PROT_READ | PROT_WRITE));
    int zero = n[4100] == 0;
    say("now zero %d, write faults %d\n", zero, write_faults(n + 4100));

    /* mprotect of written pages to PROT_NONE and back */
    memset(n, 'a', 4096);
    memset(n + 4096, 'b', 4096);
    say("mprotect none: %d\n", mprotect(n, 8192, PROT_NONE));
    f = read_faults(n + 5000);
    say("none read: fault %d at right addr %d code %s\n", f, fault_addr == n + 5000,
        code_name(fault_code));
    f = write_faults(n + 1);
    say("none write: fault %d at right addr %d code %s\n", f, fault_addr == n + 1,
        code_name(fault_code));
    int fd = open("/dev/zero", O_RDONLY);
    errno = 0;
    ssize_t r = read(fd, n, 16);
    say("read into none: %ld %s\n", (long)r, errname(errno));
    int p[2];
    if (pipe(p) < 0)
        return 1;
    errno = 0;
    r = write(p[1], n + 4096, 16);
    say("write from none: %ld %s\n", (long)r, errname(errno));
    say("mprotect read: %d\n", mprotect(n, 8192, PROT_READ));
    say("contents kept: %d %d\n", n[0] == 'a' && n[4095] == 'a', n[4096] == 'b' && n[8191] == 'b');
    f = write_faults(n + 4096);
    say("read-only write: fault %d code %s\n", f, code_name(fault_code));
    errno = 0;
    r = read(fd, n, 16);
    say("read into read-only: %ld %s\n", (long)r, errname(errno));
    say("mprotect rw: %d\n", mprotect(n, 8192, PROT_READ | PROT_WRITE));
    r = read(fd, n, 16);
    say("read into rw: %ld, zeroed %d, rest kept %d\n", (long)r, n[0] == 0 && n[15] == 0,
        n[16] == 'a');
    /* only one page of two made inaccessible */
    mprotect(n + 4096, 4096, PROT_NONE);
    int low = !read_faults(n + 100);
    say("half: low readable %d, high faults %d\n", low, read_faults(n + 4096));
    mprotect(n + 4096, 4096, PROT_READ | PROT_WRITE);
    say("high back: %d\n", n[4096] == 'b');
    say("munmap: %d\n", munmap(n, 8192));

    /* a guard page below a read-write region */
    char *g = mmap(NULL, 16 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(g + 4096, 15 * 4096, PROT_READ | PROT_WRITE);
    memset(g + 4096, 'x', 15 * 4096);
    f = write_faults(g + 4095);
    say("guard: fault %d right addr %d, region ok %d\n", f, fault_addr == g + 4095,
        g[4096] == 'x' && g[16 * 4096 - 1] == 'x');

    /* a PROT_NONE page with contents across fork */
    char *k = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(k, "kept across fork");
    mprotect(k, 4096, PROT_NONE);
    pid_t pid = fork();
    if (pid == 0) {
        int fl = read_faults(k);
        mprotect(k, 4096, PROT_READ | PROT_WRITE);
        say("child: faults %d, then %s\n", fl, k);
        strcpy(k, "child's");
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    mprotect(k, 4096, PROT_READ);
    say("parent after child (status %d): %s\n", st, k);

    /* 64 MiB touched sparsely */
    size_t big = 64UL << 20;
    char *b = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    say("64 MiB mmap: %s\n", b == MAP_FAILED ? "failed" : "ok");
    if (b == MAP_FAILED)
        return 1;
    unsigned long sum = 0;
    for (size_t off = 0; off < big; off += 1UL << 20) {
        sum += (unsigned char)b[off];
        b[off] = (char)(off >> 20);
    }
    for (size_t off = 0; off < big; off += 1UL << 20)
        sum += (unsigned char)b[off];
    say("sparse sum %lu, untouched zero %d\n", sum, b[12345] == 0 && b[big - 1] == 0);
    say("munmap middle: %d\n", munmap(b + (16UL << 20), 16UL << 20));
    f = read_faults(b + (20UL << 20));
    say("unmapped part: fault %d right addr %d code %s\n", f, fault_addr == b + (20UL << 20),
        code_name(fault_code));
    say("rest: %d %d\n", b[15UL << 20] == 15, b[32UL << 20] == 32);
    say("munmap rest: %d %d\n", munmap(b, 16UL << 20), munmap(b + (32UL << 20), 32UL << 20));
    return 0;
}
