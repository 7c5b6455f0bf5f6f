/* Kernel unit tests of the multiprocessor code (registered in ktest.c):
 * the ACPI table parser on synthetic tables, good and malformed; the
 * application processors themselves (each one up, its timer ticking, IPIs
 * delivered to it and handled on its own stack); every CPU at once on the
 * locks and the frame allocator; the TLB shootdown of a kernel mapping. */
#include "kernel.h"
#include "ktest.h"
#include "cpu.h"
#include "trap.h"
#include "pmem.h"
#include "vm.h"
#include "spinlock.h"
#include "env.h"
#include "klock.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/x86.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            ksnprintf(why, whylen, "%s (line %d)", #cond, __LINE__);                               \
            return false;                                                                          \
        }                                                                                          \
    } while (0)

/* ---- ACPI: a fake physical memory [MEM_PA, MEM_PA + MEM_SIZE) ---- */

#define MEM_PA   0x40000UL
#define MEM_SIZE 8192
#define RSDP     0x0000 /* offsets in mem */
#define RSDT     0x0100
#define XSDT     0x0200
#define MADT     0x0400
#define MADT2    0x0c00
#define FACP     0x0300

static u8 mem[MEM_SIZE];

static const void *fake_map(void *ctx, u64 pa, u64 len)
{
    (void)ctx;
    if (pa < MEM_PA || len > MEM_SIZE || pa - MEM_PA > MEM_SIZE - len)
        return NULL;
    return mem + (pa - MEM_PA);
}

static const struct acpi_mem fake = {fake_map, NULL};

static void put32(u32 off, u32 v)
{
    for (int i = 0; i < 4; i++)
        mem[off + i] = (u8)(v >> (8 * i));
}
static void put64(u32 off, u64 v)
{
    put32(off, (u32)v);
    put32(off + 4, (u32)(v >> 32));
}

/* Fixes the checksum byte at off + at so that [off, off + len) sums to 0. */
static void fix_sum(u32 off, u32 len, u32 at)
{
    mem[off + at] = 0;
    mem[off + at] = (u8)(0x100 - acpi_sum(mem + off, len));
}

/* An SDT header at off: signature and length (the checksum is fixed later). */
static void sdt(u32 off, const char *sig, u32 len)
{
    memcpy(mem + off, sig, 4);
    put32(off + 4, len);
    mem[off + 8] = 1;
}

static void rsdp(u8 rev, u32 rsdt, u64 xsdt)
{
    memcpy(mem + RSDP, "RSD PTR ", 8);
    mem[RSDP + 15] = rev;
    put32(RSDP + 16, rsdt);
    put32(RSDP + 20, 36);
    put64(RSDP + 24, xsdt);
    fix_sum(RSDP, 20, 8);
    fix_sum(RSDP, 36, 32);
}

/* A MADT at off with the local APICs ids[0..n) (flags[i]), one I/O APIC and
 * one override (IRQ 0 -> GSI 2); returns its length. */
static u32 madt(u32 off, const u32 *ids, const u32 *flags, int n)
{
    u32 p = off + 44;
    for (int i = 0; i < n; i++, p += 8) {
        mem[p] = 0, mem[p + 1] = 8, mem[p + 2] = (u8)i, mem[p + 3] = (u8)ids[i];
        put32(p + 4, flags[i]);
    }
    mem[p] = 1, mem[p + 1] = 12, mem[p + 2] = 7, mem[p + 3] = 0;
    put32(p + 4, 0xfec00000);
    put32(p + 8, 0);
    p += 12;
    mem[p] = 2, mem[p + 1] = 10, mem[p + 2] = 0, mem[p + 3] = 0;
    put32(p + 4, 2);
    mem[p + 8] = 0, mem[p + 9] = 0;
    p += 10;
    sdt(off, "APIC", p - off);
    put32(off + 36, 0xfee00000);
    put32(off + 40, 1);
    fix_sum(off, p - off, 9);
    return p - off;
}

/* A good machine: RSDP rev 0 -> RSDT (FACP, MADT) -> MADT with CPUs 0, 1
 * (disabled), 2 (online capable), 5. Rev 2 adds an XSDT -> MADT2 (CPUs 3, 4). */
static void good_tables(u8 rev)
{
    memset(mem, 0, sizeof mem);
    static const u32 ids[4] = {0, 1, 2, 5}, flags[4] = {1, 0, 2, 1};
    static const u32 ids2[2] = {3, 4}, flags2[2] = {1, 1};
    madt(MADT, ids, flags, 4);
    madt(MADT2, ids2, flags2, 2);
    sdt(FACP, "FACP", 36);
    fix_sum(FACP, 36, 9);
    sdt(RSDT, "RSDT", 36 + 8);
    put32(RSDT + 36, MEM_PA + FACP);
    put32(RSDT + 40, MEM_PA + MADT);
    fix_sum(RSDT, 44, 9);
    sdt(XSDT, "XSDT", 36 + 16);
    put64(XSDT + 36, MEM_PA + FACP);
    put64(XSDT + 44, MEM_PA + MADT2);
    fix_sum(XSDT, 52, 9);
    rsdp(rev, MEM_PA + RSDT, rev >= 2 ? MEM_PA + XSDT : 0);
}

