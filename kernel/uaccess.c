#include "kernel.h"
#include "uaccess.h"
#include "arch/x86_64/x86.h"

bool cpu_has_smap;
long uaccess_copy(void *dst, const void *src, size_t n);

bool user_range_ok(u64 uaddr, u64 n)
{
    return uaddr < USER_TOP && n <= USER_TOP - uaddr;
}

static int copy(void *dst, const void *src, size_t n)
{
    if (cpu_has_smap)
        stac();
    long r = uaccess_copy(dst, src, n);
    if (cpu_has_smap)
        clac();
    return (int)r;
}

int copy_from_user(void *dst, u64 usrc, size_t n)
{
    if (!user_range_ok(usrc, n))
        return -E_FAULT;
    return copy(dst, (const void *)usrc, n);
}

int copy_to_user(u64 udst, const void *src, size_t n)
{
    if (!user_range_ok(udst, n))
        return -E_FAULT;
    return copy((void *)udst, src, n);
}
