/* The Unix library OS: processes, and (as they land) files, pipes, threads.
 * Everything here runs in user space on the exokernel interface (libexo);
 * the kernel knows nothing of processes. */
#ifndef LIBUNIX_UNIX_H
#define LIBUNIX_UNIX_H

#include <stdint.h>
#include <stddef.h>

typedef int pid_t;

#define NPROC 64

/* Unix error numbers (errno values; calls return -1 and set errno). */
#define EPERM   1
#define ENOENT  2
#define ESRCH   3
#define EINTR   4
#define EIO     5
#define E2BIG   7
#define ENOEXEC 8
#define EBADF   9
#define ECHILD  10
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define ENOTDIR 20
#define EISDIR  21
#define EINVAL  22
#define EMFILE  24
#define ENOSPC  28
#define ESPIPE  29
#define EPIPE   32
#define ENOSYS  38
#define ENFILE  23

/* (for the disk at /disk) */
#define EXDEV        18 /* rename between /disk and the memory file system */
#define ENAMETOOLONG 36
#define ENOTEMPTY    39
#define ELOOP        40 /* too many symbolic links in a path */
extern int errno;

/* wait statuses, as in POSIX */
#define WIFEXITED(s)   (((s)&0x7f) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WIFSIGNALED(s) (((s)&0x7f) != 0)
#define WTERMSIG(s)    ((s)&0x7f)
#define WNOHANG        1

#define SIGINT  2
#define SIGKILL 9
#define SIGSEGV 11
#define SIGTERM 15

/* Processes (lib/unix/proc). */
pid_t fork(void);
pid_t wait(int *status);
pid_t waitpid(pid_t pid, int *status, int options);
__attribute__((noreturn)) void _exit(int status);
__attribute__((noreturn)) void exit(int status);
pid_t getpid(void);
pid_t getppid(void);
int kill(pid_t pid, int sig);

/* The process table, readable by every process (ps). */
enum proc_state { PROC_FREE = 0, PROC_RUNNING, PROC_ZOMBIE };
struct proc_info {
    pid_t pid, ppid;
    int state;       /* enum proc_state */
    int status;      /* wait status once a zombie */
    uint32_t env_id; /* the env that runs it */
    int sleeping;    /* waiting (for a child, a pipe, a key, time), not runnable */
    char name[32];
};
/* Copies entry i (0 <= i < NPROC) of the table; 0, or -1 if out of range. */
int proc_get(int i, struct proc_info *out);

/* Files and descriptors (lib/unix/fd). Descriptors 0, 1, 2 start on the
 * console; descriptors are inherited across fork and exec. */
typedef long ssize_t;
typedef long off_t;
#define O_RDONLY    0
#define O_WRONLY    1
#define O_RDWR      2
#define O_ACCMODE   3
#define O_CREAT     0x40
#define O_EXCL      0x80
#define O_TRUNC     0x200
#define O_APPEND    0x400
#define O_DIRECTORY 0x10000
#define O_NONBLOCK  04000 /* (sockets: calls that would wait fail with EAGAIN) */
#define SEEK_SET    0
#define SEEK_CUR    1
#define SEEK_END    2
#define S_IFMT      0170000
#define S_IFDIR     0040000
#define S_IFREG     0100000
#define S_IFLNK     0120000
#define S_ISDIR(m)  (((m)&S_IFMT) == S_IFDIR)
#define S_ISREG(m)  (((m)&S_IFMT) == S_IFREG)
#define NOFILE      32
#define PATH_MAX    256
struct stat {
    uint64_t st_ino;
    uint32_t st_mode;
    uint32_t st_nlink;
    int64_t st_size;
    uint32_t st_uid, st_gid; /* the owner (always 0 in the memory file system) */
    uint32_t st_dev;         /* 1: the memory file system, 2: the disk */
};
struct dirent {
    uint64_t d_ino;
    uint8_t d_type; /* DT_DIR or DT_REG */
    char d_name[256];
};
#define DT_REG 8
#define DT_DIR 4
#define DT_LNK 10
typedef struct unix_dir DIR;

int open(const char *path, int flags, ...);
int close(int fd);
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
off_t lseek(int fd, off_t off, int whence);
int stat(const char *path, struct stat *st);
int fstat(int fd, struct stat *st);
int unlink(const char *path);
/* Symbolic links: symlink makes path a link to target (any text, may
 * dangle); paths through links are followed (at most 40 links: ELOOP) by
 * every call but lstat, readlink, unlink and rename, which take the link
 * itself as the last component. readlink gives the target, no NUL, at
 * most n bytes (EINVAL: not a link). Not on /disk (EPERM). */
