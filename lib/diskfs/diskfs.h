/*
 * diskfs.h - Spinel's on-disk file system (lib/diskfs).
 *
 * A journaling file system that owns its layout, its buffer cache and its
 * policy, and reaches the disk only through a block device given as
 * callbacks (struct dfs_dev): on Spinel lib/blk, on the host a file or a
 * memory image.  Everything a mounted file system needs lives in struct
 * dfs and in the cache memory the embedder hands to dfs_mount: no malloc,
 * no global state, no pointer into a caller's address space kept past a
 * call.  So the core can run in a server env that its clients reach by
 * protected control transfer (docs/design.md).
 *
 * Calls return a negative DFS_E* code on error (Linux errno numbers).
 * Not thread-safe: one caller at a time (the server serializes calls).
 *
 * Freestanding: needs only memcpy/memset/memcmp from the embedder
 * (diskfs_env.h).  On-disk layout: README.md.
 */
#ifndef SPINEL_DISKFS_H
#define SPINEL_DISKFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DFS_BSIZE     4096
#define DFS_NAME_MAX  255   /* longest name, in bytes */
#define DFS_PATH_MAX  4096  /* longest path accepted, in bytes (without NUL) */
#define DFS_LINK_MAX  65000 /* most links to one inode */
#define DFS_OPEN_MAX  128   /* inodes open at once (ENFILE past that) */
#define DFS_CACHE_MIN 64    /* fewest cache buffers a mounted file system keeps */
#define DFS_STAGE     32    /* most blocks in one device request (read-ahead, commit runs) */
#define DFS_DIX_DIRS  16    /* directories the directory index covers at once */
#define DFS_DIX_DEAD  0xffffffffu
#define DFS_NDIRECT   12
/* Largest file: 12 direct blocks, then single, double and triple indirect
 * blocks of 1024 block numbers each: about 4 TiB. */
#define DFS_MAX_FBLOCKS (12ull + 1024ull + 1024ull * 1024 + 1024ull * 1024 * 1024)
#define DFS_MAX_FILE    (DFS_MAX_FBLOCKS * DFS_BSIZE)

/* Error codes (returned negated). */
#define DFS_EPERM        1
#define DFS_ENOENT       2
#define DFS_EIO          5
#define DFS_EAGAIN       11 /* (diskc: a zero-copy read raced a change; asked again) */
#define DFS_EBADF        9
#define DFS_ENOMEM       12
#define DFS_EACCES       13
#define DFS_EBUSY        16
#define DFS_EEXIST       17
#define DFS_ENOTDIR      20
#define DFS_EISDIR       21
#define DFS_EINVAL       22
#define DFS_ENFILE       23
#define DFS_EFBIG        27
#define DFS_ENOSPC       28
#define DFS_EROFS        30
#define DFS_EMLINK       31
#define DFS_ENAMETOOLONG 36
#define DFS_ENOTEMPTY    39

/* Mode bits: the Unix ones. */
#define DFS_S_IFMT     0170000
#define DFS_S_IFDIR    0040000
#define DFS_S_IFREG    0100000
#define DFS_S_ISDIR(m) (((m)&DFS_S_IFMT) == DFS_S_IFDIR)
#define DFS_S_ISREG(m) (((m)&DFS_S_IFMT) == DFS_S_IFREG)

/* dfs_open flags. */
#define DFS_O_READ      0x01 /* check read permission */
#define DFS_O_WRITE     0x02 /* check write permission; EISDIR on a directory */
#define DFS_O_CREAT     0x04 /* create a regular file if missing */
#define DFS_O_EXCL      0x08 /* with DFS_O_CREAT: EEXIST if present */
#define DFS_O_TRUNC     0x10 /* truncate a regular file to 0 */
#define DFS_O_DIRECTORY 0x20 /* ENOTDIR unless a directory */

/* ---- the block device ----
 * Blocks are DFS_BSIZE bytes.  Each call returns 0 or a negative error.
 * Writes may reach the disk in any order until flush returns: flush is the
 * only ordering the file system relies on. */
