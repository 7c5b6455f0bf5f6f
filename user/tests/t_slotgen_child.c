/* t_slotgen's child: takes a time slot for itself, moves its capability to
 * the env whose capability its creator gave it, and ends with the slot's
 * position as its status (100 if something failed). */
#include "../../lib/exo/exo.h"

int main(void)
{
    static struct cap_info ci[64];
    long n = sys_cap_list(0, ci, 64), dest = -1;
    for (long i = 1; i < n; i++)
        if (ci[i].type == CAP_ENV)
            dest = i;
    long s = sys_slot_alloc(CAP_SELF, -1);
    struct cap_info si;
    if (dest < 0 || s < 0 || sys_cap_inspect((uint32_t)s, &si) < 0 ||
        sys_cap_move((uint32_t)s, (uint32_t)dest) < 0)
        return 100;
    return (int)(si.object & 0xffff);
}
