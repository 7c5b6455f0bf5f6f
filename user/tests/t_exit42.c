/* A user program prints and exits with a status the runner sees. */
#include "../../lib/c/libc.h"
int main(void)
{
    printf("t_exit42: hello from user space\n");
    return 42;
}
