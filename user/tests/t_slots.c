/* Time slots: an env that never yields cannot starve the others; epilogue
 * upcalls let a library OS save its state within the grace period; an env
 * that overruns it is preempted and the overrun is recorded. */
#include "../../lib/exo/exo.h"
#include "check.h"

int main(void)
{
    long spinner = exo_spawn("t_spin", 64); /* never yields, has no handlers */
    CHECK_EQ(spinner > 0, 1);
    uint64_t t0 = __builtin_ia32_rdtsc();
    for (int i = 0; i < 20; i++)
        CHECK_EQ(sys_yield(-1), 0); /* we keep getting our slot */
    CHECK_EQ(__builtin_ia32_rdtsc() > t0, 1);
    CHECK_EQ(sys_env_status((uint32_t)spinner), -E_AGAIN); /* still spinning */

    long good = exo_spawn("t_slots_good", 64);
    long bad = exo_spawn("t_slots_bad", 64);
    CHECK_EQ(good > 0 && bad > 0, 1);
    CHECK_EQ(exo_wait((uint32_t)good, 100000), ENV_STATUS(ENV_STATUS_EXIT, 0));
    CHECK_EQ(exo_wait((uint32_t)bad, 100000), ENV_STATUS(ENV_STATUS_EXIT, 0));

    /* The spinner is still alive until we take its env away. */
    CHECK_EQ(sys_env_status((uint32_t)spinner), -E_AGAIN);
    CHECK_EQ(sys_cap_delete((uint32_t)spinner), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)good), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)bad), 0);
    CHECK_EQ(exo_info->overruns, 0);
    printf("t_slots: %d failed checks\n", check_failures);
    return check_failures;
}
