/* File descriptors, files, pipes and the console, for the Unix library OS.
 *
 * Open file descriptions (offset, flags, what they refer to) and each
 * process's table of descriptors live in the shared state, so that
 * descriptors inherited across fork share their offset as POSIX wants.
 * Files are in the shared in-memory file system (lib/unix/fs). All of it
 * is read here directly (read-only mappings, consistent by the server's
 * sequence count) and changed only by the server (lib/unix/srv), through a
 * protected call: open, close, dup, pipe, writes to files (their data
 * through our argument page), the offset after a read. A pipe's data is on
 * a ring of its own that its ends map and use without the server (below).
 * A reader of the console is noted by the server and sleeps until it is
 * rung (unix_block, proc.c);
 * console input comes from the kernel's queue into the server's buffer,
 * the console's interrupt routed to the waiting reader's channel. */
#include "../unix_internal.h"
#include "../../exo/exo.h"
#include "../../c/libc.h"

struct fs unix_fs; /* a reader's handle: takes no lock (reads are checked against seq) */
static char cwd[PATH_MAX] = "/";
static uint32_t
    ring_gen[NPIPE]; /* the generation of the pipe ring we map for each pipe (0: none) */

static int fail(int e)
{
    errno = e;
    return -1;
}

static int fs_err(int r)
{
    return fail(r < 0 ? -r : EIO);
}

/* The description behind our descriptor fd (read-only), or NULL. */
static const struct ofile *of(int fd)
{
    if (fd < 0 || fd >= NOFILE || unix_chan < 0)
        return NULL;
    int o = SH->fdtab[unix_chan][fd];
    return o >= 0 && o < NOFILE_SYS ? &SH->ofiles[o] : NULL;
}

/* What kind of description fd is (enum ofile_type), or -1: for the Linux
 * personality (lib/linux), which answers stat and ioctl by it. */
int fd_type(int fd)
{
    const struct ofile *o = of(fd);
    return o ? o->type : -1;
}

/* ---- set-up ---- */

void fd_attach(void)
{
    memset(ring_gen, 0, sizeof ring_gen); /* (a forked child maps no ring yet) */
    fs_attach(&unix_fs, (void *)UNIX_FS_VA, UNIX_FS_SIZE, NULL, 0);
}

#define BOOT_VA 0x00006e0000000000UL

/* The first process, before the server takes the shared state over (it is
 * still writable here): the file system, filled from the boot image, and
 * descriptors 0, 1, 2 on the console. */
void fd_init_first(void)
{
    static struct fs w;
    if (fs_format((void *)UNIX_FS_VA, UNIX_FS_SIZE) < 0 ||
        fs_attach(&w, (void *)UNIX_FS_VA, UNIX_FS_SIZE, NULL, 1) < 0) {
        printf("unix: cannot format the file system\n");
        sys_exit(127);
    }
    long size = sys_bootimage_map(BOOT_VA);
    if (size > 0)
        fs_import_cpio(&w, (const void *)BOOT_VA, (size_t)size, "/bin");
    fs_mkdir(&w, "/tmp");
    struct ofile *c = &SH->ofiles[0];
    c->type = OF_CONSOLE;
    c->flags = O_RDWR;
    c->refs = 3;
    SH->fdtab[0][0] = SH->fdtab[0][1] = SH->fdtab[0][2] = 0;
}

/* ---- paths ---- */

/* The absolute form of path: a relative one starts at the working
 * directory. "." and ".." are left to the file system, which resolves them
 * component by component (so "a/nosuch/.." is ENOENT, as POSIX wants). */
static int abspath(const char *path, char *out)
{
    if (!path)
        return fail(EFAULT);
    size_t n = strlen(path);
    if (n == 0)
        return fail(ENOENT);
    size_t c = path[0] == '/' ? 0 : strlen(cwd);
    if (c + 1 + n >= PATH_MAX)
        return fail(EINVAL);
    memcpy(out, cwd, c);
    if (c > 1)
        out[c++] = '/';
    strcpy(out + c, path);
    return 0;
}

/* An absolute path known to name a directory, with ".", ".." and repeated
 * slashes taken out (the file system has no symbolic links, so this is
 * exact): the working directory as chdir keeps it and getcwd shows it. */
static void tidy(char *path)
{
    size_t o = 0; /* path[0..o) is "/a/b" so far ("" for the root) */
    for (const char *q = path; *q;) {
        while (*q == '/')
            q++;
        const char *e = q;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - q);
        if (len == 2 && q[0] == '.' && q[1] == '.') {
            while (o > 0 && path[o - 1] != '/')
                o--;
            if (o > 0)
                o--; /* the slash before it */
        } else if (len > 0 && !(len == 1 && q[0] == '.')) {
            path[o++] = '/';
            for (size_t k = 0; k < len; k++) /* (o <= q - path: a forward copy is safe) */
                path[o++] = q[k];
        }
        q = e;
    }
    if (o == 0)
        path[o++] = '/';
    path[o] = 0;
}

