/* lib/net's Internet checksums (csum.c): lwIP's LWIP_CHKSUM, plus
 * precomputed checksums for data that does not change (a web server's file
 * cache): a region registered once gets prefix sums every CSUM_STEP bytes,
 * after which the checksum of any range of it costs at most 2 * CSUM_STEP
 * bytes of summing, whatever its length and alignment (the segments TCP
 * cuts from it). Host-buildable (make -C lib/net test). */
#ifndef LIB_NET_CSUM_H
#define LIB_NET_CSUM_H

#include <stdint.h>
#include <stddef.h>

#define CSUM_STEP    64  /* bytes between two prefix sums */
#define CSUM_REGIONS 64  /* regions registered at most */
#define CSUM_MIN     128 /* ranges shorter than this are summed directly */

/* The 16-bit one's-complement sum of n bytes at d, as little-endian words
 * counted from d (an odd last byte is a word's low byte), folded, not
 * inverted: what lwIP's lwip_standard_chksum returns. */
uint16_t csum_plain(const void *d, size_t n);

/* Registers [base, base+len) as data that will not change while it is
 * registered: computes its prefix sums into pre, an array of
 * csum_pre_count(len) entries the caller provides (and keeps). Returns 0,
 * or -1 if the table is full or len is 0. */
size_t csum_pre_count(uint32_t len);
int csum_register(const void *base, uint32_t len, uint16_t *pre);
/* Forgets every region (tests). */
void csum_reset(void);

/* The sum of [d, d+n): from the prefix sums if the range lies inside a
 * registered region and is at least CSUM_MIN bytes, else csum_plain. The
 * same value as csum_plain (up to the one's-complement zero: 0 and
 * 0xffff are the same number). lwipopts.h makes it LWIP_CHKSUM. */
uint16_t lnet_chksum(const void *d, int n);
/* Ranges answered from prefix sums so far (lnet_chksum). */
extern uint64_t csum_hits;

#endif
