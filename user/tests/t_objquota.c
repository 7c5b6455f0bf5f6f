/* Object quotas (issue 10, item 4): every kernel object an env makes is
 * charged to a quota its keeper gave it. A hostile child with fixed quotas
 * exhausts every kind and gets E_NOMEM at its quota, and we can still make
 * every kind meanwhile; a hostile child with a credit on ours takes all it
 * can and leaves us what the credit says we keep; the quotas come back
 * whole when they end. Then 1,200 load/attach/delete cycles of an
 * extension with 18 pages of code: more than the code region's 16,384
 * pages went through it before its space was reused. */
#include "../../lib/exo/exo.h"
#include "check.h"
#include "objquota.h"

extern const char ext_obj_x_pct[], ext_obj_x_pct_end[];
extern const char ext_obj_x_other[], ext_obj_x_other_end[];
extern const char ext_obj_x_big[], ext_obj_x_big_end[];

static long load_big(void)
{
    return sys_ext_load(ext_obj_x_big, (uint64_t)(ext_obj_x_big_end - ext_obj_x_big), NULL, NULL,
                        0);
}

static long load(void)
{
    return sys_ext_load(ext_obj_x_pct, (uint64_t)(ext_obj_x_pct_end - ext_obj_x_pct), NULL, NULL,
                        0);
}

static struct share *sh = (struct share *)SHARE_VA;

static long start_child(long page, uint64_t mode, const uint32_t *give, uint64_t credit,
                        uint64_t keep)
{
    sh->mode = mode;
    sh->done = 0;
    long c = sys_env_create(2048);
    CHECK_EQ(c > 0, 1);
    CHECK_EQ(sys_env_load((uint32_t)c, "t_objquota_child", 16), 0);
    CHECK_EQ(sys_cap_derive((uint32_t)page, R_READ | R_WRITE, (uint32_t)c) > 0, 1);
    for (int k = 0; k < OBJ_KINDS; k++)
        CHECK_EQ(sys_env_quota((uint32_t)c, 1u << k, give[k], credit, keep), 0);
    CHECK_EQ(sys_slot_alloc((uint32_t)c, -1) > 0, 1); /* charged to it: one of its slots */
    CHECK_EQ(sys_env_start((uint32_t)c), 0);
    for (int i = 0; i < 1000000 && !sh->done; i++)
        sys_yield(-1);
    CHECK_EQ(sh->done, 1);
    CHECK_EQ(sh->failures, 0);
    return c;
}

/* We can still make n objects of every kind; returns them deleted. */
static void still_working(int n, int then_refused)
{
    static long made[OBJ_KINDS][8];
    long mod = load();
    CHECK_EQ(mod > 0, 1);
    for (int i = 0; i < n; i++) {
        CHECK_EQ((made[OBJ_SLOT][i] = sys_slot_alloc(CAP_SELF, -1)) > 0, 1);
        CHECK_EQ((made[OBJ_ENV][i] = sys_env_create(16)) > 0, 1);
        CHECK_EQ((made[OBJ_NOTIFY][i] = sys_notify_create()) > 0, 1);
        if (i > 0)
            CHECK_EQ((made[OBJ_EXTMOD][i] = load()) > 0, 1);
        CHECK_EQ((made[OBJ_HANDLER][i] = sys_ext_attach((uint32_t)mod, 1, -1, CAP_SELF, NULL, 0)) >
                     0,
                 1);
    }
    if (then_refused) {
        CHECK_EQ(sys_slot_alloc(CAP_SELF, -1), -E_NOMEM);
        CHECK_EQ(sys_env_create(16), -E_NOMEM);
        CHECK_EQ(sys_notify_create(), -E_NOMEM);
        CHECK_EQ(load(), -E_NOMEM);
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < OBJ_KINDS; k++)
            if (k != OBJ_EXTMOD || i > 0)
                CHECK_EQ(sys_cap_delete((uint32_t)made[k][i]), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)mod), 0);
}

