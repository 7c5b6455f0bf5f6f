/* Protected calls whose parties die: every env of a chain of calls (the
 * caller, the callee, an env in the middle of A -> B -> C) destroyed at any
 * point of the call, by exiting, by a fault, or by another env deleting
 * its original (one that runs, the callee itself, or one that waits), while
 * the callee runs, is preempted, or waits on a call of its own. A waiting
 * caller gets E_NOENT; a callee whose caller died finishes its call (the
 * reply goes nowhere) and serves the next one. Before the fix, a callee
 * that deleted its caller panicked the kernel at its next full entry. The
 * peers are t_pct_peer (commands in pct_peer.h). */
#include "../../lib/exo/exo.h"
#include "check.h"
#include "pct_peer.h"

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

/* Asks peer p (through slot p) a PEER_QUERY, waiting while it is busy. */
static long query(long p, uint64_t what)
{
    long r = -E_AGAIN;
    for (int i = 0; i < 3000 && (r = sys_pct_call((uint32_t)p, PEER_QUERY, what, 0)) == -E_AGAIN;
         i++)
        sys_yield(-1);
    return r;
}

/* query(p, what) once it equals want (or the last answer, after a while). */
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

/* Peer p still works, and has finished `calls` calls (waits for them). */
static void check_alive(long p, long calls, int line)
{
    long f = query(p, 3);
    for (int i = 0; i < 3000 && f >= 0 && f < calls; i++) {
        sys_yield(-1);
        f = query(p, 3);
    }
    long e = sys_pct_call((uint32_t)p, PEER_ECHO, 41, 0);
    if (f != calls || e != 42) {
        printf("  at line %d: peer finished %ld calls (expected %ld), echo %ld\n", line, f, calls,
               e);
        check_failures++;
    }
}

/* The case: the root moves A's original into B's table and gives A
 * a call capability to B; A calls B (from its own context, or from its
 * protected entry, the root calling A); B deletes A inside the call, then
 * enters the kernel the full way, is preempted, replies at once, exits or
 * faults (`then`). */
static void callee_deletes_caller(int from_main, int then)
{
    long a = spawn(), b = spawn();
    long b_in_a = sys_cap_derive((uint32_t)b, R_CALL, (uint32_t)a);
    long a_ctl = sys_cap_derive((uint32_t)a, R_CALL, CAP_SELF);
    CHECK_EQ(b_in_a > 0 && a_ctl > 0, 1);
    long a_in_b = sys_cap_move((uint32_t)a, (uint32_t)b);
    CHECK_EQ(a_in_b > 0, 1);
    uint64_t cmd = PEER_CMD(PEER_DELETE, a_in_b, then);
    if (from_main) { /* A's own context calls */
        CHECK_EQ(sys_pct_call((uint32_t)a_ctl, PEER_ERRAND, (uint64_t)b_in_a, cmd), 0);
    } else { /* root -> A -> B: the root is told its callee died */
        CHECK_EQ(sys_pct_call((uint32_t)a_ctl, PEER_CALL, (uint64_t)b_in_a, cmd), -E_NOENT);
    }
    if (then == THEN_EXIT || then == THEN_FAULT) {
        long st = -E_AGAIN;
        for (int i = 0; i < 3000 && (st = sys_env_status((uint32_t)b)) == -E_AGAIN; i++)
            sys_yield(-1);
        CHECK_EQ(st, then == THEN_EXIT ? ENV_STATUS(ENV_STATUS_EXIT, 9)
                                       : ENV_STATUS(ENV_STATUS_FAULT, 0));
    } else {
        check_alive(b, 1, __LINE__);
        CHECK_EQ(query(b, 1), 0); /* its sys_cap_delete worked */
    }
    CHECK_EQ(sys_pct_call((uint32_t)a_ctl, PEER_ECHO, 1, 0), -E_NOENT); /* A and its copies went */
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
}

