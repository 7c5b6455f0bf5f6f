/* t_smp_nolock's child (not in the manifest): forever, the kernel calls that
 * run without the kernel lock with several CPUs ("lock none" and "lock
 * local" in kernel/kcalls.tbl), counting its rounds in the shared page. */
#include "../../lib/exo/exo.h"
#include "t_smp_nolock.h"

int main(void)
{
    struct nolock_shared *sh = (struct nolock_shared *)NOLOCK_SHARED_VA;
    struct sys_info si;
    if (sys_sysinfo(&si) != 0)
        sh->fails++;
    uint64_t id = si.env_id;
    long f = sys_frame_alloc(-1);
    if (f < 0 || exo_map(CAP_SELF, (uint32_t)f, NOLOCK_WORK_VA, MMU_W) != 1)
        sh->fails++;
    volatile uint64_t *w = (volatile uint64_t *)NOLOCK_WORK_VA;
    for (uint64_t n = 1;; n++) {
        if (sys_null() != 0 || sys_sysinfo(&si) != 0 || si.env_id != id || sys_cputs("", 0) != 0 ||
            sys_sysinfo((struct sys_info *)8) != -E_FAULT)
            sh->fails++;
        /* Local calls: protect, unmap and map its own page (the page table
         * stays), and one that falls back to the locked path (an error). */
        *w = n;
        if (exo_protect(CAP_SELF, (uint32_t)f, 0) != 1 || *w != n ||
            exo_unmap(CAP_SELF, (uint32_t)f) != 1 ||
            exo_map(CAP_SELF, (uint32_t)f, NOLOCK_WORK_VA, MMU_W) != 1 || *w != n ||
            exo_map(CAP_SELF, (uint32_t)f, NOLOCK_WORK_VA, MMU_W) != -E_BUSY)
            sh->fails++;
        /* Local calls that read its table, which its creator changes
         * meanwhile from another CPU (a copy derived in and revoked). */
        struct cap_info ci, cl[8];
        if (sys_cap_inspect((uint32_t)f, &ci) != 0 || ci.type != CAP_FRAME ||
            ci.mapped_va != NOLOCK_WORK_VA || sys_cap_inspect(4000, &ci) != -E_NOENT ||
            sys_cap_list(0, cl, 8) < 0 || sys_env_status(CAP_SELF) != -E_AGAIN ||
            sys_env_status((uint32_t)f) != -E_PERM)
            sh->fails++;
        sh->count++;
    }
}
