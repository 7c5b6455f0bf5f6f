/* The PCT partner of the pct_rt benchmark row: echoes its first argument. */
#include "../../lib/exo/exo.h"
static uint64_t echo(uint64_t a0, uint64_t a1, uint64_t a2, uint32_t caller)
{
    (void)a1, (void)a2, (void)caller;
    return a0;
}
int main(void)
{
    exo_set_pct_entry(echo);
    for (;;)
        sys_block(0);
}
