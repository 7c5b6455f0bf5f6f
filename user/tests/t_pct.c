/* Protected control transfer: calls into another env's protected entry with
 * arguments and a two-word reply, notifications, and the hostile cases: no
 * capability, a capability without R_CALL, a frame capability, replying when
 * not serving, a callee that dies in the middle of a call. */
#include "../../lib/exo/exo.h"
#include "check.h"
#include "pct_regs.h"

int main(void)
{
    long srv = exo_spawn("t_pct_server", 256);
    CHECK_EQ(srv > 0, 1);
    /* Until the server has registered its entry, calls are refused. */
    long r;
    for (int i = 0; i < 1000 && (r = sys_pct_call((uint32_t)srv, 1, 2, 3)) == -E_INVAL; i++)
        sys_yield(-1);
    CHECK_EQ(r, 3 + 10 + 21 + 1);
    for (uint64_t i = 0; i < 2000; i++)
        if (sys_pct_call((uint32_t)srv, i, i + 1, i + 2) !=
            (long)(i * 3 + (i + 1) * 5 + (i + 2) * 7 + 1))
            check_failures++;
    uint64_t r1 = 99;
    CHECK_EQ(exo_pct_call2((uint32_t)srv, 1, 1, 1, &r1), 16);
    CHECK_EQ(r1, 0);
    /* The registers across the fast path's call and reply (pct_regs.h). */
    struct pct_regs pr;
    pct_regs((uint32_t)srv, 1, 2, &pr);
    CHECK_EQ(pr.rax, 3 + 10 + 1);
    CHECK_EQ(pr.rdx, 0);
    CHECK_EQ(pct_regs_kept(&pr), 1);
    CHECK_EQ(pct_regs_cleared(&pr), 1);

    /* Hostile: a copy without R_CALL, an empty slot, a forged slot, a frame. */
    long weak = sys_cap_derive((uint32_t)srv, R_CONTROL, CAP_SELF);
    CHECK_EQ(weak > 0, 1);
    CHECK_EQ(sys_pct_call((uint32_t)weak, 1, 2, 3), -E_PERM);
    CHECK_EQ(sys_pct_send((uint32_t)weak, 1), -E_PERM);
    CHECK_EQ(sys_pct_call(200, 1, 2, 3), -E_NOENT);
    CHECK_EQ(sys_pct_call(100000, 1, 2, 3), -E_INVAL);
    long frame = sys_frame_alloc(-1);
    CHECK_EQ(sys_pct_call((uint32_t)frame, 1, 2, 3), -E_PERM);
    CHECK_EQ(sys_pct_call(CAP_SELF, 1, 2, 3), -E_INVAL); /* no protected entry here */
    /* Each falls back from the fast path: the registers kept all the same. */
    const uint64_t refused[] = {(uint64_t)weak, 200, 100000, (uint64_t)frame, CAP_SELF};
    const long refusal[] = {-E_PERM, -E_NOENT, -E_INVAL, -E_PERM, -E_INVAL};
    for (unsigned i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        pct_regs(refused[i], 1, 2, &pr);
        CHECK_EQ((long)pr.rax, refusal[i]);
        CHECK_EQ(pct_regs_kept(&pr), 1);
    }
    CHECK_EQ(sys_pct_reply(1, 2), -E_INVAL); /* not serving a call */
    CHECK_EQ(sys_pct_send((uint32_t)srv, 0), -E_INVAL);
    CHECK_EQ(sys_pct_send((uint32_t)srv, EVENT_CHILD), -E_INVAL); /* the kernel's event */

    /* Notifications arrive as event upcalls when the server next runs. */
    CHECK_EQ(sys_pct_send((uint32_t)srv, 0x5), 0);
    CHECK_EQ(sys_pct_send((uint32_t)srv, 0x40), 0);
    long seen = 0;
    for (int i = 0; i < 1000 && (seen = sys_pct_call((uint32_t)srv, 0xe7e7, 0, 0)) != 0x45; i++)
        sys_yield(-1);
    CHECK_EQ(seen, 0x45);

    /* sys_pct_give: only while serving; a copy of the callee's capability
     * with fewer rights lands in the caller's table (the refusals are the
     * server's to check: bits 32 and up). */
    CHECK_EQ(sys_pct_give(1, R_READ), -E_INVAL);
    long g = sys_pct_call((uint32_t)srv, 0x61fe, 0, 0);
    CHECK_EQ(g >> 32, 0);
    struct cap_info gi = {0};
    CHECK_EQ(sys_cap_inspect((uint32_t)g, &gi), 0);
    CHECK_EQ(gi.type, CAP_FRAME);
    CHECK_EQ(gi.rights, R_READ);
    CHECK_EQ(sys_cap_delete((uint32_t)g), 0);

    /* A callee that faults without a handler dies; the caller gets -E_NOENT
     * and goes on. */
    CHECK_EQ(sys_pct_call((uint32_t)srv, 0xdead, 0, 0), -E_NOENT);
    CHECK_EQ(sys_env_status((uint32_t)srv), ENV_STATUS(ENV_STATUS_FAULT, 0));
    CHECK_EQ(sys_pct_call((uint32_t)srv, 1, 2, 3), -E_NOENT);
    pct_regs((uint32_t)srv, 1, 2, &pr); /* a dead partner: the fast path falls back */
    CHECK_EQ((long)pr.rax, -E_NOENT);
    CHECK_EQ(pct_regs_kept(&pr), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)srv), 0);
    CHECK_EQ(sys_pct_call((uint32_t)weak, 1, 2, 3), -E_NOENT); /* copies went with it */
    CHECK_EQ(sys_cap_delete((uint32_t)frame), 0);
    printf("t_pct: %d failed checks\n", check_failures);
    return check_failures;
}
