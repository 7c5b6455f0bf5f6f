/* The page t_lifecycle shares with a tree of t_tree_child envs: each env
 * maps a copy of the capability its creator mapped (MMU_COPY), one
 * generation deeper, so the depth of its copy is its level (the env
 * t_lifecycle creates is level 1). */
#ifndef USER_TESTS_TREE_H
#define USER_TESTS_TREE_H
#include <stdint.h>

#define TREE_VA     0x0000460000000000UL
#define TREE_LEVELS 64
#define TREE_KEEP   80 /* pages each env keeps for itself (and a replacement) */

/* CMD_GIVE: move its child's original to the env it was given a copy of
 * (the child then outlives it, in another env's table). */
enum { CMD_NONE, CMD_EXIT, CMD_KILLCHILD, CMD_REPLACE, CMD_GIVE };

struct tree_page {
    volatile uint64_t max_level;          /* envs at this level create no child */
    volatile uint64_t replacing;          /* level of an env building its replacement */
    volatile uint64_t ready[TREE_LEVELS]; /* 1: its child started, 4: none; 2: a replacement */
    volatile uint64_t cmd[TREE_LEVELS];   /* what the env at each level is told to do */
    volatile uint64_t done[TREE_LEVELS];  /* 1 + status of the env at a level, set by its creator */
    volatile uint64_t spare[TREE_LEVELS]; /* its quota to spare after making its child */
};
#endif
