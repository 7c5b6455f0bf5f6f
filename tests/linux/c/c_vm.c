/* Virtual memory beyond mmap and mprotect: madvise (MADV_DONTNEED gives
 * zeros on private anonymous memory, in a forked child without touching
 * the parent's copy; MADV_FREE, the hints and the populate calls; bad
 * advice, alignment and holes), mremap (a growth demand-zero, 1 GiB of
 * it, contents kept, in place and moved, a read-only mapping grown stays
 * read-only, a shrink's end faults, EFAULT and EINVAL), copy-on-write
 * after fork not outliving the page it was for (a read-only page mapped
 * where a copy-on-write one was unmapped, a copy-on-write page made
 * read-only: writes fault), and PROT_NONE on MAP_SHARED anonymous memory
 * (faults SEGV_ACCERR, EFAULT as a buffer, inherited by a forked child,
 * contents shared), which execve drops. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "common.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

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

static const char *res(long r)
{
    static char buf[64];
    if (r == 0)
        return "0";
    snprintf(buf, sizeof buf, "%ld %s", r, errname(errno));
    return buf;
}

static void *anon(size_t len, int prot)
{
    return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void madvise_part(void)
{
    char *m = anon(4 * 4096, PROT_READ | PROT_WRITE);
    memset(m, 'm', 4 * 4096);
    say("dontneed: %s\n", res(madvise(m + 4096, 2 * 4096, MADV_DONTNEED)));
    say("after: %c %d %d %c\n", m[0], m[4096], m[3 * 4096 - 1], m[3 * 4096]);
    m[4096] = 'n';
    say("written again: %c\n", m[4096]);
    /* unaligned length: the page is dropped whole */
    const char *r1 = res(madvise(m, 1, MADV_DONTNEED));
    say("dontneed 1 byte: %s, page zero %d\n", r1, m[0] == 0 && m[4095] == 0);
    /* MADV_FREE: the contents may go or stay; a write after it stays */
    memset(m, 'f', 4096);
    say("free: %s\n", res(madvise(m, 4096, MADV_FREE)));
    m[0] = 'g';
    say("written after free: %c\n", m[0]);
    /* the hints */
    int hints[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTDUMP,
                   MADV_DODUMP, MADV_DONTFORK, MADV_DOFORK};
    for (unsigned i = 0; i < sizeof hints / sizeof hints[0]; i++) {
        errno = 0;
        long r = madvise(m, 4 * 4096, hints[i]);
        say("advice %d: %s\n", hints[i], res(r));
    }
    say("contents after hints: %c %c\n", m[0], m[4096]);
    /* populate: pages mapped, a read-only one refuses POPULATE_WRITE */
    char *p = anon(4 * 4096, PROT_READ);
    errno = 0;
    say("populate read: %s, zero %d\n", res(madvise(p, 4 * 4096, MADV_POPULATE_READ)), p[5] == 0);
    errno = 0;
    say("populate write on read-only: %s\n", res(madvise(p, 4096, MADV_POPULATE_WRITE)));
    /* bad input */
    errno = 0;
    say("bad advice: %s\n", res(madvise(m, 4096, 12345)));
    errno = 0;
    say("unaligned: %s\n", res(madvise(m + 1, 4096, MADV_DONTNEED)));
    errno = 0;
    say("len 0: %s\n", res(madvise(m, 0, MADV_DONTNEED)));
    munmap(p, 4 * 4096);
    munmap(m + 2 * 4096, 2 * 4096);
    m[0] = 'h';
    errno = 0;
    r1 = res(madvise(m, 4 * 4096, MADV_DONTNEED));
    say("over a hole: %s, first page dropped %d\n", r1, m[0] == 0);
    munmap(m, 2 * 4096);
    /* a PROT_NONE page's contents go too */
    char *q = anon(4096, PROT_READ | PROT_WRITE);
    strcpy(q, "hidden");
    mprotect(q, 4096, PROT_NONE);
    say("dontneed none: %s\n", res(madvise(q, 4096, MADV_DONTNEED)));
    mprotect(q, 4096, PROT_READ);
    say("none page after: zero %d\n", q[0] == 0);
    munmap(q, 4096);
    /* the brk area (anonymous too) */
    char *b = (char *)syscall(SYS_brk, 0);
    if ((char *)syscall(SYS_brk, b + 3 * 4096) == b + 3 * 4096) {
        char *pg = (char *)(((uintptr_t)b + 4095) & ~4095UL);
        pg[0] = 'b';
        r1 = res(madvise(pg, 4096, MADV_DONTNEED));
        say("brk dontneed: %s, zero %d\n", r1, pg[0] == 0);
    }
    /* a forked child drops its copy; the parent's stays */
    char *c = anon(4096, PROT_READ | PROT_WRITE);
    strcpy(c, "parent's");
    int fds[2];
    if (pipe(fds) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        madvise(c, 4096, MADV_DONTNEED);
        say("child after dontneed: zero %d\n", c[0] == 0);
        c[0] = 'C';
        write(fds[1], "x", 1);
        _exit(0);
    }
    char x;
    read(fds[0], &x, 1);
    int st;
    waitpid(pid, &st, 0);
    say("parent: %s\n", c);
    close(fds[0]);
    close(fds[1]);
    munmap(c, 4096);
}