/* ---- calls ---- */

/* Consistent reads of the file system: again while the server updated it. */
#define FS_READ(r, expr)                                                                           \
    do {                                                                                           \
        uint64_t seq_;                                                                             \
        do {                                                                                       \
            seq_ = sh_read_begin();                                                                \
            (r) = (expr);                                                                          \
        } while (sh_read_retry(seq_));                                                             \
    } while (0)

/* A call that takes a path: it goes on the argument page. */
static int path_call(uint64_t op, const char *path, uint64_t a1)
{
    char p[PATH_MAX];
    if (abspath(path, p) < 0)
        return -1;
    memcpy(UNIX_ARG->data, p, strlen(p) + 1);
    return (int)unix_call(op, a1, 0);
}

/* ---- calls ---- */

int open(const char *path, int flags, ...)
{
    return path_call(U_OPEN, path, (uint64_t)flags); /* (the server checks everything) */
}

int close(int fd)
{
    return unix_call(U_CLOSE, (uint64_t)fd, 0) < 0 ? -1 : 0;
}

/* ---- the terminal ----
 * Console input goes from the kernel's queue into the terminal's buffer in
 * the shared state, taken by the server for whoever asks: the process
 * reading, or the shell while it waits for a foreground job. ^C is taken
 * out there: with a foreground job the server hands its pids to the caller,
 * which sends them SIGINT; without one it stays in the input, where the
 * line discipline cancels the line being typed. */

/* ^C came for a foreground job: its pids are on our argument page. */
static void tty_interrupt(void)
{
    int n = (int)UNIX_ARG->x[0];
    if (n <= 0 || n > TTY_MAXFG)
        return;
    pid_t intr[TTY_MAXFG];
    memcpy(intr, UNIX_ARG->data, sizeof intr);
    sys_cputs("^C\n", 3);
    int me = 0;
    for (int i = 0; i < n; i++) {
        if (intr[i] == unix_mypid)
            me = 1;
        else if (intr[i] > 0)
            unix_sigsend(intr[i], SIGINT); /* (through the table: a handler may catch it) */
    }
    if (me)
        unix_die(SIGINT);
}

/* Has the server take what the kernel has queued; 1 if anything came. */
static int tty_pull(void)
{
    if (!unix_console)
        return 0;
    int64_t r = unix_call(U_TTY_PULL, 0, 0);
    tty_interrupt();
    return r > 0;
}

/* Routes the console's interrupt to us. */
static void tty_route(void)
{
    sys_dev_irq(unix_console, unix_doorbell, (uint32_t)unix_chan);
}

int unix_nonblock;

/* Whether a call about to wait must not: EAGAIN (unix_nonblock), EINTR
 * (unix_intr_hook: a handler is due), or 0 (it waits). */
static int interrupted(void)
{
    return unix_nonblock ? EAGAIN : unix_intr_hook && unix_intr_hook() ? EINTR : 0;
}

/* One byte of console input, waiting for it (-1: no console, -2: EINTR). */
static long console_getc(void)
{
    if (!unix_console)
        return -1;
    for (int routed = 0;;) {
        int64_t c = unix_call(U_TTY_READ, 0, 0); /* (notes us as a waiter if none) */
        int e = errno;
        tty_interrupt();
        if (c >= 0)
            return c;
        if (e != EAGAIN)
            return -1;
        if (!routed) {
            tty_route();
            routed = 1;
            continue; /* a byte may have come before the routing */
        }
        if ((errno = interrupted()) != 0)
            return -2;
        unix_block();
        tty_route(); /* (another reader may have taken the interrupt) */
    }
}

int tty_set_foreground(const pid_t *pids, int n)
{
    if (n < 0 || n > TTY_MAXFG || (n && !pids))
        return fail(EINVAL);
    memset(UNIX_ARG->data, 0, TTY_MAXFG * sizeof(pid_t));
    memcpy(UNIX_ARG->data, pids, (size_t)n * sizeof(pid_t));
    return unix_call(U_TTY_FG, (uint64_t)n, 0) < 0 ? -1 : 0;
}

pid_t tty_waitpid(pid_t pid, int *status)
{
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r != 0 || !unix_console)
            return r ? r : waitpid(pid, status, 0);
        /* Asleep until the child ends (EVENT_CHILD) or a key comes. */
        tty_route();
        if (!tty_pull()) {
            r = waitpid(pid, status, WNOHANG);
            if (r != 0)
                return r;
            if (unix_intr_hook && unix_intr_hook())
                return fail(EINTR);
            unix_block();
            tty_pull();
        }
    }
}

