/*
 * test_cpio.c - fs_import_cpio on good, malformed, truncated and randomly
 * corrupted "newc" archives.
 */
#include <stdlib.h>
#include <unistd.h>

#include "test.h"

#define MB (1024 * 1024)

/* An archive being built in memory. */
struct arc {
    uint8_t buf[1 << 16];
    size_t len;
};

static void pad4(struct arc *a)
{
    while (a->len % 4)
        a->buf[a->len++] = 0;
}

/* Appends one member, in the format GNU cpio -H newc writes. */
static void add(struct arc *a, const char *name, uint32_t mode, const void *data, uint32_t size)
{
    static uint32_t ino = 100;
    uint32_t namesize = (uint32_t)strlen(name) + 1;
    char h[111];
    snprintf(h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino++, mode,
             0u, 0u, 1u, 0u, size, 0u, 0u, 0u, 0u, namesize, 0u);
    memcpy(a->buf + a->len, h, 110);
    a->len += 110;
    memcpy(a->buf + a->len, name, namesize);
    a->len += namesize;
    pad4(a);
    if (size)
        memcpy(a->buf + a->len, data, size);
    a->len += size;
    pad4(a);
}

static void trailer(struct arc *a)
{
    add(a, "TRAILER!!!", 0, NULL, 0);
}

static int64_t read_all(struct fs *fs, const char *path, char *out, size_t cap)
{
    int ino = fs_lookup(fs, path);
    if (ino < 0)
        return ino;
    int64_t n = fs_read(fs, (uint32_t)ino, 0, out, cap - 1);
    if (n >= 0)
        out[n] = '\0';
    return n;
}

static struct arc good;

static void build_good(void)
{
    static char big[20000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    good.len = 0;
    add(&good, ".", 0040755, NULL, 0);
    add(&good, "bin", 0040755, NULL, 0);
    add(&good, "bin/ls", 0100755, "LS-BINARY", 9);
    add(&good, "./bin/cat", 0100700, "CAT", 3);
    add(&good, "etc/motd", 0100644, "hello\n", 6); /* parent not in archive */
    add(&good, "empty", 0100644, NULL, 0);
    add(&good, "big", 0100644, big, sizeof big);
    add(&good, "link", 0120777, "bin/ls", 6);       /* symlink: skipped */
    add(&good, "../evil", 0100644, "EVIL", 4);      /* escapes: skipped */
    add(&good, "bin/../../evil2", 0100644, "E", 1); /* skipped */
    add(&good, "dev/null", 0020666, NULL, 0);       /* device: skipped */
    trailer(&good);
}

static void test_import_good(void)
{
    struct fs fs;
    size_t size = 2 * MB;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs);
    char out[30000];
    struct fs_stat st;

    build_good();
    /* bin, bin/ls, bin/cat, etc/motd, empty, big (etc is implicit) */
    CHECK_EQ(fs_import_cpio(&fs, good.buf, good.len, "/boot"), 6);
    CHECK_EQ(read_all(&fs, "/boot/bin/ls", out, sizeof out), 9);
    CHECK(strcmp(out, "LS-BINARY") == 0);
    CHECK_EQ(read_all(&fs, "/boot/bin/cat", out, sizeof out), 3);
    CHECK_EQ(read_all(&fs, "/boot/etc/motd", out, sizeof out), 6);
    CHECK(strcmp(out, "hello\n") == 0);
    CHECK_EQ(read_all(&fs, "/boot/empty", out, sizeof out), 0);
    CHECK_EQ(read_all(&fs, "/boot/big", out, sizeof out), 20000);
    CHECK(out[0] == 'a' && out[19999] == (char)('a' + 19999 % 26));
    CHECK_EQ(fs_lookup(&fs, "/boot/link"), -FS_ENOENT);
    CHECK_EQ(fs_lookup(&fs, "/evil"), -FS_ENOENT);
    CHECK_EQ(fs_lookup(&fs, "/evil2"), -FS_ENOENT);
    CHECK_EQ(fs_lookup(&fs, "/boot/evil"), -FS_ENOENT);
    CHECK_EQ(fs_lookup(&fs, "/boot/dev/null"), -FS_ENOENT);
    CHECK_EQ(fs_stat(&fs, (uint32_t)fs_lookup(&fs, "/boot/bin/ls"), &st), 0);
    CHECK_EQ(st.mode, 0755);
    CHECK_EQ(fs_stat(&fs, (uint32_t)fs_lookup(&fs, "/boot/bin/cat"), &st), 0);
    CHECK_EQ(st.mode, 0700);
    CHECK_EQ(fs_check(&fs, false), 0);

    /* Importing again overwrites; other prefixes; the root. */
    CHECK_EQ(fs_import_cpio(&fs, good.buf, good.len, "/boot/"), 6);
    CHECK_EQ(read_all(&fs, "/boot/bin/ls", out, sizeof out), 9);
    CHECK_EQ(fs_import_cpio(&fs, good.buf, good.len, "//x/./y/../z"), 6);
    CHECK_EQ(read_all(&fs, "/x/z/etc/motd", out, sizeof out), 6);
    CHECK_EQ(fs_import_cpio(&fs, good.buf, good.len, NULL), 6);
    CHECK_EQ(read_all(&fs, "/bin/ls", out, sizeof out), 9);
    CHECK_EQ(fs_import_cpio(&fs, good.buf, good.len, "/"), 6);
    CHECK_EQ(fs_import_cpio(&fs, good.buf, good.len, "/bin/ls"), -FS_ENOTDIR);
    CHECK_EQ(fs_check(&fs, false), 0);

    /* A file where the archive wants a directory, and vice versa. */
    struct arc *a = malloc(sizeof *a);
    a->len = 0;
    add(a, "bin/ls/x", 0100644, "x", 1);
    trailer(a);
    CHECK_EQ(fs_import_cpio(&fs, a->buf, a->len, "/"), -FS_ENOTDIR);
    a->len = 0;
    add(a, "bin", 0100644, "x", 1);
    trailer(a);
    CHECK_EQ(fs_import_cpio(&fs, a->buf, a->len, "/"), -FS_EISDIR);
    /* Only a trailer. */
    a->len = 0;
    trailer(a);
    CHECK_EQ(fs_import_cpio(&fs, a->buf, a->len, "/"), 0);
    /* Long names. */
    char name[600];
    memset(name, 'q', 300);
    name[300] = '\0';
    a->len = 0;
    add(a, name, 0100644, "x", 1);
    trailer(a);
    CHECK_EQ(fs_import_cpio(&fs, a->buf, a->len, "/"), -FS_ENAMETOOLONG);
    CHECK_EQ(fs_check(&fs, false), 0);
    free(a);

    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    t_region_free(base, size);
}

