/* Assertions for user test programs: print each failed check, count them,
 * and make the exit status the number of failures. */
#ifndef USER_TESTS_CHECK_H
#define USER_TESTS_CHECK_H
#include "../../lib/c/libc.h"

static int check_failures;
#define CHECK_EQ(expr, want)                                                                       \
    do {                                                                                           \
        long got_ = (long)(expr), want_ = (long)(want);                                            \
        if (got_ != want_) {                                                                       \
            printf("  check failed at line %d: %s == %ld, expected %ld\n", __LINE__, #expr, got_,  \
                   want_);                                                                         \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)
#endif
