/* Envs on every CPU (sys_slot_alloc_on) and the user TLB shootdown.
 *
 * With one CPU: the bad inputs of sys_slot_alloc_on, and a slot on CPU 0.
 * With several: a child with its only slot on CPU 1 reads a probe page and
 * counts in a page shared with us (t_smp_child.c); we see it run while we
 * spin on CPU 0 without yielding (it runs on another CPU, at the same
 * time), then unmap the probe page from its address space, which is live on
 * CPU 1, and check that its next read faults (the shootdown reached CPU 1)
 * and that it counted no further. Then the same with a slot on every CPU:
 * an env with slots on several CPUs runs on one at a time. */
#include "../../lib/exo/exo.h"
#include "check.h"
#include "smp.h"

#define MY_SHARED_VA 0x20000000UL
#define MY_PROBE_VA  0x20001000UL

static volatile struct smp_shared *shared = (volatile struct smp_shared *)MY_SHARED_VA;

static unsigned long ticks(void)
{
    struct sys_info si;
    sys_sysinfo(&si);
    return si.ticks;
}

/* A child running t_smp_child with the shared and probe pages mapped, not
 * started; *probe_cap: our copy of the probe frame mapped in it. */
static long make_child(long shared_cap, long probe_cap_orig, long *probe_cap)
{
    long c = sys_env_create(64);
    CHECK_EQ(c > 0, 1);
    CHECK_EQ(sys_env_load((uint32_t)c, "t_smp_child", 11), 0);
    CHECK_EQ(sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0), 0);
    long s2 = sys_cap_derive((uint32_t)shared_cap, R_READ | R_WRITE, CAP_SELF);
    long p2 = sys_cap_derive((uint32_t)probe_cap_orig, R_READ, CAP_SELF);
    CHECK_EQ(s2 > 0 && p2 > 0, 1);
    CHECK_EQ(exo_map((uint32_t)c, (uint32_t)s2, SMP_SHARED_VA, MMU_W), 1);
    CHECK_EQ(exo_map((uint32_t)c, (uint32_t)p2, SMP_PROBE_VA, 0), 1);
    *probe_cap = p2;
    return c;
}

/* Waits (yielding) until the child has counted past n, at most ~10 s of ticks. */
static bool wait_count(uint64_t n)
{
    unsigned long t0 = ticks();
    while (shared->count <= n)
        if (ticks() - t0 > 10000)
            return false;
        else
            sys_yield(-1);
    return true;
}

