/* The Linux system calls, by number, on top of the Unix library OS. Each
 * handler gets the six arguments and returns the value the program sees
 * in rax (a negative errno on failure). Every pointer the program passes is
 * checked against its part of the address space and the page tables
 * (lx_ok) before it is used: a bad one is -EFAULT, never a fault here.
 * The table and the status of every call: docs/linux-abi.md. */
#include "linux.h"
#include "../c/libc.h"
#include "../unix/unix_internal.h"

#define SIGPIPE  13
#define SIGCHLD_ 17 /* (SIGCHLD, before its definition below) */
struct lx_proc lx;
static uint64_t pending;   /* signals waiting for delivery (bit sig - 1) */
static int children_ended; /* ended children seen (unix_children_ended) */
extern uint64_t lx_stack_top;
uint64_t lx_random(void);

typedef long (*lx_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                      struct upcall_frame *);
#define ARGS                                                                                       \
    uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t g, struct upcall_frame *f
#define UNUSED (void)a, (void)b, (void)c, (void)d, (void)e, (void)g, (void)f

static long err(void)
{
    return -(long)errno;
}

/* A path argument, copied: its length or -errno. */
static long get_path(uint64_t p, char *out)
{
    long n = lx_strlen(p, PATH_MAX);
    if (n < 0)
        return n;
    if (n == 0)
        return -LX_ENOENT;
    memcpy(out, (const char *)p, (size_t)n + 1);
    return n;
}

/* Special files: /dev/null and /dev/zero are files of the file system
 * (made at start, empty) that reads and writes recognise by inode. */
static uint64_t ino_null, ino_zero;
static uint32_t dev_special; /* their st_dev: a disk file may have the same inode number */
static int special(const struct stat *st, uint64_t ino)
{
    return ino && st->st_ino == ino && st->st_dev == dev_special;
}
enum { K_FILE, K_NULL, K_ZERO };
static int fd_kind(int fd)
{
    if (fd_type(fd) != OF_FILE)
        return K_FILE;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return K_FILE;
    return special(&st, ino_null) ? K_NULL : special(&st, ino_zero) ? K_ZERO : K_FILE;
}

/* The boot image's tree for dynamically linked programs (the test image's
 * /bin/linux-root: /lib64/ld-linux-x86-64.so.2, /lib/x86_64-linux-gnu,
 * /usr/lib/x86_64-linux-gnu, /usr/bin; tools/linux/dynroot.sh) belongs at
 * /, where their PT_INTERP and the loader's default directories name it:
 * its entries are moved there by the first Linux process (rename; one that
 * is already there stays, the boot image's copy is left). */
static void lx_root_init(void)
{
    static const char src[] = "/bin/linux-root";
    struct stat st;
    if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode))
        return;
    DIR *d = opendir(src);
    if (!d)
        return;
    char names[16][64];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 16)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strlen(de->d_name) < 64)
            strcpy(names[n++], de->d_name);
    closedir(d);
    for (int i = 0; i < n; i++) {
        char from[PATH_MAX], to[PATH_MAX];
        snprintf(from, sizeof from, "%s/%s", src, names[i]);
        snprintf(to, sizeof to, "/%s", names[i]);
        if (stat(to, &st) < 0)
            rename(from, to);
    }
}

void lx_files_init(void)
{
    struct stat st;
    if (stat("/dev", &st) < 0)
        mkdir("/dev", 0755);
    if (stat("/etc", &st) < 0)
        mkdir("/etc", 0755);
    static const struct {
        const char *path, *text;
    } files[] = {
        {"/dev/null", ""},
        {"/dev/zero", ""},
        {"/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"},
        {"/etc/group", "root:x:0:\n"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (stat(files[i].path, &st) < 0) {
            int fd = open(files[i].path, O_WRONLY | O_CREAT | O_EXCL);
            if (fd >= 0) {
                write(fd, files[i].text, strlen(files[i].text));
                close(fd);
            }
        }
    }
    /* The compressors busybox's tar execs by name (PATH): links to busybox,
     * as a busybox installation has them, where /bin has no such program.
     * (On a disk root, which has no symbolic links (EPERM), hard links.) */
    static const char *const applets[] = {"gzip", "gunzip", "zcat",  "bzip2", "bunzip2", "bzcat",
                                          "xz",   "unxz",   "xzcat", "lzma",  "unlzma",  "lzcat"};
    if (stat("/bin/busybox", &st) == 0)
        for (size_t i = 0; i < sizeof applets / sizeof applets[0]; i++) {
            char p[32];
            snprintf(p, sizeof p, "/bin/%s", applets[i]);
            if (lstat(p, &st) < 0 && symlink("busybox", p) < 0 && errno == EPERM)
                link("/bin/busybox", p);
        }
    lx_root_init();
    if (stat("/dev/null", &st) == 0)
        ino_null = st.st_ino;
    if (stat("/dev/zero", &st) == 0)
        ino_zero = st.st_ino;
    dev_special = st.st_dev; /* (/dev is in memory: both have the same) */
}

/* ---- files ---- */

/* Descriptors with O_NONBLOCK (bit per fd; dup copies it): their reads and
 * writes fail with EAGAIN instead of waiting (lib/unix's unix_nonblock). */
static uint64_t nonblock_fds;
static void nb_set(int fd, int on)
{
    if (fd >= 0 && fd < 64)
        nonblock_fds = on ? nonblock_fds | 1UL << fd : nonblock_fds & ~(1UL << fd);
}
static int nb_of(uint64_t fd)
{
    return fd < 64 && (nonblock_fds >> fd & 1);
}

/* A read of a regular file: whole up to the end of the file, as Linux
 * reads one (lib/unix reads a disk file through the argument page, at
 * most UNIX_ARG_DATA bytes a call; the dynamic loader takes a short pread
 * for a truncated library). */
static long file_read(int fd, uint64_t buf, uint64_t n)
{
    uint64_t done = 0;
    while (done < n) {
        ssize_t r = read(fd, (void *)(buf + done), n - done);
        if (r < 0)
            return done ? (long)done : err();
        if (r == 0)
            break;
        done += (uint64_t)r;
    }
    return (long)done;
}

static long l_read(ARGS)
{
    UNUSED;
    if (!lx_ok(b, c, 1))
        return -LX_EFAULT;
    int k = fd_kind((int)a);
    if (k == K_NULL)
        return 0;
    if (k == K_ZERO) {
        memset((void *)b, 0, c);
        return (long)c;
    }
    int t = fd_type((int)a);
    if (t == OF_DIR)
        return -LX_EISDIR;
    if (t == OF_FILE)
        return file_read((int)a, b, c);
    unix_nonblock = nb_of(a);
    ssize_t r = read((int)a, (void *)b, c);
    unix_nonblock = 0;
    return r < 0 ? err() : r;
}

static long l_write(ARGS)
{
    UNUSED;
    if (!lx_ok(b, c, 0))
        return -LX_EFAULT;
    int k = fd_kind((int)a);
    if (k != K_FILE)
        return (long)c;
    unix_nonblock = nb_of(a);
    ssize_t r = write((int)a, (const void *)b, c);
    unix_nonblock = 0;
    if (r < 0 && errno == EPIPE && !lx_signal(SIGPIPE))
        unix_die(SIGPIPE); /* no reader: SIGPIPE, whose default ends us */
    return r < 0 ? err() : r;
}

struct iovec {
    uint64_t base, len;
};
static long l_writev(ARGS)
{
    UNUSED;
    if (c > 1024 || !lx_ok(b, c * sizeof(struct iovec), 0))
        return -LX_EFAULT;
    const struct iovec *v = (const struct iovec *)b;
    long total = 0;
    for (uint64_t i = 0; i < c; i++) {
        if (!v[i].len)
            continue;
        long r = l_write(a, v[i].base, v[i].len, 0, 0, 0, f);
        if (r < 0)
            return total ? total : r;
        total += r;
        if ((uint64_t)r < v[i].len)
            break;
    }
    return total;
}

static long l_readv(ARGS)
{
    UNUSED;
    if (c > 1024 || !lx_ok(b, c * sizeof(struct iovec), 0))
        return -LX_EFAULT;
    const struct iovec *v = (const struct iovec *)b;
    long total = 0;
    for (uint64_t i = 0; i < c; i++) {
        if (!v[i].len)
            continue;
        long r = l_read(a, v[i].base, v[i].len, 0, 0, 0, f);
        if (r < 0)
            return total ? total : r;
        total += r;
        if ((uint64_t)r < v[i].len)
            break;
    }
    return total;
}

static long l_pread(ARGS)
{
    UNUSED;
    if (!lx_ok(b, c, 1))
        return -LX_EFAULT;
    int t = fd_type((int)a);
    if (t != OF_FILE)
        return t < 0 ? -LX_EBADF : t == OF_DIR ? -LX_EISDIR : -LX_ESPIPE;
    if ((int64_t)d < 0)
        return -LX_EINVAL;
    off_t old = lseek((int)a, 0, SEEK_CUR);
    if (old < 0 || lseek((int)a, (off_t)d, SEEK_SET) < 0)
        return err();
    long e2 = file_read((int)a, b, c);
    lseek((int)a, old, SEEK_SET);
    return e2;
}

/* pwrite64: pread's twin (the file offset stays where it was). */
static long l_pwrite(ARGS)
{
    UNUSED;
    if (!lx_ok(b, c, 0))
        return -LX_EFAULT;
    if ((int64_t)d < 0)
        return -LX_EINVAL;
    int t = fd_type((int)a);
    if (t != OF_FILE) /* (a directory is open for reading only) */
        return t < 0 || t == OF_DIR ? -LX_EBADF : -LX_ESPIPE;
    if (fd_kind((int)a) != K_FILE)
        return (long)c;
    off_t old = lseek((int)a, 0, SEEK_CUR);
    if (old < 0 || lseek((int)a, (off_t)d, SEEK_SET) < 0)
        return err();
    ssize_t r = write((int)a, (const void *)b, c);
    long e2 = r < 0 ? err() : r;
    lseek((int)a, old, SEEK_SET);
    return e2;
}

#define LX_O_CLOEXEC     0x80000
#define LX_O_NONBLOCK    0x800
#define LX_AT_FDCWD      (-100)
#define LX_AT_EMPTY_PATH 0x1000
#define LX_AT_REMOVEDIR  0x200

static long dirfd_path(int fd, char *out);

/* A path of an *at call made absolute in place (p: PATH_MAX bytes): as it
 * is if absolute or from AT_FDCWD, else after the path of directory
 * descriptor dirfd. 0, or -EBADF, -ENOTDIR, -ENAMETOOLONG. */
static long at_path(uint64_t dirfd, char *p)
{
    if (p[0] == '/' || (int)dirfd == LX_AT_FDCWD)
        return 0;
    char dir[PATH_MAX];
    long r = dirfd_path((int)dirfd, dir);
    if (r < 0)
        return r;
    size_t dl = strlen(dir), pl = strlen(p);
    if (dl + 1 + pl >= PATH_MAX)
        return -LX_ENAMETOOLONG;
    char rel[PATH_MAX];
    memcpy(rel, p, pl + 1);
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, rel, pl + 1);
    return 0;
}
#define AT_PATH(dirfd, p)                                                                          \
    do {                                                                                           \
        long at_ = at_path(dirfd, p);                                                              \
        if (at_ < 0)                                                                               \
            return at_;                                                                            \
    } while (0)

static long do_open(const char *p, uint64_t flags, uint64_t mode)
{
    int fl = (int)(flags & (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY));
    int fd;
    if (strcmp(p, "/dev/tty") == 0 || strcmp(p, "/dev/console") == 0) {
        fd = -1;
        for (int i = 0; i < 3 && fd < 0; i++)
            if (fd_type(i) == OF_CONSOLE)
                fd = dup(i);
        if (fd < 0)
            return -LX_ENXIO;
    } else if (strncmp(p, "/proc/", 6) == 0 && strcmp(p, "/proc/self/exe") == 0) {
        fd = open(lx.exe, O_RDONLY);
    } else {
        /* A file this open makes gets mode & ~umask, as on Linux. */
        struct stat st;
        int made = (fl & O_CREAT) && stat(p, &st) < 0;
        fd = open(p, fl);
        if (fd >= 0 && made)
            chmod(p, (int)(mode & ~lx.umask & 07777));
    }
    if (fd < 0)
        return err();
    nb_set(fd, (flags & LX_O_NONBLOCK) != 0);
    if (fd < 64) {
        if (flags & LX_O_CLOEXEC)
            lx.cloexec |= 1UL << fd;
        else
            lx.cloexec &= ~(1UL << fd);
    }
    return fd;
}

static long l_openat(ARGS)
{
    UNUSED;
    char p[PATH_MAX];
    long r = get_path(b, p);
    if (r < 0)
        return r;
    AT_PATH(a, p);
    return do_open(p, c, d);
}

static long l_close(ARGS)
{
    UNUSED;
    lx_lock_close((int)a);
    if (close((int)a) < 0)
        return err();
    if (a < 64)
        lx.cloexec &= ~(1UL << a);
    nb_set((int)a, 0);
    return 0;
}

static long l_lseek(ARGS)
{
    UNUSED;
    int t = fd_type((int)a);
    if (t < 0)
        return -LX_EBADF;
    if (t != OF_FILE && t != OF_DIR)
        return -LX_ESPIPE;
    if (c > 2)
        return -LX_EINVAL;
    if (fd_kind((int)a) != K_FILE)
        return 0;
    off_t r = lseek((int)a, (off_t)b, (int)c);
    return r < 0 ? err() : r;
}

/* struct stat of Linux x86-64 (144 bytes). */
struct lx_stat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid, pad0;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    uint64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
    int64_t reserved[3];
};
_Static_assert(sizeof(struct lx_stat) == 144, "struct stat");

