/* httpd: an event-driven HTTP/1.1 server in the library OS (lib/net, lwIP
 * in NO_SYS mode): one loop, no threads, every connection a small state
 * machine driven by lwIP's callbacks. Its files live in memory, built at
 * start; their bytes go to lwIP by reference (tcp_write without copy), so
 * the file cache is also TCP's retransmission buffer and a file's bytes are
 * never copied by the server (Cheetah's idea; lwIP still copies them once
 * into the frame, and checksums them as it does).
 *
 * HTTP/1.1: GET and HEAD, keep-alive (the default; "Connection: close"
 * honoured) with pipelined requests answered in order, Content-Length,
 * 404, 304 for If-Modified-Since, single byte ranges (206, 416), 400 for
 * malformed requests, 501 for other methods.
 *
 * It takes the first network device capability in its table: on the card
 * (NETIF_NET0) it is 10.0.2.15/24 behind QEMU's gateway 10.0.2.2 (make run
 * forwards a host port to its port 80); on the loopback, 10.0.0.2. */
#include "../lib/exo/exo.h"
#include <string.h>
#include <stdarg.h>
#include "../lib/net/lnet.h"
#include "../lib/net/csum.h"
#include "httpd_fs.h"
#include "lwip/tcp.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define PORT      80
#define NCONN     64
#define REQ_MAX   4096
#define DYN_MAX   (48 * 1024) /* the largest generated body */
#define MTIME     1796601600L /* Last-Modified of every file: Mon, 07 Dec 2026 00:00:00 GMT */
#define MTIME_S   "Mon, 07 Dec 2026 00:00:00 GMT"

struct file {
    const char *path, *type;
    char *data;
    uint32_t len;
};
static struct file files[8];
static int nfiles;

struct conn {
    struct tcp_pcb *pcb;
    char req[REQ_MAX];
    uint32_t reqlen;
    char hdr[512];
    uint32_t hdrlen, hdroff;
    const char *body;
    uint32_t bodylen, bodyoff;
    bool busy, close_after, closed;
    bool body_copy; /* the body is dyn (lwIP copies it), not a file (by reference) */
    char *dyn;      /* a generated body (/spinel/status.json): DYN_MAX bytes, malloc'd once */
};
static struct conn conns[NCONN];
static uint64_t requests, responses[6]; /* 200 206 304 404 4xx-other 5xx */
static uint64_t connections;

/* Files of the Unix library OS's memory file system, at /fs/...: read
 * once into the cache (kept while the file's inode and size stay; a
 * changed file is read again, and its old bytes are kept too, since lwIP
 * may still be sending them), and served like the built-in ones. The
 * memory file system keeps no times: Last-Modified is the same date for
 * every file. */
#define FS_CACHE 32
#define FS_MAX   (4u << 20)  /* the largest file served */
#define FS_TOTAL (32u << 20) /* bytes read into the cache, all told */
static struct {
    char path[128];
    uint32_t ino;
    struct file f;
} fscache[FS_CACHE];
static int nfscache;
static uint64_t fsloaded;

/* A file's bytes never change once in the cache: their checksums are
 * precomputed (csum.c), so that TCP's checksum of each segment cut from
 * them is a few lookups. (Without memory for the sums: summed as usual.) */
static void precompute(const char *data, uint32_t len)
{
    uint16_t *pre = len ? malloc(csum_pre_count(len) * sizeof *pre) : NULL;
    if (pre && csum_register(data, len, pre) < 0)
        free(pre);
}

static const char *type_of(const char *p)
{
    size_t n = strlen(p);
    if (n >= 5 && strcmp(p + n - 5, ".html") == 0)
        return "text/html";
    if ((n >= 4 && strcmp(p + n - 4, ".txt") == 0) || (n >= 3 && strcmp(p + n - 3, ".sh") == 0))
        return "text/plain";
    return "application/octet-stream";
}

