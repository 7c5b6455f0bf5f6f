/* The virtio-net driver: the network card as net.c's device NETIF_NET0,
 * on the shared virtio 1.x PCI transport (virtio.c).
 *
 * Receive: NRX buffers of 2 KiB (the 12-byte virtio-net header, then the
 * frame) stay posted on queue 0; its interrupt takes each filled buffer,
 * hands the frame to net_rx (which demultiplexes it and copies it into the
 * claiming endpoint's ring: the one copy after the device's DMA), and posts
 * the buffer again. Transmit: net.c has already copied and checked the
 * frame; xmit copies it behind a zeroed header into one of NTX buffers and
 * posts it on queue 1, first taking back the buffers the device has sent
 * (so no transmit interrupt is needed). No offloads are negotiated: the
 * frames are plain Ethernet both ways.
 *
 * Locking: nic_tx_buf and nic_tx_commit run under net_lock (net.c), and
 * are the only users of the transmit queue; the receive queue is used by the interrupt handler only
 * (and by init before the device runs). Kernel code runs with interrupts
 * off, so the handler never interleaves with either on this CPU. */
#include "../kernel.h"
#include "../pmem.h"
#include "../net.h"
#include "virtio.h"
#include "virtio_net.h"

#define VIRTIO_NET_F_MAC (1UL << 5)
#define NET_HDR          12 /* struct virtio_net_hdr with num_buffers (virtio 1.x) */
#define NRX              64
#define NTX              64
#define BUF              2048

static struct {
    bool present;
    struct virtio_dev vd;
    struct virtq rxq, txq;
    paddr_t rx_buf[NRX], tx_buf[NTX]; /* physical; two buffers per frame */
    u16 tx_id[NTX];                   /* the chain head each busy tx buffer went out as */
    bool tx_busy[NTX];
    u32 tx_next; /* the buffer nic_tx_buf gave out */
    u64 interrupts, rx_errors, tx_full;
    struct netdev nd;
} nic;

/* Which receive buffer a chain head stands for: each was posted alone, and
 * the transport hands heads out in order at first, so keep a map. */
static u16 rx_of_head[VIRTQ_MAX_SIZE];

static void rx_intr(void *arg)
{
    (void)arg;
    nic.interrupts++;
    u32 head, len;
    bool posted = false;
    while (virtq_pop(&nic.rxq, &head, &len)) {
        if (head >= VIRTQ_MAX_SIZE) {
            nic.rx_errors++;
            continue;
        }
        u32 i = rx_of_head[head];
        if (len < NET_HDR || len > BUF)
            nic.rx_errors++;
        else
            net_rx(&nic.nd, (const u8 *)P2V(nic.rx_buf[i]) + NET_HDR, len - NET_HDR);
        struct virtq_buf b = {nic.rx_buf[i], BUF, true};
        int h = virtq_add(&nic.rxq, &b, 1);
        if (h >= 0) {
            rx_of_head[h] = (u16)i;
            posted = true;
        }
    }
    if (posted)
        virtq_kick(&nic.rxq);
}

static void tx_intr(void *arg)
{
    (void)arg; /* (sent buffers are taken back by the next xmit) */
}

/* The next free transmit buffer (after taking back what the device has
 * sent), its header zeroed; NULL if all are in flight. */
static u8 *nic_tx_buf(struct netdev *nd)
{
    (void)nd;
    u32 head, used;
    while (virtq_pop(&nic.txq, &head, &used))
        for (u32 i = 0; i < NTX; i++)
            if (nic.tx_busy[i] && nic.tx_id[i] == head)
                nic.tx_busy[i] = false;
    u32 i = 0;
    while (i < NTX && nic.tx_busy[i])
        i++;
    if (i == NTX) {
        nic.tx_full++;
        return NULL;
    }
    nic.tx_next = i;
    u8 *b = P2V(nic.tx_buf[i]);
    memset(b, 0, NET_HDR);
    return b + NET_HDR;
}

static void nic_tx_commit(struct netdev *nd, u32 len)
{
    (void)nd;
    u32 i = nic.tx_next;
    struct virtq_buf vb = {nic.tx_buf[i], NET_HDR + len, false};
    int h = virtq_add(&nic.txq, &vb, 1);
    if (h < 0) { /* (cannot happen: as many descriptors as buffers) */
        nic.tx_full++;
        return;
    }
    nic.tx_id[i] = (u16)h;
    nic.tx_busy[i] = true;
    virtq_kick(&nic.txq);
}

void virtio_net_init(void)
{
    struct pci_dev *p = NULL;
    for (u32 n = 0; (p = pci_find(VIRTIO_VENDOR, VIRTIO_DEV_MODERN + VIRTIO_TYPE_NET, n)); n++)
        if (pci_claim(p))
            break;
    if (!p) {
        kprintf("net: no virtio-net device\n");
        return;
    }
    int r = virtio_pci_init(&nic.vd, p);
    if (r == 0)
        r = virtio_negotiate(&nic.vd, VIRTIO_NET_F_MAC);
    if (r == 0)
        r = virtq_init(&nic.vd, &nic.rxq, 0, NRX, 0, rx_intr, NULL);
    if (r == 0)
        r = virtq_init(&nic.vd, &nic.txq, 1, NTX, 1, tx_intr, NULL);
    for (u32 i = 0; r == 0 && i < NRX + NTX; i += 2) {
        paddr_t pa = frame_alloc();
        if (!pa) {
            r = -E_NOMEM;
            break;
        }
        paddr_t *to = i < NRX ? &nic.rx_buf[i] : &nic.tx_buf[i - NRX];
        to[0] = pa;
        to[1] = pa + BUF;
    }
    for (u32 i = 0; r == 0 && i < NRX; i++) {
        struct virtq_buf b = {nic.rx_buf[i], BUF, true};
        int h = virtq_add(&nic.rxq, &b, 1);
        if (h < 0)
            r = h;
        else
            rx_of_head[h] = (u16)i;
    }
    if (r < 0) {
        kprintf("net: virtio-net at %02x:%02x.%x: cannot start it (%d)\n", p->bus, p->dev, p->fn,
                r);
        return;
    }
    nic.nd.name = "net0";
    nic.nd.ifindex = NETIF_NET0;
    nic.nd.tx_buf = nic_tx_buf;
    nic.nd.tx_commit = nic_tx_commit;
    for (u32 i = 0; i < 6; i++)
        nic.nd.mac[i] = nic.vd.features & VIRTIO_NET_F_MAC ? virtio_cfg_read8(&nic.vd, i) : 0;
    if (!(nic.vd.features & VIRTIO_NET_F_MAC))
        nic.nd.mac[0] = 0x02, nic.nd.mac[5] = 0x42; /* a locally administered one */
    virtio_ready(&nic.vd);
    virtq_kick(&nic.rxq);
    nic.present = true;
    net_register(&nic.nd);
}
