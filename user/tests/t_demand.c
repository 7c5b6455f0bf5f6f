/* Demand paging by the library OS: the page-fault upcall maps a fresh frame
 * at the faulting address and resumes the faulting instruction. */
#include "../../lib/exo/exo.h"
#include "check.h"

#define REGION 0x0000100000000000UL
#define PAGES 64
static volatile int faults;

static void on_fault(struct upcall_frame *f)
{
    faults++;
    uint64_t va = f->addr & ~4095UL;
    if (va < REGION || va >= REGION + PAGES * 4096UL || exo_page_alloc_map(va, true) < 0) {
        printf("t_demand: unexpected fault at %lx\n", f->addr);
        sys_exit(100);
    }
}

int main(void)
{
    CHECK_EQ(exo_set_handler(UPCALL_PAGEFAULT, on_fault), 0);
    volatile unsigned long *p = (volatile unsigned long *)REGION;
    for (int i = 0; i < PAGES; i++)
        p[i * 512 + i] = 0xabc000UL + (unsigned long)i; /* one fault per page */
    CHECK_EQ(faults, PAGES);
    unsigned long sum = 0;
    for (int i = 0; i < PAGES; i++)
        sum += p[i * 512 + i] - 0xabc000UL;
    CHECK_EQ(sum, PAGES * (PAGES - 1) / 2);
    CHECK_EQ(faults, PAGES); /* no fault on re-read */
    /* The page tables show the mappings, dirty. */
    uint64_t pte = exo_pte(REGION);
    CHECK_EQ((pte & (PTE_P | PTE_U | PTE_W | PTE_D)) == (PTE_P | PTE_U | PTE_W | PTE_D), 1);
    CHECK_EQ(exo_pte(REGION + PAGES * 4096UL), 0);
    printf("t_demand: %d faults, %d failed checks\n", faults, check_failures);
    return check_failures;
}
