/* t_smp_stress's child (not in the manifest): see t_smp_stress.c. */
#include "../../lib/exo/exo.h"
#include "smp_stress.h"

int main(void)
{
    volatile struct stress_shared *sh = (volatile struct stress_shared *)STRESS_SHARED_VA;
    int i = (int)__atomic_fetch_add(&sh->next_id, 1, __ATOMIC_SEQ_CST);
    if (i >= SMP_STRESS_N)
        return 1;
    uint32_t nt = 0;
    struct cap_info ci;
    for (uint32_t s = 1; s < 64 && !nt; s++)
        if (sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_NOTIFY)
            nt = s;
    if (!nt || sys_notify_bind(nt, (uint32_t)(i + 1), 2) < 0)
        return 2;
    /* Our protected-call server, with its slot on our CPU (t_pct_server:
     * answers 3 a0 + 5 a1 + 7 a2 + 1). */
    long srv = sys_env_create(64);
    if (srv < 0 || sys_env_load((uint32_t)srv, "t_pct_server", 12) < 0 ||
        sys_env_quota((uint32_t)srv, OBJ_ALL, 0, ~0UL, 0) < 0 ||
        sys_slot_alloc((uint32_t)srv, -1) < 0 || sys_env_start((uint32_t)srv) < 0)
        return 3;
    while (sys_pct_call((uint32_t)srv, 0, 0, 0) < 0) /* until it has its entry */
        sys_yield(-1);
    for (uint64_t r = 1; r <= SMP_STRESS_ROUNDS; r++) {
        /* A protected call, and a child env made (bench_exit: three
         * instructions, sys_exit(0)), run (its slot on whichever CPU we run
         * on now), waited for and deleted. */
        if (sys_pct_call((uint32_t)srv, r, 1, 0) != (long)(3 * r + 5 + 1))
            sh->fails[i]++;
        long c = sys_env_create(64);
        if (c < 0 || sys_env_load((uint32_t)c, "bench_exit", 10) < 0 ||
            sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0) < 0 ||
            sys_slot_alloc((uint32_t)c, -1) < 0 || sys_env_start((uint32_t)c) < 0 ||
            exo_wait((uint32_t)c, -1) != ENV_STATUS_EXIT << 8)
            sh->fails[i]++;
        if (c >= 0 && sys_cap_delete((uint32_t)c) != 0)
            sh->fails[i]++;
        long f = sys_frame_alloc(-1);
        if (f < 0 || exo_map(CAP_SELF, (uint32_t)f, STRESS_WORK_VA, MMU_W) != 1) {
            sh->fails[i]++;
        } else {
            *(volatile uint64_t *)STRESS_WORK_VA = r;
            if (exo_unmap(CAP_SELF, (uint32_t)f) != 1)
                sh->fails[i]++;
            long d = sys_cap_derive((uint32_t)f, R_READ, CAP_SELF);
            if (d <= 0 || sys_cap_revoke((uint32_t)f) != 1)
                sh->fails[i]++;
        }
        if (f > 0 && sys_cap_delete((uint32_t)f) != 0)
            sh->fails[i]++;
        sh->req[i] = r;
        if (sys_notify_signal(nt, 0) < 0)
            sh->fails[i]++;
        while (sh->ack[i] != r)
            sys_block(0); /* our channel rings when it is answered */
    }
    if (sys_cap_delete((uint32_t)srv) != 0)
        sh->fails[i]++;
    return 0;
}