static struct file *fs_file(const char *path)
{
    const char *p = path + 3; /* "/fs/bin/x" is the file /bin/x */
    uint32_t ino;
    uint64_t size;
    if (strlen(p) >= sizeof fscache[0].path || hfs_stat(p, &ino, &size) < 0)
        return NULL;
    int slot = -1;
    for (int i = 0; i < nfscache && slot < 0; i++)
        if (strcmp(fscache[i].path, p) == 0)
            slot = i;
    if (slot >= 0 && fscache[slot].ino == ino && fscache[slot].f.len == size)
        return &fscache[slot].f;
    if (size > FS_MAX || fsloaded + size > FS_TOTAL || (slot < 0 && nfscache == FS_CACHE))
        return NULL;
    char *data;
    long n = hfs_load(p, FS_MAX, &data, &ino);
    if (n < 0)
        return NULL;
    if (slot < 0)
        slot = nfscache++;
    fsloaded += (uint64_t)n;
    precompute(data, (uint32_t)n);
    strcpy(fscache[slot].path, p);
    fscache[slot].ino = ino;
    fscache[slot].f = (struct file){fscache[slot].path, type_of(p), data, (uint32_t)n};
    return &fscache[slot].f;
}

static void add_file(const char *path, const char *type, char *data, uint32_t len)
{
    files[nfiles++] = (struct file){path, type, data, len};
    precompute(data, len);
}

static void make_files(void)
{
    static const uint32_t sizes[] = {100, 4096, 65536, 1048576};
    static const char *names[] = {"/100.bin", "/4k.bin", "/64k.bin", "/1m.bin"};
    static char index[1024];
    int n = snprintf(index, sizeof index,
                     "<!DOCTYPE html>\n<html><head><title>Spinel</title></head><body>\n"
                     "<h1>Hello from Spinel</h1>\n<p>An exokernel's library OS served this page: "
                     "lwIP over a kernel endpoint, frames demultiplexed by verified packet "
                     "filters.</p>\n<ul>\n");
    for (int i = 0; i < 4; i++)
        n += snprintf(index + n, sizeof index - (size_t)n,
                      "<li><a href=\"%s\">%s</a> (%u bytes)</li>\n", names[i], names[i] + 1,
                      sizes[i]);
    n += snprintf(index + n, sizeof index - (size_t)n, "</ul>\n</body></html>\n");
    add_file("/", "text/html", index, (uint32_t)n);
    add_file("/index.html", "text/html", index, (uint32_t)n);
    static char hello[] = "Hello from Spinel\n";
    add_file("/hello.txt", "text/plain", hello, sizeof hello - 1);
    for (int i = 0; i < 4; i++) {
        char *d = malloc(sizes[i]);
        for (uint32_t k = 0; k < sizes[i]; k++)
            d[k] = (char)('a' + (k * 7 + k / 1000) % 26);
        add_file(names[i], "application/octet-stream", d, sizes[i]);
    }
}

/* ---- dates (RFC 1123, the only form we send) ---- */

