/*
 * disk.c - the storage benchmark (make bench-disk, docs/benchmarks.md,
 * "Storage"): the same workload, this same code, on Spinel (diskd) and on
 * Linux (ext4), through the small interface of disk.h.
 *
 * Rows (each one timed region, rdtsc and the cost-model marks around it):
 *   disk_create_4k_fsync  1,000 x (create, write 4 KiB, fsync, close)
 *   disk_read_4k_cold     caches dropped, then 1,000 x (open, read 4 KiB, close)
 *   disk_seq_write_64m    create, 1,024 writes of 64 KiB, fsync, close
 *   disk_seq_read_64m     caches dropped, then open, 1,024 reads of 64 KiB, close
 *   disk_tar_x_2000       extract a ustar archive of 2,000 files in 20
 *                         directories (in memory, made before by the same
 *                         code), then sync
 *   disk_delete_all       unlink every file, remove every directory, sync
 * Every byte read is checked, after its row's region ends (the check is not
 * measured: the two C libraries' memcmp differ a lot).  Output: "BENCH <row> <ticks>" for the whole
 * row and "BENCH-INFO <row> ops=<n>" (the per-operation divisor), then BENCH-END.
 */
#include "disk.h"

#ifdef DISK_SPINEL
#include "../lib/c/libc.h"
#else
#include <stdio.h>
#include <string.h>
#endif

#define MARK_START "0x53504201"
#define MARK_STOP  "0x53504202"
#define MARK_ROW   "0x53504203"
#define MARK(tag)  __asm__ volatile("nopl " tag "(%%rax)" : : : "memory")

#define NSMALL   1000
#define BIG      (64u << 20)
#define CHUNK    (64u << 10)
#define NTAR     2000
#define NTARDIRS 20
#define TARMAX   (12u << 20)

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

static uint8_t small[4096], chunk[CHUNK], rbuf[CHUNK];
static uint8_t (*got)[4096]; /* NSMALL of them */
static uint8_t *tar;         /* TARMAX bytes */
static size_t tarlen;
static char path[256];
static uint64_t t0;
static int failed;

static void say(const char *fmt, const char *row, unsigned long long v)
{
    char line[160];
    snprintf(line, sizeof line, fmt, row, v);
    dp_print(line);
}

static void fail(const char *row, const char *what, long r)
{
    char line[160];
    snprintf(line, sizeof line, "BENCH-INFO %s failed: %s (%ld)\n", row, what, r);
    dp_print(line);
    failed = 1;
}

/* A row: an empty batch 0 for the plugin (which treats batch 0 as a
 * warm-up: it leaves it out of profiles), then the measured batch 1. */
static void begin(void)
{
    MARK(MARK_ROW);
    MARK(MARK_START);
    MARK(MARK_STOP);
    t0 = rdtsc();
    MARK(MARK_START);
}

static void end(const char *row, unsigned long long ops)
{
    MARK(MARK_STOP);
    uint64_t t = rdtsc() - t0;
    say("BENCH %s %llu\n", row, (unsigned long long)t);
    say("BENCH-INFO %s ops=%llu\n", row, ops);
}

static const char *p(const char *fmt, unsigned a, unsigned b)
{
    char rel[200];
    snprintf(rel, sizeof rel, fmt, a, b);
    snprintf(path, sizeof path, "%s%s", dp_root(), rel);
    return path;
}

/* ---- the archive: ustar, 20 directories, 2,000 files of 1..8,192 bytes ---- */

static void octal(char *f, size_t w, unsigned long long v)
{
    f[w - 1] = 0;
    for (size_t i = w - 1; i-- > 0; v >>= 3)
        f[i] = (char)('0' + (v & 7));
}

static void tar_header(const char *name, char type, size_t size)
{
    char *h = (char *)tar + tarlen;
    memset(h, 0, 512);
    memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
    octal(h + 100, 8, type == '5' ? 0755 : 0644);
    octal(h + 108, 8, 0);
    octal(h + 116, 8, 0);
    octal(h + 124, 12, size);
    octal(h + 136, 12, 1700000000);
    h[156] = type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (uint8_t)h[i];
    octal(h + 148, 7, sum);
    tarlen += 512;
}

static size_t tar_size(unsigned i)
{
    return (i * 7919u) % 8192u + 1;
}

static uint8_t tar_byte(unsigned i, size_t k)
{
    return (uint8_t)(i * 31 + k * 7 + (k >> 9));
}

