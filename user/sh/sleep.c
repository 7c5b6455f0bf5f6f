/* sleep SECONDS: waits that long. SECONDS may have a fraction (0.5). */
#include "util.h"

int main(void)
{
    unix_init("sleep");
    char **argv;
    int argc = unix_args(&argv);
    if (argc != 2) {
        putstr(2, "usage: sleep SECONDS\n");
        return 2;
    }
    const char *s = argv[1];
    unsigned long sec = 0, usec = 0, scale = 100000;
    if (!*s || *s == '.')
        goto bad;
    for (; is_digit(*s); s++) {
        sec = sec * 10 + (unsigned long)(*s - '0');
        if (sec > 100000000UL)
            goto bad;
    }
    if (*s == '.')
        for (s++; is_digit(*s); s++, scale /= 10)
            usec += (unsigned long)(*s - '0') * scale;
    if (*s)
        goto bad;
    if (sec)
        sleep((unsigned)sec);
    if (usec)
        usleep((unsigned)usec);
    return 0;
bad:
    fdprintf(2, "sleep: %s: not a number\n", argv[1]);
    return 2;
}
