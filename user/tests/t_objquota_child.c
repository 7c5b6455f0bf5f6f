/* t_objquota's hostile child: makes objects of every kind (time slots, envs,
 * notification objects, extension modules and handlers) until the kernel
 * says no, reports what it got in the shared page, then sleeps holding
 * everything. With fixed quotas (mode 1) it must get exactly its quota and
 * cannot make quota out of nothing for a child of its own. */
#include "../../lib/exo/exo.h"
#include "check.h"
#include "objquota.h"

extern const char ext_obj_x_pct[], ext_obj_x_pct_end[];

static long load(void)
{
    return sys_ext_load(ext_obj_x_pct, (uint64_t)(ext_obj_x_pct_end - ext_obj_x_pct), NULL, NULL,
                        0);
}

static long made[OBJ_KINDS][128];

int main(void)
{
    struct cap_info ci;
    for (uint32_t s = 1; s < NCAPSLOTS; s++) /* (the copy of the shared page) */
        if (sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_FRAME && ci.depth == 1)
            exo_map(CAP_SELF, s, SHARE_VA, MMU_W);
    struct share *sh = (struct share *)SHARE_VA;
    uint64_t spare[OBJ_KINDS];
    for (int k = 0; k < OBJ_KINDS; k++)
        spare[k] = exo_info->obj_quota[k] - exo_info->obj_used[k];
    for (int k = 0; k < OBJ_KINDS; k++) {
        long r = 0;
        uint64_t n = 0;
        while (n < 128) {
            switch (k) {
            case OBJ_SLOT:
                r = sys_slot_alloc(CAP_SELF, -1);
                break;
            case OBJ_ENV:
                r = sys_env_create(16);
                break;
            case OBJ_NOTIFY:
                r = sys_notify_create();
                break;
            case OBJ_EXTMOD:
                r = load();
                break;
            case OBJ_HANDLER: /* on ourselves, then on our envs: 8 handlers per env at most */
                r = sys_ext_attach((uint32_t)made[OBJ_EXTMOD][0], 1, -1,
                                   n < 8 ? CAP_SELF : (uint32_t)made[OBJ_ENV][n / 8 - 1], NULL, 0);
                break;
            }
            if (r < 0)
                break;
            made[k][n++] = r;
        }
        sh->got[k] = n;
        sh->err[k] = r;
        if (sh->mode == 1) {
            CHECK_EQ(n, spare[k]);
            CHECK_EQ(r, -E_NOMEM);
            CHECK_EQ(exo_info->obj_used[k], exo_info->obj_quota[k]);
        }
    }
    if (sh->mode == 1) {
        /* Quota out of nothing: none to give, none to take back. */
        uint32_t kid = (uint32_t)made[OBJ_ENV][0];
        CHECK_EQ(sys_env_quota(kid, OBJ_ALL, 1, 0, 0), -E_NOMEM);
        CHECK_EQ(sys_env_quota(kid, 1u << OBJ_SLOT, -1, 0, 0), -E_NOMEM);
        CHECK_EQ(sys_env_quota(kid, 1u << OBJ_SLOT, -(1L << 40), 0, 0), -E_INVAL);
        CHECK_EQ(sys_env_quota(CAP_SELF, OBJ_ALL, 1, 0, 0), -E_INVAL);
        CHECK_EQ(sys_env_quota(kid, 0, 1, 0, 0), -E_INVAL);
        CHECK_EQ(sys_env_quota(kid, 1u << OBJ_KINDS, 1, 0, 0), -E_INVAL);
        long copy = sys_cap_derive(kid, R_CONTROL, CAP_SELF); /* not the original */
        CHECK_EQ(sys_env_quota((uint32_t)copy, 1u << OBJ_SLOT, 0, 5, 0), -E_PERM);
        CHECK_EQ(exo_info->obj_quota[OBJ_SLOT] > 0, 1);
    }
    sh->failures = (uint64_t)check_failures;
    sh->done = 1;
    for (;;)
        sys_block(0);
}
