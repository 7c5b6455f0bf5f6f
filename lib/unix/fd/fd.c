/* File descriptors, files, pipes and the console, for the Unix library OS.
 *
 * Open file descriptions (offset, flags, what they refer to) live in the
 * shared region, so that descriptors inherited across fork share their
 * offset as POSIX wants; each process has its own table of descriptors
 * (private memory, inherited by fork as a copy). Files are in the shared
 * in-memory file system (lib/unix/fs); pipes are rings in the shared region.
 * A reader of an empty pipe (a writer of a full one, a reader of the
 * console) notes its channel and sleeps until the other side rings it
 * (unix_block / unix_ring, proc.c); console input comes from the kernel's
 * queue through the console's device capability, its interrupt routed to
 * the waiting reader's channel. */
#include "../unix_internal.h"
#include "../../exo/exo.h"
#include "../../c/libc.h"

struct fs unix_fs;
static int fdtab[NOFILE]; /* descriptor -> index in SH->ofiles, -1 when closed */
static char cwd[PATH_MAX] = "/";

static void yield_cpu(void)
{
    sys_yield(-1);
}

static int fail(int e)
{
    errno = e;
    return -1;
}

static int fs_err(int r)
{
    return fail(r < 0 ? -r : EIO);
}

/* ---- open file descriptions (shared; under sh_lock) ---- */

static int ofile_new(int type, int flags)
{
    for (int i = 0; i < NOFILE_SYS; i++) {
        struct ofile *o = &SH->ofiles[i];
        if (o->type == OF_FREE) {
            memset(o, 0, sizeof *o);
            o->type = type;
            o->flags = flags;
            o->refs = 1;
            return i;
        }
    }
    return -1;
}

/* Drops one reference (sh_lock held); the last one releases what it holds. */
static void ofile_put(int i)
{
    struct ofile *o = &SH->ofiles[i];
    if (--o->refs > 0)
        return;
    if (o->type == OF_FILE || o->type == OF_DIR) {
        sh_unlock();
        fs_unref(&unix_fs, o->ino);
        sh_lock();
    } else if (o->type == OF_PIPE_R) {
        struct pipe *p = &SH->pipes[o->pipe];
        if (--p->readers == 0) { /* writers waiting for room get EPIPE */
            unix_ring(p->wwait);
            p->wwait = 0;
        }
    } else if (o->type == OF_PIPE_W) {
        struct pipe *p = &SH->pipes[o->pipe];
        if (--p->writers == 0) { /* readers waiting for data get end of file */
            unix_ring(p->rwait);
            p->rwait = 0;
        }
    }
    o->type = OF_FREE;
}

static int fd_alloc(int from)
{
    for (int fd = from; fd < NOFILE; fd++)
        if (fdtab[fd] < 0)
            return fd;
    return -1;
}

static struct ofile *of(int fd)
{
    if (fd < 0 || fd >= NOFILE || fdtab[fd] < 0)
        return NULL;
    return &SH->ofiles[fdtab[fd]];
}

/* ---- set-up ---- */

void fd_attach(void)
{
    fs_attach(&unix_fs, (void *)UNIX_FS_VA, UNIX_FS_SIZE, yield_cpu, (uint32_t)unix_mypid);
}

#define BOOT_VA 0x00006e0000000000UL

void fd_init_first(void)
{
    for (int i = 0; i < NOFILE; i++)
        fdtab[i] = -1;
    if (fs_format((void *)UNIX_FS_VA, UNIX_FS_SIZE) < 0) {
        printf("unix: cannot format the file system\n");
        sys_exit(127);
    }
    fd_attach();
    long size = sys_bootimage_map(BOOT_VA);
    if (size > 0)
        fs_import_cpio(&unix_fs, (const void *)BOOT_VA, (size_t)size, "/bin");
    fs_mkdir(&unix_fs, "/tmp");
    sh_lock();
    int c = ofile_new(OF_CONSOLE, O_RDWR);
    SH->ofiles[c].refs = 3;
    sh_unlock();
    fdtab[0] = fdtab[1] = fdtab[2] = c;
}

