/* What the components of the Unix library OS share: the layout of the
 * memory every process maps (process table, open files, pipes, the file
 * system), and the per-process hooks between components. */
#ifndef LIBUNIX_INTERNAL_H
#define LIBUNIX_INTERNAL_H

#include "unix.h"
#include "fs/fs.h"

/* The shared state: the process table and the other tables of struct
 * shared (a 256 KiB block), then the file system (2 MiB blocks). Every
 * process maps it read-only; only the library OS's server (unixd, below)
 * maps it writable. */
#define UNIX_SHARED_VA   0x0000680000000000UL
#define UNIX_PROC_ORDER  6           /* 2^6 frames: struct shared */
#define UNIX_PROC_SIZE   (2UL << 20) /* address space kept for it */
#define UNIX_FS_VA       (UNIX_SHARED_VA + UNIX_PROC_SIZE)
#define UNIX_FS_BLOCKS   8 /* 2 MiB blocks of file system (the boot image alone fills 8 MiB) */
#define UNIX_FS_SIZE     (UNIX_FS_BLOCKS * (2UL << 20))
#define UNIX_SHARED_SIZE (UNIX_PROC_SIZE + UNIX_FS_SIZE)

#define NOFILE_SYS 256 /* open file descriptions, system-wide */
#define NPIPE      16
#define TTY_BUF    1024  /* console input read ahead */
#define PIPE_ORDER 5     /* a pipe's ring is a block of 2^5 frames (128 KiB) ... */
#define PIPE_SIZE  65536 /* ... holding 64 KiB of data, as Linux's (a power of two) */

struct proc {
    int pid, ppid, state, status;
    /* Signals sent by other processes (bit sig - 1), and who sent the last:
     * taken (U_SIGTAKE) and acted on at the end of a time slot and in
     * waits (check_signals). */
    uint64_t pending;
    int sigfrom;
    uint32_t env_id; /* 0: forked, not bound to the server yet */
    char name[32];
    uint32_t uid, gid; /* credentials: inherited at fork, kept at exec; 0 is root */
};

enum ofile_type { OF_FREE = 0, OF_CONSOLE, OF_FILE, OF_DIR, OF_PIPE_R, OF_PIPE_W, OF_SOCK };

/* An open file description, shared by the descriptors (in any process)
 * that refer to it. */
struct ofile {
    int refs;
    int type;
    int flags;    /* O_* */
    int pipe;     /* OF_PIPE_*: index in pipes[] */
    uint32_t ino; /* OF_FILE, OF_DIR (with disk: diskd's inode) */
    uint64_t off;
    int disk; /* 1: a file or directory under /disk (served by diskd) */
    int sock; /* OF_SOCK: netd's socket (lib/net/netd.h) */
};

/* A pipe: its ends are counted here (the server's), its data is in a ring
 * on a block of its own (struct pipe_ring), frames of the server's that
 * only the processes holding an end map, writable, at UNIX_PIPE_VA (they
 * ask for it at their first read or write, U_PIPEMAP). The ends move the
 * data and ring each other without the server; the server counts ends,
 * rings the waiters when an end's last description goes, and deletes the
 * frame (and every copy) when both have gone. A process that holds an end
 * may write anything on the ring: the other ends check what they read
 * there, so the harm stays with that pipe's users, who share it anyway. */
struct pipe {
    int readers, writers; /* open descriptions of each end */
    uint32_t gen;         /* one more at each pipe made here: a ring mapped earlier is gone */
};
struct pipe_ring {
    volatile uint32_t head, tail;   /* bytes read / written so far (mod 2^32) */
    volatile uint64_t rwait, wwait; /* channels of processes waiting to read / write */
    volatile uint32_t wlock; /* a writer's channel + 1 while it writes (writers take turns) */
    char pad[64 - 28];
    char buf[PIPE_SIZE];
};
#define PIPE_STRIDE (4096UL << PIPE_ORDER)
_Static_assert(sizeof(struct pipe_ring) <= PIPE_STRIDE, "a pipe's ring fits its block");
#define PIPE_RING(i) ((struct pipe_ring *)(UNIX_PIPE_VA + (uint64_t)(i)*PIPE_STRIDE))