static void fill_stat(const struct stat *st, int type, struct lx_stat *o)
{
    memset(o, 0, sizeof *o);
    o->ino = st->st_ino;
    o->nlink = st->st_nlink ? st->st_nlink : 1;
    o->mode = st->st_mode;
    o->uid = st->st_uid;
    o->gid = st->st_gid;
    o->dev = st->st_dev == 2 ? 0x802 : 0x801; /* (the disk, the memory file system) */
    o->size = st->st_size;
    o->blksize = 4096;
    o->blocks = (st->st_size + 511) / 512;
    o->atime = o->mtime = o->ctime = 1796601600; /* 2026-12-07 */
    if (type == OF_CONSOLE) {
        o->mode = 0020620; /* S_IFCHR, crw--w---- */
        o->rdev = 0x8800;  /* 136:0, a pty */
        o->dev = 0x16;
        o->ino = 3;
        o->size = 0;
        o->blocks = 0;
    } else if (type == OF_PIPE_R || type == OF_PIPE_W) {
        o->mode = 0010600; /* S_IFIFO */
        o->dev = 0xc;
        o->size = 0;
        o->blocks = 0;
    } else if (special(st, ino_null) || special(st, ino_zero)) {
        o->mode = 0020666;
        o->rdev = special(st, ino_null) ? 0x103 : 0x105;
        o->size = 0;
    } else if ((o->mode & 07777) == 0) {
        o->mode |= S_ISDIR(o->mode) ? 0755 : 0644;
    }
    if (S_ISDIR(o->mode) && o->size == 0) { /* (as ext4: a block) */
        o->size = 4096;
        o->blocks = 8;
    }
}

static long stat_fd(int fd, uint64_t out)
{
    if (!lx_ok(out, sizeof(struct lx_stat), 1))
        return -LX_EFAULT;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return err();
    fill_stat(&st, fd_type(fd), (struct lx_stat *)out);
    return 0;
}

static long stat_path2(const char *p, uint64_t out, int nofollow);
static long stat_path(const char *p, uint64_t out)
{
    return stat_path2(p, out, 0);
}
static long stat_path2(const char *p, uint64_t out, int nofollow)
{
    if (!lx_ok(out, sizeof(struct lx_stat), 1))
        return -LX_EFAULT;
    struct stat st;
    if (strcmp(p, "/proc/self/exe") == 0)
        p = lx.exe;
    if (strcmp(p, "/dev/tty") == 0 || strcmp(p, "/dev/console") == 0) {
        memset(&st, 0, sizeof st);
        fill_stat(&st, OF_CONSOLE, (struct lx_stat *)out);
        return 0;
    }
    if ((nofollow ? lstat(p, &st) : stat(p, &st)) < 0)
        return err();
    fill_stat(&st, S_ISDIR(st.st_mode) ? OF_DIR : OF_FILE, (struct lx_stat *)out);
    return 0;
}

static long l_fstat(ARGS)
{
    UNUSED;
    return stat_fd((int)a, b);
}

static long l_stat(ARGS)
{
    UNUSED;
    char p[PATH_MAX];
    long r = get_path(a, p);
    return r < 0 ? r : stat_path(p, b);
}

static long l_lstat(ARGS)
{
    UNUSED;
    char p[PATH_MAX];
    long r = get_path(a, p);
    return r < 0 ? r : stat_path2(p, b, 1);
}

#define LX_AT_SYMLINK_NOFOLLOW 0x100
static long l_newfstatat(ARGS)
{
    UNUSED;
    if (d & LX_AT_EMPTY_PATH) {
        long n = lx_strlen(b, PATH_MAX);
        if (n < 0)
            return n;
        if (n == 0)
            return stat_fd((int)a, c);
    }
    char p[PATH_MAX];
    long r = get_path(b, p);
    if (r < 0)
        return r;
    AT_PATH(a, p);
    return stat_path2(p, c, (d & LX_AT_SYMLINK_NOFOLLOW) != 0);
}

/* access and faccessat: existence only (no permissions). p is our copy. */
static long access_path(const char *p)
{
    struct stat st;
    if (strcmp(p, "/dev/tty") == 0)
        return 0;
    return stat(p, &st) < 0 ? err() : 0;
}

static long l_access(ARGS)
{
    UNUSED;
    char p[PATH_MAX];
    long r = get_path(a, p);
    return r < 0 ? r : access_path(p);
}

static long l_faccessat(ARGS)
{
    UNUSED;
    char p[PATH_MAX];
    long r = get_path(b, p);
    if (r < 0)
        return r;
    AT_PATH(a, p);
    return access_path(p);
}

static long l_dup(ARGS)
{
    UNUSED;
    int r = dup((int)a);
    if (r < 0)
        return err();
    nb_set(r, nb_of(a));
    if (r < 64)
        lx.cloexec &= ~(1UL << r);
    return r;
}

static long l_dup3(ARGS)
{
    UNUSED;
    if (fd_type((int)a) < 0)
        return -LX_EBADF;
    if (a == b)
        return (long)b;
    if (b >= NOFILE)
        return -LX_EBADF;
    if (fd_type((int)b) >= 0)
        lx_lock_close((int)b); /* (dup2 closes b: the process's locks on its file go) */
    int r = dup2((int)a, (int)b);
    if (r < 0)
        return err();
    nb_set(r, nb_of(a));
    if (r < 64) {
        if (c & LX_O_CLOEXEC)
            lx.cloexec |= 1UL << r;
        else
            lx.cloexec &= ~(1UL << r);
    }
    return r;
}

static long l_dup2(ARGS)
{
    UNUSED;
    if (a == b)
        return fd_type((int)a) < 0 ? -LX_EBADF : (long)b;
    return l_dup3(a, b, 0, 0, 0, 0, f);
}

static long l_pipe2(ARGS)
{
    UNUSED;
    if (!lx_ok(a, 8, 1))
        return -LX_EFAULT;
    if (b & ~(uint64_t)(LX_O_CLOEXEC | LX_O_NONBLOCK))
        return -LX_EINVAL;
    int fds[2];
    if (pipe(fds) < 0)
        return err();
    for (int i = 0; i < 2; i++)
        nb_set(fds[i], (b & LX_O_NONBLOCK) != 0);
    for (int i = 0; i < 2; i++)
        if (fds[i] < 64) {
            if (b & LX_O_CLOEXEC)
                lx.cloexec |= 1UL << fds[i];
            else
                lx.cloexec &= ~(1UL << fds[i]);
        }
    ((int *)a)[0] = fds[0];
    ((int *)a)[1] = fds[1];
    return 0;
}

static long l_pipe(ARGS)
{
    UNUSED;
    return l_pipe2(a, 0, 0, 0, 0, 0, f);
}

#define F_DUPFD         0
#define F_GETFD         1
#define F_SETFD         2
#define F_GETFL         3
#define F_SETFL         4
#define F_DUPFD_CLOEXEC 1030
#define F_GETLK         5
#define F_SETLK         6
#define F_SETLKW        7
#define F_OFD_GETLK     36
#define F_OFD_SETLK     37
#define F_OFD_SETLKW    38

static long l_fcntl(ARGS)
{
    UNUSED;
    int t = fd_type((int)a);
    if (t < 0)
        return -LX_EBADF;
    switch (b) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        if (c >= NOFILE)
            return -LX_EINVAL;
        for (int fd = (int)c; fd < NOFILE; fd++) {
            if (fd_type(fd) >= 0)
                continue;
            int r = dup2((int)a, fd);
            if (r < 0)
                return err();
            nb_set(fd, nb_of(a));
            if (b == F_DUPFD_CLOEXEC)
                lx.cloexec |= 1UL << fd;
            else
                lx.cloexec &= ~(1UL << fd);
            return fd;
        }
        return -LX_EMFILE;
    case F_GETFD:
        return a < 64 && (lx.cloexec >> a & 1) ? 1 : 0;
    case F_SETFD:
        if (a < 64) {
            if (c & 1)
                lx.cloexec |= 1UL << a;
            else
                lx.cloexec &= ~(1UL << a);
        }
        return 0;
    case F_GETFL:
        return (t == OF_PIPE_R   ? O_RDONLY
                : t == OF_PIPE_W ? O_WRONLY
                                 : O_RDWR) |
               (nb_of(a) || (t == OF_SOCK && (fd_getfl((int)a) & O_NONBLOCK)) ? LX_O_NONBLOCK : 0);
    case F_SETFL: /* (O_NONBLOCK kept; O_APPEND and the rest: as they were) */
        nb_set((int)a, (c & LX_O_NONBLOCK) != 0);
        if (t == OF_SOCK) /* (a socket's is its open file description's, for lib/unix) */
            fd_setfl((int)a, (c & LX_O_NONBLOCK) ? O_NONBLOCK : 0);
        return 0;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        return lx_lock((int)a, (int)b, c);
    }
    return -LX_EINVAL;
}

struct lx_dirent64 {
    uint64_t ino;
    int64_t off;
    uint16_t reclen;
    uint8_t type;
    char name[];
};

/* Directory descriptors: the path each was opened with and how far
 * getdents64 has read (lib/unix reads directories by path). */
static struct {
    char path[PATH_MAX];
    uint32_t pos;
    int used;
} dirs[NOFILE];

static long l_getdents64(ARGS)
{
    UNUSED;
    if (fd_type((int)a) != OF_DIR)
        return fd_type((int)a) < 0 ? -LX_EBADF : -LX_ENOTDIR;
    if (!lx_ok(b, c, 1))
        return -LX_EFAULT;
    if (a >= NOFILE || !dirs[a].used)
        return -LX_EBADF;
    DIR *dp = opendir(dirs[a].path);
    if (!dp)
        return err();
    struct dirent *de;
    uint32_t i = 0;
    uint64_t used = 0;
    while ((de = readdir(dp))) {
        if (i++ < dirs[a].pos)
            continue;
        size_t nl = strlen(de->d_name);
        uint16_t rl = (uint16_t)((sizeof(struct lx_dirent64) + nl + 1 + 7) & ~7UL);
        if (used + rl > c) {
            i--;
            break;
        }
        struct lx_dirent64 *o = (struct lx_dirent64 *)(b + used);
        o->ino = de->d_ino ? de->d_ino : 1;
        o->off = i;
        o->reclen = rl;
        o->type = de->d_type;
        memcpy(o->name, de->d_name, nl + 1);
        used += rl;
    }
    closedir(dp);
    if (used == 0 && de)
        return -LX_EINVAL; /* the buffer is too small for one entry */
    dirs[a].pos = i;
    return (long)used;
}

/* The path directory descriptor fd was opened with: 0, or -EBADF (not
 * open), -ENOTDIR (not a directory). */
static long dirfd_path(int fd, char *out)
{
    int t = fd_type(fd);
    if (t < 0)
        return -LX_EBADF;
    if (t != OF_DIR || fd >= NOFILE || !dirs[fd].used)
        return -LX_ENOTDIR;
    strcpy(out, dirs[fd].path);
    return 0;
}

/* openat's wrapper for directories: remembers the path. */
void lx_forget_dirs(void)
{
    for (int i = 0; i < NOFILE; i++)
        dirs[i].used = 0;
}

static long l_openat_dir(ARGS)
{
    long fd = l_openat(a, b, c, d, e, g, f);
    if (fd >= 0 && fd < NOFILE && fd_type((int)fd) == OF_DIR) {
        char p[PATH_MAX];
        get_path(b, p);
        at_path(a, p); /* (it worked for the open) */
        if (p[0] != '/') {
            char cwd[PATH_MAX];
            getcwd(cwd, sizeof cwd);
            char full[PATH_MAX];
            snprintf(full, sizeof full, "%s/%s", cwd, p);
            strcpy(p, full);
        }
        strcpy(dirs[fd].path, p);
        dirs[fd].pos = 0;
        dirs[fd].used = 1;
    }
    return fd;
}

static long l_open_dir(ARGS)
{
    UNUSED;
    return l_openat_dir((uint64_t)LX_AT_FDCWD, a, b, c, 0, 0, f);
}

/* creat(path, mode): open(path, O_CREAT | O_WRONLY | O_TRUNC, mode),
 * what glibc's creat calls on x86-64. */
static long l_creat(ARGS)
{
    UNUSED;
    return l_open_dir(a, O_CREAT | O_WRONLY | O_TRUNC, b, 0, 0, 0, f);
}

static long l_getcwd(ARGS)
{
    UNUSED;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return err();
    size_t n = strlen(cwd) + 1;
    if (n > b)
        return -LX_ERANGE;
    if (!lx_ok(a, n, 1))
        return -LX_EFAULT;
    memcpy((void *)a, cwd, n);
    return (long)n;
}

static long path_op(uint64_t p, int (*fn)(const char *))
{
    char path[PATH_MAX];
    long r = get_path(p, path);
    if (r < 0)
        return r;
    return fn(path) < 0 ? err() : 0;
}
static int do_mkdir(const char *p)
{
    if (mkdir(p, 0777) < 0)
        return -1;
    chmod(p, (int)(0777 & ~lx.umask)); /* (mkdir's mode argument: 0777 as busybox passes) */
    return 0;
}
static long l_chdir(ARGS)
{
    UNUSED;
    return path_op(a, chdir);
}
static long l_mkdir(ARGS)
{
    UNUSED;
    return path_op(a, do_mkdir);
}
static long l_rmdir(ARGS)
{
    UNUSED;
    return path_op(a, rmdir);
}
static long l_unlink(ARGS)
{
    UNUSED;
    return path_op(a, unlink);
}
/* path_op for an *at call: the path after directory descriptor dirfd. */
static long path_op_at(uint64_t dirfd, uint64_t p, int (*fn)(const char *))
{
    char path[PATH_MAX];
    long r = get_path(p, path);
    if (r < 0)
        return r;
    AT_PATH(dirfd, path);
    return fn(path) < 0 ? err() : 0;
}
static long l_mkdirat(ARGS)
{
    UNUSED;
    return path_op_at(a, b, do_mkdir);
}
static long l_unlinkat(ARGS)
{
    UNUSED;
    if (c & ~(uint64_t)LX_AT_REMOVEDIR)
        return -LX_EINVAL;
    return path_op_at(a, b, c & LX_AT_REMOVEDIR ? rmdir : unlink);
}

