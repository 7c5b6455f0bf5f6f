/* lib/net's port of lwIP: the network interface over the endpoint's ring,
 * the clock, and the loop's two calls (lnet_poll, lnet_wait). */
#include "lnet.h"
#include "../exo/exo.h"
#include <string.h>
#include <stdlib.h>
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/etharp.h"
#include "lwip/dhcp.h"
#include "lwip/prot/dhcp.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define RING_ORDER 8            /* 1 MiB: 128 receive slots, then the transmit area */
#define TX_BASE    (512 * 1024) /* NET_NTX transmit buffers of 2 KiB from here */
#define NOTIFY_BIT (1UL << 40)  /* the event a frame's arrival rings */
#define TX_BATCH   32           /* frames queued before a sys_net_tx */

extern const char lnet_filter_obj[], lnet_filter_obj_end[];

static struct {
    struct netif nif;
    struct net_ring *r;
    uint32_t ep, block, notify, module;
    uint32_t dhcp_module; /* the programs whose filter takes DHCP's answers (0: none) */
    uint32_t dhcp_server; /* the server that gave the lease (0: a static address) */
    uint32_t pending;     /* frames posted since the last sys_net_tx */
} L;

void lnet_assert(const char *msg, const char *file, int line)
{
    printf("lwip: assertion \"%s\" failed at %s:%d\n", msg, file, line);
    sys_exit(120);
}

unsigned int lnet_rand(void)
{
    static uint64_t s = 0x9e3779b97f4a7c15UL;
    s ^= __builtin_ia32_rdtsc();
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return (unsigned int)s;
}

void *lnet_memmove(void *d, const void *s, size_t n)
{
    char *dp = d;
    const char *sp = s;
    if (dp < sp)
        for (size_t i = 0; i < n; i++)
            dp[i] = sp[i];
    else
        for (size_t i = n; i-- > 0;)
            dp[i] = sp[i];
    return d;
}

int lnet_atoi(const char *s)
{
    int v = 0, neg = *s == '-';
    s += neg || *s == '+';
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return neg ? -v : v;
}

uint32_t sys_now(void)
{
    return (uint32_t)(__builtin_ia32_rdtsc() / exo_info->tsc_per_ms);
}

uint32_t lnet_endpoint(void)
{
    return L.ep;
}

/* Sends what is posted: also what the device could not take last time
 * (sys_net_tx leaves it posted), so the ring never stays full. */
static void flush(void)
{
    if (L.r->tx_head != L.r->tx_tail) {
        sys_net_tx(L.ep);
        L.pending = 0;
    }
}

/* lwIP's link output: one frame into the next transmit buffer. */
static err_t linkoutput(struct netif *n, struct pbuf *p)
{
    (void)n;
    if (p->tot_len > NET_FRAME_MAX)
        return ERR_BUF;
    if (L.r->tx_head - L.r->tx_tail >= NET_NTX)
        flush();
    if (L.r->tx_head - L.r->tx_tail >= NET_NTX)
        return ERR_MEM; /* the device is full */
    uint32_t i = L.r->tx_head % NET_NTX, off = TX_BASE + i * 2048;
    pbuf_copy_partial(p, (char *)L.r + off, p->tot_len, 0);
    L.r->tx[i].off = off;
    L.r->tx[i].len = p->tot_len;
    L.r->tx[i].status = 1;
    L.r->tx_head++;
    if (++L.pending >= TX_BATCH)
        flush();
    return ERR_OK;
}

static err_t netif_setup(struct netif *n)
{
    n->name[0] = 's', n->name[1] = 'n';
    n->output = etharp_output;
    n->linkoutput = linkoutput;
    n->mtu = 1500;
    n->hwaddr_len = 6;
    memcpy(n->hwaddr, L.r->mac, 6);
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    return ERR_OK;
}

/* Loads lib/net's packet programs, with this interface's addresses written
 * into the ASH's configuration. */
static long load_programs(uint32_t ip)
{
    uint64_t size = (uint64_t)(lnet_filter_obj_end - lnet_filter_obj);
    char *obj = malloc(size);
    if (!obj)
        return -E_NOMEM;
    memcpy(obj, lnet_filter_obj, size);
    for (uint64_t i = 0; i + 18 <= size; i++) {
        if (memcmp(obj + i, "LNETCFG", 8) == 0) {
            memcpy(obj + i + 8, L.r->mac, 6);
            for (int k = 0; k < 4; k++)
                obj[i + 14 + k] = (char)(ip >> (24 - 8 * k));
            break;
        }
    }
    static struct ext_verdict v;
    long m = sys_ext_load(obj, size, &v, NULL, 0);
    if (m < 0)
        printf("lnet: packet programs refused: %s (%s, insn %u)\n", v.reason, v.section, v.insn);
    free(obj);
    return m;
}

/* The interface's keys on its address (ARP, IPv4) and the ASH, from a
 * module loaded with that address. */
