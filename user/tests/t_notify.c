/* Notification objects, the kernel's EVENT_CHILD, and the console device
 * capability: its input, its interrupt routed to a notification channel
 * (driven through the UART's loopback mode), and hostile use of all three. */
#include "../../lib/exo/exo.h"
#include "check.h"

static volatile uint64_t events;
static void on_event(struct upcall_frame *f)
{
    events |= f->addr;
}

static struct cap_info ci;

/* Sleeps until one of `bits` has been delivered (or gives up). */
static int wait_events(uint64_t bits)
{
    for (int i = 0; i < 1000 && !(events & bits); i++)
        events |= (uint64_t)sys_block(0); /* (events that come while we run are upcalls) */
    return (events & bits) != 0;
}

static void notifications(void)
{
    long n = sys_notify_create();
    CHECK_EQ(n > 0, 1);
    CHECK_EQ(sys_cap_inspect((uint32_t)n, &ci), 0);
    CHECK_EQ(ci.type, CAP_NOTIFY);
    CHECK_EQ(ci.rights, R_READ | R_WRITE | R_GRANT | R_REVOKE | R_CONTROL);

    /* A ring on an unbound channel is kept for the next binding. */
    CHECK_EQ(sys_notify_signal((uint32_t)n, 3), 0);
    events = 0;
    CHECK_EQ(sys_notify_bind((uint32_t)n, 3, 0x10), 1);
    CHECK_EQ(exo_info->pending_events & 0x10, 0x10);
    CHECK_EQ(wait_events(0x10), 1); /* sys_block delivers it at once */
    CHECK_EQ(exo_info->pending_events & 0x10, 0);
    /* Bound: each ring is an event. */
    events = 0;
    CHECK_EQ(sys_notify_signal((uint32_t)n, 3), 1);
    CHECK_EQ(wait_events(0x10), 1);
    /* Channels are separate; rebinding replaces; bits 0 unbinds. */
    events = 0;
    CHECK_EQ(sys_notify_bind((uint32_t)n, 63, 0x40), 0);
    CHECK_EQ(sys_notify_signal((uint32_t)n, 63), 1);
    CHECK_EQ(wait_events(0x40), 1);
    CHECK_EQ(events & 0x10, 0);
    CHECK_EQ(sys_notify_bind((uint32_t)n, 63, 0), 0);
    CHECK_EQ(sys_notify_signal((uint32_t)n, 63), 0); /* kept, nobody bound */

    /* Bad input. */
    CHECK_EQ(sys_notify_signal((uint32_t)n, NOTIFY_CHANNELS), -E_INVAL);
    CHECK_EQ(sys_notify_bind((uint32_t)n, NOTIFY_CHANNELS, 1), -E_INVAL);
    CHECK_EQ(sys_notify_bind((uint32_t)n, ~0U, 1), -E_INVAL);
    CHECK_EQ(sys_notify_bind((uint32_t)n, 1, 1UL << 63), -E_INVAL);
    /* Only the kernel raises its events: no channel carries them, and no
     * env sends them. */
    CHECK_EQ(sys_notify_bind((uint32_t)n, 1, EVENT_CHILD), -E_INVAL);
    CHECK_EQ(sys_notify_bind((uint32_t)n, 1, EVENT_CHILD | 1), -E_INVAL);
    CHECK_EQ(sys_pct_send(CAP_SELF, EVENT_CHILD), -E_INVAL);
    CHECK_EQ(sys_pct_send(CAP_SELF, EVENT_CHILD | 2), -E_INVAL);
    CHECK_EQ(sys_pct_send(CAP_SELF, 1UL << 63), -E_INVAL);
    CHECK_EQ(exo_info->pending_events & EVENT_CHILD, 0);
    CHECK_EQ(sys_pct_send(CAP_SELF, EVENT_USER_MAX), 0); /* every user bit */
    CHECK_EQ(sys_block(0), EVENT_USER_MAX);
    CHECK_EQ(sys_notify_signal(CAP_SELF, 0), -E_INVAL);
    CHECK_EQ(sys_notify_signal(NCAPSLOTS, 0), -E_INVAL);
    CHECK_EQ(sys_notify_signal(~0U, 0), -E_INVAL);
    CHECK_EQ(sys_notify_signal(4000, 0), -E_NOENT);
    long f = sys_frame_alloc(-1);
    CHECK_EQ(f > 0, 1);
    CHECK_EQ(sys_notify_signal((uint32_t)f, 0), -E_PERM); /* not a notification */
    CHECK_EQ(sys_notify_bind((uint32_t)f, 0, 1), -E_PERM);
    CHECK_EQ(sys_cap_delete((uint32_t)f), 0);
    long ro = sys_cap_derive((uint32_t)n, R_READ, CAP_SELF);
    long wo = sys_cap_derive((uint32_t)n, R_WRITE, CAP_SELF);
    CHECK_EQ(ro > 0 && wo > 0, 1);
    CHECK_EQ(sys_notify_signal((uint32_t)ro, 1), -E_PERM);
    CHECK_EQ(sys_notify_bind((uint32_t)wo, 1, 1), -E_PERM);
    CHECK_EQ(sys_notify_signal((uint32_t)wo, 1), 0);
    CHECK_EQ(sys_notify_bind((uint32_t)ro, 1, 0x80), 1); /* the copies name the same object */
    CHECK_EQ(wait_events(0x80), 1);
    /* Deleting the original destroys the object and its copies. */
    CHECK_EQ(sys_cap_delete((uint32_t)n), 0);
    CHECK_EQ(sys_notify_signal((uint32_t)wo, 1), -E_NOENT);
    CHECK_EQ(sys_notify_bind((uint32_t)ro, 1, 1), -E_NOENT);

    /* Exhaustion: E_NOMEM, and everything comes back. */
    static long made[256];
    int k = 0;
    long r;
    while (k < 256 && (r = sys_notify_create()) > 0)
        made[k++] = r;
    CHECK_EQ(r, -E_NOMEM);
    CHECK_EQ(k >= 64, 1);
    for (int i = 0; i < k; i++)
        CHECK_EQ(sys_cap_delete((uint32_t)made[i]), 0);
    r = sys_notify_create();
    CHECK_EQ(r > 0, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)r), 0);
}