int main(void)
{
    struct sys_info si;
    CHECK_EQ(sys_sysinfo(&si), 0);
    long ncpu = (long)si.ncpu;

    /* Bad inputs. */
    long c = sys_env_create(32);
    CHECK_EQ(c > 0, 1);
    CHECK_EQ(sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0), 0);
    CHECK_EQ(sys_slot_alloc_on((uint32_t)c, (uint32_t)ncpu, -1), -E_INVAL);
    CHECK_EQ(sys_slot_alloc_on((uint32_t)c, 16, -1), -E_INVAL);
    CHECK_EQ(sys_slot_alloc_on((uint32_t)c, ~0U, -1), -E_INVAL);
    CHECK_EQ(sys_slot_alloc_on((uint32_t)c, 0, 64), -E_INVAL);
    CHECK_EQ(sys_slot_alloc_on((uint32_t)c, 0, -2), -E_INVAL);
    CHECK_EQ(sys_slot_alloc_on((uint32_t)c, 0, 1L << 40), -E_INVAL);
    CHECK_EQ(sys_slot_alloc_on(4000, 0, -1), -E_NOENT);
    CHECK_EQ(sys_slot_alloc_on(9999, 0, -1), -E_INVAL);
    long weak = sys_cap_derive((uint32_t)c, R_READ, CAP_SELF);
    CHECK_EQ(weak > 0, 1);
    CHECK_EQ(sys_slot_alloc_on((uint32_t)weak, 0, -1), -E_PERM);
    long fr = sys_frame_alloc(-1);
    CHECK_EQ(fr > 0, 1);
    CHECK_EQ(sys_slot_alloc_on((uint32_t)fr, 0, -1), -E_PERM);
    CHECK_EQ(sys_cap_delete((uint32_t)fr), 0);
    /* A slot on each CPU, by position; the position taken twice. */
    for (long k = 0; k < ncpu; k++) {
        long s = sys_slot_alloc_on((uint32_t)c, (uint32_t)k, 63);
        CHECK_EQ(s > 0, 1); /* (a slot of c's table: the capability goes to c) */
        CHECK_EQ(sys_slot_alloc_on((uint32_t)c, (uint32_t)k, 63), -E_BUSY);
    }
    CHECK_EQ(sys_cap_delete((uint32_t)c), 0); /* its slots go with it */
    for (long k = 0; k < ncpu; k++) {         /* ... so the positions are free again */
        long s = sys_slot_alloc_on(CAP_SELF, (uint32_t)k, 63);
        CHECK_EQ(s > 0, 1);
        CHECK_EQ(sys_cap_delete((uint32_t)s), 0);
    }
    if (ncpu < 2) {
        printf("t_smp: one CPU: bad inputs only; %d failed checks\n", check_failures);
        return check_failures;
    }

    /* The shared page and the probe page, mapped here too. */
    long shared_cap = exo_page_alloc_map(MY_SHARED_VA, true);
    long probe_cap = exo_page_alloc_map(MY_PROBE_VA, true);
    CHECK_EQ(shared_cap > 0 && probe_cap > 0, 1);
    *(volatile uint64_t *)MY_PROBE_VA = SMP_MAGIC;

    for (int round = 0; round < 2; round++) {
        shared->count = 0;
        shared->seen = 0;
        long probe2;
        c = make_child(shared_cap, probe_cap, &probe2);
        if (round == 0) {
            CHECK_EQ(sys_slot_alloc_on((uint32_t)c, 1, -1) > 0, 1); /* CPU 1 only */
        } else {
            for (long k = 0; k < ncpu; k++) /* a slot on every CPU, ours included */
                CHECK_EQ(sys_slot_alloc_on((uint32_t)c, (uint32_t)k, -1) > 0, 1);
        }
        CHECK_EQ(sys_env_start((uint32_t)c), 0);
        CHECK_EQ(wait_count(1000), 1);
        CHECK_EQ(shared->seen, SMP_MAGIC);
        if (round == 0) {
            /* It runs while we do not yield: on another CPU. */
            uint64_t c0 = shared->count;
            bool moved = false;
            for (unsigned long t0 = ticks(); !moved && ticks() - t0 < 5000;)
                moved = shared->count != c0;
            CHECK_EQ(moved, 1);
        }
        /* Unmap the probe page from its address space, live on another CPU. */
        CHECK_EQ(exo_unmap((uint32_t)c, (uint32_t)probe2), 1);
        long st = exo_wait((uint32_t)c, 200000);
        CHECK_EQ(st >> 8, ENV_STATUS_FAULT);
        uint64_t after = shared->count;
        for (int i = 0; i < 20; i++)
            sys_yield(-1);
        CHECK_EQ(shared->count, after); /* it counted no further */
        CHECK_EQ(sys_cap_delete((uint32_t)c), 0);
        CHECK_EQ(sys_cap_delete((uint32_t)probe2), 0);
        CHECK_EQ(sys_cap_revoke((uint32_t)shared_cap), 1); /* our copy that was mapped in it */
        printf("t_smp: round %d: the child counted %lu on other CPUs, then faulted\n", round,
               (unsigned long)after);
    }
    /* Deleted while it runs on another CPU: the kernel takes it off that
     * CPU (klock_evict) before it frees anything; it counts no further and
     * every frame comes back. */
    for (int round = 0; round < 3; round++) {
        struct sys_info s0, s1;
        CHECK_EQ(sys_sysinfo(&s0), 0);
        shared->count = 0;
        long probe2;
        c = make_child(shared_cap, probe_cap, &probe2);
        CHECK_EQ(sys_slot_alloc_on((uint32_t)c, (uint32_t)(1 + round % (ncpu - 1)), -1) > 0, 1);
        CHECK_EQ(sys_env_start((uint32_t)c), 0);
        CHECK_EQ(wait_count(1000), 1);
        CHECK_EQ(sys_cap_delete((uint32_t)c), 0); /* (no yield since it ran: it runs now) */
        uint64_t after = shared->count;
        for (int i = 0; i < 20; i++)
            sys_yield(-1);
        CHECK_EQ(shared->count, after);
        CHECK_EQ(sys_cap_delete((uint32_t)probe2), 0);
        /* Our copy of the shared page that was mapped in it. */
        CHECK_EQ(sys_cap_revoke((uint32_t)shared_cap), 1);
        CHECK_EQ(sys_sysinfo(&s1), 0);
        CHECK_EQ(s1.free_frames, s0.free_frames);
    }
    printf("t_smp: %ld CPUs; %d failed checks\n", ncpu, check_failures);
    return check_failures;
}
