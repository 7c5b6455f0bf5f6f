/* The litmus tests on Spinel's CPUs, a short fixed run for make test
 * (user/bench/litmus_smp.c; make litmus-smp is the long run): 20,000 runs
 * of each test on the last two CPUs (both on CPU 0 with one CPU), every
 * outcome counted, the ones x86-TSO forbids checked. */
#define LITMUS_RUNS 20000UL
#define LITMUS_NAME "t_litmus"
#include "../bench/litmus_smp.c"
