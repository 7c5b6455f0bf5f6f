/* Local APIC (xAPIC, MMIO) and its timer, calibrated against the PIT. The
 * legacy 8259 PICs are masked: Spinel uses only the local APIC. */
#include "../../kernel.h"
#include "../../trap.h"
#include "lapic.h"
#include "x86.h"

#define LAPIC_ID         0x020
#define LAPIC_TPR        0x080
#define LAPIC_PPR        0x0a0
#define LAPIC_EOI        0x0B0
#define LAPIC_SVR        0x0F0
#define LAPIC_ESR        0x280
#define LAPIC_ICR_LO     0x300
#define LAPIC_ICR_HI     0x310
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_LVT_LINT0  0x350
#define LAPIC_LVT_LINT1  0x360
#define LAPIC_LVT_ERROR  0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3E0

#define LVT_MASKED   (1 << 16)
#define LVT_PERIODIC (1 << 17)

static volatile u32 *lapic;
u32 lapic_ticks_per_period; /* LAPIC timer counts per timer interrupt */
u64 tsc_per_ms;             /* TSC ticks per millisecond (informational) */

static u32 rd(u32 reg)
{
    return lapic[reg / 4];
}
static void wr(u32 reg, u32 v)
{
    lapic[reg / 4] = v;
    (void)lapic[LAPIC_ID / 4]; /* wait for the write to finish */
}

u32 lapic_id(void)
{
    return lapic ? rd(LAPIC_ID) >> 24 : 0;
}
void lapic_eoi(void)
{
    wr(LAPIC_EOI, 0);
}

void lapic_set_tpr(u32 tpr)
{
    wr(LAPIC_TPR, tpr);
}

/* The tickless idle (sched.c, sched_idle_halt): the timer counts down once
 * and fires tsc TSC ticks from now, or not at all (tsc == 0). Converted
 * with the calibration (counts per period, TSC per period); at most ~60 s,
 * longer waits take one more wake-up. */
void lapic_timer_oneshot(u64 tsc)
{
    wr(LAPIC_LVT_TIMER, T_TIMER); /* one-shot mode, unmasked */
    if (!tsc) {
        wr(LAPIC_TIMER_INIT, 0); /* a zero count stops the timer */
        return;
    }
    u64 per = tsc_per_ms * 1000 / TIMER_HZ; /* TSC ticks per period */
    if (per == 0)
        per = 1;
    if (tsc > per * 60000)
        tsc = per * 60000;
    u64 counts = tsc / per * lapic_ticks_per_period + tsc % per * lapic_ticks_per_period / per;
    wr(LAPIC_TIMER_INIT, (u32)MAX(1, MIN(counts, 0xffffffffUL)));
}

/* Back to the periodic tick of lapic_init; the next tick comes a whole
 * period from now. */
void lapic_timer_periodic(void)
{
    wr(LAPIC_LVT_TIMER, LVT_PERIODIC | T_TIMER);
    wr(LAPIC_TIMER_INIT, lapic_ticks_per_period);
}

u32 lapic_ppr(void)
{
    return rd(LAPIC_PPR);
}

#define PIT_HZ 1193182UL

/* Reads PIT channel 2's counter (latched: both bytes of one moment). */
static u16 pit2_count(void)
{
    outb(0x43, 0x80); /* counter latch, channel 2 */
    u8 lo = inb(0x42);
    return (u16)(lo | inb(0x42) << 8);
}

/* PIT channel 2, the LAPIC timer and the TSC read at one moment. */
struct clocks {
    u16 pit;
    u32 lapic;
    u64 tsc;
};

/* Reads the three clocks, again if the PIT moved more than ~10 us while we
 * did: the CPU stalled in the middle (see calibrate). */
static void read_clocks(struct clocks *c)
{
    for (int i = 0; i < 1000; i++) {
        u16 before = pit2_count();
        c->tsc = rdtsc();
        c->lapic = rd(LAPIC_TIMER_CUR);
        c->pit = pit2_count();
        if ((u16)(before - c->pit) <= 12)
            return;
    }
}

/* Measures a window of at least 10 ms with PIT channel 2 (one-shot mode 0
 * from 0xffff, gated through port 0x61): the clocks at its start and at its
 * end, each read at one moment, so that a stall anywhere else changes
 * nothing. Under QEMU on a loaded host the virtual CPU may not run for
 * many ms while the time goes on: waiting for the PIT's output edge and only
 * then reading the LAPIC once took up to 10 times too many counts into the
 * window (ticks 10 times too long, every timeout wrong). False if the
 * counter may have wrapped (its output went high: 55 ms passed). */
