/* Kernel memory exhausted through kernel calls: quotas handed to children,
 * a child that runs its quota dry (t_quota_child), page tables charged to
 * the env they map into, and the env table filled up. Everything must come
 * back. */
#include "../../lib/exo/exo.h"
#include "check.h"

#define SPREAD 0x0000010000000000UL

static struct cap_info ci;

static long free_frames(void)
{
    struct sys_info si;
    if (sys_sysinfo(&si) < 0)
        return -1;
    return (long)si.free_frames;
}

/* Quotas larger than what is left, or below the minimum. */
static void create_limits(void)
{
    const uint64_t q0 = exo_info->mem_quota, used = exo_info->mem_used;
    const uint64_t left = q0 - used;
    CHECK_EQ(sys_env_create(left + 1), -E_NOMEM);
    CHECK_EQ(sys_env_create(1UL << 40), -E_NOMEM);
    CHECK_EQ(sys_env_create(1UL << 63), -E_NOMEM);
    CHECK_EQ(sys_env_create(~0UL), -E_NOMEM);
    CHECK_EQ(sys_env_create(0), -E_INVAL);
    CHECK_EQ(sys_env_create(15), -E_INVAL);
    CHECK_EQ(exo_info->mem_quota, q0);
    long e = sys_env_create(16);
    CHECK_EQ(e > 0, 1);
    CHECK_EQ(exo_info->mem_quota, q0 - 16);
    CHECK_EQ(sys_cap_delete((uint32_t)e), 0);
    CHECK_EQ(exo_info->mem_quota, q0);
    /* Give away everything that is left. */
    e = sys_env_create(left);
    CHECK_EQ(e > 0, 1);
    CHECK_EQ(exo_info->mem_quota, used);
    CHECK_EQ(sys_frame_alloc(-1), -E_NOMEM);
    CHECK_EQ(sys_env_create(16), -E_NOMEM);
    CHECK_EQ(exo_info->mem_used, used);
    CHECK_EQ(sys_cap_delete((uint32_t)e), 0);
    CHECK_EQ(exo_info->mem_quota, q0);
    long f = sys_frame_alloc(-1);
    CHECK_EQ(f > 0, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)f), 0);
    CHECK_EQ(exo_info->mem_used, used);
}

/* A child runs its 200 pages dry and exits cleanly. */
static void child_exhausts(void)
{
    const uint64_t q0 = exo_info->mem_quota;
    long before = free_frames();
    long w = exo_spawn("t_quota_child", 200);
    CHECK_EQ(w > 0, 1);
    if (w <= 0)
        return;
    CHECK_EQ(exo_info->mem_quota, q0 - 200);
    long st = exo_wait((uint32_t)w, 1000000);
    CHECK_EQ(st, ENV_STATUS(ENV_STATUS_EXIT, 0));
    CHECK_EQ(exo_info->mem_quota, q0); /* returned when it ended */
    CHECK_EQ(sys_cap_delete((uint32_t)w), 0);
    CHECK_EQ(free_frames(), before);
}

/* Page tables for mappings we make in a child are charged to the child. */
static void charged_to_target(void)
{
    static long caps[8];
    long before = free_frames();
    const uint64_t used = exo_info->mem_used;
    long child = sys_env_create(16);
    CHECK_EQ(child > 0, 1);
    for (int i = 0; i < 8; i++)
        caps[i] = sys_frame_alloc(-1);
    CHECK_EQ(exo_info->mem_used, used + 8);
    int mapped = 0;
    long r = 0;
    for (int k = 1; k <= 8; k++) {
        r = exo_map((uint32_t)child, (uint32_t)caps[k - 1], SPREAD * (uint64_t)k, MMU_W);
        if (r != 1)
            break;
        mapped++;
    }
    CHECK_EQ(r, -E_NOMEM);
    CHECK_EQ(mapped >= 1 && mapped <= 4, 1);
    CHECK_EQ(exo_info->mem_used, used + 8); /* none of it charged to us */
    CHECK_EQ(sys_cap_inspect((uint32_t)caps[0], &ci), 0);
    CHECK_EQ(ci.mapped_va, SPREAD);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(sys_cap_inspect((uint32_t)caps[i], &ci), 0);
        CHECK_EQ(ci.mapped_env, 0);
        CHECK_EQ(sys_cap_delete((uint32_t)caps[i]), 0);
    }
    CHECK_EQ(exo_info->mem_used, used);
    CHECK_EQ(free_frames(), before);
}

