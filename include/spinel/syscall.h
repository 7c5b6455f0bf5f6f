/* The kernel-call table: one line per call. Numbers are the ABI.
 * KCALL(number, name, nargs)
 * The contracts (rights, errors) are written above each sys_ function in kernel/syscall.c. */
#ifndef SPINEL_SYSCALL_H
#define SPINEL_SYSCALL_H

#define KCALL_TABLE(KCALL)                                                                         \
    KCALL(0, null, 0)                                                                              \
    KCALL(1, cputs, 2)                                                                             \
    KCALL(2, exit, 1)                                                                              \
    KCALL(3, sysinfo, 1)                                                                           \
    KCALL(4, cgetc, 0)

#define KCALL_ENUM(num, name, nargs) SYS_##name = num,
enum { KCALL_TABLE(KCALL_ENUM) SYS_NCALLS };
#undef KCALL_ENUM

/* sys_sysinfo() fills this; the pointer must be 8-byte aligned. */
struct sys_info {
    unsigned long free_frames;  /* physical frames free in the allocator */
    unsigned long total_frames; /* frames managed by the allocator */
    unsigned long ticks;        /* timer interrupts since boot */
    unsigned long timer_hz;     /* timer interrupt frequency */
    unsigned long ncpu;         /* CPUs the kernel runs on */
    unsigned long env_id;       /* the caller's environment id */
};

#endif