static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" -> seconds since 1970; -1 if not that form. */
static long parse_date(const char *s)
{
    static const char *mon = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (strlen(s) < 29 || s[3] != ',' || s[4] != ' ')
        return -1;
    long d = (s[5] - '0') * 10 + (s[6] - '0'), m = -1;
    for (int i = 0; i < 12; i++)
        if (strncmp(s + 8, mon + 3 * i, 3) == 0)
            m = i + 1;
    long y = (s[12] - '0') * 1000 + (s[13] - '0') * 100 + (s[14] - '0') * 10 + (s[15] - '0');
    long hh = (s[17] - '0') * 10 + (s[18] - '0'), mm = (s[20] - '0') * 10 + (s[21] - '0');
    long ss = (s[23] - '0') * 10 + (s[24] - '0');
    if (m < 0 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 || strncmp(s + 26, "GMT", 3))
        return -1;
    return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

/* ---- requests ---- */

/* The value of header `name` (case-insensitive) in the header block, copied
 * into out (NUL-terminated); false if absent. */
static bool header(const char *h, const char *end, const char *name, char *out, size_t max)
{
    size_t nl = strlen(name);
    for (const char *p = h; p < end;) {
        const char *eol = p;
        while (eol < end && *eol != '\r')
            eol++;
        bool match = (size_t)(eol - p) > nl && p[nl] == ':';
        for (size_t i = 0; match && i < nl; i++)
            match = (p[i] | 0x20) == (name[i] | 0x20);
        if (match) {
            const char *v = p + nl + 1;
            while (v < eol && *v == ' ')
                v++;
            size_t n = (size_t)(eol - v) < max - 1 ? (size_t)(eol - v) : max - 1;
            memcpy(out, v, n);
            out[n] = 0;
            return true;
        }
        p = eol + 2;
    }
    return false;
}

static void respond(struct conn *c, int code, const char *reason, const struct file *f,
                    uint32_t from, uint32_t len, bool head)
{
    int n =
        snprintf(c->hdr, sizeof c->hdr, "HTTP/1.1 %d %s\r\nServer: spinel-httpd\r\n", code, reason);
    if (f && code != 304)
        n += snprintf(c->hdr + n, sizeof c->hdr - (size_t)n,
                      "Content-Type: %s\r\nAccept-Ranges: bytes\r\n", f->type);
    if (f)
        n += snprintf(c->hdr + n, sizeof c->hdr - (size_t)n, "Last-Modified: " MTIME_S "\r\n");
    if (code == 206)
        n += snprintf(c->hdr + n, sizeof c->hdr - (size_t)n, "Content-Range: bytes %u-%u/%u\r\n",
                      from, from + len - 1, f->len);
    if (code == 416)
        n += snprintf(c->hdr + n, sizeof c->hdr - (size_t)n, "Content-Range: bytes */%u\r\n",
                      f->len);
    const char *body = f ? f->data + from : reason;
    if (!f && code >= 400)
        len = (uint32_t)strlen(reason);
    if (code != 304)
        n += snprintf(c->hdr + n, sizeof c->hdr - (size_t)n, "Content-Length: %u\r\n", len);
    if (c->close_after)
        n += snprintf(c->hdr + n, sizeof c->hdr - (size_t)n, "Connection: close\r\n");
    n += snprintf(c->hdr + n, sizeof c->hdr - (size_t)n, "\r\n");
    c->hdrlen = (uint32_t)n;
    c->hdroff = 0;
    c->body = body;
    c->bodylen = head || code == 304 ? 0 : len;
    c->bodyoff = 0;
    c->body_copy = false;
    c->busy = true;
    responses[code == 200   ? 0
              : code == 206 ? 1
              : code == 304 ? 2
              : code == 404 ? 3
              : code < 500  ? 4
                            : 5]++;
}

/* ---- /spinel/: a live view of what this server and its machine see ---- */

static struct file status_page = {"/spinel/", "text/html", NULL, 0};
static const char status_html[] =
    "<!DOCTYPE html>\n<html><head><title>Spinel: the machine</title>\n<style>"
    "body{font-family:sans-serif}td,th{padding:0 .6em;text-align:right}"
    ".bar{display:inline-block;width:20em;height:1em;border:1px solid #444;vertical-align:middle}"
    ".fill{height:100%;background:#c44}#mem{width:40em}"
    ".vec{display:flex;width:48em;border:1px solid #444}"
    ".slot{flex:1;height:1.6em;border-right:1px solid #fff}"
    ".over{outline:2px solid #e00;outline-offset:-2px}</style></head><body>\n"
    "<h1>Spinel</h1>\n<p>Memory in use (all envs): <span id=\"memtext\"></span></p>\n"
    "<div id=\"mem\" class=\"bar\"><div class=\"fill\" id=\"membar\" "
    "style=\"width:0\"></div></div>\n"
    "<h2>Time slots</h2>\n<p>Each CPU's vector of 64 slots, coloured by owner (grey: free, red "
    "outline: overruns).</p>\n<div id=\"cpus\"></div>\n"
    "<h2>Environments</h2>\n<table id=\"envs\"></table>\n"
    "<h2>Extension modules</h2>\n<table id=\"mods\"></table>\n"
    "<h2>Network filters</h2>\n<table id=\"f\"></table>\n"
    "<h2>Counters</h2>\n<table id=\"t\"></table>\n<script>\n"
    "const CAPS = ['frame', 'env', 'slot', 'ext', 'handler', 'notify', 'device', 'net', 'block'];\n"
    "const STATE = ['free', 'empty', 'runnable', 'blocked', 'zombie'];\n"
    "function colour(id) { return id ? 'hsl(' + ((id * 137) % 360) + ',65%,55%)' : '#ddd'; }\n"
    "function esc(s) { return String(s).replace(/[&<>\"]/g, c => '&#' + c.charCodeAt(0) + ';'); }\n"
    "async function tick() {\n"
    "  const s = await (await fetch('/spinel/status.json')).json();\n"
    "  const used = s.frames.total - s.frames.free;\n"
    "  document.getElementById('membar').style.width = (100 * used / s.frames.total) + '%';\n"
    "  document.getElementById('memtext').textContent = used + ' of ' + s.frames.total + "
    "' frames';\n"
    "  const names = {};\n"
    "  s.envs.forEach(e => names[e.id] = e.name);\n"
    "  let c = '';\n"
    "  for (const p of s.cpus) {\n"
    "    c += '<p>CPU ' + p.cpu + ' (runs ' + esc(names[p.env] || p.env.toString(16)) + ', slot ' "
    "+ "
    "p.pos + ')</p><div class=\"vec\" id=\"cpu' + p.cpu + '-slots\">';\n"
    "    p.owner.forEach((o, i) => c += '<div class=\"slot' + (p.overruns[i] ? ' over' : '') + "
    "'\" data-owner=\"' + o.toString(16) + '\" title=\"' + i + ': ' + (o ? esc(names[o] || o) : "
    "'free') + (p.overruns[i] ? ', ' + p.overruns[i] + ' overruns' : '') + '\" "
    "style=\"background:' "
    "+ colour(o) + '\"></div>');\n"
    "    c += '</div>';\n"
    "  }\n"
    "  document.getElementById('cpus').innerHTML = c;\n"
    "  let e = '<tr><th>env</th><th>name</th><th>parent</th><th>state</th><th>memory (pages used "
    "of quota)</th><th></th><th>slots</th><th>run</th><th>overruns</th><th>upcalls</th>"
    "<th>caps</th>' + CAPS.map(k => '<th>' + k + '</th>').join('') + '</tr>';\n"
    "  for (const x of s.envs) {\n"
    "    const id = x.id.toString(16);\n"
    "    e += '<tr><td style=\"background:' + colour(x.id) + '\">' + id + '</td><td id=\"env-' + "
    "id + "
    "'-name\">' + esc(x.name) + '</td><td>' + x.parent.toString(16) + '</td><td>' + STATE[x.state] "
    "+ '</td><td><span class=\"bar\"><div class=\"fill\" id=\"env-' + id + '-bar\" style=\"width:' "
    "+ "
    "(100 * x.used / Math.max(x.quota, 1)) + '%\"></div></span></td><td id=\"env-' + id + "
    "'-used\">' "
    "+ x.used + ' / ' + x.quota + '</td><td>' + x.slots + '</td><td>' + x.run + '</td><td>' + "
    "x.overruns + '</td><td>' + x.upcalls + '</td><td id=\"env-' + id + '-caps\">' + x.caps[0] + "
    "'</td>' + x.caps.slice(1).map(n => '<td>' + n + '</td>').join('') + '</tr>';\n"
    "  }\n"
    "  document.getElementById('envs').innerHTML = e;\n"
    "  let m = '<tr><th>module</th><th>owner</th><th>first program</th><th>programs</th>"
    "<th>code bytes</th><th>handlers</th><th>runs</th><th>handled</th><th>filters</th>"
    "<th>frames</th></tr>';\n"
    "  for (const x of s.modules)\n"
    "    m += '<tr><td>' + x.index + '</td><td>' + esc(names[x.owner] || x.owner.toString(16)) + "
    "'</td><td>' + esc(x.prog) + '</td><td>' + x.progs + '</td><td>' + x.code + '</td><td>' + "
    "x.handlers + '</td><td>' + x.runs + '</td><td>' + x.handled + '</td><td>' + x.filters + "
    "'</td><td id=\"mod-' + x.index + '-packets\">' + x.packets + '</td></tr>';\n"
    "  document.getElementById('mods').innerHTML = m;\n"
    "  let h = '';\n"
    "  for (const g of ['env', 'net', 'endpoint', 'http'])\n"
    "    for (const k in s[g])\n"
    "      h += '<tr><td>' + g + '.' + k + '</td><td id=\"' + g + '-' + k + '\">' + s[g][k] + "
    "'</td></tr>';\n"
    "  document.getElementById('t').innerHTML = h;\n"
    "  let fh = '<tr><th>env</th><th>endpoint</th><th>filter</th><th>key (type/proto/port/address)"
    "</th><th>frames</th></tr>';\n"
    "  s.filters.forEach((x, i) => fh += '<tr><td>' + esc(names[x.env] || x.env.toString(16)) + "
    "'</td><td>' + x.endpoint + '</td><td>' + (x.filter == 8 ? 'ASH' : x.filter) + '</td><td>' + "
    "x.key + '</td><td id=\"filter-' + i + '-hits\">' + x.hits + '</td></tr>');\n"
    "  document.getElementById('f').innerHTML = fh;\n"
    "}\n"
    "tick();\nsetInterval(tick, 1000);\n</script>\n</body></html>\n";

static uint32_t net_dev; /* the network device capability it was given */

/* Appends to out (of max bytes, n used): printf-like; n stays below max. */
static __attribute__((format(printf, 4, 5))) int add(char *out, size_t max, int n, const char *fmt,
                                                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (n < (int)max) {
        int k = vsnprintf(out + n, max - (size_t)n, fmt, ap);
        n = k < (int)max - n ? n + k : (int)max - 1;
    }
    va_end(ap);
    return n;
}

/* A name as a JSON string's contents: quotes, backslashes and control
 * characters become \u escapes (names come from whoever made the env). */
static const char *json_str(const char *s, size_t len, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < len && s[i]; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == '"' || ch == '\\' || ch >= 0x7f)
            k += (size_t)snprintf(out + k, 8, "\\u%04x", ch);
        else
            out[k++] = (char)ch;
    }
    out[k] = 0;
    return out;
}

