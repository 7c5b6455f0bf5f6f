/* sys_block inside a protected call: the callee (and the chain of calls it
 * ends) waits for an event, as a server on its caller's time waits for its
 * device's interrupt, and the event it gets is sys_block's result. Before,
 * such a sys_block returned 0 at the chain's next turn (the server had to
 * poll). Also: a timeout, bad input, an event already pending, the caller
 * or a middle env killed while the callee waits (the call is orphaned and
 * finishes once woken), the waiting callee killed (its caller gets
 * E_NOENT). The peers are t_pct_peer (commands in pct_peer.h). */
#include "../../lib/exo/exo.h"
#include "check.h"
#include "pct_peer.h"

#define EV_DISK 0x200 /* the event the tests ring: any user bit but PEER_RELEASE */

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static long spawn(void)
{
    long p = exo_spawn("t_pct_peer", 256);
    CHECK_EQ(p > 0, 1);
    long r = -1;
    for (int i = 0; i < 1000 && (r = sys_pct_call((uint32_t)p, PEER_ECHO, 1, 0)) != 2; i++)
        sys_yield(-1); /* until it has registered its entry */
    CHECK_EQ(r, 2);
    return p;
}

static long query(long p, uint64_t what)
{
    long r = -E_AGAIN;
    for (int i = 0; i < 3000 && (r = sys_pct_call((uint32_t)p, PEER_QUERY, what, 0)) == -E_AGAIN;
         i++)
        sys_yield(-1);
    return r;
}

static long query_until(long p, uint64_t what, long want)
{
    long r = query(p, what);
    for (int i = 0; i < 3000 && r != want; i++) {
        sys_yield(-1);
        r = query(p, what);
    }
    return r;
}

/* Waits until peer p is serving a call (a call to it finds it busy). */
static int wait_busy(long p)
{
    for (int i = 0; i < 3000; i++) {
        if (sys_pct_call((uint32_t)p, PEER_ECHO, 1, 0) == -E_AGAIN)
            return 1;
        sys_yield(-1);
    }
    return 0;
}

/* p is still serving its call after n turns of the others (it waits). */
static int still_busy(long p, int n)
{
    for (int i = 0; i < n; i++) {
        sys_yield(-1);
        if (sys_pct_call((uint32_t)p, PEER_ECHO, 1, 0) != -E_AGAIN)
            return 0;
    }
    return 1;
}

/* A's own context calls B, which blocks inside the call until the root
 * rings it: the chain waits across many turns, then B's sys_block returns
 * the event, which A gets as the answer. */
static void wait_for_event(void)
{
    long a = spawn(), b = spawn();
    long b_in_a = sys_cap_derive((uint32_t)b, R_CALL, (uint32_t)a);
    CHECK_EQ(sys_pct_call((uint32_t)a, PEER_ERRAND, (uint64_t)b_in_a, PEER_CMD(PEER_BLOCK, 0, 0)),
             0);
    CHECK_EQ(wait_busy(b), 1);
    CHECK_EQ(still_busy(b, 200), 1); /* polling would have answered 0 by now */
    CHECK_EQ(sys_pct_send((uint32_t)b, EV_DISK), 0);
    CHECK_EQ(query_until(a, 2, 1), 1);
    CHECK_EQ(query(a, 0), EV_DISK); /* B's answer: the event that woke it */
    CHECK_EQ(query(b, 4), EV_DISK);
    CHECK_EQ(sys_pct_call((uint32_t)b, PEER_ECHO, 41, 0), 42); /* B serves again */
    sys_cap_delete((uint32_t)a);
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
}

/* With a timeout and no event, the wait ends by itself with 0; an event
 * already pending ends it at once; bad input is refused inside the call. */
static void timeout_and_bad_input(void)
{
    long b = spawn();
    uint64_t t0 = rdtsc();
    CHECK_EQ(sys_pct_call((uint32_t)b, PEER_BLOCK, 20000, 0), 0);
    CHECK_EQ(rdtsc() - t0 >= 20 * exo_info->tsc_per_ms, 1);
    CHECK_EQ(sys_pct_call((uint32_t)b, PEER_BLOCK, BLOCK_TIMEOUT_MAX + 1, 0), -E_INVAL);
    CHECK_EQ(sys_pct_call((uint32_t)b, PEER_BLOCK, ~0UL, 0), -E_INVAL);
    CHECK_EQ(query(b, 4), -E_INVAL);
    /* An event already pending ends it at once (B rings itself first). */
    long r = sys_pct_call((uint32_t)b, PEER_BLOCK, 0, EV_DISK);
    CHECK_EQ(r > 0 && (r & EV_DISK), 1);
    CHECK_EQ(sys_pct_call((uint32_t)b, PEER_ECHO, 41, 0), 42);
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
}