static bool pit_window(struct clocks *a, struct clocks *b)
{
    const u16 pit_10ms = 11932;    /* 1193182 Hz / 100 */
    outb(0x61, inb(0x61) & ~0x03); /* gate off, speaker off */
    outb(0x43, 0xB0);              /* channel 2, lo/hi, mode 0 */
    outb(0x42, 0xff);
    outb(0x42, 0xff);
    outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on: counting down from 0xffff */
    read_clocks(a);
    do
        read_clocks(b);
    while ((u16)(a->pit - b->pit) < pit_10ms && !(inb(0x61) & 0x20));
    return !(inb(0x61) & 0x20) && (u16)(a->pit - b->pit) >= pit_10ms;
}

/* LAPIC timer counts (divide by 16) per 10 ms, and the TSC per ms. */
static u32 calibrate(void)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        struct clocks a, b;
        wr(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
        wr(LAPIC_TIMER_INIT, 0xffffffff);
        bool ok = pit_window(&a, &b);
        wr(LAPIC_TIMER_INIT, 0);
        if (!ok)
            continue;
        u64 pit = (u16)(a.pit - b.pit);
        tsc_per_ms = (b.tsc - a.tsc) * PIT_HZ / (pit * 1000);
        return (u32)((u64)(a.lapic - b.lapic) * PIT_HZ / (pit * 100));
    }
    return 0;
}

u64 lapic_measure_tsc_per_ms(void)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        struct clocks a, b;
        if (pit_window(&a, &b))
            return (b.tsc - a.tsc) * PIT_HZ / ((u64)(u16)(a.pit - b.pit) * 1000);
    }
    return 0;
}

void lapic_init(void)
{
    /* Mask both 8259 PICs. */
    outb(0x21, 0xff);
    outb(0xA1, 0xff);

    paddr_t base = rdmsr(MSR_APIC_BASE) & ~0xfffUL;
    if (base != 0xfee00000)
        panic("lapic: unexpected base %lx", base);
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1 << 11)); /* global enable */
    lapic = P2V(base);

    wr(LAPIC_SVR, 0x100 | T_SPURIOUS); /* software enable */
    wr(LAPIC_LVT_LINT0, LVT_MASKED);
    wr(LAPIC_LVT_LINT1, LVT_MASKED);
    wr(LAPIC_LVT_ERROR, LVT_MASKED);
    wr(LAPIC_ESR, 0);
    wr(LAPIC_ESR, 0);

    if (!lapic_ticks_per_period) {
        /* PIT channel 0, left by the firmware counting at 18.2 Hz (its IRQ
         * is masked above): one-shot mode 0, so it stops after one count,
         * as Linux leaves it. A timer that never stops would be where a
         * tickless idle's clock jumps under QEMU's -icount sleep=off
         * (sched.c, idle_deadline). */
        outb(0x43, 0x30);
        outb(0x40, 0);
        outb(0x40, 0);
        u32 per10ms = calibrate();
        if (per10ms == 0)
            panic("lapic: timer calibration failed");
        lapic_ticks_per_period = per10ms * 100 / TIMER_HZ;
    }
    wr(LAPIC_TIMER_DIV, 0x3);
    wr(LAPIC_LVT_TIMER, LVT_PERIODIC | T_TIMER);
    wr(LAPIC_TIMER_INIT, lapic_ticks_per_period);
    lapic_eoi();
}

/* Interprocessor interrupts. The ICR takes one command at a time: wait
 * until the last one was delivered (bit 12, delivery status). Callers run
 * with interrupts off, so an interrupt handler cannot send between the two
 * writes. */
#define ICR_PENDING (1u << 12)
#define ICR_INIT    (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_ASSERT  (1u << 14)
#define ICR_LEVEL   (1u << 15)

static void icr_send(u32 apic_id, u32 lo)
{
    while (rd(LAPIC_ICR_LO) & ICR_PENDING)
        pause();
    wr(LAPIC_ICR_HI, apic_id << 24);
    wr(LAPIC_ICR_LO, lo);
    while (rd(LAPIC_ICR_LO) & ICR_PENDING)
        pause();
}

void lapic_send_ipi(u32 apic_id, u32 vector)
{
    icr_send(apic_id, vector & 0xff); /* fixed delivery, physical destination */
}

void lapic_send_init(u32 apic_id)
{
    icr_send(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
    icr_send(apic_id, ICR_INIT | ICR_LEVEL); /* deassert (ignored by modern CPUs) */
}

void lapic_send_startup(u32 apic_id, paddr_t entry)
{
    icr_send(apic_id, ICR_STARTUP | (u32)(entry >> 12));
}