static int find(struct acpi_madt_info *mi)
{
    return acpi_find_madt(&fake, MEM_PA + RSDP, mi);
}

static u64 rng = 0x9e3779b97f4a7c15UL;
static u64 next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

bool ktest_acpi(char *why, size_t whylen)
{
    static struct acpi_madt_info mi; /* big for a stack frame */

    /* The good tables, through the RSDT. */
    good_tables(0);
    CHECK(find(&mi) == 0);
    CHECK(mi.ncpu == 3 && mi.apic_id[0] == 0 && mi.apic_id[1] == 2 && mi.apic_id[2] == 5);
    CHECK(mi.ncpu_ignored == 0 && mi.lapic_pa == 0xfee00000);
    CHECK(mi.nioapic == 1 && mi.ioapic[0].id == 7 && mi.ioapic[0].pa == 0xfec00000);
    CHECK(mi.niso == 1 && mi.iso[0].irq == 0 && mi.iso[0].gsi == 2);
    /* Revision 2: the XSDT wins. */
    good_tables(2);
    CHECK(find(&mi) == 0 && mi.ncpu == 2 && mi.apic_id[0] == 3 && mi.apic_id[1] == 4);

    /* The RSDP: bad checksum, bad signature, bad extended checksum, an
     * extended length too small, or unreadable. */
    good_tables(0);
    mem[RSDP + 9] ^= 1;
    CHECK(find(&mi) == -ACPI_E_NORSDP);
    good_tables(0);
    mem[RSDP] = 'X';
    fix_sum(RSDP, 20, 8);
    CHECK(find(&mi) == -ACPI_E_NORSDP);
    good_tables(2);
    mem[RSDP + 33] ^= 0x40;
    CHECK(find(&mi) == -ACPI_E_NORSDP);
    good_tables(2);
    put32(RSDP + 20, 8);
    fix_sum(RSDP, 20, 8);
    CHECK(find(&mi) == -ACPI_E_NORSDP);
    CHECK(acpi_find_madt(&fake, MEM_PA + MEM_SIZE - 4, &mi) == -ACPI_E_NORSDP);
    CHECK(acpi_find_madt(&fake, ~0UL - 8, &mi) == -ACPI_E_NORSDP);

    /* The root table: bad checksum, too short, absurdly long, a length
     * running past readable memory, entries not a multiple of 4, a pointer
     * to nothing, the wrong signature. */
    good_tables(0);
    mem[RSDT + 20] ^= 1;
    CHECK(find(&mi) == -ACPI_E_BADROOT);
    const u32 bad_lens[] = {0, 35, 0xffffffff, 1 << 20, MEM_SIZE - RSDT + 4, 43};
    for (size_t i = 0; i < ARRAY_SIZE(bad_lens); i++) {
        good_tables(0);
        put32(RSDT + 4, bad_lens[i]);
        if (bad_lens[i] >= 36 && bad_lens[i] <= MEM_SIZE - RSDT)
            fix_sum(RSDT, bad_lens[i], 9);
        CHECK(find(&mi) == -ACPI_E_BADROOT);
    }
    good_tables(0);
    rsdp(0, MEM_PA + MEM_SIZE + 0x1000, 0);
    CHECK(find(&mi) == -ACPI_E_BADROOT);
    good_tables(0);
    rsdp(0, 0, 0);
    CHECK(find(&mi) == -ACPI_E_BADROOT);
    good_tables(0);
    memcpy(mem + RSDT, "XSDT", 4);
    fix_sum(RSDT, 44, 9);
    CHECK(find(&mi) == -ACPI_E_BADROOT);

    /* Entries: one to unreadable memory is skipped; no MADT at all; a MADT
     * whose checksum is bad. */
    good_tables(0);
    put32(RSDT + 36, 0xfffffff0);
    fix_sum(RSDT, 44, 9);
    CHECK(find(&mi) == 0 && mi.ncpu == 3);
    good_tables(0);
    put32(RSDT + 40, MEM_PA + FACP);
    fix_sum(RSDT, 44, 9);
    CHECK(find(&mi) == -ACPI_E_NOMADT);
    good_tables(0);
    mem[MADT + 50] ^= 1;
    CHECK(find(&mi) == -ACPI_E_NOMADT);

    /* MADT entries: length 0 (would loop), running past the end, too short
     * for their type; a length field disagreeing with the table's. */
    static const u32 one[1] = {0}, on[1] = {1};
    u32 len = madt(MADT, one, on, 1);
    CHECK(acpi_parse_madt(mem + MADT, len, &mi) == 0 && mi.ncpu == 1);
    mem[MADT + 44 + 1] = 0;
    CHECK(acpi_parse_madt(mem + MADT, len, &mi) == -ACPI_E_BADMADT);
    mem[MADT + 44 + 1] = 200;
    CHECK(acpi_parse_madt(mem + MADT, len, &mi) == -ACPI_E_BADMADT);
    mem[MADT + 44 + 1] = 6;
    CHECK(acpi_parse_madt(mem + MADT, len, &mi) == -ACPI_E_BADMADT);
    len = madt(MADT, one, on, 1);
    CHECK(acpi_parse_madt(mem + MADT, len - 1, &mi) == -ACPI_E_BADMADT);
    CHECK(acpi_parse_madt(mem + MADT, 40, &mi) == -ACPI_E_BADMADT);
    /* A MADT with no usable CPU is no good either. */
    static const u32 off[1] = {0};
    len = madt(MADT, one, off, 1);
    CHECK(acpi_parse_madt(mem + MADT, len, &mi) == -ACPI_E_BADMADT);

    /* More CPUs than MAX_CPUS, and a repeated id: the extra are ignored. */
    static u32 many[MAX_CPUS + 4], manyf[MAX_CPUS + 4];
    for (int i = 0; i < MAX_CPUS + 4; i++)
        many[i] = (u32)i, manyf[i] = 1;
    many[3] = 2;
    len = madt(MADT, many, manyf, MAX_CPUS + 4);
    CHECK(acpi_parse_madt(mem + MADT, len, &mi) == 0);
    CHECK(mi.ncpu == MAX_CPUS && mi.ncpu_ignored == 4);

    /* The RSDP scan: 16-byte boundaries only; a bad candidate skipped; a
     * revision-2 RSDP whose length runs past the area is not believed. */
    good_tables(0);
    static u8 area[256];
    memset(area, 0, sizeof area);
    memcpy(area + 40, mem + RSDP, 20); /* not on a boundary */
    CHECK(acpi_scan_rsdp(area, sizeof area) == -1);
    memcpy(area + 48, mem + RSDP, 20);
    area[48 + 8] ^= 1; /* bad checksum */
    memcpy(area + 96, mem + RSDP, 20);
    CHECK(acpi_scan_rsdp(area, sizeof area) == 96);
    CHECK(acpi_scan_rsdp(area, 100) == -1); /* cut short */
    good_tables(2);
    memset(area, 0, sizeof area);
    memcpy(area + 224, mem + RSDP, 32); /* 36 bytes would not fit in 256 */
    CHECK(acpi_scan_rsdp(area, sizeof area) == -1);

    /* Random damage to a good MADT, its checksum fixed up so the parser
     * sees it: any result, but never more CPUs than it can hold, and no
     * fault or endless loop. */
    static const u32 ids4[4] = {0, 1, 2, 3}, f4[4] = {1, 1, 1, 1};
    int accepted = 0;
    for (int round = 0; round < 2000; round++) {
        len = madt(MADT, ids4, f4, 4);
        for (int k = 0; k < 1 + (int)(next_rand() % 4); k++)
            mem[MADT + 36 + next_rand() % (len - 36)] = (u8)next_rand();
        fix_sum(MADT, len, 9);
        put32(RSDT + 40, MEM_PA + MADT);
        if (acpi_parse_madt(mem + MADT, len, &mi) == 0) {
            accepted++;
            CHECK(mi.ncpu >= 1 && mi.ncpu <= MAX_CPUS && mi.nioapic <= ACPI_MAX_IOAPICS);
        }
    }
    ksnprintf(why, whylen, "%d of 2000 damaged MADTs still parsed", accepted);
    return true;
}

