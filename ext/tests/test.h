/*
 * test.h - minimal test framework for the host unit tests.
 */
#ifndef EXT_TEST_H
#define EXT_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../tools/host.h"

extern int g_pass, g_fail;

/* Record a result; on failure print one line "FAIL name: message". */
void t_result(const char *name, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Shared verifier arena. */
extern unsigned char g_varena[BPF_VERIFY_ARENA_SIZE];

/* Hook shorthands. */
#define H_PF    (&ext_hooks[EXT_HOOK_PAGEFAULT])
#define H_EXC   (&ext_hooks[EXT_HOOK_EXCEPTION])
#define H_TIMER (&ext_hooks[EXT_HOOK_TIMER])
#define H_PCT   (&ext_hooks[EXT_HOOK_PCT])
#define H_DPF   (&ext_hooks[EXT_HOOK_DPF])
#define H_ASH   (&ext_hooks[EXT_HOOK_ASH])

void test_verifier(void);
void test_interp(void);
void test_elf(const char *progdir);
void test_hooks(void);

#endif