/* Shared memory segments (lib/unix/shm): pages of the arena, an address
 * range where each segment has its place; a process maps a segment's
 * pages (the server's frames) only while it is attached. */
#define NSHM            32
#define SHM_ARENA_VA    0x0000690000000000UL
#define SHM_ARENA_PAGES 448
#define SHM_MAP_WORDS   ((SHM_ARENA_PAGES + 63) / 64)
/* Pipe i's ring (struct pipe_ring) at UNIX_PIPE_VA + i * PIPE_STRIDE, in
 * server and clients: the 2 MiB past the arena's, a page table of their own
 * (made once). */
#define UNIX_PIPE_VA (SHM_ARENA_VA + (2UL << 20))
_Static_assert(SHM_ARENA_PAGES <= 512, "the arena is one page table");
_Static_assert(NPIPE *(4096UL << PIPE_ORDER) <= (2UL << 20), "the pipes are one page table");

enum shm_state { SHM_FREE = 0, SHM_USED, SHM_REMOVED };
struct shm_seg {
    int state;       /* enum shm_state; SHM_REMOVED: no key, freed when nattch drops to 0 */
    int id;          /* slot + NSHM * generation: a stale id names nothing */
    key_t key;       /* IPC_PRIVATE: found by id only */
    int mode;        /* the low 9 bits of shmget's flags */
    pid_t cpid;      /* creator */
    pid_t lpid;      /* last to attach or detach */
    size_t size;     /* as asked for */
    uint32_t first;  /* first page in the arena */
    uint32_t npages; /* pages in the arena */
    int nattch;      /* the sum of shm_att[*][slot] */
};

struct shared {
    uint64_t magic;
    /* Written by the server only, which makes seq odd while it updates
     * anything here or in the file system and even again after (a seqlock):
     * a reader copies what it wants, then retries if seq changed or was
     * odd (sh_read_begin / sh_read_retry). */
    volatile uint64_t seq;
    uint32_t srv_env; /* the server's env id (clients find their call capability by it) */
    int next_pid;
    struct proc procs[NPROC];
    /* Each process's descriptors (by its slot in procs): index in ofiles, or -1. */
    int16_t fdtab[NPROC][NOFILE];
    struct ofile ofiles[NOFILE_SYS];
    struct pipe pipes[NPIPE];
    uint64_t cons_waiters; /* channels of processes waiting for console input */
    /* The terminal: console input taken from the kernel but not read yet
     * (shared, so that what one process read ahead is not lost when it
     * exits), and the foreground job that ^C interrupts. */
    struct {
        uint32_t head, tail; /* bytes read / queued (mod 2^32) */
        char buf[TTY_BUF];
        int nfg;
        pid_t fg[TTY_MAXFG];
    } tty;
    struct shm_seg shm[NSHM];
    uint64_t shm_map[SHM_MAP_WORDS]; /* arena pages in use */
    /* Attachments of each process (by its slot in procs[]) to each segment:
     * kept here rather than in private memory so that whoever frees a slot
     * can drop what a killed process left behind. */
    uint16_t shm_att[NPROC][NSHM];
    /* The disk (set once, at U_MOUNT): DISK_NONE, DISK_AT (its file system
     * at /disk) or DISK_ROOT (it is "/", but for the memory prefixes). */
    int disk_mode;
};
#define SHARED_MAGIC 0x53504e4c554e4958UL
#define SH           ((struct shared *)UNIX_SHARED_VA)
_Static_assert(sizeof(struct shared) <= (4096UL << UNIX_PROC_ORDER), "struct shared too big");

