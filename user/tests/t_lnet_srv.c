/* Helper for t_lnet (not in the manifest): lib/net's TCP server on
 * 10.0.0.2:5001, with lib/net's ASH answering ARP in the kernel. Receives
 * XFER_BYTES, checking each byte, sends as many back, exits 0 if all went
 * well (1 for bad bytes, 2 for a setup failure). */
#include "lnet_xfer.h"

static struct tcp_pcb *conn;
static uint64_t got, sent, bad;
static int closed;

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg, (void)len;
    if (got == XFER_BYTES)
        xfer_push(pcb, &sent);
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg, (void)err;
    if (!p) {
        closed = 1;
        tcp_close(pcb);
        return ERR_OK;
    }
    bad += xfer_check(p, &got);
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    if (got == XFER_BYTES)
        xfer_push(pcb, &sent);
    return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || conn)
        return ERR_VAL;
    conn = pcb;
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    return ERR_OK;
}

int main(void)
{
    if (xfer_up(SRV_IP, 1) < 0)
        return 2;
    struct tcp_pcb *l = tcp_new();
    err_t e = l ? tcp_bind(l, IP_ADDR_ANY, XFER_PORT) : ERR_MEM;
    if (e != ERR_OK || !(l = tcp_listen(l))) {
        printf("t_lnet_srv: cannot listen (%d)\n", e);
        return 2;
    }
    tcp_accept(l, on_accept);
    while (!closed) {
        lnet_poll();
        lnet_wait(2000);
    }
    for (int i = 0; i < 100; i++) /* (the last ACKs) */
        lnet_poll(), lnet_wait(1000);
    printf("t_lnet_srv: received %lu bytes (%lu wrong), sent %lu\n", got, bad, sent);
    return bad || got != XFER_BYTES || sent != XFER_BYTES;
}
