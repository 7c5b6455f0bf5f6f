/* Memory: malloc of small and large blocks (brk and mmap), anonymous mmap
 * zero-filled, munmap, mprotect honoured (a write to a read-only page is
 * SIGSEGV, caught with sigsetjmp), MAP_SHARED anonymous memory shared with a
 * forked child while MAP_PRIVATE is copied, and a thread-local variable. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "common.h"

static sigjmp_buf jb;
static volatile void *fault_addr;
static __thread int tls_value = 17;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fault_addr = si->si_addr;
    siglongjmp(jb, 1);
}

/* 1 if writing *p faults */
static int write_faults(volatile char *p)
{
    if (sigsetjmp(jb, 1))
        return 1;
    *p = 1;
    return 0;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);

    /* many small blocks, then big ones */
    unsigned long sum = 0;
    char *blocks[1000];
    for (int i = 0; i < 1000; i++) {
        blocks[i] = malloc((size_t)(i % 50) + 1);
        memset(blocks[i], i & 0xff, (size_t)(i % 50) + 1);
    }
    for (int i = 0; i < 1000; i++) {
        sum += (unsigned char)blocks[i][i % 50];
        free(blocks[i]);
    }
    say("small blocks checksum %lu\n", sum);
    char *big = malloc(8 << 20);
    say("8 MiB malloc: %s\n", big ? "ok" : "failed");
    for (size_t i = 0; i < (8 << 20); i += 4096)
        big[i] = (char)i;
    free(big);

    size_t len = 16 * 4096;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    say("mmap: %s, page aligned %d\n", m == MAP_FAILED ? errname(errno) : "ok",
        ((uintptr_t)m & 4095) == 0);
    int zero = 1;
    for (size_t i = 0; i < len; i++)
        zero &= m[i] == 0;
    say("zero filled: %d\n", zero);
    memset(m, 0xab, len);
    TRY("mprotect read-only", mprotect(m + 4096, 4096, PROT_READ));
    int faulted = write_faults((char *)m + 4096 + 10);
    say("write to the read-only page faults: %d, at its address: %d\n", faulted,
        fault_addr == m + 4096 + 10);
    say("the page before is still writable: %d\n", !write_faults((char *)m + 100));
    say("read-only page still readable: %d\n", m[4096 + 10] == 0xab);
    TRY("mprotect back", mprotect(m + 4096, 4096, PROT_READ | PROT_WRITE));
    say("writable again: %d\n", !write_faults((char *)m + 4096 + 10));
    TRY("munmap", munmap(m + 8 * 4096, 8 * 4096));
    say("unmapped page faults: %d\n", write_faults((char *)m + 9 * 4096));
    TRY("munmap unaligned", munmap(m + 1, 4096));
    TRY("mmap bad length", (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    say("a write through a null pointer faults: %d\n", write_faults((char *)0));

    /* shared vs private across fork */
    int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *pr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *sh = 1;
    *pr = 1;
    pid_t pid = fork();
    if (pid == 0) {
        *sh = 2;
        *pr = 2;
        tls_value = 99;
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    say("after the child wrote: shared %d, private %d, tls %d\n", *sh, *pr, tls_value);
    return 0;
}
