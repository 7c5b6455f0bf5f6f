/*
 * test_main.c - runs all host unit tests.  Prints one line per failing test
 * and finally "N passed, M failed"; exit status is non-zero on any failure.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "test.h"

int g_pass, g_fail;
unsigned char g_varena[BPF_VERIFY_ARENA_SIZE] __attribute__((aligned(16)));

void t_result(const char *name, bool ok, const char *fmt, ...)
{
    if (ok) {
        g_pass++;
        return;
    }
    g_fail++;
    printf("FAIL %s: ", name);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

int main(int argc, char **argv)
{
    const char *progdir = argc > 1 ? argv[1] : "build/progs";
    test_hooks();
    test_verifier();
    test_interp();
    test_elf(progdir);
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