void fd_fork_prepare(void)
{
    sh_lock();
    for (int fd = 0; fd < NOFILE; fd++)
        if (fdtab[fd] >= 0)
            SH->ofiles[fdtab[fd]].refs++;
    sh_unlock();
}

void fd_fork_undo(void)
{
    sh_lock();
    for (int fd = 0; fd < NOFILE; fd++)
        if (fdtab[fd] >= 0)
            ofile_put(fdtab[fd]);
    sh_unlock();
}

void fd_close_all(void)
{
    for (int fd = 0; fd < NOFILE; fd++)
        if (fdtab[fd] >= 0)
            close(fd);
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

int open(const char *path, int flags, ...)
{
    char p[PATH_MAX];
    if (abspath(path, p) < 0)
        return -1;
    unsigned ff = (flags & O_CREAT ? FS_O_CREAT : 0) | (flags & O_EXCL ? FS_O_EXCL : 0) |
                  (flags & O_TRUNC ? FS_O_TRUNC : 0) | (flags & O_DIRECTORY ? FS_O_DIRECTORY : 0);
    int fd = fd_alloc(0);
    if (fd < 0)
        return fail(EMFILE);
    int ino = fs_open(&unix_fs, p, ff); /* takes a reference */
    if (ino < 0)
        return fs_err(ino);
    struct fs_stat st;
    fs_stat(&unix_fs, (uint32_t)ino, &st);
    if (st.type == FS_TYPE_DIR && (flags & O_ACCMODE) != O_RDONLY) {
        fs_unref(&unix_fs, (uint32_t)ino);
        return fail(EISDIR);
    }
    sh_lock();
    int o = ofile_new(st.type == FS_TYPE_DIR ? OF_DIR : OF_FILE, flags);
    if (o >= 0)
        SH->ofiles[o].ino = (uint32_t)ino;
    sh_unlock();
    if (o < 0) {
        fs_unref(&unix_fs, (uint32_t)ino);
        return fail(ENOMEM);
    }
    fdtab[fd] = o;
    return fd;
}

int close(int fd)
{
    if (!of(fd))
        return fail(EBADF);
    sh_lock();
    ofile_put(fdtab[fd]);
    sh_unlock();
    fdtab[fd] = -1;
    return 0;
}

/* ---- the terminal ----
 * Console input goes from the kernel's queue into the terminal's buffer in
 * the shared region (tty_pull), whoever pulls it: the process reading, or
 * the shell while it waits for a foreground job. ^C is taken out there: with
 * a foreground job it becomes SIGINT for that job; without one it stays in
 * the input, where the line discipline cancels the line being typed. */

/* Takes what the kernel has queued; 1 if anything came. */
static int tty_pull(void)
{
    if (!unix_console)
        return 0;
    char in[64];
    long n = sys_console_read(unix_console, in, sizeof in);
    if (n <= 0)
        return 0;
    pid_t intr[TTY_MAXFG];
    int nintr = 0;
    sh_lock();
    for (long i = 0; i < n; i++) {
        if (in[i] == 3 && SH->tty.nfg > 0) {
            nintr = SH->tty.nfg;
            memcpy(intr, SH->tty.fg, sizeof intr);
            continue;
        }
        if (SH->tty.tail - SH->tty.head < TTY_BUF)
            SH->tty.buf[SH->tty.tail++ % TTY_BUF] = in[i];
    }
    uint64_t readers = SH->cons_waiters; /* they look again */
    SH->cons_waiters = 0;
    sh_unlock();
    unix_ring(readers & ~UNIX_CHAN_BIT);
    if (nintr) {
        sys_cputs("^C\n", 3);
        int me = 0;
        for (int i = 0; i < nintr; i++) {
            if (intr[i] == unix_mypid)
                me = 1;
            else if (intr[i] > 0)
                kill(intr[i], SIGINT);
        }
        if (me)
            unix_die(SIGINT);
    }
    return 1;
}

/* Routes the console's interrupt to us (and notes that we wait for it). */
static void tty_route(void)
{
    sh_lock();
    SH->cons_waiters |= UNIX_CHAN_BIT;
    sh_unlock();
    sys_dev_irq(unix_console, unix_doorbell, (uint32_t)unix_chan);
}

/* One byte of console input, waiting for it (-1: no console). */
static long console_getc(void)
{
    if (!unix_console)
        return -1;
    for (int routed = 0;;) {
        sh_lock();
        if (SH->tty.head != SH->tty.tail) {
            long c = (unsigned char)SH->tty.buf[SH->tty.head++ % TTY_BUF];
            SH->cons_waiters &= ~UNIX_CHAN_BIT;
            sh_unlock();
            return c;
        }
        sh_unlock();
        if (tty_pull())
            continue;
        if (!routed) {
            tty_route();
            routed = 1;
            continue; /* a byte may have come before the routing */
        }
        unix_block();
        tty_route(); /* (another reader may have taken the interrupt) */
    }
}

int tty_set_foreground(const pid_t *pids, int n)
{
    if (n < 0 || n > TTY_MAXFG || (n && !pids))
        return fail(EINVAL);
    sh_lock();
    SH->tty.nfg = n;
    for (int i = 0; i < TTY_MAXFG; i++)
        SH->tty.fg[i] = i < n ? pids[i] : 0;
    sh_unlock();
    return 0;
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

static ssize_t console_read(char *buf, size_t n)
{
    if (line_pos == line_len) {
        line_len = line_pos = 0;
        for (;;) {
            long c = console_getc();
            if (c < 0)
                return fail(EIO);
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
    }
    size_t k = 0;
    while (k < n && line_pos < line_len)
        buf[k++] = line[line_pos++];
    return (ssize_t)k;
}

ssize_t read(int fd, void *buf, size_t n)
{
    struct ofile *o = of(fd);
    if (!o)
        return fail(EBADF);
    if ((o->flags & O_ACCMODE) == O_WRONLY)
        return fail(EBADF);
    exo_touch(buf, n);
    switch (o->type) {
    case OF_CONSOLE:
        return console_read(buf, n);
    case OF_DIR:
        return fail(EISDIR);
    case OF_FILE: {
        int64_t r = fs_read(&unix_fs, o->ino, o->off, buf, n);
        if (r < 0)
            return fs_err((int)r);
        o->off += (uint64_t)r;
        return (ssize_t)r;
    }
    case OF_PIPE_R: {
        struct pipe *p = &SH->pipes[o->pipe];
        for (;;) {
            sh_lock();
            uint32_t avail = p->tail - p->head;
            if (avail || !p->writers) {
                size_t k = 0;
                for (; k < n && k < avail; k++)
                    ((char *)buf)[k] = p->buf[(p->head + k) % PIPE_SIZE];
                p->head += (uint32_t)k;
                p->rwait &= ~UNIX_CHAN_BIT;
                uint64_t wake = k ? p->wwait : 0; /* room for waiting writers */
                if (k)
                    p->wwait = 0;
                sh_unlock();
                unix_ring(wake);
                return (ssize_t)k; /* 0: end of file, no writer left */
            }
            p->rwait |= UNIX_CHAN_BIT;
            sh_unlock();
            unix_block();
        }
    }
    }
    return fail(EBADF);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    struct ofile *o = of(fd);
    if (!o)
        return fail(EBADF);
    if ((o->flags & O_ACCMODE) == O_RDONLY && o->type != OF_CONSOLE)
        return fail(EBADF);
    switch (o->type) {
    case OF_CONSOLE:
        for (size_t done = 0; done < n;) {
            size_t k = n - done < (1 << 20) ? n - done : (1 << 20);
            if (sys_cputs((const char *)buf + done, k) < 0)
                return fail(EFAULT);
            done += k;
        }
        return (ssize_t)n;
    case OF_FILE: {
        if (o->flags & O_APPEND) {
            struct fs_stat st;
            fs_stat(&unix_fs, o->ino, &st);
            o->off = st.size;
        }
        int64_t r = fs_write(&unix_fs, o->ino, o->off, buf, n);
        if (r < 0)
            return fs_err((int)r);
        o->off += (uint64_t)r;
        return (ssize_t)r;
    }
    case OF_PIPE_W: {
        struct pipe *p = &SH->pipes[o->pipe];
        size_t done = 0;
        while (done < n) {
            sh_lock();
            if (!p->readers) {
                sh_unlock();
                return done ? (ssize_t)done : fail(EPIPE);
            }
            uint32_t space = PIPE_SIZE - (p->tail - p->head);
            size_t k = 0;
            for (; done + k < n && k < space; k++)
                p->buf[(p->tail + k) % PIPE_SIZE] = ((const char *)buf)[done + k];
            p->tail += (uint32_t)k;
            uint64_t wake = k ? p->rwait : 0; /* data for waiting readers */
            if (k)
                p->rwait = 0;
            done += k;
            if (done < n)
                p->wwait |= UNIX_CHAN_BIT; /* full: wait for a reader to make room */
            else
                p->wwait &= ~UNIX_CHAN_BIT;
            sh_unlock();
            unix_ring(wake);
            if (done < n)
                unix_block();
        }
        return (ssize_t)n;
    }
    }
    return fail(EBADF);
}

off_t lseek(int fd, off_t off, int whence)
{
    struct ofile *o = of(fd);
    if (!o)
        return fail(EBADF);
    if (o->type != OF_FILE)
        return fail(ESPIPE);
    struct fs_stat st;
    fs_stat(&unix_fs, o->ino, &st);
    int64_t base = whence == SEEK_SET   ? 0
                   : whence == SEEK_CUR ? (int64_t)o->off
                   : whence == SEEK_END ? (int64_t)st.size
                                        : -1;
    if (base < 0 || base + off < 0)
        return fail(EINVAL);
    o->off = (uint64_t)(base + off);
    return (off_t)o->off;
}

static void to_stat(const struct fs_stat *fst, struct stat *st)
{
    st->st_ino = fst->ino;
    st->st_mode = (fst->type == FS_TYPE_DIR ? S_IFDIR : S_IFREG) | (fst->mode & 07777);
    st->st_nlink = fst->nlink;
    st->st_size = (int64_t)fst->size;
}

int stat(const char *path, struct stat *st)
{
    char p[PATH_MAX];
    if (abspath(path, p) < 0)
        return -1;
    int ino = fs_lookup(&unix_fs, p);
    if (ino < 0)
        return fs_err(ino);
    struct fs_stat fst;
    int r = fs_stat(&unix_fs, (uint32_t)ino, &fst);
    if (r < 0)
        return fs_err(r);
    to_stat(&fst, st);
    return 0;
}

int fstat(int fd, struct stat *st)
{
    struct ofile *o = of(fd);
    if (!o)
        return fail(EBADF);
    if (o->type != OF_FILE && o->type != OF_DIR) {
        memset(st, 0, sizeof *st);
        return 0;
    }
    struct fs_stat fst;
    int r = fs_stat(&unix_fs, o->ino, &fst);
    if (r < 0)
        return fs_err(r);
    to_stat(&fst, st);
    return 0;
}

int unlink(const char *path)
{
    char p[PATH_MAX];
    if (abspath(path, p) < 0)
        return -1;
    int r = fs_unlink(&unix_fs, p);
    return r < 0 ? fs_err(r) : 0;
}

int mkdir(const char *path, int mode)
{
    (void)mode;
    char p[PATH_MAX];
    if (abspath(path, p) < 0)
        return -1;
    int r = fs_mkdir(&unix_fs, p);
    return r < 0 ? fs_err(r) : 0;
}

int rmdir(const char *path)
{
    char p[PATH_MAX];
    if (abspath(path, p) < 0)
        return -1;
    int r = fs_rmdir(&unix_fs, p);
    return r < 0 ? fs_err(r) : 0;
}

int dup(int fd)
{
    if (!of(fd))
        return fail(EBADF);
    int n = fd_alloc(0);
    if (n < 0)
        return fail(EMFILE);
    sh_lock();
    SH->ofiles[fdtab[fd]].refs++;
    sh_unlock();
    fdtab[n] = fdtab[fd];
    return n;
}

int dup2(int fd, int newfd)
{
    if (!of(fd) || newfd < 0 || newfd >= NOFILE)
        return fail(EBADF);
    if (fd == newfd)
        return newfd;
    if (fdtab[newfd] >= 0)
        close(newfd);
    sh_lock();
    SH->ofiles[fdtab[fd]].refs++;
    sh_unlock();
    fdtab[newfd] = fdtab[fd];
    return newfd;
}

int pipe(int fds[2])
{
    int r = fd_alloc(0);
    if (r < 0)
        return fail(EMFILE);
    fdtab[r] = 0x7fffffff; /* reserved while we find the second */
    int w = fd_alloc(0);
    fdtab[r] = -1;
    if (w < 0)
        return fail(EMFILE);
    sh_lock();
    int p = -1;
    for (int i = 0; i < NPIPE && p < 0; i++)
        if (!SH->pipes[i].readers && !SH->pipes[i].writers)
            p = i;
    int or = p < 0 ? -1 : ofile_new(OF_PIPE_R, O_RDONLY);
    int ow = or < 0 ? -1 : ofile_new(OF_PIPE_W, O_WRONLY);
    if (ow < 0) {
        if (or >= 0)
            SH->ofiles[or].type = OF_FREE;
        sh_unlock();
        return fail(p < 0 ? EMFILE : ENOMEM);
    }
    struct pipe *pp = &SH->pipes[p];
    pp->head = pp->tail = 0;
    pp->rwait = pp->wwait = 0;
    pp->readers = pp->writers = 1;
    SH->ofiles[or].pipe = SH->ofiles[ow].pipe = p;
    sh_unlock();
    fdtab[r] = or ;
    fdtab[w] = ow;
    fds[0] = r;
    fds[1] = w;
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
    struct dirent ent;
};

DIR *opendir(const char *path)
{
    char p[PATH_MAX];
    if (abspath(path, p) < 0)
        return NULL;
    int ino = fs_lookup(&unix_fs, p);
    if (ino < 0) {
        fs_err(ino);
        return NULL;
    }
    struct fs_stat st;
    fs_stat(&unix_fs, (uint32_t)ino, &st);
    if (st.type != FS_TYPE_DIR) {
        errno = ENOTDIR;
        return NULL;
    }
    DIR *d = calloc(1, sizeof *d);
    if (!d) {
        errno = ENOMEM;
        return NULL;
    }
    d->ino = (uint32_t)ino;
    return d;
}

struct dirent *readdir(DIR *d)
{
    struct fs_dirent fe;
    int r = fs_readdir(&unix_fs, d->ino, &d->pos, &fe);
    if (r <= 0)
        return NULL;
    d->ent.d_ino = fe.ino;
    d->ent.d_type = fe.type == FS_TYPE_DIR ? DT_DIR : DT_REG;
    size_t k = 0;
    for (; fe.name[k] && k < sizeof d->ent.d_name - 1; k++)
        d->ent.d_name[k] = fe.name[k];
    d->ent.d_name[k] = 0;
    return &d->ent;
}

int closedir(DIR *d)
{
    free(d);
    return 0;
}

/* ---- exec: descriptors and the working directory go to the new program ---- */

void fd_export(int *fds, char *dir)
{
    memcpy(fds, fdtab, sizeof fdtab);
    strcpy(dir, cwd);
}

void fd_import(const int *fds, const char *dir)
{
    memcpy(fdtab, fds, sizeof fdtab);
    strcpy(cwd, dir);
}
