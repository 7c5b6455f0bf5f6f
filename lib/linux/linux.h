/* The Linux personality: unmodified Linux x86-64 programs as processes of
 * the Unix library OS. The program and this library OS share one env, a
 * foreign-ABI env (sys_env_set_foreign): the program's `syscall`
 * instructions come back to lx_entry (entry.S) as upcalls, are answered
 * here by Linux number (sys.c) on top of lib/unix, and resume in user
 * mode. The personality itself is linked high (LX_RUNNER_VA) and enters the
 * kernel by the int 0x81 gate (built with -DEXO_FOREIGN); the program's
 * memory is everything below LX_TOP. See docs/linux-abi.md. */
#ifndef LIB_LINUX_H
#define LIB_LINUX_H

#include <stdint.h>
#include <stddef.h>
#include "../exo/exo.h"

/* The program's part of the address space: every pointer it passes must
 * lie in [USER_MIN, LX_TOP) (lib/c's heap starts at LX_TOP), outside the
 * personality's own image, linked at LX_RUNNER_VA (under 2 GiB, for gcc's
 * small code model; above where Linux links programs and their brk). */
#define LX_RUNNER_VA   0x0000000070000000UL
#define LX_TOP         0x0000080000000000UL
#define LX_PIE_BASE    0x0000005555554000UL /* ET_DYN programs (as Linux without ASLR, / 256) ... */
#define LX_INTERP_BASE 0x0000007ff7fc3000UL /* ... and their interpreter */
#define LX_MMAP_BASE   0x0000010000000000UL /* anonymous and file mappings, upwards */
#define LX_STACK_TOP   0x0000070000000000UL
#define LX_FILE_VA     0x00000a0000000000UL /* lx_read_file's buffers (above LX_TOP, lib/c's heap) */
#define LX_SCRATCH_VA  0x00000b0000000000UL /* load.c's split_block copies through here */
#define LX_STACK_SIZE  (256UL << 10)
#define LX_BRK_MAX     (1UL << 30)
_Static_assert(LX_PIE_BASE < LX_TOP && LX_INTERP_BASE < LX_TOP, "inside the program's part");

/* Linux errno values (the same numbers as lib/unix's). */
#define LX_EPERM        1
#define LX_ENOENT       2
#define LX_ESRCH        3
#define LX_EINTR        4
#define LX_EIO          5
#define LX_ENXIO        6
#define LX_E2BIG        7
#define LX_ENOEXEC      8
#define LX_EBADF        9
#define LX_ECHILD       10
#define LX_EAGAIN       11
#define LX_ENOMEM       12
#define LX_EACCES       13
#define LX_EFAULT       14
#define LX_EEXIST       17
#define LX_ENODEV       19
#define LX_ENOTDIR      20
#define LX_EISDIR       21
#define LX_EINVAL       22
#define LX_EMFILE       24
#define LX_ENOTTY       25
#define LX_ESPIPE       29
#define LX_ERANGE       34
#define LX_ENOLCK       37
#define LX_ENOSYS       38
#define LX_ENAMETOOLONG 36
#define LX_EOVERFLOW    75
#define LX_ELIBBAD      80
#define LX_ENOTSUP      95

/* What the loader made: where the program starts. */
struct lx_image {
    uint64_t entry;      /* first instruction (the interpreter's if any) */
    uint64_t phdr;       /* AT_PHDR */
    uint64_t phnum;      /* AT_PHNUM */
    uint64_t base;       /* AT_BASE: the interpreter's load address, 0 without */
    uint64_t prog_entry; /* AT_ENTRY */
    uint64_t brk;        /* end of the highest segment, page-aligned */
    uint64_t rsp;        /* the initial stack pointer */
};

/* load.c */
/* Reads path; -LX_ENOEXEC if it is not a Linux program we can run, other
 * -errno on failure. On success *buf is a malloc'd copy of the file. */
long lx_read_file(const char *path, uint8_t **buf, uint64_t *size);
/* Gives back what lx_read_file read into (not free: see load.c). */
void lx_free_file(uint8_t *buf);
long lx_check_elf(const uint8_t *img, uint64_t size);
/* The interpreter of a checked image (PT_INTERP) can be loaded: 0 (or no
 * interpreter), else execve's error (ENOENT, EACCES, EIO, ELIBBAD). */
long lx_check_interp(const uint8_t *img);
/* Maps the program (and its interpreter) and builds the initial stack with
 * argv, envp and auxv; the process's program part must be empty. */
long lx_load(const char *path, const uint8_t *img, uint64_t size, char *const argv[],
             char *const envp[], struct lx_image *out);
/* Program memory (the frames mapped below LX_TOP). */
long lx_map_anon(uint64_t va, uint64_t len, uint32_t perms); /* MMU_W | MMU_X */
/* The same for a mapping that will stay read-only (blocks: load.c). */
long lx_map_blocks(uint64_t va, uint64_t len, uint32_t perms);
long lx_unmap(uint64_t va, uint64_t len);
long lx_protect(uint64_t va, uint64_t len, uint32_t perms);
void lx_unmap_all(void);
/* In a forked child: the parent's list of shared blocks is not ours. */
void lx_blocks_forget(void);
/* Whether [va, va+len) lies in the program's part (no overflow). */
int lx_range(uint64_t va, uint64_t len);
/* Maps the page at va if it is an untouched page of the demand-zero
 * ranges (the stack, the brk area, anonymous regions not PROT_NONE): 1 if
 * it did. */
