/* Helper for t_caps, t_mmu and t_quota (not in the manifest): an env that
 * does nothing but wait, so that its parent can put capabilities in its
 * table and destroy it while it is alive. */
#include "../../lib/exo/exo.h"

int main(void)
{
    for (;;)
        sys_block(0);
}
