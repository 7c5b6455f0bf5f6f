/* t_lrpc's server (not in the manifest): exports the interface of
 * lrpc_test.h; with two or more CPUs, keeps an idle context on the last
 * one; then waits for calls. */
#include "../../lib/exo/exo.h"
#include "../../lib/lrpc/lrpc.h"
#include "lrpc_test.h"

static long sum(uint8_t *a, uint32_t len)
{
    long s = 0;
    for (uint32_t i = 0; i < len; i++)
        s += a[i];
    return s;
}

static long inc(uint8_t *a, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        a[i]++;
    return len;
}

static long die(uint8_t *a, uint32_t len)
{
    (void)a, (void)len;
    sys_exit(3);
}

static long fault(uint8_t *a, uint32_t len)
{
    (void)a, (void)len;
    *(volatile int *)0 = 1;
    return 0;
}

static const struct lrpc_interface iface = {
    .id = LT_IFACE,
    .nprocs = LT_NPROCS,
    .proc = {sum, inc, die, fault},
    .arg_max = {LT_SUM_MAX, LRPC_ARG_MAX, 0, 0},
};

int main(void)
{
    struct sys_info si;
    if (sys_sysinfo(&si) < 0 || lrpc_export(&iface) < 0 || lrpc_export(&iface) != -E_INVAL)
        return 1;
    if (lrpc_idle_start((uint32_t)si.ncpu) != -E_INVAL) /* no such CPU */
        return 2;
    int r;
    if (si.ncpu > 1 && (r = lrpc_idle_start((uint32_t)si.ncpu - 1)) < 0)
        return 10 - r;
    if (si.ncpu > 1 && lrpc_idle_start(0) != -E_INVAL) /* one at most */
        return 4;
    for (;;)
        sys_block(0); /* protected calls still come in */
}