/* Where a path lives (the server routes by it, a process reads by it):
 * the path inside the disk's file system, or NULL for the memory file
 * system. With DISK_AT that is /disk and below; with DISK_ROOT every path
 * but /tmp and /dev (and below), which stay in memory, and /disk stays an
 * alias of the disk's root. Routing is by the path's text: "/tmp/../x" is
 * the memory file system's /x (docs/design.md). */
enum { DISK_NONE = 0, DISK_AT, DISK_ROOT };
static inline int unix_prefix(const char *p, const char *pre)
{
    size_t n = 0;
    for (; pre[n]; n++)
        if (p[n] != pre[n])
            return 0;
    return p[n] == 0 || p[n] == '/';
}
static inline const char *unix_disk_path(int mode, const char *p)
{
    if (mode == DISK_NONE || p[0] != '/')
        return NULL;
    while (p[1] == '/') /* ("//tmp" is "/tmp") */
        p++;
    if (unix_prefix(p, "/disk"))
        return p[5] ? p + 5 : "/";
    if (mode != DISK_ROOT || unix_prefix(p, "/tmp") || unix_prefix(p, "/dev"))
        return NULL;
    return p;
}

/* Consistent reads of the shared state (proc.c): copy, then check. */
uint64_t sh_read_begin(void);
int sh_read_retry(uint64_t seq);

/* ---- the server (lib/unix/srv) and its bindings ----
 * Every update of the shared state is a protected call into the server,
 * on the caller's time (sys_pct_call): op in a0, two arguments in a1 and
 * a2; the rest (paths, data, extra results) on the caller's argument page,
 * a page only the caller and the server map (given at U_BIND with
 * sys_pct_give). The server knows the caller by the env id the kernel
 * passes, never by what the page says. It answers a value >= 0 or
 * -(UNIX_EBASE + errno) (kernel errors of the call itself are small). */