/* The console: writes go out as they are; reads get a line at a time, with
 * echo and backspace (the line discipline lives here, not in the kernel). */
static char line[256];
static size_t line_len, line_pos;
static int last_cr; /* the last byte was a CR */

/* Raw mode (tty_set_raw): bytes as they come, no echo, no editing; a CR
 * still reads as a newline. This process's setting only. */
static int tty_raw;

int tty_set_raw(int raw)
{
    int old = tty_raw;
    tty_raw = raw != 0;
    return old;
}

static int line_open; /* a line is being typed (kept across an EINTR) */

static ssize_t console_read(char *buf, size_t n)
{
    if (tty_raw && line_pos == line_len && !line_open && n > 0) {
        long c = console_getc();
        if (c < 0)
            return c == -2 ? -1 : fail(EIO);
        buf[0] = c == '\r' ? '\n' : (char)c;
        return 1;
    }
    if (line_pos == line_len || line_open) {
        if (!line_open)
            line_len = line_pos = 0;
        line_open = 1;
        for (;;) {
            long c = console_getc();
            if (c == -2)
                return -1; /* EINTR or EAGAIN (the line typed so far stays) */
            if (c < 0) {
                line_open = 0;
                return fail(EIO);
            }
            if (c == 4) /* ^D */
                break;
            if (c == 3) { /* ^C with no foreground job: the line is dropped */
                sys_cputs("^C\n", 3);
                line[0] = '\n';
                line_len = 1;
                break;
            }
            if (c == '\n' && last_cr) { /* CR LF is one line end */
                last_cr = 0;
                continue;
            }
            last_cr = c == '\r';
            if (c == '\r')
                c = '\n';
            if (c == 127 || c == 8) {
                if (line_len) {
                    line_len--;
                    sys_cputs("\b \b", 3);
                }
                continue;
            }
            if (line_len < sizeof line) {
                line[line_len++] = (char)c;
                char ch = (char)c;
                sys_cputs(&ch, 1);
            }
            if (c == '\n' || line_len == sizeof line)
                break;
        }
        line_open = 0;
    }
    size_t k = 0;
    while (k < n && line_pos < line_len)
        buf[k++] = line[line_pos++];
    return (ssize_t)k;
}

/* ---- pipes ----
 * The data is on the pipe's ring, a page that only the processes holding
 * an end map (writable): the ends move it and ring each other themselves.
 * The other ends may have written anything there, so every index read from
 * the ring is checked (a ring with more than PIPE_SIZE bytes in it is
 * broken: EIO), and every store into it stays inside it. Sleeping: a reader
 * of an empty ring sets its channel in rwait, then looks again and sleeps;
 * a writer stores tail, then looks at rwait and rings who is there (each
 * side's store comes before its load, by locked instructions: one of the
 * two sees the other). Writers the same way on wwait when the ring is full.
 * The ends' counts are the server's: no writer left and an empty ring is
 * the end of file; no reader left, EPIPE. */

/* Pipe pi's counts of ends and generation, each a word the server writes
 * whole: read without the sequence count. */
static int pipe_readers(int pi)
{
    return *(volatile int *)&SH->pipes[pi].readers;
}
static int pipe_writers(int pi)
{
    return *(volatile int *)&SH->pipes[pi].writers;
}

/* The ring of the pipe behind descriptor fd (description o), mapped on
 * first use; NULL (errno set) if the server refuses it. */
static struct pipe_ring *ring_of(int fd, const struct ofile *o, int *pip)
{
    int pi = o->pipe;
    if (pi < 0 || pi >= NPIPE)
        return fail(EBADF), NULL;
    *pip = pi;
    /* (While we hold a descriptor of the pipe, its generation stays.) */
    uint32_t gen = *(volatile uint32_t *)&SH->pipes[pi].gen;
    if (gen && ring_gen[pi] == gen)
        return PIPE_RING(pi);
    int64_t s = unix_call(U_PIPEMAP, (uint64_t)fd, 0);
    if (s < 0)
        return NULL;
    if (UNIX_ARG->x[0] != pi) { /* (the descriptor changed under us) */
        sys_cap_delete((uint32_t)s);
        return fail(EBADF), NULL;
    }
    if (exo_map(CAP_SELF, (uint32_t)s, (uint64_t)PIPE_RING(pi), MMU_W) != 1) {
        sys_cap_delete((uint32_t)s);
        return fail(ENOMEM), NULL;
    }
    ring_gen[pi] = (uint32_t)UNIX_ARG->x[1];
    return PIPE_RING(pi);
}

