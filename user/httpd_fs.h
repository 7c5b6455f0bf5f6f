/* httpd's reads of the Unix library OS's memory file system (httpd_fs.c). */
#ifndef USER_HTTPD_FS_H
#define USER_HTTPD_FS_H

#include <stdint.h>

/* 0 if the shared state is mapped here (unix_share_fs), else -1. */
int hfs_attach(void);
/* A regular file's inode and size: 0, or -1 (none, or not a file). */
long hfs_stat(const char *path, uint32_t *ino, uint64_t *size);
/* A regular file's bytes in a new buffer (malloc), at most max of them:
 * its length; -1 none, -2 too big or no memory. */
long hfs_load(const char *path, uint64_t max, char **data, uint32_t *ino);

#endif
