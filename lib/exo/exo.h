/* libexo: the user side of the exokernel interface. The kernel-call stubs
 * are generated from kernel/kcalls.tbl (exo_calls.h); the rest are helpers
 * for upcalls, capabilities and mappings (exo.c, upcall.S). */
#ifndef LIBEXO_EXO_H
#define LIBEXO_EXO_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <spinel/syscall.h>
#include <spinel/errno.h>
#include <spinel/layout.h>
#include <spinel/exo.h>
#include <spinel/net.h>
#include <spinel/stat.h>

/* The kernel-call ABI: number in rax, arguments in rdi, rsi, rdx, r10, r8,
 * r9; result in rax (and a second word in rdx for sys_pct_call). Like a
 * function call, every caller-saved register may be changed; rbx, rbp, rsp
 * and r12-r15 are preserved. */
/* Programs built with -DEXO_FOREIGN (the Linux personality's, whose env is
 * foreign-ABI: `syscall` is reflected to the library OS) enter the kernel
 * by the `int $KCALL_GATE_VECTOR` gate instead; the same registers. */
#ifdef EXO_FOREIGN
#define EXO_KCALL_INSN "int $0x81"
#else
#define EXO_KCALL_INSN "syscall"
#endif
static inline long exo_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
    register long rdi __asm__("rdi") = a1;
    register long rsi __asm__("rsi") = a2;
    register long rdx __asm__("rdx") = a3;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile(EXO_KCALL_INSN
                     : "+a"(n), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    return n;
}

#include <exo_calls.h>

/* sys_env_status results */
#define ENV_STATUS_EXIT        1
#define ENV_STATUS_FAULT       2
#define ENV_STATUS_TIMEOUT     3
#define ENV_STATUS_KILLED      4
#define ENV_STATUS(kind, code) ((kind) << 8 | ((code)&0xff))

/* The env's information page (read-only). */
#define exo_info ((const volatile struct env_info *)ENV_INFO_VA)

/* A protected call returning both reply words. */
static inline long exo_pct_call2(uint32_t env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *r1)
{
    long ret = SYS_pct_call;
    register long rdi __asm__("rdi") = (long)env;
    register long rsi __asm__("rsi") = (long)a0;
    register long rdx __asm__("rdx") = (long)a1;
    register long r10 __asm__("r10") = (long)a2;
    register long r8 __asm__("r8") = 0;
    register long r9 __asm__("r9") = 0;
    __asm__ volatile(EXO_KCALL_INSN
                     : "+a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    *r1 = (uint64_t)rdx;
    return ret;
}

/* ---- upcalls (upcall.S, exo.c) ---- */

/* A handler gets the frame the kernel pushed; it returns to resume the
 * interrupted context as the frame now says (it may edit it), entirely in
 * user mode. */
typedef void (*exo_handler_t)(struct upcall_frame *f);

/* Installs handler for an upcall kind, on an exception stack libexo owns. */
int exo_set_handler(int kind, exo_handler_t handler);
extern exo_handler_t exo_handlers[UPCALL_NKINDS]; /* the installed ones (NULL: none) */
/* Installs the protected entry: fn(a0, a1, a2, caller) runs on its own stack
 * and its return value is the reply (sys_pct_reply(ret, 0)). */
typedef uint64_t (*exo_pct_fn)(uint64_t a0, uint64_t a1, uint64_t a2, uint32_t caller);
int exo_set_pct_entry(exo_pct_fn fn);
/* Addresses of libexo's own stacks: a copy of an env must get fresh pages
 * there, never shared or copy-on-write ones. */
void exo_private_range(uint64_t *lo, uint64_t *hi);
/* The part of that range that is the protected-entry stack: a copy of an
 * env without a protected entry (exo_set_pct_entry) needs no pages there;
 * exo_set_pct_entry maps any that are missing. */
void exo_pct_stack_range(uint64_t *lo, uint64_t *hi);
/* The entry points libexo registered (to give a forked child the same). */
const struct env_entries *exo_entries(void);
/* setjmp/longjmp over callee-saved registers (upcall.S). */
typedef uint64_t exo_jmp_buf[8];
int exo_setjmp(exo_jmp_buf jb) __attribute__((returns_twice));
__attribute__((noreturn)) void exo_longjmp(exo_jmp_buf jb, int v);
/* Restores every register from f and jumps to f->rip (upcall.S). */
__attribute__((noreturn)) void exo_resume(const struct upcall_frame *f);

/* ---- memory helpers ---- */
/* Makes [p, p+n) writable by writing each of its pages (a copy-on-write page
 * breaks in user mode, in the library OS's fault handler). The kernel never
 * takes a fault for its caller: a buffer it writes must be writable, or the
 * call fails with E_FAULT. */
static inline void exo_touch(void *p, size_t n)
{
    volatile char *c = (volatile char *)p;
    for (size_t off = 0; off < n; off = (off | 4095) + 1)
        c[off] = c[off];
    if (n)
        c[n - 1] = c[n - 1];
}
/* Allocates a frame and maps it at va (writable); returns the cap slot. */
long exo_page_alloc_map(uint64_t va, bool writable);
/* Maps / unmaps one frame capability in env (CAP_SELF for the caller). */
long exo_map(uint32_t env, uint32_t cap, uint64_t va, uint32_t perms);
long exo_unmap(uint32_t env, uint32_t cap);
long exo_protect(uint32_t env, uint32_t cap, uint32_t perms);
/* Maps cap where old is mapped in env, in its place, in one step (MMU_REMAP). */
long exo_remap(uint32_t env, uint32_t old, uint32_t cap, uint32_t perms);
/* The page-table entry for va through the read-only window (0 if none). */
uint64_t exo_pte(uint64_t va);

/* ---- envs ---- */
/* Creates an env running the boot-image program `name` with `quota` pages of
 * memory and one time slot (whose capability is in the env's table), with a
 * credit on all the caller's object quotas (sys_env_quota, keeping none): its
 * slot and whatever objects it makes come out of the caller's. Returns the
 * env capability's slot; deleting it destroys the env. */
long exo_spawn(const char *name, uint64_t quota);
/* Yields until env has ended (at most max_yields times; -1: no limit); returns
 * sys_env_status's answer. */
long exo_wait(uint32_t env, long max_yields);

/* ---- extensions ---- */
/* The index of the program named `name` (its section) in a module, or -E_NOENT. */
long exo_ext_find(uint32_t module, const char *name);

#endif
