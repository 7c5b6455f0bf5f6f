/* The network card (virtio-net, QEMU's user networking): through an
 * endpoint and its filters on 10.0.2.15, ARP finds the gateway 10.0.2.2
 * and it answers pings; the device counts what it received and sent. */
#include "net.h"
#include "check.h"

extern const char ext_obj_x_net[], ext_obj_x_net_end[];
static uint8_t f[2048];
static const uint32_t ME = IP(10, 0, 2, 15), GW = IP(10, 0, 2, 2);

static long send1(struct ep *ep, const void *frame, uint32_t len)
{
    uint32_t i = ep->r->tx_head % NET_NTX;
    ep_post(ep, frame, len);
    long n = sys_net_tx((uint32_t)ep->cap);
    return n < 0 ? n : ep->r->tx[i].status;
}

/* The next frame that `want` accepts, dropping others; NULL after ~5 s. */
static const uint8_t *recv_match(struct ep *ep, uint32_t *len,
                                 int (*want)(const uint8_t *, uint32_t))
{
    for (int i = 0; i < 500; i++) {
        const uint8_t *p;
        while ((p = ep_peek(ep, len))) {
            if (want(p, *len))
                return p;
            ep_next(ep);
        }
        sys_block(10000);
    }
    return NULL;
}

static int arp_reply(const uint8_t *p, uint32_t len)
{
    return len >= 42 && get16(p + 12) == 0x0806 && get16(p + 20) == 2 && get32(p + 28) == GW;
}
static uint32_t want_seq;
static int echo_reply(const uint8_t *p, uint32_t len)
{
    return len >= 42 && get16(p + 12) == 0x0800 && p[23] == 1 && p[34] == 0 &&
           get32(p + 26) == GW && get16(p + 40) == want_seq;
}

int main(void)
{
    long dev = sys_net_open(NETIF_NET0);
    CHECK_EQ(dev > 0, 1);
    if (dev < 0)
        return 1;
    long mac = sys_net_ctl((uint32_t)dev, NETCTL_MAC, 0);
    CHECK_EQ(mac, 0x525400123456L); /* QEMU's default */
    for (int i = 0; i < 6; i++)
        src_mac[i] = (uint8_t)(mac >> (40 - 8 * i));
    long n = sys_notify_create();
    CHECK_EQ(sys_notify_bind((uint32_t)n, 0, 1), 0);
    struct ep ep;
    CHECK_EQ(ep_make(&ep, (uint32_t)dev, 4, 0x0000600000000000UL, (uint32_t)n, 0) > 0, 1);
    long mod =
        sys_ext_load(ext_obj_x_net, (uint64_t)(ext_obj_x_net_end - ext_obj_x_net), NULL, NULL, 0);
    long all = exo_ext_find((uint32_t)mod, "filter/packet/all");
    struct net_key k_arp = {0x0806, 0, 0, 0, 0, ME}, k_icmp = {0x0800, 1, 0, 0, 0, ME};
    CHECK_EQ(sys_net_attach((uint32_t)ep.cap, (uint32_t)mod, (uint32_t)all, &k_arp), 0);
    CHECK_EQ(sys_net_attach((uint32_t)ep.cap, (uint32_t)mod, (uint32_t)all, &k_icmp), 1);

    /* Who has 10.0.2.2? */
    CHECK_EQ(send1(&ep, f, arp_request(f, ME, GW)), 0);
    uint32_t len;
    const uint8_t *p = recv_match(&ep, &len, arp_reply);
    CHECK_EQ(p != NULL, 1);
    if (!p)
        return check_failures;
    memcpy(dst_mac, p + 22, 6);
    printf("t_net0: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x\n", dst_mac[0], dst_mac[1],
           dst_mac[2], dst_mac[3], dst_mac[4], dst_mac[5]);
    ep_next(&ep);
    /* Pings. */
    for (want_seq = 1; want_seq <= 3; want_seq++) {
        uint32_t l = icmp_echo(f, ME, GW, want_seq, 56);
        CHECK_EQ(send1(&ep, f, l), 0);
        p = recv_match(&ep, &len, echo_reply);
        CHECK_EQ(p != NULL, 1);
        if (!p)
            break;
        CHECK_EQ(csum(p + 34, len - 34), 0);
        CHECK_EQ(memcmp(p + 42, f + 42, 56), 0);
        ep_next(&ep);
    }
    struct net_stats st;
    CHECK_EQ(sys_net_stat((uint32_t)ep.cap, &st), 0);
    CHECK_EQ(st.tx_frames >= 4 && st.rx_frames >= 4 && st.ep_tx == 4, 1);
    printf("t_net0: %lu frames received, %lu sent, %lu to us\n", st.rx_frames, st.tx_frames,
           st.ep_rx);
    return check_failures;
}
