/* System V shared memory in the Unix library OS: a segment written by a
 * child is seen by its parent (unlike copy-on-write memory); two siblings
 * meet through a key; attachment counts across fork, exit, exec, a crash
 * and a kill; IPC_RMID keeps the memory until the last detach, then the
 * pages come back zeroed; the bad cases; and the frame count back to where
 * it was (the arena is part of the shared region: no frames of its own). */
#include "../../lib/unix/unix.h"
#include "../../lib/exo/exo.h"
#include "check.h"

#define PAGE  4096
#define ARENA (448 * PAGE)
#define KEY   0x5eed
#define KEY2  0x5eee

static long free_frames(void)
{
    struct sys_info si = {0};
    exo_touch(&si, sizeof si);
    sys_sysinfo(&si);
    return (long)si.free_frames;
}

static long nattch(int id)
{
    struct shmid_ds ds;
    return shmctl(id, IPC_STAT, &ds) == 0 ? (long)ds.shm_nattch : -1;
}

static int all_zero(const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i])
            return 0;
    return 1;
}

/* Waits (yielding) until *w == v; 0, or -1 after many tries. */
static int wait_for(volatile int *w, int v)
{
    for (long i = 0; i < 2000000; i++) {
        if (*w == v)
            return 0;
        sys_yield(-1);
    }
    return -1;
}

/* The name of process pid in the table, or "". */
static const char *name_of(pid_t pid)
{
    static struct proc_info pi;
    for (int i = 0; i < NPROC; i++)
        if (proc_get(i, &pi) == 0 && pi.state == PROC_RUNNING && pi.pid == pid)
            return pi.name;
    return "";
}

static int plain; /* ordinary memory: copy on write across fork */