static void make_tar(void)
{
    tarlen = 0;
    char name[100];
    tar_header("tree/", '5', 0);
    for (unsigned d = 0; d < NTARDIRS; d++) {
        snprintf(name, sizeof name, "tree/d%02u/", d);
        tar_header(name, '5', 0);
        for (unsigned j = 0; j < NTAR / NTARDIRS; j++) {
            unsigned i = d * (NTAR / NTARDIRS) + j;
            size_t n = tar_size(i);
            snprintf(name, sizeof name, "tree/d%02u/file%04u.c", d, i);
            tar_header(name, '0', n);
            for (size_t k = 0; k < n; k++)
                tar[tarlen + k] = tar_byte(i, k);
            tarlen += (n + 511) & ~(size_t)511;
        }
    }
    memset(tar + tarlen, 0, 1024);
    tarlen += 1024;
}

static unsigned long long from_octal(const char *f, size_t w)
{
    unsigned long long v = 0;
    for (size_t i = 0; i < w && f[i] >= '0' && f[i] <= '7'; i++)
        v = v * 8 + (unsigned)(f[i] - '0');
    return v;
}

/* tar x: headers, directories, files (one write each, as busybox's tar for
 * small files); 0 or the first error. */
static long untar(void)
{
    size_t at = 0;
    while (at + 512 <= tarlen && tar[at]) {
        const char *h = (const char *)tar + at;
        char name[101];
        memcpy(name, h, 100);
        name[100] = 0;
        size_t size = (size_t)from_octal(h + 124, 12);
        at += 512;
        size_t n = strlen(name);
        if (h[156] == '5') {
            if (n && name[n - 1] == '/')
                name[n - 1] = 0;
            snprintf(path, sizeof path, "%s/%s", dp_root(), name);
            long r = dp_mkdir(path);
            if (r < 0)
                return r;
        } else {
            snprintf(path, sizeof path, "%s/%s", dp_root(), name);
            long f = dp_open(path, DP_CREATE);
            if (f < 0)
                return f;
            long w = dp_pwrite(f, tar + at, size, 0);
            long c = dp_close(f);
            if (w != (long)size || c < 0)
                return w < 0 ? w : -5;
        }
        at += (size + 511) & ~(size_t)511;
    }
    return dp_sync();
}

