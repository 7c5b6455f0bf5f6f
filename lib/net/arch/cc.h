/* lwIP's compiler and platform definitions for Spinel's library OS. */
#ifndef LIB_NET_ARCH_CC_H
#define LIB_NET_ARCH_CC_H

#include "../../c/libc.h"

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H    1
#define LWIP_NO_UNISTD_H   1
#define X8_F               "02x"
#define U16_F              "u"
#define S16_F              "d"
#define X16_F              "x"
#define U32_F              "u"
#define S32_F              "d"
#define X32_F              "x"
#define SZT_F              "lu"
#define SSIZE_MAX          0x7fffffffffffffffL
typedef long ssize_t;

#define BYTE_ORDER LITTLE_ENDIAN

void lnet_assert(const char *msg, const char *file, int line) __attribute__((noreturn));
#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
        printf x;                                                                                  \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) lnet_assert(x, __FILE__, __LINE__)

unsigned int lnet_rand(void);
#define LWIP_RAND() lnet_rand()

#endif
