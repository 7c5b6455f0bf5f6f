/* Reads the cpio "newc" archive that holds the user programs. Every header
 * field is bounds-checked: a malformed archive ends the iteration. */
#include "kernel.h"
#include "initrd.h"

static const u8 *base;
static size_t total;

/* The regular files of the archive, read once at boot (the archive never
 * changes): initrd_find, on every env_load, then compares names only. An
 * archive with more files than fit is searched from its start. */
#define INITRD_INDEX 256
static struct initrd_file files[INITRD_INDEX];
static int nfiles;
static bool indexed; /* files[] holds every regular file */

void initrd_init(const void *start, size_t size)
{
    base = start;
    total = size;
    size_t cur = 0;
    struct initrd_file f;
    nfiles = 0;
    while (nfiles < INITRD_INDEX && initrd_next(&cur, &files[nfiles]))
        nfiles++;
    indexed = nfiles < INITRD_INDEX || !initrd_next(&cur, &f);
}

static bool hex8(const u8 *p, u32 *out)
{
    u32 v = 0;
    for (int i = 0; i < 8; i++) {
        u8 c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return false;
    }
    *out = v;
    return true;
}

bool initrd_next(size_t *cursor, struct initrd_file *f)
{
    for (;;) {
        size_t off = *cursor;
        if (!base || off + 110 > total || memcmp(base + off, "070701", 6) != 0)
            return false;
        const u8 *h = base + off;
        u32 mode, filesize, namesize;
        if (!hex8(h + 14, &mode) || !hex8(h + 54, &filesize) || !hex8(h + 94, &namesize))
            return false;
        size_t name_off = off + 110;
        if (namesize == 0 || namesize > total - name_off)
            return false;
        size_t data_off = ROUNDUP(name_off + namesize, 4);
        if (data_off > total || filesize > total - data_off)
            return false;
        *cursor = ROUNDUP(data_off + filesize, 4);
        f->name = (const char *)base + name_off;
        f->namelen = namesize - 1;
        f->data = base + data_off;
        f->size = filesize;
        f->mode = mode;
        if (f->namelen == 10 && memcmp(f->name, "TRAILER!!!", 10) == 0)
            return false;
        if ((mode & 0170000) == 0100000) /* regular files only */
            return true;
    }
}

bool initrd_find(const char *name, struct initrd_file *out)
{
    size_t cur = 0, n = strlen(name);
    if (indexed) {
        for (int i = 0; i < nfiles; i++) {
            if (files[i].namelen == n && memcmp(files[i].name, name, n) == 0) {
                *out = files[i];
                return true;
            }
        }
        return false;
    }
    while (initrd_next(&cur, out))
        if (out->namelen == n && memcmp(out->name, name, n) == 0)
            return true;
    return false;
}

const u8 *initrd_bytes(u64 *size)
{
    *size = total;
    return base;
}
