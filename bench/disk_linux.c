/*
 * disk_linux.c - the storage benchmark's Linux side: POSIX calls on the
 * ext4 file system that /init (tools/bench/disk.sh) mounted at /mnt from a
 * virtio-blk disk.  Runs as a child of that script; powers off at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk.h"

static long err(long r)
{
    return r < 0 ? -errno : r;
}

int dp_init(void)
{
    struct stat st;
    return stat("/mnt", &st) == 0 ? 0 : -errno;
}

const char *dp_name(void)
{
    return "linux-ext4";
}

const char *dp_root(void)
{
    return "/mnt";
}

long dp_open(const char *path, int how)
{
    return err(open(path, how == DP_CREATE ? O_CREAT | O_WRONLY | O_TRUNC : O_RDONLY, 0644));
}

long dp_pwrite(long h, const void *buf, size_t n, uint64_t off)
{
    return err(pwrite((int)h, buf, n, (off_t)off));
}

long dp_pread(long h, void *buf, size_t n, uint64_t off)
{
    return err(pread((int)h, buf, n, (off_t)off));
}

int dp_fsync(long h)
{
    return (int)err(fsync((int)h));
}

int dp_close(long h)
{
    return (int)err(close((int)h));
}

int dp_mkdir(const char *path)
{
    return (int)err(mkdir(path, 0755));
}

int dp_unlink(const char *path)
{
    return (int)err(unlink(path));
}

int dp_rmdir(const char *path)
{
    return (int)err(rmdir(path));
}

int dp_sync(void)
{
    sync();
    return 0;
}

int dp_drop_caches(void)
{
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd < 0)
        return -errno;
    long r = write(fd, "3\n", 2);
    close(fd);
    return r == 2 ? 0 : -EIO;
}

void dp_print(const char *s)
{
    fputs(s, stdout);
    fflush(stdout);
}

void *dp_alloc(size_t n)
{
    return malloc(n);
}

void dp_info(void) {}

void dp_exit(int code)
{
    exit(code);
}

int main(void)
{
    disk_main();
    return 0;
}