static long l_rename(ARGS)
{
    UNUSED;
    char from[PATH_MAX], to[PATH_MAX];
    long r = get_path(a, from);
    if (r < 0 || (r = get_path(b, to)) < 0)
        return r;
    return rename(from, to) < 0 ? err() : 0;
}

/* renameat and renameat2 (flags 0 only), from AT_FDCWD or absolute. */
static long l_renameat(ARGS)
{
    UNUSED;
    char from[PATH_MAX], to[PATH_MAX];
    long r = get_path(b, from);
    if (r < 0 || (r = get_path(d, to)) < 0)
        return r;
    AT_PATH(a, from);
    AT_PATH(c, to);
    if (e)
        return -LX_EINVAL;
    return rename(from, to) < 0 ? err() : 0;
}

/* chmod, fchmodat, utimensat: the file system keeps no modes or times; the
 * file must exist. */
static long exists(uint64_t p, uint64_t dirfd)
{
    char path[PATH_MAX];
    long r = get_path(p, path);
    if (r < 0)
        return r;
    AT_PATH(dirfd, path);
    struct stat st;
    return stat(path, &st) < 0 ? err() : 0;
}
static long do_chmod(uint64_t p, uint64_t dirfd, uint64_t mode)
{
    char path[PATH_MAX];
    long r = get_path(p, path);
    if (r < 0)
        return r;
    AT_PATH(dirfd, path);
    return chmod(path, (int)(mode & 07777)) < 0 ? err() : 0;
}
static long l_chmod(ARGS)
{
    UNUSED;
    return do_chmod(a, (uint64_t)LX_AT_FDCWD, b);
}
static long l_ftruncate(ARGS)
{
    UNUSED;
    if ((int64_t)b < 0)
        return -LX_EINVAL;
    return ftruncate((int)a, (off_t)b) < 0 ? err() : 0;
}

static long l_truncate(ARGS)
{
    UNUSED;
    char path[PATH_MAX];
    long r = get_path(a, path);
    if (r < 0)
        return r;
    if ((int64_t)b < 0)
        return -LX_EINVAL;
    return truncate(path, (off_t)b) < 0 ? err() : 0;
}
/* Credentials and owners: lib/unix's (one uid and one gid per process:
 * real, effective and saved are the same). */
static long l_getuid(ARGS)
{
    UNUSED;
    return getuid();
}
static long l_getgid(ARGS)
{
    UNUSED;
    return getgid();
}
static long l_setuid(ARGS)
{
    UNUSED;
    return setuid((uid_t)a) < 0 ? err() : 0;
}
static long l_setgid(ARGS)
{
    UNUSED;
    return setgid((gid_t)a) < 0 ? err() : 0;
}
static long do_chown(uint64_t p, uint64_t dirfd, uint64_t uid, uint64_t gid)
{
    char path[PATH_MAX];
    long r = get_path(p, path);
    if (r < 0)
        return r;
    AT_PATH(dirfd, path);
    return chown(path, (uid_t)uid, (gid_t)gid) < 0 ? err() : 0;
}
static long l_chown(ARGS) /* and lchown: links have no owner of their own here */
{
    UNUSED;
    return do_chown(a, (uint64_t)LX_AT_FDCWD, b, c);
}
static long l_fchownat(ARGS)
{
    UNUSED;
    return do_chown(b, a, c, d);
}
static long l_fchmod(ARGS)
{
    UNUSED;
    return fchmod((int)a, (int)(b & 07777)) < 0 ? err() : 0;
}
static long l_fchmodat(ARGS)
{
    UNUSED;
    return do_chmod(b, a, c);
}
static long l_utimensat(ARGS)
{
    UNUSED;
    if (c && !lx_ok(c, 32, 0))
        return -LX_EFAULT;
    if (!b)
        return fd_type((int)a) < 0 ? -LX_EBADF : 0;
    return exists(b, a);
}
/* fchown: lib/unix's (the owner is kept on the disk; root only). */
static long l_fchown(ARGS)
{
    UNUSED;
    return fchown((int)a, (uid_t)b, (gid_t)c) < 0 ? err() : 0;
}
/* symlink(target, linkpath), symlinkat(target, dirfd, linkpath): lib/unix's
 * symbolic links (the target is kept as given). */
static long do_symlink(uint64_t target, uint64_t dirfd, uint64_t linkpath)
{
    char t[PATH_MAX], p[PATH_MAX];
    long r = get_path(target, t);
    if (r < 0 || (r = get_path(linkpath, p)) < 0)
        return r;
    AT_PATH(dirfd, p);
    return symlink(t, p) < 0 ? err() : 0;
}
static long l_symlink(ARGS)
{
    UNUSED;
    return do_symlink(a, (uint64_t)LX_AT_FDCWD, b);
}
static long l_symlinkat(ARGS)
{
    UNUSED;
    return do_symlink(a, b, c);
}

/* link(old, new), linkat(olddirfd, old, newdirfd, new, flags): hard links
 * (AT_SYMLINK_FOLLOW makes the name of the link's target). */
#define LX_AT_SYMLINK_FOLLOW 0x400
static long do_link(uint64_t odir, uint64_t op, uint64_t ndir, uint64_t np, uint64_t flags)
{
    char a[PATH_MAX], b[PATH_MAX];
    long r = get_path(op, a);
    if (r < 0 || (r = get_path(np, b)) < 0)
        return r;
    if (flags & ~(uint64_t)LX_AT_SYMLINK_FOLLOW)
        return -LX_EINVAL;
    AT_PATH(odir, a);
    AT_PATH(ndir, b);
    if (flags & LX_AT_SYMLINK_FOLLOW) {
        char t[PATH_MAX];
        ssize_t n = readlink(a, t, sizeof t - 1);
        if (n > 0 && t[0] == '/') { /* (relative targets: the link's own name) */
            t[n] = 0;
            strcpy(a, t);
        }
    }
    return link(a, b) < 0 ? err() : 0;
}
static long l_link(ARGS)
{
    UNUSED;
    return do_link((uint64_t)LX_AT_FDCWD, a, (uint64_t)LX_AT_FDCWD, b, 0);
}
static long l_linkat(ARGS)
{
    UNUSED;
    return do_link(a, b, c, d, e);
}

/* readlink(path, buf, size), readlinkat(dirfd, path, buf, size): the
 * target, no NUL, cut at size; /proc/self/exe names the running image. */
static long do_readlink(uint64_t dirfd, uint64_t path, uint64_t buf, uint64_t size)
{
    char p[PATH_MAX];
    long r = get_path(path, p);
    if (r < 0)
        return r;
    AT_PATH(dirfd, p);
    if ((int64_t)size <= 0)
        return -LX_EINVAL;
    char t[PATH_MAX];
    if (strcmp(p, "/proc/self/exe") == 0) {
        strcpy(t, lx.exe);
        r = (long)strlen(t);
    } else if ((r = readlink(p, t, sizeof t)) < 0) {
        return err();
    }
    if ((uint64_t)r > size)
        r = (long)size;
    if (!lx_ok(buf, (uint64_t)r, 1))
        return -LX_EFAULT;
    memcpy((void *)buf, t, (size_t)r);
    return r;
}

static long l_readlink(ARGS)
{
    UNUSED;
    return do_readlink((uint64_t)LX_AT_FDCWD, a, b, c);
}

static long l_readlinkat(ARGS)
{
    UNUSED;
    return do_readlink(a, b, c, d);
}

/* ioctl: the console is a terminal (a fixed termios, 80x24); anything else
 * is not. */
#define TCGETS     0x5401
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TIOCGPGRP  0x540f
#define TIOCSPGRP  0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD   0x541b

/* Job control: the process groups this process made (setpgid on its
 * children) and the console's foreground group. ^C on the console sends
 * SIGINT to the foreground's processes (lib/unix's tty_set_foreground). */
static struct {
    int pid, pgid;
} groups[NPROC];
static int fg_pgrp;
int job_child; /* forked, no execve since (lx_exec clears it) */

static void note_group(int pid, int pgid)
{
    int free_i = -1;
    for (int i = 0; i < NPROC; i++) {
        if (groups[i].pid == pid) {
            groups[i].pgid = pgid;
            return;
        }
        if (!groups[i].pid && free_i < 0)
            free_i = i;
    }
    if (free_i >= 0)
        groups[free_i].pid = pid, groups[free_i].pgid = pgid;
}

static long set_fg(int pgrp)
{
    if (pgrp <= 0)
        return -LX_EINVAL;
    fg_pgrp = pgrp;
    /* A shell taking the console back for itself: no foreground job (^C
     * then reaches it as a byte). A forked child that has not run a program
     * yet (a job about to exec) names its own group: that is a job. */
    if (pgrp == getpid() && !job_child)
        return tty_set_foreground(NULL, 0) < 0 ? err() : 0;
    pid_t pids[TTY_MAXFG];
    int n = 0;
    pids[n++] = pgrp; /* a group is named by its leader */
    for (int i = 0; i < NPROC && n < TTY_MAXFG; i++)
        if (groups[i].pid && groups[i].pgid == pgrp && groups[i].pid != pgrp)
            pids[n++] = groups[i].pid;
    return tty_set_foreground(pids, n) < 0 ? err() : 0;
}

static long l_setpgid(ARGS)
{
    UNUSED;
    int pid = (int)a ? (int)a : getpid(), pgid = (int)b ? (int)b : pid;
    if ((int)a < 0 || (int)b < 0)
        return -LX_EINVAL;
    if (pid != getpid())
        note_group(pid, pgid);
    return 0;
}

/* The console's settings as the program last set them (TCSETS). */
static uint8_t termios[36];
static int termios_set;

static long l_ioctl(ARGS)
{
    UNUSED;
    int t = fd_type((int)a);
    if (t < 0)
        return -LX_EBADF;
    if (t != OF_CONSOLE)
        return -LX_ENOTTY;
    switch (b) {
    case TCGETS:
        if (!lx_ok(c, 36, 1))
            return -LX_EFAULT;
        if (!termios_set) {
            uint32_t t4[4] = {
                0x500,  /* ICRNL | IXON */
                0x5,    /* OPOST | ONLCR */
                0xbf,   /* B38400 | CS8 | CREAD */
                0x8a3b, /* ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN */
            };
            static const uint8_t ccs[20] = {0,  3,  28, 127, 21, 4,  0,  1, 0, 17,
                                            19, 26, 0,  18,  15, 23, 22, 0, 0, 0};
            memcpy(termios, t4, 16);
            memcpy(termios + 16, ccs, 20);
            termios_set = 1;
        }
        memcpy((void *)c, termios, 36);
        return 0;
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
        if (!lx_ok(c, 36, 0))
            return -LX_EFAULT;
        memcpy(termios, (const void *)c, 36);
        termios_set = 1;
        /* Without ICANON the console is raw (no echo, no editing): what
         * line-editing shells ask for (their own echo). */
        tty_set_raw(!(((const uint32_t *)c)[3] & 2));
        return 0;
    case TIOCGWINSZ:
        if (!lx_ok(c, 8, 1))
            return -LX_EFAULT;
        ((uint16_t *)c)[0] = 24;
        ((uint16_t *)c)[1] = 80;
        ((uint16_t *)c)[2] = 0;
        ((uint16_t *)c)[3] = 0;
        return 0;
    case TIOCSWINSZ:
        return 0;
    case TIOCGPGRP:
        if (!lx_ok(c, 4, 1))
            return -LX_EFAULT;
        *(int *)c = fg_pgrp ? fg_pgrp : getpid();
        return 0;
    case TIOCSPGRP:
        if (!lx_ok(c, 4, 0))
            return -LX_EFAULT;
        return set_fg(*(const int *)c);
    }
    return -LX_EINVAL;
}

struct lx_pollfd {
    int fd;
    short events, revents;
};
#define POLLPRI 0x02 /* (POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL: unix.h's, Linux's values) */

static uint64_t tsc_of_ns(uint64_t ns);
/* alarm and setitimer(ITIMER_REAL): when SIGALRM is due (TSC; 0: none),
 * and its period. lib/unix's waits wake by then (unix_wake_tsc). */
static uint64_t alarm_tsc, alarm_period;
static void wake_by(uint64_t tsc);
static int lx_intr(void);
/* The mask to restore when the handler a wait let in returns (rt_sigsuspend,
 * ppoll, pselect6), ~0: none. */
static uint64_t suspend_old = ~0UL;

/* poll's core: p[0..n) in our memory, timeout in ns (-1: none). Each round
 * asks lib/unix (fd_poll) for the readiness of every descriptor, arming
 * the wake-ups (a pipe's waiter masks, the console's interrupt) before the
 * check so that nothing that happens between check and sleep is missed;
 * then sleeps in unix_block until one of them rings, a signal comes or the
 * time is up. */
static long poll_wait(struct lx_pollfd *p, uint64_t n, int64_t timeout_ns)
{
    uint64_t until = timeout_ns > 0 ? __builtin_ia32_rdtsc() + tsc_of_ns((uint64_t)timeout_ns) : 0;
    for (;;) {
        long ready = 0;
        for (uint64_t i = 0; i < n; i++) {
            p[i].revents = 0;
            if (p[i].fd < 0)
                continue;
            int ev = p[i].events & (POLLIN | POLLOUT);
            p[i].revents = (short)(fd_poll(p[i].fd, ev, timeout_ns != 0) &
                                   (ev | POLLERR | POLLHUP | POLLNVAL));
            ready += p[i].revents != 0;
        }
        if (ready || timeout_ns == 0 || (until && __builtin_ia32_rdtsc() >= until))
            return ready;
        if (lx_intr())
            return -LX_EINTR;
        wake_by(until);
        unix_block(); /* a ring, a key, a child, a signal, or the time */
        wake_by(0);
    }
}

