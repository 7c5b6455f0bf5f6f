/* Small helpers shared by the shell and its utilities (user/sh). printf in
 * libc writes straight to the console; these write through descriptors, so
 * that redirection and pipes work. */
#ifndef USER_SH_UTIL_H
#define USER_SH_UTIL_H

#include "../../lib/c/libc.h"
#include "../../lib/unix/unix.h"

/* Writes all of s[0..n) to fd; 0, or -1 on error. */
static inline int write_all(int fd, const void *s, size_t n)
{
    const char *p = s;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static inline int putstr(int fd, const char *s)
{
    return write_all(fd, s, strlen(s));
}

static inline int fdprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int fdprintf(int fd, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (r < 0)
        return r;
    size_t n = (size_t)r < sizeof buf ? (size_t)r : sizeof buf - 1;
    return write_all(fd, buf, n) < 0 ? -1 : (int)n;
}

static inline const char *str_chr(const char *s, int c)
{
    for (; *s; s++)
        if (*s == (char)c)
            return s;
    return c ? NULL : s;
}

static inline int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Parses a decimal number (optional sign); 0 on success, -1 if s is not one. */
static inline int parse_int(const char *s, long *out)
{
    int neg = 0;
    long v = 0;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (!is_digit(*s))
            return -1;
        v = v * 10 + (*s - '0');
        if (v > 1000000000L)
            return -1;
    }
    *out = neg ? -v : v;
    return 0;
}

/* Finds needle in hay (fixed strings); NULL if absent. */
static inline const char *str_str(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncmp(hay, needle, n) == 0)
            return hay;
    return n ? NULL : hay;
}

static inline const char *err_str(int e)
{
    switch (e) {
    case EPERM:
        return "operation not permitted";
    case ENOENT:
        return "no such file or directory";
    case ESRCH:
        return "no such process";
    case EIO:
        return "i/o error";
    case E2BIG:
        return "argument list too long";
    case ENOEXEC:
        return "not an executable";
    case EBADF:
        return "bad file descriptor";
    case ECHILD:
        return "no child processes";
    case EAGAIN:
        return "resource temporarily unavailable";
    case ENOMEM:
        return "out of memory";
    case EFAULT:
        return "bad address";
    case EBUSY:
        return "busy";
    case EEXIST:
        return "file exists";
    case ENOTDIR:
        return "not a directory";
    case EISDIR:
        return "is a directory";
    case EINVAL:
        return "invalid argument";
    case EMFILE:
        return "too many open files";
    case ENOSPC:
        return "no space left on device";
    case ESPIPE:
        return "illegal seek";
    case EPIPE:
        return "broken pipe";
    case ENOSYS:
        return "not implemented";
    default:
        return "error";
    }
}

#endif
