/* Kernel-call numbers and the structures of the basic calls.
 * The numbers are generated from kernel/kcalls.tbl (build/gen/spinel/kcall_nums.h). */
#ifndef SPINEL_SYSCALL_H
#define SPINEL_SYSCALL_H

#include <spinel/kcall_nums.h>

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
