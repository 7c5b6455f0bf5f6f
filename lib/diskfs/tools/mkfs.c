/*
 * mkfs - makes an empty Spinel disk file system in an image file.
 *
 *   mkfs [-s SIZE] [-i INODES] [-j JOURNAL_BLOCKS] IMAGE
 *
 * -s creates (or resizes) IMAGE to SIZE bytes first (suffixes K, M, G);
 * without it IMAGE must exist and its whole size is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostdev.h"

static unsigned long long parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    switch (*end) {
    case 'k':
    case 'K':
        v <<= 10;
        break;
    case 'm':
    case 'M':
        v <<= 20;
        break;
    case 'g':
    case 'G':
        v <<= 30;
        break;
    case 0:
        break;
    default:
        fprintf(stderr, "mkfs: bad size %s\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    unsigned long long size = 0;
    unsigned ninodes = 0, jblocks = 0;
    int c;
    while ((c = getopt(argc, argv, "s:i:j:")) != -1) {
        switch (c) {
        case 's':
            size = parse_size(optarg);
            break;
        case 'i':
            ninodes = (unsigned)strtoul(optarg, NULL, 0);
            break;
        case 'j':
            jblocks = (unsigned)strtoul(optarg, NULL, 0);
            break;
        default:
            fprintf(stderr, "usage: mkfs [-s SIZE] [-i INODES] [-j JOURNAL_BLOCKS] IMAGE\n");
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: mkfs [-s SIZE] [-i INODES] [-j JOURNAL_BLOCKS] IMAGE\n");
        return 2;
    }
    const char *path = argv[optind];
    if (size) {
        int fd = open(path, O_RDWR | O_CREAT, 0644);
        if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
            fprintf(stderr, "mkfs: %s: %s\n", path, strerror(errno));
            return 1;
        }
        close(fd);
    }
    struct dfs_dev dev;
    if (hostdev_open_file(&dev, path, false) < 0) {
        fprintf(stderr, "mkfs: %s: %s\n", path, strerror(errno));
        return 1;
    }
    static uint8_t buf[DFS_BSIZE];
    int r = dfs_mkfs(&dev, ninodes, jblocks, (int64_t)time(NULL) * 1000000000, buf);
    if (r < 0) {
        fprintf(stderr, "mkfs: %s: cannot make a file system (error %d)\n", path, -r);
        return 1;
    }
    struct dfs_super sb;
    dev.read(dev.ctx, 0, 1, buf);
    memcpy(&sb, buf, sizeof sb);
    printf("%s: %u blocks of 4 KiB, %u inodes, journal %u blocks, data from block %u\n", path,
           sb.nblocks, sb.ninodes, sb.log_blocks, sb.data_start);
    hostdev_close_file(&dev);
    return 0;
}
