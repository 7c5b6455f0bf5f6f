/* lib/net: the library OS's TCP/IP, lwIP (Debian's source, built at build
 * time) over an endpoint of the kernel's network (kernel/net.c), in NO_SYS
 * mode: the env's own loop calls lnet_poll, which takes the frames in the
 * endpoint's ring (mapped here: no kernel call per frame), runs lwIP's
 * timers and sends what lwIP queued in one sys_net_tx per batch. */
#ifndef LIB_NET_LNET_H
#define LIB_NET_LNET_H

#include <stdint.h>

#define LNET_IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct lnet_conf {
    uint32_t dev;          /* a network device capability (R_READ | R_WRITE) */
    uint32_t ip, mask, gw; /* host byte order */
    uint64_t ring_va;      /* where the endpoint's ring (1 MiB) is mapped */
    int ash;               /* nonzero: an ASH answers ARP requests and pings in the kernel */
    int dhcp;              /* nonzero: ask DHCP first; ip, mask, gw if no lease comes ... */
    uint32_t dhcp_ms;      /* ... within this many milliseconds (0: 3000) */
};

/* Brings the interface up: endpoint, filters (ARP and IPv4 to the
 * address), lwIP. With dhcp, lwIP's DHCP client asks for an address first
 * (its frames go out from 0.0.0.0 and the answers come to 255.255.255.255,
 * UDP port 68: a filter key on that; kernel/net.c lets such a key's holder
 * send from 0.0.0.0), and the static address is the fallback.
 * 0, or a negative error of the kernel call that failed. */
long lnet_init(const struct lnet_conf *c);
/* The address the interface has (host byte order), and whether it came
 * from a DHCP lease (then also the server's address, else 0). */
uint32_t lnet_addr(uint32_t *mask, uint32_t *gw);
uint32_t lnet_dhcp_server(void);
/* Receives what the ring holds, runs lwIP's timers, sends what is queued.
 * Returns the number of frames received. */
int lnet_poll(void);
/* Sleeps until a frame arrives or `us` microseconds pass (lnet_poll's partner). */
void lnet_wait(uint64_t us);
/* The endpoint's capability (for sys_net_stat), and lwIP's milliseconds. */
uint32_t lnet_endpoint(void);
uint32_t sys_now(void);

#endif
