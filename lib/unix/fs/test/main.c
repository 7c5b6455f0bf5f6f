/*
 * main.c - runs the file system's host unit tests.  Prints one line per
 * failed check and finally "N passed, M failed"; exits non-zero on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "test.h"

int g_pass, g_fail;

void t_check(bool ok, const char *file, int line, const char *expr)
{
    if (ok) {
        g_pass++;
        return;
    }
    g_fail++;
    printf("FAIL %s:%d: %s\n", file, line, expr);
    fflush(stdout);
}

void *t_region(struct fs *fs, size_t size)
{
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    if (fs_format(base, size) != 0 || fs_attach(fs, base, size, NULL, 1) != 0) {
        printf("FAIL: cannot format a region of %zu bytes\n", size);
        exit(2);
    }
    return base;
}

void t_region_free(void *base, size_t size)
{
    munmap(base, size);
}

int t_rm_rf(struct fs *fs, const char *path)
{
    int dir = fs_lookup(fs, path);
    if (dir < 0)
        return dir;
    struct fs_dirent de;
    for (;;) {
        /* Restart from the beginning after each removal. */
        uint32_t pos = 2;
        int r = fs_readdir(fs, (uint32_t)dir, &pos, &de);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        char child[FS_PATH_MAX + 1];
        snprintf(child, sizeof child, "%s/%s", path, de.name);
        r = de.type == FS_TYPE_DIR ? t_rm_rf(fs, child) : fs_unlink(fs, child);
        if (r < 0)
            return r;
    }
    if (strcmp(path, "/") == 0)
        return 0;
    return fs_rmdir(fs, path);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_ops();
    test_cpio();
    test_random();
    test_conc();
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
