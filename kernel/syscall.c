/* Kernel-call dispatch, and the calls that belong to no other object. The
 * table itself is generated from kernel/kcalls.tbl. Above each call: its
 * contract (the full text is in the table and docs/kernel-calls.md). */
#include "kernel.h"
#include "trap.h"
#include "cpu.h"
#include "env.h"
#include "cap.h"
#include "pmem.h"
#include "sched.h"
#include "initrd.h"
#include "vm.h"
#include "quota.h"
#include "uaccess.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lapic.h"
#include <spinel/syscall.h>
#define KCALL_DEFINE_TABLE
#include "kcall_table.h"

/* What a number below SYS_NCALLS that names no kernel call runs (its
 * kcall_entry slot, for the fast path): -E_NOSYS, as for numbers above. */
s64 kcall_nosys(void)
{
    return -E_NOSYS;
}

/* sys_null() -> 0. Rights: none. Errors: none. */
s64 sys_null(void)
{
    return 0;
}

/* sys_cputs(buf, len) -> len. Rights: none.
 * Errors: E_FAULT bad buffer; E_RANGE len > 1 MiB. */
s64 sys_cputs(u64 buf, u64 len)
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

/* sys_exit(status): does not return. Rights: none. */
s64 sys_exit(u64 status)
{
    env_exit(cpu_env(), (int)status);
}

/* sys_sysinfo(out) -> 0. Rights: none. Errors: E_ALIGN, E_FAULT. */
s64 sys_sysinfo(u64 out)
{
    if (out & 7)
        return -E_ALIGN;
    struct sys_info si = {
        .free_frames = pmem_free_frames(),
        .total_frames = pmem_total_frames(),
        .ticks = cpus[0].ticks,
        .timer_hz = TIMER_HZ,
        .ncpu = (u64)ncpu,
        .env_id = cpu_env()->id,
    };
    return copy_to_user(out, &si, sizeof si);
}

/* sys_bootimage_map(va): see kernel/kcalls.tbl. The pages are the kernel's
 * (reserved at boot), mapped read-only and never freed with the env. */
s64 sys_bootimage_map(u64 va)
{
    struct env *e = cpu_env();
    u64 size;
    const u8 *base = initrd_bytes(&size);
    if (!e->root)
        return -E_PERM;
    u64 pages = ROUNDUP(size, PAGE_SIZE) / PAGE_SIZE;
    if (va % PAGE_SIZE || va < USER_MIN || va >= USER_MAP_TOP ||
        pages > (USER_MAP_TOP - va) / PAGE_SIZE)
        return -E_INVAL;
    for (u64 i = 0; i < pages; i++)
        if (vm_walk(e->pml4, va + i * PAGE_SIZE))
            return -E_INVAL;
    for (u64 i = 0; i < pages; i++) {
        int r = vm_map(e->pml4, va + i * PAGE_SIZE, V2P(base) + i * PAGE_SIZE, PTE_U | PTE_NX, e);
        if (r < 0)
            return r;
    }
    return (s64)size;
}

void syscall_dispatch(struct trapframe *tf)
{
    struct cpu *c = cpu();
    u64 n = tf->rax;
    c->cur_tf = tf;
    if (unlikely(n >= SYS_NCALLS || !kcall_table[n])) {
        tf->rax = (u64)-E_NOSYS;
        return;
    }
    struct env *e = c->env;
    s64 r = kcall_table[n](tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
    /* A call that switched this CPU to another env (PCT, donation) has set
     * the registers of the env it resumes itself. */
    if (c->env == e)
        tf->rax = (u64)r;
}