static void ring_waiting(volatile uint64_t *mask)
{
    if (*mask)
        unix_ring(__atomic_exchange_n(mask, 0, __ATOMIC_SEQ_CST));
}

static ssize_t pipe_read(int fd, const struct ofile *o, void *buf, size_t n)
{
    int pi;
    struct pipe_ring *r = ring_of(fd, o, &pi);
    if (!r)
        return -1;
    if (!n)
        return 0;
    for (;;) {
        uint32_t h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
        uint32_t avail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) - h;
        if (avail > PIPE_SIZE)
            return fail(EIO);
        if (avail) {
            size_t k = n < avail ? n : avail;
            size_t at = h & (PIPE_SIZE - 1), first = k < PIPE_SIZE - at ? k : PIPE_SIZE - at;
            memcpy(buf, r->buf + at, first);
            if (k > first)
                memcpy((char *)buf + first, r->buf, k - first);
            /* Another reader (a process that shares the end) may have
             * taken these bytes meanwhile: then ours are stale, again. */
            if (!__atomic_compare_exchange_n(&r->head, &h, h + (uint32_t)k, 0, __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST))
                continue;
            ring_waiting(&r->wwait); /* room for waiting writers */
            return (ssize_t)k;
        }
        if (!pipe_writers(pi)) {
            if (__atomic_load_n(&r->tail, __ATOMIC_SEQ_CST) != h)
                continue; /* (written just before the last writer went) */
            return 0;     /* end of file */
        }
        __atomic_fetch_or(&r->rwait, UNIX_CHAN_BIT, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&r->tail, __ATOMIC_SEQ_CST) != h || !pipe_writers(pi))
            continue;
        int e = interrupted();
        if (e)
            return fail(e);
        unix_block(); /* a writer, or the server when the last one goes, rings us */
    }
}

/* Writers take turns by a lock on the ring holding the writer's channel + 1.
 * A holder that is no longer a running process (killed in the middle), or
 * garbage, or ourselves (we never sleep holding it) loses it. */