static struct stat_env st_envs[STAT_MAX_ENVS];
static struct stat_cpu st_cpus[STAT_MAX_CPUS];
static struct stat_module st_mods[STAT_MAX_MODULES];

/* The machine, as sys_stat shows it: envs, each CPU's slot vector, modules. */
static int status_machine(char *out, size_t max, int n)
{
    char name[6 * 48 + 1];
    long ne = sys_stat(STAT_ENVS, st_envs, STAT_MAX_ENVS);
    n = add(out, max, n, ",\"envs\":[");
    for (long i = 0; i < ne && i < STAT_MAX_ENVS; i++) {
        const struct stat_env *e = &st_envs[i];
        n = add(out, max, n,
                "%s{\"id\":%u,\"name\":\"%s\",\"parent\":%u,\"state\":%u,\"quota\":%lu,"
                "\"used\":%lu,\"slots\":%u,\"run\":%lu,\"overruns\":%lu,\"upcalls\":%lu,\"caps\":[",
                i ? "," : "", e->id, json_str(e->name, sizeof e->name, name), e->parent, e->state,
                e->mem_quota, e->mem_used, e->slots, e->slots_run, e->overruns, e->upcalls);
        for (int t = 0; t < STAT_CAP_TYPES; t++)
            n = add(out, max, n, "%s%u", t ? "," : "", e->caps[t]);
        n = add(out, max, n, "]}");
    }
    long nc = sys_stat(STAT_CPUS, st_cpus, STAT_MAX_CPUS);
    n = add(out, max, n, "],\"cpus\":[");
    for (long i = 0; i < nc && i < STAT_MAX_CPUS; i++) {
        const struct stat_cpu *c = &st_cpus[i];
        n = add(out, max, n, "%s{\"cpu\":%u,\"online\":%u,\"env\":%u,\"pos\":%u,\"ticks\":%lu,",
                i ? "," : "", c->cpu, c->online, c->env, c->slot_pos, c->ticks);
        n = add(out, max, n, "\"owner\":[");
        for (int p = 0; p < 64; p++)
            n = add(out, max, n, "%s%u", p ? "," : "", c->owner[p]);
        n = add(out, max, n, "],\"overruns\":[");
        for (int p = 0; p < 64; p++)
            n = add(out, max, n, "%s%u", p ? "," : "", c->overruns[p]);
        n = add(out, max, n, "]}");
    }
    long nm = sys_stat(STAT_MODULES, st_mods, STAT_MAX_MODULES);
    n = add(out, max, n, "],\"modules\":[");
    for (long i = 0; i < nm && i < STAT_MAX_MODULES; i++) {
        const struct stat_module *m = &st_mods[i];
        n = add(out, max, n,
                "%s{\"index\":%u,\"owner\":%u,\"prog\":\"%s\",\"progs\":%u,\"code\":%lu,"
                "\"handlers\":%u,\"runs\":%lu,\"handled\":%lu,\"filters\":%u,\"packets\":%lu}",
                i ? "," : "", m->index, m->owner, json_str(m->prog, sizeof m->prog, name),
                m->nprogs, m->code_bytes, m->handlers, m->runs, m->handled, m->filters, m->packets);
    }
    return add(out, max, n, "]");
}

