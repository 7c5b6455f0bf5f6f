/* echo [-n] [ARGS...]: prints its arguments separated by spaces, then a
 * newline unless -n. */
#include "util.h"

int main(void)
{
    unix_init("echo");
    char **argv;
    int argc = unix_args(&argv);
    int i = 1, nl = 1;
    if (argc > 1 && strcmp(argv[1], "-n") == 0) {
        nl = 0;
        i++;
    }
    /* One write, so that lines from concurrent writers do not interleave. */
    size_t len = 2;
    for (int k = i; k < argc; k++)
        len += strlen(argv[k]) + 1;
    char *buf = malloc(len);
    if (!buf)
        return 1;
    size_t n = 0;
    for (int k = i; k < argc; k++) {
        if (k > i)
            buf[n++] = ' ';
        size_t l = strlen(argv[k]);
        memcpy(buf + n, argv[k], l);
        n += l;
    }
    if (nl)
        buf[n++] = '\n';
    int r = write_all(1, buf, n);
    free(buf);
    return r < 0 ? 1 : 0;
}
