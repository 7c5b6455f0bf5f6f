/*
 * test_elf.c - ELF loader tests using real programs compiled with
 * `clang -O2 -target bpf` (tests/progs/NAME.bpf.c), both for the default CPU
 * and -mcpu=v3, plus malformed-input tests.
 */
#include <dirent.h>
#include <stdlib.h>

#include "test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t arena[1 << 20] __attribute__((aligned(16)));
static struct bpf_elf_obj obj;
static struct host_env env;

static uint8_t *load_file(const char *dir, const char *name, const char *variant, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s%s.bpf.o", dir, name, variant);
    uint8_t *p = host_read_file(path, len);
    if (!p)
        t_result(path, false, "cannot read (run `make progs`)");
    return p;
}

/* Load, verify every section, and return the index of section `sec` (or -1). */
static int load_obj(const char *tname, const uint8_t *elf, size_t len, const char *sec)
{
    char err[160];
    if (!bpf_elf_load(elf, len, arena, sizeof(arena), &obj, err, sizeof(err))) {
        t_result(tname, false, "load failed: %s", err);
        return -1;
    }
    for (uint32_t i = 0; i < obj.nprogs; i++)
        if (!strcmp(obj.progs[i].name, sec))
            return (int)i;
    t_result(tname, false, "section %s not found", sec);
    return -1;
}

static bool verify_idx(const char *tname, int idx, struct bpf_prog *p)
{
    struct bpf_verify_result res;
    bpf_elf_get_prog(&obj, (uint32_t)idx, p);
    bool ok = bpf_verify(p, NULL, g_varena, sizeof(g_varena), &res);
    t_result(tname, ok, "rejected at insn %u: %s", res.insn, res.reason);
    return ok;
}

static bool run(const char *tname, struct bpf_prog *p, const uint8_t *in, size_t n, uint64_t *r0)
{
    uint64_t rj;
    char msg[160];
    host_env_init(&env, p->hook, in, n);
    bool ok = host_run_both(p, &env, r0, &rj, msg, sizeof(msg));
    t_result(tname, ok, "%s", msg);
    return ok;
}

static size_t make_udp(uint8_t *pkt, uint16_t dport, uint8_t ihl_words)
{
    memset(pkt, 0, 128);
    pkt[12] = 0x08; /* ethertype IPv4 */
    pkt[14] = (uint8_t)(0x40 | ihl_words);
    pkt[23] = 17; /* UDP */
    size_t udp = 14 + ihl_words * 4u;
    pkt[udp + 2] = (uint8_t)(dport >> 8);
    pkt[udp + 3] = (uint8_t)dport;
    return udp + 8 + 4;
}

static void test_dpf(const char *dir, const char *v)
{
    char t[128];
    size_t len;
    uint8_t *elf = load_file(dir, "dpf_ipv4", v, &len);
    if (!elf)
        return;
    snprintf(t, sizeof(t), "elf%s dpf_ipv4", v);
    int idx = load_obj(t, elf, len, "filter/packet");
    struct bpf_prog p;
    if (idx >= 0 && verify_idx(t, idx, &p)) {
        uint8_t pkt[128];
        uint64_t r = 9;
        size_t n = make_udp(pkt, 53, 5);
        if (run(t, &p, pkt, n, &r))
            t_result("elf dpf accepts dns", r == 1, "r0=%llu", (unsigned long long)r);
        n = make_udp(pkt, 80, 5);
        if (run(t, &p, pkt, n, &r))
            t_result("elf dpf drops port 80", r == 0, "r0=%llu", (unsigned long long)r);
        n = make_udp(pkt, 53, 7); /* IP options */
        if (run(t, &p, pkt, n, &r))
            t_result("elf dpf ip options", r == 1, "r0=%llu", (unsigned long long)r);
        n = make_udp(pkt, 53, 5);
        if (run(t, &p, pkt, 14 + 20 + 3, &r)) /* truncated UDP header */
            t_result("elf dpf truncated", r == 0, "r0=%llu", (unsigned long long)r);
        if (run(t, &p, pkt, 0, &r))
            t_result("elf dpf empty packet", r == 0, "r0=%llu", (unsigned long long)r);
    }
    free(elf);
}

