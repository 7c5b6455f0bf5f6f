/* lib/net's DHCP client (lwIP's) on the kernel's loopback, against a small
 * DHCP server this test plays with a raw endpoint at 10.0.0.1: a child
 * (t_dhcp_cli) gets 10.0.0.42 through DISCOVER, OFFER, REQUEST, ACK while
 * ignoring hostile answers first (a truncated one, one with another
 * transaction id, one with no server id); then with no server a second
 * child falls back to its static address. */
#include "net.h"
#include "check.h"

extern const char ext_obj_x_net[], ext_obj_x_net_end[];
#define SERVER IP(10, 0, 0, 1)
#define LEASED IP(10, 0, 0, 42)
#define BCAST  IP(255, 255, 255, 255)

static uint8_t f[2048], msg[600];

static long send1(struct ep *ep, uint32_t len)
{
    uint32_t i = ep->r->tx_head % NET_NTX;
    ep_post(ep, f, len);
    long n = sys_net_tx((uint32_t)ep->cap);
    return n < 0 ? n : ep->r->tx[i].status;
}

/* A DHCP answer of `type` to the request req (BOOTP at req + 42):
 * its length; with server_id false, without option 54. */
static uint32_t answer(const uint8_t *req, uint32_t xid, int type, bool server_id)
{
    memset(msg, 0, sizeof msg);
    msg[0] = 2, msg[1] = 1, msg[2] = 6; /* a reply, Ethernet */
    put32(msg + 4, xid);
    put32(msg + 16, LEASED);             /* yiaddr */
    put32(msg + 20, SERVER);             /* siaddr */
    memcpy(msg + 28, req + 42 + 28, 16); /* chaddr */
    put32(msg + 236, 0x63825363);        /* the magic cookie */
    uint8_t *o = msg + 240;
    *o++ = 53, *o++ = 1, *o++ = (uint8_t)type;
    if (server_id)
        *o++ = 54, *o++ = 4, put32(o, SERVER), o += 4;
    *o++ = 51, *o++ = 4, put32(o, 3600), o += 4;
    *o++ = 1, *o++ = 4, put32(o, IP(255, 255, 255, 0)), o += 4;
    *o++ = 3, *o++ = 4, put32(o, SERVER), o += 4;
    *o++ = 255;
    return (uint32_t)(o - msg);
}

/* The next DHCP request of the given message type in S's ring (NULL if none
 * comes); its BOOTP transaction id in *xid. */
static const uint8_t *request(struct ep *S, int type, uint32_t *xid)
{
    for (int i = 0; i < 1000; i++) {
        uint32_t len;
        const uint8_t *p = ep_peek(S, &len);
        if (!p) {
            sys_block(10000);
            continue;
        }
        /* UDP to port 67, op 1, the cookie, option 53 first (as lwIP puts it). */
        if (len >= 42 + 244 && p[23] == 17 && get16(p + 36) == 67 && p[42] == 1 &&
            get32(p + 42 + 236) == 0x63825363 && p[42 + 240] == 53 && p[42 + 242] == type) {
            *xid = get32(p + 42 + 4);
            return p;
        }
        ep_next(S);
    }
    return NULL;
}

int main(void)
{
    long dev = sys_net_open(NETIF_LO);
    CHECK_EQ(dev > 0, 1);
    long mod =
        sys_ext_load(ext_obj_x_net, (uint64_t)(ext_obj_x_net_end - ext_obj_x_net), NULL, NULL, 0);
    long all = exo_ext_find((uint32_t)mod, "filter/packet/all");
    CHECK_EQ(mod > 0 && all >= 0, 1);
    struct ep S;
    CHECK_EQ(ep_make(&S, (uint32_t)dev, 3, 0x0000600000000000UL, CAP_SELF, 0) > 0, 1);
    struct net_key k67 = {0x0800, 17, 0, 67, 0, BCAST}, kme = {0x0800, 17, 0, 67, 0, SERVER};
    CHECK_EQ(sys_net_attach((uint32_t)S.cap, (uint32_t)mod, (uint32_t)all, &k67), 0);
    CHECK_EQ(sys_net_attach((uint32_t)S.cap, (uint32_t)mod, (uint32_t)all, &kme), 1);

    long cli = exo_spawn("t_dhcp_cli", 4096);
    CHECK_EQ(cli > 0, 1);
    CHECK_EQ(sys_cap_derive((uint32_t)dev, R_READ | R_WRITE, (uint32_t)cli) > 0, 1);
    uint32_t xid = 0;
    const uint8_t *p = request(&S, 1, &xid); /* DISCOVER */
    CHECK_EQ(p != NULL, 1);
    if (p) {
        /* Hostile answers first: truncated, another xid, no server id. */
        uint32_t n = answer(p, xid, 2, true);
        CHECK_EQ(send1(&S, udp(f, SERVER, 67, BCAST, 68, (const char *)msg, 100)), 0);
        answer(p, xid ^ 0x5a5a, 2, true);
        CHECK_EQ(send1(&S, udp(f, SERVER, 67, BCAST, 68, (const char *)msg, n)), 0);
        answer(p, xid, 2, false);
        CHECK_EQ(send1(&S, udp(f, SERVER, 67, BCAST, 68, (const char *)msg, n - 6)), 0);
        /* The offer. */
        n = answer(p, xid, 2, true);
        ep_next(&S);
        CHECK_EQ(send1(&S, udp(f, SERVER, 67, BCAST, 68, (const char *)msg, n)), 0);
        p = request(&S, 3, &xid); /* REQUEST */
        CHECK_EQ(p != NULL, 1);
        if (p) {
            n = answer(p, xid, 5, true); /* ACK */
            ep_next(&S);
            CHECK_EQ(send1(&S, udp(f, SERVER, 67, BCAST, 68, (const char *)msg, n)), 0);
        }
    }
    CHECK_EQ(exo_wait((uint32_t)cli, -1), ENV_STATUS(ENV_STATUS_EXIT, 0)); /* leased */
    CHECK_EQ(sys_cap_delete((uint32_t)cli), 0);

    /* No server: the static address. */
    CHECK_EQ(sys_cap_delete((uint32_t)S.cap), 0);
    cli = exo_spawn("t_dhcp_cli", 4096);
    CHECK_EQ(cli > 0, 1);
    CHECK_EQ(sys_cap_derive((uint32_t)dev, R_READ | R_WRITE, (uint32_t)cli) > 0, 1);
    CHECK_EQ(exo_wait((uint32_t)cli, -1), ENV_STATUS(ENV_STATUS_EXIT, 1)); /* fell back */
    CHECK_EQ(sys_cap_delete((uint32_t)cli), 0);
    printf("t_dhcp: %d failed checks\n", check_failures);
    return check_failures;
}