void disk_main(void)
{
    dp_print("\n");
    if (dp_init() < 0) {
        dp_print("BENCH-INFO platform init failed\n");
        dp_exit(1);
    }
    char line[80];
    snprintf(line, sizeof line, "BENCH-INFO platform %s\n", dp_name());
    dp_print(line);
    got = dp_alloc((size_t)NSMALL * 4096);
    tar = dp_alloc(TARMAX);
    if (!got || !tar) {
        snprintf(line, sizeof line, "BENCH-INFO out of memory (%d %d)\n", got != 0, tar != 0);
        dp_print(line);
        dp_exit(1);
    }
    make_tar();
    for (size_t i = 0; i < CHUNK; i++)
        chunk[i] = (uint8_t)(i * 13 + (i >> 12));
    long r = dp_mkdir(p("/small", 0, 0));
    if (r < 0)
        fail("setup", "mkdir /small", r);
    dp_sync();

    /* 1. create + write 4 KiB + fsync + close */
    begin();
    for (unsigned i = 0; i < NSMALL && !failed; i++) {
        memset(small, (int)(i & 0xff), sizeof small);
        memcpy(small, &i, sizeof i);
        long f = dp_open(p("/small/f%04u", i, 0), DP_CREATE);
        if (f < 0 || dp_pwrite(f, small, sizeof small, 0) != (long)sizeof small ||
            dp_fsync(f) < 0 || dp_close(f) < 0)
            fail("disk_create_4k_fsync", "create", f);
    }
    end("disk_create_4k_fsync", NSMALL);

    /* 2. read them back, cold */
    if ((r = dp_drop_caches()) < 0)
        fail("disk_read_4k_cold", "drop caches", r);
    begin();
    for (unsigned i = 0; i < NSMALL && !failed; i++) {
        long f = dp_open(p("/small/f%04u", i, 0), DP_READ);
        if (f < 0 || dp_pread(f, got[i], 4096, 0) != 4096 || dp_close(f) < 0)
            fail("disk_read_4k_cold", "read", f);
    }
    end("disk_read_4k_cold", NSMALL);
    for (unsigned i = 0; i < NSMALL && !failed; i++) {
        memset(small, (int)(i & 0xff), sizeof small);
        memcpy(small, &i, sizeof i);
        if (memcmp(got[i], small, sizeof small) != 0)
            fail("disk_read_4k_cold", "wrong data", (long)i);
    }

    /* 3. sequential write of 64 MiB */
    begin();
    long f = dp_open(p("/big", 0, 0), DP_CREATE);
    if (f < 0)
        fail("disk_seq_write_64m", "create", f);
    for (uint64_t o = 0; o < BIG && !failed; o += CHUNK) {
        memcpy(chunk, &o, sizeof o);
        if ((r = dp_pwrite(f, chunk, CHUNK, o)) != (long)CHUNK)
            fail("disk_seq_write_64m", "write", r);
    }
    if (!failed && ((r = dp_fsync(f)) < 0 || (r = dp_close(f)) < 0))
        fail("disk_seq_write_64m", "fsync/close", r);
    end("disk_seq_write_64m", BIG / CHUNK);

    /* 4. sequential read of 64 MiB, cold (each chunk's first 8 bytes are
     * checked in the region; every byte after it, read again) */
    if ((r = dp_drop_caches()) < 0)
        fail("disk_seq_read_64m", "drop caches", r);
    begin();
    f = dp_open(p("/big", 0, 0), DP_READ);
    if (f < 0)
        fail("disk_seq_read_64m", "open", f);
    int bad = 0;
    for (uint64_t o = 0; o < BIG && !failed; o += CHUNK) {
        if ((r = dp_pread(f, rbuf, CHUNK, o)) != (long)CHUNK)
            fail("disk_seq_read_64m", "read", r);
        uint64_t mark;
        memcpy(&mark, rbuf, sizeof mark);
        bad |= mark != o;
    }
    end("disk_seq_read_64m", BIG / CHUNK);
    for (uint64_t o = 0; o < BIG && !failed; o += CHUNK) {
        memcpy(chunk, &o, sizeof o);
        if (dp_pread(f, rbuf, CHUNK, o) != (long)CHUNK || memcmp(rbuf, chunk, CHUNK) != 0)
            bad = 1;
    }
    if (!failed)
        dp_close(f);
    if (bad)
        fail("disk_seq_read_64m", "wrong data", 0);

    /* 5. tar x of 2,000 files */
    begin();
    if (!failed && (r = untar()) < 0)
        fail("disk_tar_x_2000", "extract", r);
    end("disk_tar_x_2000", NTAR);
    for (unsigned i = 0; i < NTAR && !failed; i += 97) { /* spot checks */
        size_t n = tar_size(i);
        f = dp_open(p("/tree/d%02u/file%04u.c", i / (NTAR / NTARDIRS), i), DP_READ);
        if (f < 0 || dp_pread(f, rbuf, CHUNK, 0) != (long)n)
            fail("disk_tar_x_2000", "read back", f);
        for (size_t k = 0; k < n && !failed; k++)
            if (rbuf[k] != tar_byte(i, k))
                fail("disk_tar_x_2000", "wrong data", (long)i);
        dp_close(f);
    }

    /* 6. delete it all */
    begin();
    for (unsigned i = 0; i < NSMALL && !failed; i++)
        if ((r = dp_unlink(p("/small/f%04u", i, 0))) < 0)
            fail("disk_delete_all", "unlink small", r);
    if (!failed && (r = dp_rmdir(p("/small", 0, 0))) < 0)
        fail("disk_delete_all", "rmdir small", r);
    if (!failed && (r = dp_unlink(p("/big", 0, 0))) < 0)
        fail("disk_delete_all", "unlink big", r);
    for (unsigned d = 0; d < NTARDIRS && !failed; d++) {
        for (unsigned j = 0; j < NTAR / NTARDIRS && !failed; j++) {
            unsigned i = d * (NTAR / NTARDIRS) + j;
            if ((r = dp_unlink(p("/tree/d%02u/file%04u.c", d, i))) < 0)
                fail("disk_delete_all", "unlink tree", r);
        }
        if (!failed && (r = dp_rmdir(p("/tree/d%02u", d, 0))) < 0)
            fail("disk_delete_all", "rmdir tree", r);
    }
    if (!failed && ((r = dp_rmdir(p("/tree", 0, 0))) < 0 || (r = dp_sync()) < 0))
        fail("disk_delete_all", "rmdir/sync", r);
    end("disk_delete_all", NSMALL + 1 + NTAR);

    dp_info();
    if (!failed)
        dp_print("BENCH-END\n");
    dp_exit(failed);
}
