/* What the components of the Unix library OS share: the layout of the
 * memory every process maps (process table, open files, pipes, the file
 * system), and the per-process hooks between components. */
#ifndef LIBUNIX_INTERNAL_H
#define LIBUNIX_INTERNAL_H

#include "unix.h"
#include "fs/fs.h"

#define UNIX_SHARED_VA   0x0000680000000000UL
#define UNIX_PROC_SIZE   (2UL << 20) /* one 2 MiB block: tables and pipes */
#define UNIX_FS_VA       (UNIX_SHARED_VA + UNIX_PROC_SIZE)
#define UNIX_FS_BLOCKS   4 /* 2 MiB blocks of file system */
#define UNIX_FS_SIZE     (UNIX_FS_BLOCKS * (2UL << 20))
#define UNIX_SHARED_SIZE (UNIX_PROC_SIZE + UNIX_FS_SIZE)

#define NOFILE_SYS 256 /* open file descriptions, system-wide */
#define NPIPE      16
#define TTY_BUF    1024 /* console input read ahead */
#define PIPE_SIZE  4096

struct proc {
    int pid, ppid, state, status;
    int pending; /* a signal sent by a process that is not the parent (acted on at slot start) */
    volatile int sleeping; /* asleep in sys_block (for ps; written by the process itself) */
    uint32_t env_id;
    char name[32];
};

enum ofile_type { OF_FREE = 0, OF_CONSOLE, OF_FILE, OF_DIR, OF_PIPE_R, OF_PIPE_W };

/* An open file description, shared by the descriptors (in any process)
 * that refer to it. */
struct ofile {
    int refs;
    int type;
    int flags;    /* O_* */
    int pipe;     /* OF_PIPE_*: index in pipes[] */
    uint32_t ino; /* OF_FILE, OF_DIR */
    uint64_t off;
};

struct pipe {
    int readers, writers;  /* open descriptions of each end */
    uint32_t head, tail;   /* bytes read / written so far (mod 2^32) */
    uint64_t rwait, wwait; /* channels (procs[] indices) of processes waiting to read / write */
    char buf[PIPE_SIZE];
};

/* Shared memory segments (lib/unix/shm): pages of the arena, the rest of
 * the first 2 MiB block after struct shared. */
#define NSHM            32
#define SHM_ARENA_OFF   (256UL << 10)
#define SHM_ARENA_VA    (UNIX_SHARED_VA + SHM_ARENA_OFF)
#define SHM_ARENA_PAGES ((UNIX_PROC_SIZE - SHM_ARENA_OFF) >> 12) /* 448 */
#define SHM_MAP_WORDS   ((SHM_ARENA_PAGES + 63) / 64)

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
    /* The lock protects everything in this struct: the process table, open
     * files, pipes, the segment table, the arena bitmap and the attachment
     * counts (not the segments' contents: those are the programs' own). */
    volatile uint32_t lock;
    int next_pid;
    struct proc procs[NPROC];
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
};
#define SHARED_MAGIC 0x53504e4c554e4958UL
#define SH           ((struct shared *)UNIX_SHARED_VA)
_Static_assert(sizeof(struct shared) <= SHM_ARENA_OFF, "struct shared overlaps the shm arena");
_Static_assert(SHM_ARENA_OFF % 4096 == 0 && SHM_ARENA_OFF < UNIX_PROC_SIZE, "shm arena");

void sh_lock(void);
void sh_unlock(void);
extern int unix_mypid;

/* Wake-ups (proc.c). The first process creates one notification object;
 * every process holds a copy and has its own channel on it, its index in
 * SH->procs, bound to itself. A process that must wait (an empty pipe, no
 * console input, a child still running) notes its channel where the
 * other side will look (under sh_lock), then sleeps in unix_block; the
 * other side rings the noted channels (unix_ring). A ring that comes
 * before the sleep ends it at once, so none is lost. */
extern uint32_t unix_doorbell; /* slot of our copy of the notification object */
extern uint32_t unix_console;  /* slot of our copy of the console's device capability (0: none) */
extern int unix_chan;          /* our channel */
#define UNIX_CHAN_BIT (1UL << unix_chan)
void unix_ring(uint64_t chans); /* rings every channel in the mask */
__attribute__((noreturn)) void unix_die(int sig); /* ends this process "by signal sig" */
void unix_block(void);          /* sleeps until rung (or any event); acts on signals */
extern struct fs unix_fs;

/* fd.c */
void fd_init_first(void);   /* the first process: formats the FS, fills it, opens the console */
void fd_attach(void);       /* every process: its handle on the file system */
void fd_fork_prepare(void); /* before a fork's snapshot: the child will share every open file */
void fd_fork_undo(void);    /* the fork failed */
void fd_close_all(void);    /* exit */
void fd_export(int *fds, char *cwd); /* exec: NOFILE descriptors and PATH_MAX bytes */
void fd_import(const int *fds, const char *cwd);

/* shm.c: attachments follow the process-table slot (sh_lock held for both). */
void shm_fork_locked(const struct proc *parent, const struct proc *child); /* child inherits */
/* Every attachment of p goes: exit, exec, a fatal fault, kill, a failed
 * fork, wait. */
void shm_drop_locked(const struct proc *p);

/* What exec hands to the new program, on a page at EXEC_INFO_VA. */
#define EXEC_INFO_VA 0x00006d0000000000UL
#define EXEC_MAXARG  32
struct exec_info {
    uint64_t magic;
    int pid;
    int argc;
    uint32_t argv_off[EXEC_MAXARG]; /* offsets of the strings in strings[] */
    int fdtab[NOFILE];
    char cwd[PATH_MAX];
    int child_pid[NPROC];
    uint32_t child_cap[NPROC];
    char strings[1024];
};
#define EXEC_MAGIC 0x4558454346524f4dUL

#endif