/* A (its own context) calls B, which stays in the call across slots; the
 * root deletes A meanwhile (B is not running then). B finishes in its own
 * time and serves again. */
static void waiting_caller_killed(void)
{
    long a = spawn(), b = spawn();
    long b_in_a = sys_cap_derive((uint32_t)b, R_CALL, (uint32_t)a);
    CHECK_EQ(sys_pct_call((uint32_t)a, PEER_ERRAND, (uint64_t)b_in_a, PEER_CMD(PEER_SPIN, 3000, 0)),
             0);
    CHECK_EQ(wait_busy(b), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)a), 0);
    CHECK_EQ(sys_pct_send((uint32_t)b, PEER_RELEASE), 0);
    check_alive(b, 1, __LINE__);
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
}

/* As above, but B has no time slot: once A is gone, no slot leads to B's
 * call any more, and a donation (sys_yield(B)) gives it the time to finish. */
static void orphan_without_slot(void)
{
    long a = spawn(), b = sys_env_create(256);
    CHECK_EQ(b > 0, 1);
    CHECK_EQ(sys_env_load((uint32_t)b, "t_pct_peer", 10), 0);
    CHECK_EQ(sys_env_start((uint32_t)b), 0);
    long r = -1;
    for (int i = 0; i < 100 && (r = sys_pct_call((uint32_t)b, PEER_ECHO, 1, 0)) != 2; i++)
        sys_yield((uint64_t)b); /* its own context runs on donated time only */
    CHECK_EQ(r, 2);
    long b_in_a = sys_cap_derive((uint32_t)b, R_CALL, (uint32_t)a);
    CHECK_EQ(sys_pct_call((uint32_t)a, PEER_ERRAND, (uint64_t)b_in_a, PEER_CMD(PEER_SPIN, 3000, 0)),
             0);
    CHECK_EQ(wait_busy(b), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)a), 0);
    CHECK_EQ(sys_pct_send((uint32_t)b, PEER_RELEASE), 0);
    for (int i = 0; i < 100 && (r = sys_pct_call((uint32_t)b, PEER_QUERY, 3, 0)) == -E_AGAIN; i++)
        CHECK_EQ(sys_yield((uint64_t)b), 0);
    CHECK_EQ(r, 1);
    CHECK_EQ(sys_pct_call((uint32_t)b, PEER_ECHO, 41, 0), 42);
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
}

/* A call with every argument register set; returns rax and how many of
 * rdi, rsi, r8, r9, r10 came back nonzero. Whatever ends the call (a
 * reply, the callee's death), the caller gets the two answer words and
 * nothing else: the other caller-saved registers come back cleared. */
static long raw_call(uint32_t env, uint64_t a0, uint64_t a1, uint64_t a2, int *dirty)
{
    long ret = SYS_pct_call;
    register long rdi __asm__("rdi") = (long)env;
    register long rsi __asm__("rsi") = (long)a0;
    register long rdx __asm__("rdx") = (long)a1;
    register long r10 __asm__("r10") = (long)a2;
    register long r8 __asm__("r8") = 0x8888;
    register long r9 __asm__("r9") = 0x9999;
    __asm__ volatile("syscall"
                     : "+a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    *dirty = (rdi != 0) + (rsi != 0) + (r8 != 0) + (r9 != 0) + (r10 != 0);
    return ret;
}

/* The callee exits or faults inside the call: directly, and one call down
 * (root -> A -> B: A gets E_NOENT and answers it). */
static void callee_dies(void)
{
    long b = spawn();
    int dirty = -1;
    CHECK_EQ(raw_call((uint32_t)b, PEER_ECHO, 7, 7, &dirty), 8);
    CHECK_EQ(dirty, 0);
    CHECK_EQ(raw_call((uint32_t)b, PEER_EXIT, 5, 5, &dirty), -E_NOENT);
    CHECK_EQ(dirty, 0);
    CHECK_EQ(sys_env_status((uint32_t)b), ENV_STATUS(ENV_STATUS_EXIT, 5));
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);

    long a = spawn();
    b = spawn();
    long b_in_a = sys_cap_derive((uint32_t)b, R_CALL, (uint32_t)a);
    CHECK_EQ(sys_pct_call((uint32_t)a, PEER_CALL, (uint64_t)b_in_a, PEER_CMD(PEER_EXIT, 6, 0)),
             -E_NOENT);
    CHECK_EQ(sys_env_status((uint32_t)b), ENV_STATUS(ENV_STATUS_EXIT, 6));
    check_alive(a, 1, __LINE__);
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
    b = spawn();
    b_in_a = sys_cap_derive((uint32_t)b, R_CALL, (uint32_t)a);
    CHECK_EQ(sys_pct_call((uint32_t)a, PEER_CALL, (uint64_t)b_in_a, PEER_CMD(PEER_FAULT, 0, 0)),
             -E_NOENT);
    CHECK_EQ(sys_env_status((uint32_t)b), ENV_STATUS(ENV_STATUS_FAULT, 0));
    check_alive(a, 2, __LINE__);
    CHECK_EQ(sys_cap_delete((uint32_t)b), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)a), 0);
}