/* Envs until the env table is full. */
static void env_table(void)
{
    static long envs[64];
    static uint64_t ids[64];
    const uint64_t q0 = exo_info->mem_quota;
    long before = free_frames();
    const uint64_t mem0 = exo_info->mem_used;
    int n = 0;
    long r;
    while (n < 64 && (r = sys_env_create(16)) > 0)
        envs[n++] = r;
    CHECK_EQ(r, -E_NOMEM);
    CHECK_EQ(n >= 48 && n <= 63, 1); /* 64 entries, ours among them */
    CHECK_EQ(exo_info->mem_quota, q0 - 16 * (uint64_t)n);
    CHECK_EQ(exo_spawn("t_caps_child", 64), -E_NOMEM);
    CHECK_EQ(exo_info->mem_quota, q0 - 16 * (uint64_t)n);
    int dup = 0;
    for (int i = 0; i < n; i++) {
        CHECK_EQ(sys_cap_inspect((uint32_t)envs[i], &ci), 0);
        ids[i] = ci.object;
        for (int j = 0; j < i; j++)
            dup += ids[j] == ids[i];
        dup += ids[i] == exo_info->id;
    }
    CHECK_EQ(dup, 0);
    struct sys_info si;
    CHECK_EQ(sys_sysinfo(&si), 0);
    CHECK_EQ(before - (long)si.free_frames > 0, 1);
    /* Free one: one can be made again, under a new id. */
    CHECK_EQ(sys_cap_delete((uint32_t)envs[n - 1]), 0);
    r = sys_env_create(16);
    CHECK_EQ(r > 0, 1);
    CHECK_EQ(sys_cap_inspect((uint32_t)r, &ci), 0);
    CHECK_EQ(ci.object != ids[n - 1], 1);
    CHECK_EQ(sys_env_create(16), -E_NOMEM);
    envs[n - 1] = r;
    for (int i = 0; i < n; i++)
        CHECK_EQ(sys_cap_delete((uint32_t)envs[i]), 0);
    CHECK_EQ(exo_info->mem_quota, q0);
    CHECK_EQ(free_frames(), before - (long)(exo_info->mem_used - mem0));
    printf("t_quota: %d envs filled the table\n", n);
}

/* A child started with `quota` pages and the given credit on ours; returns
 * how many of its 100 frames it got. */
static long run_credit_child(uint64_t quota, uint64_t credit, uint64_t keep)
{
    long w = sys_env_create(quota);
    sys_env_quota((uint32_t)w, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    CHECK_EQ(w > 0, 1);
    CHECK_EQ(sys_env_load((uint32_t)w, "t_credit_child", 14), 0);
    CHECK_EQ(sys_env_credit((uint32_t)w, credit, keep), 0);
    CHECK_EQ(sys_slot_alloc((uint32_t)w, -1) >= 0, 1);
    CHECK_EQ(sys_env_start((uint32_t)w), 0);
    long st = exo_wait((uint32_t)w, 1000000);
    CHECK_EQ(st >> 8, ENV_STATUS_EXIT);
    CHECK_EQ(sys_cap_delete((uint32_t)w), 0);
    return st & 0xff;
}

/* sys_env_credit: a child draws quota from ours on demand, within its
 * credit and what we keep; it all comes back when it ends. */
static void credit(void)
{
    long before = free_frames();
    uint64_t q0 = exo_info->mem_quota;
    long without = run_credit_child(64, 0, 0);
    CHECK_EQ(without < 100, 1); /* 64 pages, some of them its own image */
    CHECK_EQ(run_credit_child(64, 1000, 0), 100);
    CHECK_EQ(exo_info->mem_quota, q0); /* lent, and back */
    long some = run_credit_child(64, 20, 0);
    CHECK_EQ(some > without && some < 100, 1);
    CHECK_EQ(run_credit_child(64, 1000, exo_info->mem_quota), without); /* we keep it all */
    CHECK_EQ(exo_info->mem_quota, q0);
    CHECK_EQ(free_frames(), before);
    /* Bad input. */
    CHECK_EQ(sys_env_credit(CAP_SELF, 10, 0), -E_INVAL);
    CHECK_EQ(sys_env_credit(NCAPSLOTS, 10, 0), -E_INVAL);
    CHECK_EQ(sys_env_credit(4000, 10, 0), -E_NOENT);
    long f = sys_frame_alloc(-1);
    CHECK_EQ(sys_env_credit((uint32_t)f, 10, 0), -E_PERM);
    long w = sys_env_create(16);
    sys_env_quota((uint32_t)w, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    long weak = sys_cap_derive((uint32_t)w, R_CALL, CAP_SELF);
    CHECK_EQ(sys_env_credit((uint32_t)weak, 10, 0), -E_PERM);
    CHECK_EQ(sys_env_credit((uint32_t)w, 10, 0), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)w), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)f), 0);
}

int main(void)
{
    CHECK_EQ(exo_info->mem_quota, 8192); /* 32 MiB, from the manifest */
    long start = free_frames();
    uint64_t start_mem = exo_info->mem_used;
    create_limits();
    child_exhausts();
    charged_to_target();
    env_table();
    credit();
    /* Everything came back but the capability table's pages, which stay. */
    uint64_t grown = exo_info->mem_used - start_mem;
    CHECK_EQ(grown <= 2, 1);
    CHECK_EQ(free_frames(), start - (long)grown);
    printf("t_quota: %d failed checks\n", check_failures);
    return check_failures;
}