/* Writes an 8-digit field of the header at off. */
static void set_field(struct arc *a, size_t off, int field, const char *val)
{
    memcpy(a->buf + off + 6 + 8 * field, val, 8);
}

static void test_import_bad(void)
{
    struct fs fs;
    size_t size = 2 * MB;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs);
    build_good();
    struct arc *a = malloc(sizeof *a);

    CHECK_EQ(fs_import_cpio(&fs, NULL, 10, "/"), -FS_EINVAL);
    CHECK_EQ(fs_import_cpio(&fs, NULL, 0, "/"), -FS_EINVAL); /* no trailer */
    CHECK_EQ(fs_import_cpio(&fs, "070701", 6, "/"), -FS_EINVAL);

#define BAD(mutate, expect)                                                                        \
    do {                                                                                           \
        *a = good;                                                                                 \
        mutate;                                                                                    \
        CHECK_EQ(fs_import_cpio(&fs, a->buf, a->len, "/t"), expect);                               \
        CHECK_EQ(fs_check(&fs, false), 0);                                                         \
    } while (0)

    BAD(a->buf[0] = 'X', -FS_EINVAL);                 /* magic */
    BAD(a->buf[5] = '7', -FS_EINVAL);                 /* old binary/odc */
    BAD(set_field(a, 0, 0, "0000000g"), -FS_EINVAL);  /* non-hex ino */
    BAD(set_field(a, 0, 12, "-0000000"), -FS_EINVAL); /* non-hex check */
    BAD(set_field(a, 0, 11, "00000000"), -FS_EINVAL); /* namesize 0 */
    BAD(set_field(a, 0, 11, "FFFFFFFF"), -FS_EINVAL); /* namesize huge */
    BAD(set_field(a, 0, 11, "00000001"), -FS_EINVAL); /* name not NUL-terminated */
    BAD(set_field(a, 0, 6, "FFFFFFFF"), -FS_EINVAL);  /* filesize huge */
    BAD(set_field(a, 0, 6, "00010000"), -FS_EINVAL);  /* filesize past end */
    BAD(a->len -= 4, -FS_EINVAL);                     /* trailer cut */
    BAD(a->buf[223] = '\0', -FS_EINVAL);              /* embedded NUL ("bin") */

    /* Every truncation of the archive fails cleanly (or, cut right after
     * the trailer's name, succeeds). */
    int clean = 1;
    for (size_t n = 0; n < good.len; n++) {
        int r = fs_import_cpio(&fs, good.buf, n, "/t");
        clean &= r == -FS_EINVAL || r == 6;
    }
    CHECK(clean);
    CHECK_EQ(fs_check(&fs, false), 0);

    /* Random corruption: never a crash (ASan build), always consistent. */
    srand(1234);
    int consistent = 1;
    for (int it = 0; it < 1500; it++) {
        *a = good;
        int flips = 1 + rand() % 4;
        for (int k = 0; k < flips; k++) {
            size_t pos = (size_t)rand() % a->len;
            switch (rand() % 3) {
            case 0:
                a->buf[pos] = (uint8_t)rand();
                break;
            case 1:
                a->buf[pos] = "0123456789abcdefF/.\0"[rand() % 20];
                break;
            default:
                a->len = pos + 1;
                break;
            }
        }
        int r = fs_import_cpio(&fs, a->buf, a->len, "/t");
        (void)r;
        if (it % 50 == 0) {
            consistent &= fs_check(&fs, false) == 0;
            consistent &= t_rm_rf(&fs, "/") == 0;
        }
    }
    CHECK(consistent);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    CHECK_EQ(fs_check(&fs, false), 0);
    free(a);
    t_region_free(base, size);
}