/* sys_block with a time limit. */
static void timeouts(void)
{
    CHECK_EQ(sys_block(BLOCK_TIMEOUT_MAX + 1), -E_INVAL);
    CHECK_EQ(sys_block(~0UL), -E_INVAL);
    for (int i = 0; i < 100 && sys_block(1) != 0; i++) /* (no events left over) */
        ;
    uint64_t t0 = __builtin_ia32_rdtsc(), s0 = exo_info->slots_run;
    CHECK_EQ(sys_block(20000), 0); /* 20 ms, nothing comes */
    uint64_t dt = __builtin_ia32_rdtsc() - t0;
    CHECK_EQ(dt >= 20 * exo_info->tsc_per_ms, 1);
    CHECK_EQ(dt < 2000 * exo_info->tsc_per_ms, 1);
    CHECK_EQ(exo_info->slots_run - s0 <= 2, 1);
    /* An event ends it early and is returned. */
    CHECK_EQ(sys_pct_send(CAP_SELF, 0x8), 0);
    CHECK_EQ(sys_block(5000000), 0x8);
}

/* Another env sleeps until we ring it; we sleep until it ends (EVENT_CHILD). */
static void cross_env(void)
{
    long n = sys_notify_create();
    long child = exo_spawn("t_notify_child", 64);
    CHECK_EQ(child > 0, 1);
    CHECK_EQ(sys_cap_derive((uint32_t)n, R_READ, (uint32_t)child) > 0, 1);
    long r = 0;
    for (int i = 0; i < 1000 && (r = sys_notify_signal((uint32_t)n, 6)) != 1; i++)
        sys_yield(-1); /* until it has bound 5, then 6 */
    CHECK_EQ(r, 1);
    for (int i = 0; i < 20; i++) /* let it go to sleep */
        sys_yield(-1);
    /* Its channels are its own: a copy without R_CONTROL can neither take
     * them over nor unbind them; the original (R_CONTROL) can. */
    long rw = sys_cap_derive((uint32_t)n, R_READ | R_WRITE, CAP_SELF);
    CHECK_EQ(rw > 0, 1);
    CHECK_EQ(sys_notify_bind((uint32_t)rw, 5, 0x1), -E_BUSY);
    CHECK_EQ(sys_notify_bind((uint32_t)rw, 5, 0), -E_BUSY);
    CHECK_EQ(sys_notify_bind((uint32_t)rw, 6, 0x1), -E_BUSY);
    events = 0;
    CHECK_EQ(sys_notify_bind((uint32_t)n, 6, 0x200), 0);
    CHECK_EQ(sys_notify_signal((uint32_t)rw, 6), 1);
    CHECK_EQ(wait_events(0x200), 1);
    events = 0;
    CHECK_EQ(sys_notify_signal((uint32_t)rw, 5), 1); /* still the child's */
    long st = -E_AGAIN;
    for (int i = 0; i < 1000 && (st = sys_env_status((uint32_t)child)) == -E_AGAIN; i++)
        events |= (uint64_t)sys_block(0); /* woken by EVENT_CHILD, not by polling */
    CHECK_EQ(st, ENV_STATUS_EXIT << 8 | 42);
    CHECK_EQ((events & EVENT_CHILD) != 0, 1);
    CHECK_EQ(sys_notify_bind((uint32_t)rw, 5, 0x1), 0); /* its binder has ended */
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)n), 0);
}

