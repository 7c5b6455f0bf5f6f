/* Stress across CPUs (run with every SMP= setting; its point is SMP=2 and 4).
 * SMP_STRESS_N children, child i with its only slot on CPU (i + 1) % ncpu,
 * each doing SMP_STRESS_ROUNDS rounds of: a protected call to its own
 * server (an env with its slot on the child's CPU); a child env created,
 * run to its exit, waited for and deleted (the exo-level fork/exit); a
 * frame allocated, mapped, written, unmapped, a copy derived and revoked,
 * the frame deleted; then a
 * request to us through a notification channel and a sleep until we answer
 * on its own channel (sys_block without a timeout: a lost wake-up hangs the
 * test, which the runner's deadline fails). We answer every request and,
 * on each, derive a copy of a frame of ours into that child's table and
 * revoke it at once (the holder runs on another CPU). At the end: every
 * child exited 0, every round answered, and the free frames and our
 * capability count are what they were before. */
#include "../../lib/exo/exo.h"
#include "check.h"
#include "smp_stress.h"

#define MY_SHARED_VA 0x20000000UL

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

int main(void)
{
    struct sys_info si;
    CHECK_EQ(sys_sysinfo(&si), 0);
    long ncpu = (long)si.ncpu;
    {
        long shared_cap = exo_page_alloc_map(MY_SHARED_VA, true);
        CHECK_EQ(shared_cap > 0, 1);
        volatile struct stress_shared *sh = (volatile struct stress_shared *)MY_SHARED_VA;
        long nt = sys_notify_create();
        CHECK_EQ(nt > 0, 1);
        CHECK_EQ(sys_notify_bind((uint32_t)nt, 0, 1), 0);
        long mine = sys_frame_alloc(-1); /* derived into the children and revoked */
        CHECK_EQ(mine > 0, 1);
        /* What we count: from here on, everything made is given back. */
        CHECK_EQ(sys_sysinfo(&si), 0);
        long caps0 = ncaps();
        unsigned long free0 = si.free_frames;
        long kids[SMP_STRESS_N];
        for (int i = 0; i < SMP_STRESS_N; i++) {
            long c = kids[i] = sys_env_create(512);
            CHECK_EQ(c > 0, 1);
            CHECK_EQ(sys_env_load((uint32_t)c, "t_smp_stress_child", 18), 0);
            CHECK_EQ(sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0), 0);
            long s2 = sys_cap_derive((uint32_t)shared_cap, R_READ | R_WRITE, CAP_SELF);
            CHECK_EQ(exo_map((uint32_t)c, (uint32_t)s2, STRESS_SHARED_VA, MMU_W), 1);
            CHECK_EQ(sys_cap_derive((uint32_t)nt, R_READ | R_WRITE, (uint32_t)c) > 0, 1);
            CHECK_EQ(sys_slot_alloc_on((uint32_t)c, (uint32_t)((i + 1) % ncpu), -1) > 0, 1);
        }
        for (int i = 0; i < SMP_STRESS_N; i++) { /* one at a time: child i takes index i */
            CHECK_EQ(sys_env_start((uint32_t)kids[i]), 0);
            while (sh->next_id == (uint64_t)i)
                sys_yield(-1);
        }
        /* Serve until every child has had its last answer. */
        long answered = 0, revoked = 0;
        for (;;) {
            int done = 0;
            for (int i = 0; i < SMP_STRESS_N; i++) {
                uint64_t r = sh->req[i];
                if (r > sh->ack[i]) {
                    long d = sys_cap_derive((uint32_t)mine, R_READ, (uint32_t)kids[i]);
                    if (d <= 0)
                        printf("derive into child %d: %ld\n", i, d);
                    CHECK_EQ(d > 0, 1);
                    revoked += sys_cap_revoke((uint32_t)mine);
                    sh->ack[i] = r;
                    answered++;
                    CHECK_EQ(sys_notify_signal((uint32_t)nt, (uint32_t)(i + 1)) >= 0, 1);
                }
                done += sh->ack[i] == SMP_STRESS_ROUNDS;
            }
            if (done == SMP_STRESS_N)
                break;
            sys_block(0); /* a request rings channel 0 */
        }
        for (int i = 0; i < SMP_STRESS_N; i++) {
            long st = exo_wait((uint32_t)kids[i], -1);
            CHECK_EQ(st, ENV_STATUS_EXIT << 8);
            CHECK_EQ(sh->fails[i], 0);
            CHECK_EQ(sys_cap_delete((uint32_t)kids[i]), 0);
        }
        CHECK_EQ(answered, SMP_STRESS_N * SMP_STRESS_ROUNDS);
        CHECK_EQ(revoked, answered);
        printf("t_smp_stress: %d children on %ld CPUs, %ld requests answered, %ld copies revoked\n",
               SMP_STRESS_N, ncpu, answered, revoked);
        /* Our copies of the shared page (mapped in the children). */
        CHECK_EQ(sys_cap_revoke((uint32_t)shared_cap), SMP_STRESS_N);
        CHECK_EQ(sys_sysinfo(&si), 0);
        CHECK_EQ(si.free_frames, free0); /* nothing leaked ... */
        CHECK_EQ(ncaps(), caps0);        /* ... nor any capability of ours */
        CHECK_EQ(sys_cap_delete((uint32_t)mine), 0);
        CHECK_EQ(sys_cap_delete((uint32_t)nt), 0);
    }
    printf("t_smp_stress: %d failed checks\n", check_failures);
    return check_failures;
}