/* ---- the application processors ---- */

bool ktest_smp(char *why, size_t whylen)
{
    const struct acpi_madt_info *mi = smp_madt();
    /* Every CPU the MADT lists came up (QEMU's -smp N lists N). */
    CHECK(mi != NULL);
    CHECK(ncpu == (int)mi->ncpu);
    CHECK(cpus[0].online && cpus[0].apic_id == lapic_id());
    u64 bsp_pings = cpus[0].ipi_count, pings = 0;
    for (int i = 1; i < ncpu; i++) {
        struct cpu *c = &cpus[i];
        CHECK(c->online && c->self == c && c->id == i);
        for (int j = 0; j < i; j++)
            CHECK(cpus[j].apic_id != c->apic_id);
        /* Its own timer: at least 10 ticks within 5 s of TSC time. */
        u64 t0 = c->ticks;
        for (int k = 0; k < 10; k++)
            CHECK(smp_wait_change(&c->ticks, c->ticks, 5000));
        CHECK(c->ticks >= t0 + 10);
        /* 100 IPIs, each handled by that CPU (its GS base: its struct cpu)
         * on its own idle stack, before the next is sent. */
        for (int k = 0; k < 100; k++) {
            u64 n = c->ipi_count;
            lapic_send_ipi(c->apic_id, T_IPI_PING);
            CHECK(smp_wait_change(&c->ipi_count, n, 5000));
            pings++;
        }
        u64 top = cpu_idle_stack_top(i);
        CHECK(c->ipi_rsp < top && c->ipi_rsp >= top - IDLE_STACK_SIZE);
    }
    /* And one to this CPU itself, which has interrupts off here (kernel
     * code): it waits until they are on. */
    lapic_send_ipi(cpus[0].apic_id, T_IPI_PING);
    CHECK(cpus[0].ipi_count == bsp_pings);
    sti();
    for (int k = 0; k < 1000 && cpus[0].ipi_count == bsp_pings; k++)
        pause();
    cli();
    CHECK(cpus[0].ipi_count == bsp_pings + 1);
    if (ncpu == 1)
        ksnprintf(why, whylen, "1 CPU: no application processor to check");
    else
        ksnprintf(why, whylen,
                  "%d CPUs; %lu IPIs to the %d application processor%s, each handled there", ncpu,
                  pings, ncpu - 1, ncpu == 2 ? "" : "s");
    return true;
}