static void console_device(void)
{
    char buf[64];
    CHECK_EQ(sys_dev_open(DEV_COUNT), -E_INVAL);
    CHECK_EQ(sys_dev_open(~0U), -E_INVAL);
    long d = sys_dev_open(DEV_CONSOLE);
    CHECK_EQ(d > 0, 1);
    CHECK_EQ(sys_dev_open(DEV_CONSOLE), -E_BUSY); /* one holder at a time */
    CHECK_EQ(sys_cap_inspect((uint32_t)d, &ci), 0);
    CHECK_EQ(ci.type, CAP_DEVICE);
    long c = sys_console_read((uint32_t)d, buf, sizeof buf); /* nothing typed during a test */
    CHECK_EQ(c == -E_AGAIN || c > 0, 1);

    /* Bad input. */
    long n = sys_notify_create();
    CHECK_EQ(sys_console_read(CAP_SELF, buf, 1), -E_INVAL);
    CHECK_EQ(sys_console_read(4000, buf, 1), -E_NOENT);
    CHECK_EQ(sys_console_read((uint32_t)n, buf, 1), -E_PERM);
    CHECK_EQ(sys_console_read((uint32_t)d, buf, 0), -E_INVAL);
    long nor = sys_cap_derive((uint32_t)d, R_WRITE, CAP_SELF);
    CHECK_EQ(sys_console_read((uint32_t)nor, buf, 1), -E_PERM);
    CHECK_EQ(sys_dev_irq((uint32_t)nor, (uint32_t)n, 0), -E_PERM);
    CHECK_EQ(sys_dev_ctl((uint32_t)nor, DEVCTL_INTERRUPTS, 0), -E_PERM);
    CHECK_EQ(sys_dev_irq((uint32_t)d, (uint32_t)n, NOTIFY_CHANNELS), -E_INVAL);
    CHECK_EQ(sys_dev_irq((uint32_t)n, (uint32_t)n, 0), -E_PERM);
    CHECK_EQ(sys_dev_irq((uint32_t)d, (uint32_t)d, 0), -E_PERM); /* not a notification */
    long nw = sys_cap_derive((uint32_t)n, R_READ, CAP_SELF);
    CHECK_EQ(sys_dev_irq((uint32_t)d, (uint32_t)nw, 0), -E_PERM); /* lacks R_WRITE */
    CHECK_EQ(sys_dev_ctl((uint32_t)d, 99, 0), -E_INVAL);
    CHECK_EQ(sys_dev_ctl((uint32_t)d, DEVCTL_LOOPBACK, 2), -E_INVAL);
    CHECK_EQ(sys_dev_ctl(CAP_SELF, DEVCTL_INTERRUPTS, 0), -E_INVAL);

    /* The input path: loopback turns our output into input; its receive
     * interrupt rings channel 7, bound to us. */
    CHECK_EQ(sys_notify_bind((uint32_t)n, 7, 0x100), 0);
    CHECK_EQ(sys_dev_irq((uint32_t)d, (uint32_t)n, 7), 0);
    long irqs = sys_dev_ctl((uint32_t)d, DEVCTL_INTERRUPTS, 0);
    CHECK_EQ(irqs >= 0, 1);
    events = 0;
    CHECK_EQ(sys_dev_ctl((uint32_t)d, DEVCTL_LOOPBACK, 1), 0);
    sys_cputs("ping", 4);
    int got = 0;
    for (int tries = 0; tries < 50 && got < 4; tries++) {
        CHECK_EQ(wait_events(0x100), 1);
        events = 0;
        long r = sys_console_read((uint32_t)d, buf + got, sizeof buf - (size_t)got);
        if (r > 0)
            got += (int)r;
    }
    CHECK_EQ(got, 4);
    CHECK_EQ(memcmp(buf, "ping", 4), 0);
    CHECK_EQ(sys_dev_ctl((uint32_t)d, DEVCTL_INTERRUPTS, 0) > irqs, 1);
    /* A bad buffer loses nothing. */
    sys_cputs("Q", 1);
    CHECK_EQ(wait_events(0x100), 1);
    CHECK_EQ(sys_console_read((uint32_t)d, NULL, 1), -E_FAULT);
    CHECK_EQ(sys_console_read((uint32_t)d, (char *)0xffff800000000000UL, 1), -E_FAULT);
    CHECK_EQ(sys_console_read((uint32_t)d, buf, 1), 1);
    CHECK_EQ(buf[0], 'Q');
    /* Routing to a destroyed object ends the routing: input still queues. */
    CHECK_EQ(sys_cap_delete((uint32_t)n), 0);
    sys_cputs("z", 1);
    for (int i = 0; i < 100 && sys_dev_ctl((uint32_t)d, DEVCTL_INTERRUPTS, 0) == irqs; i++)
        sys_yield(-1);
    c = -E_AGAIN;
    for (int i = 0; i < 1000 && c == -E_AGAIN; i++)
        c = sys_console_read((uint32_t)d, buf, 1);
    CHECK_EQ(c, 1);
    CHECK_EQ(buf[0], 'z');
    CHECK_EQ(sys_dev_ctl((uint32_t)d, DEVCTL_LOOPBACK, 0), 0);

    /* Deleting the original gives the device back (and takes the copies). */
    CHECK_EQ(sys_cap_delete((uint32_t)d), 0);
    CHECK_EQ(sys_cap_inspect((uint32_t)nor, &ci), -E_NOENT);
    d = sys_dev_open(DEV_CONSOLE);
    CHECK_EQ(d > 0, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)d), 0);
}

int main(void)
{
    exo_set_handler(UPCALL_EVENT, on_event);
    notifications();
    /* (after the table has grown: its pages stay until we end) */
    struct sys_info si;
    sys_sysinfo(&si);
    uint64_t before = si.free_frames;
    cross_env();
    timeouts();
    console_device();
    sys_sysinfo(&si);
    CHECK_EQ(si.free_frames, before);
    return check_failures;
}
