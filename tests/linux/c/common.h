/* Shared by the Linux test programs (tests/linux/c): output straight through
 * write(2), so nothing sits in a stdio buffer across fork, and errno names
 * instead of strerror texts, which differ between C libraries. */
#ifndef LINUX_TEST_COMMON_H
#define LINUX_TEST_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void say(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = sizeof buf - 1;
    for (int off = 0; off < n;) {
        ssize_t w = write(1, buf + off, (size_t)(n - off));
        if (w <= 0)
            return;
        off += (int)w;
    }
}

static const char *errname(int e)
{
    switch (e) {
    case 0:
        return "OK";
    case EPERM:
        return "EPERM";
    case ENOENT:
        return "ENOENT";
    case ESRCH:
        return "ESRCH";
    case EINTR:
        return "EINTR";
    case EBADF:
        return "EBADF";
    case ECHILD:
        return "ECHILD";
    case EAGAIN:
        return "EAGAIN";
    case EACCES:
        return "EACCES";
    case EFAULT:
        return "EFAULT";
    case EEXIST:
        return "EEXIST";
    case ENOTDIR:
        return "ENOTDIR";
    case EISDIR:
        return "EISDIR";
    case EINVAL:
        return "EINVAL";
    case ESPIPE:
        return "ESPIPE";
    case EPIPE:
        return "EPIPE";
    case ENOTEMPTY:
        return "ENOTEMPTY";
    case ENOSYS:
        return "ENOSYS";
    case ENOEXEC:
        return "ENOEXEC";
    case ENOTTY:
        return "ENOTTY";
    case ENOSPC:
        return "ENOSPC";
    case EMFILE:
        return "EMFILE";
    case ENOMEM:
        return "ENOMEM";
    case EROFS:
        return "EROFS";
    case ENAMETOOLONG:
        return "ENAMETOOLONG";
    default:
        return "E?";
    }
}

/* "name: result" for a call returning -1 and errno on failure. */
#define TRY(name, expr)                                                                            \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long r_ = (long)(expr);                                                                    \
        say("%s: %ld %s\n", name, r_, r_ < 0 ? errname(errno) : "");                               \
    } while (0)

#endif