/* ---- cross-CPU calls: every CPU at once on shared kernel structures ---- */

/* The lock test's shared state: count is updated with a plain read, a
 * pause and a plain write, so increments get lost unless the lock excludes. */
static struct spinlock hammer_lock = SPINLOCK_INIT("ktest hammer"); /* protects hammer_count */
static volatile u64 hammer_count;
static struct mcs_lock hammer_mcs = MCS_LOCK_INIT("ktest mcs"); /* protects mcs_count */
static volatile u64 mcs_count;
static volatile u64 racy_count; /* the control: the same increments with no lock */
#define HAMMER_ROUNDS 5000
#define FRAME_ROUNDS  500
#define FRAME_BATCH   8

struct hammer {
    volatile u64 ran[MAX_CPUS];   /* per CPU: how many times fn ran there */
    volatile u64 bad[MAX_CPUS];   /* per CPU: a frame that was not its own alone */
    volatile u64 nomem[MAX_CPUS]; /* per CPU: allocations that failed */
};

static void hammer_fn(void *arg)
{
    struct hammer *h = arg;
    int me = cpu()->id;
    h->ran[me]++;
    for (int i = 0; i < HAMMER_ROUNDS; i++) {
        u64 r = racy_count;
        pause();
        racy_count = r + 1;
        spin_lock(&hammer_lock);
        u64 v = hammer_count;
        pause();
        hammer_count = v + 1;
        spin_unlock(&hammer_lock);
        struct mcs_node node;
        mcs_lock(&hammer_mcs, &node);
        v = mcs_count;
        pause();
        mcs_count = v + 1;
        mcs_unlock(&hammer_mcs, &node);
    }
    /* The frame allocator (pmem_lock) from every CPU at once: each frame
     * is tagged with its owner's id and checked before it is given back,
     * so a frame handed to two CPUs shows. */
    for (int r = 0; r < FRAME_ROUNDS; r++) {
        paddr_t f[FRAME_BATCH];
        for (int i = 0; i < FRAME_BATCH; i++) {
            f[i] = frame_alloc();
            if (!f[i]) {
                h->nomem[me]++;
                continue;
            }
            if (*(volatile u64 *)P2V(f[i]) != 0)
                h->bad[me]++; /* not zeroed: someone else writes it */
            *(volatile u64 *)P2V(f[i]) = 0x5a00 + (u64)me;
        }
        for (int i = 0; i < FRAME_BATCH; i++) {
            if (!f[i])
                continue;
            if (*(volatile u64 *)P2V(f[i]) != 0x5a00 + (u64)me)
                h->bad[me]++;
            frame_free(f[i]);
        }
    }
}

