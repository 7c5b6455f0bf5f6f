/*
 * fsck - checks a Spinel disk file system image (read only).
 *
 *   fsck [-q] [-o BLOCK] IMAGE
 *
 * -o: the file system starts at that block of IMAGE (a partition, or the
 * sub-range a guest test used).
 * Prints each problem and a summary.  A committed transaction still in the
 * journal is checked as if replayed (mount replays it).  Exit status: 0
 * consistent, 1 problems found, 2 the image cannot be read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostdev.h"

int main(int argc, char **argv)
{
    bool quiet = false;
    unsigned long long first = 0;
    int c;
    while ((c = getopt(argc, argv, "qo:")) != -1) {
        if (c == 'q') {
            quiet = true;
        } else if (c == 'o') {
            first = strtoull(optarg, NULL, 0);
        } else {
            fprintf(stderr, "usage: fsck [-q] [-o BLOCK] IMAGE\n");
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: fsck [-q] [-o BLOCK] IMAGE\n");
        return 2;
    }
    struct dfs_dev dev;
    if (hostdev_open_file_at(&dev, argv[optind], true, first) < 0) {
        fprintf(stderr, "fsck: %s: %s\n", argv[optind], strerror(errno));
        return 2;
    }
    struct dfs_check ck;
    int r = hostdev_check(&dev, &ck, true);
    hostdev_close_file(&dev);
    if (r < 0) {
        fprintf(stderr, "fsck: %s: cannot check (error %d)\n", argv[optind], -r);
        return 2;
    }
    static const char *const log[] = {"empty", "a committed transaction (mount replays it)",
                                      "torn transaction (ignored at mount)"};
    if (!quiet || r)
        printf("%s: %s: %u files, %u directories, %u orphans, %u blocks used, %u free, "
               "%u inodes free; journal: %s%s\n",
               argv[optind], r ? "INCONSISTENT" : "clean", ck.files, ck.dirs, ck.orphans,
               ck.used_blocks, ck.free_blocks, ck.free_inodes, log[ck.log_state],
               ck.log_state == 1 ? "" : "");
    if (r)
        printf("%d problems\n", r);
    return r ? 1 : 0;
}
