/* MMU_TCAP (building a child's address space from capabilities in its own
 * table) and sys_bootimage_map (root envs only). */
#include "../../lib/exo/exo.h"
#include "check.h"

#define SHARED_VA 0x0000450000000000UL
#define BOOT_VA   0x0000460000000000UL

int main(void)
{
    long f = exo_page_alloc_map(SHARED_VA, true);
    *(volatile uint64_t *)SHARED_VA = 0x5eed;
    long child = sys_env_create(64);
    sys_env_quota((uint32_t)child, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    CHECK_EQ(sys_env_load((uint32_t)child, "t_tcap_child", 12), 0);
    long s = sys_cap_derive((uint32_t)f, R_READ | R_WRITE, (uint32_t)child);
    CHECK_EQ(s > 0, 1);
    struct mmu_op op = {.va = SHARED_VA, .cap = (uint32_t)s, .op = MMU_MAP | MMU_W | MMU_TCAP};
    struct mmu_op bad = {.va = SHARED_VA + 4096, .cap = 300, .op = MMU_MAP | MMU_TCAP};
    CHECK_EQ(sys_mmu_update((uint32_t)child, &bad, 1), -E_NOENT); /* not in its table */
    long weak = sys_cap_derive((uint32_t)child, R_CALL, CAP_SELF);
    CHECK_EQ(sys_mmu_update((uint32_t)weak, &op, 1), -E_PERM);
    CHECK_EQ(sys_mmu_update((uint32_t)child, &op, 1), 1);
    CHECK_EQ(sys_mmu_update((uint32_t)child, &op, 1), -E_BUSY); /* that copy is mapped */
    CHECK_EQ(sys_slot_alloc((uint32_t)child, -1) > 0, 1);
    CHECK_EQ(sys_env_start((uint32_t)child), 0);
    /* The child checks the page, writes to it and tries the boot image. */
    CHECK_EQ(exo_wait((uint32_t)child, 10000), ENV_STATUS(ENV_STATUS_EXIT, 0));
    CHECK_EQ(*(volatile uint64_t *)SHARED_VA, 0xc0ffee);

    long size = sys_bootimage_map(BOOT_VA);
    CHECK_EQ(size > 1000, 1);
    CHECK_EQ(memcmp((const void *)BOOT_VA, "070701", 6), 0);
    CHECK_EQ(sys_bootimage_map(BOOT_VA), -E_INVAL);      /* occupied */
    CHECK_EQ(sys_bootimage_map(BOOT_VA + 12), -E_INVAL); /* unaligned */
    CHECK_EQ(sys_bootimage_map(KERNEL_TEXT), -E_INVAL);
    CHECK_EQ(sys_bootimage_map(USER_MAP_TOP - 4096), -E_INVAL); /* does not fit */
    /* The boot image is read-only. */
    CHECK_EQ(exo_pte(BOOT_VA) & PTE_W, 0);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)f), 0);
    printf("t_tcap: %d failed checks\n", check_failures);
    return check_failures;
}
