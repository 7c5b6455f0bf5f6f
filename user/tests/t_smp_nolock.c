/* The kernel calls that run without the kernel lock with several CPUs
 * ("lock none" in kernel/kcalls.tbl: null, cputs, sysinfo; "lock local":
 * mmu_op's map, unmap and protect of the caller's own page, cap_inspect,
 * cap_list) against the
 * teardown of their caller on another CPU (kernel/klock.c, "Calls without
 * the lock", "Local calls"). NOLOCK_ROUNDS times: a child with its only slot on another
 * CPU (CPU 0 with one CPU) makes those calls in a loop, counting in a page
 * shared with us; once it counts, we derive copies of a frame into its
 * table and revoke them, then delete it, while it runs them. Then
 * its count must stay still (it never ran again: not resumed by a call
 * that was under way during its teardown), every call must have answered
 * right, and the free frames and our capabilities are what they were. */
#include "../../lib/exo/exo.h"
#include "check.h"
#include "t_smp_nolock.h"

#define MY_SHARED_VA  0x20000000UL
#define NOLOCK_ROUNDS 40

static long ncaps(void)
{
    static struct cap_info ci[256];
    long used = 0;
    for (uint32_t start = 0; start < 1024; start += 256) {
        long n = sys_cap_list(start, ci, 256);
        for (long i = 0; i < n; i++)
            used += ci[i].type != CAP_NONE;
    }
    return used;
}

static unsigned long ticks(void)
{
    struct sys_info si;
    sys_sysinfo(&si);
    return si.ticks;
}

int main(void)
{
    struct sys_info si;
    CHECK_EQ(sys_sysinfo(&si), 0);
    long ncpu = (long)si.ncpu;
    long shared_cap = exo_page_alloc_map(MY_SHARED_VA, true);
    CHECK_EQ(shared_cap > 0, 1);
    struct nolock_shared *sh = (struct nolock_shared *)MY_SHARED_VA;
    long mine = sys_frame_alloc(-1); /* derived into the children and revoked */
    CHECK_EQ(mine > 0, 1);
    CHECK_EQ(sys_sysinfo(&si), 0);
    long caps0 = ncaps();
    unsigned long free0 = si.free_frames;
    uint64_t total = 0;
    for (int r = 0; r < NOLOCK_ROUNDS; r++) {
        long c = sys_env_create(64);
        CHECK_EQ(c > 0, 1);
        CHECK_EQ(sys_env_load((uint32_t)c, "t_smp_nolock_child", 18), 0);
        CHECK_EQ(sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0), 0);
        long s2 = sys_cap_derive((uint32_t)shared_cap, R_READ | R_WRITE, CAP_SELF);
        CHECK_EQ(exo_map((uint32_t)c, (uint32_t)s2, NOLOCK_SHARED_VA, MMU_W), 1);
        CHECK_EQ(sys_slot_alloc_on(
                     (uint32_t)c, (uint32_t)((r % (ncpu > 1 ? ncpu - 1 : 1)) + (ncpu > 1)), -1) > 0,
                 1);
        sh->count = 0;
        CHECK_EQ(sys_env_start((uint32_t)c), 0);
        /* Wait until it counts (a bounded number of ticks, yielding:
         * with one CPU it runs in our place). */
        unsigned long t0 = ticks();
        uint64_t want = 1 + (uint64_t)r * 7; /* deleted at a different point each round */
        while (sh->count < want && ticks() - t0 < 10000)
            sys_yield(-1);
        CHECK_EQ(sh->count >= want, 1);
        /* Copies derived into its table and revoked while it runs. */
        for (int i = 0; i < 4; i++) {
            CHECK_EQ(sys_cap_derive((uint32_t)mine, R_READ, (uint32_t)c) > 0, 1);
            CHECK_EQ(sys_cap_revoke((uint32_t)mine), 1);
        }
        CHECK_EQ(sys_cap_delete((uint32_t)c), 0); /* while it runs on its CPU */
        uint64_t n = sh->count;
        for (int i = 0; i < 20; i++)
            sys_yield(-1);
        unsigned long t1 = ticks();
        while (ticks() - t1 < 5)
            ;
        CHECK_EQ(sh->count, n); /* it never ran again */
        total += n;
        CHECK_EQ(sys_cap_delete((uint32_t)s2), 0);
    }
    CHECK_EQ(sh->fails, 0);
    CHECK_EQ(sys_sysinfo(&si), 0);
    CHECK_EQ(si.free_frames, free0); /* nothing leaked ... */
    CHECK_EQ(ncaps(), caps0);        /* ... nor any capability of ours */
    CHECK_EQ(sys_cap_delete((uint32_t)mine), 0);
    printf("t_smp_nolock: %d children on %ld CPUs deleted while calling, %lu rounds of calls; %d "
           "failed "
           "checks\n",
           NOLOCK_ROUNDS, ncpu, (unsigned long)total, check_failures);
    return check_failures;
}