/* The caller dies while its callee waits: the call is orphaned, stays
 * waiting (nothing runs it), and finishes once the event comes. */
static void caller_killed(void)
{
    long a = spawn(), b = spawn();
    long b_in_a = sys_cap_derive((uint32_t)b, R_CALL, (uint32_t)a);
    CHECK_EQ(sys_pct_call((uint32_t)a, PEER_ERRAND, (uint64_t)b_in_a, PEER_CMD(PEER_BLOCK, 0, 0)),
             0);
    CHECK_EQ(wait_busy(b), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)a), 0);
    CHECK_EQ(still_busy(b, 100), 1); /* orphaned, still waiting */
    CHECK_EQ(sys_pct_send((uint32_t)b, EV_DISK), 0);
    CHECK_EQ(query_until(b, 3, 1), 1); /* its call finished, the reply went nowhere */
    CHECK_EQ(query(b, 4), EV_DISK);
    CHECK_EQ(sys_pct_call((uint32_t)b, PEER_ECHO, 41, 0), 42);
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
}

/* A -> B -> C, C waits; the root kills B (the middle): A is told E_NOENT,
 * C's call is orphaned and finishes once rung. */
static void middle_killed(void)
{
    long a = spawn(), b = spawn(), c = spawn();
    long b_in_a = sys_cap_derive((uint32_t)b, R_CALL, (uint32_t)a);
    long c_in_b = sys_cap_derive((uint32_t)c, R_CALL, (uint32_t)b);
    CHECK_EQ(b_in_a > 0 && c_in_b > 0, 1);
    CHECK_EQ(sys_pct_call((uint32_t)a, PEER_ERRAND, (uint64_t)b_in_a,
                          PEER_CMD(PEER_CALL, c_in_b, PEER_CMD(PEER_BLOCK, 0, 0))),
             0);
    CHECK_EQ(wait_busy(c), 1);
    CHECK_EQ(still_busy(c, 50), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
    CHECK_EQ(query_until(a, 2, 1), 1);
    CHECK_EQ(query(a, 0), -E_NOENT);
    CHECK_EQ(still_busy(c, 50), 1);
    CHECK_EQ(sys_pct_send((uint32_t)c, EV_DISK), 0);
    CHECK_EQ(query_until(c, 3, 1), 1);
    CHECK_EQ(sys_pct_call((uint32_t)c, PEER_ECHO, 41, 0), 42);
    sys_cap_delete((uint32_t)a);
    CHECK_EQ(sys_cap_delete((uint32_t)c), 0);
}

/* The waiting callee is killed: its caller gets E_NOENT and runs on. */
static void callee_killed(void)
{
    long a = spawn(), b = spawn();
    long b_in_a = sys_cap_derive((uint32_t)b, R_CALL, (uint32_t)a);
    CHECK_EQ(sys_pct_call((uint32_t)a, PEER_ERRAND, (uint64_t)b_in_a, PEER_CMD(PEER_BLOCK, 0, 0)),
             0);
    CHECK_EQ(wait_busy(b), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
    CHECK_EQ(query_until(a, 2, 1), 1);
    CHECK_EQ(query(a, 0), -E_NOENT);
    CHECK_EQ(sys_pct_call((uint32_t)a, PEER_ECHO, 41, 0), 42);
    CHECK_EQ(sys_cap_delete((uint32_t)a), 0);
}

int main(void)
{
    struct sys_info si;
    CHECK_EQ(sys_sysinfo(&si), 0);
    uint64_t free0 = si.free_frames;
    wait_for_event();
    timeout_and_bad_input();
    caller_killed();
    middle_killed();
    callee_killed();
    CHECK_EQ(sys_sysinfo(&si), 0);
    CHECK_EQ(si.free_frames, free0);
    printf("t_pct_block: %d failed checks\n", check_failures);
    return check_failures;
}