static int status_json(char *out, size_t max)
{
    struct sys_info si;
    struct net_stats st;
    memset(&si, 0, sizeof si);
    memset(&st, 0, sizeof st);
    sys_sysinfo(&si);
    sys_net_stat(lnet_endpoint(), &st);
    int n =
        add(out, max, 0,
            "{\"uptime_ms\":%lu,\"frames\":{\"free\":%lu,\"total\":%lu},"
            "\"env\":{\"id\":%u,\"mem_quota\":%lu,\"mem_used\":%lu,\"slots_run\":%lu,"
            "\"upcalls\":%lu},"
            "\"net\":{\"rx_frames\":%lu,\"tx_frames\":%lu,\"rx_runt\":%lu,\"rx_oversize\":%lu,"
            "\"rx_malformed\":%lu,\"rx_unclaimed\":%lu,\"endpoints\":%u,\"filters\":%u},"
            "\"endpoint\":{\"rx\":%lu,\"rx_full\":%lu,\"rx_bad\":%lu,\"wakeups\":%lu,\"tx\":%lu,"
            "\"tx_bad\":%lu,\"ash_runs\":%lu,\"ash_handled\":%lu,\"ash_sent\":%lu},"
            "\"http\":{\"connections\":%lu,\"requests\":%lu,\"200\":%lu,\"206\":%lu,\"304\":%lu,"
            "\"404\":%lu,\"4xx\":%lu,\"5xx\":%lu,\"csum_precomputed\":%lu},\"filters\":[",
            si.timer_hz ? si.ticks * 1000 / si.timer_hz : 0, si.free_frames, si.total_frames,
            exo_info->id, exo_info->mem_quota, exo_info->mem_used, exo_info->slots_run,
            exo_info->upcalls, st.rx_frames, st.tx_frames, st.rx_runt, st.rx_oversize,
            st.rx_malformed, st.rx_unclaimed, st.endpoints, st.filters, st.ep_rx, st.ep_rx_full,
            st.ep_rx_bad, st.ep_wakeups, st.ep_tx, st.ep_tx_bad, st.ash_runs, st.ash_handled,
            st.ash_sent, connections, requests, responses[0], responses[1], responses[2],
            responses[3], responses[4], responses[5], csum_hits);
    /* The device's filters (with R_CONTROL on it; none shown otherwise). */
    static struct net_filter_info fi[16];
    long nf = sys_net_filters(net_dev, fi, 16);
    for (long i = 0; i < nf && i < 16; i++) {
        const struct net_key *k = &fi[i].key;
        n = add(out, max, n,
                "%s{\"env\":%u,\"endpoint\":%u,\"filter\":%u,\"key\":\"%04x/%u/%u/%u.%u.%u.%u\","
                "\"hits\":%lu}",
                i ? "," : "", fi[i].env_id, fi[i].endpoint, fi[i].filter, k->ethertype, k->proto,
                k->dport, k->dst_ip >> 24, k->dst_ip >> 16 & 255, k->dst_ip >> 8 & 255,
                k->dst_ip & 255, fi[i].hits);
    }
    n = add(out, max, n, "]");
    n = status_machine(out, max, n);
    return add(out, max, n, "}\n");
}