bool ktest_smp_call(char *why, size_t whylen)
{
    static struct hammer h;
    memset((void *)&h, 0, sizeof h);
    hammer_count = mcs_count = racy_count = 0;
    u64 free0 = pmem_free_frames();
    smp_call_each(hammer_fn, &h, true);
    for (int i = 0; i < ncpu; i++) {
        CHECK(h.ran[i] == 1);
        CHECK(h.bad[i] == 0);
        CHECK(h.nomem[i] == 0);
    }
    CHECK(hammer_count == (u64)HAMMER_ROUNDS * (u64)ncpu);
    CHECK(mcs_count == (u64)HAMMER_ROUNDS * (u64)ncpu && hammer_mcs.tail == NULL);
    CHECK(pmem_free_frames() == free0);
    /* Whether the CPUs really ran at once: increments the control lost
     * (none need be lost, so not asserted). */
    ksnprintf(why, whylen,
              "%d CPU%s: %lu ticket- and %lu MCS-locked increments, none lost (%lu lost "
              "unlocked); %d frames each, none shared",
              ncpu, ncpu > 1 ? "s" : "", hammer_count, mcs_count,
              (u64)HAMMER_ROUNDS * (u64)ncpu - racy_count, FRAME_ROUNDS * FRAME_BATCH);
    return true;
}

/* ---- the kernel lock itself (klock.c) ---- */

#define KLOCK_ROUNDS 200
#define KLOCK_HOLD   2000 /* pauses inside: longer than a waiter spins before it halts */

static volatile u64 klock_count; /* protected by the kernel lock (in this test) */
static volatile u64 klock_bad[MAX_CPUS];

static void klock_fn(void *arg)
{
    (void)arg;
    struct cpu *c = cpu();
    for (int i = 0; i < KLOCK_ROUNDS; i++) {
        klock_acquire();
        if (!klock_holding())
            klock_bad[c->id]++;
        u64 v = klock_count;
        for (int k = 0; k < KLOCK_HOLD; k++)
            pause();
        klock_count = v + 1;
        klock_release();
    }
}

/* Every CPU at once takes and drops the kernel lock, holding it long
 * enough that waiters halt (wait_turn) and must be woken by the release's
 * T_IPI_WAKE: no increment is lost, no CPU waits for ever, the queue ends
 * empty. (The boot CPU holds the lock while the kernel tests run: it lets
 * it go for the test.) */
bool ktest_klock(char *why, size_t whylen)
{
    if (!klock_on) {
        ksnprintf(why, whylen, "1 CPU: the kernel lock is not used");
        return true;
    }
    u64 halts0 = 0, halts = 0;
    for (int i = 0; i < ncpu; i++)
        halts0 += cpus[i].klock_halts;
    klock_count = 0;
    memset((void *)klock_bad, 0, sizeof klock_bad);
    klock_release();
    smp_call_each(klock_fn, NULL, true);
    klock_acquire();
    for (int i = 0; i < ncpu; i++) {
        CHECK(klock_bad[i] == 0);
        halts += cpus[i].klock_halts;
    }
    halts -= halts0;
    CHECK(klock_count == (u64)KLOCK_ROUNDS * (u64)ncpu);
    CHECK(klock_lock()->tail == &cpu()->klock_node); /* only this CPU's node: it holds it */
    CHECK(cpu()->klock_node.next == NULL);
    CHECK(halts > 0);
    ksnprintf(why, whylen, "%d CPUs: %lu locked increments, none lost; %lu waits halted", ncpu,
              klock_count, halts);
    return true;
}

/* ---- the local locks (klock.c, "Local calls") ---- */

#define LOCAL_ROUNDS 400

static volatile u64 local_count[MAX_CPUS];  /* CPU i's: under its local lock */
static volatile u64 local_inside[MAX_CPUS]; /* CPU i holds its local lock in the test */
static volatile u64 local_klocked;          /* under the kernel lock */
static volatile u64 local_bad[MAX_CPUS];

static void local_fn(void *arg)
{
    (void)arg;
    struct cpu *c = cpu();
    for (int i = 0; i < LOCAL_ROUNDS; i++) {
        if ((i + c->id) % 3) {
            /* A local call's section: its own lock only, exclusive of
             * every holder of the kernel lock. */
            klock_local_lock();
            local_inside[c->id] = 1;
            u64 v = local_count[c->id];
            for (int k = 0; k < 200; k++)
                pause();
            local_count[c->id] = v + 1;
            local_inside[c->id] = 0;
            klock_local_unlock();
        } else {
            /* The kernel lock: no CPU is inside its local section. */
            klock_acquire();
            for (int k = 0; k < ncpu; k++)
                if (local_inside[k] || cpus[k].local_active)
                    local_bad[c->id]++;
            u64 v = local_klocked;
            for (int k = 0; k < 200; k++)
                pause();
            local_klocked = v + 1;
            klock_release();
        }
    }
}

/* Every CPU at once: two rounds in three it takes its own local lock (a
 * local call's section), one in three the kernel lock, which must find no
 * CPU inside its local section. No increment lost on either side, and no
 * local lock held at the end. */
