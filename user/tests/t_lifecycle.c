/* Env lifecycle under attack: quotas, capability cycles, trees of envs.
 *
 * - A child whose quota a revocation lowered below its use tries to create
 *   children with the spare quota that would wrap around (issue 10, item 1);
 *   one asked for its time slot may still take memory.
 * - A child with credit of huge `pages` and `keep` asks for amounts that
 *   would make the kernel's sums wrap (item 11).
 * - An env's original may not go into that env, or below it (item 3).
 * - Chains of envs (t_tree_child), as deep as the derivation depth allows,
 *   each created by the one above, torn down in every order: the top first,
 *   the leaf first, the middle first, by deleting an original, by exit, by
 *   replacement, and a creator ending while its child lives on in another
 *   env's table; our quota and the free frames come back whole every time
 *   (item 11: a child's quota was lost when its creator had ended first).
 *
 * After each scenario: our quota and the machine's free frames are back. */
#include "../../lib/exo/exo.h"
#include "check.h"
#include "tree.h"

static long free_frames(void)
{
    struct sys_info si;
    if (sys_sysinfo(&si) < 0)
        return -1;
    return (long)si.free_frames;
}

/* Item 1: spare quota below zero. With `kind` REVOKE_SLOTS the request is
 * for its time slot instead, which must not stop it taking memory. */
static void quota_escape(uint64_t kind)
{
    const uint64_t q0 = exo_info->mem_quota;
    const long before = free_frames();
    long w = sys_env_create(kind == REVOKE_FRAMES ? 150 : 200);
    CHECK_EQ(w > 0, 1);
    CHECK_EQ(sys_env_quota((uint32_t)w, OBJ_ALL, 0, ~0UL, 0), 0); /* objects: drawn from ours */
    CHECK_EQ(sys_env_load((uint32_t)w, "t_lc_revoke_child", 17), 0);
    CHECK_EQ(sys_slot_alloc((uint32_t)w, -1) >= 0, 1);
    CHECK_EQ(sys_env_start((uint32_t)w), 0);
    long r;
    if (kind == REVOKE_FRAMES) {
        /* Once it holds 100 frames (asking for 100 is no longer E_INVAL),
         * ask for them all back within 5 s. */
        r = -E_INVAL;
        for (long i = 0; i < 100000 && r == -E_INVAL; i++) {
            r = sys_env_revoke((uint32_t)w, REVOKE_FRAMES, 100, 5000);
            if (r == -E_INVAL)
                sys_yield(-1);
        }
        CHECK_EQ(exo_info->mem_quota, q0 - 150 + 100);
    } else {
        r = sys_env_revoke((uint32_t)w, REVOKE_SLOTS, 1, 5000);
    }
    CHECK_EQ(r, 0);
    CHECK_EQ(exo_wait((uint32_t)w, 1000000), ENV_STATUS(ENV_STATUS_EXIT, 0));
    CHECK_EQ(sys_cap_delete((uint32_t)w), 0);
    CHECK_EQ(exo_info->mem_quota, q0);
    CHECK_EQ(free_frames(), before);
}

/* Item 11: keep + pages wrapping around in the credit chain. */
static void credit_overflow(void)
{
    static const uint64_t terms[][2] = {
        {~0UL, (1UL << 63) - 1}, {~0UL, 1UL << 62}, {~0UL, ~0UL}, {1UL << 63, 100}, {~0UL, 0},
    };
    const uint64_t q0 = exo_info->mem_quota;
    const long before = free_frames();
    for (unsigned i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        long w = sys_env_create(64);
        CHECK_EQ(w > 0, 1);
        CHECK_EQ(sys_env_quota((uint32_t)w, OBJ_ALL, 0, ~0UL, 0), 0);
        CHECK_EQ(sys_env_load((uint32_t)w, "t_lc_credit_child", 17), 0);
        CHECK_EQ(sys_env_credit((uint32_t)w, terms[i][0], terms[i][1]), 0);
        CHECK_EQ(sys_slot_alloc((uint32_t)w, -1) >= 0, 1);
        CHECK_EQ(sys_env_start((uint32_t)w), 0);
        CHECK_EQ(exo_wait((uint32_t)w, 1000000), ENV_STATUS(ENV_STATUS_EXIT, 0));
        CHECK_EQ(exo_info->mem_quota <= q0, 1);
        CHECK_EQ(sys_cap_delete((uint32_t)w), 0);
        CHECK_EQ(exo_info->mem_quota, q0);
    }
    CHECK_EQ(free_frames(), before);
}

