/* diskd: the disk file system (lib/diskfs) as a server env, reached by
 * protected control transfer (lib/diskfs/diskd.h has the protocol). Its
 * mounter gives it a block capability (sys_blk_derive into this env) and
 * binds first; other clients bind after it. The file system's metadata, its
 * buffer cache and the disk blocks live where only this env can write
 * them, and each client reaches only the inodes it opened. */
#include "../lib/exo/exo.h"
#include "../lib/blk/blk.h"
#include "../lib/diskfs/blkdev.h"
#include "../lib/diskfs/diskd.h"
#include "../lib/c/libc.h"

#define ARG_VA     0x0000510000000000UL
#define CACHE_VA   0x0000530000000000UL
#define NBUF       256
#define NCACHE     (NBUF + 64)          /* pages of cache memory (buffers and their bookkeeping) */
#define AREA_ORDER 5                    /* a client's argument area (DISKD_AREA): 2^5 pages */
#define SHARED_VA  0x0000540000000000UL /* the shared cache: its pieces, then the rest */
#define GEN_VA     0x0000550000000000UL /* its generation counters */
#define MAX_PIECES 8                    /* 16 MiB of cache pages at most */

/* The cache's memory: frames of our own, one capability per page, so that
 * a page the file system gives back (dfs_autosave, when the kernel wants
 * frames back) goes back to the kernel. */
static uint8_t *const cache = (uint8_t *)CACHE_VA;
static uint32_t cache_frame[NCACHE]; /* its capability (0: given back) */
static uint32_t cache_pages;         /* pages held */
static uint8_t scratch[128 * 4096] __attribute__((aligned(4096)));
static uint8_t mkbuf[4096] __attribute__((aligned(4096)));
static struct dfs fs;
static struct blkdev bd;
static struct dfs_dev dev;
static bool mounted, opened;
static uint8_t *page; /* the caller's argument area (set at each call) */
static char p1[DFS_PATH_MAX + 1], p2[DFS_PATH_MAX + 1];
/* The shared cache (DISKD_MOUNT_SHARED at the first mount, for zero-copy
 * readers): npieces blocks of DISKD_CACHE_PIECE_PAGES frames (the buffers'
 * pages, exactly), then one block with the rest of the cache memory
 * (journal header, staging pages, the slots and lists), all mapped at
 * SHARED_VA and registered with libblk; the counters at GEN_VA. Only the
 * pieces and the counters are ever given to a client, read-only. Its
 * frames are blocks, so repossession commits but gives none of them back. */
static bool shared;
static uint32_t piece[MAX_PIECES], npieces, meta_cap, gen_cap;
static size_t cache_len;

/* The bound clients. Calls come one at a time (the kernel serializes a
 * server's protected calls), so this table needs no lock. clients[0] is the
 * mounter, the first env to bind. Invariant: each inode in a client's open
 * table holds that many references of dfs_open's (dfs_close'd as they go). */
static struct client {
    uint32_t env; /* 0: free */
    long frame;   /* its argument area, mapped here at ARG_VA + i * DISKD_AREA (-1: none yet) */
    uint32_t uid, gid; /* credentials its calls are made with */
    uint32_t nopen;
    struct {
        uint32_t ino, refs;
        bool write; /* one of its opens asked for DFS_O_WRITE: it may write and truncate */
    } open[DFS_OPEN_MAX];
} clients[DISKD_CLIENTS];

/* Maps a frame at every cache page that has none (at start, and before a
 * mount: a file system may use all of its memory). */
static int cache_fill(void)
{
    for (uint32_t i = 0; i < NCACHE; i++) {
        if (cache_frame[i])
            continue;
        long f = sys_frame_alloc(-1);
        if (f < 0 || exo_map(CAP_SELF, (uint32_t)f, CACHE_VA + (uint64_t)i * 4096, MMU_W) != 1) {
            if (f >= 0)
                sys_cap_delete((uint32_t)f);
            return -DFS_ENOMEM;
        }
        cache_frame[i] = (uint32_t)f;
        cache_pages++;
    }
    return 0;
}

/* dfs_autosave gives a cache page back: its frame goes to the kernel. */
static void cache_release(void *ctx, void *p)
{
    (void)ctx;
    uint64_t i = ((uint64_t)p - CACHE_VA) / 4096;
    if ((uint64_t)p < CACHE_VA || i >= NCACHE || !cache_frame[i])
        return;
    sys_cap_delete(cache_frame[i]); /* (unmaps it) */
    cache_frame[i] = 0;
    cache_pages--;
}

