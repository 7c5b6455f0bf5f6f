/* Helper for t_lifecycle (not in the manifest): one env of a chain of
 * envs, each created by the one above and holding the original of the one
 * below. It creates the next level (all its quota but TREE_KEEP pages),
 * then does what t_lifecycle tells it through the shared page (tree.h):
 * exit, delete its child's original, replace itself by a fresh env, or give
 * its child's original away. It reports its child's end in the page. */
#include "../../lib/exo/exo.h"
#include "tree.h"

static struct tree_page *const page = (struct tree_page *)TREE_VA;
static const char self[] = "t_tree_child";

/* Our copy of the shared frame: the frame capability mapped at TREE_VA. */
static long find_shared(struct cap_info *ci)
{
    for (long s = 1; s < 256; s++)
        if (sys_cap_inspect((uint32_t)s, ci) == 0 && ci->type == CAP_FRAME &&
            ci->mapped_va == TREE_VA)
            return s;
    return -1;
}

/* A new env running this program, with a copy of the shared page (one
 * generation deeper: its level is ours + 1). */
static long spawn(long shared, uint64_t quota)
{
    long c = sys_env_create(quota);
    if (c < 0)
        return c;
    sys_env_quota((uint32_t)c, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    struct mmu_op op = {.va = TREE_VA, .cap = (uint32_t)shared, .op = MMU_COPY | MMU_W};
    if (sys_env_load((uint32_t)c, self, sizeof self - 1) < 0 ||
        sys_mmu_update((uint32_t)c, &op, 1) != 1 || sys_slot_alloc((uint32_t)c, -1) < 0) {
        sys_cap_delete((uint32_t)c);
        return -1;
    }
    return c;
}

int main(void)
{
    struct cap_info ci;
    long shared = find_shared(&ci);
    if (shared < 0)
        sys_exit(100);
    uint64_t level = ci.depth;
    long child = -1;
    if (page->replacing && page->replacing == level) {
        /* We replace the env at our level (it moved us its copy of the
         * page): no child of our own. */
        page->replacing = 0;
        page->ready[level] = 2;
    } else {
        if (level < page->max_level && level + 1 < TREE_LEVELS) {
            uint64_t spare = exo_info->mem_quota - exo_info->mem_used;
            if (spare > TREE_KEEP + 16) {
                child = spawn(shared, spare - TREE_KEEP);
                if (child > 0 && sys_env_start((uint32_t)child) < 0) {
                    sys_cap_delete((uint32_t)child);
                    child = -1;
                }
            }
        }
        page->spare[level] = exo_info->mem_quota - exo_info->mem_used;
        page->ready[level] = child > 0 ? 1 : 4;
    }
    for (;;) {
        if (child > 0) {
            long st = sys_env_status((uint32_t)child);
            if (st != -E_AGAIN) {
                page->done[level + 1] = 1 + (uint64_t)st;
                sys_cap_delete((uint32_t)child);
                child = -1;
            }
        }
        uint64_t cmd = page->cmd[level];
        if (cmd != CMD_NONE)
            page->cmd[level] = CMD_NONE;
        if (cmd == CMD_EXIT)
            sys_exit((int)level);
        if (cmd == CMD_KILLCHILD && child > 0) {
            sys_cap_delete((uint32_t)child);
            child = -1;
            page->done[level + 1] = 1 + 0xdead;
        }
        if (cmd == CMD_GIVE && child > 0) {
            /* The env capability we did not create: a copy (depth 1). */
            long dest = -1;
            for (long s = 1; s < 256 && dest < 0; s++)
                if (sys_cap_inspect((uint32_t)s, &ci) == 0 && ci.type == CAP_ENV && ci.depth > 0 &&
                    (ci.rights & R_CONTROL))
                    dest = s;
            if (dest > 0 && sys_cap_move((uint32_t)child, (uint32_t)dest) > 0) {
                child = -1; /* not ours any more */
                page->done[level + 1] = 1 + 0x61;
            }
        }
        if (cmd == CMD_REPLACE) {
            /* The replacement gets our copy of the page itself (a copy
             * derived from ours would go when we end), so it is at our
             * level; from here on we cannot report. */
            page->replacing = level;
            long n = sys_env_create(TREE_KEEP - 20);
            if (n > 0)
                sys_env_quota((uint32_t)n, OBJ_ALL, 0, ~0UL, 0);
            if (n < 0 || sys_env_load((uint32_t)n, self, sizeof self - 1) < 0 ||
                exo_unmap(CAP_SELF, (uint32_t)shared) != 1)
                sys_exit(98);
            long moved = sys_cap_move((uint32_t)shared, (uint32_t)n);
            struct mmu_op op = {
                .va = TREE_VA, .cap = (uint32_t)moved, .op = MMU_MAP | MMU_W | MMU_TCAP};
            if (moved < 0 || sys_mmu_update((uint32_t)n, &op, 1) != 1 ||
                sys_slot_alloc((uint32_t)n, -1) < 0)
                sys_exit(99);
            sys_env_replace((uint32_t)n); /* does not return */
            sys_exit(97);
        }
        sys_yield(-1);
    }
}
