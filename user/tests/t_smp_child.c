/* t_smp's child: runs in a slot of CPU 1 only. Forever: reads the probe
 * page its creator mapped at SMP_PROBE_VA into the shared page at
 * SMP_SHARED_VA, and counts. When its creator unmaps the probe page (from
 * CPU 0, while this env runs on CPU 1) the next read must fault: without a
 * TLB shootdown CPU 1 would go on reading the page through its stale
 * translation. */
#include "../../lib/exo/exo.h"
#include "smp.h"

int main(void)
{
    volatile struct smp_shared *s = (volatile struct smp_shared *)SMP_SHARED_VA;
    volatile uint64_t *probe = (volatile uint64_t *)SMP_PROBE_VA;
    for (;;) {
        s->seen = *probe;
        s->count++;
    }
}
