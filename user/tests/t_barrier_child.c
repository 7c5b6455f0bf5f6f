/* t_barrier's child (not in the manifest): see t_barrier.c. */
#include "../../lib/exo/exo.h"
#include "barrier_test.h"

static void yield(void)
{
    sys_yield(-1);
}

int main(void)
{
    struct bt_shared *sh = (struct bt_shared *)BT_SHARED_VA;
    uint32_t id = (uint32_t)__atomic_fetch_add(&sh->next_id, 1, __ATOMIC_SEQ_CST);
    if (id >= BARRIER_P)
        return 1;
    if (sh->yield)
        barrier_set_relax(yield, 16);
    uint64_t n = sh->episodes;
    for (int k = 0; k < BAR_KINDS; k++)
        for (uint64_t ep = 1 + (uint64_t)k * n; ep <= (uint64_t)(k + 1) * n; ep++) {
            __atomic_store_n(&sh->episode[id].v, ep, __ATOMIC_RELAXED);
            if (barrier_wait(&sh->bar[k], id) != 0)
                sh->early[k][id]++;
            for (int j = 0; j < BARRIER_P; j++)
                if (__atomic_load_n(&sh->episode[j].v, __ATOMIC_RELAXED) < ep)
                    sh->early[k][id]++;
        }
    return 0;
}