static uint32_t order_for(size_t bytes)
{
    uint32_t o = 0;
    while (((size_t)4096 << o) < bytes)
        o++;
    return o;
}

/* Allocates and maps the cache, as large as the quota allows (at most
 * MAX_PIECES pieces) with room left for DISKD_CLIENTS argument areas, and
 * registers it with libblk so that transfers go straight to its frames.
 * 0 or -1. */
static int cache_setup(void)
{
    for (uint32_t k = MAX_PIECES; k >= 1; k--) {
        uint32_t nbuf = k * DISKD_CACHE_PIECE_PAGES;
        size_t len = dfs_cache_bytes(nbuf);
        uint32_t mo = order_for(len - (size_t)nbuf * 4096);
        uint32_t go = order_for((len / 4096) * sizeof(uint32_t));
        long caps[MAX_PIECES + 2];
        uint32_t n = 0;
        bool ok = mo <= FRAME_MAX_ORDER && go <= FRAME_MAX_ORDER;
        for (; ok && n < k + 2; n++) {
            uint32_t o = n < k ? 9 : n == k ? mo : go;
            caps[n] = sys_frame_alloc_in(CAP_SELF, -1, o);
            ok = caps[n] > 0;
        }
        /* and room left for every client's argument area (bound later) */
        long room = ok ? sys_frame_alloc_in(CAP_SELF, -1, AREA_ORDER + 3) : -1;
        ok = ok && room > 0;
        if (room > 0)
            sys_cap_delete((uint32_t)room);
        if (!ok) {
            for (uint32_t i = 0; i < n; i++)
                if (caps[i] > 0)
                    sys_cap_delete((uint32_t)caps[i]);
            continue;
        }
        for (uint32_t i = 0; i <= k; i++) {
            uint64_t va = SHARED_VA + (uint64_t)i * DISKD_CACHE_PIECE_PAGES * 4096;
            uint32_t pages = i < k ? DISKD_CACHE_PIECE_PAGES : 1u << mo;
            if (exo_map(CAP_SELF, (uint32_t)caps[i], va, MMU_W) != 1 ||
                blk_register(&bd, (void *)va, (uint32_t)caps[i], pages) < 0)
                return -1;
            if (i < k)
                piece[i] = (uint32_t)caps[i];
        }
        if (exo_map(CAP_SELF, (uint32_t)caps[k + 1], GEN_VA, MMU_W) != 1)
            return -1;
        npieces = k;
        meta_cap = (uint32_t)caps[k];
        gen_cap = (uint32_t)caps[k + 1];
        cache_len = len;
        return 0;
    }
    return -1;
}

/* Repossession (the exokernel papers' autosave). The kernel asks for frames
 * back with a revocation upcall; we commit (every dirty buffer reaches the
 * disk first) and give back clean cache pages, least recently used first,
 * down to DFS_CACHE_MIN buffers; unmounted, any cache pages. The upcall
 * comes only outside a protected call, but a call may enter while it runs
 * (it was preempted): in_call and saving keep the two apart (a call that
 * finds us saving gets E_AGAIN, and its client calls again; a revocation
 * that finds a call under way is left to the call's end). */
static volatile uint32_t in_call, saving;
static uint64_t want; /* frames asked for, not dealt with yet */

static void give_back(void)
{
    uint64_t n = want;
    want = 0;
    if (mounted) {
        /* (the shared cache: a commit only, its frames are blocks) */
        dfs_autosave(&fs, shared ? 0 : n > NCACHE ? NCACHE : (uint32_t)n);
    } else if (!shared) {
        for (uint32_t i = NCACHE; i-- > 0 && n > 0;)
            if (cache_frame[i]) {
                cache_release(NULL, cache + (uint64_t)i * 4096);
                n--;
            }
    }
    sys_revoke_done(); /* (E_AGAIN if that was not enough: the kernel takes the rest) */
}

static void on_revoke(struct upcall_frame *f)
{
    __atomic_store_n(&saving, 1, __ATOMIC_SEQ_CST);
    want = f->vector == REVOKE_FRAMES ? f->addr : 0;
    if (!__atomic_load_n(&in_call, __ATOMIC_SEQ_CST))
        give_back();
    __atomic_store_n(&saving, 0, __ATOMIC_SEQ_CST);
}

static int64_t now(void *ctx)
{
    (void)ctx;
    static int64_t t;
    return ++t * 1000;
}

/* Copies a NUL-terminated string from the page at off; -1 if it does not
 * end on the page. */