int symlink(const char *target, const char *path);
/* A second name (a hard link) for a file; EPERM for a directory. */
int link(const char *from, const char *to);
ssize_t readlink(const char *path, char *buf, size_t n);
int lstat(const char *path, struct stat *st);
/* rename replaces a file (or an empty directory) at to; chmod keeps the
 * mode, unenforced (the Linux personality's exec looks at it); truncate and
 * ftruncate (open for writing) cut a regular file or extend it with zeros. */
int rename(const char *from, const char *to);
int chmod(const char *path, int mode);
/* Owners: kept on the disk (where permissions are enforced for every uid
 * but 0); the memory file system has none (chown there changes nothing). */
typedef uint32_t uid_t;
typedef uint32_t gid_t;
int chown(const char *path, uid_t uid, gid_t gid); /* root only; (uid_t)-1: unchanged */
/* The same by descriptor (a file or directory; on a pipe, socket or the
 * console they change nothing); EBADF for a descriptor not open. */
int fchmod(int fd, int mode);
int fchown(int fd, uid_t uid, gid_t gid);
uid_t getuid(void);
gid_t getgid(void);
int setuid(uid_t uid); /* root: any uid; others only their own (EPERM) */
int setgid(gid_t gid);
int truncate(const char *path, off_t size);
int ftruncate(int fd, off_t size);
/* The console's foreground job: ^C typed on the console sends SIGINT to
 * these processes (n = 0: none; then ^C just cancels the line being typed).
 * The shell sets it around the jobs it waits for. */
#define TTY_MAXFG 16 /* processes of a foreground job */
int tty_set_foreground(const pid_t *pids, int n);
/* Raw console input for this process (1): each read returns the bytes
 * typed, unechoed and unedited (a CR reads as a newline); 0: lines, echoed,
 * with backspace. Returns the previous setting. */
int tty_set_raw(int raw);
/* waitpid for a foreground job: meanwhile console input is read ahead into
 * the terminal's buffer, so that ^C is seen even when nobody reads. */
pid_t tty_waitpid(pid_t pid, int *status);
int mkdir(const char *path, int mode);
int rmdir(const char *path);
int fsync(int fd);
void sync(void); /* commits the disk's file system (/disk) */
/* The first process (a root env, after unix_init): starts diskd on blocks
 * [first, first + count) of the disk (count 0: all of it) and mounts it at
 * /disk, making a file system if it has none. 1 if one was made, 0 if an
 * existing one was mounted, -1 (errno) if not. */
int unix_mount_disk(uint64_t first, uint64_t count);
/* The same, with the disk's file system as the root "/": /tmp and /dev stay
 * in the memory file system, /disk names the disk's root too, and the boot
 * image's programs are copied to the disk's /bin when they differ from the
 * ones copied last. Same results. */
int unix_mount_root(uint64_t first, uint64_t count);
int dup(int fd);
int dup2(int fd, int newfd);
int pipe(int fds[2]);
int chdir(const char *path);
char *getcwd(char *buf, size_t n);
DIR *opendir(const char *path);
struct dirent *readdir(DIR *d);
int closedir(DIR *d);

/* Sockets (lib/unix/net): descriptors like any other (read, write, close,
 * dup, inherited across fork and exec), served by netd, the machine's one
 * TCP/IP (lwIP), through the server. IPv4 TCP and UDP. A call that would
 * wait sleeps until netd rings us, or fails with EAGAIN (EINPROGRESS for
 * connect) on a descriptor with O_NONBLOCK. Linux's values throughout. */
