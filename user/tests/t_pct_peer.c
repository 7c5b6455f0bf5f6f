/* Helper for t_pct_death (not in the manifest): a protected-entry server
 * that does, inside a call, what it is told: call another env, delete a
 * capability, exit, fault, spin across slots. Its main context runs
 * errands the entry hands it (so that a call can start from an env's own
 * context, not only from a protected entry) and otherwise sleeps. */
#include "../../lib/exo/exo.h"
#include "pct_peer.h"

static volatile uint64_t errand, errand_arg, errand_arg2;
static volatile long last_nested = 1, last_delete = 1, errands_done, finished, last_block = 1;
static volatile uint64_t next_hop;

/* Spins (preemptible: no full kernel entry) for n timer ticks of the
 * whole machine, so that the call spans other envs' slots whatever the
 * host's load (a time-stamp counter would not: the host may stop us). */
static void spin_ticks(uint64_t n)
{
    struct sys_info si;
    sys_sysinfo(&si);
    uint64_t end = si.ticks + n;
    while (sys_sysinfo(&si) == 0 && si.ticks < end)
        __asm__ volatile("pause");
}

/* The same, until PEER_RELEASE is pending (it stays pending while we
 * serve: events reach us when our own context runs). */
static void spin_until_released(uint64_t max_ticks)
{
    struct sys_info si;
    sys_sysinfo(&si);
    uint64_t end = si.ticks + max_ticks;
    while (!(exo_info->pending_events & PEER_RELEASE) && sys_sysinfo(&si) == 0 && si.ticks < end)
        __asm__ volatile("pause");
}

static uint64_t serve(uint64_t a0, uint64_t a1, uint64_t a2, uint32_t caller)
{
    (void)caller;
    long r = 0;
    switch (a0) {
    case PEER_ECHO:
        return a1 + 1;
    case PEER_QUERY: /* what happened to the earlier commands */
        return a1 == 0   ? (uint64_t)last_nested
               : a1 == 1 ? (uint64_t)last_delete
               : a1 == 2 ? (uint64_t)errands_done
               : a1 == 3 ? (uint64_t)finished
                         : (uint64_t)last_block;
    case PEER_CALL: /* a nested call: slot a1, command a2 */
        r = PEER_CMD_CALL(a1, a2);
        last_nested = r;
        finished++;
        return (uint64_t)r;
    case PEER_DELETE: /* delete slot a1, then go on as a2 says */
        last_delete = sys_cap_delete((uint32_t)a1);
        if (a2 == THEN_YIELD)
            sys_yield(-1);
        else if (a2 == THEN_SPIN)
            spin_ticks(35);
        else if (a2 == THEN_EXIT)
            sys_exit(9);
        else if (a2 == THEN_FAULT)
            *(volatile int *)0 = 1;
        finished++;
        return 77;
    case PEER_SPIN: /* stay in the call across several slots: a1 ticks */
        spin_until_released(a1);
        finished++;
        return 78;
    case PEER_YIELDS: /* stay in the call across a1 yields */
        for (uint64_t i = 0; i < a1; i++)
            sys_yield(-1);
        finished++;
        return 79;
    case PEER_BLOCK: /* wait for an event inside the call (the chain waits too) */
        if (a2)
            sys_pct_send(CAP_SELF, a2); /* an event pending before the wait */
        r = sys_block(a1);
        last_block = r;
        finished++;
        return (uint64_t)r;
    case PEER_EXIT:
        sys_exit((int)a1);
        break;
    case PEER_FAULT:
        *(volatile int *)0 = 1;
        break;
    case PEER_SET_NEXT:
        next_hop = a1;
        return 0;
    case PEER_RELAY:
        if (next_hop) {
            r = sys_pct_call((uint32_t)next_hop, PEER_RELAY, a1, a2);
            last_nested = r;
        } else if (a1 == RELAY_EXIT) {
            sys_exit(3);
        } else if (a1 == RELAY_DELETE) {
            last_delete = sys_cap_delete((uint32_t)a2);
            spin_ticks(20);
            r = 77;
        } else {
            spin_until_released(a2);
            r = 78;
        }
        finished++;
        return (uint64_t)r;
    case PEER_ERRAND: /* for the main context: call slot a1 with a2 */
        errand_arg = a1;
        errand_arg2 = a2;
        errand = 1;
        sys_pct_send(CAP_SELF, 1); /* wakes the main context */
        return 0;
    }
    return (uint64_t)-1;
}

int main(void)
{
    exo_set_pct_entry(serve);
    for (;;) {
        if (errand) {
            errand = 0;
            last_nested = PEER_CMD_CALL(errand_arg, errand_arg2);
            errands_done++;
        }
        sys_block(0);
    }
}
