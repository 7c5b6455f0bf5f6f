/* The commands t_pct_death gives t_pct_peer through sys_pct_call(peer, cmd, a1, a2). */
#ifndef USER_TESTS_PCT_PEER_H
#define USER_TESTS_PCT_PEER_H

enum {
    PEER_ECHO = 1, /* -> a1 + 1 */
    PEER_QUERY, /* a1 = 0: last nested result, 1: last delete result, 2: errands, 3: calls finished,
                   4: last PEER_BLOCK result */
    PEER_CALL,  /* call slot a1 with the command packed in a2 (PEER_CMD); -> its result */
    PEER_DELETE,   /* delete slot a1, then (a2) THEN_*; -> 77 */
    PEER_SPIN,     /* spin until released, or a1 timer ticks (preempted); -> 78 */
    PEER_YIELDS,   /* yield a1 times; -> 79 */
    PEER_EXIT,     /* sys_exit(a1) */
    PEER_FAULT,    /* a null write, no handler: dies */
    PEER_ERRAND,   /* the main context calls slot a1 with command a2 (as PEER_CALL); -> 0 */
    PEER_SET_NEXT, /* the next hop of PEER_RELAY: slot a1 (0: none, this is the tail) */
    PEER_RELAY,    /* call the next hop with the same command; the tail does RELAY_* a1 */
    PEER_BLOCK,    /* ring itself with a2 (if not 0), sys_block(a1) inside the call; -> its
                      result (also PEER_QUERY 4) */
};

/* What the tail of a PEER_RELAY chain does. */
enum {
    RELAY_SPIN,   /* spin until released, or a2 ticks; -> 78 */
    RELAY_EXIT,   /* sys_exit(3) */
    RELAY_DELETE, /* delete slot a2, spin 20 ticks; -> 77 */
};

/* The event (sys_pct_send) that ends a spin: whoever waits for the spinning
 * call to be under way can then do its deed and let it finish. */
#define PEER_RELEASE 0x100

/* What PEER_DELETE does after the deletion. */
enum {
    THEN_YIELD, /* sys_yield: a full kernel entry */
    THEN_SPIN,  /* spin 35 ticks: preempted by the timer */
    THEN_REPLY, /* reply at once (the fast path) */
    THEN_EXIT,  /* sys_exit(9) */
    THEN_FAULT, /* a null write, no handler */
    THEN_COUNT
};

/* A command for a nested call: cmd with arguments a1 (< 2^24) and a2 (< 2^32). */
#define PEER_CMD(cmd, a1, a2) ((uint64_t)(cmd) | (uint64_t)(a1) << 8 | (uint64_t)(a2) << 32)
#define PEER_CMD_CALL(slot, cmd)                                                                   \
    sys_pct_call((uint32_t)(slot), (cmd)&0xff, ((cmd) >> 8) & 0xffffff, (cmd) >> 32)

#endif