/* Item 3: an env's original never goes into that env or below it. */
static void cycles(void)
{
    struct cap_info ci;
    const uint64_t q0 = exo_info->mem_quota;
    const long before = free_frames();
    long a = sys_env_create(64), b = sys_env_create(64), c = sys_env_create(64);
    CHECK_EQ(a > 0 && b > 0 && c > 0, 1);
    /* Holding an env's original takes one of the holder's env quota. */
    CHECK_EQ(sys_env_quota((uint32_t)a, OBJ_ALL, 0, ~0UL, 0), 0);
    CHECK_EQ(sys_env_quota((uint32_t)b, OBJ_ALL, 0, ~0UL, 0), 0);
    CHECK_EQ(sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0), 0);
    /* Copies we keep to reach them once their originals have moved. */
    long ka = sys_cap_derive((uint32_t)a, R_CONTROL | R_GRANT, CAP_SELF);
    long kb = sys_cap_derive((uint32_t)b, R_CONTROL | R_GRANT, CAP_SELF);
    long kc = sys_cap_derive((uint32_t)c, R_CONTROL | R_GRANT, CAP_SELF);
    CHECK_EQ(ka > 0 && kb > 0 && kc > 0, 1);
    /* Into itself. */
    CHECK_EQ(sys_cap_move((uint32_t)a, (uint32_t)ka), -E_PERM);
    CHECK_EQ(sys_cap_inspect((uint32_t)a, &ci), 0); /* still ours */
    /* a holds b's, b holds c's: a chain. */
    long bin = sys_cap_move((uint32_t)b, (uint32_t)ka);
    long cin = sys_cap_move((uint32_t)c, (uint32_t)kb);
    CHECK_EQ(bin > 0 && cin > 0, 1);
    /* a's original below a: into b, into c. */
    CHECK_EQ(sys_cap_move((uint32_t)a, (uint32_t)kb), -E_PERM);
    CHECK_EQ(sys_cap_move((uint32_t)a, (uint32_t)kc), -E_PERM);
    CHECK_EQ(sys_cap_inspect((uint32_t)a, &ci), 0);
    CHECK_EQ(ci.type, CAP_ENV);
    /* A copy may go anywhere (it owns nothing); so may other originals. */
    long acopy = sys_cap_derive((uint32_t)a, R_CALL | R_GRANT, CAP_SELF);
    CHECK_EQ(sys_cap_move((uint32_t)acopy, (uint32_t)kc) > 0, 1);
    long f = sys_frame_alloc(-1);
    CHECK_EQ(sys_cap_move((uint32_t)f, (uint32_t)kc) > 0, 1);
    /* A fresh env d: its original may go below a (d is not above a). */
    long d = sys_env_create(32);
    CHECK_EQ(sys_env_quota((uint32_t)d, OBJ_ALL, 0, ~0UL, 0), 0);
    long kd = sys_cap_derive((uint32_t)d, R_CONTROL | R_GRANT, CAP_SELF);
    CHECK_EQ(sys_cap_move((uint32_t)d, (uint32_t)kc) > 0, 1);
    /* ... and then a's may not go into d. */
    CHECK_EQ(sys_cap_move((uint32_t)a, (uint32_t)kd), -E_PERM);
    /* Deleting a's original ends them all. */
    CHECK_EQ(sys_cap_delete((uint32_t)a), 0);
    CHECK_EQ(sys_cap_inspect((uint32_t)kb, &ci), -E_NOENT);
    CHECK_EQ(sys_cap_inspect((uint32_t)kd, &ci), -E_NOENT);
    CHECK_EQ(exo_info->mem_quota, q0);
    CHECK_EQ(free_frames(), before);
}

/* ---- trees ---- */