bool ktest_klock_local(char *why, size_t whylen)
{
    if (!klock_on) {
        ksnprintf(why, whylen, "1 CPU: no local locks are used");
        return true;
    }
    u64 want_local = 0, want_klocked = 0;
    for (int i = 0; i < ncpu; i++) {
        local_count[i] = 0;
        local_bad[i] = 0;
        for (int r = 0; r < LOCAL_ROUNDS; r++)
            if ((r + i) % 3)
                want_local++;
            else
                want_klocked++;
    }
    local_klocked = 0;
    klock_release();
    smp_call_each(local_fn, NULL, true);
    klock_acquire();
    u64 got = 0;
    for (int i = 0; i < ncpu; i++) {
        CHECK(local_bad[i] == 0);
        CHECK(!cpus[i].local_active);
        got += local_count[i];
    }
    CHECK(got == want_local);
    CHECK(local_klocked == want_klocked);
    ksnprintf(why, whylen,
              "%d CPUs: %lu sections under a local lock, %lu under the kernel lock, none "
              "overlapping, none lost",
              ncpu, got, local_klocked);
    return true;
}

/* ---- the frame allocator's per-CPU representatives (pmem.c) ---- */

#define REP_FRAMES 150 /* per CPU: more than a rep holds, so refills and drains happen */

struct reps_test {
    paddr_t f[MAX_CPUS][REP_FRAMES];
    volatile u64 bad[MAX_CPUS];
    volatile int phase; /* 0: each CPU allocates its row; 1: frees its neighbour's */
};

static void reps_fn(void *arg)
{
    struct reps_test *t = arg;
    int me = cpu()->id;
    if (t->phase == 0) {
        for (int i = 0; i < REP_FRAMES; i++) {
            paddr_t pa = t->f[me][i] = frame_alloc();
            if (!pa || *(volatile u64 *)P2V(pa) != 0)
                t->bad[me]++;
            else
                *(volatile u64 *)P2V(pa) = 0x7e00 + (u64)me;
        }
        return;
    }
    int from = (me + 1) % ncpu; /* frames allocated on another CPU come back here */
    for (int i = 0; i < REP_FRAMES; i++) {
        paddr_t pa = t->f[from][i];
        if (pa && *(volatile u64 *)P2V(pa) != 0x7e00 + (u64)from)
            t->bad[me]++;
        if (pa)
            frame_free(pa);
    }
}

/* The clustered frame allocator: every CPU at once allocates more frames
 * than its rep holds (misses refill from the root) and frees a
 * neighbour's (frames change CPU; full reps drain back); no frame is
 * handed out twice and the free count comes back. Then a frame cached on
 * another CPU is still found by frame_alloc_at, and allocating every free
 * frame of the machine from this CPU empties the other CPUs' reps (the
 * miss protocol drains them) before frame_alloc answers 0. */
bool ktest_frame_reps(char *why, size_t whylen)
{
    static struct reps_test t;
    memset(&t, 0, sizeof t);
    u64 free0 = pmem_free_frames();
    smp_call_each(reps_fn, &t, true);
    for (int i = 0; i < ncpu; i++)
        CHECK(t.bad[i] == 0);
    CHECK(pmem_free_frames() == free0 - (u64)ncpu * REP_FRAMES);
    t.phase = 1;
    smp_call_each(reps_fn, &t, true);
    for (int i = 0; i < ncpu; i++) {
        CHECK(t.bad[i] == 0);
        CHECK(pmem_cached_frames(i) <= 64);
    }
    CHECK(pmem_free_frames() == free0);
    /* A frame in some CPU's rep (the last CPU's: it freed its neighbour's
     * row last) is free for frame_alloc_at too. */
    paddr_t cached = t.f[0][REP_FRAMES - 1]; /* CPU ncpu - 1 freed it last: on top of its rep */
    CHECK(pmem_cached_frames(ncpu - 1) > 0);
    CHECK(frame_alloc_at(cached / PAGE_SIZE) == 0);
    CHECK(pmem_free_frames() == free0 - 1);
    CHECK(frame_alloc_at(cached / PAGE_SIZE) == -E_BUSY);
    frame_free(cached);
    CHECK(pmem_free_frames() == free0);
    /* Exhaustion from this CPU: every free frame, the other reps' too. */
    u64 others = 0;
    for (int i = 0; i < ncpu; i++)
        if (i != cpu()->id)
            others += pmem_cached_frames(i);
    paddr_t head = 0;
    u64 n = 0;
    for (paddr_t pa; (pa = frame_alloc_raw()) != 0; n++) {
        *(paddr_t *)P2V(pa) = head; /* a list through the frames themselves */
        head = pa;
    }
    CHECK(n == free0);
    for (int i = 0; i < ncpu; i++)
        CHECK(pmem_cached_frames(i) == 0);
    CHECK(pmem_free_frames() == 0);
    while (head) {
        paddr_t next = *(paddr_t *)P2V(head);
        frame_free(head);
        head = next;
    }
    CHECK(pmem_free_frames() == free0);
    ksnprintf(why, whylen,
              "%d CPU%s: %d frames each allocated and freed on a neighbour, none shared; %lu "
              "frames the other reps cached drained at exhaustion (%lu)",
              ncpu, ncpu > 1 ? "s" : "", REP_FRAMES, others, n);
    return true;
}