#define UNIX_ARG_VA   0x00006b0000000000UL /* a client's argument page */
#define SRV_ARGS_VA   0x00006a0000000000UL /* server: the page of slot i at + i * 4096 */
#define UNIX_ARG_DATA (4096 - 64)
struct unix_arg {
    int64_t x[7]; /* extra arguments and results */
    /* 1 while the process sleeps in sys_block: written by the process
     * itself, read by the server for ps (U_ASLEEP), so sleeping costs no
     * call (a process can only lie about itself). */
    volatile int64_t asleep;
    char data[UNIX_ARG_DATA];
};
#define UNIX_ARG    ((struct unix_arg *)UNIX_ARG_VA)
#define UNIX_EBASE  0x10000
#define UNIX_ERR(e) (-(int64_t)(UNIX_EBASE + (e)))
enum unix_op {
    U_NOP = 0, /* -> how many calls the server found cut short (and repaired after) */
    U_BIND, /* a1: token (0: the caller is in the table already); -> slot of the page's capability
             */
    U_FORK, /* -> child pid; x[0]: the child's token */
    U_FORK_UNDO, /* a1: pid of a child that never bound */
    U_EXIT,      /* a1: wait status */
    U_REAP,      /* a1: pid of an ended child (a zombie may call it too) */
    U_KILLED,    /* a1: pid of a child we destroyed, a2: signal */
    U_SIGNAL,    /* a1: pid, a2: signal (1..64) */
    U_ASLEEP,    /* a1: a slot in procs -> 1 if that process says it sleeps (ARG_ASLEEP) */
    U_EXEC,      /* data: program name; -> x[0]: the new image's token */
    U_OPEN,      /* a1: O_ flags; data: absolute path -> fd */
    U_CLOSE,     /* a1: fd */
    U_DUP,       /* a1: fd, a2: new fd or -1 -> fd */
    U_PIPE,      /* -> read fd; x[0]: write fd */
    U_READ,      /* (none left: pipes are read on their ring) -> EBADF */
    U_WRITE,     /* a1: fd of a file, a2: bytes in data -> bytes written */
    U_SEEK,      /* a1: fd, a2: offset -> offset */
    U_UNLINK,    /* data: path */
    U_MKDIR,     /* data: path */
    U_RMDIR,     /* data: path */
    U_TTY_READ,  /* -> a byte of console input; x[0]: pids to interrupt, in data */
    U_TTY_PULL,  /* -> 1 if input came; x[0], data as for U_TTY_READ */
    U_TTY_FG,    /* a1: n; data: pids */
    U_SHMGET,    /* a1: key, a2: size, x[0]: flags -> id */
    U_SHMAT,     /* a1: id -> first page in the arena; x[0]: capabilities given, slots in data */
    U_SHMDT,     /* a1: address -> attachments left here; x[0], x[1]: first page, pages */
    U_SHMRM,     /* a1: id -> 0 */
    U_SHMMAP,    /* a1: id of an inherited attachment -> as U_SHMAT, not counted again */
    U_PIPEMAP,   /* a1: fd of a pipe -> slot of a copy of its ring's frame; x[0]: pipe, x[1]: gen */
    U_SIGTAKE,   /* -> 1 if signals were pending (x[0]: their mask, x[1]: last sender), cleared */
    U_RENAME,    /* data: old path, then at data + PATH_MAX the new one */
    U_CHMOD,     /* a1: mode (07777); data: path */
    U_TRUNC,     /* a1: size; data: path of a regular file */
    U_FTRUNC,    /* a1: fd of a regular file, a2: size */
    U_SYMLINK,   /* data: path of the link, then at data + PATH_MAX its target */
    U_LINK,      /* data: existing path, then at data + PATH_MAX the new name */
    /* The disk mounted at /disk (diskd, lib/diskfs/diskd.h): */
    U_MOUNT,    /* first process only, once: a1 call capability to diskd (our slot), a2 its block
                   capability (diskd's slot), x[0]: DISK_AT or DISK_ROOT -> 0, 1 if a file system
                   was made (with DISK_ROOT, x[1]: files copied from the boot image) */
    U_DREAD,    /* a1: fd of a disk file, a2: bytes (<= UNIX_ARG_DATA) -> bytes, in data */
    U_DSTAT,    /* a1: fd of a disk file, or -1 with a disk path in data -> 0; x[0..5]: ino,
                   mode, nlink, size, uid, gid */
    U_DREADDIR, /* a1: fd of a disk directory, a2: position -> 1 (x[0]: next position, x[1]:
                   inode, x[2]: 1 file 2 dir, data: name), 0 at the end */
    U_FSYNC,    /* a1: fd -> 0 (the disk file's data and metadata are on the disk) */
    U_SYNC,     /* -> 0 (the disk's file system committed) */
    U_SETID,    /* a1: uid, a2: gid (-1: unchanged; root may set any, others only their own) */
    U_CHOWN,    /* a1: uid, a2: gid (-1: unchanged); data: path (root only) */
    /* The network (netd, lib/net/netd.h; lib/unix/net): */
    U_NETD,   /* first process only, once: a1 call capability to netd (our slot), a2 ip | gw << 32,
                 x[0]: mask -> 0 */
    U_SOCKET, /* a1: type (1 stream, 2 datagram), a2: O_ flags (O_NONBLOCK) -> fd */
    U_NET,    /* a1: fd of a socket, a2: NETD_* op; x[0]: its a2, x[1..4]: the page's x[0..3], addr
                 in data[0..16), data at data + 64 -> its answer (accept: the new fd); x, data back */
    U_SETFL,  /* a1: fd, a2: O_NONBLOCK or 0 -> 0 */
    U_FCHMOD, /* a1: fd, a2: mode (07777) -> 0 (as U_CHMOD, by descriptor) */
    U_FCHOWN, /* a1: fd, a2: uid, x[0]: gid (-1: unchanged) -> 0 (as U_CHOWN, by descriptor) */
    U_NOPS
};
/* A call to the server (proc.c); retried while the server serves another. */
int64_t unix_call(uint64_t op, uint64_t a1, uint64_t a2);
#define unix_srv (unix_hot.srv) /* slot of our call capability to the server */

