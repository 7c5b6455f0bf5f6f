/* Helper for t_lifecycle (not in the manifest): takes 100 frames, then
 * waits for its creator to ask for them back (sys_env_revoke lowers its
 * quota below what it uses) and, meanwhile, tries to get around that by
 * creating children and taking frames. Exits with a bit per attempt that
 * succeeded (0: the kernel refused them all). Asked for its time slot
 * instead, it may still take frames and make children (exit 0 if it can). */
#include "../../lib/exo/exo.h"

int main(void)
{
    int n = 0;
    while (n < 100 && sys_frame_alloc(-1) > 0)
        n++;
    if (n < 100)
        sys_exit(0x80);
    /* (No revocation entry: the request only shows in env_info.) */
    for (long i = 0; exo_info->revoke_count == 0; i++) {
        if (i > 1000000)
            sys_exit(0x40);
        sys_yield(-1);
    }
    int got = 0;
    if (exo_info->revoke_kind == REVOKE_SLOTS) {
        long f = sys_frame_alloc(-1), c = sys_env_create(16);
        sys_exit((f > 0 ? 0 : 1) | (c > 0 ? 0 : 2));
    }
    if (exo_info->mem_quota >= exo_info->mem_used)
        got |= 0x20; /* the quota should be below what it uses now */
    if (sys_env_create(1UL << 20) > 0)
        got |= 1; /* the spare quota wrapped around */
    if (sys_env_create(16) > 0)
        got |= 2;
    if (sys_env_create(~0UL - 100) > 0)
        got |= 4;
    if (sys_frame_alloc(-1) > 0)
        got |= 8;
    sys_exit(got);
}
