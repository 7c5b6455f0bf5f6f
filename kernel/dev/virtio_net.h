/* The virtio-net driver (virtio_net.c): the network card, NETIF_NET0. */
#ifndef KERNEL_DEV_VIRTIO_NET_H
#define KERNEL_DEV_VIRTIO_NET_H

/* Finds a modern virtio-net device, starts it and registers it with net.c. */
void virtio_net_init(void);

#endif