/* Wake-ups (proc.c). The first process creates one notification object;
 * every process holds a copy and has its own channel on it, its index in
 * SH->procs, bound to itself. A process that must wait (an empty pipe, no
 * console input, a child still running) notes its channel where the
 * other side will look (the server notes it), then sleeps in unix_block; the
 * other side rings the noted channels (unix_ring). A ring that comes
 * before the sleep ends it at once, so none is lost. */
#define unix_doorbell (unix_hot.doorbell) /* slot of our copy of the notification object */
#define unix_console                                                                               \
    (unix_hot.console) /* slot of our copy of the console's device capability (0: none) */
/* What a process and the child it forks both write as soon as fork
 * returns (our pid and channel, the lists of children, fork's hand-over to
 * the child; proc.c), on a page of its own: fork gives the child a copy of
 * it at once instead of sharing it copy-on-write (fork_give), which would
 * cost each side a fault right after the fork. */
struct unix_hot {
    int mypid;
    int chan;                        /* our channel */
    uint32_t srv, doorbell, console; /* unix_srv, unix_doorbell, unix_console (below) */
    uint32_t srv_original;           /* (proc.c's) */
    struct pmap_entry *pmap;         /* proc.c's page map, its size and use */
    uint64_t pmap_cap, pmap_used;
    /* Some frame we no longer map may still be shared with a child (a
     * ghost, proc.c's free_ghosts): set where one is left, cleared by a
     * scan of the table that finds none left; 1 in a new image (exec may
     * bring some). */
    int ghosts;
    struct {
        int pid;
        uint32_t cap; /* our original capability of the child's env */
    } children[NPROC];
    /* Children reaped while their envs linger (see linger_keep). */
    struct {
        uint32_t cap; /* capability of a reaped child whose env still runs (0: none) */
        int pid;
    } lingering[NPROC];
    uint64_t fork_jb[8]; /* (an exo_jmp_buf) */
    volatile int fork_child_pid;
    volatile uint64_t fork_child_token;
    /* The slots of the child's copies of the server's call capability, the
     * doorbell and the console (the parent made them), so that it need not
     * look for them (0: look). */
    volatile uint32_t fork_child_caps[3];
} __attribute__((aligned(4096)));
extern struct unix_hot unix_hot;
/* A frame we hold was unmapped while a child still shares it: free it
 * once nobody does (lib/linux's munmap and exec keep such frames). */
static inline void unix_note_ghost(void)
{
    unix_hot.ghosts = 1;
}
#define unix_mypid    (unix_hot.mypid)
#define unix_chan     (unix_hot.chan)
#define UNIX_CHAN_BIT (1UL << unix_chan)
void unix_ring(uint64_t chans);                   /* rings every channel in the mask */
__attribute__((noreturn)) void unix_die(int sig); /* ends this process "by signal sig" */
void unix_block(void); /* sleeps until rung (or any event); acts on signals */
extern struct fs unix_fs;

/* fd.c */
void fd_init_first(
    void);            /* the first process, before the server starts: formats the FS, fills it */
void fd_attach(void); /* every process: its (read-only) handle on the file system */
void fd_export(char *cwd); /* exec: PATH_MAX bytes (descriptors stay with the pid) */
void fd_import(const char *cwd);

/* For the Linux personality (lib/linux): a descriptor's enum ofile_type
 * (-1: none), and whether a page is copy-on-write in this process. */
int fd_type(int fd);
/* Readiness of descriptor fd for events (Linux's POLLIN 1, POLLOUT 4):
 * the events that hold, with POLLERR 8, POLLHUP 0x10, POLLNVAL 0x20. With
 * arm set, also notes us where whoever changes that rings us (a pipe's
 * waiters, the console's interrupt), so that a unix_block after it wakes
 * when it may have changed. */
