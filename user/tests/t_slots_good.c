/* A well-behaved library OS: at the epilogue it yields at once and resumes
 * its interrupted context when its next slot begins; it never overruns. */
#include "../../lib/exo/exo.h"
#include "check.h"

static volatile int prologues, epilogues;

static void on_prologue(struct upcall_frame *f)
{
    (void)f;
    prologues++;
}

static void on_epilogue(struct upcall_frame *f)
{
    (void)f;
    epilogues++;
    sys_yield(-1); /* back here at a later slot; then resume where we were */
}

int main(void)
{
    CHECK_EQ(exo_set_handler(UPCALL_PROLOGUE, on_prologue), 0);
    CHECK_EQ(exo_set_handler(UPCALL_EPILOGUE, on_epilogue), 0);
    volatile unsigned long work = 0;
    while (epilogues < 5 || prologues < 5)
        work++;
    CHECK_EQ(exo_info->overruns, 0);
    CHECK_EQ(exo_info->slots_run >= 5, 1);
    CHECK_EQ(work > 0, 1);
    if (check_failures)
        printf("t_slots_good: %d failed checks\n", check_failures);
    return check_failures;
}
