/* The network interface between the kernel and library OSes (kernel/net.c):
 * devices, endpoints with their shared rings, filter keys, statistics. */
#ifndef SPINEL_NET_H
#define SPINEL_NET_H

#include <stdint.h>

/* Network devices, by interface index (sys_net_open). */
enum net_ifindex {
    NETIF_LO = 0,   /* the kernel's loopback: what one endpoint sends, the filters receive */
    NETIF_NET0 = 1, /* the first network card (virtio-net), if the machine has one */
    NETIF_COUNT = 2,
};

#define NET_FRAME_MIN 14   /* an Ethernet header: anything shorter is a runt */
#define NET_FRAME_MAX 1514 /* header + 1500 bytes of payload (no FCS, no VLAN tag) */
#define NET_SLOT_SIZE 2048 /* a receive slot of the ring */
#define NET_NTX       64   /* transmit descriptors of a ring */

/* The declared key of a packet filter (sys_net_attach). A field that is 0
 * matches anything; the others must equal what the kernel reads in the
 * frame: the Ethernet type; for IPv4, the protocol, the destination address
 * and, for TCP and UDP (unfragmented), the destination port; for ARP the
 * target protocol address is the "destination address". Numbers are in host
 * byte order. Filters of different endpoints must have disjoint keys
 * (some non-wildcard field differs): the kernel refuses one that overlaps
 * another endpoint's, so no filter can claim another env's frames. */
struct net_key {
    uint16_t ethertype;
    uint8_t proto;
    uint8_t pad0; /* must be 0 */
    uint16_t dport;
    uint16_t pad1; /* must be 0 */
    uint32_t dst_ip;
};

struct net_rxdesc {
    uint32_t len; /* frame length in its slot */
    uint32_t pad;
};

struct net_txdesc {
    uint32_t off;   /* written by the env: the frame's offset in the ring block */
    uint16_t len;   /* ... and its length */
    int16_t status; /* written by the kernel: 0 sent, or -E_x why not */
};

/* The first page of an endpoint's ring block (an order-k block of frames,
 * k >= 1, mapped writable by its env). Receive slot i is at byte
 * PAGE_SIZE + i * NET_SLOT_SIZE of the block, for i < nrx = 2^(k-1) (the
 * first half of the rest); transmit frames may lie anywhere in the block.
 * Indices run freely (mod 2^32); a ring position is index % size.
 *   rx: the kernel fills rx[rx_head % nrx] and advances rx_head; the env
 *       consumes and advances rx_tail. A full ring drops (counted).
 *   tx: the env fills tx[tx_head % NET_NTX] and advances tx_head, then calls
 *       sys_net_tx; the kernel sends, writes each status, advances tx_tail.
 * The kernel never trusts rx_tail or tx_head: indices further apart than the
 * ring's size are garbage (counted, and sys_net_tx refuses them). */
struct net_ring {
    volatile uint32_t rx_head, rx_tail;
    volatile uint32_t tx_head, tx_tail;
    uint32_t nrx;   /* set by the kernel */
    uint32_t ntx;   /* NET_NTX */
    uint8_t mac[6]; /* the device's address: every frame sent must come from it */
    uint16_t pad;
    uint32_t pad2;
    struct net_txdesc tx[NET_NTX];
    struct net_rxdesc rx[]; /* nrx of them */
};
#define NET_RING_ORDER_MAX 9 /* 2 MiB: 256 receive slots */

/* sys_net_stat: the device's counters, and the endpoint's if a ring was named. */
struct net_stats {
    /* device */
    uint64_t rx_frames;    /* frames the device received */
    uint64_t rx_runt;      /* dropped: shorter than NET_FRAME_MIN */
    uint64_t rx_oversize;  /* dropped: longer than NET_FRAME_MAX */
    uint64_t rx_malformed; /* dropped: IPv4/ARP header truncated or inconsistent */
    uint64_t rx_unclaimed; /* dropped: no filter claimed it and no default endpoint */
    uint64_t rx_default;   /* given to the default endpoint */
    uint64_t tx_frames;    /* frames the device sent */
    uint64_t lo_dropped;   /* loopback only: dropped by its bound on frames per call */
    uint32_t endpoints, filters;
    /* endpoint */
    uint64_t ep_rx;       /* frames put in its ring */
    uint64_t ep_rx_full;  /* dropped: its ring was full */
    uint64_t ep_rx_bad;   /* dropped: its ring's indices were garbage or its block gone */
    uint64_t ep_wakeups;  /* notifications rung */
    uint64_t ash_runs;    /* its ASH ran */
    uint64_t ash_handled; /* ... and consumed the frame (not queued, env not woken) */
    uint64_t ash_sent;    /* frames its ASH sent */
    uint64_t ash_tsc;     /* TSC ticks from the arrival of the frames its ASH consumed to
                             their answer queued on the device (guest instructions under
                             QEMU's -icount shift=0: make bench) */
    uint64_t ep_tx;       /* frames it sent */
    uint64_t ep_tx_bad;   /* descriptors refused (bad offset or length, not its address) */
};

/* sys_net_filters: one entry per filter (and handler) on a device. */
struct net_filter_info {
    uint32_t env_id;   /* the env whose endpoint it is */
    uint16_t endpoint; /* the endpoint's number (the same for all its filters) */
    uint8_t filter;    /* its index in the endpoint; 8 for the endpoint's ASH */
    uint8_t pad;
    struct net_key key; /* its declared key (zero for the ASH) */
    uint64_t hits;      /* frames it claimed (the ASH: frames it consumed) */
};

/* sys_net_ctl operations (on the device capability). */
#define NETCTL_DEFAULT 1 /* arg: an endpoint capability for unclaimed frames, or 0 for none */
#define NETCTL_MAC     2 /* returns the device's MAC address (48 bits) */

#endif