static void mremap_part(void)
{
    /* growth moved: contents kept, the rest zero, 1 GiB costs nothing up front */
    char *m = anon(2 * 4096, PROT_READ | PROT_WRITE);
    strcpy(m, "first");
    strcpy(m + 4096, "second");
    size_t big = 1UL << 30;
    char *g = mremap(m, 2 * 4096, big, MREMAP_MAYMOVE);
    say("grow to 1 GiB: %s\n", g == MAP_FAILED ? errname(errno) : "ok");
    if (g == MAP_FAILED)
        return;
    say("kept: %s %s, zero after: %d %d\n", g, g + 4096, g[2 * 4096], g[big - 1]);
    g[big / 2] = 'x';
    g[big - 1] = 'y';
    say("far pages written: %c %c\n", g[big / 2], g[big - 1]);
    /* shrink: the end faults */
    char *s = mremap(g, big, 4 * 4096, 0);
    say("shrink in place: %d\n", s == g);
    int f = read_faults(g + 4 * 4096);
    say("past the shrink: fault %d code %s\n", f, code_name(fault_code));
    say("still: %s\n", g + 4096);
    /* growth in place (the pages after are free) */
    munmap(g, 4 * 4096);
    char *r = anon(8 * 4096, PROT_READ | PROT_WRITE);
    munmap(r + 2 * 4096, 6 * 4096);
    strcpy(r + 4096, "in place");
    char *r2 = mremap(r, 2 * 4096, 8 * 4096, 0);
    say("grow in place: %d, kept %s, zero %d\n", r2 == r, r + 4096, r[7 * 4096]);
    munmap(r, 8 * 4096);
    /* read-only grown: still read-only */
    char *ro = anon(4096, PROT_READ);
    char *ro2 = mremap(ro, 4096, 64 * 4096, MREMAP_MAYMOVE);
    f = write_faults(ro2 + 10 * 4096);
    say("read-only grown: zero %d, write fault %d code %s\n", ro2[10 * 4096], f,
        code_name(fault_code));
    munmap(ro2, 64 * 4096);
    /* bad input */
    errno = 0;
    say("unmapped old: %s\n", mremap((void *)0x100000000UL, 4096, 8192, MREMAP_MAYMOVE) ==
                                      MAP_FAILED
                                  ? errname(errno)
                                  : "ok");
    errno = 0;
    say("bad flags: %s\n", mremap(ro2, 4096, 8192, 0x40) == MAP_FAILED ? errname(errno) : "ok");
    /* moved after fork: the child's copy, the parent's unchanged */
    char *c = anon(4096, PROT_READ | PROT_WRITE);
    strcpy(c, "before fork");
    pid_t pid = fork();
    if (pid == 0) {
        char *n = mremap(c, 4096, 256 * 4096, MREMAP_MAYMOVE);
        strcpy(n, "child's");
        say("child moved: %s, zero %d\n", n, n[100 * 4096]);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    say("parent: %s\n", c);
}

static void cow_part(void)
{
    /* a page copy-on-write after fork, unmapped, and a read-only page
     * mapped at its address: a write faults */
    char *m = anon(4096, PROT_READ | PROT_WRITE);
    strcpy(m, "cow");
    int fds[2], fds2[2];
    if (pipe(fds) < 0 || pipe(fds2) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) { /* (keeps the pages shared until told) */
        char x;
        read(fds[0], &x, 1);
        say("child still sees: %s\n", m);
        _exit(0);
    }
    munmap(m, 4096);
    char *r = mmap(m, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    int f = write_faults(r);
    say("read-only where cow was: zero %d, write fault %d code %s\n", r[0], f,
        code_name(fault_code));
    errno = 0;
    int z = open("/dev/zero", O_RDONLY);
    long n = read(z, r, 8);
    say("read into it: %ld %s\n", n, errname(errno));
    /* a copy-on-write page made read-only */
    char *w = anon(4096, PROT_READ | PROT_WRITE);
    strcpy(w, "w");
    pid_t pid2 = fork();
    if (pid2 == 0) {
        char x;
        read(fds2[0], &x, 1);
        say("second child sees: %s\n", w);
        _exit(0);
    }
    mprotect(w, 4096, PROT_READ);
    f = write_faults(w);
    say("cow made read-only: write fault %d code %s\n", f, code_name(fault_code));
    errno = 0;
    n = read(z, w, 8);
    say("read into it: %ld %s\n", n, errname(errno));
    mprotect(w, 4096, PROT_READ | PROT_WRITE);
    strcpy(w, "parent's");
    say("writable again: %s\n", w);
    int st;
    write(fds[1], "x", 1);
    waitpid(pid, &st, 0);
    write(fds2[1], "x", 1);
    waitpid(pid2, &st, 0);
    close(z);
    close(fds[0]);
    close(fds[1]);
    close(fds2[0]);
    close(fds2[1]);
}

static void shared_part(void)
{
    char *s = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    strcpy(s, "shared");
    strcpy(s + 4096, "second");
    say("shared none: %s\n", res(mprotect(s, 4096, PROT_NONE)));
    int f = read_faults(s + 10);
    say("read: fault %d right addr %d code %s\n", f, fault_addr == s + 10,
        code_name(fault_code));
    f = write_faults(s);
    say("write: fault %d code %s\n", f, code_name(fault_code));
    int z = open("/dev/zero", O_RDONLY);
    errno = 0;
    long n = read(z, s, 8);
    say("read into it: %ld %s\n", n, errname(errno));
    say("other page: %s\n", s + 4096);
    pid_t pid = fork();
    if (pid == 0) {
        int cf = read_faults(s);
        mprotect(s, 4096, PROT_READ | PROT_WRITE);
        say("child: faults %d, then %s\n", cf, s);
        strcpy(s, "child wrote");
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    say("parent still none: %d\n", read_faults(s));
    say("read-only: %s\n", res(mprotect(s, 4096, PROT_READ)));
    say("parent sees: %s\n", s);
    f = write_faults(s);
    say("write: fault %d code %s\n", f, code_name(fault_code));
    say("rw: %s\n", res(mprotect(s, 2 * 4096, PROT_READ | PROT_WRITE)));
    strcpy(s, "ok");
    say("now: %s\n", s);
    say("munmap: %s\n", res(munmap(s, 2 * 4096)));
    close(z);
}

/* MAP_SHARED anonymous memory does not outlive execve: the new image
 * (this program again, told the address) finds nothing there. */
static void exec_part(const char *self)
{
    char *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    strcpy(s, "before execve");
    pid_t pid = fork();
    if (pid == 0) {
        char addr[32];
        snprintf(addr, sizeof addr, "%lu", (unsigned long)s);
        execl(self, self, "after-exec", addr, (char *)NULL);
        _exit(99);
    }
    int st;
    waitpid(pid, &st, 0);
    say("exec child: status %d; parent's page: %s\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1, s);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    if (argc == 3 && strcmp(argv[1], "after-exec") == 0) {
        char *p = (char *)strtoul(argv[2], NULL, 10);
        int f = read_faults(p);
        say("after execve: the shared page faults %d code %s\n", f, code_name(fault_code));
        return 0;
    }
    madvise_part();
    mremap_part();
    cow_part();
    shared_part();
    exec_part(argv[0]);
    return 0;
}
