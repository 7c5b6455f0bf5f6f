/* Helper for t_http (not in the manifest): an HTTP client on lib/net
 * (10.0.0.1) that checks httpd (10.0.0.2:80): a page and its length, 404,
 * HEAD, 304 with If-Modified-Since (and 200 for an older date), byte
 * ranges (206 with Content-Range, 416), three pipelined requests on one
 * kept-alive connection, Connection: close, a malformed request (400), a
 * 1 MiB file intact. Exits with the number of failed checks. */
#include "../../lib/exo/exo.h"
#include "../../lib/net/lnet.h"
#include "lwip/tcp.h"
#include "check.h"
#include "lnet_xfer.h"

static struct tcp_pcb *pcb;
static char *resp;
static uint32_t rlen, rmax = 2 << 20;
static int state; /* 0 connecting, 1 open, 2 closed by the server, -1 error */

static err_t on_recv(void *arg, struct tcp_pcb *p, struct pbuf *b, err_t err)
{
    (void)arg, (void)err;
    if (!b) {
        state = 2;
        return ERR_OK;
    }
    if (rlen + b->tot_len <= rmax)
        rlen += pbuf_copy_partial(b, resp + rlen, b->tot_len, 0);
    tcp_recved(p, b->tot_len);
    pbuf_free(b);
    return ERR_OK;
}
static void on_err(void *arg, err_t err)
{
    (void)arg, (void)err;
    state = -1;
    pcb = NULL;
}
static err_t on_connected(void *arg, struct tcp_pcb *p, err_t err)
{
    (void)arg, (void)p;
    state = err == ERR_OK ? 1 : -1;
    return ERR_OK;
}

static int open_conn(void)
{
    pcb = tcp_new();
    ip_addr_t srv;
    ip_addr_set_ip4_u32(&srv, lwip_htonl(SRV_IP));
    tcp_recv(pcb, on_recv);
    tcp_err(pcb, on_err);
    state = 0;
    if (tcp_connect(pcb, &srv, 80, on_connected) != ERR_OK)
        return -1;
    for (int i = 0; i < 2000 && state == 0; i++)
        lnet_poll(), lnet_wait(2000);
    return state == 1 ? 0 : -1;
}

/* Sends req, then polls until `until` says the response is complete (or
 * the server closes, or ~10 s pass). */
static void exchange(const char *req, int (*until)(void))
{
    rlen = 0;
    if (!pcb || state != 1)
        return;
    tcp_write(pcb, req, (u16_t)strlen(req), TCP_WRITE_FLAG_COPY);
    tcp_output(pcb);
    for (int i = 0; i < 5000 && state == 1 && !until(); i++)
        lnet_poll(), lnet_wait(2000);
}

/* Responses in resp: the n-th one's status, header value, body. */
static const char *nth(int n)
{
    const char *p = resp;
    for (int k = 0; k < n && p; k++) {
        const char *h = strstr(p, "\r\n\r\n");
        const char *cl = strstr(p, "Content-Length: ");
        if (!h)
            return NULL;
        uint32_t len = 0;
        if (cl && cl < h && strncmp(p, "HTTP/1.1 304", 12) != 0)
            for (cl += 16; *cl >= '0' && *cl <= '9'; cl++)
                len = len * 10 + (uint32_t)(*cl - '0');
        p = h + 4 + len;
    }
    return p;
}
static int status(const char *r)
{
    return r && strncmp(r, "HTTP/1.1 ", 9) == 0
               ? (r[9] - '0') * 100 + (r[10] - '0') * 10 + (r[11] - '0')
               : -1;
}
static long clen(const char *r)
{
    const char *h = r ? strstr(r, "\r\n\r\n") : NULL,
               *cl = r ? strstr(r, "Content-Length: ") : NULL;
    if (!cl || cl > h)
        return -1;
    long v = 0;
    for (cl += 16; *cl >= '0' && *cl <= '9'; cl++)
        v = v * 10 + (*cl - '0');
    return v;
}
static const char *body(const char *r)
{
    const char *h = r ? strstr(r, "\r\n\r\n") : NULL;
    return h ? h + 4 : NULL;
}
static int has(const char *r, const char *s)
{
    const char *h = r ? strstr(r, "\r\n\r\n") : NULL, *f = r ? strstr(r, s) : NULL;
    return f && f < h;
}

