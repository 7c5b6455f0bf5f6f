/* false: exits with status 1. */
#include "util.h"

int main(void)
{
    unix_init("false");
    return 1;
}
