/* sys_stat, the read-only view of the machine (httpd's /spinel/): this env
 * appears among the envs with its own quota, use, slot and capabilities;
 * its slot appears in CPU 0's vector; a module it loads appears with its
 * owner, programs and the runs of its handler. Bad input: unknown kinds,
 * counts above the maximum, NULL, kernel, unmapped, read-only and
 * misaligned buffers, a buffer that ends too soon. */
#include "../../lib/exo/exo.h"
#include "check.h"

extern const char ext_obj_x_skip[], ext_obj_x_skip_end[];
static const struct stat_env ro_envs[STAT_MAX_ENVS]; /* in .rodata: read-only */
static struct stat_env envs[STAT_MAX_ENVS];
static struct stat_cpu cpus[STAT_MAX_CPUS];
static struct stat_module mods[STAT_MAX_MODULES];

static struct stat_env *me_in(long n)
{
    for (long i = 0; i < n; i++)
        if (envs[i].id == exo_info->id)
            return &envs[i];
    return NULL;
}

static struct stat_module *mod_in(long n, uint32_t owner)
{
    for (long i = 0; i < n; i++)
        if (mods[i].owner == owner && strcmp(mods[i].prog, "event/exception/is_ud") == 0)
            return &mods[i];
    return NULL;
}

int main(void)
{
    /* Envs: counting, then filling; this env is there, as it sees itself. */
    long n = sys_stat(STAT_ENVS, NULL, 0);
    CHECK_EQ(n >= 1 && n <= STAT_MAX_ENVS, 1);
    CHECK_EQ(sys_stat(STAT_ENVS, envs, STAT_MAX_ENVS), n);
    struct stat_env *me = me_in(n);
    CHECK_EQ(me != NULL, 1);
    if (me) {
        CHECK_EQ(me->mem_quota, exo_info->mem_quota);
        CHECK_EQ(me->mem_used > 0 && me->mem_used <= me->mem_quota, 1);
        CHECK_EQ(me->state, 2); /* runnable */
        CHECK_EQ(me->slots >= 1, 1);
        CHECK_EQ(strcmp(me->name, "t_stat"), 0);
        CHECK_EQ(me->parent, exo_info->parent);
        /* Its capabilities by type, as sys_cap_list sees them. */
        static struct cap_info ci[256];
        uint32_t frames = 0, all = 0;
        for (uint32_t s = 0; s < NCAPSLOTS; s += 256) {
            long k = sys_cap_list(s, ci, 256);
            for (long i = 0; i < k; i++) {
                all += ci[i].type != CAP_NONE;
                frames += ci[i].type == CAP_FRAME;
            }
            if (k < 256)
                break;
        }
        CHECK_EQ(me->caps[CAP_FRAME], frames);
        CHECK_EQ(me->caps[0], all);
        printf("t_stat: %ld envs; me: %s, %lu of %lu pages, %u capabilities (%u frames)\n", n,
               me->name, me->mem_used, me->mem_quota, me->caps[0], me->caps[CAP_FRAME]);
    }
    /* A short buffer: only the first entries are written. */
    memset(envs, 0xab, sizeof envs);
    CHECK_EQ(sys_stat(STAT_ENVS, envs, 1), n);
    CHECK_EQ(envs[0].id != 0xabababab, 1);
    CHECK_EQ(envs[1].id, 0xabababab);

    /* CPUs: this env owns a position of some CPU's vector. */
    long nc = sys_stat(STAT_CPUS, cpus, STAT_MAX_CPUS);
    CHECK_EQ(nc >= 1, 1);
    int owned = 0;
    for (long c = 0; c < nc; c++)
        for (int p = 0; p < 64; p++)
            owned += cpus[c].owner[p] == exo_info->id;
    CHECK_EQ(owned >= 1, 1);
    CHECK_EQ(cpus[0].online, 1);
    CHECK_EQ(cpus[0].ticks > 0, 1);

    /* Modules: one loaded here shows up as ours, with a handler that runs. */
    long m0 = sys_stat(STAT_MODULES, mods, STAT_MAX_MODULES);
    CHECK_EQ(m0 >= 0, 1);
    CHECK_EQ(mod_in(m0, exo_info->id) == NULL, 1);
    struct ext_verdict v;
    long smod =
        sys_ext_load(ext_obj_x_skip, (uint64_t)(ext_obj_x_skip_end - ext_obj_x_skip), &v, NULL, 0);
    CHECK_EQ(smod > 0, 1);
    long is_ud = exo_ext_find((uint32_t)smod, "event/exception/is_ud");
    long skip = exo_ext_find((uint32_t)smod, "event/exception/skip");
    CHECK_EQ(sys_ext_attach((uint32_t)smod, (uint32_t)skip, is_ud, CAP_SELF, NULL, 0) > 0, 1);
    for (int i = 0; i < 5; i++)
        __asm__ volatile("ud2"); /* skipped in the kernel */
    long m1 = sys_stat(STAT_MODULES, mods, STAT_MAX_MODULES);
    CHECK_EQ(m1, m0 + 1);
    struct stat_module *sm = mod_in(m1, exo_info->id);
    CHECK_EQ(sm != NULL, 1);
    if (sm) {
        CHECK_EQ(sm->nprogs, 2);
        CHECK_EQ(sm->handlers, 1);
        CHECK_EQ(sm->runs, 5);
        CHECK_EQ(sm->handled, 5);
        CHECK_EQ(sm->filters, 0);
        CHECK_EQ(sm->code_bytes > 0, 1);
    }
    CHECK_EQ(sys_stat(STAT_ENVS, envs, STAT_MAX_ENVS), n);
    me = me_in(n);
    CHECK_EQ(me && me->caps[CAP_EXT] == 1 && me->caps[CAP_HANDLER] == 1, 1);
    /* Deleting it: gone from the list. */
    CHECK_EQ(sys_cap_delete((uint32_t)smod), 0);
    CHECK_EQ(sys_stat(STAT_MODULES, mods, STAT_MAX_MODULES), m0);

    /* Bad input. */
    CHECK_EQ(sys_stat(0, envs, 1), -E_INVAL);
    CHECK_EQ(sys_stat(4, envs, 1), -E_INVAL);
    CHECK_EQ(sys_stat(~0u, envs, 1), -E_INVAL);
    CHECK_EQ(sys_stat(STAT_ENVS, envs, STAT_MAX_ENVS + 1), -E_INVAL);
    CHECK_EQ(sys_stat(STAT_CPUS, cpus, STAT_MAX_CPUS + 1), -E_INVAL);
    CHECK_EQ(sys_stat(STAT_MODULES, mods, STAT_MAX_MODULES + 1), -E_INVAL);
    CHECK_EQ(sys_stat(STAT_ENVS, envs, ~0UL), -E_INVAL);
    CHECK_EQ(sys_stat(STAT_ENVS, NULL, 1), -E_FAULT);
    CHECK_EQ(sys_stat(STAT_CPUS, (void *)KERNEL_TEXT, 1), -E_FAULT);
    CHECK_EQ(sys_stat(STAT_CPUS, (void *)0xffff800000001000UL, 1), -E_FAULT);
    CHECK_EQ(sys_stat(STAT_ENVS, (void *)0x0000600000000000UL, 1), -E_FAULT); /* unmapped */
    CHECK_EQ(sys_stat(STAT_ENVS, (void *)ro_envs, 1), -E_FAULT);              /* read-only */
    CHECK_EQ(sys_stat(STAT_ENVS, (void *)main, 1), -E_FAULT);                 /* text */
    CHECK_EQ(sys_stat(STAT_ENVS, (char *)envs + 4, 1), -E_ALIGN);
    CHECK_EQ(sys_stat(STAT_CPUS, (void *)(USER_TOP - 8), 1), -E_FAULT); /* runs off the top */
    /* Ends on the unmapped page below the stack. */
    CHECK_EQ(sys_stat(STAT_CPUS, (void *)(USER_STACK_TOP - USER_STACK_PAGES * 4096 - 256), 1),
             -E_FAULT);

    /* Still fine. */
    CHECK_EQ(sys_stat(STAT_ENVS, envs, STAT_MAX_ENVS), n);
    printf("t_stat: %d failed checks\n", check_failures);
    return check_failures;
}
