/* Internet checksums with precomputed prefix sums (csum.h). The sum is
 * taken over little-endian 16-bit words; since 2^16 = 1 modulo 0xffff, a
 * sum of 32-bit little-endian words folded to 16 bits is the same number,
 * which lets csum_plain add four bytes at a time. A range that starts at
 * an odd offset of its region pairs its bytes the other way round: its
 * sum is the byte swap of the region-aligned sum. */
#include "csum.h"

static inline uint16_t fold(uint64_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)acc;
}

/* x - y in one's-complement arithmetic: x + ~y. */
static inline uint16_t sub(uint16_t x, uint16_t y)
{
    return fold((uint64_t)x + (uint16_t)~y);
}

static inline uint16_t swap(uint16_t x)
{
    return (uint16_t)(x << 8 | x >> 8);
}

uint16_t csum_plain(const void *d, size_t n)
{
    const uint8_t *p = d;
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t w;
        __builtin_memcpy(&w, p + i, 4); /* (any alignment) */
        acc += w;
    }
    for (; i + 2 <= n; i += 2)
        acc += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
    if (i < n)
        acc += p[i];
    return fold(acc);
}

/* The registered regions. lib/net runs in one thread of one env (NO_SYS),
 * so the table needs no lock. Invariant: regions[0..nregions) are in use,
 * and their bytes do not change (the caller promised). */
static struct region {
    const uint8_t *base;
    uint32_t len;
    uint16_t *pre; /* pre[k]: the sum of [0, k * CSUM_STEP) */
} regions[CSUM_REGIONS];
static int nregions;
uint64_t csum_hits;

size_t csum_pre_count(uint32_t len)
{
    return len / CSUM_STEP + 1;
}

int csum_register(const void *base, uint32_t len, uint16_t *pre)
{
    if (nregions == CSUM_REGIONS || len == 0)
        return -1;
    const uint8_t *b = base;
    pre[0] = 0;
    for (uint32_t k = 1; k < csum_pre_count(len); k++)
        pre[k] = fold((uint64_t)pre[k - 1] + csum_plain(b + (k - 1) * CSUM_STEP, CSUM_STEP));
    regions[nregions++] = (struct region){b, len, pre};
    return 0;
}

void csum_reset(void)
{
    nregions = 0;
}

/* The region-aligned sum of [0, x), x even. */
static uint16_t prefix(const struct region *r, uint32_t x)
{
    uint32_t k = x / CSUM_STEP;
    return fold((uint64_t)r->pre[k] + csum_plain(r->base + k * CSUM_STEP, x - k * CSUM_STEP));
}

/* The sum of [a, b) of r, counted from a. */
static uint16_t range(const struct region *r, uint32_t a, uint32_t b)
{
    uint32_t a0 = a & ~1u, b0 = b & ~1u;
    uint16_t t = sub(prefix(r, b0), prefix(r, a0)); /* region-aligned words of [a0, b0) */
    if (b & 1)
        t = fold((uint64_t)t + r->base[b - 1]); /* a last byte: a word's low byte */
    if (a & 1)
        t = sub(t, r->base[a - 1]); /* not the byte before a (a low byte) */
    return (a & 1) ? swap(t) : t;
}

uint16_t lnet_chksum(const void *d, int n)
{
    const uint8_t *p = d;
    if (n >= CSUM_MIN) {
        for (int i = 0; i < nregions; i++) {
            const struct region *r = &regions[i];
            if (p >= r->base && p + n <= r->base + r->len) {
                csum_hits++;
                return range(r, (uint32_t)(p - r->base), (uint32_t)(p - r->base) + (uint32_t)n);
            }
        }
    }
    return n > 0 ? csum_plain(d, (size_t)n) : 0;
}
