/* Checked access to user memory from kernel calls. */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include "types.h"

/* True if [uaddr, uaddr + n) lies entirely in the user half (no overflow). */
bool user_range_ok(u64 uaddr, u64 n);
/* 0, or -E_FAULT if the range is outside user space or not mapped. */
int copy_from_user(void *dst, u64 usrc, size_t n);
int copy_to_user(u64 udst, const void *src, size_t n);
extern bool cpu_has_smap;
/* Reads a u64 at addr without stac (the SMAP test): 0, or -E_FAULT. */
long uaccess_probe(u64 addr);

#endif
