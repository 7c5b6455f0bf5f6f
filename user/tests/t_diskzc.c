/* Zero-copy reads from diskd (lib/diskfs/diskc.h, docs/design.md "Zero-copy
 * reads"): a client maps diskd's buffer cache and its generation counters
 * read-only and reads files through them, one copy from the cache page.
 *  - the bytes are right: whole blocks, odd offsets, holes, the tail;
 *  - the client cannot write through the mapping: a read-write mapping, a
 *    protect to writable and a derived writable copy are refused by the
 *    kernel, and a store faults (the byte unchanged);
 *  - an answer goes stale when a page changes: after a write or truncate
 *    of the same blocks, and after a remount (every page), the counters
 *    the old answer named have moved, and a fresh read gives the new data;
 *  - bad input to the new calls (DISKD_CACHEMAP, DISKD_READMAP): an error. */
#include "../../lib/exo/exo.h"
#include "../../lib/diskfs/diskc.h"
#include "check.h"

#define FIRST    8192 /* blocks [FIRST, FIRST + COUNT) of make test's disk (t_diskfs's, */
#define COUNT    2048 /* which is done with them by now) */
#define AREA_VA  0x0000510000000000UL
#define CACHE_VA 0x0000520000000000UL
#define GEN_VA   0x0000530000000000UL

static struct diskc c;
static uint8_t data[5 * 4096 + 123], back[sizeof data + 4096];
static volatile int faults;
static volatile uint64_t fault_addr, fault_err;

/* A store into the cache: skip it (movb $imm8, (%rax) is 3 bytes). */
static void on_fault(struct upcall_frame *f)
{
    faults++;
    fault_addr = f->addr;
    fault_err = f->error;
    f->rip += 3;
}

static void poke(volatile uint8_t *p)
{
    __asm__ volatile("movb $0x55, (%0)" : : "a"(p) : "memory");
}

static long readmap(uint64_t ino, uint64_t off, uint64_t len, struct dfs_extent *x)
{
    memcpy(c.area, &len, 8);
    long r = diskc_call(&c, DISKD_READMAP, ino, off);
    memcpy(x, c.area + 8, DISKD_MAP_MAX * sizeof *x);
    return r;
}