int main(void)
{
    uint32_t q0[OBJ_KINDS], u0[OBJ_KINDS];
    for (int k = 0; k < OBJ_KINDS; k++) {
        q0[k] = exo_info->obj_quota[k];
        u0[k] = exo_info->obj_used[k];
    }
    /* A root env has the whole system: 63 slots (the runner gave us one
     * more), 63 envs, 128 notification objects, 32 modules, 64 handlers. */
    CHECK_EQ(q0[OBJ_SLOT], 63);
    CHECK_EQ(q0[OBJ_ENV], 63);
    CHECK_EQ(q0[OBJ_NOTIFY], 128);
    CHECK_EQ(q0[OBJ_EXTMOD], 32);
    CHECK_EQ(q0[OBJ_HANDLER], 64);
    long page = exo_page_alloc_map(SHARE_VA, true);
    CHECK_EQ(page > 0, 1);

    /* 1. Fixed quotas: it gets exactly them, we keep working. */
    static const uint32_t fixed[OBJ_KINDS] = {4, 2, 3, 2, 3};
    long h = start_child(page, 1, fixed, 0, 0);
    for (int k = 0; k < OBJ_KINDS; k++) {
        CHECK_EQ(sh->err[k], -E_NOMEM);
        CHECK_EQ(exo_info->obj_quota[k], q0[k] - fixed[k]);
    }
    CHECK_EQ(sh->got[OBJ_SLOT], 3); /* (we put its first slot in its table) */
    CHECK_EQ(sh->got[OBJ_ENV], 2);
    still_working(4, 0);
    CHECK_EQ(sys_cap_delete((uint32_t)h), 0);
    for (int k = 0; k < OBJ_KINDS; k++)
        CHECK_EQ(exo_info->obj_quota[k] == q0[k] && exo_info->obj_used[k] == u0[k], 1);

    /* 2. A credit on all of ours: it draws until we are down to what we keep. */
    static const uint32_t none[OBJ_KINDS];
    long g = start_child(page, 2, none, ~0UL, 5);
    for (int k = 0; k < OBJ_KINDS; k++) {
        CHECK_EQ(sh->err[k], -E_NOMEM);
        CHECK_EQ(exo_info->obj_quota[k] - exo_info->obj_used[k], 5);
    }
    printf("t_objquota: on credit it took %lu slots, %lu envs, %lu notification objects, %lu "
           "modules, %lu handlers\n",
           sh->got[0], sh->got[1], sh->got[2], sh->got[3], sh->got[4]);
    CHECK_EQ(sh->got[OBJ_ENV] >= 50, 1);
    still_working(5, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)g), 0);
    for (int k = 0; k < OBJ_KINDS; k++)
        CHECK_EQ(exo_info->obj_quota[k] == q0[k] && exo_info->obj_used[k] == u0[k], 1);

    /* 3. A module's pages are charged to its holder's memory quota; a
     * combined module costs 1 plus its parts, pages included (it keeps
     * them alive after their own capabilities go). */
    uint64_t m0 = exo_info->mem_used;
    uint32_t e0 = exo_info->obj_used[OBJ_EXTMOD];
    long a = load();
    uint64_t pa = exo_info->mem_used - m0;
    long b = sys_ext_load(ext_obj_x_other, (uint64_t)(ext_obj_x_other_end - ext_obj_x_other), NULL,
                          NULL, 0);
    uint64_t pb = exo_info->mem_used - m0 - pa;
    CHECK_EQ(a > 0 && b > 0 && pa >= 3 && pb >= 3, 1);
    long ab = sys_ext_combine((uint32_t)a, (uint32_t)b);
    CHECK_EQ(ab > 0, 1);
    CHECK_EQ(exo_info->obj_used[OBJ_EXTMOD], e0 + 2 + 3);
    CHECK_EQ(exo_info->mem_used, m0 + 2 * (pa + pb));
    CHECK_EQ(sys_cap_delete((uint32_t)a), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
    CHECK_EQ(exo_info->obj_used[OBJ_EXTMOD], e0 + 3);
    CHECK_EQ(exo_info->mem_used, m0 + pa + pb);
    CHECK_EQ(sys_cap_delete((uint32_t)ab), 0);
    CHECK_EQ(exo_info->obj_used[OBJ_EXTMOD], e0);
    CHECK_EQ(exo_info->mem_used, m0);

    /* 4. Load, attach, detach, unload, 1,200 times. */
    uint64_t mem1 = exo_info->mem_used;
    int cycles = 0;
    uint64_t t0 = (uint64_t)__builtin_ia32_rdtsc();
    for (int i = 0; i < 1200; i++) {
        long m = load_big();
        if (i == 0)
            printf("t_objquota: the big module takes %lu pages\n", exo_info->mem_used - mem1);
        long hd = m > 0 ? sys_ext_attach((uint32_t)m, 1, -1, CAP_SELF, NULL, 0) : -1;
        if (m < 0 || hd < 0) {
            printf("t_objquota: cycle %d: load %ld, attach %ld\n", i, m, hd);
            break;
        }
        CHECK_EQ(sys_cap_delete((uint32_t)hd), 0);
        CHECK_EQ(sys_cap_delete((uint32_t)m), 0);
        cycles++;
    }
    CHECK_EQ(cycles, 1200);
    printf("t_objquota: %lu ms per cycle\n",
           (uint64_t)(__builtin_ia32_rdtsc() - t0) / exo_info->tsc_per_ms / 1200);
    CHECK_EQ(exo_info->mem_used, mem1);
    CHECK_EQ(sys_cap_delete((uint32_t)page), 0);
    printf("t_objquota: %d load/delete cycles; %d failed checks\n", cycles, check_failures);
    return check_failures;
}
