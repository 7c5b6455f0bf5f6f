/* httpd's window on the Unix library OS's memory file system: the first
 * process maps the shared state here read-only (unix_share_fs), and files
 * are read as every process reads them, without the server: a copy taken
 * between two even values of the server's sequence count is consistent
 * (kept apart from httpd.c, which includes lwIP's headers). */
#include "../lib/unix/unix_internal.h"
#include "../lib/exo/exo.h"
#include "../lib/c/libc.h"
#include "httpd_fs.h"

static struct fs rfs; /* a reader's handle: no lock taken */
static int ready;

int hfs_attach(void)
{
    /* Mapped here? (a frame capability of ours mapped at its address) */
    static struct cap_info ci[256];
    int mapped = 0;
    for (uint32_t base = 0; base < NCAPSLOTS && !mapped; base += 256) {
        long n = sys_cap_list(base, ci, 256);
        if (n <= 0)
            break;
        for (long i = 0; i < n; i++)
            mapped |= ci[i].type == CAP_FRAME && ci[i].mapped_va == UNIX_SHARED_VA;
    }
    if (!mapped || SH->magic != SHARED_MAGIC ||
        fs_attach(&rfs, (void *)UNIX_FS_VA, UNIX_FS_SIZE, NULL, 0) < 0)
        return -1;
    ready = 1;
    return 0;
}

static uint64_t seq_begin(void)
{
    for (;;) {
        uint64_t s = __atomic_load_n(&SH->seq, __ATOMIC_ACQUIRE);
        if (!(s & 1))
            return s;
        sys_yield(-1); /* the server is updating it */
    }
}

static int seq_retry(uint64_t s)
{
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return __atomic_load_n(&SH->seq, __ATOMIC_ACQUIRE) != s;
}

long hfs_stat(const char *path, uint32_t *ino, uint64_t *size)
{
    if (!ready)
        return -1;
    long r;
    uint64_t s;
    struct fs_stat st;
    do {
        s = seq_begin();
        r = fs_lookup(&rfs, path);
        if (r >= 0)
            r = fs_stat(&rfs, (uint32_t)r, &st);
    } while (seq_retry(s));
    if (r < 0 || st.type != FS_TYPE_FILE)
        return -1;
    *ino = st.ino;
    *size = st.size;
    return 0;
}

long hfs_load(const char *path, uint64_t max, char **data, uint32_t *ino)
{
    if (!ready)
        return -1;
    for (;;) {
        uint64_t size;
        if (hfs_stat(path, ino, &size) < 0)
            return -1;
        if (size > max)
            return -2;
        char *buf = malloc(size ? size : 1);
        if (!buf)
            return -2;
        uint64_t s = seq_begin();
        int64_t n = fs_read(&rfs, *ino, 0, buf, size);
        if (!seq_retry(s) && n == (int64_t)size) {
            *data = buf;
            return (long)size;
        }
        free(buf); /* (changed meanwhile: again) */
    }
}