int main(void)
{
    long disk = sys_dev_open(DEV_DISK);
    CHECK_EQ(disk > 0, 1);
    if (disk <= 0)
        return check_failures;
    CHECK_EQ(diskc_start(&c, (uint32_t)disk, FIRST, COUNT, 3000, AREA_VA, 1), 0);
    CHECK_EQ(diskc_map_cache(&c, CACHE_VA, GEN_VA), 0);
    CHECK_EQ(c.cache_pages >= DISKD_CACHE_PIECE_PAGES, 1);

    /* The bytes. */
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13 + i / 4096);
    int f = diskc_open(&c, "/f", DFS_O_CREAT | DFS_O_WRITE | DFS_O_READ, 0644);
    CHECK_EQ(f > 0, 1);
    CHECK_EQ(diskc_write(&c, (uint32_t)f, 0, data, sizeof data), sizeof data);
    CHECK_EQ(diskc_read(&c, (uint32_t)f, 0, back, sizeof back), sizeof data);
    CHECK_EQ(memcmp(back, data, sizeof data), 0);
    CHECK_EQ(diskc_read(&c, (uint32_t)f, 4000, back, 200), 200); /* across a block edge */
    CHECK_EQ(memcmp(back, data + 4000, 200), 0);
    CHECK_EQ(diskc_read(&c, (uint32_t)f, sizeof data - 5, back, 100), 5); /* the tail */
    CHECK_EQ(memcmp(back, data + sizeof data - 5, 5), 0);
    CHECK_EQ(diskc_write(&c, (uint32_t)f, 9 * 4096, "end", 3), 3); /* blocks 6-8: a hole */
    CHECK_EQ(diskc_read(&c, (uint32_t)f, 5 * 4096, back, 5 * 4096), 4 * 4096 + 3);
    int zero = 1;
    for (size_t i = 123; i < 4 * 4096; i++)
        zero &= back[i] == 0;
    CHECK_EQ(zero, 1);
    CHECK_EQ(memcmp(back + 4 * 4096, "end", 3), 0);
    CHECK_EQ(c.zc_calls > 0, 1);
    CHECK_EQ(c.copy_calls, 0); /* all of it through the mapping */

    /* The mapping is read-only, and stays so. */
    struct dfs_extent x[DISKD_MAP_MAX];
    CHECK_EQ(readmap((uint32_t)f, 0, 4096, x), 4096);
    CHECK_EQ(x[0].page < c.cache_pages, 1);
    volatile uint8_t *cp = (volatile uint8_t *)(CACHE_VA + (uint64_t)x[0].page * 4096);
    CHECK_EQ(exo_pte((uint64_t)cp) & PTE_P, PTE_P);
    CHECK_EQ(exo_pte((uint64_t)cp) & PTE_W, 0);
    CHECK_EQ(exo_pte(GEN_VA) & PTE_W, 0);
    for (uint32_t i = 0; i < c.npieces; i++) {
        CHECK_EQ(exo_protect(CAP_SELF, c.piece_caps[i], MMU_W), -E_PERM);
        CHECK_EQ(sys_cap_derive(c.piece_caps[i], R_READ | R_WRITE, CAP_SELF), -E_PERM);
    }
    CHECK_EQ(exo_protect(CAP_SELF, c.gen_cap, MMU_W), -E_PERM);
    long ro = sys_cap_derive(c.piece_caps[0], R_READ, CAP_SELF); /* a copy mapped elsewhere */
    CHECK_EQ(ro > 0, 1);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)ro, 0x0000540000000000UL, MMU_W), -E_PERM);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)ro, 0x0000540000000000UL, 0), 1);
    CHECK_EQ(exo_unmap(CAP_SELF, (uint32_t)ro), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)ro), 0);
    CHECK_EQ(exo_set_handler(UPCALL_PAGEFAULT, on_fault), 0);
    uint8_t before = *cp;
    poke(cp);
    poke((volatile uint8_t *)GEN_VA);
    CHECK_EQ(faults, 2);
    CHECK_EQ(fault_addr, GEN_VA);
    CHECK_EQ(fault_err & 3, 3); /* a write to a present page */
    CHECK_EQ(*cp, before);
    CHECK_EQ(diskc_read(&c, (uint32_t)f, 0, back, sizeof data), sizeof data);
    CHECK_EQ(memcmp(back, data, sizeof data), 0);

    /* Stale answers: a write to the same block moves its counter (a copy
     * made from the old answer would be thrown away), and a read sees it. */
    CHECK_EQ(readmap((uint32_t)f, 0, 3 * 4096, x), 3 * 4096);
    CHECK_EQ(c.gen[x[1].page], x[1].gen);
    CHECK_EQ(diskc_write(&c, (uint32_t)f, 4096 + 10, "changed", 7), 7);
    CHECK_EQ(c.gen[x[1].page] != x[1].gen, 1);
    memcpy(data + 4096 + 10, "changed", 7);
    CHECK_EQ(diskc_read(&c, (uint32_t)f, 0, back, 3 * 4096), 3 * 4096);
    CHECK_EQ(memcmp(back, data, 3 * 4096), 0);
    /* truncate: the cut block's counter moves, reads end at the new size,
     * and growing again shows zeros, not the old bytes */
    CHECK_EQ(readmap((uint32_t)f, 2 * 4096, 4096, x), 4096);
    CHECK_EQ(diskc_truncate(&c, (uint32_t)f, 2 * 4096 + 100), 0);
    CHECK_EQ(c.gen[x[0].page] != x[0].gen, 1);
    CHECK_EQ(diskc_read(&c, (uint32_t)f, 2 * 4096, back, 4096), 100);
    CHECK_EQ(memcmp(back, data + 2 * 4096, 100), 0);
    CHECK_EQ(diskc_truncate(&c, (uint32_t)f, 3 * 4096), 0);
    CHECK_EQ(diskc_read(&c, (uint32_t)f, 2 * 4096 + 100, back, 4096), 4096 - 100);
    zero = 1;
    for (size_t i = 0; i < 4096 - 100; i++)
        zero &= back[i] == 0;
    CHECK_EQ(zero, 1);
    /* A remount: every page holds something else, every counter moved. */
    CHECK_EQ(readmap((uint32_t)f, 0, 4096, x), 4096);
    CHECK_EQ(diskc_close(&c, (uint32_t)f), 0);
    CHECK_EQ(diskc_remount(&c), 0);
    CHECK_EQ(c.gen[x[0].page] != x[0].gen, 1);
    f = diskc_open(&c, "/f", DFS_O_READ, 0);
    CHECK_EQ(f > 0, 1);
    CHECK_EQ(diskc_read(&c, (uint32_t)f, 0, back, 2 * 4096), 2 * 4096);
    CHECK_EQ(memcmp(back, data, 2 * 4096), 0);

    /* Bad input to the new calls. */
    CHECK_EQ(diskc_call(&c, DISKD_CACHEMAP, c.npieces, 0), -DFS_ENOENT);
    CHECK_EQ(diskc_call(&c, DISKD_CACHEMAP, 1ull << 40, 0), -DFS_ENOENT);
    CHECK_EQ(readmap(0, 0, 10, x), -DFS_EBADF);
    CHECK_EQ(readmap(0xffffffffu, 0, 10, x), -DFS_EBADF);
    CHECK_EQ(readmap(1ull << 40, 0, 10, x), -DFS_EBADF);
    CHECK_EQ(readmap(1, 0, 10, x), -DFS_EBADF); /* the root: not opened by us */
    int root = diskc_open(&c, "/", DFS_O_READ | DFS_O_DIRECTORY, 0);
    CHECK_EQ(root > 0, 1);
    CHECK_EQ(readmap((uint32_t)root, 0, 10, x), -DFS_EISDIR);
    CHECK_EQ(diskc_close(&c, (uint32_t)root), 0);
    CHECK_EQ(readmap((uint32_t)f, 1ull << 50, 10, x), 0);
    CHECK_EQ(readmap((uint32_t)f, ~0ull, ~0ull, x), 0);
    long n = readmap((uint32_t)f, 0, ~0ull, x); /* bounded by DISKD_MAP_BYTES and the size */
    CHECK_EQ(n, 3 * 4096);
    int inside = 1;
    for (int i = 0; i < 3; i++)
        inside &= x[i].page < c.cache_pages && x[i].off + x[i].len <= 4096;
    CHECK_EQ(inside, 1);

    /* An open's map (DISKD_OPEN_MAP): a read-only open brings the map of
     * the first block; the next read from 0 within it needs no call, any
     * call in between drops it, a page changed since is caught by its
     * counter, and only read-only opens of regular files get one. */
    int o = diskc_open(&c, "/f", DFS_O_READ, 0);
    CHECK_EQ(o, f);
    CHECK_EQ(c.pre_ino, (uint32_t)f);
    CHECK_EQ(c.pre_len, 4096);
    uint64_t used = c.pre_used, calls = c.zc_calls;
    memset(back, 0, 4096);
    CHECK_EQ(diskc_read(&c, (uint32_t)f, 0, back, 4096), 4096);
    CHECK_EQ(memcmp(back, data, 4096), 0);
    CHECK_EQ(c.pre_used, used + 1);
    CHECK_EQ(c.zc_calls, calls); /* no call */
    CHECK_EQ(c.pre_ino, 0);      /* once */
    CHECK_EQ(diskc_read(&c, (uint32_t)f, 0, back, 4096), 4096);
    CHECK_EQ(c.zc_calls, calls + 1);
    CHECK_EQ(diskc_open(&c, "/f", DFS_O_READ | DFS_O_WRITE, 0), f); /* (for the write below) */
    CHECK_EQ(c.pre_ino, 0); /* not read-only: no map */
    CHECK_EQ(diskc_open(&c, "/f", DFS_O_READ, 0), f);
    struct dfs_extent stale[DISKD_MAP_MAX];
    memcpy(stale, c.pre_x, sizeof stale);
    CHECK_EQ(diskc_write(&c, (uint32_t)f, 5, "fresh", 5), 5); /* (a call: the map is dropped) */
    CHECK_EQ(c.pre_ino, 0);
    memcpy(data + 5, "fresh", 5);
    c.pre_ino = (uint32_t)f; /* as if another client had written meanwhile */
    memcpy(c.pre_x, stale, sizeof stale);
    used = c.pre_used;
    CHECK_EQ(diskc_read(&c, (uint32_t)f, 0, back, 4096), 4096);
    CHECK_EQ(memcmp(back, data, 4096), 0); /* the new bytes, by a call */
    CHECK_EQ(c.pre_used, used);
    CHECK_EQ(diskc_open(&c, "/", DFS_O_READ, 0) > 0, 1); /* a directory: no map */
    CHECK_EQ(c.pre_ino, 0);
    int e = diskc_open(&c, "/empty", DFS_O_CREAT | DFS_O_WRITE, 0644);
    CHECK_EQ(e > 0, 1);
    CHECK_EQ(diskc_open(&c, "/empty", DFS_O_READ, 0), e);
    CHECK_EQ(c.pre_ino, 0); /* nothing to map */
    CHECK_EQ(diskc_read(&c, (uint32_t)e, 0, back, 10), 0);
    for (int i = 0; i < 4; i++) /* (f held 3 more times, the root, /empty twice) */
        CHECK_EQ(diskc_close(&c, i < 3 ? (uint32_t)f : 1u), 0);
    CHECK_EQ(diskc_close(&c, (uint32_t)e), 0);
    CHECK_EQ(diskc_close(&c, (uint32_t)e), 0);
    CHECK_EQ(diskc_flush_close(&c), 0);

    /* Deferred closes (diskd.h): a close goes with the next call, which
     * finds the inode closed; a second close goes at once, carrying the
     * first. Hostile ones: an inode not held is ignored, another call's
     * failure does not keep the close from happening. */
    int g = diskc_open(&c, "/g", DFS_O_CREAT | DFS_O_WRITE, 0644);
    int h = diskc_open(&c, "/h", DFS_O_CREAT | DFS_O_WRITE, 0644);
    CHECK_EQ(g > 0 && h > 0, 1);
    CHECK_EQ(diskc_close(&c, (uint32_t)g), 0);
    CHECK_EQ(c.closing, (uint32_t)g); /* not sent yet */
    CHECK_EQ(diskc_call(&c, DISKD_STAT, (uint64_t)g, 0), -DFS_EBADF);
    CHECK_EQ(c.closing, 0);
    CHECK_EQ(diskc_close(&c, (uint32_t)g), 0); /* not held: ignored when it goes */
    CHECK_EQ(diskc_close(&c, (uint32_t)h), 0); /* at once, g's with it */
    CHECK_EQ(c.closing, 0);
    CHECK_EQ(diskc_call(&c, DISKD_STAT, (uint64_t)h, 0), -DFS_EBADF);
    CHECK_EQ(diskc_close(&c, 0), -DFS_EBADF);
    CHECK_EQ(diskc_flush_close(&c), 0);
    g = diskc_open(&c, "/g", DFS_O_READ, 0);
    CHECK_EQ(g > 0, 1);
    CHECK_EQ(sys_pct_call(c.srv, DISKD_NOPS | DISKD_CLOSING(g), 0, 0), -DFS_EINVAL);
    CHECK_EQ(diskc_call(&c, DISKD_STAT, (uint64_t)g, 0), -DFS_EBADF); /* closed all the same */
    CHECK_EQ(sys_pct_call(c.srv, DISKD_STAT | DISKD_CLOSING(0xffffffffu), (uint64_t)f, 0), 0);
    CHECK_EQ(sys_pct_call(c.srv, DISKD_STAT | DISKD_CLOSING(1), (uint64_t)f, 0), 0); /* the root */
    CHECK_EQ(sys_pct_call(c.srv, DISKD_CACHE | DISKD_CLOSING(f), 0, 0) > 0, 1);
    CHECK_EQ(diskc_call(&c, DISKD_STAT, (uint64_t)f, 0), -DFS_EBADF); /* f went with it */
    f = diskc_open(&c, "/f", DFS_O_READ, 0);
    CHECK_EQ(f > 0, 1);
    CHECK_EQ(diskc_close(&c, (uint32_t)f), 0);
    CHECK_EQ(diskc_flush_close(&c), 0);
    CHECK_EQ(diskc_call(&c, DISKD_STAT, (uint64_t)f, 0), -DFS_EBADF);
    f = diskc_open(&c, "/f", DFS_O_READ, 0);
    CHECK_EQ(f > 0, 1);
    CHECK_EQ(diskc_close(&c, (uint32_t)f), 0);
    CHECK_EQ(diskc_unmount(&c), 0);
    CHECK_EQ(diskc_call(&c, DISKD_CHECK, 0, 0), 0);              /* fsck of the disk: clean */
    CHECK_EQ(diskc_call(&c, DISKD_CACHEMAP, 0, 0), -DFS_EINVAL); /* unmounted */
    diskc_stop(&c);
    printf("t_diskzc: %d failed checks\n", check_failures);
    return check_failures;
}
