/* What t_smp and its child share (user/tests/t_smp.c). */
#ifndef USER_TESTS_SMP_H
#define USER_TESTS_SMP_H
#include <stdint.h>

#define SMP_SHARED_VA 0x30000000UL /* the child's mapping of the shared page */
#define SMP_PROBE_VA  0x30001000UL /* the child's mapping of the probe page */
#define SMP_MAGIC     0x5350494e454cUL

struct smp_shared {
    uint64_t count; /* the child's iterations */
    uint64_t seen;  /* what it last read at SMP_PROBE_VA */
};
#endif