struct dfs_dev {
    void *ctx;
    uint64_t nblocks;
    int (*read)(void *ctx, uint64_t block, uint32_t count, void *buf);
    int (*write)(void *ctx, uint64_t block, uint32_t count, const void *buf);
    int (*flush)(void *ctx);
    /* Optional (NULL: the file system copies through its staging pages):
     * count blocks from block on, each from or to its own page, bufs[i]
     * for block + i (the cache's pages, so a device that can reach them
     * moves them with no copy).  A write may tear between blocks, like a
     * multi-block write. */
    int (*readv)(void *ctx, uint64_t block, uint32_t count, void *const *bufs);
    int (*writev)(void *ctx, uint64_t block, uint32_t count, const void *const *bufs);
};

/* What the embedder provides besides the device (any may be NULL). */
struct dfs_hooks {
    void *ctx;
    int64_t (*now)(void *ctx);              /* nanoseconds since 1970 (NULL: 0) */
    void (*release)(void *ctx, void *page); /* dfs_autosave gives a cache page back */
    /* Optional (zero-copy readers, dfs_read_map): one counter per page of
     * the cache memory (len / DFS_BSIZE of them).  gen[i] grows by one
     * before page i is handed to any code that may change it (every
     * buffer lookup, and every change), so a reader that copies from
     * page i and then sees gen[i] unchanged has copied bytes that did
     * not change meanwhile. */
    volatile uint32_t *gen;
};

/* A piece of a read answered from the cache (dfs_read_map): len bytes at
 * byte off of cache page `page` (its index in the memory given to
 * dfs_mount), valid while hooks.gen[page] == gen; page DFS_MAP_HOLE: len
 * zero bytes (a hole). */
struct dfs_extent {
    uint32_t page, gen;
    uint16_t off, len;
};
#define DFS_MAP_HOLE 0xffffffffu

/* ---- on disk (little-endian, README.md) ---- */

struct dfs_super {
    char magic[8]; /* "SPNLDFS1" */
    uint32_t version;
    uint32_t block_size;
    uint32_t nblocks;
    uint32_t ninodes;
    uint32_t log_start;  /* journal header block */
    uint32_t log_blocks; /* journal data blocks, right after the header */
    uint32_t ibmap_start, ibmap_blocks;
    uint32_t bbmap_start, bbmap_blocks;
    uint32_t itable_start, itable_blocks;
    uint32_t data_start;
    uint32_t root;        /* inode of "/" (1) */
    uint32_t orphan_head; /* first inode of the orphan list (0: none) */
    uint32_t pad;
    int64_t mkfs_time;
    uint32_t csum; /* CRC32C of the bytes above */
};

struct dfs_dinode {
    uint16_t mode; /* DFS_S_IF* | permission bits; 0: free */
    uint16_t nlink;
    uint32_t uid, gid;
    uint32_t parent; /* directories: the parent directory ("..") */
    uint64_t size;
    uint64_t blocks;             /* blocks allocated (data and indirect) */
    int64_t atime, mtime, ctime; /* nanoseconds since 1970 */
    uint32_t orphan_next;        /* next inode on the orphan list */
    uint32_t gen;                /* bumped each time the inode is allocated */
    uint32_t addr[DFS_NDIRECT];  /* direct blocks; 0: a hole */
    uint32_t ind, dind, tind;    /* single, double, triple indirect */
    uint32_t pad;
};

#define DFS_IPB     (DFS_BSIZE / (int)sizeof(struct dfs_dinode)) /* 32 */
#define DFS_DIRENT  272                                          /* bytes per entry */
#define DFS_DPB     (DFS_BSIZE / DFS_DIRENT)                     /* 15 */
#define DFS_LOG_MAX 1008 /* most blocks one transaction can hold */

struct dfs_ddirent {
    uint32_t ino;  /* 0: a free slot */
    uint32_t hash; /* of the name (dfs_name_hash): compared before the name */
    uint8_t type;  /* 1 file, 2 directory */
    uint8_t namelen;
    char name[DFS_NAME_MAX];
    uint8_t pad[DFS_DIRENT - 10 - DFS_NAME_MAX];
};