static long take_path(size_t off, char *out)
{
    size_t n = 0;
    while (off + n < DISKD_PAGE && page[off + n] && n < DFS_PATH_MAX)
        n++;
    if (off + n >= DISKD_PAGE || page[off + n])
        return -1;
    memcpy(out, page + off, n);
    out[n] = 0;
    return (long)n;
}

/* Client c's entry for inode ino, or NULL if it has not opened it. */
static int held(struct client *c, uint64_t ino)
{
    for (uint32_t i = 0; i < c->nopen; i++)
        if (c->open[i].ino == ino)
            return (int)i;
    return -1;
}

/* dfs_open's result r noted as c's: the inode, or an error (ENFILE if c's
 * table is full: the reference goes back). */
static int64_t note_open(struct client *c, int64_t r, bool write)
{
    if (r <= 0)
        return r;
    int i = held(c, (uint64_t)r);
    if (i >= 0) {
        c->open[i].refs++;
        c->open[i].write |= write;
        return r;
    }
    if (c->nopen == DFS_OPEN_MAX) {
        dfs_close(&fs, (uint32_t)r);
        return -DFS_ENFILE;
    }
    c->open[c->nopen].ino = (uint32_t)r;
    c->open[c->nopen].write = write;
    c->open[c->nopen++].refs = 1;
    return r;
}

static int64_t note_close(struct client *c, int i)
{
    uint32_t ino = c->open[i].ino;
    if (--c->open[i].refs == 0)
        c->open[i] = c->open[--c->nopen];
    return dfs_close(&fs, ino);
}

static void close_all(struct client *c)
{
    while (c->nopen)
        note_close(c, (int)c->nopen - 1);
}

static int64_t bind(uint32_t caller)
{
    struct client *c = NULL;
    for (int i = 0; i < DISKD_CLIENTS && !c; i++)
        if (clients[i].env == caller)
            c = &clients[i];
    for (int i = 0; i < DISKD_CLIENTS && !c; i++)
        if (!clients[i].env)
            c = &clients[i];
    if (!c)
        return -DFS_ENFILE;
    if (c->frame < 0) {
        long f = sys_frame_alloc_in(CAP_SELF, -1, AREA_ORDER);
        if (f < 0 || exo_map(CAP_SELF, (uint32_t)f, ARG_VA + (uint64_t)(c - clients) * DISKD_AREA,
                             MMU_W) != 1) {
            if (f >= 0)
                sys_cap_delete((uint32_t)f);
            return -DFS_ENOMEM;
        }
        c->frame = f;
    }
    if (c->env != caller) {
        c->env = caller;
        c->uid = c->gid = c == clients ? 0 : DISKD_NOBODY;
    }
    return sys_pct_give((uint32_t)c->frame, R_READ | R_WRITE);
}

