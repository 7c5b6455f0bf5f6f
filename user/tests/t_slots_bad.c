/* A library OS whose epilogue handler takes too long: the kernel preempts it
 * after the grace period and counts the overrun. */
#include "../../lib/exo/exo.h"
#include "check.h"

static volatile int epilogues;

static void on_epilogue(struct upcall_frame *f)
{
    (void)f;
    epilogues++;
    uint64_t until = __builtin_ia32_rdtsc() + 6 * exo_info->tsc_per_ms; /* grace is 2 ms */
    while (__builtin_ia32_rdtsc() < until)
        ;
}

int main(void)
{
    CHECK_EQ(exo_set_handler(UPCALL_EPILOGUE, on_epilogue), 0);
    while (exo_info->overruns < 3)
        ;
    CHECK_EQ(epilogues >= 3, 1);
    if (check_failures)
        printf("t_slots_bad: %d failed checks\n", check_failures);
    return check_failures;
}
