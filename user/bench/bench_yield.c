/* The partner of the yield benchmark row: yields forever, and after each
 * yield adds 1 to the counter in the page the benchmark maps here at
 * YIELD_VA (bench/plat_spinel.c), so that the benchmark can check that the
 * two alternate strictly. */
#include "../../lib/exo/exo.h"
#define YIELD_VA 0x0000230000000000UL
int main(void)
{
    while (exo_pte(YIELD_VA) == 0) /* until the benchmark has mapped it */
        sys_yield(-1);
    volatile uint64_t *counter = (volatile uint64_t *)YIELD_VA;
    for (;;) {
        sys_yield(-1);
        (*counter)++;
    }
}
