/* The env kernel calls with bad input: env_load, env_set_entries, env_start,
 * env_status, and a child that is blocked, woken and destroyed. */
#include "../../lib/exo/exo.h"
#include "check.h"

int main(void)
{
    long c = sys_env_create(64);
    sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    CHECK_EQ(c > 0, 1);
    long weak = sys_cap_derive((uint32_t)c, R_CALL, CAP_SELF);
    long frame = sys_frame_alloc(-1);

    /* env_load */
    CHECK_EQ(sys_env_load((uint32_t)c, "no-such-program", 15), -E_NOENT);
    CHECK_EQ(sys_env_load((uint32_t)c, "tests", 5), -E_INVAL); /* not an ELF file */
    CHECK_EQ(sys_env_load((uint32_t)c, NULL, 5), -E_FAULT);
    CHECK_EQ(sys_env_load((uint32_t)c, (const char *)KERNEL_TEXT, 5), -E_FAULT);
    CHECK_EQ(sys_env_load((uint32_t)c, "t_spin", 0), -E_NOENT);
    CHECK_EQ(sys_env_load((uint32_t)c, "t_spin", ~0UL), -E_NOENT);
    CHECK_EQ(sys_env_load((uint32_t)weak, "t_spin", 6), -E_PERM);
    CHECK_EQ(sys_env_load((uint32_t)frame, "t_spin", 6), -E_PERM);
    CHECK_EQ(sys_env_load(250, "t_spin", 6), -E_NOENT);
    CHECK_EQ(sys_env_load(CAP_SELF, "t_spin", 6), -E_INVAL); /* we already run a program */

    /* env_start before anything is loaded */
    CHECK_EQ(sys_env_start((uint32_t)c), -E_INVAL);
    CHECK_EQ(sys_env_start((uint32_t)weak), -E_PERM);
    CHECK_EQ(sys_env_status((uint32_t)c), -E_AGAIN);
    CHECK_EQ(sys_env_status((uint32_t)frame), -E_PERM);
    CHECK_EQ(sys_env_status((uint32_t)weak), -E_PERM);

    /* env_set_entries */
    struct env_entries en;
    memset(&en, 0, sizeof en);
    CHECK_EQ(sys_env_set_entries((uint32_t)c, NULL), -E_FAULT);
    CHECK_EQ(sys_env_set_entries((uint32_t)c, (const struct env_entries *)KERNEL_TEXT), -E_FAULT);
    en.entry[UPCALL_EXCEPTION] = KERNEL_TEXT;
    CHECK_EQ(sys_env_set_entries((uint32_t)c, &en), -E_INVAL);
    en.entry[UPCALL_EXCEPTION] = 0x401000;
    en.xstack_top = 0x500008; /* misaligned */
    en.xstack_size = 4096;
    CHECK_EQ(sys_env_set_entries((uint32_t)c, &en), -E_INVAL);
    en.xstack_top = 0x500000;
    en.xstack_size = 0x500000; /* reaches below user space */
    CHECK_EQ(sys_env_set_entries((uint32_t)c, &en), -E_INVAL);
    en.xstack_size = 4096;
    en.pct_stack_top = 0xffff800000000000UL;
    CHECK_EQ(sys_env_set_entries((uint32_t)c, &en), -E_INVAL);
    en.pct_stack_top = 0;
    CHECK_EQ(sys_env_set_entries((uint32_t)weak, &en), -E_PERM);
    CHECK_EQ(sys_env_set_entries((uint32_t)c, &en), 0);

    /* A program that loads and runs; its exit status reaches us. */
    memset(&en, 0, sizeof en);
    CHECK_EQ(sys_env_set_entries((uint32_t)c, &en), 0);
    CHECK_EQ(sys_env_load((uint32_t)c, "t_exit42", 8), 0);
    CHECK_EQ(sys_env_load((uint32_t)c, "t_exit42", 8), -E_INVAL); /* only once */
    CHECK_EQ(sys_slot_alloc((uint32_t)c, -1) > 0, 1);
    CHECK_EQ(sys_env_start((uint32_t)c), 0);
    CHECK_EQ(exo_wait((uint32_t)c, 10000), ENV_STATUS(ENV_STATUS_EXIT, 42));
    CHECK_EQ(sys_env_status((uint32_t)weak), -E_PERM);
    CHECK_EQ(sys_cap_delete((uint32_t)c), 0);
    CHECK_EQ(sys_cap_inspect((uint32_t)weak, &(struct cap_info){0}), -E_NOENT);

    /* A blocked env (the PCT server sleeps in sys_block) is woken by events
     * and destroyed cleanly while asleep. */
    long srv = exo_spawn("t_pct_server", 128);
    for (int i = 0; i < 50; i++)
        sys_yield(-1);
    CHECK_EQ(sys_env_status((uint32_t)srv), -E_AGAIN);
    CHECK_EQ(sys_pct_send((uint32_t)srv, 1), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)srv), 0);
    /* sys_block returns at once while an event is pending. */
    CHECK_EQ(sys_pct_send(CAP_SELF, 4), 0);
    CHECK_EQ(sys_pct_send(CAP_SELF, 1UL << 63), -E_INVAL); /* not an event bit */
    CHECK_EQ(exo_info->pending_events & 4, 4);
    CHECK_EQ(sys_block(0) & 4, 4); /* and consumes them */
    CHECK_EQ(exo_info->pending_events & 4, 0);
    CHECK_EQ(sys_cap_delete((uint32_t)frame), 0);
    printf("t_envcalls: %d failed checks\n", check_failures);
    return check_failures;
}