static long attach_address(const struct lnet_conf *c, uint32_t ip)
{
    long r;
    if ((r = load_programs(ip)) < 0)
        return r;
    L.module = (uint32_t)r;
    long filt = exo_ext_find(L.module, "filter/packet/lnet");
    long ash = exo_ext_find(L.module, "ash/packet/lnet");
    if (filt < 0 || ash < 0)
        return -E_NOENT;
    struct net_key arp = {0x0806, 0, 0, 0, 0, ip}, ip4 = {0x0800, 0, 0, 0, 0, ip};
    if ((r = sys_net_attach(L.ep, L.module, (uint32_t)filt, &arp)) < 0 ||
        (r = sys_net_attach(L.ep, L.module, (uint32_t)filt, &ip4)) < 0)
        return r;
    if (c->ash && (r = sys_net_attach(L.ep, L.module, (uint32_t)ash, NULL)) < 0)
        return r;
    return 0;
}

/* DHCP: the key for its answers (UDP to 255.255.255.255, port 68), then
 * lwIP's client until it is bound or ms pass. True if a lease came. */
static bool dhcp_lease(uint32_t ms)
{
    long m = load_programs(0);
    if (m < 0)
        return false;
    L.dhcp_module = (uint32_t)m;
    long filt = exo_ext_find(L.dhcp_module, "filter/packet/lnet");
    struct net_key k68 = {0x0800, 17, 0, 68, 0, 0xffffffffu};
    if (filt < 0 || sys_net_attach(L.ep, L.dhcp_module, (uint32_t)filt, &k68) < 0) {
        printf("lnet: DHCP's port is taken\n");
        return false;
    }
    if (dhcp_start(&L.nif) != ERR_OK)
        return false;
    uint32_t end = sys_now() + (ms ? ms : 3000);
    while (!dhcp_supplied_address(&L.nif) && (int32_t)(end - sys_now()) > 0) {
        lnet_poll();
        lnet_wait(20000);
    }
    if (dhcp_supplied_address(&L.nif)) {
        L.dhcp_server = lwip_ntohl(ip4_addr_get_u32(&netif_dhcp_data(&L.nif)->server_ip_addr));
        return true;
    }
    dhcp_stop(&L.nif);
    return false;
}

long lnet_init(const struct lnet_conf *c)
{
    long r = sys_frame_alloc_in(CAP_SELF, -1, RING_ORDER);
    if (r < 0)
        return r;
    L.block = (uint32_t)r;
    if ((r = exo_map(CAP_SELF, L.block, c->ring_va, MMU_W)) < 0)
        return r;
    L.r = (struct net_ring *)c->ring_va;
    if ((r = sys_notify_create()) < 0)
        return r;
    L.notify = (uint32_t)r;
    if ((r = sys_notify_bind(L.notify, 0, NOTIFY_BIT)) < 0)
        return r;
    if ((r = sys_net_endpoint(c->dev, L.block, L.notify, 0)) < 0)
        return r;
    L.ep = (uint32_t)r;
    lwip_init();
    ip4_addr_t ip, mask, gw;
    ip4_addr_set_u32(&ip, lwip_htonl(c->ip));
    ip4_addr_set_u32(&mask, lwip_htonl(c->mask));
    ip4_addr_set_u32(&gw, lwip_htonl(c->gw));
    if (!netif_add(&L.nif, c->dhcp ? IP4_ADDR_ANY4 : &ip, c->dhcp ? IP4_ADDR_ANY4 : &mask,
                   c->dhcp ? IP4_ADDR_ANY4 : &gw, NULL, netif_setup, ethernet_input))
        return -E_INVAL;
    netif_set_default(&L.nif);
    netif_set_up(&L.nif);
    netif_set_link_up(&L.nif);
    if (c->dhcp && !dhcp_lease(c->dhcp_ms))
        netif_set_addr(&L.nif, &ip, &mask, &gw); /* no lease: the static address */
    return attach_address(c, lnet_addr(NULL, NULL));
}

uint32_t lnet_addr(uint32_t *mask, uint32_t *gw)
{
    if (mask)
        *mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(&L.nif)));
    if (gw)
        *gw = lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(&L.nif)));
    return lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&L.nif)));
}

uint32_t lnet_dhcp_server(void)
{
    return L.dhcp_server;
}

int lnet_poll(void)
{
    int n = 0;
    struct net_ring *r = L.r;
    while (r->rx_tail != r->rx_head) {
        uint32_t i = r->rx_tail % r->nrx, len = r->rx[i].len;
        const char *f = (const char *)r + 4096 + i * NET_SLOT_SIZE;
        struct pbuf *p = len <= NET_FRAME_MAX ? pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL) : NULL;
        if (p) {
            pbuf_take(p, f, (u16_t)len);
            if (L.nif.input(p, &L.nif) != ERR_OK)
                pbuf_free(p);
        }
        r->rx_tail++;
        n++;
        if ((n & 15) == 0)
            flush(); /* answers go out while more arrive */
    }
    /* What lwIP looped back to itself (frames to its own address), until
     * none is left: each answer (an ACK, the next segment) is looped back
     * in turn, so a local connection moves without waiting for a frame. */
    for (int k = 0; k < 64; k++) {
        bool more = false;
        for (struct netif *n = netif_list; n; n = n->next)
            more |= n->loop_first != NULL;
        if (!more)
            break;
        netif_poll_all();
    }
    sys_check_timeouts();
    flush();
    return n;
}

void lnet_wait(uint64_t us)
{
    if (L.r->rx_tail == L.r->rx_head)
        sys_block(us);
}
