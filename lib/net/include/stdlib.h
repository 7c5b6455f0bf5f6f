/* lwIP includes <stdlib.h>: Spinel's C library (lib/c), and atoi from
 * lib/net (lnet.c) under its own name. */
#include "../../c/libc.h"
int lnet_atoi(const char *s);
#define atoi lnet_atoi
