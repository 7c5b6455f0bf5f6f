/* Helper for t_lnet (not in the manifest): lib/net's TCP client on
 * 10.0.0.1: connects to 10.0.0.2:5001, sends XFER_BYTES, receives as many
 * back, checking each byte; exits 0 if all went well, then reports the
 * time taken. */
#include "lnet_xfer.h"

static struct tcp_pcb *pcb;
static uint64_t got, sent, bad;
static int connected, failed;

static err_t on_sent(void *arg, struct tcp_pcb *p, u16_t len)
{
    (void)arg, (void)len;
    xfer_push(p, &sent);
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *p, struct pbuf *b, err_t err)
{
    (void)arg, (void)err;
    if (!b) {
        failed |= got < XFER_BYTES; /* closed before everything came */
        return ERR_OK;
    }
    bad += xfer_check(b, &got);
    tcp_recved(p, b->tot_len);
    pbuf_free(b);
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    (void)arg;
    printf("t_lnet_cli: connection error %d\n", err);
    failed = 1;
    pcb = NULL;
}

static err_t on_connected(void *arg, struct tcp_pcb *p, err_t err)
{
    (void)arg;
    if (err != ERR_OK)
        return err;
    connected = 1;
    xfer_push(p, &sent);
    return ERR_OK;
}

int main(void)
{
    if (xfer_up(CLI_IP, 0) < 0)
        return 2;
    pcb = tcp_new();
    ip_addr_t srv;
    ip_addr_set_ip4_u32(&srv, lwip_htonl(SRV_IP));
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    uint64_t t0 = __builtin_ia32_rdtsc();
    if (tcp_connect(pcb, &srv, XFER_PORT, on_connected) != ERR_OK)
        return 2;
    while (!failed && got < XFER_BYTES &&
           (__builtin_ia32_rdtsc() - t0) / exo_info->tsc_per_ms < 100000) {
        lnet_poll();
        lnet_wait(2000);
    }
    uint64_t ms = (__builtin_ia32_rdtsc() - t0) / exo_info->tsc_per_ms;
    if (pcb)
        tcp_close(pcb);
    for (int i = 0; i < 20; i++)
        lnet_poll(), lnet_wait(1000);
    printf("t_lnet_cli: sent %lu, received %lu bytes (%lu wrong) in %lu ms\n", sent, got, bad, ms);
    return failed || bad || got != XFER_BYTES || sent != XFER_BYTES;
}