static struct tree_page *const page = (struct tree_page *)TREE_VA;
static long shared_cap;

/* Waits for cond (bounded); returns whether it came. */
#define WAIT_FOR(cond)                                                                             \
    ({                                                                                             \
        long i_ = 0;                                                                               \
        while (!(cond) && i_++ < 2000000)                                                          \
            sys_yield(-1);                                                                         \
        (cond);                                                                                    \
    })

/* A chain of up to `levels` envs under us; returns the original of level 1
 * and sets *depth to the deepest level that came up. */
static long build(uint64_t levels, uint64_t quota, int *depth)
{
    memset((void *)page, 0, sizeof *page);
    page->max_level = levels;
    long top = sys_env_create(quota);
    CHECK_EQ(top > 0, 1);
    CHECK_EQ(sys_env_quota((uint32_t)top, OBJ_ALL, 0, ~0UL, 0), 0);
    struct mmu_op op = {.va = TREE_VA, .cap = (uint32_t)shared_cap, .op = MMU_COPY | MMU_W};
    CHECK_EQ(sys_env_load((uint32_t)top, "t_tree_child", 12), 0);
    CHECK_EQ(sys_mmu_update((uint32_t)top, &op, 1), 1);
    CHECK_EQ(sys_slot_alloc((uint32_t)top, -1) >= 0, 1);
    CHECK_EQ(sys_env_start((uint32_t)top), 0);
    /* Each level is ready once its child was started (1), or it is the last (4). */
    int d = 0;
    while (d + 1 < TREE_LEVELS && WAIT_FOR(page->ready[d + 1] != 0)) {
        d++;
        if (page->ready[d] != 1)
            break;
    }
    *depth = d;
    return top;
}

enum order {
    TOP_EXIT,
    LEAF_FIRST,
    MIDDLE_EXIT,
    KILL_MIDDLE,
    DELETE_TOP,
    REPLACE_MIDDLE,
    ORPHAN,
    NORDERS
};
static const char *const order_names[] = {"top exits",
                                          "leaf first",
                                          "middle exits",
                                          "middle killed",
                                          "top deleted",
                                          "middle replaced",
                                          "creator ends before child"};

/* Our object quotas and what we hold of each kind, to compare. */
static void objq_get(uint32_t q[OBJ_KINDS], uint32_t u[OBJ_KINDS])
{
    for (int k = 0; k < OBJ_KINDS; k++) {
        q[k] = exo_info->obj_quota[k];
        u[k] = exo_info->obj_used[k];
    }
}

