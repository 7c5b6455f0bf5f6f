/*
 * mkcpio.c - write a cpio archive in the "newc" format (what the Linux
 * kernel unpacks as an initramfs) to standard output.
 *
 * Usage: mkcpio ENTRY...   where each ENTRY is one argument:
 *   dir:NAME:MODE                 directory
 *   file:NAME:MODE:SOURCE         regular file, contents read from SOURCE
 *   nod:NAME:MODE:c|b:MAJOR:MINOR device node
 *   slink:NAME:TARGET             symbolic link
 * MODE is octal permission bits.  Owner is root, mtime is 0, so the
 * output depends only on the arguments and file contents.
 *
 * Needed because the cpio tool is not installed on a clean machine.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long next_ino = 1;
static unsigned long written; /* bytes written so far (stdout may be a pipe) */

static void out(const void *p, size_t n)
{
    if (fwrite(p, 1, n, stdout) != n) {
        fprintf(stderr, "mkcpio: write error\n");
        exit(1);
    }
    written += n;
}

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "mkcpio: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(1);
}

static void pad4(unsigned long n)
{
    static const char zeros[4];
    if (n % 4 != 0)
        out(zeros, 4 - n % 4);
}

static void header(const char *name, unsigned long mode, unsigned long size, unsigned long rmaj,
                   unsigned long rmin)
{
    unsigned long namesize = strlen(name) + 1;
    unsigned long ino = strcmp(name, "TRAILER!!!") == 0 ? 0 : next_ino++;
    unsigned long nlink = (mode & 0170000) == 0040000 ? 2 : 1;
    const unsigned long fields[13] = {ino, mode, 0,    0,    nlink,    0, size,
                                      0,   0,    rmaj, rmin, namesize, 0};
    char hdr[110];
    memcpy(hdr, "070701", 6);
    for (int i = 0; i < 13; i++) {
        if (fields[i] > 0xffffffffUL)
            die("field too large for newc", name);
        for (int d = 0; d < 8; d++)
            hdr[6 + 8 * i + d] = "0123456789ABCDEF"[(fields[i] >> (4 * (7 - d))) & 0xf];
    }
    out(hdr, sizeof(hdr));
    out(name, namesize);
    pad4(110 + namesize);
}

/* Split s at ':' into at most max fields; returns the count. */
static int split(char *s, char **f, int max)
{
    int n = 0;
    f[n++] = s;
    for (char *p = s; *p != '\0' && n < max; p++) {
        if (*p == ':') {
            *p = '\0';
            f[n++] = p + 1;
        }
    }
    return n;
}

static unsigned long octal(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 8);
    if (*s == '\0' || *end != '\0' || v > 07777)
        die("bad mode", s);
    return v;
}

static void add_file(const char *name, unsigned long perm, const char *src)
{
    FILE *f = fopen(src, "rb");
    if (f == NULL)
        die(strerror(errno), src);
    if (fseek(f, 0, SEEK_END) != 0)
        die("cannot seek", src);
    long size = ftell(f);
    if (size < 0)
        die("cannot size", src);
    rewind(f);
    header(name, 0100000 | perm, (unsigned long)size, 0, 0);
    char buf[65536];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        out(buf, n);
        total += n;
    }
    if (ferror(f) || total != (size_t)size)
        die("short read", src);
    fclose(f);
    pad4((unsigned long)size);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        char *f[6];
        int n = split(argv[i], f, 6);
        if (strcmp(f[0], "dir") == 0 && n == 3) {
            header(f[1], 0040000 | octal(f[2]), 0, 0, 0);
        } else if (strcmp(f[0], "file") == 0 && n == 4) {
            add_file(f[1], octal(f[2]), f[3]);
        } else if (strcmp(f[0], "nod") == 0 && n == 6) {
            unsigned long type;
            if (strcmp(f[3], "c") == 0)
                type = 0020000;
            else if (strcmp(f[3], "b") == 0)
                type = 0060000;
            else
                die("bad node type", f[3]);
            header(f[1], type | octal(f[2]), 0, strtoul(f[4], NULL, 10), strtoul(f[5], NULL, 10));
        } else if (strcmp(f[0], "slink") == 0 && n == 3) {
            unsigned long len = strlen(f[2]);
            header(f[1], 0120777, len, 0, 0);
            out(f[2], len);
            pad4(len);
        } else {
            die("bad entry", argv[i]);
        }
    }
    header("TRAILER!!!", 0, 0, 0, 0);
    /* Pad the archive to a multiple of 512 bytes, as cpio does. */
    if (written % 512 != 0) {
        static const char zeros[512];
        out(zeros, 512 - written % 512);
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        die("write error", NULL);
    return 0;
}
