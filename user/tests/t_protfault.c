/* A protection fault handled at user level: a page made read-only with
 * MMU_PROTECT, a write, and a handler that makes it writable again. */
#include "../../lib/exo/exo.h"
#include "check.h"

#define PAGE_VA 0x0000200000000000UL
static long cap;
static volatile int faults;

static void on_fault(struct upcall_frame *f)
{
    faults++;
    if ((f->addr & ~4095UL) != PAGE_VA || !(f->error & 2) || !(f->error & 1))
        sys_exit(100);
    if (exo_protect(CAP_SELF, (uint32_t)cap, MMU_W) != 1)
        sys_exit(101);
}

int main(void)
{
    cap = exo_page_alloc_map(PAGE_VA, true);
    CHECK_EQ(cap > 0, 1);
    CHECK_EQ(exo_set_handler(UPCALL_PAGEFAULT, on_fault), 0);
    volatile int *p = (volatile int *)PAGE_VA;
    for (int i = 0; i < 50; i++) {
        CHECK_EQ(exo_protect(CAP_SELF, (uint32_t)cap, 0), 1);
        CHECK_EQ(exo_pte(PAGE_VA) & PTE_W, 0);
        p[i] = i + 1; /* faults; the handler unprotects; the write is retried */
        CHECK_EQ(p[i], i + 1);
    }
    CHECK_EQ(faults, 50);
    printf("t_protfault: %d failed checks\n", check_failures);
    return check_failures;
}