int lx_demand(uint64_t va);
/* Anonymous private memory: [va, va+len) made a demand-zero region with
 * prot (PROT_* bits; 0: PROT_NONE, not accessible); nothing is mapped. */
long lx_vma_anon(uint64_t va, uint64_t len, uint32_t prot);
/* mprotect of [va, va+len): -LX_ENOMEM if a page is not mapped. PROT_NONE
 * unmaps the pages, keeping their contents for a later mprotect. */
long lx_mprotect(uint64_t va, uint64_t len, uint32_t prot);
/* Whether va lies in a PROT_NONE region; whether [va, va+len) meets any
 * region. */
int lx_vma_none(uint64_t va);
int lx_vma_any(uint64_t va, uint64_t len);
/* MAP_SHARED anonymous memory (lib/unix's shm arena): whether the page at
 * va is attached (PROT_NONE too); mprotect of [va, va+len) (ENOMEM if a
 * page is not attached); in a forked child, the parent's protections
 * again; after a detach; a new segment. */
int lx_shm_mapped(uint64_t va);
long lx_shm_protect(uint64_t va, uint64_t len, uint32_t prot);
void lx_shm_child(void);
void lx_shm_detached(void);
void lx_shm_fresh(uint64_t va, uint64_t len);
/* Whether [va, va+len) lies in one region or in none. */
int lx_vma_one(uint64_t va, uint64_t len);
/* Whether the page at va is mapped (touched or not, PROT_NONE too); the
 * PROT_* bits of the mapping there. */
int lx_mapped(uint64_t va);
uint32_t lx_prot_at(uint64_t va);
/* madvise(MADV_DONTNEED) of [va, end): its anonymous pages are dropped
 * (demand-zero again); the rest keep their contents. */
long lx_dontneed(uint64_t va, uint64_t end);
/* mremap's move of [from, from+olen) to a new region [to, to+nlen) with
 * prot: the pages that hold something are copied, the rest stay
 * demand-zero; the old range is unmapped. */
long lx_move(uint64_t from, uint64_t olen, uint64_t to, uint64_t nlen, uint32_t prot);
/* Whether [p, p+n) is program memory readable (write 0) or writable (1)
 * (demand-zero pages in it are mapped first). */
int lx_ok(uint64_t p, uint64_t n, int write);
/* A NUL-terminated string of the program (at most max bytes with the NUL):
 * its length, or -errno. */
long lx_strlen(uint64_t p, size_t max);

/* sys.c */
struct lx_proc {
    char exe[256]; /* path of the running image (/proc/self/exe) */
    uint64_t brk_start, brk_cur, brk_mapped;
    uint64_t mmap_next;
    uint64_t fs_base;
    uint64_t clear_tid; /* set_tid_address, CLONE_CHILD_CLEARTID */
    uint32_t umask;
    int strace;            /* SPINEL_STRACE=1, or =/PATH: ... */
    char strace_file[128]; /* ... the lines appended to PATH ("": the console) */
    uint64_t cloexec;      /* descriptors to close at execve (bit per fd) */
    struct lx_sigaction {
        uint64_t handler, flags, restorer, mask;
    } sig[65];
    uint64_t sigmask;
    uint64_t nosys; /* calls answered -ENOSYS */
};
extern struct lx_proc lx;
void lx_syscall(struct upcall_frame *f);
/* A signal for this process: 1 if taken (ignored, or pending for its
 * handler), 0 if its default action ends the process (lib/unix's hook). */
int lx_signal(int sig);
/* lock.c: fcntl's record locks; close and exit drop them. */
long lx_lock(int fd, int cmd, uint64_t arg);
void lx_lock_close(int fd);
void lx_lock_exit(void);
/* The address of the lock table's segment (NULL: not attached). */
const void *lx_lock_table(void);
/* Installs lib/unix's hooks: signals, EINTR for waits, faults (SIGSEGV). */
void lx_signals_init(void);
/* Starts the image: becomes foreign-ABI and jumps to it; does not return. */
__attribute__((noreturn)) void lx_start(const struct lx_image *im);
/* net.c: the socket calls (lib/unix's sockets), table entries of sys.c */
#define LX_NET_ARGS                                                                                \
    uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, struct upcall_frame *
long lx_socket(LX_NET_ARGS);
long lx_connect(LX_NET_ARGS);
long lx_accept(LX_NET_ARGS);
long lx_accept4(LX_NET_ARGS);
long lx_sendto(LX_NET_ARGS);
long lx_recvfrom(LX_NET_ARGS);
long lx_sendmsg(LX_NET_ARGS);
long lx_recvmsg(LX_NET_ARGS);
long lx_shutdown(LX_NET_ARGS);
long lx_bind(LX_NET_ARGS);
long lx_listen(LX_NET_ARGS);
long lx_getsockname(LX_NET_ARGS);
long lx_getpeername(LX_NET_ARGS);
long lx_socketpair(LX_NET_ARGS);
long lx_setsockopt(LX_NET_ARGS);
long lx_getsockopt(LX_NET_ARGS);
/* entry.S */
void lx_entry(void);
void lx_fast_entry(void);
/* sys.c: lx_fast_entry's dispatch (0: resume lean; 1, 2: lx_fast_full). */
int lx_fast(struct upcall_frame *f);
void lx_fast_full(struct upcall_frame *f, int how);
__attribute__((noreturn)) void lx_jump(uint64_t rip, uint64_t rsp);

#endif
