/* Pipes: data larger than a pipe through a child, EOF only once every write
 * end is closed, 4096 bytes held with no reader yet, O_NONBLOCK (EAGAIN),
 * poll, ESPIPE, pipe2(O_CLOEXEC), and a two-stage pipeline of children. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "common.h"

static unsigned sum_bytes(const unsigned char *p, size_t n, unsigned s)
{
    for (size_t i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

int main(void)
{
    int p[2];
    TRY("pipe", pipe(p));

    /* 4096 bytes fit with nobody reading yet. */
    char block[4096];
    memset(block, 'x', sizeof block);
    TRY("write 4096 before reading", write(p[1], block, sizeof block));
    char in[8192];
    TRY("read them", read(p[0], in, sizeof in));

    /* A child writes 1 MiB; we read it all and see EOF after it exits. */
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        static unsigned char big[1 << 20];
        for (size_t i = 0; i < sizeof big; i++)
            big[i] = (unsigned char)(i * 7 + i / 4096);
        size_t off = 0;
        while (off < sizeof big) {
            ssize_t w = write(p[1], big + off, sizeof big - off);
            if (w <= 0)
                _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    close(p[1]);
    size_t total = 0;
    unsigned s = 0;
    ssize_t r;
    while ((r = read(p[0], in, sizeof in)) > 0) {
        s = sum_bytes((unsigned char *)in, (size_t)r, s);
        total += (size_t)r;
    }
    say("read %zu bytes, checksum %08x, last read %zd\n", total, s, r);
    int st;
    TRY("waitpid", waitpid(pid, &st, 0) == pid);
    say("child exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    close(p[0]);

    /* EOF needs every write end closed: a dup keeps it open. */
    pipe(p);
    int extra = dup(p[1]);
    close(p[1]);
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
    TRY("read with a writer left (nonblocking)", read(p[0], in, 1));
    close(extra);
    TRY("read with none left", read(p[0], in, 1));
    close(p[0]);

    /* O_NONBLOCK writes fill the pipe, then EAGAIN. */
    pipe(p);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    say("F_GETFL has O_NONBLOCK: %d\n", (fcntl(p[1], F_GETFL) & O_NONBLOCK) != 0);
    size_t filled = 0;
    while ((r = write(p[1], block, sizeof block)) > 0)
        filled += (size_t)r;
    say("filled at least 4096: %d, then %s\n", filled >= 4096, errname(errno));

    /* poll: writable? readable. */
    struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    TRY("poll", poll(pf, 2, 0));
    say("readable %d writable %d\n", (pf[0].revents & POLLIN) != 0, (pf[1].revents & POLLOUT) != 0);
    close(p[1]);
    size_t drained = 0;
    while ((r = read(p[0], in, sizeof in)) > 0)
        drained += (size_t)r;
    say("drained all: %d\n", drained == filled);
    pf[0].revents = 0;
    poll(pf, 1, 1000);
    say("after last writer: POLLHUP %d\n", (pf[0].revents & POLLHUP) != 0);
    TRY("lseek on a pipe", lseek(p[0], 0, SEEK_CUR));
    close(p[0]);

    /* pipe2(O_CLOEXEC) sets FD_CLOEXEC on both ends. */
    TRY("pipe2", pipe2(p, O_CLOEXEC));
    say("cloexec %d %d\n", fcntl(p[0], F_GETFD) & FD_CLOEXEC, fcntl(p[1], F_GETFD) & FD_CLOEXEC);
    close(p[0]);
    close(p[1]);

    /* A pipeline: child 1 writes numbers, child 2 sums them to us. */
    int a[2], b[2];
    pipe(a);
    pipe(b);
    pid_t c1 = fork();
    if (c1 == 0) {
        dup2(a[1], 1);
        close(a[0]), close(a[1]), close(b[0]), close(b[1]);
        for (int i = 1; i <= 1000; i++)
            say("%d\n", i);
        _exit(0);
    }
    pid_t c2 = fork();
    if (c2 == 0) {
        dup2(a[0], 0);
        dup2(b[1], 1);
        close(a[0]), close(a[1]), close(b[0]), close(b[1]);
        char buf[64 * 1024];
        size_t n = 0;
        while ((r = read(0, buf + n, sizeof buf - 1 - n)) > 0)
            n += (size_t)r;
        buf[n] = 0;
        long sum = 0;
        for (char *q = buf; *q;) {
            sum += strtol(q, &q, 10);
            while (*q == '\n')
                q++;
        }
        say("%ld\n", sum);
        _exit(0);
    }
    close(a[0]), close(a[1]), close(b[1]);

    ssize_t got = read(b[0], in, sizeof in - 1);
    in[got > 0 ? got : 0] = 0;
    say("pipeline sum: %s", in);
    close(b[0]);
    int s1, s2;
    waitpid(c1, &s1, 0);
    waitpid(c2, &s2, 0);
    say("statuses %d %d\n", WEXITSTATUS(s1), WEXITSTATUS(s2));

    return 0;
}