/* Journal header: the commit record of one transaction. */
struct dfs_loghdr {
    char magic[8]; /* "SPNLLOG1" */
    uint64_t seq;
    uint32_t n;    /* blocks logged (0: empty) */
    uint32_t csum; /* CRC32C of seq, n, home[0..n) and the n logged blocks */
    uint32_t home[DFS_LOG_MAX];
};

/* ---- in memory ---- */

struct dfs_buf {
    uint32_t blockno;
    uint16_t flags;              /* DFS_B_* (diskfs.c) */
    uint16_t refs;               /* holders; a buffer with refs or in the journal stays */
    uint8_t *data;               /* one page; NULL: the slot gave its page back */
    uint64_t sum;                /* dfs_block_sum(data) while flags has B_SUM (diskfs.c) */
    struct dfs_buf *hnext;       /* hash chain */
    struct dfs_buf *prev, *next; /* LRU list, most recent first */
};

struct dfs_stats {
    uint64_t reads, writes, flushes; /* block device calls (blocks for r/w) */
    uint64_t hits, misses, evictions, commits, logged, replayed, readahead;
    uint64_t dix_hits, dix_builds, dix_drops; /* the directory index */
};

struct dfs_cred {
    uint32_t uid, gid; /* uid 0 passes every permission check */
};

/* A mounted file system.  The caller provides the storage; the fields are
 * private. */
struct dfs {
    struct dfs_dev dev;
    struct dfs_hooks hooks;
    struct dfs_super sb;
    struct dfs_cred cred; /* whose call this is (dfs_set_cred) */
    int err;              /* first I/O error: then every call fails with it */
    /* buffer cache */
    struct dfs_buf *bufs;
    uint32_t nbuf;   /* slots */
    uint32_t npages; /* slots holding a page */
    struct dfs_buf **hash;
    uint32_t nhash;     /* power of two */
    struct dfs_buf lru; /* sentinel of the LRU list */
    /* journal: the running transaction (pinned, dirty buffers) */
    struct dfs_buf **txn;
    struct dfs_buf **sorted; /* commit: txn in block order */
    uint32_t ntxn;
    uint32_t txn_cap;  /* most blocks a transaction may hold now */
    uint32_t op_limit; /* ntxn may not pass this during the current op */
    uint64_t seq;      /* sequence of the next commit */
    uint8_t *hdr;      /* a page for the journal header */
    uint8_t *stage;    /* DFS_STAGE pages: multi-block requests go through here */
    void *mem;         /* the cache memory given to dfs_mount */
    uint32_t ngen;     /* pages of mem: hooks.gen's length */
    /* allocation */
    uint32_t free_blocks, free_inodes;
    uint32_t bhint, ihint;
    uint32_t ra_ino; /* read-ahead: the last inode read, and the block after */
    uint64_t ra_next;
    /* open inodes */
    struct {
        uint32_t ino, refs;
    } open[DFS_OPEN_MAX];
    uint32_t nopen;
    struct dfs_stats stats;
    /* The directory index (diskfs.c, "Directory index"): a hash table of
     * the entries of up to DFS_DIX_DIRS directories, in memory only. */
    struct dfs_dix {
        uint32_t gen;  /* dirs[d].gen when made; 0: empty, DFS_DIX_DEAD: removed */
        uint32_t hash; /* the name's hash */
        uint32_t pos;  /* its slot in the directory */
        uint8_t d;     /* its directory: dirs[d] */
    } * dix;
    uint32_t ndix; /* entries (a power of two; 0: no index) */
    struct dfs_dixdir {
        uint32_t ino, gen; /* gen 0: the slot indexes nothing */
        uint32_t holes;    /* free slots below the directory's end */
        uint32_t free_pos; /* one of them (UINT32_MAX: not known) */
    } dixdir[DFS_DIX_DIRS];
    uint32_t dix_gen, dix_clock;
    uint32_t dix_nofit_ino; /* the last directory that did not fit ... */
    uint64_t dix_nofit_nb;  /* ... and its size in blocks then: not tried again below */
};

