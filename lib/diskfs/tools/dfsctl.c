/*
 * dfsctl - looks at and changes a Spinel disk file system image from the
 * host (mounts it with the library: a committed journal is replayed).
 *
 *   dfsctl IMAGE ls PATH | cat PATH | stat PATH | mkdir PATH |
 *                put HOSTFILE PATH | rm PATH | rmdir PATH | mv OLD NEW
 * (put: a new file gets the host file's permission bits.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hostdev.h"

static int64_t host_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fail(const char *what, int r)
{
    fprintf(stderr, "dfsctl: %s: %s\n", what, strerror(-r));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: dfsctl IMAGE ls|cat|stat|mkdir|rm|rmdir PATH\n"
                        "       dfsctl IMAGE put HOSTFILE PATH | mv OLD NEW\n");
        return 2;
    }
    struct dfs_dev dev;
    if (hostdev_open_file(&dev, argv[1], false) < 0) {
        fprintf(stderr, "dfsctl: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    static struct dfs fs;
    struct dfs_hooks hooks = {.now = host_now};
    int r = hostdev_mount(&fs, &dev, 256, &hooks);
    if (r < 0)
        return fail("mount", r);
    const char *cmd = argv[2], *path = argv[3];
    int st = 0;
    if (!strcmp(cmd, "ls")) {
        int ino = dfs_lookup(&fs, path);
        if (ino < 0)
            return fail(path, ino);
        uint64_t pos = 0;
        struct dfs_dirent de;
        while ((r = dfs_readdir(&fs, (uint32_t)ino, &pos, &de)) == 1) {
            struct dfs_stat s;
            if (dfs_stat(&fs, de.ino, &s) == 0)
                printf("%06o %3u %5u %5u %10llu %s\n", s.mode, s.nlink, s.uid, s.gid,
                       (unsigned long long)s.size, de.name);
        }
        if (r < 0)
            st = fail(path, r);
    } else if (!strcmp(cmd, "cat")) {
        int ino = dfs_lookup(&fs, path);
        if (ino < 0)
            return fail(path, ino);
        static uint8_t buf[1 << 16];
        uint64_t off = 0;
        int64_t n;
        while ((n = dfs_read(&fs, (uint32_t)ino, off, buf, sizeof buf)) > 0) {
            fwrite(buf, 1, (size_t)n, stdout);
            off += (uint64_t)n;
        }
        if (n < 0)
            st = fail(path, (int)n);
    } else if (!strcmp(cmd, "stat")) {
        int ino = dfs_lookup(&fs, path);
        struct dfs_stat s;
        if (ino < 0 || (r = dfs_stat(&fs, (uint32_t)ino, &s)) < 0)
            return fail(path, ino < 0 ? ino : r);
        printf("ino %u mode %06o nlink %u uid %u gid %u size %llu blocks %llu mtime %lld\n", s.ino,
               s.mode, s.nlink, s.uid, s.gid, (unsigned long long)s.size,
               (unsigned long long)s.blocks, (long long)s.mtime);
    } else if (!strcmp(cmd, "mkdir")) {
        if ((r = dfs_mkdir(&fs, path, 0755)) < 0)
            st = fail(path, r);
    } else if (!strcmp(cmd, "rm")) {
        if ((r = dfs_unlink(&fs, path)) < 0)
            st = fail(path, r);
    } else if (!strcmp(cmd, "rmdir")) {
        if ((r = dfs_rmdir(&fs, path)) < 0)
            st = fail(path, r);
    } else if (!strcmp(cmd, "mv") && argc == 5) {
        if ((r = dfs_rename(&fs, path, argv[4])) < 0)
            st = fail(path, r);
    } else if (!strcmp(cmd, "put") && argc == 5) {
        FILE *f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr, "dfsctl: %s: %s\n", path, strerror(errno));
            return 1;
        }
        struct stat hst; /* (a new file gets the host file's permission bits) */
        uint32_t mode = fstat(fileno(f), &hst) == 0 ? (uint32_t)(hst.st_mode & 0777) : 0644;
        int ino = dfs_open(&fs, argv[4], DFS_O_WRITE | DFS_O_CREAT | DFS_O_TRUNC, mode);
        if (ino < 0)
            return fail(argv[4], ino);
        static uint8_t buf[1 << 16];
        size_t n;
        uint64_t off = 0;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
            int64_t w = dfs_write(&fs, (uint32_t)ino, off, buf, n);
            if (w != (int64_t)n) {
                st = fail(argv[4], w < 0 ? (int)w : -DFS_ENOSPC);
                break;
            }
            off += n;
        }
        fclose(f);
        dfs_close(&fs, (uint32_t)ino);
    } else {
        fprintf(stderr, "dfsctl: unknown command %s\n", cmd);
        st = 2;
    }
    if ((r = hostdev_umount(&fs, true)) < 0)
        st = fail("unmount", r);
    hostdev_close_file(&dev);
    return st;
}