/* poll(fds, nfds, timeout_ms) */
static long l_poll(ARGS)
{
    UNUSED;
    if (b > 4096)
        return -LX_EINVAL;
    if (!lx_ok(a, b * sizeof(struct lx_pollfd), 1))
        return -LX_EFAULT;
    int64_t ms = (int)c;
    return poll_wait((struct lx_pollfd *)a, b, ms < 0 ? -1 : ms * 1000000);
}

/* A timespec of the program's in ns: -1 for NULL; on failure *r < 0. */
static int64_t get_timespec(uint64_t ts, long *r)
{
    *r = 0;
    if (!ts)
        return -1;
    if (!lx_ok(ts, 16, 0)) {
        *r = -LX_EFAULT;
        return 0;
    }
    int64_t sec = ((const int64_t *)ts)[0], ns = ((const int64_t *)ts)[1];
    if (sec < 0 || ns < 0 || ns >= 1000000000) {
        *r = -LX_EINVAL;
        return 0;
    }
    if (sec > 100000000)
        sec = 100000000; /* (years: as good as none) */
    return sec * 1000000000 + ns;
}

/* The signal mask for the time of a wait (ppoll, pselect6): set; the old
 * one comes back after, or with the handler's rt_sigreturn on EINTR. */
static long with_mask(uint64_t set, uint64_t size, uint64_t *old)
{
    *old = ~0UL;
    if (!set)
        return 0;
    if (size != 8)
        return -LX_EINVAL;
    if (!lx_ok(set, 8, 0))
        return -LX_EFAULT;
    *old = lx.sigmask;
    lx.sigmask = *(const uint64_t *)set & ~((1UL << 8) | (1UL << 18)); /* (not KILL, STOP) */
    return 0;
}
static void mask_back(uint64_t old, long r)
{
    if (old == ~0UL)
        return;
    if (r == -LX_EINTR)
        suspend_old = old;
    else
        lx.sigmask = old;
}

/* ppoll(fds, nfds, timeout_ts, sigmask, sigsetsize) */
static long l_ppoll(ARGS)
{
    UNUSED;
    if (b > 4096)
        return -LX_EINVAL;
    if (!lx_ok(a, b * sizeof(struct lx_pollfd), 1))
        return -LX_EFAULT;
    long r;
    int64_t ns = get_timespec(c, &r);
    uint64_t old;
    if (r < 0 || (r = with_mask(d, e, &old)) < 0)
        return r;
    r = poll_wait((struct lx_pollfd *)a, b, ns);
    mask_back(old, r);
    return r;
}

/* select's core: the three fd_sets (bitmaps of nfds bits, or 0) become
 * pollfds and back. Descriptors at or above NOFILE cannot be open: EBADF. */
static long select_wait(uint64_t nfds, uint64_t rs, uint64_t ws, uint64_t xs, int64_t ns)
{
    if ((int)nfds < 0)
        return -LX_EINVAL;
    if ((int)nfds > 1024) /* (as Linux: no more than the descriptors there can be) */
        nfds = 1024;
    nfds = (uint32_t)nfds;
    uint64_t bytes = (nfds + 63) / 64 * 8;
    uint64_t sets[3] = {rs, ws, xs};
    for (int k = 0; k < 3; k++)
        if (sets[k] && !lx_ok(sets[k], bytes, 1))
            return -LX_EFAULT;
    struct lx_pollfd p[NOFILE];
    uint64_t n = 0;
    for (uint64_t fd = 0; fd < nfds; fd++) {
        short ev = 0;
        for (int k = 0; k < 3; k++)
            if (sets[k] && (((const uint64_t *)sets[k])[fd / 64] >> (fd % 64) & 1))
                ev |= k == 0 ? POLLIN : k == 1 ? POLLOUT : POLLPRI;
        if (!ev)
            continue;
        if (fd >= NOFILE || fd_type((int)fd) < 0)
            return -LX_EBADF;
        p[n].fd = (int)fd;
        p[n].events = ev;
        n++;
    }
    long r = poll_wait(p, n, ns);
    if (r < 0)
        return r;
    for (int k = 0; k < 3; k++)
        if (sets[k])
            memset((void *)sets[k], 0, bytes);
    long count = 0;
    for (uint64_t i = 0; i < n; i++) {
        int fd = p[i].fd;
        short re = p[i].revents;
        /* (as Linux: a hang-up or an error reads as ready) */
        int in = (p[i].events & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR));
        int out = (p[i].events & POLLOUT) && (re & (POLLOUT | POLLERR));
        if (in)
            ((uint64_t *)rs)[fd / 64] |= 1UL << (fd % 64);
        if (out)
            ((uint64_t *)ws)[fd / 64] |= 1UL << (fd % 64);
        count += in + out;
    }
    return count;
}

/* select(nfds, readfds, writefds, exceptfds, timeout_tv) */
static long l_select(ARGS)
{
    UNUSED;
    int64_t ns = -1;
    if (e) {
        if (!lx_ok(e, 16, 1))
            return -LX_EFAULT;
        int64_t sec = ((const int64_t *)e)[0], us = ((const int64_t *)e)[1];
        if (sec < 0 || us < 0)
            return -LX_EINVAL;
        sec += us / 1000000; /* (Linux takes microseconds past a second) */
        us %= 1000000;
        ns = (sec > 100000000 ? 100000000 : sec) * 1000000000 + us * 1000;
    }
    return select_wait(a, b, c, d, ns);
}

/* pselect6(nfds, readfds, writefds, exceptfds, timeout_ts, {sigmask, size}) */
static long l_pselect6(ARGS)
{
    UNUSED;
    long r;
    int64_t ns = get_timespec(e, &r);
    if (r < 0)
        return r;
    uint64_t old = ~0UL;
    if (g) {
        if (!lx_ok(g, 16, 0))
            return -LX_EFAULT;
        if ((r = with_mask(((const uint64_t *)g)[0], ((const uint64_t *)g)[1], &old)) < 0)
            return r;
    }
    r = select_wait(a, b, c, d, ns);
    mask_back(old, r);
    return r;
}

static long l_sendfile(ARGS)
{
    UNUSED;
    return -LX_EINVAL; /* callers fall back to read and write */
}

/* ---- memory ---- */

static long l_brk(ARGS)
{
    UNUSED;
    if (a < lx.brk_start || a > lx.brk_start + LX_BRK_MAX ||
        !lx_range(lx.brk_start, a - lx.brk_start))
        return (long)lx.brk_cur;
    /* Nothing is mapped here: [brk_start, brk_cur) is demand-zero
     * (lx_demand). Pages a shrink leaves behind stay mapped, as before. */
    lx.brk_cur = a;
    return (long)a;
}

#define PROT_WRITE          2
#define PROT_EXEC           4
#define MAP_SHARED          1
#define MAP_FIXED           0x10
#define MAP_ANONYMOUS       0x20
#define MAP_FIXED_NOREPLACE 0x100000

static uint32_t perms_of(uint64_t prot)
{
    return (prot & PROT_WRITE ? MMU_W : 0) | (prot & PROT_EXEC ? MMU_X : 0);
}

/* MAP_SHARED | MAP_ANONYMOUS: a System V segment of lib/unix's (shmget,
 * shmat: the same address in every process, kept across fork), removed at
 * once so that it goes with its last detach (munmap, exit). */
static long mmap_shared_anon(uint64_t len)
{
    int id = shmget(IPC_PRIVATE, len, 0600);
    if (id < 0)
        return -LX_ENOMEM;
    void *p = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    if (p == (void *)-1)
        return -LX_ENOMEM;
    lx_shm_fresh((uint64_t)p, len);
    return (long)p;
}

#define MAP_PRIVATE 2
#define MAP_TYPE    0xf

/* Whether any page of [va, va+len) is mapped (or part of a region). */
static int any_mapped(uint64_t va, uint64_t len)
{
    if (lx_vma_any(va, len))
        return 1;
    for (uint64_t p = va; p < va + len; p += 4096)
        if (exo_pte(p) & PTE_P)
            return 1;
    return 0;
}

/* mmap: anonymous memory (private: a demand-zero region, nothing mapped
 * until touched), or a private copy of a file's pages (read at
 * once: the file is in memory anyway); what the dynamic loader does with
 * libraries (a reservation of the whole span, then MAP_FIXED segments over
 * it, PROT_EXEC text, bss after the file's end). Everything is checked
 * before anything is mapped or unmapped: a failing MAP_FIXED leaves what
 * was there. */