static void tree(enum order o, uint64_t levels)
{
    uint32_t oq0[OBJ_KINDS], ou0[OBJ_KINDS], oq[OBJ_KINDS], ou[OBJ_KINDS];
    objq_get(oq0, ou0);
    const uint64_t q0 = exo_info->mem_quota;
    const long before = free_frames();
    /* For ORPHAN: an env of ours that will hold level 2's original. */
    long holder = o == ORPHAN ? sys_env_create(64) : 0;
    CHECK_EQ(holder >= 0, 1);
    if (holder) /* it will hold level 2's original: one of its env quota */
        CHECK_EQ(sys_env_quota((uint32_t)holder, OBJ_ALL, 0, ~0UL, 0), 0);
    int d;
    long top = build(levels, 6000, &d);
    CHECK_EQ(d >= 4, 1);
    int mid = (d + 1) / 2;
    switch (o) {
    case TOP_EXIT:
        page->cmd[1] = CMD_EXIT;
        break;
    case LEAF_FIRST: /* each waits for the one below to be reported gone */
        for (int l = d; l >= 2; l--) {
            page->cmd[l] = CMD_EXIT;
            CHECK_EQ(WAIT_FOR(page->done[l] != 0), 1);
            CHECK_EQ(page->done[l], 1 + ENV_STATUS(ENV_STATUS_EXIT, l));
        }
        page->cmd[1] = CMD_EXIT;
        break;
    case MIDDLE_EXIT:
        page->cmd[mid] = CMD_EXIT;
        CHECK_EQ(WAIT_FOR(page->done[mid] != 0), 1);
        page->cmd[1] = CMD_EXIT;
        break;
    case KILL_MIDDLE: /* its creator deletes its original */
        page->cmd[mid - 1] = CMD_KILLCHILD;
        CHECK_EQ(WAIT_FOR(page->done[mid] != 0), 1);
        page->cmd[1] = CMD_EXIT;
        break;
    case DELETE_TOP:
        break;
    case REPLACE_MIDDLE:
        page->cmd[mid] = CMD_REPLACE;
        CHECK_EQ(WAIT_FOR(page->ready[mid] >= 2), 1);
        CHECK_EQ(page->ready[mid], 2);
        page->cmd[mid] = CMD_EXIT; /* the replacement */
        CHECK_EQ(WAIT_FOR(page->done[mid] != 0), 1);
        CHECK_EQ(page->done[mid], 1 + ENV_STATUS(ENV_STATUS_EXIT, mid));
        page->cmd[1] = CMD_EXIT;
        break;
    case ORPHAN:
        /* Level 1 gives level 2's original to `holder`, then exits: level 2
         * outlives its creator (it loses the page, derived from level 1's
         * copy, and dies of the fault, taking the levels below with it). Its
         * quota, and what came back to it, must reach us when `holder` goes. */
        CHECK_EQ(sys_cap_derive((uint32_t)holder, R_CONTROL, (uint32_t)top) > 0, 1);
        page->cmd[1] = CMD_GIVE;
        CHECK_EQ(WAIT_FOR(page->done[2] != 0), 1);
        CHECK_EQ(page->done[2], 1 + 0x61);
        page->cmd[1] = CMD_EXIT;
        break;
    default:
        break;
    }
    if (o != DELETE_TOP)
        CHECK_EQ(exo_wait((uint32_t)top, 2000000), ENV_STATUS(ENV_STATUS_EXIT, 1));
    CHECK_EQ(sys_cap_delete((uint32_t)top), 0);
    if (holder) {
        CHECK_EQ(exo_info->mem_quota < q0, 1); /* level 2 lives on in holder */
        for (int i = 0; i < 1000; i++)         /* (the levels below it die meanwhile) */
            sys_yield(-1);
        CHECK_EQ(sys_cap_delete((uint32_t)holder), 0);
    }
    long got = free_frames();
    CHECK_EQ(exo_info->mem_quota, q0);
    CHECK_EQ(got, before);
    objq_get(oq, ou); /* the object quotas come back whole too */
    for (int k = 0; k < OBJ_KINDS; k++) {
        CHECK_EQ(oq[k], oq0[k]);
        CHECK_EQ(ou[k], ou0[k]);
    }
    printf("t_lifecycle: %d deep, %s: quota %ld, frames %ld\n", d, order_names[o],
           (long)(exo_info->mem_quota - q0), got - before);
}

int main(void)
{
    /* Our table grows a page or two on first use; after that nothing may. */
    long f = sys_frame_alloc(-1), e = sys_env_create(16);
    sys_cap_delete((uint32_t)e);
    sys_cap_delete((uint32_t)f);
    const uint64_t q0 = exo_info->mem_quota, used0 = exo_info->mem_used;
    const long start = free_frames();

    quota_escape(REVOKE_FRAMES);
    quota_escape(REVOKE_SLOTS);
    credit_overflow();
    cycles();

    shared_cap = sys_frame_alloc(-1);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)shared_cap, TREE_VA, MMU_W), 1);
    const long base = free_frames();
    for (int o = 0; o < NORDERS; o++)
        tree((enum order)o, TREE_LEVELS);
    CHECK_EQ(free_frames(), base);
    exo_unmap(CAP_SELF, (uint32_t)shared_cap);
    sys_cap_delete((uint32_t)shared_cap);

    /* All back but the page tables the shared page needed, which stay. */
    CHECK_EQ(exo_info->mem_quota, q0);
    CHECK_EQ(exo_info->mem_used - used0 <= 3, 1);
    CHECK_EQ(free_frames(), start - (long)(exo_info->mem_used - used0));
    printf("t_lifecycle: %d failed checks\n", check_failures);
    return check_failures;
}
