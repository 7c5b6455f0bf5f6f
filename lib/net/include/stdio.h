/* lwIP includes <stdio.h>: Spinel's C library (lib/c) has what it uses. */
#include "../../c/libc.h"
