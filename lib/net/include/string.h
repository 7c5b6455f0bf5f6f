/* lwIP includes <string.h>: Spinel's C library (lib/c) has what it uses,
 * and lib/net (lnet.c) the one more it needs, under its own name. */
#include "../../c/libc.h"
void *lnet_memmove(void *d, const void *s, size_t n);
#define memmove lnet_memmove