/* ---- timer ticks from user mode without the kernel lock (trap.c) ---- */

u64 trap_tick_nolock(struct trapframe *tf);

/* trap_tick_nolock on this CPU's state, set up as each case needs (a
 * free env of envs[] as the CPU's env; interrupts stay off): a tick that
 * ends nothing is counted without the lock; one that ends the slot, comes
 * in a grace period, reaches the env's deadline, comes without an env or
 * during the SMAP probe changes nothing and goes to the locked path. */
bool ktest_tick_nolock(char *why, size_t whylen)
{
    struct cpu *c = cpu();
    struct env *saved_env = c->env, *e = NULL;
    u64 saved_end = c->slot_end, saved_grace = c->grace_end;
    for (int i = NENV - 1; i >= 0 && !e; i--)
        if (envs[i].state == ENV_FREE)
            e = &envs[i];
    CHECK(e != NULL);
    struct trapframe tf = {.vector = T_TIMER};
    bool ok = true;
    u64 t0 = c->ticks, n0 = c->ticks_nolock;
#define EXPECT(cond) ok = ok && (cond)
    c->env = e;
    e->deadline_tick = 0;
    c->grace_end = 0;
    c->slot_end = c->ticks + 3;
    EXPECT(trap_tick_nolock(&tf) == 1 && c->ticks == t0 + 1 && c->ticks_nolock == n0 + 1);
    EXPECT(trap_tick_nolock(&tf) == 1 && c->ticks == t0 + 2);
    EXPECT(trap_tick_nolock(&tf) == 0 && c->ticks == t0 + 2); /* the slot's last tick */
    c->slot_end = c->ticks + 100;
    c->grace_end = c->ticks + 5;
    EXPECT(trap_tick_nolock(&tf) == 0 && c->ticks == t0 + 2); /* a grace period */
    c->grace_end = 0;
    e->deadline_tick = c->ticks + 1;
    EXPECT(trap_tick_nolock(&tf) == 0 && c->ticks == t0 + 2); /* the deadline */
    e->deadline_tick = c->ticks + 2;
    EXPECT(trap_tick_nolock(&tf) == 1 && c->ticks == t0 + 3);
    e->deadline_tick = 0;
    smap_probe = true;
    EXPECT(trap_tick_nolock(&tf) == 0);
    smap_probe = false;
    c->env = NULL;
    EXPECT(trap_tick_nolock(&tf) == 0 && c->ticks == t0 + 3 && c->ticks_nolock == n0 + 3);
#undef EXPECT
    c->env = saved_env;
    c->slot_end = saved_end;
    c->grace_end = saved_grace;
    CHECK(ok);
    u64 all = 0;
    for (int i = 0; i < ncpu; i++)
        all += cpus[i].ticks_nolock;
    ksnprintf(why, whylen, "%lu ticks from user mode without the kernel lock so far", all);
    return true;
}

/* ---- TLB shootdown of a kernel mapping ---- */

/* A page of the kernel image (4 KiB pages there) whose mapping the test
 * moves to another frame and back. */
static u8 shoot_page[PAGE_SIZE] __aligned(PAGE_SIZE);

struct seen {
    volatile u64 v[MAX_CPUS];
};

static void read_fn(void *arg)
{
    struct seen *s = arg;
    s->v[cpu()->id] = *(volatile u64 *)shoot_page;
}