int fd_poll(int fd, int events, int arm);
int unix_page_cow(uint64_t va);
void unix_page_cow_set(uint64_t va, uint32_t slot, int cow);
/* If set, a signal sent to this process goes to the hook instead of ending
 * it (taken off the table first); the hook returns 0 to have it end the
 * process after all (its default action). */
extern int (*unix_signal_hook)(int sig);
/* If set, a fault that would end the process (SIGSEGV) is offered to the
 * hook first: it returns 1 if it changed the frame to go on elsewhere. */
struct upcall_frame;
extern int (*unix_fault_hook)(struct upcall_frame *f);
/* Who sent the signal the hook is called for (0: not known). */
extern int unix_sig_sender;
/* Sends sig (1..64) to another process through the process table: it acts
 * on it at the end of its time slot or when it waits (a Linux process's
 * hook runs its handler); unlike kill, never deletes a child's env. */
int unix_sigsend(pid_t pid, int sig);
/* If set, asked by the calls that wait (a pipe's read or write, console
 * input, waitpid, tty_waitpid) before each sleep: nonzero makes the call
 * fail with EINTR (a signal's handler is due). */
extern int (*unix_intr_hook)(void);
/* If set, those calls fail with EAGAIN instead of waiting (O_NONBLOCK, set
 * by the Linux personality around a call on such a descriptor). */
extern int unix_nonblock;
/* If nonzero, unix_block wakes by then (a TSC value) at the latest: the
 * Linux personality's alarm and poll timeouts. */
extern uint64_t unix_wake_tsc;
/* If set, an exiting process (exit, a signal) waits, a zombie already, for
 * its children to end before its env goes (they would end with it): the
 * Linux personality's orphans live on. */
extern int unix_linger;
/* How many children have ended and are not reaped yet (proc.c). */
int unix_children_ended(void);
/* An ended child not reaped yet: its pid and wait status (1), or 0. */
int unix_ended_child(pid_t *pid, int *status);

/* shm.c: a forked child maps the segments it inherited. */
void shm_child_attach(void);
/* Whether va lies in a segment we have attached; the pages of [lo, hi)
 * (one such segment) that are not mapped mapped again with perms (the
 * Linux personality's PROT_NONE, undone). */
int shm_attached(uint64_t va);
/* Every segment we have attached detached, but the one at keep (the Linux
 * personality's execve). */
void shm_detach_all(const void *keep);
int shm_remap(uint64_t lo, uint64_t hi, uint32_t perms);

/* fork's working buffers (proc.c), on pages of their own that a child is
 * not given (mapped by a process's first fork). */
#define UNIX_FORK_VA 0x00006f0000000000UL

/* proc.c's page map (which pages are copy-on-write), on pages of its own:
 * the table at UNIX_PMAP_VA or UNIX_PMAP_VA + UNIX_PMAP_AREA (the next
 * bigger one is made in the other area while it grows). In the gigabyte
 * of UNIX_ARG_VA, so that it takes a page table of its own but no
 * directories. */
#define UNIX_PMAP_VA   (UNIX_ARG_VA + (2UL << 20))
#define UNIX_PMAP_AREA (16UL << 20)

/* What exec hands to the new program, on a page at EXEC_INFO_VA. */
#define EXEC_INFO_VA 0x00006d0000000000UL
#define EXEC_MAXARG  32
struct exec_info {
    uint64_t magic;
    int pid;
    int argc;
    uint32_t argv_off[EXEC_MAXARG]; /* offsets of the strings in strings[] */
    uint64_t token;                 /* presented to the server at U_BIND */
    char cwd[PATH_MAX];
    int child_pid[NPROC];
    uint32_t child_cap[NPROC];
    int linger_pid[NPROC]; /* children reaped whose envs linger (proc.c) */
    uint32_t linger_cap[NPROC];
    char strings[1024];
};
#define EXEC_MAGIC 0x4558454346524f4dUL
_Static_assert(sizeof(struct exec_info) <= 4096, "exec's page holds struct exec_info");

#endif
