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
    for (uint64_t r = 1; r <= SMP_STRESS_ROUNDS; r++) {
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
    return 0;
}