bool ktest_tlb_shootdown(char *why, size_t whylen)
{
    static struct seen s;
    const u64 A = 0xaaaa0001, B = 0xbbbb0002;
    u64 *pte = vm_walk(kernel_pml4, (vaddr_t)shoot_page);
    CHECK(pte && !(*pte & PTE_PS));
    u64 orig = *pte;
    paddr_t fb = frame_alloc();
    CHECK(fb);
    *(volatile u64 *)shoot_page = A;
    *(volatile u64 *)P2V(fb) = B;
    /* Every CPU reads the page: A, now in its TLB. */
    smp_call_each(read_fn, &s, true);
    for (int i = 0; i < ncpu; i++)
        CHECK(s.v[i] == A);
    /* Moved to frame B with this CPU's translation dropped only: the other
     * CPUs may still read A through a stale translation (not asserted: a
     * TLB may drop entries at any time). */
    u64 old_shootdowns = tlb_shootdowns;
    *pte = fb | (orig & ~PTE_ADDR_MASK);
    invlpg((vaddr_t)shoot_page);
    smp_call_each(read_fn, &s, true);
    int stale = 0;
    for (int i = 0; i < ncpu; i++)
        stale += s.v[i] == A;
    CHECK(s.v[cpu()->id] == B);
    /* The shootdown: every CPU must read B. */
    tlb_flush_kernel((vaddr_t)shoot_page, 1);
    smp_call_each(read_fn, &s, true);
    for (int i = 0; i < ncpu; i++)
        CHECK(s.v[i] == B);
    /* Back, with a ranged shootdown (the full-flush path: > 32 pages). */
    *pte = orig;
    tlb_flush_kernel((vaddr_t)shoot_page, 64);
    smp_call_each(read_fn, &s, true);
    for (int i = 0; i < ncpu; i++)
        CHECK(s.v[i] == A);
    frame_free(fb);
    CHECK(tlb_shootdowns == old_shootdowns + (ncpu > 1 ? 2 : 0));
    ksnprintf(why, whylen, "%d CPU%s; %d still read the old frame before the shootdown, none after",
              ncpu, ncpu > 1 ? "s" : "", stale);
    return true;
}

/* ---- each CPU's own descriptor tables, stacks and features ---- */

struct cpu_view {
    u64 gdt[MAX_CPUS], idt[MAX_CPUS], cr0[MAX_CPUS], cr4[MAX_CPUS], efer[MAX_CPUS], gs[MAX_CPUS];
    u16 tr[MAX_CPUS];
};

static void view_fn(void *arg)
{
    struct cpu_view *v = arg;
    int me = cpu()->id;
    struct {
        u16 limit;
        u64 base;
    } __packed g, i;
    u16 tr;
    __asm__ volatile("sgdt %0" : "=m"(g));
    __asm__ volatile("sidt %0" : "=m"(i));
    __asm__ volatile("str %0" : "=r"(tr));
    v->gdt[me] = g.base;
    v->idt[me] = i.base;
    v->tr[me] = tr;
    v->cr0[me] = read_cr0();
    v->cr4[me] = read_cr4();
    v->efer[me] = rdmsr(MSR_EFER);
    v->gs[me] = rdmsr(MSR_GS_BASE);
}

/* What each CPU says of itself, against what it should be: its own GDT and
 * TSS loaded, the shared IDT, GS at its struct cpu, the boot CPU's CR0/CR4
 * features and EFER bits; its kernel and IST stacks distinct from every
 * other CPU's, each right above a guard page. */
bool ktest_smp_percpu(char *why, size_t whylen)
{
    static struct cpu_view v;
    static u64 all[MAX_CPUS * 5];
    int n = 0;
    memset(&v, 0, sizeof v);
    smp_call_each(view_fn, &v, true);
    const u64 cr4_same = CR4_PGE | CR4_OSFXSR | CR4_SMEP | CR4_SMAP | CR4_UMIP | CR4_MCE;
    for (int i = 0; i < ncpu; i++) {
        struct cpu *c = &cpus[i];
        CHECK(v.gdt[i] == (u64)c->gdt && v.tr[i] == SEL_TSS && v.gs[i] == (u64)c);
        CHECK(v.idt[i] == v.idt[0]);
        CHECK((v.cr4[i] & cr4_same) == (v.cr4[0] & cr4_same));
        CHECK((v.cr0[i] & (CR0_WP | CR0_MP)) == (CR0_WP | CR0_MP));
        CHECK((v.efer[i] & (EFER_SCE | EFER_NXE | EFER_LME)) == (EFER_SCE | EFER_NXE | EFER_LME));
        u64 tops[4] = {c->kstack_top, c->tss.ist[0], c->tss.ist[1], c->tss.ist[2]};
        u64 sizes[4] = {KSTACK_SIZE, IST_STACK_SIZE, IST_STACK_SIZE, IST_STACK_SIZE};
        for (int k = 0; k < 4; k++) {
            CHECK(kstack_guard_name(tops[k] - sizes[k] - 1) != NULL); /* the guard below */
            CHECK(kstack_guard_name(tops[k] - sizes[k]) == NULL);
            all[n++] = tops[k];
        }
        if (i > 0) {
            u64 top = cpu_idle_stack_top(i);
            CHECK(kstack_guard_name(top - IDLE_STACK_SIZE - 1) != NULL);
            all[n++] = top;
        }
    }
    for (int a = 0; a < n; a++) /* no two stacks are one */
        for (int b = 0; b < a; b++)
            CHECK(all[a] != all[b]);
    ksnprintf(why, whylen, "%d CPU%s, each with its own GDT, TSS and guarded stacks", ncpu,
              ncpu > 1 ? "s" : "");
    return true;
}