/* A -> B -> C and one of them is deleted while C serves: victim 0 is A (the
 * chain's head: B's call is orphaned while B waits on C), 1 is B (the
 * middle: A gets E_NOENT, C's call is orphaned). C spins across slots and
 * the root deletes the victim; or (tail_kills) C deletes B itself. */
static void chain(int victim, int tail_kills)
{
    long a = spawn(), b = spawn(), c = spawn();
    long b_in_a = sys_cap_derive((uint32_t)b, R_CALL, (uint32_t)a);
    long c_in_b = sys_cap_derive((uint32_t)c, R_CALL, (uint32_t)b);
    CHECK_EQ(b_in_a > 0 && c_in_b > 0, 1);
    if (tail_kills) { /* root -> A -> B -> C; C deletes B */
        long b_ctl = sys_cap_derive((uint32_t)b, R_CALL, CAP_SELF);
        long b_in_c = sys_cap_move((uint32_t)b, (uint32_t)c);
        CHECK_EQ(b_in_c > 0, 1);
        CHECK_EQ(
            sys_pct_call((uint32_t)a, PEER_CALL, (uint64_t)b_in_a,
                         PEER_CMD(PEER_CALL, c_in_b, PEER_CMD(PEER_DELETE, b_in_c, THEN_YIELD))),
            -E_NOENT);
        CHECK_EQ(query(a, 0), -E_NOENT);
        check_alive(a, 1, __LINE__);
        check_alive(c, 1, __LINE__);
        CHECK_EQ(query(c, 1), 0);
        CHECK_EQ(sys_pct_call((uint32_t)b_ctl, PEER_ECHO, 1, 0), -E_NOENT);
    } else { /* A's own context -> B -> C */
        CHECK_EQ(sys_pct_call((uint32_t)a, PEER_ERRAND, (uint64_t)b_in_a,
                              PEER_CMD(PEER_CALL, c_in_b, PEER_CMD(PEER_SPIN, 3000, 0))),
                 0);
        CHECK_EQ(wait_busy(c), 1);
        CHECK_EQ(sys_cap_delete((uint32_t)(victim == 0 ? a : b)), 0);
        CHECK_EQ(sys_pct_send((uint32_t)c, PEER_RELEASE), 0);
        if (victim == 0) { /* B's call goes on: C answers B, B answers nobody */
            check_alive(b, 1, __LINE__);
            CHECK_EQ(query(b, 0), 78);
        } else { /* A was told */
            CHECK_EQ(query_until(a, 2, 1), 1);
            CHECK_EQ(query(a, 0), -E_NOENT);
            check_alive(a, 0, __LINE__);
        }
        check_alive(c, 1, __LINE__);
    }
    sys_cap_delete((uint32_t)a);
    sys_cap_delete((uint32_t)b);
    CHECK_EQ(sys_cap_delete((uint32_t)c), 0);
}