static void wlock_take(struct pipe_ring *r)
{
    uint32_t me = (uint32_t)unix_chan + 1;
    for (;;) {
        uint32_t cur = 0;
        if (__atomic_compare_exchange_n(&r->wlock, &cur, me, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            return;
        if (cur == me || cur > NPROC || SH->procs[cur - 1].state != PROC_RUNNING) {
            if (__atomic_compare_exchange_n(&r->wlock, &cur, me, 0, __ATOMIC_SEQ_CST,
                                            __ATOMIC_SEQ_CST))
                return;
            continue;
        }
        sys_yield(-1);
    }
}

static ssize_t pipe_write(int fd, const struct ofile *o, const void *buf, size_t n)
{
    int pi;
    struct pipe_ring *r = ring_of(fd, o, &pi);
    if (!r)
        return -1;
    size_t done = 0;
    while (done < n) {
        if (!pipe_readers(pi))
            return done ? (ssize_t)done : fail(EPIPE);
        wlock_take(r);
        uint32_t t = r->tail, h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
        uint32_t used = t - h;
        if (used > PIPE_SIZE) {
            __atomic_store_n(&r->wlock, 0, __ATOMIC_RELEASE);
            return done ? (ssize_t)done : fail(EIO);
        }
        size_t k = n - done < PIPE_SIZE - used ? n - done : PIPE_SIZE - used;
        size_t at = t & (PIPE_SIZE - 1), first = k < PIPE_SIZE - at ? k : PIPE_SIZE - at;
        memcpy(r->buf + at, (const char *)buf + done, first);
        if (k > first)
            memcpy(r->buf, (const char *)buf + done + first, k - first);
        __atomic_store_n(&r->tail, t + (uint32_t)k, __ATOMIC_SEQ_CST);
        __atomic_store_n(&r->wlock, 0, __ATOMIC_RELEASE);
        if (k) {
            done += k;
            ring_waiting(&r->rwait); /* data for waiting readers */
            continue;
        }
        __atomic_fetch_or(&r->wwait, UNIX_CHAN_BIT, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&r->head, __ATOMIC_SEQ_CST) != h || !pipe_readers(pi))
            continue;
        int e = interrupted();
        if (e)
            return done ? (ssize_t)done : fail(e);
        unix_block(); /* a reader, or the server when the last one goes, rings us */
    }
    return (ssize_t)done;
}

/* ---- readiness (the Linux personality's poll and select) ---- */

#define FDP_IN   0x01
#define FDP_OUT  0x04
#define FDP_ERR  0x08
#define FDP_HUP  0x10
#define FDP_NVAL 0x20

/* Console input that a read would return without waiting: a line (or in
 * raw mode a byte) read ahead here, bytes in the terminal's buffer, or
 * bytes the kernel queued (pulled into that buffer now). */
static int console_ready(void)
{
    if (line_pos < line_len && !line_open)
        return 1;
    if (*(volatile uint32_t *)&SH->tty.head != *(volatile uint32_t *)&SH->tty.tail)
        return 1;
    return tty_pull();
}

int fd_poll(int fd, int events, int arm)
{
    const struct ofile *o = of(fd);
    if (!o)
        return FDP_NVAL;
    int pi, re = 0;
    struct pipe_ring *r;
    switch (o->type) {
    case OF_CONSOLE:
        if (arm)
            tty_route(); /* a key rings us */
        return ((events & FDP_IN) && console_ready() ? FDP_IN : 0) | (events & FDP_OUT);
    case OF_PIPE_R:
        if (!(r = ring_of(fd, o, &pi)))
            return FDP_ERR;
        if (arm && (events & FDP_IN))
            __atomic_fetch_or(&r->rwait, UNIX_CHAN_BIT, __ATOMIC_SEQ_CST);
        if (r->tail != r->head)
            re |= events & FDP_IN;
        if (!pipe_writers(pi))
            re |= FDP_HUP;
        return re;
    case OF_PIPE_W:
        if (!(r = ring_of(fd, o, &pi)))
            return FDP_ERR;
        if (arm && (events & FDP_OUT))
            __atomic_fetch_or(&r->wwait, UNIX_CHAN_BIT, __ATOMIC_SEQ_CST);
        if (!pipe_readers(pi))
            return FDP_ERR;
        if ((uint32_t)(r->tail - r->head) < PIPE_SIZE)
            re |= events & FDP_OUT;
        return re;
    case OF_SOCK: /* netd's state; with arm, netd rings us when it changes */
        return sock_poll(fd, events, arm);
    }
    return events & (FDP_IN | FDP_OUT); /* files and directories never wait */
}

ssize_t read(int fd, void *buf, size_t n)
{
    const struct ofile *o = of(fd);
    if (!o)
        return fail(EBADF);
    if ((o->flags & O_ACCMODE) == O_WRONLY)
        return fail(EBADF);
    switch (o->type) {
    case OF_CONSOLE:
        return console_read(buf, n);
    case OF_DIR:
        return fail(EISDIR);
    case OF_FILE: {
        if (o->disk) { /* a file under /disk: diskd's, through the server */
            int64_t r = unix_call(U_DREAD, (uint64_t)fd, n < UNIX_ARG_DATA ? n : UNIX_ARG_DATA);
            if (r > 0)
                memcpy(buf, UNIX_ARG->data, (size_t)r);
            return r < 0 ? -1 : (ssize_t)r;
        }
        /* Straight from the file system; then the server moves the offset. */
        int64_t r;
        uint64_t off;
        uint32_t ino;
        uint64_t seq;
        do {
            seq = sh_read_begin();
            off = o->off;
            ino = o->ino;
            r = fs_read(&unix_fs, ino, off, buf, n);
        } while (sh_read_retry(seq));
        if (r < 0)
            return fs_err((int)r);
        if (r > 0 && unix_call(U_SEEK, (uint64_t)fd, off + (uint64_t)r) < 0)
            return -1;
        return (ssize_t)r;
    }
    case OF_PIPE_R:
        return pipe_read(fd, o, buf, n);
    case OF_SOCK:
        return recv(fd, buf, n, 0);
    }
    return fail(EBADF);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    const struct ofile *o = of(fd);
    if (!o)
        return fail(EBADF);
    if ((o->flags & O_ACCMODE) == O_RDONLY && o->type != OF_CONSOLE)
        return fail(EBADF);
    if (o->type == OF_CONSOLE) {
        for (size_t done = 0; done < n;) {
            size_t k = n - done < (1 << 20) ? n - done : (1 << 20);
            if (sys_cputs((const char *)buf + done, k) < 0)
                return fail(EFAULT);
            done += k;
        }
        return (ssize_t)n;
    }
    if (o->type == OF_PIPE_W)
        return pipe_write(fd, o, buf, n);
    if (o->type == OF_SOCK)
        return send(fd, buf, n, 0);
    if (o->type != OF_FILE)
        return fail(EBADF);
    /* Through the argument page, a page at a time. */
    size_t done = 0;
    while (done < n) {
        size_t k = n - done < UNIX_ARG_DATA ? n - done : UNIX_ARG_DATA;
        memcpy(UNIX_ARG->data, (const char *)buf + done, k);
        int64_t r = unix_call(U_WRITE, (uint64_t)fd, k);
        if (r < 0 && errno == EAGAIN) {
            unix_block(); /* a full pipe: the server noted us, a reader rings us */
            continue;
        }
        if (r <= 0)
            return done ? (ssize_t)done : (r < 0 ? -1 : 0);
        done += (size_t)r;
        if (o->type == OF_FILE && (size_t)r < k)
            break; /* the file system is full */
    }
    return (ssize_t)done;
}

off_t lseek(int fd, off_t off, int whence)
{
    const struct ofile *o = of(fd);
    if (!o)
        return fail(EBADF);
    if (o->type != OF_FILE)
        return fail(ESPIPE);
    struct fs_stat st;
    int64_t cur;
    uint64_t seq;
    if (o->disk) {
        if (whence == SEEK_END && unix_call(U_DSTAT, (uint64_t)fd, 0) < 0)
            return -1;
        st.size = (uint64_t)UNIX_ARG->x[3];
    }
    do {
        seq = sh_read_begin();
        cur = (int64_t)o->off;
        if (!o->disk)
            fs_stat(&unix_fs, o->ino, &st);
    } while (sh_read_retry(seq));
    int64_t base = whence == SEEK_SET   ? 0
                   : whence == SEEK_CUR ? cur
                   : whence == SEEK_END ? (int64_t)st.size
                                        : -1;
    if (base < 0 || base + off < 0)
        return fail(EINVAL);
    return (off_t)unix_call(U_SEEK, (uint64_t)fd, (uint64_t)(base + off));
}

/* Is the absolute path p on the disk (/disk or under it; with the disk as
 * the root, all but /tmp and /dev)? (The mode is set once, at mount.) */
static int on_disk(const char *p)
{
    return unix_disk_path(SH->disk_mode, p) != NULL;
}

/* The stat the server put in x[0..3] (U_DSTAT) into a struct stat. */
static void disk_to_stat(struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_ino = (uint32_t)UNIX_ARG->x[0];
    uint32_t m = (uint32_t)UNIX_ARG->x[1];
    st->st_mode = ((m & 0170000) == 0040000 ? S_IFDIR : S_IFREG) | (m & 07777);
    st->st_nlink = (uint32_t)UNIX_ARG->x[2];
    st->st_size = UNIX_ARG->x[3];
    st->st_uid = (uint32_t)UNIX_ARG->x[4];
    st->st_gid = (uint32_t)UNIX_ARG->x[5];
    st->st_dev = 2;
}

/* stat of a path on the disk, asked of the server (the memory file
 * system's /disk directory is only a placeholder); 1 if p is not on a
 * mounted disk. */
static int disk_stat_path(const char *p, struct stat *st)
{
    if (!on_disk(p))
        return 1;
    memcpy(UNIX_ARG->data, p, strlen(p) + 1);
    int64_t r = unix_call(U_DSTAT, (uint64_t)-1, 0);
    if (r < 0 && errno == EINVAL)
        return 1; /* (no disk mounted: the memory file system's) */
    if (r < 0)
        return -1;
    disk_to_stat(st);
    return 0;
}

static void to_stat(const struct fs_stat *fst, struct stat *st)
{
    st->st_ino = fst->ino;
    st->st_mode = (fst->type == FS_TYPE_DIR    ? S_IFDIR
                   : fst->type == FS_TYPE_LINK ? S_IFLNK
                                               : S_IFREG) |
                  (fst->mode & 07777);
    st->st_nlink = fst->nlink;
    st->st_size = (int64_t)fst->size;
    st->st_uid = st->st_gid = 0;
    st->st_dev = 1;
}

/* lookup and stat in one consistent read (a symbolic link as the last
 * component is followed, or with nofollow is the answer) */
static int lookup_stat2(const char *p, struct fs_stat *fst, int nofollow)
{
    int r;
    uint64_t seq;
    do {
        seq = sh_read_begin();
        r = nofollow ? fs_lookup_nofollow(&unix_fs, p) : fs_lookup(&unix_fs, p);
        if (r >= 0)
            r = fs_stat(&unix_fs, (uint32_t)r, fst);
    } while (sh_read_retry(seq));
    return r;
}
static int lookup_stat(const char *p, struct fs_stat *fst)
{
    return lookup_stat2(p, fst, 0);
}

int lstat(const char *path, struct stat *st)
{
    char p[PATH_MAX];
    if (abspath(path, p) < 0)
        return -1;
    int d = disk_stat_path(p, st);
    if (d <= 0)
        return d;
    struct fs_stat fst;
    int r = lookup_stat2(p, &fst, 1);
    if (r < 0)
        return fs_err(r);
    to_stat(&fst, st);
    return 0;
}

int symlink(const char *target, const char *path)
{
    char p[PATH_MAX];
    if (!target)
        return fail(EFAULT);
    size_t n = strlen(target);
    if (n == 0)
        return fail(ENOENT);
    if (n >= PATH_MAX)
        return fail(ENAMETOOLONG);
    if (abspath(path, p) < 0)
        return -1;
    memcpy(UNIX_ARG->data, p, strlen(p) + 1);
    memcpy(UNIX_ARG->data + PATH_MAX, target, n + 1);
    return unix_call(U_SYMLINK, 0, 0) < 0 ? -1 : 0;
}

ssize_t readlink(const char *path, char *buf, size_t n)
{
    char p[PATH_MAX];
    if (abspath(path, p) < 0)
        return -1;
    if (on_disk(p)) { /* (no links there) */
        struct stat st;
        return stat(p, &st) < 0 ? -1 : fail(EINVAL);
    }
    int64_t r;
    uint64_t seq;
    char t[PATH_MAX];
    do {
        seq = sh_read_begin();
        r = fs_lookup_nofollow(&unix_fs, p);
        if (r >= 0)
            r = fs_readlink(&unix_fs, (uint32_t)r, t, sizeof t);
    } while (sh_read_retry(seq));
    if (r < 0)
        return fs_err((int)r);
    if ((size_t)r > n)
        r = (int64_t)n;
    memcpy(buf, t, (size_t)r);
    return (ssize_t)r;
}

int stat(const char *path, struct stat *st)
{
    char p[PATH_MAX];
    if (abspath(path, p) < 0)
        return -1;
    int d = disk_stat_path(p, st);
    if (d <= 0)
        return d;
    struct fs_stat fst;
    int r = lookup_stat(p, &fst);
    if (r < 0)
        return fs_err(r);
    to_stat(&fst, st);
    return 0;
}

int fstat(int fd, struct stat *st)
{
    const struct ofile *o = of(fd);
    if (!o)
        return fail(EBADF);
    if (o->type != OF_FILE && o->type != OF_DIR) {
        memset(st, 0, sizeof *st);
        return 0;
    }
    if (o->disk) {
        if (unix_call(U_DSTAT, (uint64_t)fd, 0) < 0)
            return -1;
        disk_to_stat(st);
        return 0;
    }
    struct fs_stat fst;
    int r;
    FS_READ(r, fs_stat(&unix_fs, o->ino, &fst));
    if (r < 0)
        return fs_err(r);
    to_stat(&fst, st);
    return 0;
}

int unlink(const char *path)
{
    return path_call(U_UNLINK, path, 0) < 0 ? -1 : 0;
}

int rename(const char *from, const char *to)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (abspath(from, a) < 0 || abspath(to, b) < 0)
        return -1;
    memcpy(UNIX_ARG->data, a, strlen(a) + 1);
    memcpy(UNIX_ARG->data + PATH_MAX, b, strlen(b) + 1);
    return unix_call(U_RENAME, 0, 0) < 0 ? -1 : 0;
}

