/* Building an env by hand, as a library OS does for fork and exec: frame
 * blocks allocated into the child's table, mapped with MMU_TCAP, registers
 * set with env_set_regs; walking a table with cap_list; and env_replace
 * (exec: a process replaced by an env it built). */
#include "../../lib/exo/exo.h"
#include "check.h"

#define CODE_VA  0x0000470000000000UL
#define BLOCK_VA 0x0000480000000000UL

/* mov $2, %eax ; syscall  -- sys_exit(rdi) */
static const uint8_t exit_rdi[] = {0xb8, 0x02, 0x00, 0x00, 0x00, 0x0f, 0x05};

int main(void)
{
    struct cap_info ci;
    /* frame_alloc_in: blocks, in our table and a child's. */
    long b = sys_frame_alloc_in(CAP_SELF, -1, 4); /* 16 pages */
    CHECK_EQ(b > 0, 1);
    CHECK_EQ(sys_cap_inspect((uint32_t)b, &ci), 0);
    CHECK_EQ(ci.order, 4);
    CHECK_EQ(ci.object % 16, 0);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)b, BLOCK_VA, MMU_W), 1);
    for (int i = 0; i < 16; i++)
        *(volatile uint64_t *)(BLOCK_VA + i * 4096UL) = (uint64_t)i;
    CHECK_EQ(exo_pte(BLOCK_VA + 15 * 4096UL) & PTE_P, PTE_P);
    CHECK_EQ(exo_pte(BLOCK_VA + 16 * 4096UL), 0);
    CHECK_EQ(exo_protect(CAP_SELF, (uint32_t)b, 0), 1);
    CHECK_EQ(exo_pte(BLOCK_VA + 7 * 4096UL) & PTE_W, 0);
    long copy = sys_cap_derive((uint32_t)b, R_READ, CAP_SELF);
    CHECK_EQ(sys_cap_inspect((uint32_t)copy, &ci), 0);
    CHECK_EQ(ci.order, 4);
    CHECK_EQ(sys_cap_inspect((uint32_t)b, &ci), 0);
    CHECK_EQ(ci.children, 1);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)copy, BLOCK_VA + 8 * 4096UL, 0), -E_INVAL); /* overlaps */
    CHECK_EQ(sys_frame_alloc_in(CAP_SELF, -1, 10), -E_INVAL);
    CHECK_EQ(sys_frame_alloc_in(CAP_SELF, 0x1001, 4), -E_INVAL); /* unaligned */
    CHECK_EQ(sys_frame_alloc_in(CAP_SELF, (int64_t)ci.object, 4), -E_BUSY);
    CHECK_EQ(sys_frame_alloc_in(300, -1, 0), -E_NOENT);

    /* cap_list */
    static struct cap_info list[256];
    long n = sys_cap_list(0, list, 256);
    CHECK_EQ(n > (long)b, 1);
    CHECK_EQ(list[0].type, CAP_NONE); /* CAP_SELF */
    CHECK_EQ(list[b].type, CAP_FRAME);
    CHECK_EQ(list[b].order, 4);
    CHECK_EQ(list[copy].depth, 1);
    CHECK_EQ(sys_cap_list(0, list, 0), -E_INVAL);
    CHECK_EQ(sys_cap_list(0, list, 257), -E_INVAL);
    CHECK_EQ(sys_cap_list(NCAPSLOTS, list, 1), -E_INVAL);
    CHECK_EQ(sys_cap_list(0, (struct cap_info *)((char *)list + 4), 1), -E_ALIGN);
    CHECK_EQ(sys_cap_list(0, (struct cap_info *)KERNEL_TEXT, 1), -E_FAULT);
    CHECK_EQ(sys_cap_list(4000, list, 96), -E_NOENT); /* the table does not reach there */
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);         /* the copy goes with it */
    CHECK_EQ(sys_cap_inspect((uint32_t)copy, &ci), -E_NOENT);

    /* A child made by hand: one code page in its own table, mapped executable
     * with MMU_TCAP, registers set with env_set_regs. */
    long c = sys_env_create(64);
    sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    long code = sys_frame_alloc_in((uint32_t)c, -1, 0);
    CHECK_EQ(code > 0, 1);
    (void)code; /* a frame of its own it could fill later; here we grant ours */
    long ours = sys_frame_alloc(-1);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)ours, CODE_VA, MMU_W), 1);
    memcpy((void *)CODE_VA, exit_rdi, sizeof exit_rdi);
    long given = sys_cap_derive((uint32_t)ours, R_READ | R_EXEC, (uint32_t)c);
    struct mmu_op op = {.va = CODE_VA, .cap = (uint32_t)given, .op = MMU_MAP | MMU_X | MMU_TCAP};
    CHECK_EQ(sys_mmu_update((uint32_t)c, &op, 1), 1);
    struct upcall_frame regs;
    memset(&regs, 0, sizeof regs);
    regs.rip = CODE_VA;
    regs.rsp = CODE_VA + 4096;
    regs.rdi = 77;
    CHECK_EQ(sys_env_set_regs((uint32_t)c, &regs), 0);
    regs.rip = KERNEL_TEXT;
    CHECK_EQ(sys_env_set_regs((uint32_t)c, &regs), -E_INVAL);
    CHECK_EQ(sys_env_set_regs(CAP_SELF, &regs), -E_PERM);
    CHECK_EQ(sys_env_set_regs((uint32_t)c, NULL), -E_FAULT);
    CHECK_EQ(sys_slot_alloc((uint32_t)c, -1) > 0, 1);
    CHECK_EQ(sys_env_start((uint32_t)c), 0);
    regs.rip = CODE_VA;
    CHECK_EQ(sys_env_set_regs((uint32_t)c, &regs), -E_INVAL); /* already started */
    CHECK_EQ(exo_wait((uint32_t)c, 10000), ENV_STATUS(ENV_STATUS_EXIT, 77));
    CHECK_EQ(sys_cap_delete((uint32_t)c), 0);
    exo_unmap(CAP_SELF, (uint32_t)ours);

    /* env_replace: a child replaces itself by a grandchild it built. */
    long r = exo_spawn("t_replace_child", 256);
    CHECK_EQ(r > 0, 1);
    CHECK_EQ(exo_wait((uint32_t)r, 100000), ENV_STATUS(ENV_STATUS_EXIT, 55));
    CHECK_EQ(sys_cap_delete((uint32_t)r), 0);
    CHECK_EQ(sys_env_replace(CAP_SELF), -E_INVAL);

    /* cap_move: ownership (and the charge) goes with an original. */
    long d = sys_env_create(64);
    sys_env_quota((uint32_t)d, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    long f = sys_frame_alloc_in(CAP_SELF, -1, 2);
    long nogrant = sys_cap_derive((uint32_t)f, R_READ, CAP_SELF);
    long weakd = sys_cap_derive((uint32_t)d, R_CALL, CAP_SELF);
    CHECK_EQ(sys_cap_move((uint32_t)nogrant, (uint32_t)d), -E_PERM);
    CHECK_EQ(sys_cap_move((uint32_t)f, (uint32_t)weakd), -E_PERM);
    CHECK_EQ(sys_cap_move(3000, (uint32_t)d), -E_NOENT);
    CHECK_EQ(sys_cap_move(CAP_SELF, (uint32_t)d), -E_INVAL);
    uint64_t used = exo_info->mem_used;
    long moved = sys_cap_move((uint32_t)f, (uint32_t)d);
    CHECK_EQ(moved > 0, 1);
    CHECK_EQ(exo_info->mem_used, used - 4);               /* the 4 pages are its now */
    CHECK_EQ(sys_cap_inspect((uint32_t)nogrant, &ci), 0); /* our copy still hangs from it */
    CHECK_EQ(ci.depth, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)d), 0);                    /* its end frees the block ... */
    CHECK_EQ(sys_cap_inspect((uint32_t)nogrant, &ci), -E_NOENT); /* ... and our copy */
    CHECK_EQ(sys_cap_delete((uint32_t)ours), 0);
    printf("t_envbuild: %d failed checks\n", check_failures);
    return check_failures;
}