static void test_ash(const char *dir, const char *v)
{
    char t[128];
    size_t len;
    uint8_t *elf = load_file(dir, "ash_echo", v, &len);
    if (!elf)
        return;
    snprintf(t, sizeof(t), "elf%s ash_echo", v);
    int idx = load_obj(t, elf, len, "ash/packet");
    struct bpf_prog p;
    if (idx >= 0 && verify_idx(t, idx, &p)) {
        uint8_t pkt[100];
        for (int i = 0; i < 100; i++)
            pkt[i] = (uint8_t)('a' + i % 26);
        uint64_t r = 0;
        if (run(t, &p, pkt, 10, &r))
            t_result("elf ash short packet",
                     r == 10 && env.ctx.ash.reply_len == 10 && env.reply[0] == ('a' ^ 0x20) &&
                         env.reply[9] == ('j' ^ 0x20),
                     "r0=%llu len=%u", (unsigned long long)r, env.ctx.ash.reply_len);
        if (run(t, &p, pkt, 100, &r))
            t_result("elf ash long packet", r == 64 && env.reply[63] == (pkt[63] ^ 0x20), "r0=%llu",
                     (unsigned long long)r);
    }
    free(elf);
}

static uint64_t mix(uint64_t a, uint64_t b)
{
    return (a * 31) ^ (b >> 3) ^ (a << 7);
}

static void test_pct(const char *dir, const char *v)
{
    char t[128];
    size_t len;
    uint8_t *elf = load_file(dir, "pct_math", v, &len);
    if (!elf)
        return;
    snprintf(t, sizeof(t), "elf%s pct_math", v);
    int idx = load_obj(t, elf, len, "event/pct");
    struct bpf_prog p;
    if (idx >= 0 && verify_idx(t, idx, &p)) {
        static const uint64_t inputs[][6] = {
            {100, 7, (uint64_t)-5, 3, 0xdeadbeef, 35},
            {5, 0, 7, (uint64_t)-9, 0x80000000, 0},
            {~0ull, ~0ull, 1ull << 63, 1, 1, 31},
        };
        for (size_t k = 0; k < N(inputs); k++) {
            uint8_t in[sizeof(struct ext_pct_ctx)] = {0};
            memcpy(in + 8, inputs[k], sizeof(inputs[k]));
            uint64_t r;
            if (!run(t, &p, in, sizeof(in), &r))
                continue;
            const uint64_t *m = inputs[k];
            uint64_t a = m[0], b = m[1];
            int64_t sa = (int64_t)m[2], sb = (int64_t)m[3];
            uint32_t a32 = (uint32_t)m[4], b32 = (uint32_t)m[5];
            uint64_t ex[6] = {b ? a / b : 0,
                              b ? a % b : a,
                              (sa < sb ? (uint64_t)sa - (uint64_t)sb : (uint64_t)sb - (uint64_t)sa),
                              (uint64_t)(uint32_t)(a32 << (b32 & 31)) |
                                  ((uint64_t)(a32 >> (b32 & 31)) << 32),
                              mix(a, b) + mix(b, a),
                              (uint64_t)(int64_t)((int32_t)a32 >> 3)};
            bool ok = (uint32_t)r == (uint32_t)(a + b);
            for (int i = 0; i < 6; i++)
                ok = ok && env.ctx.pct.reply[i] == ex[i];
            char name[128];
            snprintf(name, sizeof(name), "elf%s pct_math results %zu", v, k);
            t_result(name, ok, "reply registers differ from C reference");
        }
    }
    idx = load_obj(t, elf, len, "guard/pct");
    if (idx >= 0 && verify_idx(t, idx, &p)) {
        uint8_t in[sizeof(struct ext_pct_ctx)] = {0};
        uint64_t r;
        in[8] = 50;
        if (run(t, &p, in, sizeof(in), &r))
            t_result("elf guard/pct allows", r == 1, "r0=%llu", (unsigned long long)r);
        in[8] = 200;
        if (run(t, &p, in, sizeof(in), &r))
            t_result("elf guard/pct denies", r == 0, "r0=%llu", (unsigned long long)r);
    }
    free(elf);
}