/* Parses one request of hlen bytes (headers included) and sets up its answer. */
static void handle(struct conn *c, char *r, uint32_t hlen)
{
    requests++;
    char *end = r + hlen, *sp1 = r, *sp2;
    while (sp1 < end && *sp1 != ' ')
        sp1++;
    for (sp2 = sp1 + 1; sp2 < end && *sp2 != ' '; sp2++)
        ;
    const char *eol = sp2;
    while (eol < end && *eol != '\r')
        eol++;
    if (sp1 >= end || sp2 >= end || sp2 - sp1 - 1 >= 256 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
        c->close_after = true;
        respond(c, 400, "Bad Request", NULL, 0, 0, false);
        return;
    }
    char path[256], v[128];
    memcpy(path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
    path[sp2 - sp1 - 1] = 0;
    bool http10 = sp2[8] == '0';
    const char *hdrs = eol + 2;
    c->close_after = http10;
    if (header(hdrs, end, "Connection", v, sizeof v))
        c->close_after = (v[0] | 0x20) == 'c'   ? true
                         : (v[0] | 0x20) == 'k' ? false
                                                : c->close_after;
    bool head = sp1 - r == 4 && strncmp(r, "HEAD", 4) == 0;
    if (!head && !(sp1 - r == 3 && strncmp(r, "GET", 3) == 0)) {
        respond(c, 501, "Not Implemented", NULL, 0, 0, false);
        return;
    }
    if (strcmp(path, "/spinel/status.json") == 0) { /* generated: never cached, no ranges */
        static struct file json = {"/spinel/status.json", "application/json", NULL, 0};
        if (!c->dyn && !(c->dyn = malloc(DYN_MAX))) {
            respond(c, 503, "Service Unavailable", NULL, 0, 0, head);
            return;
        }
        json.data = c->dyn;
        json.len = (uint32_t)status_json(c->dyn, DYN_MAX);
        respond(c, 200, "OK", &json, 0, json.len, head);
        c->body_copy = true;
        return;
    }
    struct file *f = strcmp(path, "/spinel/") == 0   ? &status_page
                     : strncmp(path, "/fs/", 4) == 0 ? fs_file(path)
                                                     : NULL;
    for (int i = 0; i < nfiles && !f; i++)
        if (strcmp(files[i].path, path) == 0)
            f = &files[i];
    if (!f) {
        respond(c, 404, "Not Found", NULL, 0, 0, head);
        return;
    }
    if (header(hdrs, end, "If-Modified-Since", v, sizeof v)) {
        long t = parse_date(v);
        if (t >= MTIME) {
            respond(c, 304, "Not Modified", f, 0, 0, head);
            return;
        }
    }
    if (header(hdrs, end, "Range", v, sizeof v) && strncmp(v, "bytes=", 6) == 0) {
        /* One range: a-b, a-, or -n. */
        char *p = v + 6;
        long a = -1, b = -1;
        if (*p >= '0' && *p <= '9')
            for (a = 0; *p >= '0' && *p <= '9'; p++)
                a = a * 10 + (*p - '0');
        if (*p++ == '-') {
            if (*p >= '0' && *p <= '9')
                for (b = 0; *p >= '0' && *p <= '9'; p++)
                    b = b * 10 + (*p - '0');
            if (*p == 0 && (a >= 0 || b > 0)) {
                if (a < 0) { /* the last b bytes */
                    a = b >= (long)f->len ? 0 : (long)f->len - b;
                    b = f->len - 1;
                } else if (b < 0 || b >= (long)f->len) {
                    b = f->len - 1;
                }
                if (a >= (long)f->len || a > b) {
                    respond(c, 416, "Range Not Satisfiable", f, 0, 0, head);
                    c->body = NULL, c->bodylen = 0;
                    return;
                }
                respond(c, 206, "Partial Content", f, (uint32_t)a, (uint32_t)(b - a + 1), head);
                return;
            }
        }
        /* A range we do not understand (several, or malformed): the whole file. */
    }
    respond(c, 200, "OK", f, 0, f->len, head);
}

static void conn_free(struct conn *c)
{
    if (c->pcb) {
        tcp_arg(c->pcb, NULL);
        tcp_recv(c->pcb, NULL);
        tcp_sent(c->pcb, NULL);
        tcp_err(c->pcb, NULL);
        tcp_poll(c->pcb, NULL, 0);
    }
    free(c->dyn);
    memset(c, 0, sizeof *c);
}

/* Sends what the connection's buffer takes of the response in progress;
 * then answers the next pipelined request, if one has arrived. */
static void pump(struct conn *c)
{
    for (;;) {
        while (c->busy) {
            uint32_t room = tcp_sndbuf(c->pcb);
            if (c->hdroff < c->hdrlen) {
                uint32_t n = MIN(room, c->hdrlen - c->hdroff);
                if (!n || tcp_write(c->pcb, c->hdr + c->hdroff, (u16_t)n,
                                    TCP_WRITE_FLAG_COPY | (c->bodylen ? TCP_WRITE_FLAG_MORE : 0)) !=
                              ERR_OK)
                    break;
                c->hdroff += n;
                continue;
            }
            if (c->bodyoff < c->bodylen) {
                uint32_t n = MIN(MIN(room, c->bodylen - c->bodyoff), 0xffff);
                if (!n || tcp_write(c->pcb, c->body + c->bodyoff, (u16_t)n,
                                    c->body_copy ? TCP_WRITE_FLAG_COPY : 0) != ERR_OK)
                    break; /* (by reference: the file stays where it is) */
                c->bodyoff += n;
                continue;
            }
            c->busy = false;
            if (c->close_after) {
                tcp_output(c->pcb);
                struct tcp_pcb *pcb = c->pcb;
                conn_free(c);
                tcp_close(pcb);
                return;
            }
        }
        tcp_output(c->pcb);
        if (c->busy)
            return;
        /* The next request, if its headers are all here. */
        uint32_t hlen = 0;
        for (uint32_t i = 3; i < c->reqlen && !hlen; i++)
            if (c->req[i - 3] == '\r' && c->req[i - 2] == '\n' && c->req[i - 1] == '\r' &&
                c->req[i] == '\n')
                hlen = i + 1;
        if (!hlen)
            return;
        handle(c, c->req, hlen);
        memmove(c->req, c->req + hlen, c->reqlen - hlen);
        c->reqlen -= hlen;
    }
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct conn *c = arg;
    (void)err;
    if (!p) { /* the client closed */
        conn_free(c);
        tcp_close(pcb);
        return ERR_OK;
    }
    if (c->reqlen + p->tot_len > REQ_MAX) { /* headers too long */
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        c->reqlen = 0;
        if (!c->busy) {
            c->close_after = true;
            respond(c, 400, "Bad Request", NULL, 0, 0, false);
            pump(c);
        }
        return ERR_OK;
    }
    pbuf_copy_partial(p, c->req + c->reqlen, p->tot_len, 0);
    c->reqlen += p->tot_len;
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    pump(c);
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb, (void)len;
    if (arg)
        pump(arg);
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    (void)err;
    struct conn *c = arg;
    if (c) {
        c->pcb = NULL; /* (lwIP has freed it) */
        conn_free(c);
    }
}

/* Every second: a response stalled because lwIP had no room (its pools are
 * shared by all connections) goes on even if no ACK comes to call on_sent. */
static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    (void)pcb;
    if (arg)
        pump(arg);
    return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK)
        return ERR_VAL;
    struct conn *c = NULL;
    for (int i = 0; i < NCONN && !c; i++)
        if (!conns[i].pcb)
            c = &conns[i];
    if (!c) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    memset(c, 0, sizeof *c);
    c->pcb = pcb;
    connections++;
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    tcp_poll(pcb, on_poll, 2);
    tcp_nagle_disable(pcb);
    return ERR_OK;
}

