/* Host tests of lib/net/csum.c: precomputed range sums equal the direct
 * sum (up to the one's-complement zero) for every alignment, length and
 * region edge; csum_plain equals a plain word-by-word reference; bad and
 * edge input (empty, full table, ranges crossing a region's end, data not
 * registered) falls back or is refused. */
#include "../csum.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (c)                                                                                     \
            passed++;                                                                              \
        else {                                                                                     \
            failed++;                                                                              \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                                    \
        }                                                                                          \
    } while (0)

/* The definition, word by word (big-endian words, then swapped back to
 * the little-endian convention: the same one's-complement number). */
static uint16_t reference(const uint8_t *d, size_t n)
{
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i += 2) {
        acc += (uint32_t)d[i] << 8 | (i + 1 < n ? d[i + 1] : 0);
        acc = (acc & 0xffff) + (acc >> 16);
    }
    uint16_t be = (uint16_t)acc;
    return (uint16_t)(be << 8 | be >> 8);
}

static int same(uint16_t x, uint16_t y)
{
    return x % 0xffff == y % 0xffff;
}

int main(void)
{
    enum { LEN = 70001 };
    uint8_t *buf = malloc(LEN + 16);
    srand(7);
    for (int i = 0; i < LEN + 16; i++)
        buf[i] = (uint8_t)rand();
    /* csum_plain against the reference, every alignment and short length. */
    int bad = 0;
    for (int off = 0; off < 8; off++)
        for (int n = 0; n < 300; n++)
            bad += !same(csum_plain(buf + off, (size_t)n), reference(buf + off, (size_t)n));
    CHECK(bad == 0);
    CHECK(same(csum_plain(buf, LEN), reference(buf, LEN)));
    CHECK(csum_plain(buf, 0) == 0);

    /* A registered region (odd length, odd address): random ranges. */
    uint8_t *region = buf + 3;
    uint16_t *pre = malloc(csum_pre_count(LEN) * sizeof *pre);
    uint64_t hits0 = csum_hits;
    CHECK(csum_register(region, LEN, pre) == 0);
    bad = 0;
    for (int t = 0; t < 20000; t++) {
        uint32_t a = (uint32_t)rand() % LEN, n = (uint32_t)rand() % 3000;
        if (a + n > LEN)
            n = LEN - a;
        bad += !same(lnet_chksum(region + a, (int)n), reference(region + a, n));
    }
    CHECK(bad == 0);
    CHECK(csum_hits > hits0 + 10000); /* most were answered from the prefix sums */
    /* Every edge: the start, the end, both parities, around CSUM_MIN. */
    bad = 0;
    for (uint32_t a = 0; a < 2 * CSUM_STEP + 3; a++)
        for (uint32_t n = CSUM_MIN - 2; n < CSUM_MIN + 2 * CSUM_STEP + 3; n++) {
            bad += !same(lnet_chksum(region + a, (int)n), reference(region + a, n));
            bad += !same(lnet_chksum(region + LEN - a - n, (int)n),
                         reference(region + LEN - a - n, n));
        }
    CHECK(bad == 0);
    CHECK(same(lnet_chksum(region, LEN), reference(region, LEN)));
    /* All zeros: 0 (or its other form). */
    static uint8_t zeros[4096];
    static uint16_t zpre[4096 / CSUM_STEP + 1];
    CHECK(csum_register(zeros, sizeof zeros, zpre) == 0);
    CHECK(same(lnet_chksum(zeros + 5, 1000), 0));
    /* Ranges that cross a region's end, or lie outside: summed directly. */
    hits0 = csum_hits;
    CHECK(same(lnet_chksum(region + LEN - 100, 110), reference(region + LEN - 100, 110)));
    CHECK(same(lnet_chksum(buf, 500), reference(buf, 500))); /* starts before the region */
    CHECK(csum_hits == hits0);
    CHECK(lnet_chksum(buf, 0) == 0);
    CHECK(lnet_chksum(buf, -5) == 0);
    /* Refused: an empty region, a full table. */
    CHECK(csum_register(buf, 0, pre) == -1);
    int r = 0;
    for (int i = 0; i < CSUM_REGIONS + 5 && r == 0; i++)
        r = csum_register(zeros, 64, zpre);
    CHECK(r == -1);
    CHECK(same(lnet_chksum(region + 17, 1500), reference(region + 17, 1500))); /* still right */
    csum_reset();
    hits0 = csum_hits;
    CHECK(same(lnet_chksum(region + 17, 1500), reference(region + 17, 1500)));
    CHECK(csum_hits == hits0);
    free(pre);
    free(buf);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