int link(const char *from, const char *to)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (abspath(from, a) < 0 || abspath(to, b) < 0)
        return -1;
    memcpy(UNIX_ARG->data, a, strlen(a) + 1);
    memcpy(UNIX_ARG->data + PATH_MAX, b, strlen(b) + 1);
    return unix_call(U_LINK, 0, 0) < 0 ? -1 : 0;
}

int chmod(const char *path, int mode)
{
    return path_call(U_CHMOD, path, (uint64_t)mode & 07777) < 0 ? -1 : 0;
}

int fchmod(int fd, int mode)
{
    return unix_call(U_FCHMOD, (uint64_t)fd, (uint64_t)mode & 07777) < 0 ? -1 : 0;
}

int fchown(int fd, uid_t uid, gid_t gid)
{
    UNIX_ARG->x[0] = gid == (gid_t)-1 ? -1 : (int64_t)gid;
    return unix_call(U_FCHOWN, (uint64_t)fd, uid == (uid_t)-1 ? (uint64_t)-1 : uid) < 0 ? -1 : 0;
}

int chown(const char *path, uid_t uid, gid_t gid)
{
    char p[PATH_MAX];
    if (abspath(path, p) < 0)
        return -1;
    memcpy(UNIX_ARG->data, p, strlen(p) + 1);
    uint64_t u = uid == (uid_t)-1 ? (uint64_t)-1 : uid, g = gid == (gid_t)-1 ? (uint64_t)-1 : gid;
    return unix_call(U_CHOWN, u, g) < 0 ? -1 : 0;
}

