/* The network (net.c): devices, endpoints, packet filters and handlers. */
#ifndef KERNEL_NET_H
#define KERNEL_NET_H

#include "types.h"
#include <spinel/net.h>

/* A network device as drivers present it. */
struct netdev {
    const char *name;
    u32 ifindex; /* enum net_ifindex */
    u8 mac[6];
    /* Sending takes two steps, so that a frame is copied once: tx_buf gives
     * the place (NET_FRAME_MAX bytes) where the next frame's bytes go, or
     * NULL if the device is full; net.c copies the frame there, checks it
     * there (where its sender cannot change it), then either calls
     * tx_commit with its length, which sends it, or does not (the next
     * tx_buf gives the same place). */
    u8 *(*tx_buf)(struct netdev *nd);
    void (*tx_commit)(struct netdev *nd, u32 len);
};

void net_init(void);
/* A driver found its device: frames may flow. */
void net_register(struct netdev *nd);
/* The receive entry point: a driver hands over one frame (its buffer is
 * free again when this returns). Takes net_lock. */
void net_rx(struct netdev *nd, const u8 *frame, u32 len);
/* The ash_send helper: the running ASH sends len bytes of its reply buffer. */
int net_ash_send(void *ctx, u64 len);
/* The capability of extension module `module` (ext.c's index) went away:
 * the filters and handlers attached from it are detached. */
void net_module_gone(u32 module);
/* sys_stat (stat.c): the filters and ASHs attached from module `module`,
 * and the frames they claimed (the ASHs: consumed). */
void net_module_stat(u32 module, u32 *filters, u64 *packets);
/* An original CAP_NET capability went away (cap.c). */
void net_release(u64 object);
/* Kernel unit tests (ktest.c). */
bool net_selftest(char *why, size_t whylen);

#endif
