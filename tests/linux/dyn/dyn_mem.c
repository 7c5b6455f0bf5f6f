/* What the dynamic loader and sqlite3 need of the Linux personality, and
 * its bad input, in a dynamically linked program: mmap of a file
 * (MAP_PRIVATE, offsets), PROT_EXEC code, mprotect (honoured, ENOMEM for
 * unmapped pages), mremap, pread64/pwrite64, fcntl record locks between
 * two processes, futex in a single-threaded process, and execve of a program whose interpreter is missing
 * (ENOENT), not an ELF file (ELIBBAD) or a truncated one (EIO). Each
 * result is printed; the output is compared with Linux's. Run as
 * /usr/local/bin/dyn_mem (it copies itself). */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/futex.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *what, long r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %ld\n", what, r);
}

static long mm(void *a, size_t len, int prot, int flags, int fd, off_t off)
{
    void *p = mmap(a, len, prot, flags, fd, off);
    return p == MAP_FAILED ? -1 : 0;
}

/* A child that does fn: how it ended. */
static void in_child(const char *what, void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        printf("%s: killed by %s\n", what, sigabbrev_np(WTERMSIG(st)));
    else
        printf("%s: exit %d\n", what, WEXITSTATUS(st));
}

static char *ro_page;
static void write_ro(void)
{
    ro_page[10] = 1;
}