#define ENOTSOCK        88
#define EDESTADDRREQ    89
#define EMSGSIZE        90
#define EPROTOTYPE      91
#define ENOPROTOOPT     92
#define EPROTONOSUPPORT 93
#define EOPNOTSUPP      95
#define EAFNOSUPPORT    97
#define EADDRINUSE      98
#define EADDRNOTAVAIL   99
#define ENETDOWN        100
#define ECONNRESET      104
#define EISCONN         106
#define ENOTCONN        107
#define ECONNREFUSED    111
#define EALREADY        114
#define EINPROGRESS     115
#define AF_INET         2
#define SOCK_STREAM     1
#define SOCK_DGRAM      2
#define SOCK_NONBLOCK   04000
#define SOCK_CLOEXEC    02000000
#define SOL_SOCKET      1
#define SO_REUSEADDR    2
#define SO_TYPE         3
#define SO_ERROR        4
#define SO_SNDBUF       7
#define SO_RCVBUF       8
#define SO_KEEPALIVE    9
#define IPPROTO_TCP     6
#define TCP_NODELAY     1
#define SHUT_RD         0
#define SHUT_WR         1
#define SHUT_RDWR       2
#define INADDR_ANY      0u
#define POLLIN          0x001
#define POLLOUT         0x004
#define POLLERR         0x008
#define POLLHUP         0x010
#define POLLNVAL        0x020
typedef uint32_t socklen_t;
struct in_addr {
    uint32_t s_addr; /* network byte order */
};
struct sockaddr_in {
    uint16_t sin_family;
    uint16_t sin_port; /* network byte order */
    struct in_addr sin_addr;
    uint8_t sin_zero[8];
};
struct sockaddr {
    uint16_t sa_family;
    char sa_data[14];
};
static inline uint16_t htons(uint16_t v)
{
    return (uint16_t)(v << 8 | v >> 8);
}
#define ntohs htons
static inline uint32_t htonl(uint32_t v)
{
    return __builtin_bswap32(v);
}
#define ntohl htonl
int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr *addr, socklen_t len);
int listen(int fd, int backlog);
int accept(int fd, struct sockaddr *addr, socklen_t *len);
int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int connect(int fd, const struct sockaddr *addr, socklen_t len);
ssize_t send(int fd, const void *buf, size_t n, int flags);
ssize_t recv(int fd, void *buf, size_t n, int flags);
ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
               socklen_t tolen);
ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *fromlen);
int shutdown(int fd, int how);
int getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int getpeername(int fd, struct sockaddr *addr, socklen_t *len);
int setsockopt(int fd, int level, int opt, const void *val, socklen_t len);
int getsockopt(int fd, int level, int opt, void *val, socklen_t *len);
/* O_NONBLOCK of fd's open file description (any descriptor): get, set. */
int fd_getfl(int fd);
int fd_setfl(int fd, int flags);
/* The hook a generic poll asks about a socket descriptor: its revents for
 * events (POLLIN, POLLOUT; POLLERR, POLLHUP, POLLNVAL always); with arm,
 * if none, netd rings our channel when one comes (then unix_block wakes).
 * -1 (ENOTSOCK) if fd is not a socket. */
int sock_poll(int fd, int events, int arm);
struct pollfd {
    int fd;
    short events, revents;
};
/* poll over any descriptors (fd_poll's readiness: sockets, pipes, the
 * console); timeout_ms < 0: no limit. */
int sock_poll_fds(struct pollfd *fds, unsigned long n, int timeout_ms);
/* The first process (after unix_init): starts netd on a network device
 * (dev: our capability, from sys_net_open; netd gets a copy to receive and
 * send) with address ip, mask and gateway (host byte order), so that every
 * process can make sockets. 0, or -1 (errno). */
int unix_start_net(uint32_t dev, uint32_t ip, uint32_t mask, uint32_t gw);
/* The first process: maps the shared state (process table, memory file
 * system) read-only in env, a server env that is not a Unix process, at
 * the addresses processes use (httpd serves files from it). 0, or -1. */
int unix_share_fs(uint32_t env);

/* System V shared memory (lib/unix/shm), with Linux's values. Segments are
 * carved from an address range that is the same in every process of this
 * library OS, so a segment has the same address in every process; a
 * process maps it while attached. Attachments are inherited by fork and
 * dropped at exec and exit. No permissions: any process may attach any
 * segment (mode is kept, not checked). */
typedef int key_t;
#define IPC_PRIVATE ((key_t)0)
#define IPC_CREAT   01000
#define IPC_EXCL    02000
#define IPC_RMID    0
#define IPC_STAT    2
#define SHM_DEST    01000 /* shm_perm.mode: removed, freed at the last detach */
struct ipc_perm {
    union {
        key_t __key; /* (glibc's name) */
        key_t key;
    };
    uint32_t uid, gid, cuid, cgid; /* always 0 */
    unsigned short mode;           /* the low 9 bits of shmget's flags, and SHM_DEST */
};
typedef unsigned long shmatt_t;
struct shmid_ds {
    struct ipc_perm shm_perm;
    size_t shm_segsz;    /* as asked for at creation (pages are whole) */
    pid_t shm_cpid;      /* creator */
    pid_t shm_lpid;      /* last to attach or detach */
    shmatt_t shm_nattch; /* attachments, in every process */
};
int shmget(key_t key, size_t size, int flags);
void *shmat(int id, const void *addr, int flags); /* addr NULL, flags 0; (void *)-1 on error */
int shmdt(const void *addr);
int shmctl(int id, int cmd, struct shmid_ds *buf);

/* Programs. exec replaces the calling process by the program at path (an
 * ELF file in the file system), keeping its pid and descriptors. */
int execv(const char *path, char *const argv[]);
unsigned sleep(unsigned seconds); /* yields the CPU until the time has passed */
int usleep(unsigned usec);

/* Set up by the C runtime before main (unix_start). */
void unix_init(const char *name);
/* The arguments a process was started with (exec), or argc 0. */
int unix_args(char ***argv);

#endif
