/* Devices as capabilities (secure bindings). Today one device: the serial
 * console's input. A root env takes its capability (sys_dev_open) and
 * hands copies to whom it likes; reading the input (sys_console_read)
 * needs the capability, and the receive interrupt rings the notification
 * channel its holder chose (sys_dev_irq), so a library OS waits for a key
 * in sys_block instead of polling. The kernel only queues the bytes the
 * UART delivers; echo, line editing and ^D are the library OS's business.
 * (Console output stays open to every env: sys_cputs.) */
#include "kernel.h"
#include "notify.h"
#include "cap.h"
#include "cpu.h"
#include "env.h"
#include "spinlock.h"
#include "uaccess.h"
#include "trap.h"
#include "dev/virtio_blk.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/x86.h"

#define COM1         0x3f8
#define COM1_IRQ     4
#define CONSOLE_RING 1024

/* Protects console_in: the input queue and the device's binding (taken by
 * the interrupt handler and by the kernel calls below). */
static struct spinlock console_in_lock = SPINLOCK_INIT("console_in");
static struct {
    bool held;      /* an env holds the original capability */
    u32 gen;        /* bumps whenever the original goes away; object = gen << 8 | DEV_CONSOLE */
    u64 irq_notify; /* the notification object its interrupt rings (0: none) ... */
    u32 irq_chan;   /* ... and the channel */
    u32 head, tail; /* bytes taken / queued so far; ring[i % CONSOLE_RING] */
    u64 dropped;    /* bytes lost because the queue was full */
    u64 interrupts;
    char ring[CONSOLE_RING];
} console_in;
static bool console_irq_routed;

void dev_init(void)
{
    if (!ioapic_init()) {
        kprintf("dev: no I/O APIC at %lx: console input is polled\n", IOAPIC_PA);
        return;
    }
    ioapic_route(COM1_IRQ, T_IRQ_COM1, lapic_id(), true);
    outb(COM1 + 4, 0x0b); /* DTR, RTS, OUT2 (the UART's interrupt line) */
    outb(COM1 + 1, 0x01); /* interrupt when a byte arrives */
    console_irq_routed = true;
}

/* Moves what the UART holds into the queue. Called with console_in_lock. */
static u32 drain_uart(void)
{
    u32 n = 0;
    while (inb(COM1 + 5) & 0x01) {
        u8 c = inb(COM1);
        if (console_in.tail - console_in.head < CONSOLE_RING)
            console_in.ring[console_in.tail++ % CONSOLE_RING] = (char)c;
        else
            console_in.dropped++;
        n++;
    }
    return n;
}

void dev_console_intr(void)
{
    spin_lock(&console_in_lock);
    console_in.interrupts++;
    u32 n = drain_uart();
    if (n && console_in.irq_notify && notify_ring(console_in.irq_notify, console_in.irq_chan) < 0)
        console_in.irq_notify = 0; /* the object is gone: so is the routing */
    spin_unlock(&console_in_lock);
}

void dev_release(u64 object)
{
    if ((object & 0xff) != DEV_CONSOLE || (u32)(object >> 8) != console_in.gen)
        return;
    spin_lock(&console_in_lock);
    console_in.held = false;
    console_in.gen = (console_in.gen + 1) & 0xffffff;
    console_in.irq_notify = 0;
    spin_unlock(&console_in_lock);
}

/* The console's device capability in slot of e, with `need` rights. */
static int console_cap(struct env *e, u64 slot, u8 need)
{
    int err;
    struct capnode *c = cap_get(e, slot, &err);
    if (!c)
        return err;
    if (c->type != CAP_DEVICE || (c->object & 0xff) != DEV_CONSOLE ||
        (u32)(c->object >> 8) != console_in.gen || (c->rights & need) != need)
        return -E_PERM;
    return 0;
}

/* sys_dev_open(dev): see kernel/kcalls.tbl. */
s64 sys_dev_open(u64 dev)
{
    struct env *e = cpu_env();
    if (!e->root)
        return -E_PERM;
    if (dev >= DEV_COUNT)
        return -E_INVAL;
    if (dev == DEV_DISK)
        return blk_open(e);
    if (console_in.held)
        return -E_BUSY;
    int slot = cap_insert(e, CAP_DEVICE, R_READ | R_WRITE | R_GRANT | R_REVOKE | R_CONTROL,
                          (u64)console_in.gen << 8 | DEV_CONSOLE, 0);
    if (slot >= 0)
        console_in.held = true;
    return slot;
}

/* sys_dev_irq(dev, notify, chan): see kernel/kcalls.tbl. */
s64 sys_dev_irq(u64 dev, u64 notify, u64 chan)
{
    struct env *e = cpu_env();
    if (dev == CAP_SELF)
        return -E_INVAL;
    int r = console_cap(e, dev, R_READ);
    if (r < 0)
        return r;
    u64 object = 0;
    if (notify != CAP_SELF) {
        if (chan >= NOTIFY_CHANNELS)
            return -E_INVAL;
        r = notify_object(e, notify, R_WRITE, &object);
        if (r < 0)
            return r;
    }
    spin_lock(&console_in_lock);
    console_in.irq_notify = object;
    console_in.irq_chan = (u32)chan;
    spin_unlock(&console_in_lock);
    return 0;
}

/* sys_console_read(dev, buf, len): see kernel/kcalls.tbl. */
s64 sys_console_read(u64 dev, u64 ubuf, u64 len)
{
    struct env *e = cpu_env();
    if (dev == CAP_SELF)
        return -E_INVAL;
    int r = console_cap(e, dev, R_READ);
    if (r < 0)
        return r;
    if (len == 0)
        return -E_INVAL;
    char tmp[256];
    spin_lock(&console_in_lock);
    drain_uart();
    u32 n = console_in.tail - console_in.head;
    n = MIN(n, (u32)MIN(len, sizeof tmp));
    for (u32 i = 0; i < n; i++)
        tmp[i] = console_in.ring[(console_in.head + i) % CONSOLE_RING];
    spin_unlock(&console_in_lock);
    if (n == 0)
        return -E_AGAIN;
    /* Taken from the queue only once the caller has them. */
    if (copy_to_user(ubuf, tmp, n) < 0)
        return -E_FAULT;
    spin_lock(&console_in_lock);
    console_in.head += n;
    spin_unlock(&console_in_lock);
    return n;
}

/* sys_dev_ctl(dev, op, arg): see kernel/kcalls.tbl. */
s64 sys_dev_ctl(u64 dev, u64 op, u64 arg)
{
    if (dev == CAP_SELF)
        return -E_INVAL;
    int r = console_cap(cpu_env(), dev, R_CONTROL);
    if (r < 0)
        return r;
    switch (op) {
    case DEVCTL_LOOPBACK:
        if (arg > 1)
            return -E_INVAL;
        outb(COM1 + 4, (u8)(console_irq_routed ? 0x0b : 0x03) | (u8)(arg ? 0x10 : 0));
        return 0;
    case DEVCTL_INTERRUPTS:
        return (s64)console_in.interrupts;
    }
    return -E_INVAL;
}
