/* true: exits with status 0. */
#include "util.h"

int main(void)
{
    unix_init("true");
    return 0;
}