static int64_t serve_fs(struct client *c, uint64_t op, uint64_t a1, uint64_t a2)
{
    int h = a1 > 0xffffffffu ? -1 : held(c, a1);
    uint32_t ino = h < 0 ? 0 : c->open[h].ino;
    int64_t r;
    uint64_t n;
    switch (op) {
    case DISKD_OPEN: {
        if (take_path(0, p1) < 0)
            return -DFS_ENAMETOOLONG;
        bool map = (a1 & DISKD_OPEN_MAP) && c == clients && shared &&
                   !(a1 & (DFS_O_WRITE | DFS_O_CREAT | DFS_O_TRUNC | DFS_O_DIRECTORY));
        r = note_open(c, dfs_open(&fs, p1, (unsigned)a1 & ~DISKD_OPEN_MAP, (uint32_t)a2),
                      (a1 & DFS_O_WRITE) != 0);
        if (map) { /* (diskd.h: the first bytes' map with the answer) */
            struct dfs_extent x[DISKD_MAP_MAX];
            int64_t m =
                r > 0 ? dfs_read_map(&fs, (uint32_t)r, 0, DISKD_OPEN_MAP_BYTES, x, DISKD_MAP_MAX)
                      : 0;
            uint64_t got = m > 0 ? (uint64_t)m : 0;
            memcpy(page, &got, 8);
            if (got)
                memcpy(page + 8, x, sizeof x);
        }
        return r;
    }
    case DISKD_MKDIR:
    case DISKD_UNLINK:
    case DISKD_RMDIR:
        if (take_path(0, p1) < 0)
            return -DFS_ENAMETOOLONG;
        r = op == DISKD_MKDIR    ? dfs_mkdir(&fs, p1, (uint32_t)a1)
            : op == DISKD_UNLINK ? dfs_unlink(&fs, p1)
                                 : dfs_rmdir(&fs, p1);
        return r > 0 ? 0 : r;
    case DISKD_RENAME: {
        long l = take_path(0, p1);
        if (l < 0 || take_path((size_t)l + 1, p2) < 0)
            return -DFS_ENAMETOOLONG;
        return dfs_rename(&fs, p1, p2);
    }
    case DISKD_LINK: {
        long l = take_path(0, p1);
        if (l < 0 || take_path((size_t)l + 1, p2) < 0)
            return -DFS_ENAMETOOLONG;
        return dfs_link(&fs, p1, p2);
    }
    case DISKD_SYNC:
        return dfs_sync(&fs);
    }
    if (h < 0) /* every other call names an inode the caller opened ... */
        return -DFS_EBADF;
    if ((op == DISKD_WRITE || op == DISKD_TRUNCATE) && !c->open[h].write)
        return -DFS_EBADF; /* ... for writing, to change its data */
    switch (op) {
    case DISKD_CLOSE:
        return note_close(c, h);
    case DISKD_READ:
        /* File data goes straight between the cache and the area, both
         * ways: a client that changes its area meanwhile changes only the
         * bytes it reads or writes, never what the file system decides on. */
        memcpy(&n, page, 8);
        if (n > DISKD_DATA)
            n = DISKD_DATA;
        return dfs_read(&fs, ino, a2, page, n);
    case DISKD_WRITE:
        memcpy(&n, page, 8);
        if (n > DISKD_AREA - 8)
            return -DFS_EINVAL;
        return dfs_write(&fs, ino, a2, page + 8, n);
    case DISKD_READMAP: {
        if (c != clients)
            return -DFS_EPERM; /* (the mounter's: it alone may map the cache) */
        memcpy(&n, page, 8);
        if (n > DISKD_MAP_BYTES)
            n = DISKD_MAP_BYTES;
        struct dfs_extent x[DISKD_MAP_MAX];
        r = dfs_read_map(&fs, ino, a2, n, x, DISKD_MAP_MAX); /* (EINVAL unless shared) */
        if (r > 0)
            memcpy(page + 8, x, sizeof x);
        return r;
    }
    case DISKD_STAT: {
        struct dfs_stat st;
        r = dfs_stat(&fs, ino, &st);
        if (r == 0)
            memcpy(page, &st, sizeof st);
        return r;
    }
    case DISKD_READDIR: {
        struct dfs_dirent de;
        uint64_t pos = a2;
        r = dfs_readdir(&fs, ino, &pos, &de);
        if (r == 1) {
            memcpy(page, &pos, 8);
            memcpy(page + 8, &de, sizeof de);
        }
        return r;
    }
    case DISKD_FSYNC:
        return dfs_fsync(&fs, ino);
    case DISKD_TRUNCATE:
        return dfs_truncate(&fs, ino, a2);
    case DISKD_CHMOD:
        return dfs_chmod(&fs, ino, (uint32_t)a2 & 07777);
    case DISKD_CHOWN:
        return dfs_chown(&fs, ino, (uint32_t)a2, (uint32_t)(a2 >> 32));
    }
    return -DFS_EINVAL;
}

