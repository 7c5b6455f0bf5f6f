/* Kernel calls. Arguments arrive in rdi, rsi, rdx, r10, r8, r9; the call
 * number in rax; the result goes back in rax (>= 0 success, -E_xxx error).
 * Above each call: its contract. */
#include "kernel.h"
#include "trap.h"
#include "cpu.h"
#include "env.h"
#include "pmem.h"
#include "uaccess.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lapic.h"
#include <spinel/syscall.h>

typedef s64 (*kcall_fn)(u64, u64, u64, u64, u64, u64);

/* sys_null() -> 0
 * Does nothing; measures the cost of entering and leaving the kernel.
 * Rights: none. Errors: none. */
static s64 sys_null(void)
{
    return 0;
}

/* sys_cputs(buf, len) -> len
 * Writes len bytes at user address buf to the console.
 * Rights: none (the console is shared). Errors:
 *   -E_FAULT  [buf, buf+len) is not entirely mapped user memory (NULL, kernel
 *             addresses, unmapped pages, or buf+len overflows);
 *   -E_RANGE  len > 1 MiB. */
static s64 sys_cputs(u64 buf, u64 len)
{
    if (len > (1 << 20))
        return -E_RANGE;
    if (!user_range_ok(buf, len))
        return -E_FAULT;
    char chunk[256];
    for (u64 done = 0; done < len;) {
        u64 n = MIN(len - done, sizeof chunk);
        if (copy_from_user(chunk, buf + done, n) < 0)
            return -E_FAULT;
        console_write(chunk, n);
        done += n;
    }
    return (s64)len;
}

/* sys_exit(status) -> does not return
 * Ends the calling env; its resources are freed and status is reported to
 * whoever ran it. Rights: none. Errors: none. */
static s64 sys_exit(u64 status)
{
    env_exit(cpu()->env, (int)status);
}

/* sys_sysinfo(out) -> 0
 * Fills the struct sys_info at user address out.
 * Rights: none. Errors:
 *   -E_ALIGN  out is not 8-byte aligned;
 *   -E_FAULT  out is not writable user memory. */
static s64 sys_sysinfo(u64 out)
{
    if (out & 7)
        return -E_ALIGN;
    struct sys_info si = {
        .free_frames = pmem_free_frames(),
        .total_frames = pmem_total_frames(),
        .ticks = cpus[0].ticks,
        .timer_hz = TIMER_HZ,
        .ncpu = (u64)ncpu,
        .env_id = cpu()->env->id,
    };
    return copy_to_user(out, &si, sizeof si);
}

/* sys_cgetc(flags) -> character (0..255)
 * Reads one character from the console. flags bit 0 = wait until one arrives.
 * Rights: none yet (a console capability comes with the device interface).
 * Errors: -E_AGAIN  no character waiting and flags bit 0 clear;
 *         -E_INVAL  unknown flag bits. */
static s64 sys_cgetc(u64 flags)
{
    if (flags & ~1UL)
        return -E_INVAL;
    for (;;) {
        int ch = console_getc();
        if (ch >= 0)
            return ch;
        if (!(flags & 1))
            return -E_AGAIN;
        /* Wait for the next timer tick with interrupts on, then look again. */
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
}

/* Every call takes its arguments from the same registers; fewer declared
 * parameters just ignore the rest (SysV ABI), hence the cast. */
#define KCALL_ENTRY(num, name, nargs) [num] = (kcall_fn)(void (*)(void))sys_##name,
static const kcall_fn kcalls[SYS_NCALLS] = {KCALL_TABLE(KCALL_ENTRY)};

void syscall_dispatch(struct trapframe *tf)
{
    u64 n = tf->rax;
    if (n >= SYS_NCALLS || !kcalls[n]) {
        tf->rax = (u64)-E_NOSYS;
        return;
    }
    tf->rax = (u64)kcalls[n](tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
}