int truncate(const char *path, off_t size)
{
    if (size < 0)
        return fail(EINVAL);
    return path_call(U_TRUNC, path, (uint64_t)size) < 0 ? -1 : 0;
}

int ftruncate(int fd, off_t size)
{
    if (size < 0)
        return fail(EINVAL);
    return unix_call(U_FTRUNC, (uint64_t)fd, (uint64_t)size) < 0 ? -1 : 0;
}

int mkdir(const char *path, int mode)
{
    (void)mode;
    return path_call(U_MKDIR, path, 0) < 0 ? -1 : 0;
}

int rmdir(const char *path)
{
    return path_call(U_RMDIR, path, 0) < 0 ? -1 : 0;
}

int fsync(int fd)
{
    return unix_call(U_FSYNC, (uint64_t)fd, 0) < 0 ? -1 : 0;
}

void sync(void)
{
    unix_call(U_SYNC, 0, 0);
}

int dup(int fd)
{
    return (int)unix_call(U_DUP, (uint64_t)fd, (uint64_t)-1);
}

int dup2(int fd, int newfd)
{
    if (newfd < 0 || newfd >= NOFILE)
        return fail(EBADF);
    return (int)unix_call(U_DUP, (uint64_t)fd, (uint64_t)newfd);
}

int pipe(int fds[2])
{
    int64_t r = unix_call(U_PIPE, 0, 0);
    if (r < 0)
        return -1;
    fds[0] = (int)r;
    fds[1] = (int)UNIX_ARG->x[0];
    return 0;
}

