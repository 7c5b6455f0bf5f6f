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
extern int errno;

/* wait statuses, as in POSIX */
#define WIFEXITED(s)   (((s) & 0x7f) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WIFSIGNALED(s) (((s) & 0x7f) != 0)
#define WTERMSIG(s)    ((s) & 0x7f)
#define WNOHANG 1

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
    int state;        /* enum proc_state */
    int status;       /* wait status once a zombie */
    uint32_t env_id;  /* the env that runs it */
    char name[32];
};
/* Copies entry i (0 <= i < NPROC) of the table; 0, or -1 if out of range. */
int proc_get(int i, struct proc_info *out);

/* Set up by the C runtime before main (unix_start). */
void unix_init(const char *name);

#endif
