/* Bounded work with interrupts off in sys_ext_load (issue 10, item 9): the
 * verifier explores at most EXT_LOAD_MAX_STEPS instructions per load, all
 * programs together, and objects are at most EXT_MAX_OBJECT bytes. Prints
 * the worst cases in TSC ticks: a load that runs out of budget, the most
 * costly program a load accepts, the largest object. */
#include "../../lib/exo/exo.h"
#include "check.h"

#define OBJ(n) extern const char ext_obj_##n[], ext_obj_##n##_end[];
OBJ(x_slow)
OBJ(x_slow1)
OBJ(x_huge)

static uint64_t ticks;

static long timed_load(const char *obj, const char *end, struct ext_verdict *v)
{
    uint64_t t0 = (uint64_t)__builtin_ia32_rdtsc();
    long r = sys_ext_load(obj, (uint64_t)(end - obj), v, NULL, 0);
    ticks = (uint64_t)__builtin_ia32_rdtsc() - t0;
    return r;
}

int main(void)
{
    struct ext_verdict v;
    uint64_t per_ms = exo_info->tsc_per_ms;
    /* Four programs that pass alone (15,000 steps each): together they are
     * more than one load may verify. */
    CHECK_EQ(timed_load(ext_obj_x_slow, ext_obj_x_slow_end, &v), -E_VERIFY);
    CHECK_EQ(strstr(v.reason, "budget") != NULL, 1);
    CHECK_EQ(v.prog, 1);
    printf("t_extbound: four programs over budget: refused in %lu ticks (%lu ms): \"%s\"\n", ticks,
           ticks / per_ms, v.reason);
    /* The costliest verification we know: every other instruction a prune
     * point, until the budget runs out. */
    CHECK_EQ(timed_load(ext_obj_x_slow1, ext_obj_x_slow1_end, &v), -E_VERIFY);
    CHECK_EQ(strstr(v.reason, "budget") != NULL, 1);
    printf("t_extbound: a branchy loop: refused in %lu ticks (%lu ms)\n", ticks, ticks / per_ms);
    long m;
    /* The largest object: 11 programs of 1,325 instructions, 118 KiB. */
    CHECK_EQ((uint64_t)(ext_obj_x_huge_end - ext_obj_x_huge) <= EXT_MAX_OBJECT, 1);
    m = timed_load(ext_obj_x_huge, ext_obj_x_huge_end, &v);
    CHECK_EQ(m > 0, 1);
    printf("t_extbound: the largest object loaded in %lu ticks (%lu ms)\n", ticks, ticks / per_ms);
    CHECK_EQ(sys_cap_delete((uint32_t)m), 0);
    printf("t_extbound: %d failed checks\n", check_failures);
    return check_failures;
}