/* Random chains P0 (its own context) -> P1 -> ... -> Pk-1 (2 to 5 envs)
 * and a random death while the tail serves: the root deletes any of them,
 * the tail deletes any env above it (whose original was moved to it), or
 * the tail exits. Then every survivor finishes what it was doing and
 * answers again, and P0, if alive and not the victim, was told E_NOENT. */
static uint64_t seed = 0x5eed;
static uint32_t rnd(uint32_t n)
{
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    return (uint32_t)(seed >> 33) % n;
}

static void random_chains(int rounds)
{
    for (int round = 0; round < rounds; round++) {
        int k = 2 + (int)rnd(4), method = (int)rnd(3), v = 0, fails = check_failures;
        long p[5], ctl[5], hop[5] = {0};
        for (int i = 0; i < k; i++) {
            p[i] = spawn();
            ctl[i] = sys_cap_derive((uint32_t)p[i], R_CALL, CAP_SELF);
        }
        for (int i = 0; i + 1 < k; i++) {
            hop[i] = sys_cap_derive((uint32_t)p[i + 1], R_CALL, (uint32_t)p[i]);
            if (i > 0)
                CHECK_EQ(sys_pct_call((uint32_t)p[i], PEER_SET_NEXT, (uint64_t)hop[i], 0), 0);
        }
        uint64_t action = RELAY_SPIN, arg = 3000;
        if (method == 0) {
            v = (int)rnd((uint32_t)k);
        } else if (method == 1) {
            v = (int)rnd((uint32_t)k - 1);
            long m = sys_cap_move((uint32_t)p[v], (uint32_t)p[k - 1]);
            CHECK_EQ(m > 0, 1);
            action = RELAY_DELETE;
            arg = (uint64_t)m;
        } else {
            v = k - 1;
            action = RELAY_EXIT;
        }
        CHECK_EQ(sys_pct_call((uint32_t)ctl[0], PEER_ERRAND, (uint64_t)hop[0],
                              PEER_CMD(PEER_RELAY, action, arg)),
                 0);
        if (method == 0) {
            CHECK_EQ(wait_busy(ctl[k - 1]), 1);
            CHECK_EQ(sys_cap_delete((uint32_t)p[v]), 0);
            if (v != k - 1)
                CHECK_EQ(sys_pct_send((uint32_t)ctl[k - 1], PEER_RELEASE), 0);
        }
        for (int i = 0; i < k; i++) {
            if (i == v)
                continue;
            long e = -E_AGAIN;
            for (int t = 0;
                 t < 3000 && (e = sys_pct_call((uint32_t)ctl[i], PEER_ECHO, 41, 0)) != 42; t++)
                sys_yield(-1);
            CHECK_EQ(e, 42);
        }
        if (v != 0)
            CHECK_EQ(query_until(ctl[0], 0, -E_NOENT), -E_NOENT);
        if (check_failures != fails)
            printf("  in round %d: %d envs, method %d, victim %d\n", round, k, method, v);
        for (int i = 0; i < k; i++)
            sys_cap_delete((uint32_t)p[i]); /* (gone already if it was the victim) */
    }
}

int main(void)
{
    uint64_t free0 = 0;
    struct sys_info si;
    CHECK_EQ(sys_sysinfo(&si), 0);
    free0 = si.free_frames;
    for (int from_main = 0; from_main < 2; from_main++)
        for (int then = 0; then < THEN_COUNT; then++)
            callee_deletes_caller(from_main, then);
    waiting_caller_killed();
    orphan_without_slot();
    callee_dies();
    chain(0, 0);
    chain(1, 0);
    chain(1, 1);
    random_chains(24);
    CHECK_EQ(sys_sysinfo(&si), 0);
    CHECK_EQ(si.free_frames, free0);
    printf("t_pct_death: %d failed checks\n", check_failures);
    return check_failures;
}
