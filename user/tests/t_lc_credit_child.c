/* Helper for t_lifecycle (not in the manifest): given credit on its
 * creator's quota with huge `pages` and `keep`, it asks for more quota than
 * exists, in amounts chosen so that the sums in the kernel would wrap
 * around. Exits with a bit per request that was granted (0: all refused). */
#include "../../lib/exo/exo.h"

int main(void)
{
    int got = 0;
    uint64_t spare = exo_info->mem_quota - exo_info->mem_used;
    /* want + keep = 2^64 + a little, with keep = 2^63 - 1 */
    if (sys_env_create((1UL << 63) + 100 + spare) > 0)
        got |= 1;
    if (sys_env_create((1UL << 63) + 1 + spare) > 0)
        got |= 2;
    if (sys_env_create(~0UL) > 0)
        got |= 4;
    if (sys_env_create(1UL << 62) > 0)
        got |= 8;
    if (exo_info->mem_quota > (1UL << 40))
        got |= 16;
    sys_exit(got);
}
