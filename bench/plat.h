/*
 * plat.h - platform layer of the Spinel microbenchmark suite.
 *
 * bench/bench.c holds the measurement logic and is shared by every
 * platform.  It never calls libc: everything it needs from the system goes
 * through the plat_* functions declared here.  A platform (plat_linux.c,
 * plat_spinel.c, ...) implements ALL of them; a platform that cannot run a
 * row makes that row's setup function return PLAT_UNSUPPORTED, and bench.c
 * then prints "BENCH <name> n/a".
 *
 * The header is freestanding-friendly: it only needs <stdint.h> and
 * <stddef.h>, which gcc provides even with -ffreestanding.
 *
 * Calling conventions
 *  - setup functions return PLAT_OK, PLAT_UNSUPPORTED or PLAT_ERROR.  They
 *    run once per row, before the warm-up batch, outside the timed region.
 *  - op functions are the timed operations.  They return 0 on success and
 *    non-zero on failure; bench.c abandons the row on the first failure.
 *    They are called through a function pointer from the timing loop, so
 *    keep them free of debugging output.
 *  - teardown functions run once after the row, outside the timed region;
 *    they are called whenever setup returned PLAT_OK.
 */
#ifndef SPINEL_BENCH_PLAT_H
#define SPINEL_BENCH_PLAT_H

#include <stddef.h>
#include <stdint.h>

enum {
    PLAT_OK = 0,
    PLAT_UNSUPPORTED = 1,
    PLAT_ERROR = 2,
};

/* ---- environment ---------------------------------------------------- */

/* Called first, before any other plat_* function.  Returns PLAT_OK or
 * PLAT_ERROR (bench.c then prints an error line, no BENCH-END, and calls
 * plat_exit(1)). */
int plat_init(void);

/* Write a NUL-terminated string to the benchmark console (serial port).
 * bench.c only ever prints whole lines ending in '\n'. */
void plat_print(const char *s);

/* Name of the platform, printed as "BENCH-INFO platform <name> ...". */
const char *plat_name(void);

/* End the run.  On a machine of its own (Linux as PID 1, Spinel) this
 * powers the machine off so that QEMU exits; as an ordinary process it
 * just exits with 'code'. */
_Noreturn void plat_exit(int code);

/* ---- null_call: the cheapest kernel entry and return ---------------- */

/* Linux: syscall(SYS_getpid).  Spinel: the cheapest system call. */
int plat_null_call(void);

/* ---- exception_rt: invalid opcode -> user handler -> resume --------- */

/* Install a user-level handler for the invalid-opcode exception (#UD)
 * that resumes execution 2 bytes after the faulting instruction.  The
 * timed operation (in bench.c) executes a ud2 instruction. */
int plat_exception_setup(void);
void plat_exception_teardown(void);

/* ---- prot_fault: write-protect a page, take the fault, unprotect ---- */

/* Return a page-aligned, writable, touched page of 4096 bytes in *page and
 * install a handler for write faults on it that makes the page writable
 * again and resumes the faulting instruction. */
int plat_prot_fault_setup(void **page);
/* Make 'page' read-only (the timed op then writes to it). */
int plat_page_protect_ro(void *page);
void plat_prot_fault_teardown(void *page);

/* ---- pct_rt: protected control transfer round trip ------------------- */

/* Create a partner domain with a protected entry that returns its argument
 * (one register word in, one out, no buffer).  Linux has no such primitive
 * (a synchronous call into another address space): PLAT_UNSUPPORTED. */
int plat_pct_setup(void);
/* Call the partner with one word and check the echo. */
int plat_pct_roundtrip(void);
void plat_pct_teardown(void);

/* ---- map_touch_unmap ------------------------------------------------ */

/* Map one fresh anonymous (zero-filled) 4096-byte page, readable and
 * writable; NULL on failure.  The mapping must not be populated eagerly:
 * bench.c's write is what touches it. */
void *plat_map_page(void);
int plat_unmap_page(void *page);
/* Called once before the row: PLAT_UNSUPPORTED hides the row.  A platform
 * that pages on demand in user space (Spinel's library OS) installs its
 * page-fault handler here and removes it in plat_map_teardown. */
int plat_map_setup(void);
void plat_map_teardown(void);

/* ---- yield ---------------------------------------------------------- */

/* Create a second runnable domain/process that yields in a loop and adds
 * 1 to a 64-bit counter shared with the caller after each of its yields
 * returns; store the counter's address in *counter.  The two must
 * alternate strictly: each plat_yield switches to the partner, whose yield
 * switches back.  bench.c checks that the counter grew by exactly one
 * across every plat_yield (and fails the row otherwise), and counts one
 * iteration as TWO yields (each = yield call + switch to the other
 * domain). */
