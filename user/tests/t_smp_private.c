/* Shares (Corey): sys_env_private makes an env's address space private to
 * one CPU, so the kernel skips the TLB shootdown of changes made there and
 * sends one made elsewhere to that CPU alone.
 *
 * The bad inputs; an env with a slot on another CPU cannot be made private
 * (E_BUSY), nor can we make ourselves private to a CPU we do not run on
 * (E_AGAIN). Made private to our own CPU, our own unmaps need no
 * shootdown: the count of spared ones grows with each (with one CPU there
 * is no shootdown to spare: it stays). With several CPUs, a child private
 * to CPU 1 (t_smp_child: it reads a probe page and counts in a page shared
 * with us) gets no slot elsewhere (E_PERM) and no donation from our CPU
 * (E_AGAIN); it runs on CPU 1 while we spin; we unmap its probe page from
 * CPU 0 and its next read faults (the shootdown went to CPU 1). */
#include "../../lib/exo/exo.h"
#include "check.h"
#include "smp.h"

#define MY_SHARED_VA 0x20000000UL
#define MY_PROBE_VA  0x20001000UL
#define MY_SCRATCH   0x20010000UL

static volatile struct smp_shared *shared = (volatile struct smp_shared *)MY_SHARED_VA;

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

    /* Bad inputs. */
    long c = sys_env_create(32);
    CHECK_EQ(c > 0, 1);
    CHECK_EQ(sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0), 0);
    CHECK_EQ(sys_env_private((uint32_t)c, ncpu), -E_INVAL);
    CHECK_EQ(sys_env_private((uint32_t)c, 16), -E_INVAL);
    CHECK_EQ(sys_env_private((uint32_t)c, -2), -E_INVAL);
    CHECK_EQ(sys_env_private((uint32_t)c, 1L << 40), -E_INVAL);
    CHECK_EQ(sys_env_private(4000, 0), -E_NOENT);
    CHECK_EQ(sys_env_private(9999, 0), -E_INVAL);
    long weak = sys_cap_derive((uint32_t)c, R_READ, CAP_SELF);
    CHECK_EQ(weak > 0, 1);
    CHECK_EQ(sys_env_private((uint32_t)weak, 0), -E_PERM);
    long fr = sys_frame_alloc(-1);
    CHECK_EQ(fr > 0, 1);
    CHECK_EQ(sys_env_private((uint32_t)fr, 0), -E_PERM);
    CHECK_EQ(sys_cap_delete((uint32_t)fr), 0);
    /* Private to CPU 0 and shared again (nothing spared yet); then, with a
     * slot on the last CPU, not private to CPU 0. */
    CHECK_EQ(sys_env_private((uint32_t)c, 0), 0);
    CHECK_EQ(sys_env_private((uint32_t)c, 0), 0); /* again: no change */
    CHECK_EQ(sys_env_private((uint32_t)c, -1), 0);
    CHECK_EQ(sys_slot_alloc_on((uint32_t)c, (uint32_t)(ncpu - 1), -1) > 0, 1);
    if (ncpu > 1)
        CHECK_EQ(sys_env_private((uint32_t)c, 0), -E_BUSY);
    CHECK_EQ(sys_env_private((uint32_t)c, ncpu - 1) >= 0, 1);
    if (ncpu > 1) {
        CHECK_EQ(sys_slot_alloc_on((uint32_t)c, 0, -1), -E_PERM);
        CHECK_EQ(sys_slot_alloc((uint32_t)c, -1), -E_PERM); /* on our CPU, 0 */
    }
    CHECK_EQ(sys_cap_delete((uint32_t)c), 0);

    /* Ourselves: not private to a CPU we do not run on; private to ours,
     * our unmaps spare their shootdowns. */
    if (ncpu > 1)
        CHECK_EQ(sys_env_private(CAP_SELF, 1), -E_AGAIN);
    long spared0 = sys_env_private(CAP_SELF, 0);
    CHECK_EQ(spared0 >= 0, 1);
    for (int i = 0; i < 50; i++) {
        long p = exo_page_alloc_map(MY_SCRATCH, true);
        CHECK_EQ(p > 0, 1);
        *(volatile uint64_t *)MY_SCRATCH = (uint64_t)i;
        CHECK_EQ(exo_unmap(CAP_SELF, (uint32_t)p), 1);
        CHECK_EQ(sys_cap_delete((uint32_t)p), 0);
    }
    long spared1 = sys_env_private(CAP_SELF, -1); /* shared again */
    CHECK_EQ(spared1 - spared0 >= (ncpu > 1 ? 50 : 0), 1);
    CHECK_EQ(sys_env_private(CAP_SELF, -1), spared1);
    if (ncpu < 2) {
        printf("t_smp_private: one CPU: bad inputs, %ld shootdowns spared; %d failed checks\n",
               spared1 - spared0, check_failures);
        return check_failures;
    }

    /* A child private to CPU 1. */
    long shared_cap = exo_page_alloc_map(MY_SHARED_VA, true);
    long probe_cap = exo_page_alloc_map(MY_PROBE_VA, true);
    CHECK_EQ(shared_cap > 0 && probe_cap > 0, 1);
    *(volatile uint64_t *)MY_PROBE_VA = SMP_MAGIC;
    c = sys_env_create(64);
    CHECK_EQ(c > 0, 1);
    CHECK_EQ(sys_env_load((uint32_t)c, "t_smp_child", 11), 0);
    CHECK_EQ(sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0), 0);
    long s2 = sys_cap_derive((uint32_t)shared_cap, R_READ | R_WRITE, CAP_SELF);
    long p2 = sys_cap_derive((uint32_t)probe_cap, R_READ, CAP_SELF);
    CHECK_EQ(s2 > 0 && p2 > 0, 1);
    CHECK_EQ(exo_map((uint32_t)c, (uint32_t)s2, SMP_SHARED_VA, MMU_W), 1);
    CHECK_EQ(exo_map((uint32_t)c, (uint32_t)p2, SMP_PROBE_VA, 0), 1);
    CHECK_EQ(sys_env_private((uint32_t)c, 1), 0);
    CHECK_EQ(sys_slot_alloc_on((uint32_t)c, 0, -1), -E_PERM);
    CHECK_EQ(sys_slot_alloc_on((uint32_t)c, 1, -1) > 0, 1);
    shared->count = 0;
    CHECK_EQ(sys_env_start((uint32_t)c), 0);
    CHECK_EQ(sys_yield((long)c), -E_AGAIN); /* it may not run on our CPU */
    unsigned long t0 = ticks();
    while (shared->count <= 1000 && ticks() - t0 < 10000)
        ; /* no yield: it runs on CPU 1 */
    CHECK_EQ(shared->count > 1000, 1);
    CHECK_EQ(shared->seen, SMP_MAGIC);
    /* Its probe page unmapped from here, CPU 0: the one shootdown goes to
     * CPU 1, and the child's next read faults. */
    CHECK_EQ(exo_unmap((uint32_t)c, (uint32_t)p2), 1);
    long st = exo_wait((uint32_t)c, 200000);
    CHECK_EQ(st >> 8, ENV_STATUS_FAULT);
    uint64_t after = shared->count;
    for (int i = 0; i < 20; i++)
        sys_yield(-1);
    CHECK_EQ(shared->count, after);
    CHECK_EQ(sys_cap_delete((uint32_t)c), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)p2), 0);
    CHECK_EQ(sys_cap_revoke((uint32_t)shared_cap), 1);
    printf("t_smp_private: %ld CPUs; %ld of our shootdowns spared; a child private to CPU 1 "
           "counted %lu, then faulted; %d failed checks\n",
           ncpu, spared1 - spared0, (unsigned long)after, check_failures);
    return check_failures;
}
