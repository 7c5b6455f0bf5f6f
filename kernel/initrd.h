/* The boot image: a cpio (newc) archive passed as the first boot module. */
#ifndef KERNEL_INITRD_H
#define KERNEL_INITRD_H

#include "types.h"

struct initrd_file {
    const char *name; /* not NUL-terminated: namelen bytes */
    size_t namelen;
    const u8 *data;
    size_t size;
    u32 mode;
};

void initrd_init(const void *start, size_t size);
const u8 *initrd_bytes(u64 *size); /* the whole archive (page-aligned start) */
/* Finds a regular file by exact name; returns false if absent. */
bool initrd_find(const char *name, struct initrd_file *out);
/* Iterates: *cursor starts at 0; returns false at the end. */
bool initrd_next(size_t *cursor, struct initrd_file *out);

#endif