/* "Complete" tests: n full responses are in resp. */
static int want_n;
static int done_n(void)
{
    resp[rlen] = 0;
    const char *p = resp;
    for (int k = 0; k < want_n; k++) {
        const char *h = strstr(p, "\r\n\r\n");
        if (!h)
            return 0;
        long len = status(p) == 304 ? 0 : clen(p);
        if (len < 0)
            return 0;
        if ((uint32_t)(h + 4 - resp) + (uint32_t)len > rlen)
            return 0;
        p = h + 4 + len;
    }
    return 1;
}
static int headers_only(void)
{
    resp[rlen] = 0;
    return strstr(resp, "\r\n\r\n") != NULL;
}
static void get(const char *req, int n)
{
    want_n = n;
    exchange(req, done_n);
    resp[rlen] = 0;
}

int main(void)
{
    resp = malloc(rmax + 1);
    CHECK_EQ(xfer_up(CLI_IP, 0), 0);
    CHECK_EQ(open_conn(), 0);

    get("GET / HTTP/1.1\r\nHost: spinel\r\n\r\n", 1);
    CHECK_EQ(status(resp), 200);
    CHECK_EQ(has(resp, "Content-Type: text/html"), 1);
    CHECK_EQ(clen(resp), (long)strlen(body(resp)));
    CHECK_EQ(strstr(body(resp), "Hello from Spinel") != NULL, 1);

    get("GET /nothing-here HTTP/1.1\r\n\r\n", 1);
    CHECK_EQ(status(resp), 404);
    get("GET /hello.txt HTTP/1.1\r\n\r\n", 1);
    CHECK_EQ(status(resp), 200);
    CHECK_EQ(clen(resp), 18);
    CHECK_EQ(strcmp(body(resp), "Hello from Spinel\n"), 0);
    CHECK_EQ(has(resp, "Last-Modified: Mon, 07 Dec 2026 00:00:00 GMT"), 1);
    /* HEAD: the headers only (then a GET on the same connection). */
    exchange("HEAD /hello.txt HTTP/1.1\r\n\r\n", headers_only);
    CHECK_EQ(status(resp), 200);
    CHECK_EQ(clen(resp), 18);
    CHECK_EQ(body(resp) && *body(resp) == 0, 1);
    /* 304 for a date at or after the file's; 200 for an older one. */
    get("GET /hello.txt HTTP/1.1\r\nIf-Modified-Since: Mon, 07 Dec 2026 00:00:00 GMT\r\n\r\n", 1);
    CHECK_EQ(status(resp), 304);
    CHECK_EQ(body(resp) && *body(resp) == 0, 1);
    get("GET /hello.txt HTTP/1.1\r\nIf-Modified-Since: Tue, 08 Dec 2026 10:00:00 GMT\r\n\r\n", 1);
    CHECK_EQ(status(resp), 304);
    get("GET /hello.txt HTTP/1.1\r\nif-modified-since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", 1);
    CHECK_EQ(status(resp), 200);
    get("GET /hello.txt HTTP/1.1\r\nIf-Modified-Since: garbage\r\n\r\n", 1);
    CHECK_EQ(status(resp), 200);
    /* Ranges. */
    get("GET /hello.txt HTTP/1.1\r\nRange: bytes=6-9\r\n\r\n", 1);
    CHECK_EQ(status(resp), 206);
    CHECK_EQ(has(resp, "Content-Range: bytes 6-9/18"), 1);
    CHECK_EQ(strcmp(body(resp), "from"), 0);
    get("GET /hello.txt HTTP/1.1\r\nRange: bytes=-7\r\n\r\n", 1);
    CHECK_EQ(status(resp), 206);
    CHECK_EQ(strcmp(body(resp), "Spinel\n"), 0);
    get("GET /hello.txt HTTP/1.1\r\nRange: bytes=12-\r\n\r\n", 1);
    CHECK_EQ(strcmp(body(resp), "pinel\n"), 0);
    get("GET /hello.txt HTTP/1.1\r\nRange: bytes=50-60\r\n\r\n", 1);
    CHECK_EQ(status(resp), 416);
    CHECK_EQ(has(resp, "Content-Range: bytes */18"), 1);
    /* Pipelining: three requests in one write, three answers in order. */
    get("GET /hello.txt HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\nGET /100.bin HTTP/1.1\r\n\r\n",
        3);
    CHECK_EQ(status(nth(0)), 200);
    CHECK_EQ(status(nth(1)), 404);
    CHECK_EQ(status(nth(2)), 200);
    CHECK_EQ(clen(nth(2)), 100);
    /* A 1 MiB file, every byte as the server made it. */
    get("GET /1m.bin HTTP/1.1\r\n\r\n", 1);
    CHECK_EQ(status(resp), 200);
    CHECK_EQ(clen(resp), 1048576);
    const char *b = body(resp);
    int wrong = !b || (uint32_t)(b - resp) + 1048576 != rlen;
    for (uint32_t k = 0; !wrong && k < 1048576; k++)
        wrong = b[k] != (char)('a' + (k * 7 + k / 1000) % 26);
    CHECK_EQ(wrong, 0);
    /* The live view: its page, and its JSON with the server's and the
     * kernel's counters (requests so far; the endpoint has received). */
    get("GET /spinel/ HTTP/1.1\r\n\r\n", 1);
    CHECK_EQ(status(resp), 200);
    CHECK_EQ(strstr(body(resp), "/spinel/status.json") != NULL, 1);
    get("GET /spinel/status.json HTTP/1.1\r\n\r\n", 1);
    CHECK_EQ(status(resp), 200);
    CHECK_EQ(has(resp, "Content-Type: application/json"), 1);
    CHECK_EQ(clen(resp), (long)strlen(body(resp)));
    CHECK_EQ(strstr(body(resp), "\"http\":{\"connections\":1,") != NULL, 1);
    CHECK_EQ(strstr(body(resp), "\"endpoints\":2,\"filters\":4}") != NULL, 1);
    CHECK_EQ(strstr(body(resp), "\"rx\":0,") == NULL, 1);
    /* Both envs' filters (the server's and ours), each with what it claimed. */
    CHECK_EQ(strstr(body(resp), "\"key\":\"0800/0/0/10.0.0.2\",\"hits\":") != NULL, 1);
    CHECK_EQ(strstr(body(resp), "\"key\":\"0800/0/0/10.0.0.1\",\"hits\":") != NULL, 1);
    CHECK_EQ(strstr(body(resp), "\"filter\":8,") != NULL, 1); /* the server's ASH */
    /* Other methods, then a malformed request (the server closes). */
    get("DELETE /hello.txt HTTP/1.1\r\n\r\n", 1);
    CHECK_EQ(status(resp), 501);
    CHECK_EQ(state, 1); /* kept alive all along */
    get("garbage\r\n\r\n", 1);
    CHECK_EQ(status(resp), 400);
    for (int i = 0; i < 500 && state == 1; i++)
        lnet_poll(), lnet_wait(2000);
    CHECK_EQ(state, 2);
    /* Connection: close. */
    CHECK_EQ(open_conn(), 0);
    get("GET /hello.txt HTTP/1.1\r\nConnection: close\r\n\r\n", 1);
    CHECK_EQ(status(resp), 200);
    CHECK_EQ(has(resp, "Connection: close"), 1);
    for (int i = 0; i < 500 && state == 1; i++)
        lnet_poll(), lnet_wait(2000);
    CHECK_EQ(state, 2);
    printf("t_http_cli: %d failures\n", check_failures);
    return check_failures;
}
