/* The network's kernel half on the loopback device: two child envs each
 * get only their own UDP traffic through their filters; filters that would
 * overlap another endpoint's are refused and a program cannot claim beyond
 * its key; an ASH answers ARP and ping in the kernel without waking its env
 * (its counters say so); bad transmit descriptors, spoofed source
 * addresses, garbage ring indices get clear errors or counted drops; an
 * endpoint that never drains loses only its own frames; the default
 * endpoint; an endpoint whose ring block is deleted stops. */
#include "net.h"
#include "check.h"

#define OBJ(n) extern const char ext_obj_##n[], ext_obj_##n##_end[];
OBJ(x_net)
OBJ(x_pct)
#define LOAD(n)                                                                                    \
    sys_ext_load(ext_obj_##n, (uint64_t)(ext_obj_##n##_end - ext_obj_##n), NULL, NULL, 0)

static struct net_stats st;
static uint8_t f[2048];
static const uint32_t ME = IP(10, 0, 0, 1), KIDS = IP(10, 0, 0, 2), ASHIP = IP(10, 0, 0, 3);

static long stat(long cap)
{
    return sys_net_stat((uint32_t)cap, &st);
}

/* Sends one frame from ep; returns its descriptor's status. */
static long send1(struct ep *ep, const void *frame, uint32_t len)
{
    uint32_t i = ep->r->tx_head % NET_NTX;
    ep_post(ep, frame, len);
    long n = sys_net_tx((uint32_t)ep->cap);
    if (n < 0)
        return n;
    return ep->r->tx[i].status;
}

/* The next frame in ep's ring, waiting a little for it (NULL if none came). */
static const uint8_t *recv1(struct ep *ep, uint32_t *len)
{
    const uint8_t *p;
    for (int i = 0; i < 100 && !(p = ep_peek(ep, len)); i++)
        sys_block(10000);
    return p;
}

int main(void)
{
    /* The device. */
    CHECK_EQ(sys_net_open(NETIF_COUNT), -E_INVAL);
    CHECK_EQ(sys_net_open(~0U), -E_INVAL);
    long dev = sys_net_open(NETIF_LO);
    CHECK_EQ(dev > 0, 1);
    CHECK_EQ(sys_net_open(NETIF_LO), -E_BUSY);
    CHECK_EQ(sys_net_ctl((uint32_t)dev, NETCTL_MAC, 0), 0x020000000001L);
    CHECK_EQ(sys_net_ctl((uint32_t)dev, 77, 0), -E_INVAL);
    CHECK_EQ(stat(dev), 0);
    CHECK_EQ(st.endpoints, 0);
    CHECK_EQ(sys_net_stat((uint32_t)dev, (struct net_stats *)8), -E_FAULT);
    CHECK_EQ(sys_net_stat(CAP_SELF, &st), -E_INVAL);
    long frame = sys_frame_alloc(-1);
    CHECK_EQ(sys_net_stat((uint32_t)frame, &st), -E_PERM);

    long n = sys_notify_create();
    CHECK_EQ(sys_notify_bind((uint32_t)n, 1, 2), 0);

    /* Endpoints: bad rings and arguments. */
    CHECK_EQ(sys_net_endpoint((uint32_t)dev, (uint32_t)frame, CAP_SELF, 0), -E_INVAL); /* order 0 */
    CHECK_EQ(sys_net_endpoint((uint32_t)frame, (uint32_t)frame, CAP_SELF, 0), -E_PERM);
    CHECK_EQ(sys_net_endpoint((uint32_t)dev, CAP_SELF, CAP_SELF, 0), -E_INVAL);
    long blk = sys_frame_alloc_in(CAP_SELF, -1, 1);
    long ro = sys_cap_derive((uint32_t)blk, R_READ, CAP_SELF);
    CHECK_EQ(sys_net_endpoint((uint32_t)dev, (uint32_t)ro, CAP_SELF, 0), -E_PERM);
    CHECK_EQ(sys_net_endpoint((uint32_t)dev, (uint32_t)blk, (uint32_t)n, NOTIFY_CHANNELS),
             -E_INVAL);
    CHECK_EQ(sys_net_endpoint((uint32_t)dev, (uint32_t)blk, (uint32_t)frame, 0), -E_PERM);
    CHECK_EQ(sys_net_endpoint((uint32_t)dev, 4000, CAP_SELF, 0), -E_NOENT);
    long rodev = sys_cap_derive((uint32_t)dev, R_GRANT, CAP_SELF);
    CHECK_EQ(sys_net_endpoint((uint32_t)rodev, (uint32_t)blk, CAP_SELF, 0), -E_PERM);
    long e1 = sys_net_endpoint((uint32_t)dev, (uint32_t)blk, CAP_SELF, 0);
    CHECK_EQ(e1 > 0, 1);
    CHECK_EQ(sys_net_endpoint((uint32_t)dev, (uint32_t)blk, CAP_SELF, 0), -E_BUSY); /* same ring */
    CHECK_EQ(sys_cap_delete((uint32_t)e1), 0);

    /* Our endpoint P (10.0.0.1: ARP, ICMP, UDP) and the ASH's H (10.0.0.3,
     * and 10.0.0.2 port 9999), which is never drained. */
    long mod = LOAD(x_net);
    CHECK_EQ(mod > 0, 1);
    long all = exo_ext_find((uint32_t)mod, "filter/packet/all");
    long notx = exo_ext_find((uint32_t)mod, "filter/packet/notx");
    long ping = exo_ext_find((uint32_t)mod, "ash/packet/ping");
    CHECK_EQ(all >= 0 && notx >= 0 && ping >= 0, 1);
    struct ep P, H;
    CHECK_EQ(ep_make(&P, (uint32_t)dev, 3, 0x0000600000000000UL, (uint32_t)n, 1) > 0, 1);
    CHECK_EQ(P.r->nrx, 4);
    CHECK_EQ(P.r->ntx, NET_NTX);
    CHECK_EQ(memcmp(P.r->mac, lo_mac, 6), 0);
    CHECK_EQ(ep_make(&H, (uint32_t)dev, 2, 0x0000610000000000UL, CAP_SELF, 0) > 0, 1);
    struct net_key k_arp = {0x0806, 0, 0, 0, 0, ME}, k_icmp = {0x0800, 1, 0, 0, 0, ME},
                   k_udp = {0x0800, 17, 0, 0, 0, ME};
    CHECK_EQ(sys_net_attach((uint32_t)P.cap, (uint32_t)mod, (uint32_t)all, &k_arp), 0);
    CHECK_EQ(sys_net_attach((uint32_t)P.cap, (uint32_t)mod, (uint32_t)all, &k_icmp), 1);
    CHECK_EQ(sys_net_attach((uint32_t)P.cap, (uint32_t)mod, (uint32_t)notx, &k_udp), 2);
    struct net_key h_arp = {0x0806, 0, 0, 0, 0, ASHIP}, h_icmp = {0x0800, 1, 0, 0, 0, ASHIP},
                   h_udp = {0x0800, 17, 0, 9999, 0, KIDS};
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)mod, (uint32_t)all, &h_arp), 0);
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)mod, (uint32_t)all, &h_icmp), 1);
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)mod, (uint32_t)all, &h_udp), 2);
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)mod, (uint32_t)ping, NULL), 8);

    /* Hostile filters: any key that could match P's frames is refused. */
    struct net_key wild = {0}, ipall = {0x0800, 0, 0, 0, 0, 0},
                   udp_me_port = {0x0800, 17, 0, 53, 0, ME}, anyip_arp = {0x0806, 0, 0, 0, 0, 0};
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)mod, (uint32_t)all, &wild), -E_BUSY);
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)mod, (uint32_t)all, &ipall), -E_BUSY);
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)mod, (uint32_t)all, &udp_me_port), -E_BUSY);
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)mod, (uint32_t)all, &anyip_arp), -E_BUSY);
    struct net_key padded = h_udp;
    padded.pad1 = 1;
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)mod, (uint32_t)all, &padded), -E_INVAL);
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)mod, (uint32_t)all, (void *)8), -E_FAULT);
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)mod, 99, &h_udp), -E_NOENT);
    long pct = LOAD(x_pct);
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)pct, 0, &h_udp),
             -E_INVAL); /* not a packet program */
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)frame, 0, &h_udp), -E_PERM);
    CHECK_EQ(sys_net_attach((uint32_t)dev, (uint32_t)mod, (uint32_t)all, &h_udp), -E_PERM);
    long weakmod = sys_cap_derive((uint32_t)mod, R_GRANT, CAP_SELF);
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)weakmod, (uint32_t)all, &h_udp), -E_PERM);
    CHECK_EQ(stat(dev), 0);
    CHECK_EQ(st.endpoints, 2);
    CHECK_EQ(st.filters, 6);

    /* Two child envs, each with its own filter on 10.0.0.2. */
    long kid[2];
    uint32_t port[2];
    for (int i = 0; i < 2; i++) {
        kid[i] = exo_spawn("t_net_child", 256);
        CHECK_EQ(kid[i] > 0, 1);
        struct cap_info ci;
        CHECK_EQ(sys_cap_inspect((uint32_t)kid[i], &ci), 0);
        port[i] = 7000 + (ci.object & 0xff);
        CHECK_EQ(sys_cap_derive((uint32_t)dev, R_READ, (uint32_t)kid[i]) > 0, 1);
    }
    CHECK_EQ(port[0] != port[1], 1);
    for (int i = 0; i < 100000 && (stat(dev) < 0 || st.filters < 8); i++)
        sys_yield(-1);
    CHECK_EQ(st.filters, 8);
    /* Now neither child's key can be taken: not even by a key naming its port on any address. */
    struct net_key steal = {0x0800, 17, 0, (uint16_t)port[0], 0, 0};
    CHECK_EQ(sys_net_attach((uint32_t)H.cap, (uint32_t)mod, (uint32_t)all, &steal), -E_BUSY);
    /* 3 frames to the first, 5 to the second, one nobody claims, then the ends. */
    CHECK_EQ(stat(dev), 0);
    uint64_t unclaimed0 = st.rx_unclaimed;
    for (int i = 0; i < 8; i++)
        CHECK_EQ(send1(&P, f, udp(f, ME, 5000, KIDS, port[i < 3 ? 0 : 1], "D", 1)), 0);
    CHECK_EQ(send1(&P, f, udp(f, ME, 5000, KIDS, 6999, "D", 1)), 0);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(send1(&P, f, udp(f, ME, 5000, KIDS, port[i], "E", 1)), 0);
    CHECK_EQ(exo_wait((uint32_t)kid[0], 100000), ENV_STATUS(ENV_STATUS_EXIT, 3));
    CHECK_EQ(exo_wait((uint32_t)kid[1], 100000), ENV_STATUS(ENV_STATUS_EXIT, 5));
    CHECK_EQ(stat(dev), 0);
    CHECK_EQ(st.rx_unclaimed, unclaimed0 + 1);
    CHECK_EQ(sys_cap_delete((uint32_t)kid[0]), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)kid[1]), 0);
    CHECK_EQ(stat(dev), 0);
    CHECK_EQ(st.endpoints, 2); /* theirs went with them */
    CHECK_EQ(st.filters, 6);

    /* A program narrows its key: P's UDP filter refuses payloads starting with 'X'. */
    CHECK_EQ(send1(&P, f, udp(f, ME, 5000, ME, 1234, "hello", 5)), 0);
    uint32_t len;
    const uint8_t *p = recv1(&P, &len);
    CHECK_EQ(p != NULL && len == 47 && memcmp(p + 42, "hello", 5) == 0, 1);
    ep_next(&P);
    CHECK_EQ(send1(&P, f, udp(f, ME, 5000, ME, 1234, "Xhello", 6)), 0);
    CHECK_EQ(stat(dev), 0);
    CHECK_EQ(st.rx_unclaimed, unclaimed0 + 2);
    CHECK_EQ(ep_peek(&P, &len) == NULL, 1);

    /* Transmit: bad descriptors and spoofed sources get clear statuses. */
    uint32_t good = udp(f, ME, 5000, IP(10, 0, 0, 9), 1, "x", 1);
    CHECK_EQ(send1(&P, f, 5), -E_RANGE);    /* a runt */
    CHECK_EQ(send1(&P, f, 2000), -E_RANGE); /* a giant */
    f[6] = 0x66;
    CHECK_EQ(send1(&P, f, good), -E_PERM); /* not the device's MAC */
    f[6] = 0x02;
    CHECK_EQ(send1(&P, f, udp(f, IP(10, 0, 0, 2), 5000, ME, 1, "x", 1)), -E_PERM); /* not our IP */
    CHECK_EQ(send1(&P, f, arp_request(f, ASHIP, ME)), -E_PERM); /* ARP as someone else */
    f[12] = 0x86, f[13] = 0xdd;
    CHECK_EQ(send1(&P, f, 60), -E_PERM); /* IPv6: no key of ours */
    struct net_txdesc *d = &P.r->tx[P.r->tx_head % NET_NTX];
    *d = (struct net_txdesc){(uint32_t)P.bytes - 10, 60, 1};
    P.r->tx_head++;
    CHECK_EQ(sys_net_tx((uint32_t)P.cap), 0);
    CHECK_EQ(d->status, -E_RANGE); /* beyond the block */
    d = &P.r->tx[P.r->tx_head % NET_NTX];
    *d = (struct net_txdesc){0xfffffff0u, 100, 1};
    P.r->tx_head++;
    CHECK_EQ(sys_net_tx((uint32_t)P.cap), 0);
    CHECK_EQ(d->status, -E_RANGE); /* (wrapping offset) */
    uint32_t head = P.r->tx_head;
    P.r->tx_head = head + 1000; /* garbage */
    CHECK_EQ(sys_net_tx((uint32_t)P.cap), -E_INVAL);
    P.r->tx_head = head;
    CHECK_EQ(sys_net_tx((uint32_t)P.cap), 0); /* nothing pending */
    CHECK_EQ(stat(P.cap), 0);
    CHECK_EQ(st.ep_tx_bad, 9);
    CHECK_EQ(sys_net_tx((uint32_t)H.block), -E_PERM);
    CHECK_EQ(sys_net_tx((uint32_t)dev), -E_PERM);

    /* ASH: ARP and ping for 10.0.0.3 answered in the kernel; H never woken. */
    CHECK_EQ(send1(&P, f, arp_request(f, ME, ASHIP)), 0);
    p = recv1(&P, &len);
    CHECK_EQ(p != NULL && len == 42, 1);
    if (p) {
        CHECK_EQ(get16(p + 20), 2);     /* a reply */
        CHECK_EQ(get32(p + 28), ASHIP); /* ... from 10.0.0.3 */
        CHECK_EQ(memcmp(p + 22, lo_mac, 6), 0);
        CHECK_EQ(get32(p + 38), ME);
        ep_next(&P);
    }
    for (uint32_t seq = 1; seq <= 10; seq++) {
        uint32_t l = icmp_echo(f, ME, ASHIP, seq, 56);
        CHECK_EQ(send1(&P, f, l), 0);
        p = recv1(&P, &len);
        CHECK_EQ(p != NULL && len == l, 1);
        if (!p)
            break;
        CHECK_EQ(p[34], 0); /* echo reply */
        CHECK_EQ(get32(p + 26), ASHIP);
        CHECK_EQ(get32(p + 30), ME);
        CHECK_EQ(get16(p + 40), seq);
        CHECK_EQ(csum(p + 34, len - 34), 0); /* its checksum holds */
        CHECK_EQ(csum(p + 14, 20), 0);
        CHECK_EQ(memcmp(p + 42, f + 42, 56), 0);
        ep_next(&P);
    }
    CHECK_EQ(stat(H.cap), 0);
    CHECK_EQ(st.ash_runs, 11);
    CHECK_EQ(st.ash_handled, 11);
    CHECK_EQ(st.ash_sent, 11);
    CHECK_EQ(st.ep_rx, 0);
    CHECK_EQ(st.ep_wakeups, 0);
    CHECK_EQ(H.r->rx_head, 0);
    /* What the ASH does not handle (a timestamp request) reaches H's ring. */
    icmp_echo(f, ME, ASHIP, 1, 8);
    f[34] = 13;
    CHECK_EQ(send1(&P, f, 50), 0);
    CHECK_EQ(stat(H.cap), 0);
    CHECK_EQ(st.ash_runs, 12);
    CHECK_EQ(st.ash_handled, 11);
    CHECK_EQ(st.ep_rx, 1);

    /* The device's holder sees every filter, the ASH, and what they claimed. */
    static struct net_filter_info fi[144];
    CHECK_EQ(sys_net_filters((uint32_t)dev, fi, 144), 7);
    CHECK_EQ(sys_net_filters((uint32_t)dev, NULL, 0), 7);
    CHECK_EQ(sys_net_filters((uint32_t)dev, fi, 145), -E_INVAL);
    CHECK_EQ(sys_net_filters((uint32_t)dev, (struct net_filter_info *)8, 10), -E_FAULT);
    CHECK_EQ(sys_net_filters((uint32_t)rodev, fi, 10), -E_PERM);
    CHECK_EQ(sys_net_filters((uint32_t)P.cap, fi, 10), -E_PERM);
    int seen = 0;
    for (int i = 0; i < 7; i++) {
        CHECK_EQ(fi[i].env_id, exo_info->id);
        uint64_t want = ~0UL;
        if (fi[i].filter == 8) /* H's ASH: the ARP request and 10 pings */
            want = 11;
        else if (fi[i].key.proto == 1 && fi[i].key.dst_ip == ASHIP) /* + the timestamp request */
            want = 11;
        else if (fi[i].key.ethertype == 0x0806 && fi[i].key.dst_ip == ME) /* the ARP reply */
            want = 1;
        if (want != ~0UL) {
            seen++;
            CHECK_EQ(fi[i].hits, want);
        }
    }
    CHECK_EQ(seen, 3);

    /* H never drains: a flood fills its ring (2 slots) and the rest is
     * dropped, counted against H only; P still gets its answers. */
    for (int i = 0; i < 20; i++)
        CHECK_EQ(send1(&P, f, udp(f, ME, 5000, KIDS, 9999, "flood", 5)), 0);
    CHECK_EQ(stat(H.cap), 0);
    CHECK_EQ(st.ep_rx, 2);
    CHECK_EQ(st.ep_rx_full, 19);
    CHECK_EQ(stat(P.cap), 0);
    CHECK_EQ(st.ep_rx_full, 0);
    CHECK_EQ(send1(&P, f, icmp_echo(f, ME, ASHIP, 77, 56)), 0);
    p = recv1(&P, &len);
    CHECK_EQ(p != NULL && get16(p + 40) == 77, 1);
    ep_next(&P);
    /* Garbage consumer index: counted, not followed. */
    H.r->rx_tail = H.r->rx_head + 100;
    CHECK_EQ(send1(&P, f, udp(f, ME, 5000, KIDS, 9999, "x", 1)), 0);
    CHECK_EQ(stat(H.cap), 0);
    CHECK_EQ(st.ep_rx_bad, 1);

    /* The default endpoint takes what nobody claims. */
    CHECK_EQ(sys_net_ctl((uint32_t)dev, NETCTL_DEFAULT, (uint32_t)frame), -E_PERM);
    CHECK_EQ(sys_net_ctl((uint32_t)dev, NETCTL_DEFAULT, (uint32_t)P.cap), 0);
    CHECK_EQ(send1(&P, f, udp(f, ME, 5000, IP(10, 0, 0, 8), 1, "dflt", 4)), 0);
    p = recv1(&P, &len);
    CHECK_EQ(p != NULL && memcmp(p + 42, "dflt", 4) == 0, 1);
    ep_next(&P);
    CHECK_EQ(stat(dev), 0);
    CHECK_EQ(st.rx_default, 1);
    CHECK_EQ(sys_net_ctl((uint32_t)dev, NETCTL_DEFAULT, 0), 0);

    /* Deleting a module's capability detaches the filters attached from it. */
    long mod2 = LOAD(x_net);
    long all2 = exo_ext_find((uint32_t)mod2, "filter/packet/all");
    struct net_key k4242 = {0x0800, 17, 0, 4242, 0, KIDS};
    CHECK_EQ(sys_net_attach((uint32_t)P.cap, (uint32_t)mod2, (uint32_t)all2, &k4242), 3);
    CHECK_EQ(send1(&P, f, udp(f, ME, 5000, KIDS, 4242, "m2", 2)), 0);
    p = recv1(&P, &len);
    CHECK_EQ(p != NULL && memcmp(p + 42, "m2", 2) == 0, 1);
    ep_next(&P);
    CHECK_EQ(stat(dev), 0);
    CHECK_EQ(st.filters, 7);
    uint64_t unclaimed1 = st.rx_unclaimed;
    CHECK_EQ(sys_cap_delete((uint32_t)mod2), 0);
    CHECK_EQ(stat(dev), 0);
    CHECK_EQ(st.filters, 6);
    CHECK_EQ(send1(&P, f, udp(f, ME, 5000, KIDS, 4242, "m2", 2)), 0);
    CHECK_EQ(stat(dev), 0);
    CHECK_EQ(st.rx_unclaimed, unclaimed1 + 1);

    /* P was woken through its channel for what it received. */
    CHECK_EQ(stat(P.cap), 0);
    CHECK_EQ(st.ep_wakeups, st.ep_rx);
    CHECK_EQ(st.ep_rx >= 14, 1);

    /* A ring block deleted under an endpoint: it stops, nothing else does. */
    CHECK_EQ(sys_cap_delete((uint32_t)H.block), 0);
    CHECK_EQ(sys_net_tx((uint32_t)H.cap), -E_NOENT);
    CHECK_EQ(send1(&P, f, icmp_echo(f, ME, ASHIP, 5, 56)), 0); /* H's ASH no longer answers */
    CHECK_EQ(stat(H.cap), 0);
    CHECK_EQ(st.ep_rx_bad, 2);
    CHECK_EQ(ep_peek(&P, &len) == NULL, 1);

    /* Deleting the device's original stops every endpoint made through it. */
    CHECK_EQ(sys_cap_delete((uint32_t)dev), 0);
    CHECK_EQ(sys_net_tx((uint32_t)P.cap), -E_NOENT);
    long dev2 = sys_net_open(NETIF_LO);
    CHECK_EQ(dev2 > 0, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)dev2), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)P.cap), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)H.cap), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)mod), 0);
    printf("t_net: %d failures\n", check_failures);
    return check_failures;
}