/* A small file system that cannot hold the archive: ENOSPC, consistent. */
static void test_import_full(void)
{
    struct fs fs;
    size_t size = 16 * FS_BLOCK_SIZE;
    void *base = t_region(&fs, size);
    uint32_t start = fs_free_blocks(&fs);
    static char data[60000];
    memset(data, 'z', sizeof data);
    struct arc *a = malloc(sizeof *a);
    a->len = 0;
    add(a, "small", 0100644, "s", 1);
    add(a, "huge", 0100644, data, sizeof data);
    trailer(a);
    CHECK(start < sizeof data / FS_BLOCK_SIZE);
    CHECK_EQ(fs_import_cpio(&fs, a->buf, a->len, "/"), -FS_ENOSPC);
    CHECK(fs_lookup(&fs, "/small") > 0); /* what came before stays */
    free(a);
    CHECK_EQ(fs_check(&fs, false), 0);
    CHECK_EQ(t_rm_rf(&fs, "/"), 0);
    CHECK_EQ(fs_free_blocks(&fs), start);
    t_region_free(base, size);
}

/* An archive written by GNU cpio itself. cpio is a build dependency: if the
 * archive cannot be made, that is a failure, not a skip. */
static void test_import_real(void)
{
    char dir[] = "/tmp/fs-cpio-XXXXXX", cmd[512], arcpath[600];
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp for the real-archive test");
        return;
    }
    snprintf(cmd, sizeof cmd,
             "cd %s && mkdir -p root/sub/deeper && printf 'one' > root/a && "
             "head -c 70000 /dev/zero | tr '\\0' 'x' > root/sub/b && "
             "chmod 751 root/a && ln -s a root/lnk && printf 'hard' > root/h1 && "
             "ln root/h1 root/h2 && "
             "(cd root && find . | LC_ALL=C sort | cpio --quiet -o -H newc > ../a.cpio)",
             dir);
    snprintf(arcpath, sizeof arcpath, "%s/a.cpio", dir);
    FILE *fp = NULL;
    if (system("command -v cpio > /dev/null 2>&1") != 0 || system(cmd) != 0 ||
        !(fp = fopen(arcpath, "rb"))) {
        printf("  cannot make a cpio archive in %s (is cpio installed?)\n", dir);
        CHECK(!"setup of the real-archive test");
    } else {
        static uint8_t arc[1 << 20];
        size_t n = fread(arc, 1, sizeof arc, fp);
        fclose(fp);
        struct fs fs;
        size_t size = 2 * MB;
        void *base = t_region(&fs, size);
        char out[80000];
        /* ".", sub, sub/deeper, a, sub/b, h1, h2 (lnk skipped) */
        int r = fs_import_cpio(&fs, arc, n, "/r");
        CHECK(r == 6 || r == 7);
        CHECK_EQ(read_all(&fs, "/r/a", out, sizeof out), 3);
        CHECK(strcmp(out, "one") == 0);
        CHECK_EQ(read_all(&fs, "/r/sub/b", out, sizeof out), 70000);
        CHECK(out[0] == 'x' && out[69999] == 'x');
        CHECK(fs_lookup(&fs, "/r/sub/deeper/") > 0);
        CHECK_EQ(fs_lookup(&fs, "/r/lnk"), -FS_ENOENT);
        /* newc stores a hard link's data once, with its last name; the
         * other names come out empty (documented limitation). */
        CHECK(read_all(&fs, "/r/h2", out, sizeof out) == 4 ||
              read_all(&fs, "/r/h1", out, sizeof out) == 4);
        struct fs_stat st;
        CHECK_EQ(fs_stat(&fs, (uint32_t)fs_lookup(&fs, "/r/a"), &st), 0);
        CHECK_EQ(st.mode, 0751);
        CHECK_EQ(fs_check(&fs, false), 0);
        t_region_free(base, size);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("  (could not remove %s)\n", dir);
}

void test_cpio(void)
{
    test_import_real();
    test_import_good();
    test_import_bad();
    test_import_full();
}