static long l_mmap(ARGS)
{
    UNUSED;
    uint64_t len = (b + 4095) & ~4095UL;
    if (b == 0 || len < b || len > (1UL << 36))
        return -LX_EINVAL;
    uint64_t type = d & MAP_TYPE;
    if (type != MAP_PRIVATE && type != MAP_SHARED && type != 3 /* MAP_SHARED_VALIDATE */)
        return -LX_EINVAL;
    if ((a & 4095) && (d & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
        return -LX_EINVAL;
    if (!(d & MAP_ANONYMOUS)) {
        if (g & 4095)
            return -LX_EINVAL;
        if (g + len < g || (int64_t)(g + len) < 0)
            return -LX_EOVERFLOW;
        int t = fd_type((int)e);
        if (t < 0)
            return -LX_EBADF;
        if (t != OF_FILE || fd_kind((int)e) != K_FILE)
            return -LX_ENODEV; /* pipes, the console, /dev/null... */
    }
    uint64_t va;
    if ((d & MAP_SHARED) && (d & MAP_ANONYMOUS) && !(d & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
        return mmap_shared_anon(len);
    if (d & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (!lx_range(a, len))
            return d & MAP_FIXED ? -LX_EINVAL : -LX_ENOMEM;
        va = a;
        if (!(d & MAP_FIXED) && any_mapped(va, len))
            return -LX_EEXIST;
        if (d & MAP_FIXED)
            lx_unmap(va, len);
    } else {
        va = lx.mmap_next;
        if (va + len > LX_STACK_TOP - LX_STACK_SIZE - (1UL << 30))
            return -LX_ENOMEM;
        lx.mmap_next += len + 4096; /* a guard page between mappings */
    }
    if ((d & MAP_ANONYMOUS) && !(d & MAP_SHARED)) {
        long r = lx_vma_anon(va, len, (uint32_t)c);
        return r < 0 ? r : (long)va;
    }
    /* (A file's pages that stay read-only, as a program's text: in blocks,
     * load.c. Writable until they are read in.) */
    long r = c & PROT_WRITE || (d & MAP_ANONYMOUS) ? lx_map_anon(va, len, MMU_W)
                                                   : lx_map_blocks(va, len, MMU_W);
    if (r < 0) {
        lx_unmap(va, len);
        return r;
    }
    if (!(d & MAP_ANONYMOUS)) {
        long got = l_pread(e, va, b, g, 0, 0, f);
        if (got < 0) {
            lx_unmap(va, len);
            return got;
        }
    }
    if (!(c & 7))
        r = lx_mprotect(va, len, 0); /* (PROT_NONE: unmapped, contents kept) */
    else
        r = lx_protect(va, len, perms_of(c));
    if (r < 0) {
        lx_unmap(va, len);
        return r;
    }
    return (long)va;
}

static long l_munmap(ARGS)
{
    UNUSED;
    if ((a & 4095) || b == 0)
        return -LX_EINVAL;
    if (a >= SHM_ARENA_VA && a < SHM_ARENA_VA + SHM_ARENA_PAGES * 4096UL) {
        int r = shmdt((const void *)a); /* (the whole segment) */
        lx_shm_detached();
        return r < 0 ? -LX_EINVAL : 0;
    }
    return lx_unmap(a, b);
}

/* mprotect: write and execute are honoured per page (a shared
 * copy-on-write frame stays read-only until its copy); PROT_NONE pages are
 * unmapped, their contents kept until a protection allowing access maps
 * them again (lx_mprotect, load.c). A range with a page that is not mapped
 * is ENOMEM, as Linux. */
static long l_mprotect(ARGS)
{
    UNUSED;
    if (a & 4095)
        return -LX_EINVAL;
    if (c & ~7UL)
        return -LX_EINVAL;
    uint64_t len = (b + 4095) & ~4095UL;
    if (len < b)
        return -LX_ENOMEM;
    if (!len)
        return 0;
    if (a >= SHM_ARENA_VA && a < SHM_ARENA_VA + SHM_ARENA_PAGES * 4096UL)
        return lx_shm_protect(a, len, (uint32_t)c); /* (MAP_SHARED anonymous memory) */
    if (!lx_range(a, len))
        return -LX_ENOMEM;
    return lx_mprotect(a, len, (uint32_t)c);
}

/* mremap(old, old_len, new_len, flags): shrinks in place; grows in place
 * when the pages after are free, else (MREMAP_MAYMOVE) moves into a new
 * region. Grown parts are demand-zero (a region with the mapping's
 * protection: nothing is mapped until touched), and a move copies only
 * the pages that hold something. glibc's realloc of big blocks uses it.
 * As Linux, the old range must be mapped (EFAULT) and within one mapping
 * (one region, or none). */
#define MREMAP_MAYMOVE 1
static long l_mremap(ARGS)
{
    UNUSED;
    uint64_t olen = (b + 4095) & ~4095UL, nlen = (c + 4095) & ~4095UL;
    if ((a & 4095) || (d & ~(uint64_t)MREMAP_MAYMOVE) || !c || nlen < c || olen < b ||
        nlen > (1UL << 36))
        return -LX_EINVAL;
    if (!olen)
        return -LX_EINVAL; /* (Linux: a second mapping of a shared one; not private) */
    if (!lx_range(a, olen) || !lx_vma_one(a, olen))
        return -LX_EFAULT;
    for (uint64_t p = a; p < a + olen; p += 4096)
        if (!lx_mapped(p))
            return -LX_EFAULT;
    if (nlen <= olen) {
        if (nlen < olen)
            lx_unmap(a + nlen, olen - nlen);
        return (long)a;
    }
    uint32_t prot = lx_prot_at(a);
    if (lx_range(a, nlen) && !any_mapped(a + olen, nlen - olen)) {
        long r = lx_vma_anon(a + olen, nlen - olen, prot);
        if (r < 0)
            return r;
        if (a + nlen > lx.mmap_next && a < lx.mmap_next)
            lx.mmap_next = a + nlen + 4096;
        return (long)a;
    }
    if (!(d & MREMAP_MAYMOVE))
        return -LX_ENOMEM;
    uint64_t va = lx.mmap_next;
    if (va + nlen > LX_STACK_TOP - LX_STACK_SIZE - (1UL << 30))
        return -LX_ENOMEM;
    long r = lx_move(a, olen, va, nlen, prot);
    if (r < 0)
        return r;
    lx.mmap_next += nlen + 4096;
    return (long)va;
}

/* madvise(addr, len, advice), as Linux 6.1: the advice is checked first
 * (EINVAL), then the address (EINVAL unaligned), then each page of the
 * range must be mapped (ENOMEM, the advice still taken for the rest).
 * MADV_DONTNEED (and DONTNEED_LOCKED, and MADV_FREE, which Linux may carry
 * out the same way at once) drops the frames of anonymous private memory:
 * the next read gives zeros; a file mapping's pages keep their contents
 * (Linux reads the file again: the same unless the program wrote them);
 * MAP_SHARED anonymous memory keeps its contents, as on Linux.
 * MADV_POPULATE_READ/WRITE map the pages now (EINVAL where that access is
 * not allowed, as Linux). The hints (NORMAL, RANDOM, SEQUENTIAL, WILLNEED, COLD,
 * PAGEOUT, MERGEABLE, UNMERGEABLE, HUGEPAGE, NOHUGEPAGE, DONTDUMP, DODUMP,
 * DONTFORK, DOFORK) are accepted and change nothing here: DONTFORK is the
 * one whose effect a program could see (a forked child still has the
 * range). MADV_REMOVE (private memory: Linux's EINVAL), WIPEONFORK,
 * KEEPONFORK, COLLAPSE and HWPOISON are EINVAL. */
#define MADV_DONTNEED        4
#define MADV_FREE            8
#define MADV_POPULATE_READ   22
#define MADV_POPULATE_WRITE  23
#define MADV_DONTNEED_LOCKED 24
static long l_madvise(ARGS)
{
    UNUSED;
    static const uint32_t ok = 1u << 0 | 1u << 1 | 1u << 2 | 1u << 3 | 1u << MADV_DONTNEED |
                               1u << MADV_FREE | 1u << 10 | 1u << 11 | 1u << 12 | 1u << 13 |
                               1u << 14 | 1u << 15 | 1u << 16 | 1u << 17 | 1u << 20 | 1u << 21 |
                               1u << MADV_POPULATE_READ | 1u << MADV_POPULATE_WRITE |
                               1u << MADV_DONTNEED_LOCKED;
    if (c >= 32 || !(ok >> c & 1))
        return -LX_EINVAL;
    if (a & 4095)
        return -LX_EINVAL;
    uint64_t len = (b + 4095) & ~4095UL;
    if (b && !len)
        return -LX_EINVAL;
    if (a + len < a)
        return -LX_EINVAL;
    if (!len)
        return 0;
    int shared = a >= SHM_ARENA_VA && a + len <= SHM_ARENA_VA + SHM_ARENA_PAGES * 4096UL;
    if (!shared && !lx_range(a, len))
        return -LX_ENOMEM;
    long r = 0;
    for (uint64_t p = a, q; p < a + len; p = q) {
        /* (each mapped stretch in turn; a hole is ENOMEM at the end) */
        for (q = p; q < a + len && (shared ? lx_shm_mapped(q) : lx_mapped(q)); q += 4096)
            ;
        if (q == p) {
            r = -LX_ENOMEM;
            q += 4096;
            continue;
        }
        long e = 0;
        if (shared)
            ; /* (MAP_SHARED: the contents are the segment's, kept) */
        else if (c == MADV_DONTNEED || c == MADV_DONTNEED_LOCKED || c == MADV_FREE)
            e = lx_dontneed(p, q);
        else if (c == MADV_POPULATE_READ || c == MADV_POPULATE_WRITE)
            e = lx_ok(p, q - p, c == MADV_POPULATE_WRITE) ? 0 : -LX_EINVAL;
        if (e < 0)
            return e;
    }
    return r;
}

/* ---- processes ---- */

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

static long l_arch_prctl(ARGS)
{
    UNUSED;
    if (a == ARCH_SET_FS) {
        if (b >= LX_TOP)
            return -LX_EPERM;
        if (sys_env_set_fs(CAP_SELF, b) < 0)
            return -LX_EPERM;
        lx.fs_base = b;
        return 0;
    }
    if (a == ARCH_GET_FS) {
        if (!lx_ok(b, 8, 1))
            return -LX_EFAULT;
        *(uint64_t *)b = lx.fs_base;
        return 0;
    }
    return -LX_EINVAL;
}

static long l_set_tid_address(ARGS)
{
    UNUSED;
    lx.clear_tid = a;
    return getpid();
}

/* fsync, fdatasync: lib/unix's fsync (a disk file under /disk is
 * committed; in-memory files have nothing to write). */
static long l_fsync(ARGS)
{
    UNUSED;
    return fsync((int)a) < 0 ? err() : 0;
}

static long l_sync(ARGS)
{
    UNUSED;
    sync();
    return 0;
}

static long l_zero(ARGS)
{
    UNUSED;
    return 0;
}

static long l_getpid(ARGS)
{
    UNUSED;
    return getpid();
}

static long l_getppid(ARGS)
{
    UNUSED;
    return getppid();
}

static long l_umask(ARGS)
{
    UNUSED;
    long old = lx.umask;
    lx.umask = (uint32_t)a & 0777;
    return old;
}

#define CLONE_VM             0x100
#define CLONE_VFORK          0x4000
#define CLONE_THREAD         0x10000
#define CLONE_PARENT_SETTID  0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID   0x1000000

/* Back in a forked child: its env is new, so it is made foreign-ABI again
 * and given its FS base. */
static void child_env(void)
{
    sys_env_set_foreign(CAP_SELF, (uint64_t)lx_entry);
    sys_env_set_foreign_fast(CAP_SELF, (uint64_t)lx_fast_entry);
    sys_env_set_fs(CAP_SELF, lx.fs_base);
}

/* fork: clone(flags, newsp, parent_tid, child_tid, tls). Threads
 * (CLONE_THREAD) are not supported; vfork is a fork. */
static long l_clone(ARGS)
{
    UNUSED;
    if (a & CLONE_THREAD)
        return -LX_EINVAL;
    if ((a & CLONE_PARENT_SETTID) && !lx_ok(c, 4, 1))
        return -LX_EFAULT;
    if ((a & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) && !lx_ok(d, 4, 1))
        return -LX_EFAULT;
    pid_t pid = fork();
    if (pid < 0)
        return err();
    if (pid == 0) {
        child_env();
        lx_blocks_forget();
        lx_shm_child();
        pending = 0;                  /* (a child starts with no signals pending ...) */
        alarm_tsc = alarm_period = 0; /* (... and no timer) */
        unix_wake_tsc = 0;
        job_child = 1;
        children_ended = 0;
        if (a & CLONE_CHILD_SETTID)
            *(int *)d = getpid();
        if (a & CLONE_CHILD_CLEARTID)
            lx.clear_tid = d;
        if (b)
            f->rsp = b;
        return 0;
    }
    if (a & CLONE_PARENT_SETTID)
        *(int *)c = pid;
    return pid;
}

static long l_fork(ARGS)
{
    UNUSED;
    return l_clone(17, 0, 0, 0, 0, 0, f);
}

struct clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};
static long l_clone3(ARGS)
{
    UNUSED;
    return -LX_ENOSYS; /* glibc falls back to clone */
}

__attribute__((noreturn)) static void lx_exit(int status)
{
    lx_lock_exit();
    exit(status & 0xff);
}

static long l_exit(ARGS)
{
    UNUSED;
    lx_exit((int)a);
}

static long l_wait4(ARGS)
{
    UNUSED;
    if (b && !lx_ok(b, 4, 1))
        return -LX_EFAULT;
    if (d && !lx_ok(d, 144, 1))
        return -LX_EFAULT;
    int st = 0;
    /* On the console, keys are read ahead meanwhile so that ^C reaches the
     * foreground job even when nobody reads (lib/unix's tty_waitpid). */
    pid_t r = !(c & WNOHANG) && fd_type(0) == OF_CONSOLE
                  ? tty_waitpid((pid_t)a, &st)
                  : waitpid((pid_t)a, &st, (int)(c & WNOHANG));
    if (r < 0)
        return err();
    /* A child reaped: its SIGCHLD was raised if its end was seen before,
     * else it is raised now (Linux sends it at the end, reaped or not). */
    if (r > 0) {
        if (children_ended > 0)
            children_ended--;
        else if (lx.sig[SIGCHLD_].handler > 1)
            pending |= 1UL << (SIGCHLD_ - 1);
    }
    for (int i = 0; i < NPROC && r > 0; i++)
        if (groups[i].pid == r)
            groups[i].pid = 0;
    if (r > 0 && b)
        *(int *)b = st;
    if (d)
        memset((void *)d, 0, 144);
    return r;
}

static int kill_code; /* si_code of a signal to oneself: SI_USER, or SI_TKILL (tkill) */
static int raise_info(int sig, int code, int pid, int status);

/* kill(pid, sig): to oneself, at once (a handler runs as the call
 * returns); to another process through lib/unix's process table
 * (unix_sigsend), where its own personality takes it (si_pid: us), a
 * parent's signal to its child included. SIGKILL to a child deletes its env
 * (lib/unix's kill: it cannot be caught). pid 0, -1 and -pgrp: ourselves,
 * or the group's members this process knows (setpgid). */
static long l_kill(ARGS)
{
    UNUSED;
    int pid = (int)a, sig = (int)b, code = kill_code;
    kill_code = 0;
    if (sig < 0 || sig > 64)
        return -LX_EINVAL;
    if (pid < -1) { /* a process group: its members we made, and its leader */
        long r = -LX_ESRCH;
        for (int i = 0; i < NPROC; i++)
            if (groups[i].pid && groups[i].pgid == -pid && groups[i].pid != -pid &&
                l_kill((uint64_t)groups[i].pid, b, 0, 0, 0, 0, f) == 0)
                r = 0;
        long l = l_kill((uint64_t)-pid, b, 0, 0, 0, 0, f);
        return l == 0 ? 0 : r;
    }
    if (pid <= 0)
        pid = getpid();
    if (sig == 0 || pid != getpid()) {
        struct proc_info pi;
        int found = 0;
        for (int i = 0; i < NPROC && !found; i++)
            found = proc_get(i, &pi) == 0 && pi.state == PROC_RUNNING && pi.pid == pid;
        if (!found)
            return -LX_ESRCH;
        if (sig == 0)
            return 0;
    }
    if (pid == getpid()) {
        if (!raise_info(sig, code, getpid(), 0))
            unix_die(sig); /* the default action */
        return 0;
    }
    if (sig == SIGKILL)
        return kill(pid, sig) < 0 ? err() : 0;
    return unix_sigsend(pid, sig) < 0 ? err() : 0;
}

/* tkill(tid, sig) and tgkill(tgid, tid, sig): a process has one thread,
 * whose tid is its pid (set_tid_address, gettid): a signal for a thread is
 * a signal for its process, sent as kill does (si_code SI_TKILL). */
static long l_tkill(ARGS)
{
    UNUSED;
    if ((int)a <= 0)
        return -LX_EINVAL;
    kill_code = -6;
    return l_kill((uint64_t)(int)a, b, 0, 0, 0, 0, f);
}

static long l_tgkill(ARGS)
{
    UNUSED;
    if ((int)a <= 0 || (int)b <= 0)
        return -LX_EINVAL;
    if ((int)a != (int)b) /* no thread b in group a */
        return -LX_ESRCH;
    kill_code = -6;
    return l_kill((uint64_t)(int)b, c, 0, 0, 0, 0, f);
}

struct lx_utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domain[65];
};
static long l_uname(ARGS)
{
    UNUSED;
    if (!lx_ok(a, sizeof(struct lx_utsname), 1))
        return -LX_EFAULT;
    struct lx_utsname *u = (struct lx_utsname *)a;
    memset(u, 0, sizeof *u);
    strcpy(u->sysname, "Linux");
    strcpy(u->nodename, "spinel");
    strcpy(u->release, "6.1.0-spinel");
    strcpy(u->version, "#1 SMP Spinel Linux personality");
    strcpy(u->machine, "x86_64");
    strcpy(u->domain, "(none)");
    return 0;
}

static long l_getrandom(ARGS)
{
    UNUSED;
    if (b > (1 << 20))
        b = 1 << 20;
    if (!lx_ok(a, b, 1))
        return -LX_EFAULT;
    for (uint64_t i = 0; i < b; i += 8) {
        uint64_t r = lx_random();
        memcpy((char *)a + i, &r, b - i < 8 ? b - i : 8);
    }
    return (long)b;
}

#define RLIMIT_STACK  3
#define RLIMIT_NOFILE 7
static long l_prlimit64(ARGS)
{
    UNUSED;
    if (d && !lx_ok(d, 16, 1))
        return -LX_EFAULT;
    if (c && !lx_ok(c, 16, 0))
        return -LX_EFAULT;
    if (b > 15)
        return -LX_EINVAL;
    if (d) {
        uint64_t *o = (uint64_t *)d;
        o[0] = o[1] = ~0UL;
        if (b == RLIMIT_STACK)
            o[0] = 8 << 20;
        if (b == RLIMIT_NOFILE)
            o[0] = o[1] = NOFILE;
    }
    return 0;
}

static long l_getrlimit(ARGS)
{
    UNUSED;
    return l_prlimit64(0, a, 0, b, 0, 0, f);
}

#define PR_SET_NAME 15
#define PR_GET_NAME 16
static char comm[16] = "linux";
static long l_prctl(ARGS)
{
    UNUSED;
    if (a == PR_SET_NAME) {
        long n = lx_strlen(b, 4096);
        if (n < 0)
            return n;
        size_t k = n < 15 ? (size_t)n : 15;
        memcpy(comm, (const char *)b, k);
        comm[k] = 0;
        return 0;
    }
    if (a == PR_GET_NAME) {
        if (!lx_ok(b, 16, 1))
            return -LX_EFAULT;
        memcpy((void *)b, comm, 16);
        return 0;
    }
    return -LX_EINVAL;
}

/* ---- signals ----
 * A signal for this process (kill to itself, or one another process sent,
 * which lib/unix hands to lx_signal) is ignored, ends the process (the
 * default action), or is made pending; a pending signal not blocked is
 * delivered when a system call returns: a Linux rt_sigframe on the
 * program's stack, the handler entered with (sig, &info, &ucontext), its
 * return through sa_restorer to rt_sigreturn. No EINTR: a call waiting when
 * the signal comes goes on waiting. */
#define SIG_DFL      0
#define SIG_IGN      1
#define SA_RESTORER  0x04000000
#define SA_NODEFER   0x40000000
#define SA_RESETHAND 0x80000000UL
#define SIGCHLD      17
#define SIGCONT      18
#define SIGURG       23
#define SIGWINCH     28

#define SA_RESTART 0x10000000
#define SIGALRM    14
#define SI_USER    0
#define SI_KERNEL  0x80
#define SI_TKILL   (-6)
#define CLD_EXITED 1
#define CLD_KILLED 2

/* What the handler of each pending signal is told (siginfo): si_code, and
 * si_pid with si_status, or si_addr. */
static struct {
    int code, pid, status;
    uint64_t addr;
} sinfo[65];

int lx_signal(int sig)
{
    if (sig < 1 || sig > 64)
        return 1;
    uint64_t h = lx.sig[sig].handler;
    if (h == SIG_IGN)
        return 1;
    if (h == SIG_DFL)
        return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
    pending |= 1UL << (sig - 1);
    /* (sent by another process, lib/unix's hook says who; else ourselves) */
    sinfo[sig].code = SI_USER;
    sinfo[sig].pid = unix_sig_sender ? unix_sig_sender : getpid();
    sinfo[sig].status = 0;
    sinfo[sig].addr = 0;
    return 1;
}

/* A signal with its siginfo; 0 if its default action ends the process. */
static int raise_info(int sig, int code, int pid, int status)
{
    if (!lx_signal(sig))
        return 0;
    sinfo[sig].code = code;
    sinfo[sig].pid = pid;
    sinfo[sig].status = status;
    return 1;
}

struct lx_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip,
        eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
};
struct lx_ucontext {
    uint64_t flags, link;
    uint64_t ss_sp;
    int32_t ss_flags, pad;
    uint64_t ss_size;
    struct lx_sigcontext mc;
    uint64_t sigmask;
};
struct lx_sigframe {
    uint64_t pretcode;
    struct lx_ucontext uc;
    struct {
        int32_t signo, errno_, code, pad;
        union {
            struct {
                int32_t pid, uid, status; /* kill, SIGCHLD */
            };
            uint64_t addr; /* SIGSEGV */
        };
        uint8_t rest[96];
    } info;
};
_Static_assert(sizeof(struct lx_sigcontext) == 256, "sigcontext");
_Static_assert(sizeof(struct lx_sigframe) == 8 + 304 + 128, "rt_sigframe");

/* The program's x87/SSE state while it is in a call: lx_entry saved it
 * right below the frame (entry.S). */
#define SAVED_FPU(f) ((uint8_t *)(f)-512)

/* SIGCHLD, for a program that catches it: a child ended since we last
 * looked (seen when a call returns, or in rt_sigsuspend). */
static void check_sigchld(void)
{
    if (lx.sig[SIGCHLD].handler > SIG_IGN) {
        int ended = unix_children_ended();
        pid_t pid;
        int st;
        if (ended > children_ended && unix_ended_child(&pid, &st))
            raise_info(SIGCHLD, WIFSIGNALED(st) ? CLD_KILLED : CLD_EXITED, pid,
                       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        children_ended = ended;
    }
}

static uint64_t tsc_of_ns(uint64_t ns)
{
    uint64_t per_ms = exo_info->tsc_per_ms ? exo_info->tsc_per_ms : 1000000;
    return ns / 1000000 * per_ms + ns % 1000000 * per_ms / 1000000;
}

/* Waits wake by tsc (0: only the alarm) or the alarm, whichever first. */
static void wake_by(uint64_t tsc)
{
    unix_wake_tsc = tsc && (!alarm_tsc || tsc < alarm_tsc) ? tsc : alarm_tsc;
}

static void check_alarm(void)
{
    if (!alarm_tsc || __builtin_ia32_rdtsc() < alarm_tsc)
        return;
    alarm_tsc = alarm_period ? __builtin_ia32_rdtsc() + alarm_period : 0;
    wake_by(0);
    if (!raise_info(SIGALRM, SI_KERNEL, 0, 0))
        unix_die(SIGALRM); /* the default action */
}

/* lib/unix's unix_intr_hook: a wait ends with EINTR when a signal with a
 * handler is due (a child's end, the alarm, one another process sent). */
static int lx_intr(void)
{
    check_alarm();
    check_sigchld();
    return (pending & ~lx.sigmask) != 0;
}

/* The call that returned -EINTR and is restarted after a handler with
 * SA_RESTART (read, write, wait4 ...), or -1. */
static long restart_nr = -1;

/* Builds the rt_sigframe for sig on the program's stack and sends f to
 * its handler; fpu_src is the program's x87/SSE state. */
static void enter_handler(struct upcall_frame *f, int sig, const void *fpu_src)
{
    struct lx_sigaction *sa = &lx.sig[sig];
    if (restart_nr >= 0 && (sa->flags & SA_RESTART)) {
        f->rax = (uint64_t)restart_nr; /* the syscall instruction again */
        f->rip -= 2;
    }
    restart_nr = -1;
    uint64_t sp = f->rsp - 128; /* the red zone */
    sp = (sp - 512) & ~63UL;
    uint64_t fpu = sp;
    sp = ((sp - sizeof(struct lx_sigframe)) & ~15UL) - 8; /* as if called */
    if (!(sa->flags & SA_RESTORER) || !lx_ok(sp, f->rsp - sp, 1))
        unix_die(SIGSEGV); /* no way to run it: as Linux, SIGSEGV */
    memcpy((void *)fpu, fpu_src, 512);
    struct lx_sigframe *fr = (struct lx_sigframe *)sp;
    memset(fr, 0, sizeof *fr);
    fr->pretcode = sa->restorer;
    struct lx_sigcontext *m = &fr->uc.mc;
    m->r8 = f->r8, m->r9 = f->r9, m->r10 = f->r10, m->r11 = f->r11;
    m->r12 = f->r12, m->r13 = f->r13, m->r14 = f->r14, m->r15 = f->r15;
    m->rdi = f->rdi, m->rsi = f->rsi, m->rbp = f->rbp, m->rbx = f->rbx;
    m->rdx = f->rdx, m->rax = f->rax, m->rcx = f->rcx, m->rsp = f->rsp;
    m->rip = f->rip, m->eflags = f->rflags;
    m->cs = 0x33, m->ss = 0x2b;
    m->fpstate = fpu;
    uint64_t back = suspend_old != ~0UL ? suspend_old : lx.sigmask;
    suspend_old = ~0UL;
    m->oldmask = back;
    fr->uc.sigmask = back;
    fr->uc.ss_flags = 2; /* SS_DISABLE */
    fr->info.signo = sig;
    fr->info.code = sinfo[sig].code;
    if ((sig == SIGSEGV || sig == 4 || sig == 8 || sig == 5 || sig == 7) && sinfo[sig].code > 0) {
        fr->info.addr = sinfo[sig].addr;
    } else {
        fr->info.pid = sinfo[sig].pid;
        fr->info.status = sinfo[sig].status;
    }
    lx.sigmask |= sa->mask | (sa->flags & SA_NODEFER ? 0 : 1UL << (sig - 1));
    f->rip = sa->handler;
    f->rsp = sp;
    f->rdi = (uint64_t)sig;
    f->rsi = (uint64_t)&fr->info;
    f->rdx = (uint64_t)&fr->uc;
    f->rax = 0;
    if (sa->flags & SA_RESETHAND)
        memset(sa, 0, sizeof *sa);
}

static void deliver(struct upcall_frame *f)
{
    uint64_t ready = pending & ~lx.sigmask;
    if (!ready)
        return;
    int sig = __builtin_ctzl(ready) + 1;
    pending &= ~(1UL << (sig - 1));
    struct lx_sigaction *sa = &lx.sig[sig];
    if (sa->handler == SIG_DFL || sa->handler == SIG_IGN) { /* changed meanwhile */
        if (!lx_signal(sig))
            unix_die(sig);
        return;
    }
    enter_handler(f, sig, SAVED_FPU(f));
}

/* lib/unix's fault hook: a page fault (or #GP) of the program that nothing
 * resolves is its SIGSEGV: to its handler if it has one and does not block
 * it (si_addr the address, si_code SEGV_MAPERR or SEGV_ACCERR), else the
 * process ends as before. A fault of the personality itself is not the
 * program's. */
static int lx_fault(struct upcall_frame *f)
{
    extern char __executable_start[], _end[];
    /* A first touch of a demand-zero page (the program's, or ours on its
     * behalf): mapped now, the access is restarted. */
    if (f->vector == 14 && !(f->error & 1) && lx_demand(f->addr))
        return 1;
    uint8_t fpu[512] __attribute__((aligned(16)));
    __asm__ volatile("fxsave64 %0" : "=m"(fpu));
    if (f->rip >= LX_TOP || (f->rip >= (uint64_t)__executable_start && f->rip < (uint64_t)_end))
        return 0;
    /* The signal Linux sends for the exception: #UD SIGILL (ILL_ILLOPN, at
     * the instruction), #DE and x87/SIMD errors SIGFPE, #BP SIGTRAP, #AC
     * SIGBUS, page faults and the rest SIGSEGV. */
    int sig = f->vector == 6                                         ? 4 /* SIGILL */
              : f->vector == 0 || f->vector == 16 || f->vector == 19 ? 8 /* SIGFPE */
              : f->vector == 3                                       ? 5 /* SIGTRAP */
              : f->vector == 17                                      ? 7 /* SIGBUS */
                                                                     : SIGSEGV;
    struct lx_sigaction *sa = &lx.sig[sig];
    if (sa->handler <= SIG_IGN || (lx.sigmask >> (sig - 1) & 1))
        return 0;
    sinfo[sig].code = sig == 4          ? 2 /* ILL_ILLOPN */
                      : sig != SIGSEGV  ? SI_KERNEL
                      : f->vector == 14 ? (f->error & 1 || lx_vma_none(f->addr) ? 2 : 1)
                                        /* SEGV_ACCERR (PROT_NONE too), SEGV_MAPERR */
                                        : SI_KERNEL;
    sinfo[sig].addr = f->vector == 14 ? f->addr : sig == 4 ? f->rip : 0;
    restart_nr = -1;
    uint64_t back = suspend_old;
    suspend_old = ~0UL;
    enter_handler(f, sig, fpu);
    suspend_old = back;
    return 1;
}

void lx_signals_init(void)
{
    unix_signal_hook = lx_signal;
    unix_intr_hook = lx_intr;
    unix_fault_hook = lx_fault;
    unix_linger = 1; /* (orphans outlive their parent, as on Linux) */
}

/* rt_sigsuspend(mask, 8): waits with mask until a signal is delivered
 * (its handler runs as the call returns -EINTR; the old mask comes back
 * with rt_sigreturn). pause is the same with the mask as it is. */
static long suspend(uint64_t mask)
{
    uint64_t old = lx.sigmask;
    lx.sigmask = mask & ~((1UL << (SIGKILL - 1)) | (1UL << 18));
    while (!lx_intr())
        unix_block(); /* a child's end, a signal (lx_signal), the alarm, any ring */
    suspend_old = old;
    return -LX_EINTR;
}

static long l_rt_sigsuspend(ARGS)
{
    UNUSED;
    if (b != 8)
        return -LX_EINVAL;
    if (!lx_ok(a, 8, 0))
        return -LX_EFAULT;
    return suspend(*(const uint64_t *)a);
}

static long l_pause(ARGS)
{
    UNUSED;
    return suspend(lx.sigmask);
}

/* futex, for a process of one thread (what glibc's locks and once-only
 * initialisation fall back to when contended, which a single thread never
 * is): FUTEX_WAKE wakes nobody (0); FUTEX_WAIT and FUTEX_WAIT_BITSET check
 * the word (EAGAIN if it changed) and, since no other thread can wake
 * them, wait for their timeout (ETIMEDOUT) or, without one, until a signal
 * is delivered (EINTR), as Linux would. Futexes shared between processes
 * are not supported (a shared word is waited on the same way). */
#define FUTEX_WAIT           0
#define FUTEX_WAKE           1
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256
#define LX_ETIMEDOUT         110
#define FUTEX_EPOCH_NS       (1796601600UL * 1000000000UL) /* (EPOCH, below) */
static uint64_t now_ns(void);
static long l_futex(ARGS)
{
    UNUSED;
    int op = (int)b & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if ((b & FUTEX_CLOCK_REALTIME) && op != FUTEX_WAIT_BITSET && op != FUTEX_WAIT)
        return -LX_ENOSYS;
    switch (op) {
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
        if (a & 3)
            return -LX_EINVAL;
        if (!lx_ok(a, 4, 0))
            return -LX_EFAULT;
        if (op == FUTEX_WAKE_BITSET && !(uint32_t)g)
            return -LX_EINVAL;
        return 0;
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        if (a & 3)
            return -LX_EINVAL;
        if (!lx_ok(a, 4, 0))
            return -LX_EFAULT;
        if (op == FUTEX_WAIT_BITSET && !(uint32_t)g)
            return -LX_EINVAL;
        if (d && !lx_ok(d, 16, 0))
            return -LX_EFAULT;
        if (d && (((const int64_t *)d)[0] < 0 || ((const int64_t *)d)[1] < 0 ||
                  ((const int64_t *)d)[1] >= 1000000000))
            return -LX_EINVAL;
        if (*(const uint32_t *)a != (uint32_t)c)
            return -LX_EAGAIN;
        if (!d)
            return suspend(lx.sigmask);
        uint64_t t =
            (uint64_t)((const int64_t *)d)[0] * 1000000000UL + (uint64_t)((const int64_t *)d)[1];
        if (op == FUTEX_WAIT_BITSET) { /* an absolute time */
            uint64_t now = now_ns() + (b & FUTEX_CLOCK_REALTIME ? FUTEX_EPOCH_NS : 0);
            t = t > now ? t - now : 0;
        }
        if (t)
            usleep((unsigned)(t / 1000 > 4000000000UL ? 4000000000UL : t / 1000));
        return -LX_ETIMEDOUT;
    }
    }
    return -LX_ENOSYS;
}

/* rt_sigreturn: rsp is just above the frame's pretcode (the handler's ret
 * took it). */
static long l_rt_sigreturn(ARGS)
{
    UNUSED;
    uint64_t sp = f->rsp - 8;
    if (!lx_ok(sp, sizeof(struct lx_sigframe), 0))
        unix_die(SIGSEGV);
    const struct lx_sigframe *fr = (const struct lx_sigframe *)sp;
    const struct lx_sigcontext *m = &fr->uc.mc;
    f->r8 = m->r8, f->r9 = m->r9, f->r10 = m->r10, f->r11 = m->r11;
    f->r12 = m->r12, f->r13 = m->r13, f->r14 = m->r14, f->r15 = m->r15;
    f->rdi = m->rdi, f->rsi = m->rsi, f->rbp = m->rbp, f->rbx = m->rbx;
    f->rdx = m->rdx, f->rcx = m->rcx, f->rsp = m->rsp, f->rip = m->rip;
    f->rflags = (m->eflags & 0xcd5) | 0x202; /* arithmetic flags and DF only */
    if (m->fpstate && lx_ok(m->fpstate, 512, 0) && !(m->fpstate & 15)) {
        memcpy(SAVED_FPU(f), (const void *)m->fpstate, 512);
        /* MXCSR bits outside its mask would fault fxrstor: default them. */
        uint32_t *mxcsr = (uint32_t *)(SAVED_FPU(f) + 24);
        if (*mxcsr & ~0xffffU)
            *mxcsr = 0x1f80;
    }
    lx.sigmask = fr->uc.sigmask & ~((1UL << (SIGKILL - 1)) | (1UL << 18));
    return (long)m->rax;
}

struct lx_sigaction_user {
    uint64_t handler, flags, restorer, mask;
};
static long l_rt_sigaction(ARGS)
{
    UNUSED;
    if (a < 1 || a > 64 || d != 8)
        return -LX_EINVAL;
    if ((a == SIGKILL || a == 19) && b)
        return -LX_EINVAL;
    if (b && !lx_ok(b, sizeof(struct lx_sigaction_user), 0))
        return -LX_EFAULT;
    if (c && !lx_ok(c, sizeof(struct lx_sigaction_user), 1))
        return -LX_EFAULT;
    struct lx_sigaction old;
    memcpy(&old, &lx.sig[a], sizeof old);
    if (b)
        memcpy(&lx.sig[a], (const void *)b, sizeof lx.sig[a]);
    if (c)
        memcpy((void *)c, &old, sizeof old);
    return 0;
}

/* rt_sigpending(set, sigsetsize): the signals waiting for delivery that
 * are blocked (those not blocked are delivered as the call returns). */
static long l_rt_sigpending(ARGS)
{
    UNUSED;
    if (b > 8)
        return -LX_EINVAL;
    if (!lx_ok(a, b, 1))
        return -LX_EFAULT;
    uint64_t set = pending & lx.sigmask;
    memcpy((void *)a, &set, b);
    return 0;
}

static long l_rt_sigprocmask(ARGS)
{
    UNUSED;
    if (d != 8)
        return -LX_EINVAL;
    if (b && !lx_ok(b, 8, 0))
        return -LX_EFAULT;
    if (c && !lx_ok(c, 8, 1))
        return -LX_EFAULT;
    uint64_t old = lx.sigmask;
    if (b) {
        uint64_t m = *(const uint64_t *)b & ~((1UL << (SIGKILL - 1)) | (1UL << 18));
        if (a == 0)
            lx.sigmask |= m;
        else if (a == 1)
            lx.sigmask &= ~m;
        else if (a == 2)
            lx.sigmask = m;
        else
            return -LX_EINVAL;
    }
    if (c)
        *(uint64_t *)c = old;
    return 0;
}

/* ---- time ---- */

#define EPOCH 1796601600UL /* 2026-12-07 00:00 UTC: the machine has no clock */
static uint64_t now_ns(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t tsc = (uint64_t)hi << 32 | lo, per_ms = exo_info->tsc_per_ms;
    if (!per_ms)
        per_ms = 1000000;
    return tsc / per_ms * 1000000 + (tsc % per_ms) * 1000000 / per_ms;
}

static long l_clock_gettime(ARGS)
{
    UNUSED;
    if (a > 11)
        return -LX_EINVAL;
    if (!lx_ok(b, 16, 1))
        return -LX_EFAULT;
    uint64_t ns = now_ns();
    if (a == 0 || a == 5 || a == 8 || a == 11) /* REALTIME, _COARSE, _ALARM, TAI */
        ns += EPOCH * 1000000000UL;
    ((uint64_t *)b)[0] = ns / 1000000000UL;
    ((uint64_t *)b)[1] = ns % 1000000000UL;
    return 0;
}

/* clock_getres(clock, res): every clock here reads the TSC through
 * now_ns, to the nanosecond, the coarse ones too; res may be NULL. */
static long l_clock_getres(ARGS)
{
    UNUSED;
    if (a > 11)
        return -LX_EINVAL;
    if (b) {
        if (!lx_ok(b, 16, 1))
            return -LX_EFAULT;
        ((uint64_t *)b)[0] = 0;
        ((uint64_t *)b)[1] = 1;
    }
    return 0;
}

static long l_gettimeofday(ARGS)
{
    UNUSED;
    if (a) {
        if (!lx_ok(a, 16, 1))
            return -LX_EFAULT;
        uint64_t ns = now_ns() + EPOCH * 1000000000UL;
        ((uint64_t *)a)[0] = ns / 1000000000UL;
        ((uint64_t *)a)[1] = ns % 1000000000UL / 1000;
    }
    return 0;
}

static long l_time(ARGS)
{
    UNUSED;
    long t = (long)(now_ns() / 1000000000UL + EPOCH);
    if (a) {
        if (!lx_ok(a, 8, 1))
            return -LX_EFAULT;
        *(long *)a = t;
    }
    return t;
}

/* Sleeps until the TSC reaches until, in unix_block (waking for the alarm
 * and for signals): 0, or -EINTR when a handler is due (time left in *left,
 * ns). */
static long sleep_until(uint64_t until, uint64_t *left)
{
    for (;;) {
        uint64_t now = __builtin_ia32_rdtsc();
        if (now >= until)
            return 0;
        if (lx_intr()) {
            uint64_t per_ms = exo_info->tsc_per_ms ? exo_info->tsc_per_ms : 1000000;
            uint64_t t = until - now;
            *left = t / per_ms * 1000000 + t % per_ms * 1000000 / per_ms;
            return -LX_EINTR;
        }
        wake_by(until);
        unix_block();
        wake_by(0);
    }
}

static long l_nanosleep(ARGS)
{
    UNUSED;
    long r;
    int64_t ns = get_timespec(a, &r);
    if (r < 0)
        return r;
    if (ns < 0)
        return -LX_EFAULT;
    uint64_t left = 0;
    r = sleep_until(__builtin_ia32_rdtsc() + tsc_of_ns((uint64_t)ns), &left);
    if (r == -LX_EINTR && b && lx_ok(b, 16, 1)) {
        ((uint64_t *)b)[0] = left / 1000000000;
        ((uint64_t *)b)[1] = left % 1000000000;
    }
    return r;
}

static long l_clock_nanosleep(ARGS)
{
    UNUSED;
    if (a > 11)
        return -LX_EINVAL;
    if (b & 1) { /* TIMER_ABSTIME (no time left is reported) */
        long r;
        int64_t want = get_timespec(c, &r);
        if (r < 0)
            return r;
        if (want < 0)
            return -LX_EFAULT;
        uint64_t now = now_ns() + (a == 0 ? EPOCH * 1000000000UL : 0), left;
        if ((uint64_t)want <= now)
            return 0;
        return sleep_until(__builtin_ia32_rdtsc() + tsc_of_ns((uint64_t)want - now), &left);
    }
    return l_nanosleep(c, d, 0, 0, 0, 0, f);
}

/* ---- timers: alarm, setitimer and getitimer (ITIMER_REAL only) ---- */

static uint64_t ns_of_tsc(uint64_t t)
{
    uint64_t per_ms = exo_info->tsc_per_ms ? exo_info->tsc_per_ms : 1000000;
    return t / per_ms * 1000000 + t % per_ms * 1000000 / per_ms;
}

/* The timer's value and period (struct itimerval: 4 longs) into out. */
static void itimer_get(int64_t *out)
{
    uint64_t now = __builtin_ia32_rdtsc();
    uint64_t v = alarm_tsc ? (alarm_tsc > now ? ns_of_tsc(alarm_tsc - now) : 1000) : 0;
    uint64_t p = ns_of_tsc(alarm_period);
    out[0] = (int64_t)(p / 1000000000), out[1] = (int64_t)(p % 1000000000 / 1000);
    out[2] = (int64_t)(v / 1000000000), out[3] = (int64_t)(v % 1000000000 / 1000);
    if (v && !out[2] && !out[3])
        out[3] = 1; /* (running: never reads as stopped) */
}

static void itimer_set(uint64_t value_ns, uint64_t period_ns)
{
    alarm_tsc = value_ns ? __builtin_ia32_rdtsc() + tsc_of_ns(value_ns) : 0;
    alarm_period = value_ns ? tsc_of_ns(period_ns) : 0;
    wake_by(0);
}

static long l_getitimer(ARGS)
{
    UNUSED;
    if (a > 2)
        return -LX_EINVAL;
    if (!lx_ok(b, 32, 1))
        return -LX_EFAULT;
    if (a == 0)
        itimer_get((int64_t *)b);
    else
        memset((void *)b, 0, 32); /* (virtual and profiling timers never run) */
    return 0;
}

static long l_setitimer(ARGS)
{
    UNUSED;
    if (a > 2)
        return -LX_EINVAL;
    if (b && !lx_ok(b, 32, 0))
        return -LX_EFAULT;
    if (c && !lx_ok(c, 32, 1))
        return -LX_EFAULT;
    if (a != 0) /* ITIMER_VIRTUAL, ITIMER_PROF: not kept */
        return -LX_EINVAL;
    int64_t v[4] = {0, 0, 0, 0};
    if (b) {
        memcpy(v, (const void *)b, 32);
        if (v[0] < 0 || v[1] < 0 || v[1] >= 1000000 || v[2] < 0 || v[3] < 0 || v[3] >= 1000000)
            return -LX_EINVAL;
    }
    if (c)
        itimer_get((int64_t *)c);
    if (b) {
        uint64_t vs = (uint64_t)(v[2] > 100000000 ? 100000000 : v[2]);
        uint64_t ps = (uint64_t)(v[0] > 100000000 ? 100000000 : v[0]);
        itimer_set(vs * 1000000000 + (uint64_t)v[3] * 1000,
                   ps * 1000000000 + (uint64_t)v[1] * 1000);
    }
    return 0;
}

/* alarm(seconds): SIGALRM then (0: none); the seconds the previous one had
 * left, rounded to the nearest (at least 1 while it runs), as Linux. */
static long l_alarm(ARGS)
{
    UNUSED;
    int64_t old[4];
    itimer_get(old);
    long left = old[2] + (old[3] >= 500000);
    if (!left && (old[2] || old[3]))
        left = 1;
    uint64_t sec = (uint32_t)a;
    itimer_set(sec * 1000000000, 0);
    return left;
}

static long l_sched_yield(ARGS)
{
    UNUSED;
    sys_yield(-1);
    return 0;
}

struct lx_sysinfo {
    int64_t uptime;
    uint64_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs, pad;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    char pad2[4];
};
static long l_sysinfo(ARGS)
{
    UNUSED;
    if (!lx_ok(a, sizeof(struct lx_sysinfo), 1))
        return -LX_EFAULT;
    struct sys_info si;
    sys_sysinfo(&si);
    struct lx_sysinfo *o = (struct lx_sysinfo *)a;
    memset(o, 0, sizeof *o);
    o->uptime = (int64_t)(now_ns() / 1000000000UL);
    o->totalram = si.total_frames * 4096;
    o->freeram = si.free_frames * 4096;
    o->procs = 1;
    o->mem_unit = 1;
    return 0;
}

static long l_getpgrp(ARGS)
{
    UNUSED;
    return getpid();
}

static long l_getgroups(ARGS)
{
    UNUSED;
    return 0;
}

/* ---- execve ---- */

#define MAXARGS 256
/* Strings of a vector of the program's, copied into one malloc'd block
 * (vector then strings); NULL and *r set on a bad pointer. */
static char **get_vec(uint64_t v, long *r)
{
    int n = 0;
    size_t bytes = 0;
    *r = 0;
    if (v) {
        for (;; n++) {
            if (n >= MAXARGS) {
                *r = -LX_E2BIG;
                return NULL;
            }
            if (!lx_ok(v + (uint64_t)n * 8, 8, 0)) {
                *r = -LX_EFAULT;
                return NULL;
            }
            uint64_t s = ((const uint64_t *)v)[n];
            if (!s)
                break;
            long l = lx_strlen(s, 65536);
            if (l < 0) {
                *r = l == -LX_ENAMETOOLONG ? -LX_E2BIG : l;
                return NULL;
            }
            bytes += (size_t)l + 1;
        }
    }
    char **out = malloc(sizeof(char *) * (size_t)(n + 1) + bytes);
    if (!out) {
        *r = -LX_ENOMEM;
        return NULL;
    }
    char *p = (char *)(out + n + 1);
    for (int i = 0; i < n; i++) {
        const char *s = (const char *)((const uint64_t *)v)[i];
        size_t l = strlen(s) + 1;
        memcpy(p, s, l);
        out[i] = p;
        p += l;
    }
    out[n] = NULL;
    return out;
}

long lx_exec(const char *path, char **argv, char **envp, int depth);

static long l_execve(ARGS)
{
    UNUSED;
    char p[PATH_MAX];
    long r = get_path(a, p);
    if (r < 0)
        return r;
    char **argv = get_vec(b, &r);
    if (!argv)
        return r;
    char **envp = get_vec(c, &r);
    if (!envp) {
        free(argv);
        return r;
    }
    r = lx_exec(p, argv, envp, 0);
    /* Back only on failure, with the old image intact. */
    free(argv);
    free(envp);
    return r;
}

/* ---- the table ---- */

static const struct {
    const char *name;
    lx_fn fn;
} table[] = {
    [0] = {"read", l_read},
    [1] = {"write", l_write},
    [2] = {"open", l_open_dir},
    [3] = {"close", l_close},
    [4] = {"stat", l_stat},
    [5] = {"fstat", l_fstat},
    [6] = {"lstat", l_lstat},
    [7] = {"poll", l_poll},
    [23] = {"select", l_select},
    [36] = {"getitimer", l_getitimer},
    [37] = {"alarm", l_alarm},
    [38] = {"setitimer", l_setitimer},
    [270] = {"pselect6", l_pselect6},
    [271] = {"ppoll", l_ppoll},
    [8] = {"lseek", l_lseek},
    [9] = {"mmap", l_mmap},
    [10] = {"mprotect", l_mprotect},
    [11] = {"munmap", l_munmap},
    [25] = {"mremap", l_mremap},
    [12] = {"brk", l_brk},
    [13] = {"rt_sigaction", l_rt_sigaction},
    [14] = {"rt_sigprocmask", l_rt_sigprocmask},
    [15] = {"rt_sigreturn", l_rt_sigreturn},
    [16] = {"ioctl", l_ioctl},
    [17] = {"pread64", l_pread},
    [18] = {"pwrite64", l_pwrite},
    [19] = {"readv", l_readv},
    [20] = {"writev", l_writev},
    [21] = {"access", l_access},
    [22] = {"pipe", l_pipe},
    [24] = {"sched_yield", l_sched_yield},
    [28] = {"madvise", l_madvise},
    [32] = {"dup", l_dup},
    [33] = {"dup2", l_dup2},
    [34] = {"pause", l_pause},
    [35] = {"nanosleep", l_nanosleep},
    [39] = {"getpid", l_getpid},
    [40] = {"sendfile", l_sendfile},
    [41] = {"socket", lx_socket},
    [42] = {"connect", lx_connect},
    [43] = {"accept", lx_accept},
    [44] = {"sendto", lx_sendto},
    [45] = {"recvfrom", lx_recvfrom},
    [46] = {"sendmsg", lx_sendmsg},
    [47] = {"recvmsg", lx_recvmsg},
    [48] = {"shutdown", lx_shutdown},
    [49] = {"bind", lx_bind},
    [50] = {"listen", lx_listen},
    [51] = {"getsockname", lx_getsockname},
    [52] = {"getpeername", lx_getpeername},
    [53] = {"socketpair", lx_socketpair},
    [54] = {"setsockopt", lx_setsockopt},
    [55] = {"getsockopt", lx_getsockopt},
    [56] = {"clone", l_clone},
    [57] = {"fork", l_fork},
    [58] = {"vfork", l_fork},
    [59] = {"execve", l_execve},
    [60] = {"exit", l_exit},
    [61] = {"wait4", l_wait4},
    [62] = {"kill", l_kill},
    [63] = {"uname", l_uname},
    [72] = {"fcntl", l_fcntl},
    [74] = {"fsync", l_fsync},
    [75] = {"fdatasync", l_fsync},
    [79] = {"getcwd", l_getcwd},
    [80] = {"chdir", l_chdir},
    [83] = {"mkdir", l_mkdir},
    [84] = {"rmdir", l_rmdir},
    [85] = {"creat", l_creat},
    [87] = {"unlink", l_unlink},
    [82] = {"rename", l_rename},
    [86] = {"link", l_link},
    [88] = {"symlink", l_symlink},
    [89] = {"readlink", l_readlink},
    [76] = {"truncate", l_truncate},
    [77] = {"ftruncate", l_ftruncate},
    [90] = {"chmod", l_chmod},
    [91] = {"fchmod", l_fchmod},
    [92] = {"chown", l_chown},
    [93] = {"fchown", l_fchown},
    [94] = {"lchown", l_chown},
    [95] = {"umask", l_umask},
    [96] = {"gettimeofday", l_gettimeofday},
    [97] = {"getrlimit", l_getrlimit},
    [99] = {"sysinfo", l_sysinfo},
    [102] = {"getuid", l_getuid},
    [104] = {"getgid", l_getgid},
    [105] = {"setuid", l_setuid},
    [106] = {"setgid", l_setgid},
    [107] = {"geteuid", l_getuid},
    [108] = {"getegid", l_getgid},
    [109] = {"setpgid", l_setpgid},
    [110] = {"getppid", l_getppid},
    [111] = {"getpgrp", l_getpgrp},
    [112] = {"setsid", l_getpid},
    [115] = {"getgroups", l_getgroups},
    [121] = {"getpgid", l_getpgrp},
    [124] = {"getsid", l_getpgrp},
    [127] = {"rt_sigpending", l_rt_sigpending},
    [130] = {"rt_sigsuspend", l_rt_sigsuspend},
    [157] = {"prctl", l_prctl},
    [162] = {"sync", l_sync},
    [158] = {"arch_prctl", l_arch_prctl},
    [186] = {"gettid", l_getpid},
    [200] = {"tkill", l_tkill},
    [201] = {"time", l_time},
    [217] = {"getdents64", l_getdents64},
    [202] = {"futex", l_futex},
    [218] = {"set_tid_address", l_set_tid_address},
    [228] = {"clock_gettime", l_clock_gettime},
    [229] = {"clock_getres", l_clock_getres},
    [230] = {"clock_nanosleep", l_clock_nanosleep},
    [231] = {"exit_group", l_exit},
    [234] = {"tgkill", l_tgkill},
    [257] = {"openat", l_openat_dir},
    [258] = {"mkdirat", l_mkdirat},
    [260] = {"fchownat", l_fchownat},
    [262] = {"newfstatat", l_newfstatat},
    [263] = {"unlinkat", l_unlinkat},
    [264] = {"renameat", l_renameat},
    [265] = {"linkat", l_linkat},
    [266] = {"symlinkat", l_symlinkat},
    [267] = {"readlinkat", l_readlinkat},
    [268] = {"fchmodat", l_fchmodat},
    [269] = {"faccessat", l_faccessat},
    [273] = {"set_robust_list", l_zero},
    [280] = {"utimensat", l_utimensat},
    [292] = {"dup3", l_dup3},
    [288] = {"accept4", lx_accept4},
    [293] = {"pipe2", l_pipe2},
    [302] = {"prlimit64", l_prlimit64},
    [316] = {"renameat2", l_renameat},
    [318] = {"getrandom", l_getrandom},
    [435] = {"clone3", l_clone3},
    [439] = {"faccessat2", l_faccessat},
};
#define NTABLE (sizeof table / sizeof table[0])

static void after_call(struct upcall_frame *f, uint64_t nr, long r);

/* The fast entry's dispatch (entry.S, lx_fast_entry). f holds the
 * program's rax, caller-saved registers, rip, flags and rsp, but not rbx,
 * rbp, r12-r15 (still in their registers). The common case answers the
 * call here and returns 0: nothing else to do, the entry resumes from
 * those registers alone. It returns 2 without answering what needs the
 * whole frame or the slow path's extras (strace, an unknown number's
 * count, rt_sigreturn, which rewrites every register), and 1 after
 * answering if a signal may have to be delivered (one pending and not
 * blocked, SIGCHLD caught, an alarm set): lx_fast_full then takes over
 * with the frame completed. The same table and handlers as lx_syscall. */
int lx_fast(struct upcall_frame *f)
{
    uint64_t nr = f->rax;
    if (lx.strace || nr >= NTABLE || !table[nr].fn || nr == 15 /* rt_sigreturn */)
        return 2;
    f->addr = nr; /* (for lx_fast_full) */
    f->rax = (uint64_t)table[nr].fn(f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9, f);
    if ((pending & ~lx.sigmask) || lx.sig[SIGCHLD].handler > SIG_IGN || alarm_tsc)
        return 1;
    return 0;
}

void lx_fast_full(struct upcall_frame *f, int how)
{
    if (how == 2)
        lx_syscall(f);
    else
        after_call(f, f->addr, (long)f->rax);
}

/* strace's line for call nr with arguments a[] and result r (exit: "?"),
 * written whole by one sys_cputs (which the console takes at once: lines
 * up to 256 bytes), so that the lines of processes tracing at the same
 * time never mix. A call's line is written when it returns (the pid is
 * the caller's then: a fork's child writes its own line, = 0), exit's
 * before. */
static void strace_line(uint64_t nr, const uint64_t a[6], const char *res)
{
    char line[256];
    const char *name = nr < NTABLE ? table[nr].name : NULL;
    int n = name ? snprintf(line, sizeof line - 1,
                            "[pid %d] %s(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx) = %s\n",
                            getpid(), name, a[0], a[1], a[2], a[3], a[4], a[5], res)
                 : snprintf(line, sizeof line - 1,
                            "[pid %d] syscall_%lu(0x%lx, 0x%lx, 0x%lx, ...) = %s\n", getpid(), nr,
                            a[0], a[1], a[2], res);
    if (n > (int)sizeof line - 2) { /* (cut: still one whole line) */
        n = (int)sizeof line - 2;
        line[n - 1] = '\n';
    }
    if (!lx.strace_file[0]) {
        sys_cputs(line, (uint64_t)n);
        return;
    }
    /* (O_APPEND: the server writes the whole line at the end, at once) */
    int fd = open(lx.strace_file, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        write(fd, line, (size_t)n);
        close(fd);
    }
}

void lx_syscall(struct upcall_frame *f)
{
    uint64_t nr = f->rax;
    long r;
    const char *name = nr < NTABLE ? table[nr].name : NULL;
    uint64_t args[6] = {f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9};
    if (lx.strace && (nr == 60 || nr == 231))
        strace_line(nr, args, "?");
    if (name && table[nr].fn) {
        r = table[nr].fn(f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9, f);
    } else {
        lx.nosys++;
        r = -LX_ENOSYS;
    }
    if (lx.strace) {
        char res[24];
        snprintf(res, sizeof res, "%ld", r);
        strace_line(nr, args, res);
    }
    f->rax = (uint64_t)r;
    after_call(f, nr, r);
}

/* After a call, on the way back through exo_resume: the alarm, SIGCHLD
 * for a program that catches it, a pending signal's delivery (and the
 * restart of the call after a handler with SA_RESTART). */
static void after_call(struct upcall_frame *f, uint64_t nr, long r)
{
    check_alarm();
    check_sigchld();
    /* Interrupted by a signal whose handler has SA_RESTART: these calls go
     * again after it (the others return EINTR, as on Linux). */
    restart_nr = r == -LX_EINTR && (nr <= 1 || nr == 19 || nr == 20 || nr == 61) ? (long)nr : -1;
    if (pending)
        deliver(f);
    restart_nr = -1;
    /* The way back (entry.S, exo_resume) writes below the frame on our
     * stack: after a fork that stack is copy-on-write, and a fault in the
     * middle of exo_resume must not happen there. Break it now. */
    volatile char here;
    exo_touch((void *)((uint64_t)&here & ~4095UL), lx_stack_top - ((uint64_t)&here & ~4095UL));
}
