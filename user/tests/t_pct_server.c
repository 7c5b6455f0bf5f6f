/* A protected-entry server for t_pct: answers calls with a function of the
 * arguments, counts notifications, and otherwise sleeps. */
#include "../../lib/exo/exo.h"

static volatile uint64_t events;

static uint64_t serve(uint64_t a0, uint64_t a1, uint64_t a2, uint32_t caller)
{
    if (a0 == 0xe7e7) /* "how many event bits have you seen?" */
        return events;
    if (a0 == 0xdead) /* fault inside the protected entry */
        *(volatile int *)0 = 1;
    if (a0 == 0x61fe) { /* sys_pct_give: a frame for the caller, after refusals */
        static long frame;
        if (!frame)
            frame = sys_frame_alloc(-1);
        long nogrant = sys_cap_derive((uint32_t)frame, R_READ | R_WRITE, CAP_SELF);
        uint64_t bad = 0;
        bad |= (uint64_t)(sys_pct_give(CAP_SELF, R_READ) != -E_INVAL) << 0;
        bad |= (uint64_t)(sys_pct_give(4000, R_READ) != -E_NOENT) << 1; /* empty */
        bad |= (uint64_t)(sys_pct_give((uint32_t)nogrant, R_READ) != -E_PERM) << 2;
        bad |= (uint64_t)(sys_pct_give((uint32_t)frame, R_READ | R_CALL) != -E_PERM) << 3;
        sys_cap_delete((uint32_t)nogrant);
        long s = sys_pct_give((uint32_t)frame, R_READ);
        return s < 0 ? 1UL << 40 : (bad << 32 | (uint64_t)s);
    }
    return a0 * 3 + a1 * 5 + a2 * 7 + (caller ? 1 : 0);
}

static void on_event(struct upcall_frame *f)
{
    events |= f->addr;
}

int main(void)
{
    exo_set_pct_entry(serve);
    exo_set_handler(UPCALL_EVENT, on_event);
    for (;;)
        events |= (uint64_t)sys_block(0); /* events that wake it come back from sys_block */
}
