/* The POSIX error numbers (Linux's values) that the thread libraries'
 * pthread-style calls return: lib/unix/thread (strands on one env) and
 * lib/mn (M:N strands over several). Defined only when no other header
 * (lib/unix/unix.h, with every errno value) has defined them. */
#ifndef SPINEL_PTHREAD_ERRNO_H
#define SPINEL_PTHREAD_ERRNO_H
#ifndef EPERM
#define EPERM   1
#define ESRCH   3
#define EAGAIN  11
#define ENOMEM  12
#define EBUSY   16
#define EINVAL  22
#define EDEADLK 35
#endif
#endif