static void files(void)
{
    int fd = open("/tmp/m.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char buf[3 * 4096];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)('a' + i / 4096);
    write(fd, buf, sizeof buf);
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
    printf("mmap offset 4096: %c%c %c\n", p[0], p[4095], p[4096]);
    p[0] = 'X';
    char c;
    pread(fd, &c, 1, 4096);
    printf("private write leaves the file: %c\n", c);
    munmap(p, 8192);
    p = mmap(NULL, 20000, PROT_READ, MAP_PRIVATE, fd, 8192);
    printf("last page: %c %c\n", p[0], p[4095]);
    munmap(p, 20000);
    say("mmap fd -1", mm(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0));
    say("mmap closed fd", mm(NULL, 4096, PROT_READ, MAP_PRIVATE, 77, 0));
    say("mmap offset 100", mm(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100));
    say("mmap length 0", mm(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0));
    say("mmap no type", mm(NULL, 4096, PROT_READ, 0, fd, 0));
    int pfd[2];
    pipe(pfd);
    say("mmap a pipe", mm(NULL, 4096, PROT_READ, MAP_PRIVATE, pfd[0], 0));
    close(pfd[0]);
    close(pfd[1]);

    say("pwrite at 5000", pwrite(fd, "HELLO", 5, 5000));
    say("offset after", lseek(fd, 0, SEEK_CUR));
    char h[6] = {0};
    say("pread at 5000", pread(fd, h, 5, 5000));
    printf("read back: %s\n", h);
    say("pwrite negative", pwrite(fd, "x", 1, -1));
    say("pread negative", pread(fd, h, 1, -1));
    pipe(pfd);
    say("pread a pipe", pread(pfd[0], h, 1, 0));
    say("pwrite a pipe", pwrite(pfd[1], "x", 1, 0));
    close(pfd[0]);
    close(pfd[1]);
    int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
    say("pread a directory", pread(dfd, h, 1, 0));
    say("pwrite a directory", pwrite(dfd, "x", 1, 0));
    close(dfd);
    say("pread bad descriptor", pread(77, h, 1, 0));
    void *volatile bad = (void *)16;
    say("pread bad buffer", pread(fd, bad, 1, 0));
    say("ftruncate 100", ftruncate(fd, 100));
    struct stat st;
    fstat(fd, &st);
    printf("size: %ld\n", (long)st.st_size);
    say("fsync", fsync(fd));
    say("fdatasync", fdatasync(fd));
    close(fd);
    unlink("/tmp/m.dat");
}

static void memory(void)
{
    char *a = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    a[0] = 1;
    say("noreplace over a mapping",
        mm(a, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
    say("munmap page 2", munmap(a + 2 * 4096, 4096));
    say("mprotect over the hole", mprotect(a, 4 * 4096, PROT_READ));
    say("mprotect unaligned", mprotect(a + 1, 4096, PROT_READ));
    say("mprotect bad prot", mprotect(a, 4096, 0x100));
    say("mprotect length 0", mprotect(a, 0, PROT_READ));
    say("munmap length 0", munmap(a, 0));
    say("mprotect page 0 read-only", mprotect(a, 4096, PROT_READ));
    printf("still readable: %d\n", a[0]);
    ro_page = a;
    in_child("write to it", write_ro);
    say("mprotect back to write", mprotect(a, 4096, PROT_READ | PROT_WRITE));
    a[10] = 5;
    printf("written: %d\n", a[10]);

    /* Code made at run time: mov eax, 42; ret */
    unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(code, "\xb8\x2a\x00\x00\x00\xc3", 6);
    say("mprotect exec", mprotect(code, 4096, PROT_READ | PROT_EXEC));
    printf("generated code returns %d\n", ((int (*)(void))code)());

    char *r = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(r, "kept across mremap");
    strcpy(r + 5000, "second page");
    char *r2 = mremap(r, 8192, 64 * 4096, MREMAP_MAYMOVE);
    printf("mremap: %s, %s, zero tail %d\n", r2, r2 + 5000, r2[60 * 4096]);
    r2[63 * 4096] = 1;
    char *r3 = mremap(r2, 64 * 4096, 4096, 0);
    printf("mremap shrink in place: %d %s\n", r3 == r2, r3);
    say("mremap unaligned", mremap(r3 + 1, 4096, 8192, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 0);
}

static int lockfd;
static int lk(int cmd, int type, off_t start, off_t len)
{
    struct flock fl = {.l_type = (short)type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    int r = fcntl(lockfd, cmd, &fl);
    if (r == 0 && cmd == F_GETLK)
        return fl.l_type == F_UNLCK ? 100
                                    : 200 + fl.l_type * 10 + (fl.l_pid == getppid()) +
                                          (fl.l_start == 0 && fl.l_len == 100 ? 2 : 0);
    return r < 0 ? -errno : r;
}
static void lock_child(void)
{
    lockfd = open("/tmp/lock.db", O_RDWR);
    printf("child: write lock on 50..60: %d (-EAGAIN %d)\n", lk(F_SETLK, F_WRLCK, 50, 10), -EAGAIN);
    printf("child: read lock on 50..60: %d\n", lk(F_SETLK, F_RDLCK, 50, 10));
    printf("child: getlk 0..: %d (write lock 0+100 of the parent: 213)\n", lk(F_GETLK, F_WRLCK, 0, 0));
    printf("child: read lock on 200..: %d\n", lk(F_SETLK, F_RDLCK, 200, 0));
    printf("child: write lock on 100..200: %d\n", lk(F_SETLK, F_WRLCK, 100, 100));
    fflush(stdout);
    _exit(0);
}
static void lock_waiter(void)
{
    lockfd = open("/tmp/lock.db", O_RDWR);
    int r = lk(F_SETLKW, F_WRLCK, 0, 1);
    printf("waiter: got the lock after the parent let go: %d\n", r);
    fflush(stdout);
    _exit(0);
}

static void locks(void)
{
    lockfd = open("/tmp/lock.db", O_RDWR | O_CREAT | O_TRUNC, 0644);
    printf("write lock 0..100: %d\n", lk(F_SETLK, F_WRLCK, 0, 100));
    printf("own getlk: %d\n", lk(F_GETLK, F_WRLCK, 0, 0));
    printf("own lock again (read, 10..20): %d\n", lk(F_SETLK, F_RDLCK, 10, 10));
    printf("back to write: %d\n", lk(F_SETLK, F_WRLCK, 0, 100));
    in_child("lock child", lock_child);
    printf("after the child: getlk 200..: %d\n", lk(F_GETLK, F_WRLCK, 200, 0));
    int other = open("/tmp/lock.db", O_RDONLY);
    close(other);
    in_child("after closing another descriptor", lock_child);
    printf("relock: %d\n", lk(F_SETLK, F_WRLCK, 0, 1));
    fflush(stdout);
    pid_t w = fork();
    if (w == 0)
        lock_waiter();
    usleep(200000);
    /* Print only after the waiter has printed and gone: its line and ours
     * would otherwise race. */
    int unlocked = lk(F_SETLK, F_UNLCK, 0, 0);
    int st;
    waitpid(w, &st, 0);
    printf("parent unlocks: %d\n", unlocked);
    printf("bad type: %d\n", lk(F_SETLK, 7, 0, 1));
    struct flock fl = {.l_type = F_RDLCK, .l_whence = 9};
    printf("bad whence: %d\n", fcntl(lockfd, F_SETLK, &fl) < 0 ? -errno : 0);
    fl.l_whence = SEEK_SET;
    fl.l_start = -5;
    printf("negative start: %d\n", fcntl(lockfd, F_SETLK, &fl) < 0 ? -errno : 0);
    printf("bad descriptor: %d\n", fcntl(99, F_SETLK, &fl) < 0 ? -errno : 0);
    close(lockfd);
    unlink("/tmp/lock.db");
}

/* Our own program with its PT_INTERP string replaced, at path. */
static void with_interp(const char *path, const char *interp)
{
    int fd = open("/usr/local/bin/dyn_mem", O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    char *img = malloc((size_t)st.st_size);
    for (off_t got = 0; got < st.st_size;)
        got += read(fd, img + got, (size_t)(st.st_size - got));
    close(fd);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
    Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_INTERP) {
            memset(img + ph[i].p_offset, 0, ph[i].p_filesz);
            strcpy(img + ph[i].p_offset, interp);
        }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    write(fd, img, (size_t)st.st_size);
    close(fd);
    free(img);
}

static void execs(void)
{
    char *argv[] = {"x", NULL}, *envp[] = {NULL};
    with_interp("/tmp/noint", "/lib64/ld-nosuch.so.2");
    say("execve, interpreter missing", execve("/tmp/noint", argv, envp));
    int fd = open("/tmp/badld", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    char junk[512];
    memset(junk, 'j', sizeof junk);
    write(fd, junk, sizeof junk);
    close(fd);
    with_interp("/tmp/badint", "/tmp/badld");
    say("execve, interpreter not ELF", execve("/tmp/badint", argv, envp));
    fd = open("/tmp/badld", O_WRONLY | O_TRUNC);
    write(fd, "\x7f" "ELF\x02\x01\x01", 7);
    close(fd);
    say("execve, interpreter truncated", execve("/tmp/badint", argv, envp));
    say("execve, interpreter a directory", (with_interp("/tmp/badint", "/tmp"), execve("/tmp/badint", argv, envp)));
    unlink("/tmp/noint");
    unlink("/tmp/badint");
    unlink("/tmp/badld");
}

static long fx(uint32_t *w, int op, uint32_t val, const struct timespec *ts, uint32_t bits)
{
    return syscall(SYS_futex, w, op, val, ts, NULL, bits);
}

static void futexes(void)
{
    static uint32_t word = 7;
    struct timespec ts = {0, 50 * 1000 * 1000};
    say("futex wake", fx(&word, FUTEX_WAKE_PRIVATE, 1, NULL, 0));
    say("futex wait, word changed", fx(&word, FUTEX_WAIT_PRIVATE, 8, NULL, 0));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    say("futex wait 50 ms", fx(&word, FUTEX_WAIT_PRIVATE, 7, &ts, 0));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("waited at least 45 ms: %d\n", ms >= 45);
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 20 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    say("futex wait_bitset until +20 ms", fx(&word, FUTEX_WAIT_BITSET_PRIVATE, 7, &abs, ~0U));
    say("futex wait_bitset, no bits", fx(&word, FUTEX_WAIT_BITSET_PRIVATE, 7, &abs, 0));
    say("futex wait, misaligned", fx((uint32_t *)((char *)&word + 1), FUTEX_WAIT_PRIVATE, 7, &ts, 0));
    say("futex wait, bad pointer", fx((uint32_t *)16, FUTEX_WAIT_PRIVATE, 7, &ts, 0));
    struct timespec bad = {0, 2000000000};
    say("futex wait, bad timeout", fx(&word, FUTEX_WAIT_PRIVATE, 7, &bad, 0));
    say("futex unknown op", fx(&word, 99, 0, NULL, 0));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    files();
    memory();
    locks();
    futexes();
    execs();
    return 0;
}