/* The mounter's own calls. */
static int64_t serve_mounter(uint64_t op, uint64_t a1, uint64_t a2)
{
    if (op == DISKD_MOUNT) {
        if (mounted)
            return -DFS_EBUSY;
        if (!opened) {
            if (a1 > 0xffffffffu || blk_open(&bd, (uint32_t)a1, 0) < 0)
                return -DFS_EINVAL;
            dfs_blkdev(&dev, &bd);
            if (a2 & DISKD_MOUNT_SHARED) { /* the per-page cache goes, blocks come */
                for (uint32_t i = 0; i < NCACHE; i++)
                    cache_release(NULL, cache + (uint64_t)i * 4096);
                if (cache_setup() < 0) {
                    blk_close(&bd);
                    return -DFS_ENOMEM;
                }
                shared = true;
                cache_pages = (uint32_t)(cache_len / 4096);
            }
            opened = true;
        }
        if ((a2 & 1) && dfs_mkfs(&dev, 0, 0, now(NULL), mkbuf) < 0)
            return -DFS_EIO;
        int r;
        if (shared) {
            /* (dfs_mount moves every counter: a page a client copied from
             * before holds something else now) */
            struct dfs_hooks h = {.now = now, .gen = (volatile uint32_t *)GEN_VA};
            r = dfs_mount(&fs, &dev, &h, (void *)SHARED_VA, cache_len);
        } else {
            if (cache_fill() < 0)
                return -DFS_ENOMEM;
            struct dfs_hooks h = {.now = now, .release = cache_release};
            r = dfs_mount(&fs, &dev, &h, cache, (size_t)NCACHE * 4096);
        }
        mounted = r == 0;
        return r;
    }
    if (op == DISKD_CHECK) {
        if (!opened || mounted)
            return -DFS_EBUSY;
        struct dfs_check ck;
        return dfs_check(&dev, scratch, sizeof scratch, &ck, NULL, NULL);
    }
    if (op == DISKD_CACHEMAP) {
        /* Read-only copies of the shared cache's pieces and of its
         * counters, to the mounter alone: it can read the whole disk
         * anyway (it gave us our block capability), so the mapping shows
         * it nothing new (docs/design.md, "Zero-copy reads"). */
        if (!mounted || !shared)
            return -DFS_EINVAL;
        if (a1 == DISKD_CACHE_GEN)
            return sys_pct_give(gen_cap, R_READ);
        if (a1 >= npieces)
            return -DFS_ENOENT;
        return sys_pct_give(piece[a1], R_READ);
    }
    if (op == DISKD_CRED) {
        if (a1 > 0xffffffffu || a2 > 0xffffffffu)
            return -DFS_EINVAL;
        clients[0].uid = (uint32_t)a1;
        clients[0].gid = (uint32_t)a2;
        return 0;
    }
    /* DISKD_UNMOUNT */
    if (!mounted)
        return -DFS_EINVAL;
    for (int i = 0; i < DISKD_CLIENTS; i++) /* (forced: what is open is closed) */
        clients[i].nopen = 0;
    int64_t r = dfs_unmount(&fs, true);
    mounted = false;
    return r;
}

static uint64_t serve_call(uint64_t op, uint64_t a1, uint64_t a2, uint32_t caller)
{
    uint32_t closing = (uint32_t)(op >> 32);
    op = DISKD_OP(op);
    if (op == DISKD_BIND)
        return (uint64_t)bind(caller);
    struct client *c = NULL;
    for (int i = 0; i < DISKD_CLIENTS && !c; i++)
        if (clients[i].env && clients[i].env == caller)
            c = &clients[i];
    if (!c)
        return (uint64_t)-DFS_EPERM;
    int h;
    if (closing && (h = held(c, closing)) >= 0) { /* (a deferred close: diskd.h) */
        dfs_set_cred(&fs, c->uid, c->gid);
        note_close(c, h);
    }
    if (op == DISKD_CACHE)
        return cache_pages;
    if (op == 0 || op >= DISKD_NOPS)
        return (uint64_t)-DFS_EINVAL;
    page = (uint8_t *)(ARG_VA + (uint64_t)(c - clients) * DISKD_AREA);
    if (op == DISKD_MOUNT || op == DISKD_UNMOUNT || op == DISKD_CHECK || op == DISKD_CRED ||
        op == DISKD_CACHEMAP)
        return (uint64_t)(c == clients ? serve_mounter(op, a1, a2) : -DFS_EPERM);
    if (op == DISKD_UNBIND) { /* (its page stays ours, for the next to bind here) */
        if (c == clients)
            return (uint64_t)-DFS_EBUSY; /* (the mounter stays) */
        close_all(c);
        c->env = 0;
        return 0;
    }
    if (!mounted)
        return (uint64_t)-DFS_EINVAL;
    dfs_set_cred(&fs, c->uid, c->gid);
    return (uint64_t)serve_fs(c, op, a1, a2);
}

static uint64_t serve(uint64_t op, uint64_t a1, uint64_t a2, uint32_t caller)
{
    __atomic_store_n(&in_call, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&saving, __ATOMIC_SEQ_CST)) {
        __atomic_store_n(&in_call, 0, __ATOMIC_SEQ_CST);
        return (uint64_t)-E_AGAIN;
    }
    uint64_t r = op == DISKD_CACHE ? cache_pages : serve_call(op, a1, a2, caller);
    if (want)
        give_back();
    __atomic_store_n(&in_call, 0, __ATOMIC_SEQ_CST);
    return r;
}

int main(void)
{
    for (int i = 0; i < DISKD_CLIENTS; i++)
        clients[i].frame = -1;
    cache_fill();
    exo_set_handler(UPCALL_REVOKE, on_revoke);
    exo_set_pct_entry(serve);
    for (;;)
        sys_block(0);
}