struct dfs_stat {
    uint32_t ino;
    uint32_t mode; /* DFS_S_IF* | permissions */
    uint32_t nlink;
    uint32_t uid, gid;
    uint64_t size;
    uint64_t blocks; /* allocated, in DFS_BSIZE blocks */
    int64_t atime, mtime, ctime;
};

struct dfs_dirent {
    uint32_t ino;
    uint32_t type; /* 1 file, 2 directory */
    char name[DFS_NAME_MAX + 1];
};

/* ---- making, mounting ---- */

/* Writes an empty file system over the whole device: "/" only.  ninodes
 * and log_blocks 0 pick defaults (one inode per 16 KiB, a journal of
 * nblocks/64 blocks between 64 and DFS_LOG_MAX).  buf: one block of
 * scratch.  Returns 0 or a negative error (EINVAL: device too small). */
int dfs_mkfs(struct dfs_dev *dev, uint32_t ninodes, uint32_t log_blocks, int64_t now, void *buf);

/* Bytes of cache memory dfs_mount needs for nbuf buffers. */
size_t dfs_cache_bytes(uint32_t nbuf);

/* Mounts: checks the superblock, replays a committed transaction left in
 * the journal, counts free space, and finishes the work the orphan list
 * names (files unlinked while open, truncates cut short).  mem (4 KiB
 * aligned, len bytes, at least dfs_cache_bytes(DFS_CACHE_MIN)) becomes
 * the buffer cache.  Returns 0 or a negative error. */
int dfs_mount(struct dfs *fs, const struct dfs_dev *dev, const struct dfs_hooks *hooks, void *mem,
              size_t len);

/* Commits and writes everything back.  EBUSY if a file is still open
 * (nothing is changed then) unless force. */
int dfs_unmount(struct dfs *fs, bool force);

/* ---- durability and memory ---- */

/* Commits the running transaction (all updates so far: group commit) and
 * writes it home.  When this returns 0, every earlier update is on disk. */
int dfs_sync(struct dfs *fs);
int dfs_fsync(struct dfs *fs, uint32_t ino);

/* The kernel wants frames back: commits (dirty buffers reach the disk
 * first), then gives up to n clean buffers' pages back through
 * hooks.release, least recently used first, keeping DFS_CACHE_MIN.
 * Returns the number of pages released, or a negative error. */
int dfs_autosave(struct dfs *fs, uint32_t n);

/* Gives the cache one more page (4 KiB aligned) for a slot that lost its
 * page.  Returns 0, or -DFS_ENOSPC if every slot has a page. */
int dfs_cache_give(struct dfs *fs, void *page);

/* ---- credentials ---- */
void dfs_set_cred(struct dfs *fs, uint32_t uid, uint32_t gid);

/* ---- paths ----
 * Paths are resolved from "/" (a relative path too: the caller joins its
 * working directory in front).  Empty components and "." are skipped, ".."
 * goes to the parent ("/.." is "/"), a trailing slash requires a
 * directory.  Each directory walked needs search (x) permission. */

int dfs_lookup(struct dfs *fs, const char *path); /* inode number or error */

/* Lookup (+ create with mode & 07777, + truncate) and a reference, as
 * open() needs: close with dfs_close.  Returns the inode number. */
int dfs_open(struct dfs *fs, const char *path, unsigned flags, uint32_t mode);
int dfs_close(struct dfs *fs, uint32_t ino);

int dfs_create(struct dfs *fs, const char *path, uint32_t mode); /* EEXIST if present */
int dfs_mkdir(struct dfs *fs, const char *path, uint32_t mode);
int dfs_unlink(struct dfs *fs, const char *path); /* not directories: EISDIR */
int dfs_rmdir(struct dfs *fs, const char *path);  /* empty directories: ENOTEMPTY */
int dfs_link(struct dfs *fs, const char *oldpath, const char *newpath); /* files: EPERM */

/* POSIX rename: replaces an existing file, or an empty directory by a
 * directory; EINVAL if a directory would move below itself. */