static void test_pf(const char *dir, const char *v)
{
    char t[128];
    size_t len;
    uint8_t *elf = load_file(dir, "pf_handler", v, &len);
    if (!elf)
        return;
    snprintf(t, sizeof(t), "elf%s pf_handler", v);
    int idx = load_obj(t, elf, len, "event/pagefault");
    struct bpf_prog p;
    t_result("elf pf_handler data sections", obj.ndata >= 3, "ndata=%u", obj.ndata);
    if (idx >= 0 && verify_idx(t, idx, &p)) {
        struct ext_pf_ctx c = {0};
        c.fault_va = 0x7f0012345678ull;
        c.error_code = 6;
        c.pool_count = 4;
        c.pool[0] = 0;
        c.pool[1] = 0x1234;
        c.pool[2] = 0x5678;
        uint8_t in[sizeof(c) + 16] = {0}; /* state region starts zeroed */
        memcpy(in, &c, sizeof(c));
        uint64_t r;
        if (run(t, &p, in, sizeof(in), &r)) {
            /* idx 1, perm_for_code[6] = 5: map_frame returns (va>>12) ^ 7 ^ 5 */
            uint64_t expect = ((0x7f0012345000ull >> 12) ^ 7 ^ 5) & 0xffff;
            uint64_t faults, next;
            memcpy(&faults, env.state, 8);
            memcpy(&next, env.state + 8, 8);
            t_result("elf pf_handler maps frame",
                     r == expect && env.ctx.pf.action == 0 && faults == 1 && next == 2,
                     "r0=%#llx action=%llu faults=%llu next=%llu", (unsigned long long)r,
                     (unsigned long long)env.ctx.pf.action, (unsigned long long)faults,
                     (unsigned long long)next);
            bool data_ok = false, bss_ok = false;
            for (uint32_t i = 0; i < obj.ndata; i++) {
                uint64_t x;
                if (obj.data[i].size < 8)
                    continue;
                memcpy(&x, obj.data[i].base, 8);
                if (!strcmp(obj.data[i].name, ".data"))
                    data_ok = x == 101;
                if (!strcmp(obj.data[i].name, ".bss"))
                    bss_ok = x == 1;
            }
            t_result("elf pf_handler globals updated", data_ok && bss_ok, ".data %d .bss %d",
                     data_ok, bss_ok);
        }
        c.pool_count = 0;
        memcpy(in, &c, sizeof(c));
        if (run(t, &p, in, sizeof(in), &r))
            t_result("elf pf_handler empty pool upcalls", r == 1 && env.ctx.pf.action == 1,
                     "r0=%llu", (unsigned long long)r);
    }
    free(elf);
}

static void test_timer_exc(const char *dir, const char *v)
{
    char t[128];
    size_t len;
    uint8_t *elf = load_file(dir, "timer_exc", v, &len);
    if (!elf)
        return;
    snprintf(t, sizeof(t), "elf%s timer", v);
    struct bpf_prog p;
    int idx = load_obj(t, elf, len, "event/timer");
    if (idx >= 0 && verify_idx(t, idx, &p)) {
        struct ext_timer_ctx c = {8, 1000, 500, 2, 3, 0};
        uint64_t r;
        if (run(t, &p, (const uint8_t *)&c, sizeof(c), &r))
            t_result("elf timer slot",
                     r == 2 && env.ctx.timer.quantum_ns == 1000 && env.ctx.timer.next_env == 7,
                     "r0=%llu", (unsigned long long)r);
    }
    snprintf(t, sizeof(t), "elf%s exception", v);
    idx = load_obj(t, elf, len, "event/exception");
    if (idx >= 0 && verify_idx(t, idx, &p)) {
        struct ext_exc_ctx c = {6, 0, 0x401000, 0, 0, 9, 0};
        uint64_t r;
        if (run(t, &p, (const uint8_t *)&c, sizeof(c), &r))
            t_result("elf exception #UD",
                     r == 0 && env.ctx.exc.new_rip == 0x401002 && env.ctx.exc.action == 0,
                     "r0=%llu", (unsigned long long)r);
    }
    free(elf);
}

