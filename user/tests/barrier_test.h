/* What t_barrier and its children share (user/tests/t_barrier.c). */
#ifndef USER_TESTS_BARRIER_TEST_H
#define USER_TESTS_BARRIER_TEST_H
#include <stdint.h>
#include "../../lib/barrier/barrier.h"

#define BARRIER_P    4
#define BT_SHARED_VA 0x30000000UL
#define BT_PAGES     8

struct bt_shared {
    struct barrier bar[BAR_KINDS];
    uint64_t next_id, episodes, yield;
    struct {
        uint64_t v;
    } __attribute__((aligned(64))) episode[BARRIER_P];
    uint64_t early[BAR_KINDS][BARRIER_P];
};
_Static_assert(sizeof(struct bt_shared) <= BT_PAGES * 4096, "bt_shared fits");
#endif