int main(void)
{
    unix_init("t_unix_shm");
    /* What stays once made (as in t_unix_fork): the first fork's page
     * tables and page map, room in the capability table. */
    if (fork() == 0)
        exit(0);
    wait(NULL);
    long f0 = sys_frame_alloc(-1);
    for (int i = 0; i < 500; i++)
        CHECK_EQ(sys_cap_derive((uint32_t)f0, R_READ, CAP_SELF) > 0, 1);
    sys_cap_delete((uint32_t)f0);
    int pfd[2];
    CHECK_EQ(pipe(pfd), 0);
    long base = free_frames();

    /* 1. A child's writes reach its parent through the segment. */
    int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    CHECK_EQ(id >= 0, 1);
    char *p = shmat(id, NULL, 0);
    CHECK_EQ(p != (void *)-1, 1);
    CHECK_EQ(all_zero(p, 3 * PAGE), 1); /* zero-filled, whole pages */
    struct shmid_ds ds;
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.shm_segsz, 10000);
    CHECK_EQ(ds.shm_nattch, 1);
    CHECK_EQ(ds.shm_cpid, getpid());
    CHECK_EQ(ds.shm_perm.key, IPC_PRIVATE);
    CHECK_EQ(ds.shm_perm.mode, 0600);
    pid_t pid = fork();
    if (pid == 0) {
        char go;
        read(pfd[0], &go, 1); /* the parent has counted */
        int bad = nattch(id) != 2;
        for (int i = 0; i < 10000; i++)
            p[i] = (char)(i * 13 + 1);
        plain = 42;
        exit(bad); /* exit detaches */
    }
    CHECK_EQ(pid > 0, 1);
    CHECK_EQ(nattch(id), 2); /* the child inherited the attachment */
    write(pfd[1], "g", 1);
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0);
    int same = 1;
    for (int i = 0; i < 10000; i++)
        same &= p[i] == (char)(i * 13 + 1);
    CHECK_EQ(same, 1);
    CHECK_EQ(plain, 0); /* ordinary memory stayed the parent's own */
    CHECK_EQ(nattch(id), 1);

    /* 2. Two siblings, neither attached by inheritance, meet by key. */
    CHECK_EQ(shmget(KEY, PAGE, 0), -1);
    CHECK_EQ(errno, ENOENT);
    pid_t a = fork();
    if (a == 0) {
        int sid = shmget(KEY, PAGE, IPC_CREAT | 0666);
        volatile int *m = shmat(sid, NULL, 0);
        if (sid < 0 || m == (void *)-1)
            exit(1);
        strcpy((char *)&m[1], "hello from a");
        m[0] = 1;
        if (wait_for(&m[0], 2) < 0 || strcmp((char *)&m[16], "hello from b") != 0)
            exit(2);
        exit(0);
    }
    pid_t b = fork();
    if (b == 0) {
        int sid = -1;
        for (long i = 0; i < 2000000 && sid < 0; i++)
            if ((sid = shmget(KEY, 0, 0)) < 0) /* (size 0: any size) */
                sys_yield(-1);
        volatile int *m = shmat(sid, NULL, 0);
        if (sid < 0 || m == (void *)-1)
            exit(1);
        if (wait_for(&m[0], 1) < 0 || strcmp((char *)&m[1], "hello from a") != 0)
            exit(2);
        strcpy((char *)&m[16], "hello from b");
        m[0] = 2;
        exit(0);
    }
    CHECK_EQ(waitpid(a, &st, 0), a);
    CHECK_EQ(st, 0);
    CHECK_EQ(waitpid(b, &st, 0), b);
    CHECK_EQ(st, 0);
    int kid = shmget(KEY, PAGE, 0); /* it outlives its users */
    CHECK_EQ(kid >= 0, 1);
    CHECK_EQ(nattch(kid), 0);
    CHECK_EQ(shmctl(kid, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.shm_perm.key, KEY);
    CHECK_EQ(ds.shm_perm.mode, 0666);
    CHECK_EQ(ds.shm_cpid != getpid(), 1);
    int *m = shmat(kid, NULL, 0);
    CHECK_EQ(m[0], 2);
    CHECK_EQ(strcmp((char *)&m[16], "hello from b"), 0);
    /* Bad requests on an existing key. */
    CHECK_EQ(shmget(KEY, PAGE, IPC_CREAT | IPC_EXCL | 0600), -1);
    CHECK_EQ(errno, EEXIST);
    CHECK_EQ(shmget(KEY, PAGE + 1, 0), -1); /* larger than the segment */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(shmget(KEY, PAGE, IPC_CREAT), kid);
    /* IPC_RMID frees the key at once; the attached memory stays. */
    CHECK_EQ(shmctl(kid, IPC_RMID, NULL), 0);
    CHECK_EQ(shmget(KEY, PAGE, 0), -1);
    CHECK_EQ(errno, ENOENT);
    int kid2 = shmget(KEY, PAGE, IPC_CREAT | IPC_EXCL | 0600);
    CHECK_EQ(kid2 >= 0 && kid2 != kid, 1);
    int *m2 = shmat(kid2, NULL, 0);
    CHECK_EQ(m2 != m && m2 != (void *)-1, 1);
    CHECK_EQ(all_zero(m2, PAGE), 1);
    CHECK_EQ(m[0], 2);
    CHECK_EQ(shmdt(m), 0); /* the last detach: freed */
    CHECK_EQ(nattch(kid), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(shmdt(m2), 0);
    CHECK_EQ(shmctl(kid2, IPC_RMID, NULL), 0);
    CHECK_EQ(nattch(kid2), -1);

    /* 3. Fork, exit, exec, a crash and a kill all leave the count right. */
    pid = fork();
    if (pid == 0)
        *(volatile int *)0 = 1; /* SIGSEGV, attached */
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, 1);
    CHECK_EQ(nattch(id), 1);
    pid = fork();
    if (pid == 0)
        for (;;)
            sys_yield(-1);
    CHECK_EQ(nattch(id), 2);
    CHECK_EQ(kill(pid, SIGKILL), 0);
    CHECK_EQ(nattch(id), 1); /* at once */
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(nattch(id), 1);
    pid = fork();
    if (pid == 0) {
        char *args[] = {"sleep", "100", NULL};
        execv("/bin/sleep", args);
        exit(99);
    }
    int named = 0;
    for (long i = 0; i < 2000000 && !named; i++) {
        named = strcmp(name_of(pid), "sleep") == 0;
        if (!named)
            sys_yield(-1);
    }
    CHECK_EQ(named, 1);
    CHECK_EQ(nattch(id), 1); /* the new image has none */
    CHECK_EQ(kill(pid, SIGKILL), 0);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(nattch(id), 1);
    /* A second attachment in one process counts twice. */
    CHECK_EQ(shmat(id, NULL, 0), p);
    CHECK_EQ(nattch(id), 2);
    CHECK_EQ(shmdt(p), 0);
    CHECK_EQ(nattch(id), 1);

    /* 4. IPC_RMID while two processes are attached: the memory stays valid
     * until the last one detaches, then the pages are reused, zeroed. */
    CHECK_EQ(shmdt(p), 0);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
    CHECK_EQ(nattch(id), -1); /* freed at once: nobody attached */
    id = shmget(IPC_PRIVATE, 2 * PAGE, 0600);
    p = shmat(id, NULL, 0);
    CHECK_EQ(p != (void *)-1, 1);
    memset(p, 0x5a, 2 * PAGE);
    pid = fork();
    if (pid == 0) {
        char go;
        read(pfd[0], &go, 1); /* removed, and the parent detached */
        int bad = 0;
        for (int i = 0; i < 2 * PAGE; i++)
            bad |= p[i] != 0x5a;
        memset(p, 0x77, 2 * PAGE); /* still ours */
        exit(bad);
    }
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0); /* still there */
    CHECK_EQ(ds.shm_nattch, 2);
    CHECK_EQ(ds.shm_perm.mode & SHM_DEST, SHM_DEST);
    CHECK_EQ(shmat(id, NULL, 0), (void *)-1); /* no new attachments */
    CHECK_EQ(errno, EINVAL);
    int other = shmget(IPC_PRIVATE, 2 * PAGE, 0600); /* the pages are still taken */
    CHECK_EQ(other >= 0, 1);
    char *q = shmat(other, NULL, 0);
    CHECK_EQ(q != p && q != (void *)-1, 1);
    CHECK_EQ(shmdt(q), 0);
    CHECK_EQ(shmctl(other, IPC_RMID, NULL), 0);
    CHECK_EQ(shmdt(p), 0);
    CHECK_EQ(nattch(id), 1);
    write(pfd[1], "g", 1);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0);
    CHECK_EQ(nattch(id), -1); /* gone with the child's exit */
    int again = shmget(IPC_PRIVATE, 2 * PAGE, 0600);
    CHECK_EQ(again >= 0 && again != id, 1);
    char *r = shmat(again, NULL, 0);
    CHECK_EQ(r, p); /* first fit: the same pages */
    CHECK_EQ(all_zero(r, 2 * PAGE), 1);
    CHECK_EQ(shmdt(r), 0);
    CHECK_EQ(shmctl(again, IPC_RMID, NULL), 0);

    /* 5. Bad input. */
    CHECK_EQ(shmat(12345, NULL, 0), (void *)-1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(shmat(-1, NULL, 0), (void *)-1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(shmat(id, NULL, 0), (void *)-1); /* a stale id */
    CHECK_EQ(errno, EINVAL);
    int good = shmget(IPC_PRIVATE, PAGE, 0600);
    CHECK_EQ(shmat(good, (void *)0x10000000, 0), (void *)-1);
    CHECK_EQ(errno, EINVAL);
    char *g = shmat(good, NULL, 0);
    CHECK_EQ(shmdt(&st), -1); /* not a segment */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(shmdt(g + 8), -1); /* inside one, but not its start */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(shmdt(g), 0);
    CHECK_EQ(shmdt(g), -1); /* exists, but not attached here any more */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(shmctl(good, 99, &ds), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(shmctl(12345, IPC_STAT, &ds), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(shmctl(good, IPC_RMID, NULL), 0);
    CHECK_EQ(shmget(IPC_PRIVATE, 0, 0600), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(shmget(IPC_PRIVATE, ARENA + 1, 0600), -1);
    CHECK_EQ(errno == EINVAL || errno == ENOMEM, 1);
    CHECK_EQ(shmget(KEY2, (size_t)-1, IPC_CREAT | 0600), -1);
    CHECK_EQ(errno == EINVAL || errno == ENOMEM, 1);
    /* The whole arena fits once; then nothing more does. */
    int whole = shmget(IPC_PRIVATE, ARENA, 0600);
    CHECK_EQ(whole >= 0, 1);
    CHECK_EQ(shmget(IPC_PRIVATE, 1, 0600), -1);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(shmctl(whole, IPC_RMID, NULL), 0);
    /* Out of segment slots, then some back. */
    static int ids[40];
    int made = 0;
    for (int i = 0; i < 40; i++) {
        ids[i] = shmget(IPC_PRIVATE, 1, 0600);
        if (ids[i] < 0)
            break;
        made++;
    }
    CHECK_EQ(made, 32);
    CHECK_EQ(errno, ENOSPC);
    CHECK_EQ(shmget(KEY2, PAGE, IPC_CREAT | 0600), -1);
    CHECK_EQ(errno, ENOSPC);
    for (int i = 0; i < made; i++)
        CHECK_EQ(shmctl(ids[i], IPC_RMID, NULL), 0);
    int last = shmget(KEY2, PAGE, IPC_CREAT | 0600);
    CHECK_EQ(last >= 0, 1);
    CHECK_EQ(shmctl(last, IPC_RMID, NULL), 0);

    CHECK_EQ(free_frames(), base); /* (base counts the pipe's ring) */
    close(pfd[0]);
    close(pfd[1]);
    printf("t_unix_shm: %d failed checks\n", check_failures);
    return check_failures;
}
