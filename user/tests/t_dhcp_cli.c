/* t_dhcp's client: lib/net with DHCP on the device capability its parent
 * gives, 10.0.0.99 as the static fallback. Exits 0 with the lease
 * 10.0.0.42 from 10.0.0.1 (mask and router from the answer), 1 on the
 * static address, 2 on anything else. */
#include "../../lib/exo/exo.h"
#include "../../lib/c/libc.h"
#include "../../lib/net/lnet.h"

int main(void)
{
    static struct cap_info ci[256];
    uint32_t dev = 0;
    for (int tries = 0; !dev && tries < 100000; tries++) {
        for (uint32_t s = 0; s < NCAPSLOTS && !dev; s += 256) {
            long n = sys_cap_list(s, ci, 256);
            for (long i = 0; i < n && !dev; i++)
                if (ci[i].type == CAP_NET)
                    dev = s + (uint32_t)i;
            if (n <= 0)
                break;
        }
        if (!dev)
            sys_yield(-1);
    }
    struct lnet_conf c = {
        dev, LNET_IP(10, 0, 0, 99), LNET_IP(255, 255, 0, 0), 0, 0x0000500000000000UL, 1, 1, 4000};
    long r = lnet_init(&c);
    uint32_t mask, gw, a = lnet_addr(&mask, &gw), srv = lnet_dhcp_server();
    printf("t_dhcp_cli: lnet_init %ld, address %x mask %x router %x, server %x\n", r, a, mask, gw,
           srv);
    if (r == 0 && a == LNET_IP(10, 0, 0, 42) && srv == LNET_IP(10, 0, 0, 1) &&
        mask == LNET_IP(255, 255, 255, 0) && gw == LNET_IP(10, 0, 0, 1))
        return 0;
    if (r == 0 && a == LNET_IP(10, 0, 0, 99) && srv == 0 && mask == LNET_IP(255, 255, 0, 0))
        return 1;
    return 2;
}
