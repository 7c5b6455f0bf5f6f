/* lib/net (lwIP in the library OS) in two envs over the kernel's loopback:
 * a TCP transfer of 10 MiB each way between them, every byte checked, each
 * env receiving only its own traffic through its endpoint's filters. */
#include "../../lib/exo/exo.h"
#include "check.h"

int main(void)
{
    long dev = sys_net_open(NETIF_LO);
    CHECK_EQ(dev > 0, 1);
    long srv = exo_spawn("t_lnet_srv", 4096);
    long cli = exo_spawn("t_lnet_cli", 4096);
    CHECK_EQ(srv > 0 && cli > 0, 1);
    CHECK_EQ(sys_cap_derive((uint32_t)dev, R_READ | R_WRITE, (uint32_t)srv) > 0, 1);
    for (int i = 0; i < 100000; i++) { /* the server listens first */
        struct net_stats st;
        if (sys_net_stat((uint32_t)dev, &st) == 0 && st.filters >= 2)
            break;
        sys_yield(-1);
    }
    CHECK_EQ(sys_cap_derive((uint32_t)dev, R_READ | R_WRITE, (uint32_t)cli) > 0, 1);
    CHECK_EQ(exo_wait((uint32_t)cli, -1), ENV_STATUS(ENV_STATUS_EXIT, 0));
    CHECK_EQ(exo_wait((uint32_t)srv, -1), ENV_STATUS(ENV_STATUS_EXIT, 0));
    struct net_stats st;
    CHECK_EQ(sys_net_stat((uint32_t)dev, &st), 0);
    printf("t_lnet: %lu frames through the loopback, %lu unclaimed\n", st.rx_frames,
           st.rx_unclaimed);
    CHECK_EQ(sys_cap_delete((uint32_t)dev), 0);
    return check_failures;
}
