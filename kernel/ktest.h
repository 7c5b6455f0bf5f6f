#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H
/* Runs the in-kernel unit tests and every user test program listed in the
 * boot image's "tests" manifest, then ends the machine with the verdict. */
void ktest_run(void) __attribute__((noreturn));
#endif
