/* sys_stat: read-only copies of the machine's state for monitors (the
 * live view of httpd at /spinel/): the envs with their quotas, use and
 * capabilities, each CPU's time-slot vector, the extension modules with
 * their counters. A kernel call holds the kernel lock, which keeps envs[],
 * the capability tables, the CPUs' slot vectors and ext.c's tables still
 * while they are read; net.c's counters are read under net_lock. */
#include "kernel.h"
#include "cpu.h"
#include "env.h"
#include "cap.h"
#include "ext.h"
#include "net.h"
#include "uaccess.h"
#include <spinel/stat.h>

STATIC_ASSERT(STAT_MAX_ENVS == NENV && STAT_MAX_CPUS == MAX_CPUS &&
              STAT_MAX_MODULES == EXT_NMODULES && STAT_CAP_TYPES == CAP_BLOCK + 1);

/* Filled under the kernel lock, then copied out (one caller at a time). */
static union {
    struct stat_env env[STAT_MAX_ENVS];
    struct stat_cpu cpu[STAT_MAX_CPUS];
    struct stat_module mod[STAT_MAX_MODULES];
} buf;

/* Counts e's capabilities by type. At most CAP_MAX_SLOT nodes (only slots
 * below cap_top were ever used). Also notes, in mods[], the env holding
 * each module's original capability. */
static void count_caps(struct env *e, u32 *caps, struct stat_module *mods, u32 nmods)
{
    for (u32 s = 1; s < e->cap_top; s++) {
        struct capnode *c = cap_slot(e, s);
        if (!c) {
            s = (s / CAPS_PER_PAGE + 1) * CAPS_PER_PAGE - 1; /* (a page never made) */
            continue;
        }
        if (c->type == CAP_NONE || c->type >= STAT_CAP_TYPES)
            continue;
        if (caps) {
            caps[0]++;
            caps[c->type]++;
        }
        for (u32 m = 0; m < nmods && c->type == CAP_EXT && c->depth == 0; m++)
            if (c->object == ((u64)mods[m].gen << 8 | mods[m].index))
                mods[m].owner = e->id;
    }
}

static u32 stat_envs(void)
{
    u32 k = 0;
    for (int i = 0; i < NENV; i++) {
        struct env *e = &envs[i];
        if (e->state == ENV_FREE)
            continue;
        struct stat_env *s = &buf.env[k++];
        memset(s, 0, sizeof *s);
        s->id = e->id;
        s->parent = e->parent;
        strlcpy(s->name, e->name, sizeof s->name);
        s->state = (u32)e->state;
        s->mem_quota = e->mem_quota;
        s->mem_used = e->mem_used;
        if (e->info) {
            s->slots_run = e->info->slots_run;
            s->overruns = e->info->overruns;
            s->upcalls = e->info->upcalls;
        }
        for (int c = 0; c < ncpu; c++)
            for (int p = 0; p < 64; p++)
                s->slots += cpus[c].slot_owner[p] == e->id;
        count_caps(e, s->caps, NULL, 0);
    }
    return k;
}

static u32 stat_cpus(void)
{
    for (int c = 0; c < ncpu; c++) {
        struct stat_cpu *s = &buf.cpu[c];
        memset(s, 0, sizeof *s);
        s->cpu = (u32)c;
        s->online = c == 0 || cpus[c].online;
        s->env = cpus[c].env ? cpus[c].env->id : 0;
        s->slot_pos = (u32)cpus[c].slot_pos;
        s->ticks = cpus[c].ticks;
        for (int p = 0; p < 64; p++) {
            s->owner[p] = cpus[c].slot_owner[p];
            s->overruns[p] = cpus[c].slot_overruns[p];
        }
    }
    return (u32)ncpu;
}

static u32 stat_modules(void)
{
    u32 k = ext_stat_modules(buf.mod, STAT_MAX_MODULES);
    for (u32 m = 0; m < k; m++)
        net_module_stat(buf.mod[m].index, &buf.mod[m].filters, &buf.mod[m].packets);
    for (int i = 0; i < NENV; i++)
        if (envs[i].state != ENV_FREE)
            count_caps(&envs[i], NULL, buf.mod, k);
    return k;
}

/* sys_stat(kind, out, n): see kernel/kcalls.tbl. Bounded work: at most
 * NENV capability tables of CAP_MAX_SLOT nodes each. */
s64 sys_stat(u64 kind, u64 uout, u64 n)
{
    u64 max, size;
    switch (kind) {
    case STAT_ENVS:
        max = STAT_MAX_ENVS, size = sizeof(struct stat_env);
        break;
    case STAT_CPUS:
        max = STAT_MAX_CPUS, size = sizeof(struct stat_cpu);
        break;
    case STAT_MODULES:
        max = STAT_MAX_MODULES, size = sizeof(struct stat_module);
        break;
    default:
        return -E_INVAL;
    }
    if (n > max)
        return -E_INVAL;
    if (uout & 7)
        return -E_ALIGN;
    u32 k = kind == STAT_ENVS ? stat_envs() : kind == STAT_CPUS ? stat_cpus() : stat_modules();
    if (n && copy_to_user(uout, &buf, MIN(n, (u64)k) * size) < 0)
        return -E_FAULT;
    return k;
}
