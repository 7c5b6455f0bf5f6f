/*
 * fs.c - Spinel's shared in-memory file system.  See fs.h for the API and
 * README.md for the layout.
 *
 * Region layout, in 4 KiB blocks:
 *
 *   0                      superblock (struct fs_super)
 *   inode_start ...        inode table, 64 inodes of 64 bytes per block
 *   bitmap_start ...       block bitmap, one bit per block of the region
 *   scratch_start ...      work area of fs_check (bitmap + link counters)
 *   data_start ... nblocks data blocks (file data, indirect blocks,
 *                          directory blocks)
 *
 * Everything is addressed by block number and inode number, so the region
 * is position independent.  Block number 0 (the superblock) doubles as
 * "no block" in block pointers; inode 0 is never used, inode 1 is "/".
 *
 * Concurrency: one lock word in the superblock protects everything; every
 * public function takes it for its whole duration.  All functions named
 * do_* or below expect the lock held.  A holder that dies leaves the lock
 * set: fs_break_lock takes it over and repairs with do_check (README.md).
 */
#include "fs.h"
#include "fs_env.h"

#define FS_MAGIC        0x3130534c4e505353ull /* "SSPNLS01" little endian */
#define FS_VERSION      1
#define BS              FS_BLOCK_SIZE
#define PTRS            (BS / 4) /* block numbers per indirect block */
#define NDIRECT         8
#define MAX_FILE_BLOCKS ((uint64_t)NDIRECT + PTRS + (uint64_t)PTRS * PTRS)
#define MAX_FILE_SIZE   (MAX_FILE_BLOCKS * BS)
#define ROOT_INO        1
#define MIN_BLOCKS      16
#define MAX_INODES      (1u << 22)

struct fs_super {
    uint64_t magic;
    uint32_t version;
    uint32_t block_size;
    uint64_t size; /* bytes covered: nblocks * BS */
    uint32_t nblocks;
    uint32_t ninodes;
    uint32_t inode_start, inode_blocks;
    uint32_t bitmap_start, bitmap_blocks;
    uint32_t scratch_start, scratch_blocks;
    uint32_t data_start;
    uint32_t free_blocks; /* clear bits in the bitmap */
    uint32_t free_inodes; /* inodes of type 0, not counting inode 0 */
    uint32_t block_hint;  /* where the next block search starts */
    uint32_t inode_hint;
    uint32_t lock;        /* owner id of the holder, 0 = free; atomic only */
    uint32_t lock_breaks; /* times fs_break_lock took the lock over */
};

/* On-region inode: 64 bytes.  Blocks: 8 direct, one single indirect (1024
 * blocks = 4 MiB), one double indirect (1M blocks = 4 GiB). */
struct fs_inode {
    uint16_t type; /* 0 = free */
    uint16_t mode;
    uint16_t nlink;
    uint16_t pad;
    uint32_t refs;
    uint32_t parent; /* directories: inode of the parent (for "..") */
    uint64_t size;
    uint32_t direct[NDIRECT];
    uint32_t ind;
    uint32_t dind;
};
_Static_assert(sizeof(struct fs_inode) == 64, "inode size");
_Static_assert(sizeof(struct fs_super) <= BS, "superblock size");
#define INODES_PER_BLOCK (BS / sizeof(struct fs_inode))

/* Directory entry: fixed size, 15 to a block, never straddling blocks.
 * ino == 0 marks a free slot.  A directory's size is always a whole number
 * of blocks; trailing empty blocks are freed on removal. */
struct dent {
    uint32_t ino;
    uint8_t type;
    uint8_t namelen;
    uint16_t pad;
    char name[FS_NAME_MAX + 1];
};
_Static_assert(sizeof(struct dent) == 264, "dirent size");
#define DENTS_PER_BLOCK (BS / sizeof(struct dent))

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static inline uint8_t *blk(struct fs *fs, uint32_t b)
{
    return fs->base + (size_t)b * BS;
}

static inline bool data_blk_ok(struct fs *fs, uint32_t b)
{
    return b >= fs->sb->data_start && b < fs->sb->nblocks;
}

static inline struct fs_inode *inode_at(struct fs *fs, uint32_t ino)
{
    return (struct fs_inode *)blk(fs, fs->sb->inode_start) + ino;
}

/* The inode if ino names a live file, directory or symbolic link, else
 * NULL. */
static struct fs_inode *inode_live(struct fs *fs, uint32_t ino)
{
    if (ino == 0 || ino >= fs->sb->ninodes)
        return NULL;
    struct fs_inode *ip = inode_at(fs, ino);
    if (ip->type != FS_TYPE_FILE && ip->type != FS_TYPE_DIR && ip->type != FS_TYPE_LINK)
        return NULL;
    return ip;
}

static inline bool is_dot(const char *s, size_t n)
{
    return n == 1 && s[0] == '.';
}

static inline bool is_dotdot(const char *s, size_t n)
{
    return n == 2 && s[0] == '.' && s[1] == '.';
}

/* strlen bounded to FS_PATH_MAX + 1 (never reads further). */
static size_t path_len(const char *p)
{
    size_t n = 0;
    while (n <= FS_PATH_MAX && p[n])
        n++;
    return n;
}

/* ------------------------------------------------------------------ */
/* Lock                                                                */

/* A reader's handle (owner 0) takes no lock: its region may be mapped
 * read-only, and the embedder makes its reads consistent otherwise (the
 * Unix library OS: a sequence count its server bumps around updates). */
