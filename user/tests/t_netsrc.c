/* The source-address rule for hosts without an address (a DHCP client):
 * on the loopback, an endpoint may send from 0.0.0.0 only with a protocol
 * and source port for which it holds a key on the limited broadcast address
 * 255.255.255.255 (UDP 68); another port, another protocol, a wildcard
 * key, or someone else's address is refused; the answer to the broadcast
 * address comes back through that key. */
#include "net.h"
#include "check.h"

extern const char ext_obj_x_net[], ext_obj_x_net_end[];
static uint8_t f[2048];
#define BCAST IP(255, 255, 255, 255)

static long send1(struct ep *ep, const void *frame, uint32_t len)
{
    uint32_t i = ep->r->tx_head % NET_NTX;
    ep_post(ep, frame, len);
    long n = sys_net_tx((uint32_t)ep->cap);
    return n < 0 ? n : ep->r->tx[i].status;
}

int main(void)
{
    long dev = sys_net_open(NETIF_LO);
    CHECK_EQ(dev > 0, 1);
    long mod =
        sys_ext_load(ext_obj_x_net, (uint64_t)(ext_obj_x_net_end - ext_obj_x_net), NULL, NULL, 0);
    CHECK_EQ(mod > 0, 1);
    long all = exo_ext_find((uint32_t)mod, "filter/packet/all");
    struct ep P, Q;
    CHECK_EQ(ep_make(&P, (uint32_t)dev, 3, 0x0000600000000000UL, CAP_SELF, 0) > 0, 1);
    CHECK_EQ(ep_make(&Q, (uint32_t)dev, 3, 0x0000610000000000UL, CAP_SELF, 0) > 0, 1);
    /* P: no broadcast key yet. */
    CHECK_EQ(send1(&P, f, udp(f, 0, 68, BCAST, 67, "d", 1)), -E_PERM);
    /* Keys on the broadcast address with a wildcard do not count. */
    struct net_key wport = {0x0800, 17, 0, 0, 0, BCAST};
    CHECK_EQ(sys_net_attach((uint32_t)Q.cap, (uint32_t)mod, (uint32_t)all, &wport), 0);
    CHECK_EQ(send1(&Q, f, udp(f, 0, 68, BCAST, 67, "d", 1)), -E_PERM);
    struct net_key k68 = {0x0800, 17, 0, 68, 0, BCAST};
    CHECK_EQ(sys_net_attach((uint32_t)P.cap, (uint32_t)mod, (uint32_t)all, &k68),
             -E_BUSY); /* Q's wildcard port overlaps it */
    CHECK_EQ(sys_cap_delete((uint32_t)Q.cap), 0);
    CHECK_EQ(sys_net_attach((uint32_t)P.cap, (uint32_t)mod, (uint32_t)all, &k68), 0);
    /* Now: from 0.0.0.0, UDP, port 68 only. */
    CHECK_EQ(send1(&P, f, udp(f, 0, 68, BCAST, 67, "d", 1)), 0);
    CHECK_EQ(send1(&P, f, udp(f, 0, 68, IP(10, 0, 2, 2), 67, "d", 1)), 0); /* any destination */
    CHECK_EQ(send1(&P, f, udp(f, 0, 69, BCAST, 67, "d", 1)), -E_PERM);     /* another port */
    CHECK_EQ(send1(&P, f, udp(f, IP(10, 0, 0, 7), 68, BCAST, 67, "d", 1)),
             -E_PERM); /* an address not ours */
    uint32_t n = udp(f, 0, 68, BCAST, 67, "d", 1);
    f[23] = 6; /* TCP from 0.0.0.0 */
    CHECK_EQ(send1(&P, f, n), -E_PERM);
    /* The answer to the broadcast address, port 68, comes to P. */
    CHECK_EQ(send1(&P, f, udp(f, 0, 68, BCAST, 68, "offer", 5)), 0);
    uint32_t len = 0;
    const uint8_t *p = NULL;
    for (int i = 0; i < 100 && !(p = ep_peek(&P, &len)); i++)
        sys_block(10000);
    CHECK_EQ(p != NULL && len == 47 && memcmp(p + 42, "offer", 5) == 0, 1);
    printf("t_netsrc: %d failed checks\n", check_failures);
    return check_failures;
}
