/* Helper for t_quota (not in the manifest): allocates up to 100 frames and
 * exits with how many it got. */
#include "../../lib/exo/exo.h"

int main(void)
{
    int n = 0;
    while (n < 100 && sys_frame_alloc(-1) > 0)
        n++;
    sys_exit(n);
}
