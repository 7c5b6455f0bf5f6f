/* The partner of the yield benchmark row: yields forever. */
#include "../../lib/exo/exo.h"
int main(void)
{
    for (;;)
        sys_yield(-1);
}
