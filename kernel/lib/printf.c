/* printf-style formatting for the kernel: %d %i %u %x %X %p %s %c %%, with
 * flags '-', '0', width, precision for strings, and length modifiers l, ll, z. */
#include "../kernel.h"

struct out {
    void (*put)(struct out *o, char c);
    char *buf;
    size_t len, cap;
};

static void put_buf(struct out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len] = c;
    o->len++;
}

static void put_con(struct out *o, char c)
{
    /* Buffer a line, so that one kprintf is written in one piece. */
    if (o->len == o->cap) {
        console_write(o->buf, o->len);
        o->len = 0;
    }
    o->buf[o->len++] = c;
}

static void fmt_num(struct out *o, u64 v, bool neg, unsigned base, bool upper, int width, bool zero,
                    bool left)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int len = n + (neg ? 1 : 0);
    if (!left && !zero)
        for (; width > len; width--)
            o->put(o, ' ');
    if (neg)
        o->put(o, '-');
    if (!left && zero)
        for (; width > len; width--)
            o->put(o, '0');
    while (n)
        o->put(o, tmp[--n]);
    if (left)
        for (; width > len; width--)
            o->put(o, ' ');
}

static void vformat(struct out *o, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            o->put(o, *fmt);
            continue;
        }
        fmt++;
        bool zero = false, left = false;
        int width = 0, prec = -1, lng = 0;
        for (;; fmt++) {
            if (*fmt == '0')
                zero = true;
            else if (*fmt == '-')
                left = true;
            else
                break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            }
            while (*fmt >= '0' && *fmt <= '9')
                prec = prec * 10 + (*fmt++ - '0');
        }
        while (*fmt == 'l' || *fmt == 'z') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
        case 'i': {
            s64 v = lng ? va_arg(ap, s64) : va_arg(ap, int);
            fmt_num(o, v < 0 ? -(u64)v : (u64)v, v < 0, 10, false, width, zero, left);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            u64 v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned);
            fmt_num(o, v, false, *fmt == 'u' ? 10 : 16, *fmt == 'X', width, zero, left);
            break;
        }
        case 'p':
            o->put(o, '0');
            o->put(o, 'x');
            fmt_num(o, (u64)va_arg(ap, void *), false, 16, false, 16, true, false);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int n = prec >= 0 ? (int)strnlen(s, prec) : (int)strlen(s);
            if (!left)
                for (int w = width; w > n; w--)
                    o->put(o, ' ');
            for (int i = 0; i < n; i++)
                o->put(o, s[i]);
            if (left)
                for (int w = width; w > n; w--)
                    o->put(o, ' ');
            break;
        }
        case 'c':
            o->put(o, (char)va_arg(ap, int));
            break;
        case '%':
            o->put(o, '%');
            break;
        case 0:
            return;
        default:
            o->put(o, '%');
            o->put(o, *fmt);
        }
    }
}

int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct out o = {put_buf, buf, 0, n};
    vformat(&o, fmt, ap);
    if (n)
        buf[o.len < n ? o.len : n - 1] = 0;
    return (int)o.len;
}

int ksnprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = kvsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

int vkprintf(const char *fmt, va_list ap)
{
    char line[256];
    struct out o = {put_con, line, 0, sizeof line};
    vformat(&o, fmt, ap);
    console_write(line, o.len);
    return 0;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vkprintf(fmt, ap);
    va_end(ap);
    return 0;
}