int main(void)
{
    static struct cap_info ci[256];
    uint32_t dev = 0, ifindex = 0;
    for (int tries = 0; !dev && tries < 100000; tries++) {
        for (uint32_t s = 0; s < NCAPSLOTS && !dev; s += 256) {
            long n = sys_cap_list(s, ci, 256);
            for (long i = 0; i < n && !dev; i++)
                if (ci[i].type == CAP_NET) {
                    dev = s + (uint32_t)i;
                    ifindex = ci[i].object & 0xff;
                }
            if (n <= 0)
                break;
        }
        if (!dev)
            sys_yield(-1);
    }
    if (!dev) {
        printf("httpd: no network device capability\n");
        return 1;
    }
    bool card = ifindex == NETIF_NET0;
    net_dev = dev;
    struct lnet_conf conf = {dev,
                             card ? LNET_IP(10, 0, 2, 15) : LNET_IP(10, 0, 0, 2),
                             LNET_IP(255, 255, 255, 0),
                             card ? LNET_IP(10, 0, 2, 2) : 0,
                             0x0000500000000000UL,
                             1,
                             card, /* on the card: DHCP first (QEMU's answers) */
                             3000};
    long r = lnet_init(&conf);
    if (r < 0) {
        printf("httpd: lib/net: %ld\n", r);
        return 1;
    }
    uint32_t a = lnet_addr(NULL, NULL), srv = lnet_dhcp_server();
    char addr[16];
    snprintf(addr, sizeof addr, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
    if (card && srv)
        printf("httpd: address %s from DHCP (server %u.%u.%u.%u)\n", addr, srv >> 24,
               srv >> 16 & 255, srv >> 8 & 255, srv & 255);
    else if (card)
        printf("httpd: no DHCP lease: the static address %s\n", addr);
    make_files();
    bool fs = hfs_attach() == 0; /* (init shared the file system with us) */
    status_page.data = (char *)status_html;
    status_page.len = sizeof status_html - 1;
    precompute(status_html, status_page.len);
    struct tcp_pcb *l = tcp_new();
    if (!l || tcp_bind(l, IP_ADDR_ANY, PORT) != ERR_OK || !(l = tcp_listen(l))) {
        printf("httpd: cannot listen on port %d\n", PORT);
        return 1;
    }
    tcp_accept(l, on_accept);
    printf("httpd: listening on %s:%d%s\n", addr, PORT,
           fs ? " (the file system's files at /fs/...)" : "");
    for (;;) {
        lnet_poll();
        lnet_wait(5000);
    }
}
