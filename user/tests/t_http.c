/* The library OS's web server (httpd, on lib/net) in one env, a client
 * (t_http_cli, on lib/net too) in another, over the kernel's loopback: the
 * client checks the server's HTTP/1.1 (see t_http_cli.c). */
#include "../../lib/exo/exo.h"
#include "check.h"

int main(void)
{
    long dev = sys_net_open(NETIF_LO);
    CHECK_EQ(dev > 0, 1);
    long srv = exo_spawn("httpd", 4096);
    CHECK_EQ(srv > 0, 1);
    CHECK_EQ(sys_cap_derive((uint32_t)dev, R_READ | R_WRITE | R_CONTROL, (uint32_t)srv) > 0, 1);
    struct net_stats st;
    for (int i = 0; i < 100000; i++) { /* until the server's filters are on */
        if (sys_net_stat((uint32_t)dev, &st) == 0 && st.filters >= 2)
            break;
        sys_yield(-1);
    }
    long cli = exo_spawn("t_http_cli", 4096);
    CHECK_EQ(cli > 0, 1);
    CHECK_EQ(sys_cap_derive((uint32_t)dev, R_READ | R_WRITE, (uint32_t)cli) > 0, 1);
    CHECK_EQ(exo_wait((uint32_t)cli, -1), ENV_STATUS(ENV_STATUS_EXIT, 0));
    CHECK_EQ(sys_env_status((uint32_t)srv), -E_AGAIN); /* still serving */
    CHECK_EQ(sys_cap_delete((uint32_t)srv), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)dev), 0);
    return check_failures;
}
