#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H
/* Runs the in-kernel unit tests and every user test program listed in the
 * boot image's "tests" manifest, then ends the machine with the verdict. */
void ktest_run(void) __attribute__((noreturn));

#include "types.h"
struct env;
#define ROOT_QUOTA 12288 /* pages of memory for a root env (48 MiB) */
/* Runs a program as a root env until it ends; *out is the zombie to free. */
int run_env(const char *name, const u8 *elf, size_t size, u64 quota, u64 timeout_s,
            struct env **out);
/* ktest_smp.c: the ACPI parser on synthetic tables; the application processors. */
bool ktest_acpi(char *why, size_t whylen);
bool ktest_smp(char *why, size_t whylen);
bool ktest_smp_call(char *why, size_t whylen);
bool ktest_klock(char *why, size_t whylen);
bool ktest_klock_local(char *why, size_t whylen);
bool ktest_frame_reps(char *why, size_t whylen);
bool ktest_tick_nolock(char *why, size_t whylen);
bool ktest_tlb_shootdown(char *why, size_t whylen);
bool ktest_smp_percpu(char *why, size_t whylen);
#endif
