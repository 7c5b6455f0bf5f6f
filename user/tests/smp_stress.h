/* What t_smp_stress and its children share (user/tests/t_smp_stress.c). */
#ifndef USER_TESTS_SMP_STRESS_H
#define USER_TESTS_SMP_STRESS_H
#include <stdint.h>

#define SMP_STRESS_N      3
#define SMP_STRESS_ROUNDS 200
#define STRESS_SHARED_VA  0x30000000UL /* the children's mapping of the shared page */
#define STRESS_WORK_VA    0x30010000UL /* where a child maps its frames */

struct stress_shared {
    uint64_t next_id;             /* a child takes its index here (atomic add) */
    uint64_t req[SMP_STRESS_N];   /* child i's last request (round number) */
    uint64_t ack[SMP_STRESS_N];   /* the last round we answered */
    uint64_t fails[SMP_STRESS_N]; /* operations that failed in child i */
};
#endif
