/* Visible revocation and the abort protocol, driven by a policy env (this
 * one) over two children: one gives pages back (ballooning), one ignores
 * the request and has them taken by force. */
#include "../../lib/exo/exo.h"
#include "check.h"

#define READY_VA 0x0000600000000000UL

/* Starts a balloon child with a page it uses to say it has filled its memory. */
static long spawn_balloon(const char *name, size_t len)
{
    long page = exo_page_alloc_map(READY_VA, true);
    long child = sys_env_create(256);
    sys_env_quota((uint32_t)child, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    if (page < 0 || child < 0 || sys_env_load((uint32_t)child, name, len) < 0 ||
        sys_cap_derive((uint32_t)page, R_READ | R_WRITE, (uint32_t)child) < 0 ||
        sys_slot_alloc((uint32_t)child, -1) < 0 || sys_env_start((uint32_t)child) < 0)
        return -1;
    for (int i = 0; i < 10000 && !*(volatile uint64_t *)READY_VA; i++)
        sys_yield(-1);
    sys_cap_delete((uint32_t)page); /* unmaps it here and in the child */
    return child;
}

int main(void)
{
    struct sys_info si;
    long good = spawn_balloon("t_balloon", 9);
    CHECK_EQ(good > 0, 1);
    uint64_t quota0 = exo_info->mem_quota;
    CHECK_EQ(sys_env_revoke((uint32_t)good, REVOKE_FRAMES, 16, 2000), 0);
    CHECK_EQ(exo_info->mem_quota, quota0 + 16); /* the pages come to us */
    CHECK_EQ(sys_env_revoke((uint32_t)good, REVOKE_FRAMES, 1, 10), -E_BUSY);
    sys_sysinfo(&si);
    uint64_t free_before = si.free_frames;
    CHECK_EQ(exo_wait((uint32_t)good, 100000), ENV_STATUS(ENV_STATUS_EXIT, 0));
    sys_sysinfo(&si);
    CHECK_EQ(si.free_frames >= free_before + 16, 1); /* the balloon gave them back */

    /* Bad requests. */
    long idle = sys_env_create(64);
    sys_env_quota((uint32_t)idle, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    CHECK_EQ(sys_env_revoke((uint32_t)idle, 99, 1, 10), -E_INVAL);
    CHECK_EQ(sys_env_revoke((uint32_t)idle, REVOKE_FRAMES, 0, 10), -E_INVAL);
    CHECK_EQ(sys_env_revoke((uint32_t)idle, REVOKE_FRAMES, 1, 10), -E_INVAL); /* holds none */
    CHECK_EQ(sys_env_revoke(CAP_SELF, REVOKE_FRAMES, 1, 10), -E_INVAL);
    long weak = sys_cap_derive((uint32_t)idle, R_CALL, CAP_SELF);
    CHECK_EQ(sys_env_revoke((uint32_t)weak, REVOKE_FRAMES, 1, 10), -E_PERM);
    CHECK_EQ(sys_cap_delete((uint32_t)idle), 0);

    long bad = spawn_balloon("t_balloon_ignore", 16);
    CHECK_EQ(bad > 0, 1);
    CHECK_EQ(sys_env_revoke((uint32_t)bad, REVOKE_FRAMES, 16, 20), 0);
    CHECK_EQ(exo_wait((uint32_t)bad, 100000), ENV_STATUS(ENV_STATUS_EXIT, 0));
    CHECK_EQ(sys_env_revoke((uint32_t)bad, REVOKE_FRAMES, 1, 10), -E_NOENT); /* it is gone */
    CHECK_EQ(sys_cap_delete((uint32_t)good), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)bad), 0);
    printf("t_revoke: %d failed checks\n", check_failures);
    return check_failures;
}