static void test_bad(const char *dir, const char *v, const char *name, const char *sec,
                     const char *reason)
{
    char t[128];
    size_t len;
    uint8_t *elf = load_file(dir, name, v, &len);
    if (!elf)
        return;
    snprintf(t, sizeof(t), "elf%s %s rejected", v, name);
    int idx = load_obj(t, elf, len, sec);
    if (idx >= 0) {
        struct bpf_prog p;
        struct bpf_verify_result res;
        bpf_elf_get_prog(&obj, (uint32_t)idx, &p);
        bool ok = bpf_verify(&p, NULL, g_varena, sizeof(g_varena), &res);
        t_result(t, !ok && strstr(res.reason, reason), "verdict %d insn %u: %s", ok, res.insn,
                 res.reason);
    }
    free(elf);
}

/* Malformed input: truncations, corrupted headers, random byte flips. */
static void test_malformed(const char *dir)
{
    size_t len;
    uint8_t *elf = load_file(dir, "pf_handler", "", &len);
    char err[160];
    if (!elf)
        return;
    uint8_t *buf = malloc(len);
    bool all_fail = true;
    for (size_t n = 0; n < len; n += (n < 128 ? 1 : 7)) {
        /* Anything shorter than the section headers' end must fail cleanly. */
        memcpy(buf, elf, n);
        if (bpf_elf_load(buf, n, arena, sizeof(arena), &obj, err, sizeof(err)) && n < len - 64)
            all_fail = false;
    }
    t_result("elf truncated files rejected", all_fail, "a truncated file loaded");

    struct {
        const char *name;
        size_t off;
        uint8_t val;
        const char *msg;
    } patches[] = {
        {"bad magic", 1, 'X', "not an ELF"},
        {"32-bit class", 4, 1, "64-bit"},
        {"big endian", 5, 2, "little-endian"},
        {"not relocatable", 16, 2, "relocatable"},
        {"wrong machine", 18, 62, "not a BPF object"},
        {"bad shentsize", 58, 32, "section header size"},
        {"shoff beyond file", 47, 0x7f, "beyond end"},
        {"shstrndx out of range", 62, 0xff, "name table"},
    };
    for (size_t i = 0; i < N(patches); i++) {
        char name[96];
        memcpy(buf, elf, len);
        buf[patches[i].off] = patches[i].val;
        bool ok = bpf_elf_load(buf, len, arena, sizeof(arena), &obj, err, sizeof(err));
        snprintf(name, sizeof(name), "elf malformed %s", patches[i].name);
        t_result(name, !ok && strstr(err, patches[i].msg), "loaded=%d err=%s", ok, err);
    }
    /* Deterministic random corruption: must never crash (ASan build checks
     * memory safety); whatever loads must also survive the verifier. */
    uint64_t s = 0x12345;
    int loaded = 0;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(buf, elf, len);
        for (int k = 0; k < 1 + iter % 8; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            buf[(s >> 33) % len] ^= (uint8_t)(1u << ((s >> 20) & 7));
        }
        if (bpf_elf_load(buf, len, arena, sizeof(arena), &obj, err, sizeof(err))) {
            loaded++;
            for (uint32_t i = 0; i < obj.nprogs; i++) {
                struct bpf_prog p;
                struct bpf_verify_result res;
                bpf_elf_get_prog(&obj, i, &p);
                bpf_verify(&p, NULL, g_varena, sizeof(g_varena), &res);
            }
        }
    }
    t_result("elf random corruption survives", loaded >= 0, "unreachable");
    t_result("elf null/empty input",
             !bpf_elf_load(NULL, 0, arena, sizeof(arena), &obj, err, sizeof(err)), "loaded");
    t_result("elf arena too small",
             !bpf_elf_load(elf, len, arena, 64, &obj, err, sizeof(err)) && strstr(err, "arena"),
             "err=%s", err);
    free(buf);
    free(elf);
}

