/* Local APIC (xAPIC, MMIO) and its timer, calibrated against the PIT. The
 * legacy 8259 PICs are masked: Spinel uses only the local APIC. */
#include "../../kernel.h"
#include "../../trap.h"
#include "lapic.h"
#include "x86.h"

#define LAPIC_ID         0x020
#define LAPIC_EOI        0x0B0
#define LAPIC_SVR        0x0F0
#define LAPIC_ESR        0x280
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

/* Counts LAPIC timer ticks (divide by 16) during 10 ms measured by PIT
 * channel 2 in one-shot mode, gated through port 0x61. */
static u32 calibrate(void)
{
    const u16 pit_10ms = 11932;             /* 1193182 Hz / 100 */
    outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
    outb(0x43, 0xB0);                       /* channel 2, lo/hi, mode 0 */
    outb(0x42, pit_10ms & 0xff);
    outb(0x42, pit_10ms >> 8);
    /* Restart the gate so counting begins now. */
    u8 v = inb(0x61);
    outb(0x61, v & ~0x01);
    outb(0x61, v | 0x01);
    wr(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
    wr(LAPIC_TIMER_INIT, 0xffffffff);
    u64 t0 = rdtsc();
    while (!(inb(0x61) & 0x20))
        ;
    u32 elapsed = 0xffffffff - rd(LAPIC_TIMER_CUR);
    tsc_per_ms = (rdtsc() - t0) / 10;
    wr(LAPIC_TIMER_INIT, 0);
    return elapsed;
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
