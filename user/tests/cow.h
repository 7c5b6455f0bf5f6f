/* Copy-on-write in user space, for t_cow and t_cow_child: a read-only
 * mapping of a shared frame; the first write faults, and the page-fault
 * handler copies the page into a fresh frame and maps that writable. */
#ifndef USER_TESTS_COW_H
#define USER_TESTS_COW_H
#include "../../lib/exo/exo.h"

#define COW_VA     0x0000300000000000UL
#define SCRATCH_VA 0x0000310000000000UL

static uint32_t cow_cap;  /* capability currently mapped at COW_VA */
static volatile int cow_breaks;

static void cow_fault(struct upcall_frame *f)
{
    if ((f->addr & ~4095UL) != COW_VA || !(f->error & 2)) {
        printf("cow: unexpected fault at %lx (error %lx)\n", f->addr, f->error);
        sys_exit(100);
    }
    long g = sys_frame_alloc(-1);
    if (g < 0 || exo_map(CAP_SELF, (uint32_t)g, SCRATCH_VA, MMU_W) != 1)
        sys_exit(101);
    memcpy((void *)SCRATCH_VA, (const void *)COW_VA, 4096);
    struct mmu_op ops[2] = {
        {.va = 0, .cap = (uint32_t)g, .op = MMU_UNMAP},
        {.va = 0, .cap = cow_cap, .op = MMU_UNMAP},
    };
    if (sys_mmu_update(CAP_SELF, ops, 2) != 2 || exo_map(CAP_SELF, (uint32_t)g, COW_VA, MMU_W) != 1)
        sys_exit(102);
    cow_cap = (uint32_t)g;
    cow_breaks++;
}
#endif
