/* What t_smp_nolock and its child share (user/tests/t_smp_nolock.c). */
#ifndef USER_TESTS_SMP_NOLOCK_H
#define USER_TESTS_SMP_NOLOCK_H
#include <stdint.h>

#define NOLOCK_SHARED_VA 0x30000000UL /* the child's mapping of the shared page */
#define NOLOCK_WORK_VA   0x30001000UL /* where it maps, unmaps and protects a frame of its own */

struct nolock_shared {
    volatile uint64_t count; /* the child's rounds of calls */
    volatile uint64_t fails; /* calls that answered wrong */
};
#endif
