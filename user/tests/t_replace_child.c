/* For t_envbuild: builds an env that exits 55 (its code in a frame this
 * child fills, then moves to it), then replaces itself by it. */
#include "../../lib/exo/exo.h"
#include "../../lib/c/libc.h"

#define CODE_VA 0x0000470000000000UL
static const uint8_t exit_55[] = {0xbf, 0x37, 0x00, 0x00, 0x00, /* mov $55, %edi */
                                  0xb8, 0x02, 0x00, 0x00, 0x00, /* mov $2, %eax */
                                  0x0f, 0x05};                  /* syscall */

int main(void)
{
    long g = sys_env_create(32);
    sys_env_quota((uint32_t)g, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    long f = sys_frame_alloc(-1);
    if (g < 0 || f < 0 || exo_map(CAP_SELF, (uint32_t)f, CODE_VA, MMU_W) != 1)
        return 1;
    memcpy((void *)CODE_VA, exit_55, sizeof exit_55);
    if (sys_cap_move((uint32_t)f, (uint32_t)g) != -E_BUSY) /* still mapped here */
        return 2;
    exo_unmap(CAP_SELF, (uint32_t)f);
    long moved = sys_cap_move((uint32_t)f, (uint32_t)g);
    struct cap_info ci;
    if (moved <= 0 || sys_cap_inspect((uint32_t)f, &ci) != -E_NOENT)
        return 3;
    struct mmu_op op = {.va = CODE_VA, .cap = (uint32_t)moved, .op = MMU_MAP | MMU_X | MMU_TCAP};
    if (sys_mmu_update((uint32_t)g, &op, 1) != 1)
        return 4;
    struct upcall_frame regs;
    memset(&regs, 0, sizeof regs);
    regs.rip = CODE_VA;
    regs.rsp = CODE_VA + 4096;
    if (sys_env_set_regs((uint32_t)g, &regs) != 0 || sys_slot_alloc((uint32_t)g, -1) < 0)
        return 5;
    long weak = sys_cap_derive((uint32_t)g, R_CONTROL, CAP_SELF);
    if (sys_env_replace((uint32_t)weak) != -E_PERM) /* only the original */
        return 6;
    sys_env_replace((uint32_t)g);
    return 7; /* not reached */
}
