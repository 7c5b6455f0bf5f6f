/* lib/barrier between envs on Spinel's CPUs: BARRIER_P children (t_barrier_
 * child), child i with its only slot on CPU i mod ncpu, share a page with
 * the four barriers and their episode numbers; each runs every algorithm
 * for the episodes we ask (more with several CPUs) and counts the times it
 * saw, after a barrier, a thread that had not yet arrived at it (none may).
 * With fewer CPUs than children their spins yield. */
#include "../../lib/exo/exo.h"
#include "check.h"
#include "barrier_test.h"

#define MY_SHARED_VA 0x20000000UL

int main(void)
{
    struct sys_info si;
    CHECK_EQ(sys_sysinfo(&si), 0);
    long ncpu = (long)si.ncpu;
    long caps[BT_PAGES];
    for (int i = 0; i < BT_PAGES; i++) {
        caps[i] = exo_page_alloc_map(MY_SHARED_VA + (uint64_t)i * 4096, true);
        CHECK_EQ(caps[i] > 0, 1);
    }
    volatile struct bt_shared *sh = (volatile struct bt_shared *)MY_SHARED_VA;
    /* (Short in make test: QEMU's virtual CPUs share a loaded host, and a
     * barrier needs all of them to run; the long runs are lib/barrier's
     * on the host.) */
#ifdef BT_EPISODES
    sh->episodes = BT_EPISODES; /* make barrier-smp (built as barrier_smp) */
#else
    sh->episodes = ncpu >= BARRIER_P ? 200 : ncpu > 1 ? 200 : 500;
#endif
    sh->yield = ncpu < BARRIER_P;
    for (int k = 0; k < BAR_KINDS; k++)
        CHECK_EQ(barrier_init((struct barrier *)&sh->bar[k], (enum bar_kind)k, BARRIER_P), 0);
    long kids[BARRIER_P];
    for (int i = 0; i < BARRIER_P; i++) {
        long c = kids[i] = sys_env_create(64);
        CHECK_EQ(c > 0, 1);
        CHECK_EQ(sys_env_load((uint32_t)c, "t_barrier_child", 15), 0);
        CHECK_EQ(sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0), 0);
        for (int p = 0; p < BT_PAGES; p++) {
            long d = sys_cap_derive((uint32_t)caps[p], R_READ | R_WRITE, CAP_SELF);
            CHECK_EQ(exo_map((uint32_t)c, (uint32_t)d, BT_SHARED_VA + (uint64_t)p * 4096, MMU_W),
                     1);
        }
        CHECK_EQ(sys_slot_alloc_on((uint32_t)c, (uint32_t)(i % ncpu), -1) > 0, 1);
    }
    unsigned long t0 = si.ticks;
    for (int i = 0; i < BARRIER_P; i++) { /* one at a time: child i takes index i */
        CHECK_EQ(sys_env_start((uint32_t)kids[i]), 0);
        while (sh->next_id == (uint64_t)i)
            sys_yield(-1);
    }
    for (int i = 0; i < BARRIER_P; i++) {
        CHECK_EQ(exo_wait((uint32_t)kids[i], -1), ENV_STATUS_EXIT << 8);
        CHECK_EQ(sys_cap_delete((uint32_t)kids[i]), 0);
    }
    CHECK_EQ(sys_sysinfo(&si), 0);
    for (int k = 0; k < BAR_KINDS; k++) {
        uint64_t early = 0;
        for (int i = 0; i < BARRIER_P; i++)
            early += sh->early[k][i];
        CHECK_EQ(early, 0);
        printf("t_barrier: %s: %d envs on %ld CPUs, %lu episodes, %lu early\n",
               barrier_name((enum bar_kind)k), BARRIER_P, ncpu, (unsigned long)sh->episodes,
               (unsigned long)early);
    }
    printf("t_barrier: %lu ticks in all; %d failed checks\n", si.ticks - t0, check_failures);
    return check_failures;
}
