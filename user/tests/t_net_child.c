/* Helper for t_net (not in the manifest): a child env that receives UDP on
 * 10.0.0.2 port 7000 + (its env id & 0xff), through its own endpoint and
 * filter on the device capability its parent put in its table. It counts
 * the data frames ('D') until an end frame ('E'), checking that every frame
 * it gets is its own, and exits with that count (99 if a frame was not). */
#include "net.h"

extern const char ext_obj_x_net[], ext_obj_x_net_end[];

int main(void)
{
    struct cap_info ci;
    uint32_t dev = 0;
    for (int tries = 0; !dev && tries < 100000; tries++) {
        for (uint32_t s = 1; s < 64 && !dev; s++)
            if (sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_NET)
                dev = s;
        if (!dev)
            sys_yield(-1);
    }
    if (!dev)
        sys_exit(90);
    long n = sys_notify_create();
    if (n < 0 || sys_notify_bind((uint32_t)n, 0, 1) < 0)
        sys_exit(91);
    struct ep ep;
    if (ep_make(&ep, dev, 4, 0x0000600000000000UL, (uint32_t)n, 0) < 0)
        sys_exit(92);
    long mod =
        sys_ext_load(ext_obj_x_net, (uint64_t)(ext_obj_x_net_end - ext_obj_x_net), NULL, NULL, 0);
    long all = mod > 0 ? exo_ext_find((uint32_t)mod, "filter/packet/all") : -1;
    uint32_t port = 7000 + (exo_info->id & 0xff);
    struct net_key key = {0x0800, 17, 0, (uint16_t)port, 0, IP(10, 0, 0, 2)};
    if (all < 0 || sys_net_attach((uint32_t)ep.cap, (uint32_t)mod, (uint32_t)all, &key) != 0)
        sys_exit(93);
    int count = 0, foreign = 0;
    for (;;) {
        uint32_t len;
        const uint8_t *f;
        while ((f = ep_peek(&ep, &len))) {
            if (len < 43 || get16(f + 12) != 0x0800 || f[23] != 17 || get16(f + 36) != port ||
                get32(f + 30) != IP(10, 0, 0, 2))
                foreign++;
            else if (f[42] == 'D')
                count++;
            else if (f[42] == 'E')
                sys_exit(foreign ? 99 : count);
            ep_next(&ep);
        }
        sys_block(0); /* until the endpoint's channel rings */
    }
}