int dfs_rename(struct dfs *fs, const char *oldpath, const char *newpath);

/* ---- inodes ---- */

int dfs_stat(struct dfs *fs, uint32_t ino, struct dfs_stat *st);
int dfs_chmod(struct dfs *fs, uint32_t ino, uint32_t mode);              /* owner or root */
int dfs_chown(struct dfs *fs, uint32_t ino, uint32_t uid, uint32_t gid); /* root */
int dfs_utimes(struct dfs *fs, uint32_t ino, int64_t atime, int64_t mtime);

/* *pos starts at 0; "." and ".." come first.  Returns 1 with *out filled,
 * 0 at the end, or a negative error. */
int dfs_readdir(struct dfs *fs, uint32_t dir, uint64_t *pos, struct dfs_dirent *out);

/* Regular files (EISDIR on directories).  A read at or past the end
 * returns 0; a write past the end leaves a hole (no blocks); a write that
 * runs out of space returns the bytes written, or -DFS_ENOSPC if none.
 * Permissions are checked at dfs_open, not here. */
int64_t dfs_read(struct dfs *fs, uint32_t ino, uint64_t off, void *buf, uint64_t len);
/* Like dfs_read, but copies nothing: describes where the bytes are in the
 * cache (at most max extents of up to one block each) and returns how
 * many bytes they cover (0 at or past the end of file).  The pages are not
 * pinned: they stay valid only while the hooks' gen counters are unchanged,
 * so it needs hooks.gen (EINVAL without). */
int64_t dfs_read_map(struct dfs *fs, uint32_t ino, uint64_t off, uint64_t len,
                     struct dfs_extent *out, uint32_t max);
int64_t dfs_write(struct dfs *fs, uint32_t ino, uint64_t off, const void *buf, uint64_t len);
int dfs_truncate(struct dfs *fs, uint32_t ino, uint64_t size);

uint32_t dfs_free_blocks(struct dfs *fs);
uint32_t dfs_free_inodes(struct dfs *fs);

/* ---- checking (check.c) ---- */

struct dfs_check {
    uint32_t errors; /* inconsistencies found (0: consistent) */
    uint32_t files, dirs, orphans;
    uint32_t used_blocks, free_blocks, free_inodes;
    uint32_t log_n;  /* blocks of a committed transaction in the journal */
    int log_state;   /* 0 empty, 1 committed (checked as replayed), 2 torn (ignored) */
    char first[160]; /* the first error, as text */
};

/* Bytes of scratch dfs_check needs for a device of nblocks blocks holding
 * ninodes inodes. */
size_t dfs_check_scratch(uint32_t nblocks, uint32_t ninodes);

/* Checks an unmounted image without writing it: the superblock, the
 * journal (a committed transaction is checked as if replayed), every
 * inode's block tree against the block bitmap (in range, no block twice,
 * nothing free in use, nothing used unreferenced), the inode bitmap,
 * directory entries (live inode of the right type, sane unique names),
 * each directory's parent and reachability from "/", link counts, sizes,
 * the orphan list.  report (may be NULL) gets one line per problem.
 * Returns the number of problems, or a negative error if the image cannot
 * be read at all. */
int dfs_check(const struct dfs_dev *dev, void *scratch, size_t len, struct dfs_check *out,
              void (*report)(void *ctx, const char *line), void *ctx);

/* Helpers shared by diskfs.c and check.c. */
uint32_t dfs_crc32c(uint32_t crc, const void *p, size_t n);
uint32_t dfs_log_sum(uint32_t c, const void *block);    /* a journal block's checksum */
uint32_t dfs_log_sum1(uint32_t c, const void *block);   /* ... in journals before dfs_log_sum */
uint64_t dfs_block_sum(const void *block);              /* dfs_log_sum's per-block part */
uint64_t dfs_copy_sum(void *dst, const void *src);      /* copies a block, returns its sum */
uint32_t dfs_log_chain(uint32_t c, uint64_t block_sum); /* dfs_log_sum from a block sum */
uint32_t dfs_name_hash(const char *name, size_t len);

#endif /* SPINEL_DISKFS_H */