int plat_yield_setup(volatile uint64_t **counter);
/* Give up the CPU once (to the partner). */
int plat_yield(void);
/* Stop the partner. */
void plat_yield_teardown(void);

/* ---- domain_create: create a domain/process that exits at once, and
 *      wait for it ---------------------------------------------------- */

int plat_domain_setup(void);
/* Linux: vfork() + execve() of a 3-instruction static binary that calls
 * exit(0) (/bin/exit0 in the initramfs), waitpid().  Spinel: spawn a tiny
 * env from the boot image, which exits, and wait for it.  (The fork row is
 * unix_fork_exit_wait.) */
int plat_domain_create_exit_wait(void);
void plat_domain_teardown(void);

/* ---- ext_exception_rt / ext_pct_rt: the same events handled by a
 *      verified extension inside the kernel, no upcall ------------------ */

/* Attach an in-kernel handler that skips ud2 (PLAT_UNSUPPORTED where the
 * kernel takes no such extensions). */
int plat_ext_exception_setup(void);
void plat_ext_exception_teardown(void);
/* A partner whose calls are answered by an in-kernel handler. */
int plat_ext_pct_setup(void);
int plat_ext_pct_roundtrip(void);
void plat_ext_pct_teardown(void);

/* ---- net_ash_ping_rt: an ICMP echo answered in the kernel -------------
 * Spinel: an endpoint sends an echo request on the loopback device
 * (sys_net_tx); another endpoint's filters claim it and its ASH answers in
 * the kernel; the reply lands in the first endpoint's ring. PLAT_UNSUPPORTED
 * elsewhere. */
int plat_net_ping_setup(void);
int plat_net_ping_roundtrip(void);
void plat_net_ping_teardown(void);

/* ---- thread_create_join / mutex_uncontended / thread_switch: threads
 *      inside one domain (Linux: pthreads; Spinel: lib/unix/thread) ---- */

/* Create a thread whose function returns at once, and join it. */
int plat_thread_create_join(void);
/* Lock and unlock a mutex no other thread uses. */
int plat_mutex_lock_unlock(void);
/* Create a partner thread that yields in a loop; as for yield, the two
 * alternate strictly and one iteration counts as TWO switches. */
int plat_thread_switch_setup(void);
/* Yield the CPU once (to the partner thread). */
int plat_thread_switch(void);
/* Stop and join the partner. */
void plat_thread_switch_teardown(void);

/* ---- unix_fork_exit_wait: the Unix process model's fork + _exit + wait
 *      (Linux: the kernel's fork; Spinel: the library OS's copy-on-write
 *      fork over the exokernel interface) -------------------------------- */
int plat_unix_fork_setup(void);
int plat_unix_fork_exit_wait(void);
/* 1-byte round trip through two pipes to a forked child (Linux: kernel
 * pipes; Spinel: pipes of the Unix library OS). */
int plat_unix_pipe_setup(void);
int plat_unix_pipe_roundtrip(void);
void plat_unix_pipe_teardown(void);

/* ---- bb_fork_exit_wait, bb_sh_c_true: busybox-sized processes --------
 * bb_fork_exit_wait: fork + _exit + wait as in unix_fork_exit_wait, by a
 * process that also holds an image of /bin/busybox (Debian's static
 * busybox, 1.9 MB), every page touched: Linux maps its PT_LOAD segments
 * from the file as a loader does (and writes one byte in each page of the
 * writable one); Spinel reads the file into memory.  PLAT_UNSUPPORTED
 * without /bin/busybox. */
int plat_bb_fork_setup(void);
int plat_bb_fork_exit_wait(void);
void plat_bb_fork_teardown(void);
/* bb_sh_c_true: what a shell does for the command `busybox sh -c true`:
 * fork, execve("/bin/busybox", {"sh", "-c", "true"}), wait; one op = all
 * of it, end to end.  Spinel (native): its own /bin/sh -c true. */
int plat_sh_setup(void);
int plat_sh_c_true(void);

/* ---- model checks ---------------------------------------------------- */

/* 'bytes' (a multiple of 4096) of zero-filled writable memory for the cost
 * model's known cases; NULL on failure.  Never freed. */
void *plat_alloc(size_t bytes);

/* ---- provided by bench.c ------------------------------------------- */

/* Run the whole suite, print the BENCH lines, then call plat_exit.  The
 * platform's entry code (Linux: main) calls this once. */
_Noreturn void bench_main(void);

#endif /* SPINEL_BENCH_PLAT_H */