static int tlv_ref(const uint8_t *p, size_t n)
{
    size_t off = 0;
    int found = 0;
    for (int i = 0; i < 8; i++) {
        if (off + 2 > n)
            break;
        if (p[off] == 7)
            found++;
        if (p[off + 1] > 32)
            break;
        off += 2 + p[off + 1];
    }
    return found;
}

static void test_patterns(const char *dir, const char *v)
{
    char t[128];
    size_t len;
    uint8_t *elf = load_file(dir, "patterns", v, &len);
    struct bpf_prog p;
    uint64_t r;
    if (!elf)
        return;
    snprintf(t, sizeof(t), "elf%s patterns indexed", v);
    int idx = load_obj(t, elf, len, "event/pct");
    if (idx >= 0 && verify_idx(t, idx, &p)) {
        uint8_t in[sizeof(struct ext_pct_ctx) + EXT_STATE_SIZE] = {0};
        in[8] = 3;
        if (run(t, &p, in, sizeof(in), &r))
            t_result(t, r == 0 && env.ctx.pct.reply[0] == 1 && env.state[3 * 8] == 1,
                     "r0=%llu reply=%llu", (unsigned long long)r,
                     (unsigned long long)env.ctx.pct.reply[0]);
        in[8] = 16;
        if (run(t, &p, in, sizeof(in), &r))
            t_result(t, (uint32_t)r == 0xffffffffu, "out-of-range index: r0=%#llx",
                     (unsigned long long)r);
    }
    snprintf(t, sizeof(t), "elf%s patterns classify", v);
    idx = load_obj(t, elf, len, "event/pagefault");
    if (idx >= 0 && verify_idx(t, idx, &p)) {
        struct ext_pf_ctx c = {0};
        c.error_code = 2;
        c.pool_count = 1;
        c.pool[1] = 100;
        if (run(t, &p, (const uint8_t *)&c, sizeof(c), &r))
            t_result(t, r == 20 && env.ctx.pf.action == 180, "r0=%llu action=%llu",
                     (unsigned long long)r, (unsigned long long)env.ctx.pf.action);
        c.error_code = 5;
        c.pool_count = 9;
        if (run(t, &p, (const uint8_t *)&c, sizeof(c), &r))
            t_result(t, r == 50 && env.ctx.pf.action == 200, "r0=%llu action=%llu",
                     (unsigned long long)r, (unsigned long long)env.ctx.pf.action);
    }
    snprintf(t, sizeof(t), "elf%s patterns tlv", v);
    idx = load_obj(t, elf, len, "filter/packet");
    if (idx >= 0 && verify_idx(t, idx, &p)) {
        static const uint8_t pk1[] = {7, 0, 1, 2, 9, 9, 7, 1, 5, 7, 3, 1, 2, 3, 4};
        static const uint8_t pk2[] = {7, 40, 7, 0};
        uint8_t pk3[64];
        for (int i = 0; i < 64; i++)
            pk3[i] = (uint8_t)(i % 3 == 0 ? 7 : 1);
        const uint8_t *pk[] = {pk1, pk2, pk3};
        size_t pl[] = {sizeof(pk1), sizeof(pk2), sizeof(pk3)};
        for (int k = 0; k < 3; k++)
            if (run(t, &p, pk[k], pl[k], &r))
                t_result(t, (int)r == tlv_ref(pk[k], pl[k]), "packet %d: r0=%llu expected %d", k,
                         (unsigned long long)r, tlv_ref(pk[k], pl[k]));
    }
    snprintf(t, sizeof(t), "elf%s patterns copy_hdr", v);
    idx = load_obj(t, elf, len, "ash/packet");
    if (idx >= 0 && verify_idx(t, idx, &p)) {
        uint8_t pk[20];
        for (int i = 0; i < 20; i++)
            pk[i] = (uint8_t)(0x40 + i);
        if (run(t, &p, pk, sizeof(pk), &r))
            t_result(t, r == 0x40 && !memcmp(env.reply, pk, 16) && env.ctx.ash.reply_len == 16,
                     "r0=%llu", (unsigned long long)r);
        if (run(t, &p, pk, 8, &r)) /* short packet: header stays zero */
            t_result(t, r == 0 && env.reply[0] == 0, "short: r0=%llu", (unsigned long long)r);
    }
    free(elf);
}

