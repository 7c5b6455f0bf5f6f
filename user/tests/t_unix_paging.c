/* Policy is the library OS's: a program runs a data set larger than its
 * memory budget with its own paging, backed by a file, and chooses the
 * replacement policy. The exokernel shows it the accessed and dirty bits
 * (the page-table window) and lets it reset them (MMU_CLRAD); the program
 * compares FIFO (the default a kernel might impose) with CLOCK, which uses
 * the accessed bits, on a loop with a hot set and a cold scan. Dirty pages
 * are written back; clean ones are dropped. Data must survive either way. */
#include "../../lib/unix/unix.h"
#include "../../lib/exo/exo.h"
#include "check.h"

#define DATA_VA 0x0000520000000000UL
#define PAGES   64 /* the data set */
#define FRAMES  16 /* the memory budget */

static int policy; /* 0 FIFO, 1 CLOCK */
static int swap_fd;
static struct {
    long cap;   /* frame capability */
    int page;   /* page held, -1 if none */
} frame[FRAMES];
static int resident[PAGES]; /* frame index + 1, 0 if not resident */
static int on_disk[PAGES];
static int dirty[PAGES];    /* written since loaded: the dirty bit, saved before a reset */
static int hand;
static long faults, writebacks;

static uint64_t va_of(int page) { return DATA_VA + (uint64_t)page * 4096; }

static int choose_victim(void)
{
    for (;;) {
        int f = hand;
        hand = (hand + 1) % FRAMES;
        if (frame[f].page < 0 || policy == 0)
            return f;
        /* CLOCK: a recently used page gets a second chance. */
        uint64_t pte = exo_pte(va_of(frame[f].page));
        if (pte & PTE_A) {
            dirty[frame[f].page] |= (pte & PTE_D) != 0;
            exo_protect(CAP_SELF, (uint32_t)frame[f].cap, MMU_W | MMU_CLRAD);
            continue;
        }
        return f;
    }
}

static void on_fault(struct upcall_frame *fr)
{
    uint64_t va = fr->addr & ~4095UL;
    if (va < DATA_VA || va >= DATA_VA + PAGES * 4096UL) {
        printf("t_unix_paging: stray fault at %lx\n", fr->addr);
        sys_exit(100);
    }
    int page = (int)((va - DATA_VA) / 4096);
    faults++;
    int f = choose_victim();
    if (frame[f].page >= 0) {
        int old = frame[f].page;
        if (dirty[old] || (exo_pte(va_of(old)) & PTE_D)) { /* dirty: write it back */
            lseek(swap_fd, (off_t)old * 4096, SEEK_SET);
            write(swap_fd, (const void *)va_of(old), 4096);
            on_disk[old] = 1;
            writebacks++;
        }
        exo_unmap(CAP_SELF, (uint32_t)frame[f].cap);
        resident[old] = 0;
    }
    exo_map(CAP_SELF, (uint32_t)frame[f].cap, va, MMU_W);
    if (on_disk[page]) {
        lseek(swap_fd, (off_t)page * 4096, SEEK_SET);
        read(swap_fd, (void *)va, 4096);
    } else {
        memset((void *)va, 0, 4096);
    }
    /* Fresh from the backing store: clean and not yet used. */
    exo_protect(CAP_SELF, (uint32_t)frame[f].cap, MMU_W | MMU_CLRAD);
    frame[f].page = page;
    resident[page] = f + 1;
    dirty[page] = 0;
}

static long run(int pol)
{
    policy = pol;
    faults = writebacks = 0;
    hand = 0;
    for (int i = 0; i < FRAMES; i++) {
        if (frame[i].page >= 0)
            exo_unmap(CAP_SELF, (uint32_t)frame[i].cap);
        frame[i].page = -1;
    }
    for (int p = 0; p < PAGES; p++)
        resident[p] = on_disk[p] = dirty[p] = 0;
    swap_fd = open("/tmp/swap", O_CREAT | O_TRUNC | O_RDWR);
    volatile uint64_t *data = (volatile uint64_t *)DATA_VA;
    int bad = 0;
    for (int p = 0; p < PAGES; p++)
        data[p * 512] = (uint64_t)p * 1000;
    uint64_t hot_uses = 0;
    for (int round = 0; round < 4; round++) {
        for (int p = 8; p < PAGES; p++) { /* a cold scan ... */
            for (int h = 0; h < 8; h++)   /* ... with the hot set used in between */
                data[h * 512 + 1] += 1;
            hot_uses++;
            bad += data[p * 512] != (uint64_t)p * 1000;
        }
    }
    for (int p = 0; p < 8; p++)
        bad += data[p * 512 + 1] != hot_uses || data[p * 512] != (uint64_t)p * 1000;
    close(swap_fd);
    unlink("/tmp/swap");
    printf("t_unix_paging: %s: %ld faults, %ld write-backs, %d wrong values\n",
           pol ? "CLOCK" : "FIFO", faults, writebacks, bad);
    return bad ? -1 : faults;
}

int main(void)
{
    unix_init("t_unix_paging");
    for (int i = 0; i < FRAMES; i++) {
        frame[i].cap = sys_frame_alloc(-1);
        frame[i].page = -1;
    }
    exo_set_handler(UPCALL_PAGEFAULT, on_fault);
    long fifo = run(0), clock = run(1);
    CHECK_EQ(fifo > 0, 1);
    CHECK_EQ(clock > 0, 1);
    CHECK_EQ(clock < fifo, 1); /* the program's policy beats the default here */
    printf("t_unix_paging: %d failed checks\n", check_failures);
    return check_failures;
}
