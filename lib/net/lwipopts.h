/* lwIP's configuration for Spinel's library OS (lib/net): NO_SYS mode,
 * driven by the env's own event loop (lnet_poll); IPv4 with ARP, ICMP,
 * UDP and TCP (window scaling on), DHCP or static addresses; no threads, no
 * lwIP socket layer (lib/net/sock.c is ours). */
#ifndef LIB_NET_LWIPOPTS_H
#define LIB_NET_LWIPOPTS_H

#define NO_SYS                        1
#define SYS_LIGHTWEIGHT_PROT          0
#define LWIP_SOCKET                   0
#define LWIP_NETCONN                  0
#define LWIP_IPV4                     1
#define LWIP_IPV6                     0
#define LWIP_ARP                      1
#define LWIP_ETHERNET                 1
#define LWIP_ICMP                     1
#define LWIP_UDP                      1
#define LWIP_TCP                      1
#define LWIP_RAW                      0
/* DHCP (lnet_conf.dhcp): no ARP check of the offered address, since an
 * endpoint may send ARP only from an address it holds (kernel/net.c). */
#define LWIP_DHCP                     1
#define DHCP_DOES_ARP_CHECK           0
#define LWIP_AUTOIP                   0
#define LWIP_IGMP                     0
#define LWIP_DNS                      0
#define LWIP_STATS                    0
#define LWIP_NETIF_STATUS_CALLBACK    0
#define LWIP_SINGLE_NETIF             0
/* Frames to the interface's own address, and 127.0.0.1, loop back inside
 * lwIP (netif_poll_all in lnet_poll): netd's processes reach each other. */
#define LWIP_NETIF_LOOPBACK           1
#define LWIP_HAVE_LOOPIF              1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0

/* Memory: lwIP's own heap and pools, in the env's data. */
#define MEM_ALIGNMENT           8
#define MEM_SIZE                (2 * 1024 * 1024)
#define MEMP_NUM_PBUF           256
#define MEMP_NUM_TCP_PCB        64
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_TCP_SEG        1024
#define MEMP_NUM_UDP_PCB        8
#define PBUF_POOL_SIZE          512
#define PBUF_POOL_BUFSIZE       1536

/* TCP: full-size segments, a 256 KiB window (scaled), big send buffers. */
#define TCP_MSS            1460
#define LWIP_WND_SCALE     1
#define TCP_RCV_SCALE      3
#define TCP_WND            (180 * TCP_MSS)
#define TCP_SND_BUF        (64 * TCP_MSS)
#define TCP_SND_QUEUELEN   (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_OVERSIZE       TCP_MSS
#define LWIP_TCP_KEEPALIVE 0
#define SO_REUSE           1
#define TCP_LISTEN_BACKLOG 1

#define LWIP_CHECKSUM_ON_COPY 1
/* Every checksum goes through lib/net's (csum.c): data a server registered
 * (httpd's file cache) is summed from precomputed prefix sums, so TCP's
 * checksum of a segment cut from a cached file costs a few dozen bytes of
 * summing, not the segment's length (and lwIP sums data given by
 * reference once, in tcp_write, keeping the sum with the segment for
 * retransmissions). */
unsigned short lnet_chksum(const void *dataptr, int len);
#define LWIP_CHKSUM lnet_chksum

#endif
