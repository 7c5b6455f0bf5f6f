/* Helper for t_notify (not in the manifest): a child env that is not a root
 * env, so sys_dev_open must refuse it; it waits for its parent to put a
 * notification capability in its table, binds channel 5 to itself, sleeps
 * (and channel 6, which the parent then takes over), sleeps in sys_block
 * until channel 5 is rung, and exits with 42 if all went as expected. */
#include "../../lib/exo/exo.h"

static volatile uint64_t events;
static void on_event(struct upcall_frame *f)
{
    events |= f->addr;
}

int main(void)
{
    int ok = sys_dev_open(DEV_CONSOLE) == -E_PERM;
    exo_set_handler(UPCALL_EVENT, on_event);
    struct cap_info ci;
    uint32_t n = 0;
    while (!n) {
        for (uint32_t s = 1; s < 64 && !n; s++)
            if (sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_NOTIFY)
                n = s;
        if (!n)
            sys_yield(-1);
    }
    ok &= sys_notify_signal(n, 5) == -E_PERM; /* the parent gave R_READ only */
    ok &= sys_notify_bind(n, 5, 0x20) >= 0;
    ok &= sys_notify_bind(n, 6, 0x40) >= 0;               /* (the parent takes this one over) */
    ok &= sys_notify_bind(n, 6, EVENT_CHILD) == -E_INVAL; /* only the kernel raises it */
    while (!(events & 0x20))
        events |= (uint64_t)sys_block(0);
    sys_exit(ok ? 42 : 1);
}