/* Every object in the directory (except bad_*): all sections verify, and
 * interpreter and JIT agree on a series of pseudo-random inputs. */
static void test_all_progs(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int objects = 0;
    if (!d) {
        t_result("elf all programs", false, "cannot open %s", dir);
        return;
    }
    while ((de = readdir(d))) {
        size_t nl = strlen(de->d_name);
        if (nl < 6 || strcmp(de->d_name + nl - 6, ".bpf.o") || !strncmp(de->d_name, "bad_", 4))
            continue;
        char path[512], err[160];
        size_t len;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        uint8_t *elf = host_read_file(path, &len);
        if (!elf || !bpf_elf_load(elf, len, arena, sizeof(arena), &obj, err, sizeof(err))) {
            t_result(path, false, "load failed");
            free(elf);
            continue;
        }
        objects++;
        for (uint32_t i = 0; i < obj.nprogs; i++) {
            char t[600];
            struct bpf_prog p;
            struct bpf_verify_result res;
            snprintf(t, sizeof(t), "elf sweep %s %s", de->d_name, obj.progs[i].name);
            bpf_elf_get_prog(&obj, i, &p);
            if (!bpf_verify(&p, NULL, g_varena, sizeof(g_varena), &res)) {
                t_result(t, false, "rejected at insn %u: %s", res.insn, res.reason);
                continue;
            }
            uint64_t seed = 0x5eed + i, ri, rj;
            bool ok = true;
            char msg[160] = "";
            for (int k = 0; k < 24 && ok; k++) {
                uint8_t in[512];
                size_t n = (k * 37) % sizeof(in);
                for (size_t b = 0; b < sizeof(in); b++) {
                    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                    in[b] = (uint8_t)(seed >> 56);
                    if (k % 3 == 0)
                        in[b] &= 0x0f; /* small values: exercise in-range paths */
                }
                host_env_init(&env, p.hook, in, n);
                ok = host_run_both(&p, &env, &ri, &rj, msg, sizeof(msg));
            }
            t_result(t, ok, "%s", msg);
        }
        free(elf);
    }
    closedir(d);
    t_result("elf sweep found objects", objects >= 10, "only %d objects", objects);
}

void test_elf(const char *dir)
{
    static const char *const variants[] = {"", ".v3"};
    for (size_t i = 0; i < N(variants); i++) {
        const char *v = variants[i];
        test_dpf(dir, v);
        test_ash(dir, v);
        test_pct(dir, v);
        test_pf(dir, v);
        test_timer_exc(dir, v);
        test_patterns(dir, v);
        test_bad(dir, v, "bad_unchecked", "filter/packet", "packet access out of bounds");
        test_bad(dir, v, "bad_write_ro", "event/pagefault", "not writable");
    }
    test_malformed(dir);
    test_all_progs(dir);
}