static void fs_lock(struct fs *fs)
{
    if (!fs->owner)
        return;
    uint32_t *w = &fs->sb->lock;
    for (;;) {
        uint32_t expected = 0;
        if (__atomic_compare_exchange_n(w, &expected, fs->owner, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return;
        /* Held by someone else: let it run (on one CPU spinning would only
         * burn our time slice).  Wait until it looks free before retrying. */
        do {
            if (fs->yield)
                fs->yield();
        } while (__atomic_load_n(w, __ATOMIC_RELAXED) != 0);
    }
}

static void fs_unlock(struct fs *fs)
{
    if (!fs->owner)
        return;
    __atomic_store_n(&fs->sb->lock, 0, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------------ */
/* Block and inode allocation                                          */

/* Own popcount: __builtin_popcountll may call libgcc, which Spinel
 * programs do not link. */
static inline int popcount64(uint64_t v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

static inline uint64_t *bitmap(struct fs *fs)
{
    return (uint64_t *)blk(fs, fs->sb->bitmap_start);
}

static inline bool bit_get(const uint64_t *bm, uint32_t i)
{
    return (bm[i / 64] >> (i % 64)) & 1;
}

static inline void bit_set(uint64_t *bm, uint32_t i)
{
    bm[i / 64] |= 1ull << (i % 64);
}

static inline void bit_clr(uint64_t *bm, uint32_t i)
{
    bm[i / 64] &= ~(1ull << (i % 64));
}

/* Allocates a zeroed block; 0 if none is free. */
static uint32_t balloc(struct fs *fs)
{
    struct fs_super *sb = fs->sb;
    if (sb->free_blocks == 0)
        return 0;
    uint64_t *bm = bitmap(fs);
    uint32_t nw = (sb->nblocks + 63) / 64;
    uint32_t w0 = sb->block_hint / 64;
    if (w0 >= nw)
        w0 = 0;
    for (uint32_t k = 0; k < nw; k++) {
        uint32_t w = w0 + k < nw ? w0 + k : w0 + k - nw;
        if (bm[w] == ~0ull)
            continue;
        uint32_t b = w * 64 + (uint32_t)__builtin_ctzll(~bm[w]);
        if (b >= sb->nblocks || b < sb->data_start)
            continue; /* cannot happen: those bits are set at format */
        bit_set(bm, b);
        sb->free_blocks--;
        sb->block_hint = b;
        memset(blk(fs, b), 0, BS);
        return b;
    }
    return 0;
}

static void bfree(struct fs *fs, uint32_t b)
{
    if (!data_blk_ok(fs, b) || !bit_get(bitmap(fs), b))
        return; /* bad pointer or double free: leave it to fs_check */
    bit_clr(bitmap(fs), b);
    fs->sb->free_blocks++;
}

/* Allocates an inode of the given type; 0 if none is free. */
static uint32_t ialloc(struct fs *fs, int type)
{
    struct fs_super *sb = fs->sb;
    if (sb->free_inodes == 0)
        return 0;
    uint32_t n = sb->ninodes;
    uint32_t start = sb->inode_hint;
    if (start == 0 || start >= n)
        start = 1;
    for (uint32_t k = 0; k < n - 1; k++) {
        uint32_t ino = start + k;
        if (ino >= n)
            ino -= n - 1; /* wrap over 1 .. n-1 */
        struct fs_inode *ip = inode_at(fs, ino);
        if (ip->type != 0)
            continue;
        memset(ip, 0, sizeof *ip);
        ip->type = (uint16_t)type;
        ip->mode = type == FS_TYPE_DIR ? 0755 : type == FS_TYPE_LINK ? 0777 : 0644;
        sb->free_inodes--;
        sb->inode_hint = ino;
        return ino;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Block map                                                           */

/* Slot idx of the indirect block *ptr, allocating that block if missing
 * and alloc.  NULL if absent (err 0) or on failure (err set). */
static uint32_t *ind_slot(struct fs *fs, uint32_t *ptr, uint32_t idx, bool alloc, int *err)
{
    if (*ptr == 0) {
        if (!alloc)
            return NULL;
        uint32_t b = balloc(fs);
        if (!b) {
            *err = -FS_ENOSPC;
            return NULL;
        }
        *ptr = b;
    } else if (!data_blk_ok(fs, *ptr)) {
        *err = -FS_EIO;
        return NULL;
    }
    return (uint32_t *)blk(fs, *ptr) + idx;
}

/* Address of the pointer to logical block lbn of ip.  With alloc, missing
 * indirect blocks are allocated (the data block itself is not).  NULL with
 * *err == 0 means a hole. */
static uint32_t *bmap_slot(struct fs *fs, struct fs_inode *ip, uint64_t lbn, bool alloc, int *err)
{
    *err = 0;
    if (lbn < NDIRECT)
        return &ip->direct[lbn];
    lbn -= NDIRECT;
    if (lbn < PTRS)
        return ind_slot(fs, &ip->ind, (uint32_t)lbn, alloc, err);
    lbn -= PTRS;
    if (lbn >= (uint64_t)PTRS * PTRS) {
        *err = -FS_EFBIG;
        return NULL;
    }
    uint32_t *mid = ind_slot(fs, &ip->dind, (uint32_t)(lbn / PTRS), alloc, err);
    if (!mid)
        return NULL;
    return ind_slot(fs, mid, (uint32_t)(lbn % PTRS), alloc, err);
}

/* Data block of lbn: its number, 0 for a hole, or a negative error. */
static int64_t bmap_get(struct fs *fs, struct fs_inode *ip, uint64_t lbn)
{
    int err;
    uint32_t *slot = bmap_slot(fs, ip, lbn, false, &err);
    if (err)
        return err;
    if (!slot || !*slot)
        return 0;
    if (!data_blk_ok(fs, *slot))
        return -FS_EIO;
    return *slot;
}

/* Data block of lbn, allocated if missing; 0 and *err on failure. */
static uint32_t bmap_alloc(struct fs *fs, struct fs_inode *ip, uint64_t lbn, int *err)
{
    uint32_t *slot = bmap_slot(fs, ip, lbn, true, err);
    if (!slot)
        return 0;
    if (*slot == 0) {
        uint32_t b = balloc(fs);
        if (!b) {
            *err = -FS_ENOSPC;
            return 0;
        }
        *slot = b;
    } else if (!data_blk_ok(fs, *slot)) {
        *err = -FS_EIO;
        return 0;
    }
    return *slot;
}

/* Frees, in the tree below the indirect block *ptr whose first entry maps
 * logical block first, every block mapping a logical block >= keep; then
 * the indirect block itself if it maps nothing below keep.  level 1:
 * entries are data blocks; level 2: entries are indirect blocks.  Visits
 * every allocated pointer, so blocks left past the end of file (an indirect
 * block allocated by a write that then ran out of space) are freed too. */
static void free_ind(struct fs *fs, uint32_t *ptr, uint64_t first, uint64_t keep, int level)
{
    if (*ptr == 0)
        return;
    if (!data_blk_ok(fs, *ptr)) {
        *ptr = 0;
        return;
    }
    uint32_t *e = (uint32_t *)blk(fs, *ptr);
    uint64_t span = level == 1 ? 1 : PTRS;
    for (uint32_t i = 0; i < PTRS; i++) {
        uint64_t start = first + i * span;
        if (level == 1) {
            if (start >= keep && e[i]) {
                bfree(fs, e[i]);
                e[i] = 0;
            }
        } else if (start + span > keep) {
            free_ind(fs, &e[i], start, keep, 1);
        }
    }
    if (first >= keep) {
        bfree(fs, *ptr);
        *ptr = 0;
    }
}

/* Frees all blocks of ip mapping logical blocks >= keep. */
static void free_blocks_from(struct fs *fs, struct fs_inode *ip, uint64_t keep)
{
    for (uint32_t i = 0; i < NDIRECT; i++)
        if (i >= keep && ip->direct[i]) {
            bfree(fs, ip->direct[i]);
            ip->direct[i] = 0;
        }
    free_ind(fs, &ip->ind, NDIRECT, keep, 1);
    free_ind(fs, &ip->dind, NDIRECT + PTRS, keep, 2);
}

static void ifree(struct fs *fs, uint32_t ino)
{
    struct fs_inode *ip = inode_at(fs, ino);
    free_blocks_from(fs, ip, 0);
    memset(ip, 0, sizeof *ip);
    fs->sb->free_inodes++;
}

/* Frees the inode once it has neither names nor open references. */
static void maybe_free(struct fs *fs, uint32_t ino)
{
    struct fs_inode *ip = inode_at(fs, ino);
    if (ip->nlink == 0 && ip->refs == 0 && ino != ROOT_INO)
        ifree(fs, ino);
}

/* ------------------------------------------------------------------ */
/* File data                                                           */

/* Invariant: the bytes of allocated blocks past the end of file are zero
 * (new blocks are zeroed, truncate zeroes the tail it cuts off), so growing
 * a file never exposes old data. */

static int64_t do_read(struct fs *fs, struct fs_inode *ip, uint64_t off, uint8_t *buf, uint64_t len)
{
    if (off >= ip->size)
        return 0;
    if (len > ip->size - off)
        len = ip->size - off;
    uint64_t done = 0;
    while (done < len) {
        uint64_t pos = off + done, boff = pos % BS;
        uint64_t n = BS - boff < len - done ? BS - boff : len - done;
        int64_t b = bmap_get(fs, ip, pos / BS);
        if (b < 0)
            return done ? (int64_t)done : b;
        if (b == 0)
            memset(buf + done, 0, n);
        else
            memcpy(buf + done, blk(fs, (uint32_t)b) + boff, n);
        done += n;
    }
    return (int64_t)done;
}

static int64_t do_write(struct fs *fs, struct fs_inode *ip, uint64_t off, const uint8_t *buf,
                        uint64_t len)
{
    if (len == 0)
        return 0;
    if (off >= MAX_FILE_SIZE || len > MAX_FILE_SIZE - off)
        return -FS_EFBIG;
    uint64_t done = 0;
    int err = 0;
    while (done < len) {
        uint64_t pos = off + done, boff = pos % BS;
        uint64_t n = BS - boff < len - done ? BS - boff : len - done;
        uint32_t b = bmap_alloc(fs, ip, pos / BS, &err);
        if (!b)
            break;
        memcpy(blk(fs, b) + boff, buf + done, n);
        done += n;
        if (off + done > ip->size) /* keep size right if we stop early */
            ip->size = off + done;
    }
    return done ? (int64_t)done : err;
}

static int do_truncate(struct fs *fs, struct fs_inode *ip, uint64_t size)
{
    if (size > MAX_FILE_SIZE)
        return -FS_EFBIG;
    if (size < ip->size) {
        uint64_t keep = (size + BS - 1) / BS;
        if (size % BS) {
            int64_t b = bmap_get(fs, ip, size / BS);
            if (b > 0)
                memset(blk(fs, (uint32_t)b) + size % BS, 0, BS - size % BS);
        }
        free_blocks_from(fs, ip, keep);
    }
    ip->size = size;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Directories                                                         */

/* Entries of block lbn of directory dp, or NULL (corrupt directory). */
static struct dent *dir_block(struct fs *fs, struct fs_inode *dp, uint64_t lbn)
{
    int64_t b = bmap_get(fs, dp, lbn);
    return b > 0 ? (struct dent *)blk(fs, (uint32_t)b) : NULL;
}

static inline uint64_t dir_nblocks(const struct fs_inode *dp)
{
    return dp->size / BS;
}

/* Finds name in dp.  Returns its inode and slot (*slot = lbn * 15 + i) or
 * -FS_ENOENT / -FS_EIO. */
static int dir_find(struct fs *fs, struct fs_inode *dp, const char *name, size_t len,
                    uint32_t *slot)
{
    for (uint64_t lbn = 0; lbn < dir_nblocks(dp); lbn++) {
        struct dent *d = dir_block(fs, dp, lbn);
        if (!d)
            return -FS_EIO;
        for (uint32_t i = 0; i < DENTS_PER_BLOCK; i++)
            if (d[i].ino && d[i].namelen == len && memcmp(d[i].name, name, len) == 0) {
                if (!inode_live(fs, d[i].ino))
                    return -FS_EIO;
                if (slot)
                    *slot = (uint32_t)(lbn * DENTS_PER_BLOCK + i);
                return (int)d[i].ino;
            }
    }
    return -FS_ENOENT;
}

static struct dent *dir_slot(struct fs *fs, struct fs_inode *dp, uint32_t slot)
{
    struct dent *d = dir_block(fs, dp, slot / DENTS_PER_BLOCK);
    return d ? &d[slot % DENTS_PER_BLOCK] : NULL;
}

/* Adds an entry (the name must not be present). */
static int dir_add(struct fs *fs, struct fs_inode *dp, const char *name, size_t len, uint32_t ino,
                   int type)
{
    struct dent *e = NULL;
    for (uint64_t lbn = 0; lbn < dir_nblocks(dp) && !e; lbn++) {
        struct dent *d = dir_block(fs, dp, lbn);
        if (!d)
            return -FS_EIO;
        for (uint32_t i = 0; i < DENTS_PER_BLOCK; i++)
            if (d[i].ino == 0) {
                e = &d[i];
                break;
            }
    }
    if (!e) { /* full: append a block */
        if (dp->size + BS > MAX_FILE_SIZE)
            return -FS_ENOSPC;
        int err = 0;
        uint32_t b = bmap_alloc(fs, dp, dir_nblocks(dp), &err);
        if (!b) {
            free_blocks_from(fs, dp, dir_nblocks(dp)); /* a fresh indirect block */
            return err;
        }
        dp->size += BS;
        e = (struct dent *)blk(fs, b);
    }
    memset(e, 0, sizeof *e);
    memcpy(e->name, name, len);
    e->namelen = (uint8_t)len;
    e->type = (uint8_t)type;
    e->ino = ino;
    return 0;
}

static bool block_empty(const struct dent *d)
{
    for (uint32_t i = 0; i < DENTS_PER_BLOCK; i++)
        if (d[i].ino)
            return false;
    return true;
}

/* Clears a slot, then gives back the trailing blocks left empty. */
static void dir_remove(struct fs *fs, struct fs_inode *dp, uint32_t slot)
{
    struct dent *e = dir_slot(fs, dp, slot);
    if (e)
        memset(e, 0, sizeof *e);
    while (dp->size) {
        struct dent *d = dir_block(fs, dp, dir_nblocks(dp) - 1);
        if (d && !block_empty(d))
            break;
        dp->size -= BS;
        free_blocks_from(fs, dp, dir_nblocks(dp));
    }
}

static bool dir_empty(struct fs *fs, struct fs_inode *dp)
{
    for (uint64_t lbn = 0; lbn < dir_nblocks(dp); lbn++) {
        struct dent *d = dir_block(fs, dp, lbn);
        if (d && !block_empty(d))
            return false;
    }
    return true;
}

/* Creates name (which must be a plain component) in directory dino. */
static int dir_create_child(struct fs *fs, uint32_t dino, const char *name, size_t len, int type)
{
    struct fs_inode *dp = inode_live(fs, dino);
    if (!dp)
        return -FS_EIO;
    if (dp->type != FS_TYPE_DIR)
        return -FS_ENOTDIR;
    if (dp->nlink == 0)
        return -FS_ENOENT; /* removed directory, still open */
    int r = dir_find(fs, dp, name, len, NULL);
    if (r >= 0)
        return -FS_EEXIST;
    if (r != -FS_ENOENT)
        return r;
    if (type == FS_TYPE_DIR && dp->nlink >= FS_LINK_MAX)
        return -FS_EMLINK;
    uint32_t ino = ialloc(fs, type);
    if (!ino)
        return -FS_ENOSPC;
    struct fs_inode *ip = inode_at(fs, ino);
    ip->nlink = type == FS_TYPE_DIR ? 2 : 1;
    ip->parent = dino;
    r = dir_add(fs, dp, name, len, ino, type);
    if (r < 0) {
        ifree(fs, ino);
        return r;
    }
    if (type == FS_TYPE_DIR)
        dp->nlink++;
    return (int)ino;
}

/* ------------------------------------------------------------------ */
/* Path resolution                                                     */

/* Next component of [*pp, end): skips slashes.  1 with *s and *len set, 0 at
 * the end, or -FS_ENAMETOOLONG. */
static int next_comp(const char **pp, const char *end, const char **s, size_t *len)
{
    const char *p = *pp;
    while (p < end && *p == '/')
        p++;
    if (p == end) {
        *pp = p;
        return 0;
    }
    *s = p;
    while (p < end && *p != '/')
        p++;
    *len = (size_t)(p - *s);
    *pp = p;
    return *len > FS_NAME_MAX ? -FS_ENAMETOOLONG : 1;
}

/* One step from directory cur through component s. */
static int step(struct fs *fs, uint32_t cur, const char *s, size_t len)
{
    struct fs_inode *dp = inode_live(fs, cur);
    if (!dp)
        return -FS_EIO;
    if (dp->type != FS_TYPE_DIR)
        return -FS_ENOTDIR;
    if (is_dot(s, len))
        return (int)cur;
    if (is_dotdot(s, len)) {
        if (cur == ROOT_INO)
            return ROOT_INO;
        struct fs_inode *pp = inode_live(fs, dp->parent);
        return pp && pp->type == FS_TYPE_DIR ? (int)dp->parent : -FS_EIO;
    }
    return dir_find(fs, dp, s, len, NULL);
}

struct walk {
    uint32_t ino;     /* LOOKUP: the target; PARENT: the parent directory */
    const char *name; /* PARENT: last component */
    size_t namelen;
    bool trailing; /* path ends with '/' after its last component */
};

enum { WALK_LOOKUP, WALK_PARENT };
#define WALK_NOFOLLOW 2   /* LOOKUP: a symbolic link as the last component is the result */
#define WALK_ROOT     1   /* PARENT mode: the path is "/" (no last component) */
#define LINKPATH_MAX  512 /* a path with a symbolic link's target put in, at most */

/* Resolves [path, path + n) from directory start.  PARENT mode stops before
 * the last component (which may be "." or ".."; callers check).  Symbolic
 * links met on the way are followed (their target, then the rest of the
 * path, from the link's directory or from "/"), the last component's too
 * in LOOKUP mode unless WALK_NOFOLLOW (and always with a slash after it);
 * more than FS_SYMLOOP_MAX of them is ELOOP. */
static int walk(struct fs *fs, uint32_t start, const char *path, size_t n, int mode, struct walk *w)
{
    const char *p = path, *end = path + n, *s, *s2;
    size_t len, len2;
    uint32_t cur = start;
    char buf[2][LINKPATH_MAX]; /* the path rewritten, alternately in each */
    int which = 0, links = 0, follow_last = !(mode & WALK_NOFOLLOW);
    mode &= 1;
    int r = next_comp(&p, end, &s, &len);
    if (r < 0)
        return r;
    if (r == 0) { /* only slashes */
        w->ino = cur;
        w->trailing = false;
        return mode == WALK_PARENT ? WALK_ROOT : 0;
    }
    for (;;) {
        const char *after = p;
        r = next_comp(&p, end, &s2, &len2);
        if (r < 0)
            return r;
        bool last = r == 0;
        if (last && mode == WALK_PARENT) {
            struct fs_inode *dp = inode_live(fs, cur);
            if (!dp)
                return -FS_EIO;
            if (dp->type != FS_TYPE_DIR)
                return -FS_ENOTDIR;
            w->ino = cur;
            w->name = s;
            w->namelen = len;
            w->trailing = after < end;
            return 0;
        }
        int ino = step(fs, cur, s, len);
        if (ino < 0)
            return ino;
        struct fs_inode *ip = inode_live(fs, (uint32_t)ino);
        if (!ip)
            return -FS_EIO;
        if (ip->type == FS_TYPE_LINK && (!last || follow_last || after < end)) {
            /* The link's target in front of the rest of the path. */
            size_t rest = (size_t)(end - after);
            if (++links > FS_SYMLOOP_MAX)
                return -FS_ELOOP;
            if (ip->size == 0)
                return -FS_ENOENT;
            if (ip->size + rest > LINKPATH_MAX)
                return -FS_ENAMETOOLONG;
            char *nb = buf[which];
            which ^= 1; /* (the rest is in the other buffer, or the caller's) */
            if (do_read(fs, ip, 0, (uint8_t *)nb, ip->size) != (int64_t)ip->size)
                return -FS_EIO;
            memcpy(nb + ip->size, after, rest);
            if (nb[0] == '/')
                cur = ROOT_INO; /* (else from the link's directory, cur) */
            p = nb;
            end = nb + ip->size + rest;
            r = next_comp(&p, end, &s, &len);
            if (r < 0)
                return r;
            if (r == 0) { /* a link to "/" */
                w->ino = cur;
                w->trailing = false;
                return mode == WALK_PARENT ? WALK_ROOT : 0;
            }
            continue;
        }
        cur = (uint32_t)ino;
        if (last) {
            w->trailing = after < end;
            if (w->trailing && inode_at(fs, cur)->type != FS_TYPE_DIR)
                return -FS_ENOTDIR;
            w->ino = cur;
            return 0;
        }
        s = s2;
        len = len2;
    }
}

/* Checks a caller's path and returns its length (or a negative error). */
static int64_t check_path(const char *path)
{
    if (!path)
        return -FS_EINVAL;
    size_t n = path_len(path);
    if (n == 0)
        return -FS_ENOENT;
    if (n > FS_PATH_MAX)
        return -FS_ENAMETOOLONG;
    return (int64_t)n;
}

static int resolve(struct fs *fs, const char *path, int mode, struct walk *w)
{
    int64_t n = check_path(path);
    if (n < 0)
        return (int)n;
    return walk(fs, ROOT_INO, path, (size_t)n, mode, w);
}

/* ------------------------------------------------------------------ */
/* Operations (lock held)                                              */

static int do_create(struct fs *fs, const char *path, int type)
{
    if (type != FS_TYPE_FILE && type != FS_TYPE_DIR && type != FS_TYPE_LINK)
        return -FS_EINVAL;
    struct walk w;
    int r = resolve(fs, path, WALK_PARENT, &w);
    if (r < 0)
        return r;
    if (r == WALK_ROOT || is_dot(w.name, w.namelen) || is_dotdot(w.name, w.namelen))
        return -FS_EEXIST;
    if (w.trailing && type != FS_TYPE_DIR) {
        int e = dir_find(fs, inode_at(fs, w.ino), w.name, w.namelen, NULL);
        return e >= 0 ? -FS_EEXIST : -FS_EISDIR;
    }
    return dir_create_child(fs, w.ino, w.name, w.namelen, type);
}

static int do_open(struct fs *fs, const char *path, unsigned flags)
{
    struct walk w;
    int r = resolve(fs, path, WALK_LOOKUP, &w);
    if (r == -FS_ENOENT && (flags & FS_O_CREAT))
        r = do_create(fs, path, FS_TYPE_FILE);
    else if (r >= 0 && (flags & FS_O_CREAT) && (flags & FS_O_EXCL))
        return -FS_EEXIST;
    else if (r >= 0)
        r = (int)w.ino;
    if (r < 0)
        return r;
    struct fs_inode *ip = inode_at(fs, (uint32_t)r);
    if ((flags & FS_O_DIRECTORY) && ip->type != FS_TYPE_DIR)
        return -FS_ENOTDIR;
    if (flags & FS_O_TRUNC) {
        if (ip->type == FS_TYPE_DIR)
            return -FS_EISDIR;
        do_truncate(fs, ip, 0);
    }
    if (ip->refs == UINT32_MAX)
        return -FS_EMLINK;
    ip->refs++;
    return r;
}

/* want: FS_TYPE_FILE (unlink), FS_TYPE_DIR (rmdir) or 0 (either). */
static int do_remove(struct fs *fs, const char *path, int want)
{
    struct walk w;
    int r = resolve(fs, path, WALK_PARENT, &w);
    if (r < 0)
        return r;
    if (r == WALK_ROOT)
        return -FS_EBUSY;
    if (is_dot(w.name, w.namelen) || is_dotdot(w.name, w.namelen))
        return -FS_EINVAL;
    struct fs_inode *dp = inode_at(fs, w.ino);
    uint32_t slot;
    int ino = dir_find(fs, dp, w.name, w.namelen, &slot);
    if (ino < 0)
        return ino;
    struct fs_inode *ip = inode_live(fs, (uint32_t)ino);
    if (!ip)
        return -FS_EIO;
    if (ip->type == FS_TYPE_DIR) {
        if (want == FS_TYPE_FILE)
            return -FS_EISDIR;
        if (!dir_empty(fs, ip))
            return -FS_ENOTEMPTY;
        dir_remove(fs, dp, slot);
        dp->nlink--;
        ip->nlink = 0;
    } else {
        if (want == FS_TYPE_DIR || w.trailing)
            return -FS_ENOTDIR;
        dir_remove(fs, dp, slot);
        ip->nlink--;
    }
    maybe_free(fs, (uint32_t)ino);
    return 0;
}

static int do_rename(struct fs *fs, const char *oldpath, const char *newpath)
{
    struct walk ow, nw;
    int r = resolve(fs, oldpath, WALK_PARENT, &ow);
    if (r < 0)
        return r;
    if (r == WALK_ROOT)
        return -FS_EBUSY;
    r = resolve(fs, newpath, WALK_PARENT, &nw);
    if (r < 0)
        return r;
    if (r == WALK_ROOT)
        return -FS_EBUSY;
    if (is_dot(ow.name, ow.namelen) || is_dotdot(ow.name, ow.namelen) ||
        is_dot(nw.name, nw.namelen) || is_dotdot(nw.name, nw.namelen))
        return -FS_EINVAL;
    struct fs_inode *odp = inode_at(fs, ow.ino), *ndp = inode_at(fs, nw.ino);
    uint32_t oslot, nslot;
    int oino = dir_find(fs, odp, ow.name, ow.namelen, &oslot);
    if (oino < 0)
        return oino;
    struct fs_inode *oip = inode_live(fs, (uint32_t)oino);
    if (!oip)
        return -FS_EIO;
    bool isdir = oip->type == FS_TYPE_DIR;
    if ((ow.trailing || nw.trailing) && !isdir)
        return -FS_ENOTDIR;
    if (ndp->nlink == 0)
        return -FS_ENOENT;
    if (isdir) {
        /* The new parent must not be the directory itself or below it:
         * climb from the new parent to the root. */
        uint32_t x = nw.ino;
        for (uint32_t guard = 0; x != ROOT_INO; guard++) {
            if (x == (uint32_t)oino)
                return -FS_EINVAL;
            struct fs_inode *xp = inode_live(fs, x);
            if (!xp || guard > fs->sb->ninodes)
                return -FS_EIO;
            x = xp->parent;
        }
    }
    int nino = dir_find(fs, ndp, nw.name, nw.namelen, &nslot);
    if (nino == oino)
        return 0;
    if (nino >= 0) {
        struct fs_inode *nip = inode_live(fs, (uint32_t)nino);
        if (!nip)
            return -FS_EIO;
        if (isdir && nip->type != FS_TYPE_DIR)
            return -FS_ENOTDIR;
        if (!isdir && nip->type == FS_TYPE_DIR)
            return -FS_EISDIR;
        if (isdir && !dir_empty(fs, nip))
            return -FS_ENOTEMPTY;
        if (isdir && ow.ino != nw.ino && ndp->nlink >= FS_LINK_MAX + 1)
            return -FS_EMLINK;
        /* Point the existing entry at the moved inode; drop the target. */
        struct dent *e = dir_slot(fs, ndp, nslot);
        if (!e)
            return -FS_EIO;
        e->ino = (uint32_t)oino;
        e->type = (uint8_t)oip->type;
        if (isdir) {
            nip->nlink = 0;
            ndp->nlink--;
        } else {
            nip->nlink--;
        }
        maybe_free(fs, (uint32_t)nino);
    } else if (nino == -FS_ENOENT) {
        if (isdir && ow.ino != nw.ino && ndp->nlink >= FS_LINK_MAX)
            return -FS_EMLINK;
        r = dir_add(fs, ndp, nw.name, nw.namelen, (uint32_t)oino, oip->type);
        if (r < 0)
            return r;
    } else {
        return nino;
    }
    /* Slots never move, so oslot is still the old entry. */
    dir_remove(fs, odp, oslot);
    if (isdir) {
        odp->nlink--;
        ndp->nlink++;
        oip->parent = nw.ino;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Consistency check and repair                                        */

/* A stored name with a NUL or a slash, or "." / "..", is corrupt. */
static bool name_bad(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0' || s[i] == '/')
            return true;
    return is_dot(s, n) || is_dotdot(s, n);
}

struct check {
    struct fs *fs;
    uint64_t *mark;  /* blocks seen (scratch) */
    uint32_t *links; /* references counted per inode (scratch) */
    bool repair;
    int bad;
};

/* Marks block *ptr; a bad or doubly used pointer is a problem (cleared on
 * repair).  Returns whether the block may be followed. */
static bool check_mark(struct check *c, uint32_t *ptr)
{
    if (*ptr == 0)
        return false;
    if (!data_blk_ok(c->fs, *ptr) || bit_get(c->mark, *ptr)) {
        c->bad++;
        if (c->repair)
            *ptr = 0;
        return false;
    }
    bit_set(c->mark, *ptr);
    return true;
}

static void check_tree(struct check *c, uint32_t *ptr, int level)
{
    if (!check_mark(c, ptr) || level == 0)
        return;
    uint32_t *e = (uint32_t *)blk(c->fs, *ptr);
    for (uint32_t i = 0; i < PTRS; i++)
        check_tree(c, &e[i], level - 1);
}

static int do_check(struct fs *fs, bool repair)
{
    struct fs_super *sb = fs->sb;
    struct check c = {
        .fs = fs,
        .mark = (uint64_t *)blk(fs, sb->scratch_start),
        .links = (uint32_t *)blk(fs, sb->scratch_start + sb->bitmap_blocks),
        .repair = repair,
    };
    memset(c.mark, 0, (size_t)sb->bitmap_blocks * BS);
    memset(c.links, 0, (size_t)sb->ninodes * 4);

    /* 1. Inode types: anything else than free/file/dir is a problem. */
    for (uint32_t ino = 1; ino < sb->ninodes; ino++) {
        struct fs_inode *ip = inode_at(fs, ino);
        if (ip->type != 0 && !inode_live(fs, ino)) {
            c.bad++;
            if (repair)
                memset(ip, 0, sizeof *ip); /* its blocks return via 5. */
        }
    }
    if (inode_at(fs, ROOT_INO)->type != FS_TYPE_DIR)
        return c.bad + 1; /* nothing sensible to repair */

    /* 2. Directory entries: count links.  An entry to a dead inode or with
     * a bad name is a problem (dropped on repair).  A subdirectory gives
     * its parent one more link (its ".."). */
    c.links[ROOT_INO] = 1; /* the root's own entry, so nlink = 2 + subdirs */
    for (uint32_t ino = 1; ino < sb->ninodes; ino++) {
        struct fs_inode *dp = inode_at(fs, ino);
        if (dp->type != FS_TYPE_DIR)
            continue;
        if (dp->size % BS || dp->size > MAX_FILE_SIZE) {
            c.bad++;
            if (repair)
                dp->size -= dp->size % BS;
        }
        for (uint64_t lbn = 0; lbn < dir_nblocks(dp); lbn++) {
            struct dent *d = dir_block(fs, dp, lbn);
            if (!d) {
                c.bad++;
                continue;
            }
            for (uint32_t i = 0; i < DENTS_PER_BLOCK; i++) {
                if (!d[i].ino)
                    continue;
                struct fs_inode *ip = inode_live(fs, d[i].ino);
                if (!ip || d[i].ino == ROOT_INO || d[i].type != ip->type || d[i].namelen == 0 ||
                    name_bad(d[i].name, d[i].namelen)) {
                    c.bad++;
                    if (repair)
                        memset(&d[i], 0, sizeof d[i]);
                    continue;
                }
                c.links[d[i].ino]++;
                if (ip->type == FS_TYPE_DIR) {
                    c.links[ino]++;
                    if (ip->parent != ino) {
                        c.bad++;
                        if (repair)
                            ip->parent = ino;
                    }
                }
            }
        }
        /* No trailing empty block (dir_remove gives them back). */
        while (dp->size) {
            struct dent *d = dir_block(fs, dp, dir_nblocks(dp) - 1);
            if (d && !block_empty(d))
                break;
            c.bad++;
            if (!repair)
                break;
            dp->size -= BS;
            free_blocks_from(fs, dp, dir_nblocks(dp));
        }
    }

    /* 3. Link counts; inodes with no name and no reference are orphans
     * (freed on repair).  Before 4., so orphans' blocks are not marked. */
    for (uint32_t ino = 1; ino < sb->ninodes; ino++) {
        struct fs_inode *ip = inode_live(fs, ino);
        if (!ip)
            continue;
        uint32_t want = c.links[ino];
        if (want && ip->type == FS_TYPE_DIR)
            want++; /* "." */
        if (want == 0 && ip->refs == 0) {
            c.bad++;
            /* Dropped without walking its blocks (they might be shared with
             * a live file if the region is damaged): the bitmap rebuilt in
             * 5. gives them back. */
            if (repair)
                memset(ip, 0, sizeof *ip);
            continue;
        }
        if (ip->nlink != want) {
            c.bad++;
            if (repair)
                ip->nlink = (uint16_t)(want > FS_LINK_MAX ? FS_LINK_MAX : want);
        }
    }

    /* 4. Block trees: every pointer in range and used once. */
    for (uint32_t b = 0; b < sb->data_start; b++)
        bit_set(c.mark, b);
    for (uint32_t b = sb->nblocks; b < sb->bitmap_blocks * BS * 8; b++)
        bit_set(c.mark, b);
    uint32_t used_inodes = 0;
    for (uint32_t ino = 1; ino < sb->ninodes; ino++) {
        struct fs_inode *ip = inode_live(fs, ino);
        if (!ip)
            continue;
        used_inodes++;
        for (uint32_t i = 0; i < NDIRECT; i++)
            check_tree(&c, &ip->direct[i], 0);
        check_tree(&c, &ip->ind, 1);
        check_tree(&c, &ip->dind, 2);
    }

    /* 5. The bitmap must equal what the inodes use; counters must match. */
    uint64_t *bm = bitmap(fs);
    uint32_t nfree = 0;
    for (uint32_t w = 0; w < sb->bitmap_blocks * BS / 8; w++) {
        if (bm[w] != c.mark[w]) {
            c.bad += popcount64(bm[w] ^ c.mark[w]);
            if (repair)
                bm[w] = c.mark[w];
        }
        nfree += (uint32_t)popcount64(~c.mark[w]);
    }
    if (sb->free_blocks != nfree) {
        c.bad++;
        if (repair)
            sb->free_blocks = nfree;
    }
    if (sb->free_inodes != sb->ninodes - 1 - used_inodes) {
        c.bad++;
        if (repair)
            sb->free_inodes = sb->ninodes - 1 - used_inodes;
    }
    return c.bad;
}

/* ------------------------------------------------------------------ */
/* cpio import                                                         */

static bool hex8(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t ch = p[i];
        v <<= 4;
        if (ch >= '0' && ch <= '9')
            v |= (uint32_t)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            v |= (uint32_t)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            v |= (uint32_t)(ch - 'A' + 10);
        else
            return false;
    }
    *out = v;
    return true;
}

/* Creates the directories of [p, end) below start (like mkdir -p) and
 * returns the last one. */
static int mkdir_p(struct fs *fs, uint32_t start, const char *p, const char *end)
{
    const char *s;
    size_t len;
    uint32_t cur = start;
    int r;
    while ((r = next_comp(&p, end, &s, &len)) == 1) {
        int ino = step(fs, cur, s, len);
        if (ino == -FS_ENOENT)
            ino = dir_create_child(fs, cur, s, len, FS_TYPE_DIR);
        if (ino < 0)
            return ino;
        if (inode_at(fs, (uint32_t)ino)->type != FS_TYPE_DIR)
            return -FS_ENOTDIR;
        cur = (uint32_t)ino;
    }
    return r < 0 ? r : (int)cur;
}

/* Imports one archive member below directory top.  Returns 1 if imported,
 * 0 if skipped, or a negative error. */
static int import_one(struct fs *fs, uint32_t top, const char *name, size_t n, uint32_t mode,
                      const uint8_t *data, uint32_t size)
{
    uint32_t fmt = mode & 0170000;
    if (fmt != 0040000 && fmt != 0100000)
        return 0; /* symlink, device, fifo, socket */
    /* Reject ".." anywhere; find the last component. */
    const char *p = name, *end = name + n, *s, *last = NULL;
    size_t len, lastlen = 0;
    int r;
    while ((r = next_comp(&p, end, &s, &len)) == 1) {
        if (is_dotdot(s, len))
            return 0;
        if (!is_dot(s, len)) {
            last = s;
            lastlen = len;
        }
    }
    if (r < 0)
        return r;
    if (!last)
        return 0; /* "." or "/": the prefix itself */
    if (fmt == 0040000) {
        int ino = mkdir_p(fs, top, name, end);
        if (ino < 0)
            return ino;
        inode_at(fs, (uint32_t)ino)->mode = (uint16_t)(mode & 07777);
        return 1;
    }
    int dir = mkdir_p(fs, top, name, last);
    if (dir < 0)
        return dir;
    int ino = step(fs, (uint32_t)dir, last, lastlen);
    if (ino == -FS_ENOENT)
        ino = dir_create_child(fs, (uint32_t)dir, last, lastlen, FS_TYPE_FILE);
    if (ino < 0)
        return ino;
    struct fs_inode *ip = inode_at(fs, (uint32_t)ino);
    if (ip->type != FS_TYPE_FILE)
        return -FS_EISDIR;
    do_truncate(fs, ip, 0);
    int64_t w = do_write(fs, ip, 0, data, size);
    if (w < 0)
        return (int)w;
    if (w != size)
        return -FS_ENOSPC;
    ip->mode = (uint16_t)(mode & 07777);
    return 1;
}

static int do_import(struct fs *fs, const uint8_t *a, size_t total, const char *prefix, size_t plen)
{
    int top = mkdir_p(fs, ROOT_INO, prefix, prefix + plen);
    if (top < 0)
        return top;
    size_t off = 0;
    int count = 0;
    for (;;) {
        if (total - off < 110)
            return -FS_EINVAL; /* short, or no trailer */
        const uint8_t *h = a + off;
        if (memcmp(h, "07070", 5) != 0 || (h[5] != '1' && h[5] != '2'))
            return -FS_EINVAL;
        uint32_t field[13];
        for (int i = 0; i < 13; i++)
            if (!hex8(h + 6 + 8 * i, &field[i]))
                return -FS_EINVAL;
        uint32_t mode = field[1], filesize = field[6], namesize = field[11];
        size_t name_off = off + 110;
        if (namesize == 0 || namesize > total - name_off)
            return -FS_EINVAL;
        const char *name = (const char *)a + name_off;
        size_t namelen = namesize - 1;
        if (name[namelen] != '\0')
            return -FS_EINVAL;
        for (size_t i = 0; i < namelen; i++)
            if (name[i] == '\0')
                return -FS_EINVAL;
        /* name_off + namesize <= total, so the rounding cannot overflow. */
        size_t data_off = (name_off + namesize + 3) & ~(size_t)3;
        if (data_off > total || filesize > total - data_off)
            return -FS_EINVAL;
        if (namelen == 10 && memcmp(name, "TRAILER!!!", 10) == 0)
            return count;
        if (namelen > FS_PATH_MAX)
            return -FS_ENAMETOOLONG;
        int r = import_one(fs, (uint32_t)top, name, namelen, mode, a + data_off, filesize);
        if (r < 0)
            return r;
        count += r;
        off = data_off + filesize;
        off = total - off < 3 ? total : (off + 3) & ~(size_t)3;
    }
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

int fs_format(void *base, size_t size)
{
    if (!base || ((uintptr_t)base & 7))
        return -FS_EINVAL;
    uint64_t nb = size / BS;
    if (nb < MIN_BLOCKS)
        return -FS_EINVAL;
    if (nb > UINT32_MAX / 2)
        nb = UINT32_MAX / 2;
    uint32_t nblocks = (uint32_t)nb;
    /* One inode per two blocks, a whole number of inode blocks. */
    uint32_t ninodes = nblocks / 2;
    if (ninodes > MAX_INODES)
        ninodes = MAX_INODES;
    ninodes = (ninodes + INODES_PER_BLOCK - 1) / INODES_PER_BLOCK * INODES_PER_BLOCK;
    uint32_t inode_blocks = ninodes / INODES_PER_BLOCK;
    uint32_t bitmap_blocks = (nblocks + BS * 8 - 1) / (BS * 8);
    uint32_t scratch_blocks = bitmap_blocks + (ninodes * 4 + BS - 1) / BS;
    uint32_t data_start = 1 + inode_blocks + bitmap_blocks + scratch_blocks;
    if (data_start + 4 > nblocks)
        return -FS_EINVAL;

    struct fs_super *sb = base;
    memset(base, 0, (size_t)data_start * BS);
    sb->version = FS_VERSION;
    sb->block_size = BS;
    sb->size = (uint64_t)nblocks * BS;
    sb->nblocks = nblocks;
    sb->ninodes = ninodes;
    sb->inode_start = 1;
    sb->inode_blocks = inode_blocks;
    sb->bitmap_start = 1 + inode_blocks;
    sb->bitmap_blocks = bitmap_blocks;
    sb->scratch_start = sb->bitmap_start + bitmap_blocks;
    sb->scratch_blocks = scratch_blocks;
    sb->data_start = data_start;
    sb->free_blocks = nblocks - data_start;
    sb->free_inodes = ninodes - 2; /* inode 0 and the root */
    sb->block_hint = data_start;
    sb->inode_hint = 2;

    /* Metadata blocks and the bits past the last block are "used". */
    uint64_t *bm = (uint64_t *)((uint8_t *)base + (size_t)sb->bitmap_start * BS);
    for (uint32_t b = 0; b < data_start; b++)
        bit_set(bm, b);
    for (uint32_t b = nblocks; b < bitmap_blocks * BS * 8; b++)
        bit_set(bm, b);

    struct fs_inode *root = (struct fs_inode *)((uint8_t *)base + BS) + ROOT_INO;
    root->type = FS_TYPE_DIR;
    root->mode = 0755;
    root->nlink = 2;
    root->parent = ROOT_INO;
    /* Written last: a half-formatted region does not attach. */
    __atomic_store_n(&sb->magic, FS_MAGIC, __ATOMIC_RELEASE);
    return 0;
}

int fs_attach(struct fs *fs, void *base, size_t size, void (*yield)(void), uint32_t owner)
{
    if (!fs || !base || ((uintptr_t)base & 7) || size < MIN_BLOCKS * BS)
        return -FS_EINVAL;
    struct fs_super *sb = base;
    if (__atomic_load_n(&sb->magic, __ATOMIC_ACQUIRE) != FS_MAGIC || sb->version != FS_VERSION ||
        sb->block_size != BS)
        return -FS_EINVAL;
    /* The layout must fit the mapping and be in order. */
    uint64_t nb = sb->nblocks;
    uint64_t meta = 1ull + sb->inode_blocks + sb->bitmap_blocks + sb->scratch_blocks;
    if (nb > UINT32_MAX / 2 || sb->ninodes > MAX_INODES || meta != sb->data_start)
        return -FS_EINVAL;
    if (sb->size != nb * BS || sb->size > size || sb->inode_start != 1 ||
        (uint64_t)sb->inode_blocks * INODES_PER_BLOCK < sb->ninodes || sb->ninodes < 2 ||
        sb->bitmap_start != 1 + sb->inode_blocks || (uint64_t)sb->bitmap_blocks * BS * 8 < nb ||
        sb->scratch_start != sb->bitmap_start + sb->bitmap_blocks ||
        (uint64_t)sb->scratch_blocks * BS <
            (uint64_t)sb->bitmap_blocks * BS + (uint64_t)sb->ninodes * 4 ||
        sb->data_start != sb->scratch_start + sb->scratch_blocks || sb->data_start >= nb)
        return -FS_EINVAL;
    fs->sb = sb;
    fs->base = base;
    fs->size = size;
    fs->yield = yield;
    fs->owner = owner;
    return 0;
}

int fs_break_lock(struct fs *fs, uint32_t dead_owner)
{
    uint32_t expected = dead_owner;
    if (dead_owner == 0 || dead_owner == fs->owner)
        return 0;
    if (!__atomic_compare_exchange_n(&fs->sb->lock, &expected, fs->owner, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        return 0;
    /* The dead process may have stopped anywhere inside an operation. */
    fs->sb->lock_breaks++;
    /* A repair can expose more (entries of a freed orphan directory), so
     * repeat while it finds anything; bounded in case of a bug. */
    for (int i = 0; i < 4 && do_check(fs, true) > 0; i++)
        ;
    fs_unlock(fs);
    return 1;
}

int fs_check(struct fs *fs, bool repair)
{
    fs_lock(fs);
    int r = do_check(fs, repair);
    fs_unlock(fs);
    return r;
}

uint32_t fs_free_blocks(struct fs *fs)
{
    return __atomic_load_n(&fs->sb->free_blocks, __ATOMIC_RELAXED);
}

uint32_t fs_free_inodes(struct fs *fs)
{
    return __atomic_load_n(&fs->sb->free_inodes, __ATOMIC_RELAXED);
}

int fs_lookup(struct fs *fs, const char *path)
{
    struct walk w;
    fs_lock(fs);
    int r = resolve(fs, path, WALK_LOOKUP, &w);
    fs_unlock(fs);
    return r < 0 ? r : (int)w.ino;
}

int fs_lookup_nofollow(struct fs *fs, const char *path)
{
    struct walk w;
    fs_lock(fs);
    int r = resolve(fs, path, WALK_LOOKUP | WALK_NOFOLLOW, &w);
    fs_unlock(fs);
    return r < 0 ? r : (int)w.ino;
}

int fs_symlink(struct fs *fs, const char *target, const char *path)
{
    if (!target)
        return -FS_EINVAL;
    size_t tl = path_len(target);
    if (tl == 0)
        return -FS_ENOENT;
    if (tl >= LINKPATH_MAX)
        return -FS_ENAMETOOLONG;
    fs_lock(fs);
    int r = do_create(fs, path, FS_TYPE_LINK);
    if (r > 0) {
        int64_t k = do_write(fs, inode_at(fs, (uint32_t)r), 0, (const uint8_t *)target, tl);
        if (k != (int64_t)tl) { /* (no room for its one block) */
            do_remove(fs, path, FS_TYPE_FILE);
            r = k < 0 ? (int)k : -FS_ENOSPC;
        }
    }
    fs_unlock(fs);
    return r;
}

/* A second name for a file or symbolic link (not a directory: EPERM). */
static int do_link(struct fs *fs, const char *oldpath, const char *newpath)
{
    struct walk ow, nw;
    int r = resolve(fs, oldpath, WALK_LOOKUP | WALK_NOFOLLOW, &ow);
    if (r < 0)
        return r;
    struct fs_inode *ip = inode_live(fs, ow.ino);
    if (!ip)
        return -FS_EIO;
    if (ip->type == FS_TYPE_DIR)
        return -FS_EPERM;
    if (ip->nlink >= FS_LINK_MAX)
        return -FS_EMLINK;
    r = resolve(fs, newpath, WALK_PARENT, &nw);
    if (r < 0)
        return r;
    if (r == WALK_ROOT || is_dot(nw.name, nw.namelen) || is_dotdot(nw.name, nw.namelen))
        return -FS_EEXIST;
    struct fs_inode *dp = inode_at(fs, nw.ino);
    if (dp->nlink == 0)
        return -FS_ENOENT; /* removed directory, still open */
    r = dir_find(fs, dp, nw.name, nw.namelen, NULL);
    if (r >= 0)
        return -FS_EEXIST;
    if (r != -FS_ENOENT)
        return r;
    if (nw.trailing)
        return -FS_ENOENT;
    r = dir_add(fs, dp, nw.name, nw.namelen, ow.ino, ip->type);
    if (r < 0)
        return r;
    ip->nlink++;
    return 0;
}

int fs_link(struct fs *fs, const char *oldpath, const char *newpath)
{
    fs_lock(fs);
    int r = do_link(fs, oldpath, newpath);
    fs_unlock(fs);
    return r;
}

int64_t fs_readlink(struct fs *fs, uint32_t ino, char *buf, uint64_t len)
{
    if (!buf && len)
        return -FS_EINVAL;
    fs_lock(fs);
    struct fs_inode *ip = inode_live(fs, ino);
    int64_t r = !ip ? -FS_EBADF : ip->type != FS_TYPE_LINK ? -FS_EINVAL : 0;
    if (r == 0)
        r = do_read(fs, ip, 0, (uint8_t *)buf, len);
    fs_unlock(fs);
    return r;
}

int fs_create(struct fs *fs, const char *path, int type)
{
    if (type == FS_TYPE_LINK)
        return -FS_EINVAL; /* (fs_symlink: a link has its target) */
    fs_lock(fs);
    int r = do_create(fs, path, type);
    fs_unlock(fs);
    return r;
}

int fs_mkdir(struct fs *fs, const char *path)
{
    return fs_create(fs, path, FS_TYPE_DIR);
}

int fs_open(struct fs *fs, const char *path, unsigned flags)
{
    fs_lock(fs);
    int r = do_open(fs, path, flags);
    fs_unlock(fs);
    return r;
}

int fs_unlink(struct fs *fs, const char *path)
{
    fs_lock(fs);
    int r = do_remove(fs, path, FS_TYPE_FILE);
    fs_unlock(fs);
    return r;
}

int fs_rmdir(struct fs *fs, const char *path)
{
    fs_lock(fs);
    int r = do_remove(fs, path, FS_TYPE_DIR);
    fs_unlock(fs);
    return r;
}

int fs_remove(struct fs *fs, const char *path)
{
    fs_lock(fs);
    int r = do_remove(fs, path, 0);
    fs_unlock(fs);
    return r;
}

int fs_rename(struct fs *fs, const char *oldpath, const char *newpath)
{
    fs_lock(fs);
    int r = do_rename(fs, oldpath, newpath);
    fs_unlock(fs);
    return r;
}

int fs_stat(struct fs *fs, uint32_t ino, struct fs_stat *st)
{
    if (!st)
        return -FS_EINVAL;
    fs_lock(fs);
    struct fs_inode *ip = inode_live(fs, ino);
    if (ip) {
        st->ino = ino;
        st->type = ip->type;
        st->mode = ip->mode;
        st->nlink = ip->nlink;
        st->refs = ip->refs;
        st->size = ip->size;
    }
    fs_unlock(fs);
    return ip ? 0 : -FS_EBADF;
}

int fs_chmod(struct fs *fs, uint32_t ino, uint32_t mode)
{
    fs_lock(fs);
    struct fs_inode *ip = inode_live(fs, ino);
    if (ip)
        ip->mode = (uint16_t)(mode & 07777);
    fs_unlock(fs);
    return ip ? 0 : -FS_EBADF;
}

int fs_readdir(struct fs *fs, uint32_t dir, uint32_t *pos, struct fs_dirent *out)
{
    if (!pos || !out)
        return -FS_EINVAL;
    fs_lock(fs);
    struct fs_inode *dp = inode_live(fs, dir);
    int r = 0;
    if (!dp) {
        r = -FS_EBADF;
    } else if (dp->type != FS_TYPE_DIR) {
        r = -FS_ENOTDIR;
    } else if (*pos < 2) { /* "." then ".." */
        out->ino = *pos == 0 || dir == ROOT_INO ? dir : dp->parent;
        out->type = FS_TYPE_DIR;
        out->name[0] = '.';
        out->name[1] = *pos == 0 ? '\0' : '.';
        out->name[2] = '\0';
        *pos += 1;
        r = 1;
    } else {
        /* pos = slot + 2 */
        uint64_t nslots = dir_nblocks(dp) * DENTS_PER_BLOCK;
        for (uint64_t s = *pos - 2; s < nslots && r == 0; s++) {
            struct dent *d = dir_slot(fs, dp, (uint32_t)s);
            if (!d) {
                r = -FS_EIO;
                break;
            }
            if (!d->ino)
                continue;
            out->ino = d->ino;
            out->type = d->type;
            memcpy(out->name, d->name, d->namelen);
            out->name[d->namelen] = '\0';
            *pos = (uint32_t)(s + 3);
            r = 1;
        }
    }
    fs_unlock(fs);
    return r;
}

/* Checks ino names a regular file. */
static int file_ino(struct fs *fs, uint32_t ino, struct fs_inode **ipp)
{
    struct fs_inode *ip = inode_live(fs, ino);
    if (!ip)
        return -FS_EBADF;
    if (ip->type != FS_TYPE_FILE)
        return -FS_EISDIR;
    *ipp = ip;
    return 0;
}

int64_t fs_read(struct fs *fs, uint32_t ino, uint64_t off, void *buf, uint64_t len)
{
    if (!buf && len)
        return -FS_EINVAL;
    struct fs_inode *ip;
    fs_lock(fs);
    int64_t r = file_ino(fs, ino, &ip);
    if (r == 0)
        r = do_read(fs, ip, off, buf, len);
    fs_unlock(fs);
    return r;
}

int64_t fs_write(struct fs *fs, uint32_t ino, uint64_t off, const void *buf, uint64_t len)
{
    if (!buf && len)
        return -FS_EINVAL;
    struct fs_inode *ip;
    fs_lock(fs);
    int64_t r = file_ino(fs, ino, &ip);
    if (r == 0)
        r = do_write(fs, ip, off, buf, len);
    fs_unlock(fs);
    return r;
}

int fs_truncate(struct fs *fs, uint32_t ino, uint64_t size)
{
    struct fs_inode *ip;
    fs_lock(fs);
    int r = file_ino(fs, ino, &ip);
    if (r == 0)
        r = do_truncate(fs, ip, size);
    fs_unlock(fs);
    return r;
}

int fs_ref(struct fs *fs, uint32_t ino)
{
    fs_lock(fs);
    struct fs_inode *ip = inode_live(fs, ino);
    int r = 0;
    if (!ip)
        r = -FS_EBADF;
    else if (ip->refs == UINT32_MAX)
        r = -FS_EMLINK;
    else
        ip->refs++;
    fs_unlock(fs);
    return r;
}

int fs_unref(struct fs *fs, uint32_t ino)
{
    fs_lock(fs);
    struct fs_inode *ip = inode_live(fs, ino);
    int r = 0;
    if (!ip || ip->refs == 0) {
        r = -FS_EBADF;
    } else {
        ip->refs--;
        maybe_free(fs, ino);
    }
    fs_unlock(fs);
    return r;
}

int fs_import_cpio(struct fs *fs, const void *cpio, size_t len, const char *prefix)
{
    if (!cpio && len)
        return -FS_EINVAL;
    if (!prefix)
        prefix = "";
    size_t plen = path_len(prefix);
    if (plen > FS_PATH_MAX)
        return -FS_ENAMETOOLONG;
    fs_lock(fs);
    int r = do_import(fs, cpio, len, prefix, plen);
    fs_unlock(fs);
    return r;
}