int chdir(const char *path)
{
    char p[PATH_MAX];
    struct stat st;
    if (abspath(path, p) < 0 || stat(p, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return fail(ENOTDIR);
    tidy(p);
    strcpy(cwd, p);
    return 0;
}

char *getcwd(char *buf, size_t n)
{
    if (strlen(cwd) + 1 > n) {
        errno = EINVAL;
        return NULL;
    }
    strcpy(buf, cwd);
    return buf;
}

struct unix_dir {
    uint32_t ino, pos;
    int disk;      /* a directory on the disk: read through the server ... */
    int fd;        /* ... on this descriptor (open for reading: permission checked) */
    uint64_t dpos; /* (its position) */
    struct dirent ent;
};

DIR *opendir(const char *path)
{
    char p[PATH_MAX];
    if (abspath(path, p) < 0)
        return NULL;
    if (on_disk(p)) {
        int fd = open(p, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
            return NULL;
        DIR *dd = calloc(1, sizeof *dd);
        if (!dd) {
            close(fd);
            errno = ENOMEM;
            return NULL;
        }
        dd->fd = fd;
        dd->disk = 1;
        return dd;
    }
    struct fs_stat st;
    int r = lookup_stat(p, &st);
    if (r < 0) {
        fs_err(r);
        return NULL;
    }
    if (st.type != FS_TYPE_DIR) {
        errno = ENOTDIR;
        return NULL;
    }
    DIR *d = calloc(1, sizeof *d);
    if (!d) {
        errno = ENOMEM;
        return NULL;
    }
    d->ino = st.ino;
    return d;
}

static struct dirent *disk_readdir(DIR *d)
{
    int saved = errno;
    if (unix_call(U_DREADDIR, (uint64_t)d->fd, d->dpos) != 1) {
        errno = saved;
        return NULL;
    }
    d->dpos = (uint64_t)UNIX_ARG->x[0];
    d->ent.d_ino = (uint32_t)UNIX_ARG->x[1];
    d->ent.d_type = UNIX_ARG->x[2] == 2 ? DT_DIR : DT_REG;
    size_t k = 0;
    for (; UNIX_ARG->data[k] && k < sizeof d->ent.d_name - 1; k++)
        d->ent.d_name[k] = UNIX_ARG->data[k];
    d->ent.d_name[k] = 0;
    return &d->ent;
}

struct dirent *readdir(DIR *d)
{
    if (d->disk)
        return disk_readdir(d);
    struct fs_dirent fe;
    int r;
    uint32_t pos;
    FS_READ(r, (pos = d->pos, fs_readdir(&unix_fs, d->ino, &pos, &fe)));
    d->pos = pos;
    if (r <= 0)
        return NULL;
    d->ent.d_ino = fe.ino;
    d->ent.d_type = fe.type == FS_TYPE_DIR ? DT_DIR : fe.type == FS_TYPE_LINK ? DT_LNK : DT_REG;
    size_t k = 0;
    for (; fe.name[k] && k < sizeof d->ent.d_name - 1; k++)
        d->ent.d_name[k] = fe.name[k];
    d->ent.d_name[k] = 0;
    return &d->ent;
}

int closedir(DIR *d)
{
    if (d->disk)
        close(d->fd);
    free(d);
    return 0;
}

/* ---- exec: the working directory goes to the new program ---- */

void fd_export(char *dir)
{
    strcpy(dir, cwd);
}

void fd_import(const char *dir)
{
    strcpy(cwd, dir);
}
