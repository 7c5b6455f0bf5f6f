#include "libc.h"
#include "../exo/exo.h"

/* Eight bytes at a time, then the tail (string instructions). */
void *memset(void *d, int c, size_t n)
{
    void *r = d;
    size_t q = n / 8;
    uint64_t v = 0x0101010101010101UL * (unsigned char)c;
    n %= 8;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(v) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(v) : "memory");
    return r;
}

void *memcpy(void *d, const void *s, size_t n)
{
    void *r = d;
    size_t q = n / 8;
    n %= 8;
    __asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(q)::"memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n)::"memory");
    return r;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

/* The first occurrence of sub in s, or NULL (s itself for an empty sub). */
char *strstr(const char *s, const char *sub)
{
    for (;; s++) {
        const char *a = s, *b = sub;
        while (*b && *a == *b)
            a++, b++;
        if (!*b)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

static void put(char *buf, size_t n, size_t *len, char c)
{
    if (*len + 1 < n)
        buf[*len] = c;
    (*len)++;
}

static void num(char *buf, size_t n, size_t *len, unsigned long v, int base, int width, char pad,
                int neg)
{
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    for (int w = k + neg; w < width; w++)
        put(buf, n, len, pad);
    if (neg)
        put(buf, n, len, '-');
    while (k)
        put(buf, n, len, tmp[--k]);
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    size_t len = 0;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(buf, n, &len, *fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, lng = 0;
        if (*fmt == '0')
            pad = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z')
            lng = 1, fmt++;
        switch (*fmt) {
        case 'd': {
            long v = lng ? va_arg(ap, long) : va_arg(ap, int);
            num(buf, n, &len, v < 0 ? -(unsigned long)v : (unsigned long)v, 10, width, pad, v < 0);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            num(buf, n, &len, v, *fmt == 'u' ? 10 : 16, width, pad, 0);
            break;
        }
        case 'p':
            put(buf, n, &len, '0');
            put(buf, n, &len, 'x');
            num(buf, n, &len, (unsigned long)va_arg(ap, void *), 16, 0, ' ', 0);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            while (*s)
                put(buf, n, &len, *s++);
            break;
        }
        case 'c':
            put(buf, n, &len, (char)va_arg(ap, int));
            break;
        case 0:
            fmt--;
            break;
        default:
            put(buf, n, &len, *fmt);
        }
    }
    if (n)
        buf[len < n ? len : n - 1] = 0;
    return (int)len;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

int printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sys_cputs(buf, r < (int)sizeof buf ? (size_t)r : sizeof buf - 1);
    return r;
}

int puts(const char *s)
{
    sys_cputs(s, strlen(s));
    sys_cputs("\n", 1);
    return 0;
}

char *strcpy(char *d, const char *s)
{
    char *r = d;
    while ((*d++ = *s++))
        ;
    return r;
}
