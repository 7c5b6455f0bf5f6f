/*
 * diskfs.c - Spinel's on-disk file system: buffer cache, journal,
 * allocation, inodes, directories, paths and the calls of diskfs.h.
 *
 * Crash safety comes from a physical redo journal (README.md, "Journal"):
 * every block an update changes stays pinned in the cache, dirty, in the
 * running transaction, and reaches its home on disk only after the whole
 * transaction is in the journal with a valid commit record.  A dirty buffer
 * is therefore never written back on its own: writing back means
 * committing.
 *
 * Single caller at a time: no locks.  The invariants each part keeps are
 * written above it.
 */
#include "diskfs.h"
#include "diskfs_env.h"

#define B_VALID 0x1 /* data holds the block's contents */
#define B_DIRTY 0x2 /* in the running transaction (pinned: one ref held by it) */
#define B_SUM                                                                                      \
    0x4 /* sum is dfs_block_sum(data): set by a whole-block write, cleared by                      \
           log_write, bget and commit (anything that may change it first) */

#define IF_ORPHAN 0x1 /* dinode.pad: on the orphan list */

#define BITS_PER_BLOCK (DFS_BSIZE * 8)
#define PTRS           (DFS_BSIZE / 4) /* block numbers per indirect block */
#define CACHE_SLACK    32              /* buffers an op may hold besides its journal share */

/* Journal space one operation may use (upper bounds, in blocks). */
#define RES_SMALL  4  /* an inode or two: times, chmod, atime */
#define RES_CREATE 20 /* dir block (+ new one and its index path), bitmaps, 2 inodes, sb */
#define RES_RENAME 32 /* two dir blocks (+ new one), bitmaps, 4 inodes, sb, orphan links */
#define RES_TRUNC  64 /* a truncate step: the free loop stops when this is used */

#include "crc32c_tab.h"

/* CRC32C (Castagnoli), eight bytes at a time (slice-by-8: about 2
 * instructions a byte, against 12 for the four-bits-at-a-time loop it
 * replaced; a journal commit checksums every block it logs).  Pass 0 to
 * start. */
uint32_t dfs_crc32c(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *s = p;
    crc = ~crc;
    while (n && ((uintptr_t)s & 7)) {
        crc = (crc >> 8) ^ crc32c_tab[0][(crc ^ *s++) & 0xff];
        n--;
    }
    for (; n >= 8; n -= 8, s += 8) {
        uint32_t lo = crc ^ ((uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 |
                             (uint32_t)s[3] << 24);
        uint32_t hi =
            (uint32_t)s[4] | (uint32_t)s[5] << 8 | (uint32_t)s[6] << 16 | (uint32_t)s[7] << 24;
        crc = crc32c_tab[7][lo & 0xff] ^ crc32c_tab[6][(lo >> 8) & 0xff] ^
              crc32c_tab[5][(lo >> 16) & 0xff] ^ crc32c_tab[4][lo >> 24] ^
              crc32c_tab[3][hi & 0xff] ^ crc32c_tab[2][(hi >> 8) & 0xff] ^
              crc32c_tab[1][(hi >> 16) & 0xff] ^ crc32c_tab[0][hi >> 24];
    }
    while (n--)
        crc = (crc >> 8) ^ crc32c_tab[0][(crc ^ *s++) & 0xff];
    return ~crc;
}

/* The journal's checksum of one logged block, as it was until the
 * block sums below: a 64-bit multiply-xorshift over its words, chained
 * from c (about 6 instructions per 8 bytes). Journals written with it
 * still replay. */
uint32_t dfs_log_sum1(uint32_t c, const void *block)
{
    const uint8_t *b = block;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ c;
    for (size_t i = 0; i < DFS_BSIZE; i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, b + i, 8); /* (one load, also with -fno-builtin) */
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return (uint32_t)(h ^ (h >> 32));
}

/* The block sum: Fletcher-style sums of the 64-bit words in four lanes
 * (lane k takes the words k, k+4, ...): a_k = sum of its words, b_k = sum
 * of the running a_k (mod 2^64), about 2.5 instructions per 8 bytes. A
 * changed word changes its lane's a unless another change in the same
 * lane cancels it, and then b changes unless the weighted sum cancels too.
 * The eight sums are folded by multiply-xorshift. It detects a torn
 * transaction (a journal block holding older contents), not an adversary.
 * dfs_copy_sum computes it while copying the block (one pass over the
 * data: a whole-block write sums its block as it fills it). */
#define SUM_STEP(k)                                                                                \
    do {                                                                                           \
        uint64_t w_;                                                                               \
        __builtin_memcpy(&w_, s + i + 8 * (k), 8);                                                 \
        a##k += w_;                                                                                \
        b##k += a##k;                                                                              \
    } while (0)
#define COPY_STEP(k)                                                                               \
    do {                                                                                           \
        uint64_t w_;                                                                               \
        __builtin_memcpy(&w_, s + i + 8 * (k), 8);                                                 \
        __builtin_memcpy(d + i + 8 * (k), &w_, 8);                                                 \
        a##k += w_;                                                                                \
        b##k += a##k;                                                                              \
    } while (0)

static uint64_t sum_fold(const uint64_t v[8])
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int k = 0; k < 8; k++) {
        h = (h ^ v[k]) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return h;
}

uint64_t dfs_block_sum(const void *block)
{
    const uint8_t *s = block;
    uint64_t a0 = 1, a1 = 2, a2 = 3, a3 = 4, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    for (size_t i = 0; i < DFS_BSIZE; i += 32) {
        SUM_STEP(0);
        SUM_STEP(1);
        SUM_STEP(2);
        SUM_STEP(3);
    }
    const uint64_t v[8] = {a0, a1, a2, a3, b0, b1, b2, b3};
    return sum_fold(v);
}

uint64_t dfs_copy_sum(void *dst, const void *src)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    uint64_t a0 = 1, a1 = 2, a2 = 3, a3 = 4, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    for (size_t i = 0; i < DFS_BSIZE; i += 32) {
        COPY_STEP(0);
        COPY_STEP(1);
        COPY_STEP(2);
        COPY_STEP(3);
    }
    const uint64_t v[8] = {a0, a1, a2, a3, b0, b1, b2, b3};
    return sum_fold(v);
}

/* The commit record's checksum chained over a block's sum. */
uint32_t dfs_log_chain(uint32_t c, uint64_t block_sum)
{
    uint64_t h = (0x9e3779b97f4a7c15ull ^ c) * 0xff51afd7ed558ccdull;
    h = (h ^ (h >> 32) ^ block_sum) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    return (uint32_t)(h ^ (h >> 32));
}

/* The journal's checksum of one logged block, chained from c (today's
 * commits). */
uint32_t dfs_log_sum(uint32_t c, const void *block)
{
    return dfs_log_chain(c, dfs_block_sum(block));
}

/* FNV-1a: the hash stored with each directory entry. */
uint32_t dfs_name_hash(const char *name, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)name[i];
        h *= 16777619u;
    }
    return h;
}

static int64_t now(struct dfs *fs)
{
    return fs->hooks.now ? fs->hooks.now(fs->hooks.ctx) : 0;
}

static uint32_t sb_csum(const struct dfs_super *sb)
{
    return dfs_crc32c(0, sb, __builtin_offsetof(struct dfs_super, csum));
}

/* Fills the geometry of sb from nblocks, ninodes and log_blocks.
 * Returns 0, or -DFS_EINVAL if it does not fit. */
static int layout(struct dfs_super *sb, uint64_t nblocks, uint32_t ninodes, uint32_t log_blocks)
{
    if (nblocks > 0xffffffffull || ninodes < DFS_IPB || ninodes % DFS_IPB || log_blocks < 32 ||
        log_blocks > DFS_LOG_MAX)
        return -DFS_EINVAL;
    memset(sb, 0, sizeof *sb);
    memcpy(sb->magic, "SPNLDFS1", 8);
    sb->version = 1;
    sb->block_size = DFS_BSIZE;
    sb->nblocks = (uint32_t)nblocks;
    sb->ninodes = ninodes;
    sb->log_start = 1;
    sb->log_blocks = log_blocks;
    sb->ibmap_start = 2 + log_blocks;
    sb->ibmap_blocks = (ninodes + BITS_PER_BLOCK - 1) / BITS_PER_BLOCK;
    sb->bbmap_start = sb->ibmap_start + sb->ibmap_blocks;
    sb->bbmap_blocks = (uint32_t)((nblocks + BITS_PER_BLOCK - 1) / BITS_PER_BLOCK);
    sb->itable_start = sb->bbmap_start + sb->bbmap_blocks;
    sb->itable_blocks = ninodes / DFS_IPB;
    sb->data_start = sb->itable_start + sb->itable_blocks;
    sb->root = 1;
    if ((uint64_t)sb->data_start + 16 > nblocks)
        return -DFS_EINVAL;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Device calls: counted, and the first error sticks in fs->err.        */

static int dev_read(struct dfs *fs, uint32_t b, void *buf)
{
    fs->stats.reads++;
    int r = fs->dev.read(fs->dev.ctx, b, 1, buf);
    return r < 0 ? -DFS_EIO : 0;
}

static int dev_write(struct dfs *fs, uint32_t b, const void *buf)
{
    fs->stats.writes++;
    if (fs->dev.write(fs->dev.ctx, b, 1, buf) < 0) {
        fs->err = -DFS_EIO;
        return -DFS_EIO;
    }
    return 0;
}

static int dev_flush(struct dfs *fs)
{
    fs->stats.flushes++;
    if (fs->dev.flush(fs->dev.ctx) < 0) {
        fs->err = -DFS_EIO;
        return -DFS_EIO;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Buffer cache.
 *
 * nbuf slots, each with at most one page.  A slot with a page is on the
 * LRU list (most recent first) and, while it names a block, on its hash
 * chain.  Invariants: a block is named by at most one slot; a slot with
 * refs > 0 is not reused; a B_DIRTY slot is in fs->txn and holds one
 * reference for it, so eviction (which takes the least recently used slot
 * with no reference) never writes anything back.  Replacement: LRU among
 * unreferenced slots.                                                   */

static uint32_t hslot(struct dfs *fs, uint32_t b)
{
    return (b * 2654435761u) & (fs->nhash - 1);
}

static void lru_unlink(struct dfs_buf *b)
{
    b->prev->next = b->next;
    b->next->prev = b->prev;
}

static void lru_front(struct dfs *fs, struct dfs_buf *b)
{
    b->next = fs->lru.next;
    b->prev = &fs->lru;
    fs->lru.next->prev = b;
    fs->lru.next = b;
}

static void unhash(struct dfs *fs, struct dfs_buf *b)
{
    if (!(b->flags & B_VALID) && b->blockno == 0)
        return;
    struct dfs_buf **pp = &fs->hash[hslot(fs, b->blockno)];
    while (*pp && *pp != b)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = b->hnext;
    b->hnext = NULL;
    b->flags = 0;
    b->blockno = 0;
}

/* The page of b may change from now on: zero-copy readers that copied
 * from it before must not trust their copy (hooks.gen, dfs_read_map). */
static void gen_bump(struct dfs *fs, const struct dfs_buf *b)
{
    if (!fs->hooks.gen || !b->data)
        return;
    size_t i = (size_t)(b->data - (uint8_t *)fs->mem) / DFS_BSIZE;
    if (b->data >= (uint8_t *)fs->mem && i < fs->ngen)
        fs->hooks.gen[i]++;
}

/* Returns block bno's buffer with one reference.  fresh: the caller will
 * overwrite the whole block, so it is zeroed instead of read.  Every
 * caller may change the page, so its gen counter moves first. */
enum { GET_READ, GET_ZERO, GET_RAW }; /* bget_mode: read it, zero it, or leave it to the caller */

static int bget_mode(struct dfs *fs, uint32_t bno, int mode, struct dfs_buf **out);

static int bget(struct dfs *fs, uint32_t bno, bool fresh, struct dfs_buf **out)
{
    return bget_mode(fs, bno, fresh ? GET_ZERO : GET_READ, out);
}

/* mode GET_RAW: a slot for bno that the caller fills whole (a cached
 * block is returned as it is). */
static int bget_mode(struct dfs *fs, uint32_t bno, int mode, struct dfs_buf **out)
{
    bool fresh = mode == GET_ZERO;
    if (bno == 0 && fresh)
        return -DFS_EIO; /* block 0 is the superblock: never fresh */
    if (bno >= fs->sb.nblocks && fs->sb.nblocks)
        return -DFS_EIO;
    struct dfs_buf *b;
    for (b = fs->hash[hslot(fs, bno)]; b; b = b->hnext)
        if (b->blockno == bno && (b->flags & B_VALID))
            break;
    if (b) {
        fs->stats.hits++;
        gen_bump(fs, b);
        b->flags &= ~B_SUM; /* the holder may change it: summed again at commit */
        if (fresh)
            memset(b->data, 0, DFS_BSIZE);
    } else {
        fs->stats.misses++;
        for (b = fs->lru.prev; b != &fs->lru; b = b->prev)
            if (b->refs == 0 && !(b->flags & B_DIRTY) && b->data)
                break;
        if (b == &fs->lru)
            return -DFS_ENOMEM; /* cannot happen while reservations hold */
        if (b->flags & B_VALID)
            fs->stats.evictions++;
        unhash(fs, b);
        gen_bump(fs, b);
        if (fresh) {
            memset(b->data, 0, DFS_BSIZE);
        } else if (mode == GET_RAW) {
            /* the caller fills it */
        } else {
            int r = dev_read(fs, bno, b->data);
            if (r < 0)
                return r;
        }
        b->blockno = bno;
        b->flags = B_VALID;
        uint32_t h = hslot(fs, bno);
        b->hnext = fs->hash[h];
        fs->hash[h] = b;
    }
    b->refs++;
    lru_unlink(b);
    lru_front(fs, b);
    *out = b;
    return 0;
}

static bool cached(struct dfs *fs, uint32_t bno)
{
    for (struct dfs_buf *b = fs->hash[hslot(fs, bno)]; b; b = b->hnext)
        if (b->blockno == bno && (b->flags & B_VALID))
            return true;
    return false;
}

static int bread(struct dfs *fs, uint32_t bno, struct dfs_buf **out)
{
    return bget(fs, bno, false, out);
}

static void brelse(struct dfs_buf *b)
{
    b->refs--;
}

/* ------------------------------------------------------------------ */
/* Journal.
 *
 * An operation brackets its changes with op_begin(need) / op_end.
 * op_begin commits first if the running transaction could not take need
 * more blocks, so an operation never spans two transactions unless it
 * splits itself (write, truncate, freeing a large file: each step leaves
 * the file system consistent).  log_write puts a changed buffer in the
 * running transaction.  Commit: the blocks go to the journal, then the
 * header (the commit record, with a CRC32C over homes and contents), a
 * flush, then the blocks go home, a flush.  Only then do they become
 * clean.  Recovery (mount) replays a header whose CRC matches; replaying
 * an already installed transaction again is harmless, since homes change
 * only by installs and a later install needs a later header.           */

static void *hdr_page(struct dfs *fs)
{
    return fs->hdr;
}

/* Writes n blocks (data pointers d[0..n)) to start, start+1, ...: with a
 * vectored device, one call from the pages themselves; else one request per
 * DFS_STAGE blocks, copied through the staging pages (a single block goes
 * straight from its page). */
static int write_run(struct dfs *fs, uint32_t start, uint8_t *const *d, uint32_t n)
{
    if (fs->dev.writev) { /* straight from the cache's pages */
        fs->stats.writes += n;
        if (fs->dev.writev(fs->dev.ctx, start, n, (const void *const *)d) < 0) {
            fs->err = -DFS_EIO;
            return -DFS_EIO;
        }
        return 0;
    }
    for (uint32_t i = 0; i < n;) {
        uint32_t k = n - i < DFS_STAGE ? n - i : DFS_STAGE;
        const void *src = d[i];
        if (k > 1) {
            for (uint32_t j = 0; j < k; j++)
                memcpy(fs->stage + (size_t)j * DFS_BSIZE, d[i + j], DFS_BSIZE);
            src = fs->stage;
        }
        fs->stats.writes += k;
        if (fs->dev.write(fs->dev.ctx, start + i, k, src) < 0) {
            fs->err = -DFS_EIO;
            return -DFS_EIO;
        }
        i += k;
    }
    return 0;
}

static int commit(struct dfs *fs)
{
    if (fs->err)
        return fs->err;
    if (fs->ntxn == 0)
        return 0;
    struct dfs_loghdr *h = hdr_page(fs);
    memset(h, 0, DFS_BSIZE);
    memcpy(h->magic, "SPNLLOG1", 8);
    h->seq = fs->seq;
    h->n = fs->ntxn;
    for (uint32_t i = 0; i < fs->ntxn; i++)
        h->home[i] = fs->txn[i]->blockno;
    uint32_t c = dfs_crc32c(0, &h->seq, 8);
    c = dfs_crc32c(c, &h->n, 4);
    c = dfs_crc32c(c, h->home, 4 * (size_t)h->n);
    uint8_t **d = (uint8_t **)fs->sorted;
    for (uint32_t i = 0; i < fs->ntxn; i++) {
        struct dfs_buf *b = fs->txn[i];
        /* (B_SUM: a whole-block write summed it as it copied it in) */
        c = dfs_log_chain(c, (b->flags & B_SUM) ? b->sum : dfs_block_sum(b->data));
        d[i] = b->data;
    }
    h->csum = c;
    /* The journal blocks are contiguous: a few large requests. */
    int r = write_run(fs, fs->sb.log_start + 1, d, fs->ntxn);
    if (r == 0)
        r = dev_write(fs, fs->sb.log_start, h);
    if (r == 0)
        r = dev_flush(fs); /* the commit point */
    if (r < 0)
        return r;
    /* Home: in block order (insertion sort: mostly sorted already), runs
     * of consecutive blocks in one request. */
    struct dfs_buf **sb = fs->sorted;
    for (uint32_t i = 0; i < fs->ntxn; i++) {
        struct dfs_buf *b = fs->txn[i];
        uint32_t j = i;
        for (; j > 0 && sb[j - 1]->blockno > b->blockno; j--)
            sb[j] = sb[j - 1];
        sb[j] = b;
    }
    for (uint32_t i = 0; r == 0 && i < fs->ntxn;) {
        uint32_t k = 1;
        while (i + k < fs->ntxn && k < DFS_STAGE && sb[i + k]->blockno == sb[i]->blockno + k)
            k++;
        uint8_t *run[DFS_STAGE];
        for (uint32_t j = 0; j < k; j++)
            run[j] = sb[i + j]->data;
        r = write_run(fs, sb[i]->blockno, run, k);
        i += k;
    }
    if (r == 0)
        r = dev_flush(fs);
    if (r < 0)
        return r;
    for (uint32_t i = 0; i < fs->ntxn; i++) {
        fs->txn[i]->flags &= ~(B_DIRTY | B_SUM);
        fs->txn[i]->refs--;
    }
    fs->stats.commits++;
    fs->stats.logged += fs->ntxn;
    fs->ntxn = 0;
    fs->seq++;
    return 0;
}

static int op_begin(struct dfs *fs, uint32_t need)
{
    if (fs->err)
        return fs->err;
    if (need > fs->txn_cap)
        need = fs->txn_cap;
    if (fs->ntxn + need > fs->txn_cap) {
        int r = commit(fs);
        if (r < 0)
            return r;
    }
    fs->op_limit = fs->ntxn + need;
    return 0;
}

static void op_end(struct dfs *fs)
{
    fs->op_limit = fs->txn_cap;
}

/* Adds b (held by the caller) to the running transaction. */
static int log_write(struct dfs *fs, struct dfs_buf *b)
{
    gen_bump(fs, b);
    b->flags &= ~B_SUM; /* changed since it was summed */
    if (b->flags & B_DIRTY)
        return 0;
    if (fs->ntxn >= fs->txn_cap) {
        fs->err = -DFS_EIO; /* an operation used more than it reserved: a bug */
        return -DFS_EIO;
    }
    b->flags |= B_DIRTY;
    b->refs++;
    fs->txn[fs->ntxn++] = b;
    return 0;
}

/* Journal space left to the current operation. */
static bool budget_low(struct dfs *fs, uint32_t margin)
{
    return fs->ntxn + margin > fs->op_limit;
}

/* Mount: replays a committed transaction.  page1, page2: scratch. */
static int replay(struct dfs *fs, uint8_t *page1, uint8_t *page2)
{
    struct dfs_loghdr *h = (struct dfs_loghdr *)page1;
    int r = dev_read(fs, fs->sb.log_start, h);
    if (r < 0)
        return r;
    if (memcmp(h->magic, "SPNLLOG1", 8) != 0) {
        fs->seq = 1;
        return 0;
    }
    fs->seq = h->seq + 1;
    if (h->n == 0 || h->n > fs->sb.log_blocks || h->n > DFS_LOG_MAX)
        return 0;
    /* (dfs_log_sum; journals written before it: dfs_log_sum1, or CRC32C) */
    uint32_t c[3];
    c[0] = dfs_crc32c(0, &h->seq, 8);
    c[0] = dfs_crc32c(c[0], &h->n, 4);
    c[0] = dfs_crc32c(c[0], h->home, 4 * (size_t)h->n);
    c[1] = c[2] = c[0];
    for (uint32_t i = 0; i < h->n; i++) {
        if ((r = dev_read(fs, fs->sb.log_start + 1 + i, page2)) < 0)
            return r;
        c[0] = dfs_log_sum(c[0], page2);
        c[1] = dfs_log_sum1(c[1], page2);
        c[2] = dfs_crc32c(c[2], page2, DFS_BSIZE);
    }
    bool ok = c[0] == h->csum || c[1] == h->csum || c[2] == h->csum;
    if (!ok)
        return 0; /* torn: never committed, or overwritten after install */
    for (uint32_t i = 0; i < h->n; i++) {
        uint32_t home = h->home[i];
        if (home >= fs->sb.nblocks ||
            (home >= fs->sb.log_start && home <= fs->sb.log_start + fs->sb.log_blocks))
            return -DFS_EIO;
    }
    for (uint32_t i = 0; i < h->n; i++) {
        if ((r = dev_read(fs, fs->sb.log_start + 1 + i, page2)) < 0)
            return r;
        if ((r = dev_write(fs, h->home[i], page2)) < 0)
            return r;
    }
    fs->stats.replayed += h->n;
    if ((r = dev_flush(fs)) < 0)
        return r;
    h->n = 0;
    h->csum = 0;
    if ((r = dev_write(fs, fs->sb.log_start, h)) < 0)
        return r;
    return dev_flush(fs);
}

/* ------------------------------------------------------------------ */
/* Superblock, bitmaps.
 * Invariant: a bit is set in the block bitmap iff the block is metadata
 * (below data_start), past the end, or referenced by exactly one live
 * inode's tree; likewise the inode bitmap and mode != 0.  free_blocks and
 * free_inodes count the clear bits (computed at mount).                */

static int write_super(struct dfs *fs)
{
    struct dfs_buf *b;
    int r = bread(fs, 0, &b);
    if (r < 0)
        return r;
    fs->sb.csum = sb_csum(&fs->sb);
    memcpy(b->data, &fs->sb, sizeof fs->sb);
    r = log_write(fs, b);
    brelse(b);
    return r;
}

/* Finds a clear bit at or after goal (wrapping), sets it, returns it. */
static int bitmap_alloc(struct dfs *fs, uint32_t start, uint32_t nblk, uint32_t nbits,
                        uint32_t goal, uint32_t *out)
{
    if (goal >= nbits)
        goal = 0;
    uint32_t first = goal / BITS_PER_BLOCK;
    for (uint32_t i = 0; i <= nblk; i++) {
        uint32_t k = (first + i) % nblk;
        struct dfs_buf *b;
        int r = bread(fs, start + k, &b);
        if (r < 0)
            return r;
        uint64_t *w = (uint64_t *)b->data;
        uint32_t w0 = i == 0 ? (goal % BITS_PER_BLOCK) / 64 : 0;
        for (uint32_t j = w0; j < DFS_BSIZE / 8; j++) {
            if (w[j] == ~0ull)
                continue;
            uint32_t bit = (uint32_t)__builtin_ctzll(~w[j]);
            uint64_t n = (uint64_t)k * BITS_PER_BLOCK + j * 64 + bit;
            if (n >= nbits)
                break;
            w[j] |= 1ull << bit;
            r = log_write(fs, b);
            brelse(b);
            if (r < 0)
                return r;
            *out = (uint32_t)n;
            return 0;
        }
        brelse(b);
    }
    return -DFS_ENOSPC;
}

static int bitmap_free(struct dfs *fs, uint32_t start, uint32_t n)
{
    struct dfs_buf *b;
    int r = bread(fs, start + n / BITS_PER_BLOCK, &b);
    if (r < 0)
        return r;
    uint64_t *w = (uint64_t *)b->data + (n % BITS_PER_BLOCK) / 64;
    uint64_t m = 1ull << (n % 64);
    if (!(*w & m)) {
        brelse(b);
        fs->err = -DFS_EIO; /* freeing a free block: the image is corrupt */
        return -DFS_EIO;
    }
    *w &= ~m;
    r = log_write(fs, b);
    brelse(b);
    return r;
}

static int balloc(struct dfs *fs, uint32_t *out)
{
    if (fs->free_blocks == 0)
        return -DFS_ENOSPC;
    int r =
        bitmap_alloc(fs, fs->sb.bbmap_start, fs->sb.bbmap_blocks, fs->sb.nblocks, fs->bhint, out);
    if (r < 0)
        return r;
    if (*out < fs->sb.data_start) {
        fs->err = -DFS_EIO; /* a metadata block was marked free */
        return -DFS_EIO;
    }
    fs->free_blocks--;
    fs->bhint = *out + 1;
    return 0;
}

static int bfree(struct dfs *fs, uint32_t bno)
{
    if (bno < fs->sb.data_start || bno >= fs->sb.nblocks) {
        fs->err = -DFS_EIO;
        return -DFS_EIO;
    }
    int r = bitmap_free(fs, fs->sb.bbmap_start, bno);
    if (r == 0)
        fs->free_blocks++;
    return r;
}

/* (Spinel links no libgcc: no __builtin_popcountll.) */
static uint32_t popcount64(uint64_t v)
{
    v = v - ((v >> 1) & 0x5555555555555555ull);
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (uint32_t)((v * 0x0101010101010101ull) >> 56);
}

/* Counts the clear bits of a bitmap below nbits. */
static int count_free(struct dfs *fs, uint32_t start, uint32_t nblk, uint32_t nbits, uint32_t *out)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < nblk; k++) {
        struct dfs_buf *b;
        int r = bread(fs, start + k, &b);
        if (r < 0)
            return r;
        const uint64_t *w = (const uint64_t *)b->data;
        for (uint32_t j = 0; j < DFS_BSIZE / 8; j++) {
            uint64_t base = (uint64_t)k * BITS_PER_BLOCK + j * 64;
            if (base >= nbits)
                break;
            uint64_t v = ~w[j];
            if (base + 64 > nbits)
                v &= (1ull << (nbits - base)) - 1;
            n += popcount64(v);
        }
        brelse(b);
    }
    *out = n;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Inodes.  Callers work on a copy (struct dfs_dinode) and write it back
 * with iwrite inside an operation.                                      */

static bool ino_ok(struct dfs *fs, uint32_t ino)
{
    return ino >= 1 && ino < fs->sb.ninodes;
}

static int iread(struct dfs *fs, uint32_t ino, struct dfs_dinode *ip)
{
    if (!ino_ok(fs, ino))
        return -DFS_EBADF;
    struct dfs_buf *b;
    int r = bread(fs, fs->sb.itable_start + ino / DFS_IPB, &b);
    if (r < 0)
        return r;
    memcpy(ip, b->data + (ino % DFS_IPB) * sizeof *ip, sizeof *ip);
    brelse(b);
    return 0;
}

/* Reads a live inode (EBADF if free). */
static int iget(struct dfs *fs, uint32_t ino, struct dfs_dinode *ip)
{
    int r = iread(fs, ino, ip);
    if (r == 0 && ip->mode == 0)
        r = -DFS_EBADF;
    return r;
}

static int iwrite(struct dfs *fs, uint32_t ino, const struct dfs_dinode *ip)
{
    struct dfs_buf *b;
    int r = bread(fs, fs->sb.itable_start + ino / DFS_IPB, &b);
    if (r < 0)
        return r;
    memcpy(b->data + (ino % DFS_IPB) * sizeof *ip, ip, sizeof *ip);
    r = log_write(fs, b);
    brelse(b);
    return r;
}

static int ialloc(struct dfs *fs, uint32_t mode, uint32_t parent, uint32_t *out,
                  struct dfs_dinode *ip)
{
    if (fs->free_inodes == 0)
        return -DFS_ENOSPC;
    uint32_t ino;
    int r =
        bitmap_alloc(fs, fs->sb.ibmap_start, fs->sb.ibmap_blocks, fs->sb.ninodes, fs->ihint, &ino);
    if (r < 0)
        return r;
    if (ino == 0) {
        fs->err = -DFS_EIO;
        return -DFS_EIO;
    }
    fs->free_inodes--;
    fs->ihint = ino + 1;
    if ((r = iread(fs, ino, ip)) < 0)
        return r;
    uint32_t gen = ip->gen + 1;
    int64_t t = now(fs);
    memset(ip, 0, sizeof *ip);
    ip->mode = (uint16_t)mode;
    ip->nlink = DFS_S_ISDIR(mode) ? 2 : 1;
    ip->uid = fs->cred.uid;
    ip->gid = fs->cred.gid;
    ip->parent = DFS_S_ISDIR(mode) ? parent : 0;
    ip->atime = ip->mtime = ip->ctime = t;
    ip->gen = gen;
    *out = ino;
    return iwrite(fs, ino, ip);
}

/* Frees an inode whose blocks are all gone. */
static int dix_dir(struct dfs *fs, uint32_t ino);
static void dix_drop(struct dfs *fs, int d);

static int ifree(struct dfs *fs, uint32_t ino, struct dfs_dinode *ip)
{
    dix_drop(fs, dix_dir(fs, ino)); /* (a directory's inode: a new one may get its number) */
    if (fs->dix_nofit_ino == ino)
        fs->dix_nofit_ino = 0;
    uint32_t gen = ip->gen;
    memset(ip, 0, sizeof *ip);
    ip->gen = gen;
    int r = iwrite(fs, ino, ip);
    if (r == 0)
        r = bitmap_free(fs, fs->sb.ibmap_start, ino);
    if (r == 0)
        fs->free_inodes++;
    return r;
}

static bool data_ok(struct dfs *fs, uint32_t b)
{
    return b >= fs->sb.data_start && b < fs->sb.nblocks;
}

/* Block number of file block fb (0: a hole).  With alloc, fills the hole
 * and the index blocks on the way (index blocks zeroed); *fresh then says
 * that the data block is new (its contents are undefined: the caller
 * zeroes or overwrites it). */
static int bmap(struct dfs *fs, struct dfs_dinode *ip, uint64_t fb, bool alloc, uint32_t *out,
                bool *fresh)
{
    uint32_t *root;
    int depth;
    uint64_t idx = fb;
    if (fresh)
        *fresh = false;
    if (idx < DFS_NDIRECT) {
        root = &ip->addr[idx];
        depth = 0;
    } else if ((idx -= DFS_NDIRECT) < PTRS) {
        root = &ip->ind;
        depth = 1;
    } else if ((idx -= PTRS) < (uint64_t)PTRS * PTRS) {
        root = &ip->dind;
        depth = 2;
    } else if ((idx -= (uint64_t)PTRS * PTRS) < (uint64_t)PTRS * PTRS * PTRS) {
        root = &ip->tind;
        depth = 3;
    } else {
        return -DFS_EFBIG;
    }
    uint32_t cur = *root;
    int r;
    if (cur && !data_ok(fs, cur))
        return -DFS_EIO;
    if (!cur) {
        if (!alloc) {
            *out = 0;
            return 0;
        }
        if ((r = balloc(fs, &cur)) < 0)
            return r;
        if (depth > 0) {
            struct dfs_buf *nb;
            if ((r = bget(fs, cur, true, &nb)) < 0)
                return r;
            r = log_write(fs, nb);
            brelse(nb);
            if (r < 0)
                return r;
        } else if (fresh) {
            *fresh = true;
        }
        *root = cur;
        ip->blocks++;
    }
    for (int d = depth; d > 0; d--) {
        struct dfs_buf *b;
        if ((r = bread(fs, cur, &b)) < 0)
            return r;
        uint32_t *arr = (uint32_t *)b->data;
        uint32_t i = (uint32_t)(idx >> (10 * (d - 1))) & (PTRS - 1);
        uint32_t nxt = arr[i];
        if (nxt && !data_ok(fs, nxt)) {
            brelse(b);
            return -DFS_EIO;
        }
        if (!nxt) {
            if (!alloc) {
                brelse(b);
                *out = 0;
                return 0;
            }
            if ((r = balloc(fs, &nxt)) < 0) {
                brelse(b);
                return r;
            }
            if (d > 1) {
                struct dfs_buf *nb;
                if ((r = bget(fs, nxt, true, &nb)) == 0) {
                    r = log_write(fs, nb);
                    brelse(nb);
                }
                if (r < 0) {
                    brelse(b);
                    return r;
                }
            } else if (fresh) {
                *fresh = true;
            }
            arr[i] = nxt;
            ip->blocks++;
            r = log_write(fs, b);
            if (r < 0) {
                brelse(b);
                return r;
            }
        }
        brelse(b);
        cur = nxt;
    }
    *out = cur;
    return 0;
}

/* Frees the part of the subtree *ptr (depth 0: a data block) that covers
 * file blocks >= from; it covers [base, base + 1024^depth).  Returns 1
 * when done, 0 when the operation's journal budget ran out first (what was
 * freed so far is consistent: every freed block's pointer is cleared in
 * the same transaction), or a negative error. */
static int free_tree(struct dfs *fs, struct dfs_dinode *ip, uint32_t *ptr, int depth, uint64_t base,
                     uint64_t from)
{
    if (!*ptr)
        return 1;
    uint64_t span = 1ull << (10 * depth);
    if (base + span <= from)
        return 1;
    if (!data_ok(fs, *ptr)) {
        fs->err = -DFS_EIO;
        return -DFS_EIO;
    }
    if (depth > 0) {
        struct dfs_buf *b;
        int r = bread(fs, *ptr, &b);
        if (r < 0)
            return r;
        uint32_t *arr = (uint32_t *)b->data;
        uint64_t cspan = span >> 10;
        int done = 1;
        for (int i = PTRS - 1; i >= 0; i--) {
            uint64_t cb = base + (uint64_t)i * cspan;
            if (cb + cspan <= from)
                break;
            if (!arr[i])
                continue;
            uint32_t v = arr[i];
            done = free_tree(fs, ip, &v, depth - 1, cb, from);
            if (v != arr[i]) {
                arr[i] = v;
                r = log_write(fs, b);
                if (r < 0)
                    done = r;
            }
            if (done <= 0)
                break;
        }
        brelse(b);
        if (done != 1 || base < from)
            return done;
    }
    if (budget_low(fs, 8))
        return 0;
    int r = bfree(fs, *ptr);
    if (r < 0)
        return r;
    *ptr = 0;
    ip->blocks--;
    return 1;
}

/* Frees every file block >= from, highest first (see free_tree). */
static int free_from(struct dfs *fs, struct dfs_dinode *ip, uint64_t from)
{
    const uint64_t b1 = DFS_NDIRECT, b2 = b1 + PTRS, b3 = b2 + (uint64_t)PTRS * PTRS;
    int r = free_tree(fs, ip, &ip->tind, 3, b3, from);
    if (r == 1)
        r = free_tree(fs, ip, &ip->dind, 2, b2, from);
    if (r == 1)
        r = free_tree(fs, ip, &ip->ind, 1, b1, from);
    for (int i = DFS_NDIRECT - 1; r == 1 && i >= 0; i--)
        r = free_tree(fs, ip, &ip->addr[i], 0, (uint64_t)i, from);
    return r;
}

/* ---- the orphan list ----
 * Inodes with work left that a crash must not lose: unlinked while open
 * (nlink 0), or being freed or truncated in several transactions.  Each has
 * IF_ORPHAN set and is on the list (sb.orphan_head, then orphan_next);
 * mount finishes the work.                                             */

static int orphan_add(struct dfs *fs, uint32_t ino, struct dfs_dinode *ip)
{
    if (ip->pad & IF_ORPHAN)
        return 0;
    ip->pad |= IF_ORPHAN;
    ip->orphan_next = fs->sb.orphan_head;
    fs->sb.orphan_head = ino;
    return write_super(fs);
}

static int orphan_del(struct dfs *fs, uint32_t ino, struct dfs_dinode *ip)
{
    if (!(ip->pad & IF_ORPHAN))
        return 0;
    int r = 0;
    if (fs->sb.orphan_head == ino) {
        fs->sb.orphan_head = ip->orphan_next;
        r = write_super(fs);
    } else {
        uint32_t cur = fs->sb.orphan_head;
        for (uint32_t n = 0; cur && n < fs->sb.ninodes; n++) {
            struct dfs_dinode c;
            if ((r = iread(fs, cur, &c)) < 0)
                return r;
            if (c.orphan_next == ino) {
                c.orphan_next = ip->orphan_next;
                r = iwrite(fs, cur, &c);
                break;
            }
            cur = c.orphan_next;
        }
    }
    ip->pad &= ~IF_ORPHAN;
    ip->orphan_next = 0;
    return r;
}

static uint32_t open_refs(struct dfs *fs, uint32_t ino)
{
    for (uint32_t i = 0; i < fs->nopen; i++)
        if (fs->open[i].ino == ino)
            return fs->open[i].refs;
    return 0;
}

/* Inside an operation, after ip's nlink dropped: frees the inode if it has
 * no name and no opener and fits the operation's budget; otherwise puts it
 * on the orphan list.  Writes *ip.  Returns 1 if more work is left for
 * reclaim (after op_end), 0 if not. */
static int drop_in_op(struct dfs *fs, uint32_t ino, struct dfs_dinode *ip)
{
    int r;
    if (ip->nlink == 0 && open_refs(fs, ino) == 0) {
        r = free_from(fs, ip, 0);
        if (r < 0)
            return r;
        if (r == 1) {
            if ((r = orphan_del(fs, ino, ip)) < 0)
                return r;
            return ifree(fs, ino, ip);
        }
        if ((r = orphan_add(fs, ino, ip)) < 0)
            return r;
        r = iwrite(fs, ino, ip);
        return r < 0 ? r : 1;
    }
    if (ip->nlink == 0 && (r = orphan_add(fs, ino, ip)) < 0)
        return r;
    return iwrite(fs, ino, ip);
}

/* Finishes an orphan: frees an unnamed inode (nlink 0), or the blocks past
 * the end of a truncated one, in as many transactions as it takes. */
static int reclaim(struct dfs *fs, uint32_t ino)
{
    for (;;) {
        int r = op_begin(fs, RES_TRUNC);
        if (r < 0)
            return r;
        struct dfs_dinode ip;
        if ((r = iget(fs, ino, &ip)) < 0) {
            op_end(fs);
            return r;
        }
        /* An unnamed inode still open keeps its data: only its tail past
         * the end of file goes, and it stays on the list until the close. */
        bool kill = ip.nlink == 0 && open_refs(fs, ino) == 0;
        r = free_from(fs, &ip, kill ? 0 : (ip.size + DFS_BSIZE - 1) / DFS_BSIZE);
        if (r == 1) {
            if (kill) {
                if ((r = orphan_del(fs, ino, &ip)) == 0)
                    r = ifree(fs, ino, &ip);
            } else {
                if (ip.nlink)
                    r = orphan_del(fs, ino, &ip);
                if (r == 0)
                    r = iwrite(fs, ino, &ip);
            }
            op_end(fs);
            return r;
        }
        if (r == 0)
            r = iwrite(fs, ino, &ip);
        op_end(fs);
        if (r < 0)
            return r;
    }
}

/* ------------------------------------------------------------------ */
/* Directories: files of 272-byte entries, 15 to a block, never crossing a
 * block.  An entry's slot never moves (readdir positions stay valid).
 * "." and ".." are not stored: the inode's parent field is "..".  Blocks
 * are never holes; trailing empty blocks are given back when possible.
 * Lookup compares the stored hash before the name.                     */

struct dslot {
    uint64_t pos; /* block index * DFS_DPB + slot */
    bool valid;
};

static int dir_block(struct dfs *fs, struct dfs_dinode *dp, uint64_t fb, struct dfs_buf **out)
{
    uint32_t bno;
    int r = bmap(fs, dp, fb, false, &bno, NULL);
    if (r < 0)
        return r;
    if (!bno)
        return -DFS_EIO;
    return bread(fs, bno, out);
}

/* ------------------------------------------------------------------ */
/* Directory index.
 *
 * Looking a name up scans the directory's blocks; a directory of 1,000
 * files is 67 blocks, and creating a file must scan them all (the name
 * must be absent).  The index keeps, for up to DFS_DIX_DIRS directories
 * (most recently indexed), every entry's name hash and slot in a hash
 * table in the cache memory, plus how many free slots lie below the
 * directory's end and one of them.  It mirrors the directory blocks as the
 * cache has them (dir_add and dir_remove keep it; renaming over an entry
 * changes only its inode number, which the index does not hold), never
 * the disk, and is built by one scan at the first lookup after mount.
 * It is only a hint for what it finds: a found slot is read and its name
 * compared, and a slot that no longer holds what the index says drops the
 * directory from the index (then the scan answers).  Its "absent" is
 * trusted.  A directory is dropped (its generation retired, so its
 * entries read as removed) when the table has no room, when it shrinks,
 * and when its inode is freed.                                          */

static uint32_t dix_home(struct dfs *fs, uint32_t ino, uint32_t hash)
{
    return (uint32_t)(((uint64_t)ino * 0x9e3779b97f4a7c15ull >> 32) ^ hash) & (fs->ndix - 1);
}

/* The index slot of directory ino, or -1. */
static int dix_dir(struct dfs *fs, uint32_t ino)
{
    for (int d = 0; d < DFS_DIX_DIRS; d++)
        if (fs->dixdir[d].gen && fs->dixdir[d].ino == ino)
            return d;
    return -1;
}

static void dix_drop(struct dfs *fs, int d)
{
    if (d >= 0 && fs->dixdir[d].gen) {
        fs->dixdir[d].gen = 0; /* its entries are dead from now on */
        fs->stats.dix_drops++;
    }
}

static bool dix_live(struct dfs *fs, const struct dfs_dix *e)
{
    return e->gen != 0 && e->gen != DFS_DIX_DEAD && e->d < DFS_DIX_DIRS &&
           fs->dixdir[e->d].gen == e->gen;
}

/* Adds slot pos of dirs[d] under hash: false if there is no room near its
 * home (then the caller drops the directory). */
static bool dix_insert(struct dfs *fs, int d, uint32_t hash, uint32_t pos)
{
    uint32_t i = dix_home(fs, fs->dixdir[d].ino, hash);
    for (uint32_t n = 0; n < 64; n++, i = (i + 1) & (fs->ndix - 1)) {
        struct dfs_dix *e = &fs->dix[i];
        if (!dix_live(fs, e)) {
            *e = (struct dfs_dix){
                .gen = fs->dixdir[d].gen, .hash = hash, .pos = pos, .d = (uint8_t)d};
            return true;
        }
    }
    return false;
}

/* Marks the entry for slot pos of dirs[d] removed. */
static void dix_remove(struct dfs *fs, int d, uint32_t hash, uint32_t pos)
{
    uint32_t i = dix_home(fs, fs->dixdir[d].ino, hash);
    for (uint32_t n = 0; n < 64 && fs->dix[i].gen; n++, i = (i + 1) & (fs->ndix - 1)) {
        struct dfs_dix *e = &fs->dix[i];
        if (dix_live(fs, e) && e->d == d && e->pos == pos) {
            e->gen = DFS_DIX_DEAD; /* (not 0: later entries of the probe stay reachable) */
            return;
        }
    }
    dix_drop(fs, d); /* not there: the index was wrong */
}

static int dir_block(struct dfs *fs, struct dfs_dinode *dp, uint64_t fb, struct dfs_buf **out);

/* Indexes directory ino (inode dp) by scanning it: its slot, or -1 (no
 * room: the scan answers), or an error. */
static int dix_build(struct dfs *fs, uint32_t ino, struct dfs_dinode *dp)
{
    if (!fs->ndix || (ino == fs->dix_nofit_ino && dp->size / DFS_BSIZE <= fs->dix_nofit_nb))
        return -1; /* (it did not fit before: no second scan at every lookup) */
    int d = (int)(fs->dix_clock++ % DFS_DIX_DIRS);
    dix_drop(fs, d);
    if (++fs->dix_gen == 0 || fs->dix_gen == DFS_DIX_DEAD)
        fs->dix_gen = 1;
    fs->dixdir[d] = (struct dfs_dixdir){.ino = ino, .gen = fs->dix_gen, .free_pos = UINT32_MAX};
    uint64_t nb = dp->size / DFS_BSIZE;
    for (uint64_t fb = 0; fb < nb; fb++) {
        struct dfs_buf *b;
        int r = dir_block(fs, dp, fb, &b);
        if (r < 0) {
            dix_drop(fs, d);
            return r;
        }
        for (int s = 0; s < DFS_DPB; s++) {
            const struct dfs_ddirent *e = (const void *)(b->data + s * DFS_DIRENT);
            uint32_t pos = (uint32_t)(fb * DFS_DPB + (uint64_t)s);
            if (e->ino == 0) {
                fs->dixdir[d].holes++;
                if (fs->dixdir[d].free_pos == UINT32_MAX)
                    fs->dixdir[d].free_pos = pos;
            } else if (!dix_insert(fs, d, e->hash, pos)) {
                brelse(b);
                dix_drop(fs, d);
                fs->dix_nofit_ino = ino;
                fs->dix_nofit_nb = nb;
                return -1;
            }
        }
        brelse(b);
    }
    fs->stats.dix_builds++;
    return d;
}

/* dir_find through the index of dirs[d]: 0 (found), -DFS_ENOENT (absent,
 * *freep set), 1 (the index was wrong and is dropped: scan), or an error. */
static int dix_find(struct dfs *fs, int d, struct dfs_dinode *dp, const char *name, size_t len,
                    uint32_t h, uint32_t *ino, uint64_t *pos, struct dslot *freep)
{
    uint32_t i = dix_home(fs, fs->dixdir[d].ino, h);
    for (uint32_t n = 0; n < 64 && fs->dix[i].gen; n++, i = (i + 1) & (fs->ndix - 1)) {
        const struct dfs_dix *x = &fs->dix[i];
        if (!dix_live(fs, x) || x->d != d || x->hash != h)
            continue;
        struct dfs_buf *b;
        int r = dir_block(fs, dp, x->pos / DFS_DPB, &b);
        if (r < 0)
            return r;
        const struct dfs_ddirent *e = (const void *)(b->data + (x->pos % DFS_DPB) * DFS_DIRENT);
        bool stale = e->ino == 0 || e->hash != h;
        bool match = !stale && e->namelen == len && memcmp(e->name, name, len) == 0;
        uint32_t found = e->ino;
        brelse(b);
        if (stale) {
            dix_drop(fs, d);
            return 1;
        }
        if (match) {
            *ino = found;
            if (pos)
                *pos = x->pos;
            fs->stats.dix_hits++;
            return 0;
        }
    }
    if (freep && fs->dixdir[d].holes) {
        /* A free slot: the one known, checked, else the first found. */
        uint32_t f = fs->dixdir[d].free_pos;
        uint64_t nb = dp->size / DFS_BSIZE;
        for (uint64_t fb = f != UINT32_MAX ? f / DFS_DPB : 0; fb < nb && !freep->valid; fb++) {
            struct dfs_buf *b;
            int r = dir_block(fs, dp, fb, &b);
            if (r < 0)
                return r;
            for (int s = 0; s < DFS_DPB; s++) {
                const struct dfs_ddirent *e = (const void *)(b->data + s * DFS_DIRENT);
                uint64_t p = fb * DFS_DPB + (uint64_t)s;
                if (e->ino == 0 && (f == UINT32_MAX || p >= f)) {
                    freep->valid = true;
                    freep->pos = p;
                    break;
                }
            }
            brelse(b);
            if (!freep->valid && f != UINT32_MAX) { /* the hint was wrong: from the start */
                f = UINT32_MAX;
                fb = (uint64_t)-1;
            }
        }
        if (!freep->valid) { /* holes counted wrong */
            dix_drop(fs, d);
            return 1;
        }
        fs->dixdir[d].free_pos = (uint32_t)freep->pos;
    }
    fs->stats.dix_hits++;
    return -DFS_ENOENT;
}

/* Looks name up in directory dir (inode dp).  Returns 0 with *ino and
 * *pos, or -DFS_ENOENT (then *freep, if given, is a free slot, if any;
 * without the index, the first). */
static int dir_find(struct dfs *fs, uint32_t dir, struct dfs_dinode *dp, const char *name,
                    size_t len, uint32_t *ino, uint64_t *pos, struct dslot *freep)
{
    uint32_t h = dfs_name_hash(name, len);
    uint64_t nb = dp->size / DFS_BSIZE;
    if (freep)
        freep->valid = false;
    if (nb >= 2) { /* (a directory of one block is scanned as fast) */
        int d = dix_dir(fs, dir);
        if (d < 0)
            d = dix_build(fs, dir, dp);
        if (d < -1)
            return d; /* an error */
        if (d >= 0) {
            int r = dix_find(fs, d, dp, name, len, h, ino, pos, freep);
            if (r <= 0)
                return r;
            if (freep)
                freep->valid = false;
        }
    }
    for (uint64_t fb = 0; fb < nb; fb++) {
        struct dfs_buf *b;
        int r = dir_block(fs, dp, fb, &b);
        if (r < 0)
            return r;
        for (int s = 0; s < DFS_DPB; s++) {
            const struct dfs_ddirent *e = (const void *)(b->data + s * DFS_DIRENT);
            if (e->ino == 0) {
                if (freep && !freep->valid) {
                    freep->valid = true;
                    freep->pos = fb * DFS_DPB + (uint64_t)s;
                }
                continue;
            }
            if (e->hash == h && e->namelen == len && memcmp(e->name, name, len) == 0) {
                *ino = e->ino;
                if (pos)
                    *pos = fb * DFS_DPB + (uint64_t)s;
                brelse(b);
                return 0;
            }
        }
        brelse(b);
    }
    return -DFS_ENOENT;
}

/* Adds an entry (the name must be absent): at *free_slot if valid,
 * else in a new block.  Updates dp (size) but does not write it. */
static int dir_add(struct dfs *fs, uint32_t dir, struct dfs_dinode *dp,
                   const struct dslot *free_slot, const char *name, size_t len, uint32_t ino,
                   int type)
{
    struct dfs_buf *b;
    int r;
    uint32_t slot;
    uint64_t fb0 = dp->size / DFS_BSIZE; /* (where a new block goes) */
    bool hole = free_slot && free_slot->valid;
    if (free_slot && free_slot->valid) {
        if ((r = dir_block(fs, dp, free_slot->pos / DFS_DPB, &b)) < 0)
            return r;
        slot = (uint32_t)(free_slot->pos % DFS_DPB);
    } else {
        uint64_t fb = dp->size / DFS_BSIZE;
        uint32_t bno;
        /* A block and up to three index blocks: fail before changing
         * anything rather than leave a half-made index path. */
        if (fs->free_blocks < 4)
            return -DFS_ENOSPC;
        if ((r = bmap(fs, dp, fb, true, &bno, NULL)) < 0)
            return r;
        if ((r = bget(fs, bno, true, &b)) < 0)
            return r;
        dp->size += DFS_BSIZE;
        slot = 0;
    }
    struct dfs_ddirent *e = (void *)(b->data + slot * DFS_DIRENT);
    memset(e, 0, DFS_DIRENT);
    e->ino = ino;
    e->hash = dfs_name_hash(name, len);
    e->type = (uint8_t)type;
    e->namelen = (uint8_t)len;
    memcpy(e->name, name, len);
    r = log_write(fs, b);
    brelse(b);
    int d = dix_dir(fs, dir);
    if (r == 0 && d >= 0) {
        struct dfs_dixdir *x = &fs->dixdir[d];
        uint32_t pos = hole ? (uint32_t)free_slot->pos : (uint32_t)(fb0 * DFS_DPB);
        if (hole) {
            x->holes--;
            if (x->free_pos == pos)
                x->free_pos = UINT32_MAX;
        } else { /* a new block: the rest of it is free */
            x->holes += DFS_DPB - 1;
            if (x->free_pos == UINT32_MAX)
                x->free_pos = pos + 1;
        }
        if (!dix_insert(fs, d, e->hash, pos))
            dix_drop(fs, d);
    } else if (d >= 0) {
        dix_drop(fs, d);
    }
    return r;
}

static bool block_empty(const uint8_t *data)
{
    for (int s = 0; s < DFS_DPB; s++)
        if (((const struct dfs_ddirent *)(data + s * DFS_DIRENT))->ino)
            return false;
    return true;
}

/* Clears the entry at pos, then gives back the trailing empty blocks (as
 * many as the operation's journal budget allows). */
static int dir_remove(struct dfs *fs, uint32_t dir, struct dfs_dinode *dp, uint64_t pos)
{
    struct dfs_buf *b;
    int d = dix_dir(fs, dir);
    int r = dir_block(fs, dp, pos / DFS_DPB, &b);
    if (r < 0) {
        dix_drop(fs, d);
        return r;
    }
    uint8_t *slot = b->data + (pos % DFS_DPB) * DFS_DIRENT;
    uint32_t hash = ((const struct dfs_ddirent *)slot)->hash;
    memset(slot, 0, DFS_DIRENT);
    r = log_write(fs, b);
    brelse(b);
    if (r < 0) {
        dix_drop(fs, d);
        return r;
    }
    if (d >= 0) {
        dix_remove(fs, d, hash, (uint32_t)pos);
        if (fs->dixdir[d].gen) {
            fs->dixdir[d].holes++;
            if (fs->dixdir[d].free_pos == UINT32_MAX || pos < fs->dixdir[d].free_pos)
                fs->dixdir[d].free_pos = (uint32_t)pos;
        }
    }
    uint64_t nb = dp->size / DFS_BSIZE, keep = nb;
    while (keep > 0) {
        if ((r = dir_block(fs, dp, keep - 1, &b)) < 0)
            return r;
        bool empty = block_empty(b->data);
        brelse(b);
        if (!empty)
            break;
        keep--;
    }
    if (keep == nb)
        return 0;
    dix_drop(fs, dix_dir(fs, dir)); /* it shrinks: its holes are not counted any more */
    r = free_from(fs, dp, keep);
    if (r < 0)
        return r;
    /* Out of budget, it freed the highest blocks only: the directory ends
     * after the last block left (empty blocks below it are harmless). */
    uint32_t bno = 0;
    while (r == 0 && nb > keep && !bno)
        if ((r = bmap(fs, dp, --nb, false, &bno, NULL)) < 0)
            return r;
    dp->size = (bno ? nb + 1 : keep) * DFS_BSIZE;
    return 0;
}

static int dir_empty(struct dfs *fs, struct dfs_dinode *dp)
{
    uint64_t nb = dp->size / DFS_BSIZE;
    for (uint64_t fb = 0; fb < nb; fb++) {
        struct dfs_buf *b;
        int r = dir_block(fs, dp, fb, &b);
        if (r < 0)
            return r;
        bool e = block_empty(b->data);
        brelse(b);
        if (!e)
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Permissions.                                                          */

#define P_R 4
#define P_W 2
#define P_X 1

static bool permitted(struct dfs *fs, const struct dfs_dinode *ip, int want)
{
    if (fs->cred.uid == 0)
        return true;
    uint32_t m = ip->mode;
    uint32_t bits = fs->cred.uid == ip->uid ? (m >> 6) : fs->cred.gid == ip->gid ? (m >> 3) : m;
    return ((int)bits & want) == want;
}

/* ------------------------------------------------------------------ */
/* Paths.                                                                */

struct walk {
    uint32_t dir; /* parent mode: the directory holding the last name */
    uint32_t ino; /* the inode found (0: the last name is absent) */
    uint64_t pos; /* its entry's slot in dir */
    struct dslot free_slot;
    char name[DFS_NAME_MAX + 1];
    size_t namelen; /* parent mode: 0 if the path names "/" */
    bool dot;       /* parent mode: the last name is "." or ".." */
    bool slash;     /* the path ends with '/' */
};

/* Resolves path.  parent: stop before the last name (which may be absent)
 * and describe it in w.  Without parent, w->ino is the inode named. */
static int walk(struct dfs *fs, const char *path, bool parent, struct walk *w)
{
    size_t plen = 0;
    while (plen <= DFS_PATH_MAX && path[plen])
        plen++;
    if (plen > DFS_PATH_MAX)
        return -DFS_ENAMETOOLONG;
    if (plen == 0)
        return -DFS_ENOENT;
    memset(w, 0, sizeof *w);
    w->slash = path[plen - 1] == '/';
    uint32_t cur = fs->sb.root;
    struct dfs_dinode ip;
    size_t i = 0;
    for (;;) {
        while (path[i] == '/')
            i++;
        if (!path[i])
            break;
        size_t s = i;
        while (path[i] && path[i] != '/')
            i++;
        size_t len = i - s;
        if (len > DFS_NAME_MAX)
            return -DFS_ENAMETOOLONG;
        size_t k = i;
        while (path[k] == '/')
            k++;
        bool last = path[k] == 0;
        int r = iget(fs, cur, &ip);
        if (r < 0)
            return r == -DFS_EBADF ? -DFS_EIO : r;
        if (!DFS_S_ISDIR(ip.mode))
            return -DFS_ENOTDIR;
        if (!permitted(fs, &ip, P_X))
            return -DFS_EACCES;
        bool dot = len == 1 && path[s] == '.';
        bool dotdot = len == 2 && path[s] == '.' && path[s + 1] == '.';
        if (last && parent) {
            w->dir = cur;
            memcpy(w->name, path + s, len);
            w->name[len] = 0;
            w->namelen = len;
            w->dot = dot || dotdot;
            if (dot) {
                w->ino = cur;
            } else if (dotdot) {
                w->ino = ip.parent;
            } else {
                r = dir_find(fs, cur, &ip, path + s, len, &w->ino, &w->pos, &w->free_slot);
                if (r == -DFS_ENOENT)
                    w->ino = 0;
                else if (r < 0)
                    return r;
            }
            return 0;
        }
        if (dot)
            continue;
        if (dotdot) {
            cur = ip.parent;
            continue;
        }
        uint32_t next;
        r = dir_find(fs, cur, &ip, path + s, len, &next, NULL, NULL);
        if (r < 0)
            return r;
        cur = next;
    }
    /* The path names "/" (parent mode) or cur. */
    if (parent) {
        w->dir = 0;
        w->ino = fs->sb.root;
        return 0;
    }
    int r = iget(fs, cur, &ip);
    if (r < 0)
        return r == -DFS_EBADF ? -DFS_EIO : r;
    if (w->slash && !DFS_S_ISDIR(ip.mode))
        return -DFS_ENOTDIR;
    w->ino = cur;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Calls.                                                                */

void dfs_set_cred(struct dfs *fs, uint32_t uid, uint32_t gid)
{
    fs->cred.uid = uid;
    fs->cred.gid = gid;
}

int dfs_lookup(struct dfs *fs, const char *path)
{
    if (fs->err)
        return fs->err;
    struct walk w;
    int r = walk(fs, path, false, &w);
    return r < 0 ? r : (int)w.ino;
}

/* Creates name in w (absent, checked by walk) inside an operation. */
static int create_in(struct dfs *fs, struct walk *w, uint32_t mode, uint32_t *out)
{
    struct dfs_dinode dp, ip;
    int r = iget(fs, w->dir, &dp);
    if (r < 0)
        return r;
    if (dp.nlink == 0)
        return -DFS_ENOENT; /* the directory was removed */
    if (DFS_S_ISDIR(mode) && dp.nlink >= DFS_LINK_MAX)
        return -DFS_EMLINK;
    uint32_t ino;
    if ((r = ialloc(fs, mode, w->dir, &ino, &ip)) < 0)
        return r;
    r = dir_add(fs, w->dir, &dp, &w->free_slot, w->name, w->namelen, ino,
                DFS_S_ISDIR(mode) ? 2 : 1);
    if (r < 0) {
        int r2 = ifree(fs, ino, &ip);
        return r2 < 0 ? r2 : r;
    }
    if (DFS_S_ISDIR(mode))
        dp.nlink++;
    dp.mtime = dp.ctime = ip.ctime;
    if ((r = iwrite(fs, w->dir, &dp)) < 0)
        return r;
    *out = ino;
    return 0;
}

/* Checks what creating w's name needs. */
static int create_check(struct dfs *fs, struct walk *w, bool dir)
{
    if (w->namelen == 0 || w->dot || w->ino)
        return -DFS_EEXIST;
    if (w->slash && !dir)
        return -DFS_EISDIR;
    struct dfs_dinode dp;
    int r = iget(fs, w->dir, &dp);
    if (r < 0)
        return r;
    if (!permitted(fs, &dp, P_W | P_X))
        return -DFS_EACCES;
    return 0;
}

static int create(struct dfs *fs, const char *path, uint32_t mode)
{
    if (fs->err)
        return fs->err;
    struct walk w;
    int r = walk(fs, path, true, &w);
    if (r == 0)
        r = create_check(fs, &w, DFS_S_ISDIR(mode));
    if (r < 0)
        return r;
    if ((r = op_begin(fs, RES_CREATE)) < 0)
        return r;
    uint32_t ino = 0;
    r = create_in(fs, &w, mode, &ino);
    op_end(fs);
    return r < 0 ? r : (int)ino;
}

int dfs_create(struct dfs *fs, const char *path, uint32_t mode)
{
    return create(fs, path, DFS_S_IFREG | (mode & 07777));
}

int dfs_mkdir(struct dfs *fs, const char *path, uint32_t mode)
{
    return create(fs, path, DFS_S_IFDIR | (mode & 07777));
}

static int open_slot(struct dfs *fs, uint32_t ino, bool take)
{
    for (uint32_t i = 0; i < fs->nopen; i++)
        if (fs->open[i].ino == ino) {
            if (take)
                fs->open[i].refs++;
            return 0;
        }
    if (fs->nopen >= DFS_OPEN_MAX)
        return -DFS_ENFILE;
    if (take) {
        fs->open[fs->nopen].ino = ino;
        fs->open[fs->nopen].refs = 1;
        fs->nopen++;
    }
    return 0;
}

int dfs_truncate(struct dfs *fs, uint32_t ino, uint64_t size);

int dfs_open(struct dfs *fs, const char *path, unsigned flags, uint32_t mode)
{
    if (fs->err)
        return fs->err;
    struct walk w;
    int r;
    uint32_t ino;
    bool made = false;
    if (flags & DFS_O_CREAT) {
        if ((r = walk(fs, path, true, &w)) < 0)
            return r;
        if (w.ino) {
            if (flags & DFS_O_EXCL)
                return -DFS_EEXIST;
            ino = w.ino;
        } else {
            if ((r = create_check(fs, &w, false)) < 0)
                return r;
            if ((r = open_slot(fs, 0xffffffffu, false)) < 0)
                return r;
            if ((r = op_begin(fs, RES_CREATE)) < 0)
                return r;
            r = create_in(fs, &w, DFS_S_IFREG | (mode & 07777), &ino);
            op_end(fs);
            if (r < 0)
                return r;
            made = true;
        }
    } else {
        if ((r = walk(fs, path, false, &w)) < 0)
            return r;
        ino = w.ino;
    }
    struct dfs_dinode ip;
    if ((r = iget(fs, ino, &ip)) < 0)
        return r;
    bool dir = DFS_S_ISDIR(ip.mode);
    if ((flags & DFS_O_DIRECTORY) && !dir)
        return -DFS_ENOTDIR;
    if (w.slash && !dir)
        return -DFS_ENOTDIR;
    if (dir && (flags & (DFS_O_WRITE | DFS_O_TRUNC)))
        return -DFS_EISDIR;
    if (!made) {
        int want =
            ((flags & DFS_O_READ) ? P_R : 0) | ((flags & (DFS_O_WRITE | DFS_O_TRUNC)) ? P_W : 0);
        if (!permitted(fs, &ip, want))
            return -DFS_EACCES;
    }
    if ((r = open_slot(fs, ino, true)) < 0)
        return r;
    if ((flags & DFS_O_TRUNC) && !made && ip.size) {
        if ((r = dfs_truncate(fs, ino, 0)) < 0) {
            dfs_close(fs, ino);
            return r;
        }
    }
    return (int)ino;
}

int dfs_close(struct dfs *fs, uint32_t ino)
{
    for (uint32_t i = 0; i < fs->nopen; i++) {
        if (fs->open[i].ino != ino)
            continue;
        if (--fs->open[i].refs)
            return 0;
        fs->open[i] = fs->open[--fs->nopen];
        if (fs->err)
            return fs->err;
        struct dfs_dinode ip;
        int r = iget(fs, ino, &ip);
        if (r < 0)
            return r;
        return ip.nlink == 0 ? reclaim(fs, ino) : 0;
    }
    return -DFS_EBADF;
}

/* unlink (dir false) and rmdir (dir true). */
static int do_remove(struct dfs *fs, const char *path, bool dir)
{
    if (fs->err)
        return fs->err;
    struct walk w;
    int r = walk(fs, path, true, &w);
    if (r < 0)
        return r;
    if (w.namelen == 0)
        return dir ? -DFS_EBUSY : -DFS_EISDIR;
    if (w.dot)
        return !dir ? -DFS_EISDIR : w.namelen == 1 ? -DFS_EINVAL : -DFS_ENOTEMPTY;
    if (!w.ino)
        return -DFS_ENOENT;
    struct dfs_dinode dp, ip;
    if ((r = iget(fs, w.dir, &dp)) < 0 || (r = iget(fs, w.ino, &ip)) < 0)
        return r;
    if (!permitted(fs, &dp, P_W | P_X))
        return -DFS_EACCES;
    if (!dir && DFS_S_ISDIR(ip.mode))
        return -DFS_EISDIR;
    if (dir && !DFS_S_ISDIR(ip.mode))
        return -DFS_ENOTDIR;
    if (!dir && w.slash)
        return -DFS_ENOTDIR;
    if (dir && (r = dir_empty(fs, &ip)) <= 0)
        return r < 0 ? r : -DFS_ENOTEMPTY;
    if ((r = op_begin(fs, RES_RENAME)) < 0)
        return r;
    int64_t t = now(fs);
    r = dir_remove(fs, w.dir, &dp, w.pos);
    if (r == 0) {
        if (dir) {
            dp.nlink--;
            ip.nlink = 0;
        } else {
            ip.nlink--;
        }
        dp.mtime = dp.ctime = t;
        ip.ctime = t;
        r = iwrite(fs, w.dir, &dp);
    }
    if (r == 0)
        r = drop_in_op(fs, w.ino, &ip);
    op_end(fs);
    if (r == 1)
        r = reclaim(fs, w.ino);
    return r;
}

int dfs_unlink(struct dfs *fs, const char *path)
{
    return do_remove(fs, path, false);
}

int dfs_rmdir(struct dfs *fs, const char *path)
{
    return do_remove(fs, path, true);
}

int dfs_link(struct dfs *fs, const char *oldpath, const char *newpath)
{
    if (fs->err)
        return fs->err;
    struct walk wo, wn;
    int r = walk(fs, oldpath, false, &wo);
    if (r < 0)
        return r;
    if ((r = walk(fs, newpath, true, &wn)) < 0)
        return r;
    struct dfs_dinode ip, dp;
    if ((r = iget(fs, wo.ino, &ip)) < 0)
        return r;
    if (DFS_S_ISDIR(ip.mode))
        return -DFS_EPERM;
    if (wn.namelen == 0 || wn.dot || wn.ino)
        return -DFS_EEXIST;
    if (wn.slash)
        return -DFS_ENOENT;
    if (ip.nlink >= DFS_LINK_MAX)
        return -DFS_EMLINK;
    if ((r = iget(fs, wn.dir, &dp)) < 0)
        return r;
    if (!permitted(fs, &dp, P_W | P_X))
        return -DFS_EACCES;
    if (dp.nlink == 0)
        return -DFS_ENOENT;
    if ((r = op_begin(fs, RES_CREATE)) < 0)
        return r;
    int64_t t = now(fs);
    r = dir_add(fs, wn.dir, &dp, &wn.free_slot, wn.name, wn.namelen, wo.ino, 1);
    if (r == 0) {
        dp.mtime = dp.ctime = t;
        r = iwrite(fs, wn.dir, &dp);
    }
    if (r == 0) {
        ip.nlink++;
        ip.ctime = t;
        r = iwrite(fs, wo.ino, &ip);
    }
    op_end(fs);
    return r;
}

int dfs_rename(struct dfs *fs, const char *oldpath, const char *newpath)
{
    if (fs->err)
        return fs->err;
    struct walk wo, wn;
    int r = walk(fs, oldpath, true, &wo);
    if (r < 0)
        return r;
    if ((r = walk(fs, newpath, true, &wn)) < 0)
        return r;
    if (wo.namelen == 0 || wn.namelen == 0)
        return -DFS_EBUSY;
    if (wo.dot || wn.dot)
        return -DFS_EINVAL;
    if (!wo.ino)
        return -DFS_ENOENT;
    struct dfs_dinode od, nd, ip, victim;
    if ((r = iget(fs, wo.dir, &od)) < 0 || (r = iget(fs, wn.dir, &nd)) < 0 ||
        (r = iget(fs, wo.ino, &ip)) < 0)
        return r;
    if (!permitted(fs, &od, P_W | P_X) || !permitted(fs, &nd, P_W | P_X))
        return -DFS_EACCES;
    bool isdir = DFS_S_ISDIR(ip.mode);
    if ((wo.slash || wn.slash) && !isdir)
        return -DFS_ENOTDIR;
    if (wn.ino == wo.ino)
        return 0;
    if (wn.ino && (r = iget(fs, wn.ino, &victim)) < 0)
        return r;
    if (isdir) {
        if (wn.ino) {
            if (!DFS_S_ISDIR(victim.mode))
                return -DFS_ENOTDIR;
            if ((r = dir_empty(fs, &victim)) <= 0)
                return r < 0 ? r : -DFS_ENOTEMPTY;
        }
        /* The new parent must not be the directory or below it. */
        uint32_t cur = wn.dir;
        for (uint32_t n = 0; n <= fs->sb.ninodes; n++) {
            if (cur == wo.ino)
                return -DFS_EINVAL;
            if (cur == fs->sb.root)
                break;
            struct dfs_dinode c;
            if ((r = iget(fs, cur, &c)) < 0)
                return r;
            cur = c.parent;
        }
        if (wn.dir != wo.dir && !wn.ino && nd.nlink >= DFS_LINK_MAX)
            return -DFS_EMLINK;
    } else if (wn.ino && DFS_S_ISDIR(victim.mode)) {
        return -DFS_EISDIR;
    }
    if (nd.nlink == 0)
        return -DFS_ENOENT;
    if ((r = op_begin(fs, RES_RENAME)) < 0)
        return r;
    bool same = wo.dir == wn.dir;
    struct dfs_dinode *ndp = same ? &od : &nd;
    int64_t t = now(fs);
    int type = isdir ? 2 : 1;
    if (wn.ino) {
        /* Point the existing entry at the moved inode. */
        struct dfs_buf *b;
        r = dir_block(fs, ndp, wn.pos / DFS_DPB, &b);
        if (r == 0) {
            struct dfs_ddirent *e = (void *)(b->data + (wn.pos % DFS_DPB) * DFS_DIRENT);
            e->ino = wo.ino;
            e->type = (uint8_t)type;
            r = log_write(fs, b);
            brelse(b);
        }
    } else {
        r = dir_add(fs, wn.dir, ndp, &wn.free_slot, wn.name, wn.namelen, wo.ino, type);
    }
    if (r < 0)
        goto out;
    if ((r = dir_remove(fs, wo.dir, &od, wo.pos)) < 0)
        goto out;
    if (isdir && !same) {
        ip.parent = wn.dir;
        od.nlink--;
        if (!wn.ino)
            nd.nlink++;
    }
    if (wn.ino) {
        if (DFS_S_ISDIR(victim.mode)) {
            victim.nlink = 0;
            if (same || !isdir)
                ndp->nlink--; /* lost a subdirectory (a moved one took its place above) */
        } else {
            victim.nlink--;
        }
        victim.ctime = t;
    }
    od.mtime = od.ctime = t;
    ndp->mtime = ndp->ctime = t;
    ip.ctime = t;
    if ((r = iwrite(fs, wo.dir, &od)) < 0)
        goto out;
    if (!same && (r = iwrite(fs, wn.dir, &nd)) < 0)
        goto out;
    if ((r = iwrite(fs, wo.ino, &ip)) < 0)
        goto out;
    if (wn.ino)
        r = drop_in_op(fs, wn.ino, &victim);
out:
    op_end(fs);
    if (r == 1)
        r = reclaim(fs, wn.ino);
    return r;
}

int dfs_stat(struct dfs *fs, uint32_t ino, struct dfs_stat *st)
{
    if (fs->err)
        return fs->err;
    struct dfs_dinode ip;
    int r = iget(fs, ino, &ip);
    if (r < 0)
        return r;
    st->ino = ino;
    st->mode = ip.mode;
    st->nlink = ip.nlink;
    st->uid = ip.uid;
    st->gid = ip.gid;
    st->size = ip.size;
    st->blocks = ip.blocks;
    st->atime = ip.atime;
    st->mtime = ip.mtime;
    st->ctime = ip.ctime;
    return 0;
}

/* Changes one live inode in an operation of its own. */
static int setattr(struct dfs *fs, uint32_t ino, int what, uint32_t a, uint32_t b, int64_t t1,
                   int64_t t2)
{
    if (fs->err)
        return fs->err;
    struct dfs_dinode ip;
    int r = iget(fs, ino, &ip);
    if (r < 0)
        return r;
    bool owner = fs->cred.uid == 0 || fs->cred.uid == ip.uid;
    if (what == 0) { /* chmod */
        if (!owner)
            return -DFS_EPERM;
        ip.mode = (uint16_t)((ip.mode & DFS_S_IFMT) | (a & 07777));
    } else if (what == 1) { /* chown */
        if (fs->cred.uid != 0)
            return -DFS_EPERM;
        ip.uid = a;
        ip.gid = b;
    } else { /* utimes */
        if (!owner)
            return -DFS_EPERM;
        ip.atime = t1;
        ip.mtime = t2;
    }
    ip.ctime = now(fs);
    if ((r = op_begin(fs, RES_SMALL)) < 0)
        return r;
    r = iwrite(fs, ino, &ip);
    op_end(fs);
    return r;
}

int dfs_chmod(struct dfs *fs, uint32_t ino, uint32_t mode)
{
    return setattr(fs, ino, 0, mode, 0, 0, 0);
}

int dfs_chown(struct dfs *fs, uint32_t ino, uint32_t uid, uint32_t gid)
{
    return setattr(fs, ino, 1, uid, gid, 0, 0);
}

int dfs_utimes(struct dfs *fs, uint32_t ino, int64_t atime, int64_t mtime)
{
    return setattr(fs, ino, 2, 0, 0, atime, mtime);
}

int dfs_readdir(struct dfs *fs, uint32_t dir, uint64_t *pos, struct dfs_dirent *out)
{
    if (fs->err)
        return fs->err;
    struct dfs_dinode dp;
    int r = iget(fs, dir, &dp);
    if (r < 0)
        return r;
    if (!DFS_S_ISDIR(dp.mode))
        return -DFS_ENOTDIR;
    if (*pos < 2) {
        out->ino = *pos == 0 ? dir : dp.parent;
        out->type = 2;
        out->name[0] = '.';
        out->name[1] = *pos == 0 ? 0 : '.';
        out->name[2] = 0;
        (*pos)++;
        return 1;
    }
    uint64_t nslots = dp.size / DFS_BSIZE * DFS_DPB;
    for (uint64_t p = *pos - 2; p < nslots;) {
        struct dfs_buf *b;
        if ((r = dir_block(fs, &dp, p / DFS_DPB, &b)) < 0)
            return r;
        for (uint64_t s = p % DFS_DPB; s < DFS_DPB; s++, p++) {
            const struct dfs_ddirent *e = (const void *)(b->data + s * DFS_DIRENT);
            if (!e->ino)
                continue;
            out->ino = e->ino;
            out->type = e->type;
            memcpy(out->name, e->name, e->namelen);
            out->name[e->namelen] = 0;
            brelse(b);
            *pos = p + 3;
            return 1;
        }
        brelse(b);
    }
    *pos = nslots + 2;
    return 0;
}

/* Read-ahead: file block fb (at disk block bno, not cached) and the
 * blocks after it that follow it on disk and are not cached, up to
 * DFS_STAGE of them below eof, in one request. */
static int readahead(struct dfs *fs, struct dfs_dinode *ip, uint64_t fb, uint32_t bno, uint64_t eof)
{
    uint32_t k = 1;
    while (k < DFS_STAGE && fb + k < eof && bno + k < fs->sb.nblocks && !cached(fs, bno + k)) {
        uint32_t nb;
        if (bmap(fs, ip, fb + k, false, &nb, NULL) < 0 || nb != bno + k)
            break;
        k++;
    }
    if (k == 1)
        return 0;
    fs->stats.reads += k;
    fs->stats.readahead += k - 1;
    if (fs->dev.readv) { /* straight into the slots' pages */
        struct dfs_buf *bs[DFS_STAGE];
        void *pages[DFS_STAGE];
        uint32_t got = 0;
        int r = 0;
        for (; got < k; got++) {
            if ((r = bget_mode(fs, bno + got, GET_RAW, &bs[got])) < 0)
                break;
            pages[got] = bs[got]->data;
        }
        if (r == 0 && fs->dev.readv(fs->dev.ctx, bno, k, pages) < 0)
            r = -DFS_EIO;
        for (uint32_t j = 0; j < got; j++) {
            if (r < 0)
                unhash(fs, bs[j]); /* never filled: forget it */
            brelse(bs[j]);
        }
        return r;
    }
    if (fs->dev.read(fs->dev.ctx, bno, k, fs->stage) < 0)
        return -DFS_EIO;
    for (uint32_t j = 0; j < k; j++) {
        struct dfs_buf *b;
        int r = bget(fs, bno + j, true, &b); /* a fresh slot: no read */
        if (r < 0)
            return r;
        memcpy(b->data, fs->stage + (size_t)j * DFS_BSIZE, DFS_BSIZE);
        brelse(b);
    }
    return 0;
}

/* relatime: the access time moves only if it is older than the last
 * change, or a day old, so reads rarely cost a journal write. */
static void read_atime(struct dfs *fs, uint32_t ino, struct dfs_dinode *ip)
{
    int64_t t = now(fs);
    if (ip->atime <= ip->mtime || ip->atime <= ip->ctime || t - ip->atime > 86400ll * 1000000000) {
        if (op_begin(fs, RES_SMALL) == 0) {
            ip->atime = t;
            iwrite(fs, ino, ip);
            op_end(fs);
        }
    }
}

int64_t dfs_read(struct dfs *fs, uint32_t ino, uint64_t off, void *buf, uint64_t len)
{
    if (fs->err)
        return fs->err;
    struct dfs_dinode ip;
    int r = iget(fs, ino, &ip);
    if (r < 0)
        return r;
    if (DFS_S_ISDIR(ip.mode))
        return -DFS_EISDIR;
    if (off >= ip.size)
        return 0;
    if (len > ip.size - off)
        len = ip.size - off;
    if (len > INT64_MAX)
        len = INT64_MAX;
    uint64_t done = 0;
    while (done < len) {
        uint64_t o = off + done;
        uint32_t bo = (uint32_t)(o % DFS_BSIZE);
        uint64_t n = DFS_BSIZE - bo;
        if (n > len - done)
            n = len - done;
        uint32_t bno;
        if ((r = bmap(fs, &ip, o / DFS_BSIZE, false, &bno, NULL)) < 0)
            return r;
        if (!bno) {
            memset((uint8_t *)buf + done, 0, n);
        } else {
            struct dfs_buf *b;
            /* Sequential: this call reads several blocks, or the last call
             * on this inode ended just before. */
            uint64_t fb = o / DFS_BSIZE;
            bool seq = len - done > n || (fs->ra_ino == ino && fs->ra_next == fb);
            if (seq && !cached(fs, bno) &&
                (r = readahead(fs, &ip, fb, bno, (ip.size + DFS_BSIZE - 1) / DFS_BSIZE)) < 0)
                return r;
            fs->ra_ino = ino;
            fs->ra_next = fb + 1;
            if ((r = bread(fs, bno, &b)) < 0)
                return r;
            memcpy((uint8_t *)buf + done, b->data + bo, n);
            brelse(b);
        }
        done += n;
    }
    read_atime(fs, ino, &ip);
    return (int64_t)done;
}

int64_t dfs_read_map(struct dfs *fs, uint32_t ino, uint64_t off, uint64_t len,
                     struct dfs_extent *out, uint32_t max)
{
    if (fs->err)
        return fs->err;
    if (!fs->hooks.gen || !out)
        return -DFS_EINVAL;
    struct dfs_dinode ip;
    int r = iget(fs, ino, &ip);
    if (r < 0)
        return r;
    if (DFS_S_ISDIR(ip.mode))
        return -DFS_EISDIR;
    if (off >= ip.size)
        return 0;
    if (len > ip.size - off)
        len = ip.size - off;
    uint64_t done = 0;
    for (uint32_t x = 0; x < max && done < len; x++) {
        uint64_t o = off + done;
        uint32_t bo = (uint32_t)(o % DFS_BSIZE);
        uint64_t n = DFS_BSIZE - bo;
        if (n > len - done)
            n = len - done;
        uint32_t bno;
        if ((r = bmap(fs, &ip, o / DFS_BSIZE, false, &bno, NULL)) < 0)
            return r;
        out[x] = (struct dfs_extent){.page = DFS_MAP_HOLE, .off = (uint16_t)bo, .len = (uint16_t)n};
        if (bno) {
            struct dfs_buf *b;
            uint64_t fb = o / DFS_BSIZE;
            bool seq = len - done > n || (fs->ra_ino == ino && fs->ra_next == fb);
            if (seq && !cached(fs, bno) &&
                (r = readahead(fs, &ip, fb, bno, (ip.size + DFS_BSIZE - 1) / DFS_BSIZE)) < 0)
                return r;
            fs->ra_ino = ino;
            fs->ra_next = fb + 1;
            if ((r = bread(fs, bno, &b)) < 0)
                return r;
            size_t pg = (size_t)(b->data - (uint8_t *)fs->mem) / DFS_BSIZE;
            brelse(b);
            if (b->data < (uint8_t *)fs->mem || pg >= fs->ngen)
                return -DFS_EINVAL; /* a page given by dfs_cache_give: no counter */
            out[x].page = (uint32_t)pg;
            out[x].gen = fs->hooks.gen[pg];
        }
        done += n;
    }
    read_atime(fs, ino, &ip);
    return (int64_t)done;
}

/* Blocks one write step may fill: it needs twice that (data and, at
 * worst, an index or bitmap block for each) plus the inode's path. */
static uint32_t write_chunk(struct dfs *fs)
{
    uint32_t k = (fs->txn_cap - 16) / 2;
    return k > 64 ? 64 : k;
}

int64_t dfs_write(struct dfs *fs, uint32_t ino, uint64_t off, const void *buf, uint64_t len)
{
    if (fs->err)
        return fs->err;
    struct dfs_dinode ip;
    int r = iget(fs, ino, &ip);
    if (r < 0)
        return r;
    if (DFS_S_ISDIR(ip.mode))
        return -DFS_EISDIR;
    if (len == 0)
        return 0;
    if (off >= DFS_MAX_FILE)
        return -DFS_EFBIG;
    if (len > DFS_MAX_FILE - off)
        len = DFS_MAX_FILE - off;
    if (len > INT64_MAX)
        len = INT64_MAX;
    uint64_t done = 0;
    uint32_t chunk = write_chunk(fs);
    while (done < len) {
        /* Reserve for the blocks this step touches, not a whole chunk: a
         * small write joins the running transaction instead of forcing a
         * commit. */
        uint64_t first = (off + done) / DFS_BSIZE, last = (off + len - 1) / DFS_BSIZE;
        uint32_t k = last - first + 1 < chunk ? (uint32_t)(last - first + 1) : chunk;
        if ((r = op_begin(fs, 2 * k + 16)) < 0)
            break;
        if ((r = iget(fs, ino, &ip)) < 0) {
            op_end(fs);
            break;
        }
        for (uint32_t k = 0; k < chunk && done < len; k++) {
            uint64_t o = off + done;
            uint32_t bo = (uint32_t)(o % DFS_BSIZE);
            uint64_t n = DFS_BSIZE - bo;
            if (n > len - done)
                n = len - done;
            uint32_t bno;
            bool fresh;
            if ((r = bmap(fs, &ip, o / DFS_BSIZE, true, &bno, &fresh)) < 0)
                break;
            struct dfs_buf *b;
            /* a whole block is neither read nor zeroed first */
            int mode = n == DFS_BSIZE ? GET_RAW : fresh ? GET_ZERO : GET_READ;
            if ((r = bget_mode(fs, bno, mode, &b)) < 0)
                break;
            uint64_t sum = 0;
            if (n == DFS_BSIZE)
                sum = dfs_copy_sum(b->data, (const uint8_t *)buf + done);
            else
                memcpy(b->data + bo, (const uint8_t *)buf + done, n);
            r = log_write(fs, b);
            if (r == 0 && n == DFS_BSIZE) {
                b->sum = sum; /* (no one else holds b: this is its contents) */
                b->flags |= B_SUM;
            }
            brelse(b);
            if (r < 0)
                break;
            done += n;
            if (off + done > ip.size)
                ip.size = off + done;
        }
        ip.mtime = ip.ctime = now(fs);
        int r2 = iwrite(fs, ino, &ip);
        op_end(fs);
        if (r2 < 0)
            return r2;
        if (r < 0)
            break;
    }
    if (done)
        return (int64_t)done;
    return r;
}

int dfs_truncate(struct dfs *fs, uint32_t ino, uint64_t size)
{
    if (fs->err)
        return fs->err;
    struct dfs_dinode ip;
    int r = iget(fs, ino, &ip);
    if (r < 0)
        return r;
    if (DFS_S_ISDIR(ip.mode))
        return -DFS_EISDIR;
    if (size > DFS_MAX_FILE)
        return -DFS_EFBIG;
    if ((r = op_begin(fs, RES_TRUNC)) < 0)
        return r;
    if (size < ip.size && size % DFS_BSIZE) {
        /* Zero the tail of the new last block: bytes past the end of file
         * are kept zero, so a later extension shows zeros. */
        uint32_t bno;
        if ((r = bmap(fs, &ip, size / DFS_BSIZE, false, &bno, NULL)) == 0 && bno) {
            struct dfs_buf *b;
            if ((r = bread(fs, bno, &b)) == 0) {
                memset(b->data + size % DFS_BSIZE, 0, DFS_BSIZE - size % DFS_BSIZE);
                r = log_write(fs, b);
                brelse(b);
            }
        }
        if (r < 0) {
            op_end(fs);
            return r;
        }
    }
    bool shrink = size < ip.size;
    ip.size = size;
    ip.mtime = ip.ctime = now(fs);
    int more = 0;
    if (shrink) {
        more = free_from(fs, &ip, (size + DFS_BSIZE - 1) / DFS_BSIZE);
        if (more == 0)
            more = orphan_add(fs, ino, &ip) < 0 ? -DFS_EIO : 1;
        else if (more == 1)
            more = 0;
    }
    r = more < 0 ? more : iwrite(fs, ino, &ip);
    op_end(fs);
    if (r == 0 && more == 1)
        r = reclaim(fs, ino);
    return r;
}

uint32_t dfs_free_blocks(struct dfs *fs)
{
    return fs->free_blocks;
}

uint32_t dfs_free_inodes(struct dfs *fs)
{
    return fs->free_inodes;
}

/* ------------------------------------------------------------------ */
/* Durability and memory.                                                */

int dfs_sync(struct dfs *fs)
{
    return commit(fs);
}

int dfs_fsync(struct dfs *fs, uint32_t ino)
{
    struct dfs_dinode ip;
    if (fs->err)
        return fs->err;
    int r = iget(fs, ino, &ip);
    if (r < 0)
        return r;
    return commit(fs);
}

static void set_cap(struct dfs *fs)
{
    uint32_t cap = fs->sb.log_blocks < DFS_LOG_MAX ? fs->sb.log_blocks : DFS_LOG_MAX;
    if (cap > fs->npages - CACHE_SLACK)
        cap = fs->npages - CACHE_SLACK;
    fs->txn_cap = cap;
    fs->op_limit = cap;
}

int dfs_autosave(struct dfs *fs, uint32_t n)
{
    int r = commit(fs);
    if (r < 0)
        return r;
    uint32_t given = 0;
    for (struct dfs_buf *b = fs->lru.prev; b != &fs->lru && given < n;) {
        struct dfs_buf *prev = b->prev;
        if (fs->npages <= DFS_CACHE_MIN)
            break;
        if (b->data && b->refs == 0 && !(b->flags & B_DIRTY)) {
            unhash(fs, b);
            gen_bump(fs, b);
            if (fs->hooks.release)
                fs->hooks.release(fs->hooks.ctx, b->data);
            b->data = NULL;
            fs->npages--;
            given++;
        }
        b = prev;
    }
    set_cap(fs);
    return (int)given;
}

int dfs_cache_give(struct dfs *fs, void *page)
{
    if (!page || ((uintptr_t)page & (DFS_BSIZE - 1)))
        return -DFS_EINVAL;
    for (uint32_t i = 0; i < fs->nbuf; i++) {
        struct dfs_buf *b = &fs->bufs[i];
        if (!b->data) {
            b->data = page;
            b->flags = 0;
            b->blockno = 0;
            fs->npages++;
            if (fs->ntxn == 0)
                set_cap(fs);
            return 0;
        }
    }
    return -DFS_ENOSPC;
}

/* ------------------------------------------------------------------ */
/* mkfs, mount, unmount.                                                 */

int dfs_mkfs(struct dfs_dev *dev, uint32_t ninodes, uint32_t log_blocks, int64_t t, void *buf)
{
    uint64_t nb = dev->nblocks;
    if (nb > 0xffffffffull)
        nb = 0xffffffffull;
    if (ninodes == 0) {
        uint64_t n = nb / 4;
        if (n > 0x7fffffe0ull)
            n = 0x7fffffe0ull;
        ninodes = (uint32_t)(n / DFS_IPB * DFS_IPB);
        if (ninodes < 64)
            ninodes = 64;
    }
    if (log_blocks == 0) {
        uint64_t l = nb / 64;
        log_blocks = l < 64 ? 64 : l > DFS_LOG_MAX ? DFS_LOG_MAX : (uint32_t)l;
    }
    struct dfs_super sb;
    int r = layout(&sb, nb, ninodes, log_blocks);
    if (r < 0)
        return r;
    sb.mkfs_time = t;
    uint8_t *p = buf;
    /* Journal header: empty. */
    memset(p, 0, DFS_BSIZE);
    memcpy(p, "SPNLLOG1", 8);
    if ((r = dev->write(dev->ctx, sb.log_start, 1, p)) < 0)
        return -DFS_EIO;
    /* Inode bitmap: inode 0 (never used) and the root; bits past the end. */
    for (uint32_t k = 0; k < sb.ibmap_blocks; k++) {
        memset(p, 0, DFS_BSIZE);
        for (uint64_t i = (uint64_t)k * BITS_PER_BLOCK; i < (uint64_t)(k + 1) * BITS_PER_BLOCK; i++)
            if (i <= 1 || i >= ninodes)
                p[(i % BITS_PER_BLOCK) / 8] |= (uint8_t)(1u << (i % 8));
        if ((r = dev->write(dev->ctx, sb.ibmap_start + k, 1, p)) < 0)
            return -DFS_EIO;
    }
    /* Block bitmap: the metadata and bits past the end. */
    for (uint32_t k = 0; k < sb.bbmap_blocks; k++) {
        memset(p, 0, DFS_BSIZE);
        for (uint64_t i = (uint64_t)k * BITS_PER_BLOCK; i < (uint64_t)(k + 1) * BITS_PER_BLOCK; i++)
            if (i < sb.data_start || i >= nb)
                p[(i % BITS_PER_BLOCK) / 8] |= (uint8_t)(1u << (i % 8));
        if ((r = dev->write(dev->ctx, sb.bbmap_start + k, 1, p)) < 0)
            return -DFS_EIO;
    }
    /* Inode table: zeros, then the root. */
    memset(p, 0, DFS_BSIZE);
    for (uint32_t k = 1; k < sb.itable_blocks; k++)
        if ((r = dev->write(dev->ctx, sb.itable_start + k, 1, p)) < 0)
            return -DFS_EIO;
    struct dfs_dinode *root = (struct dfs_dinode *)p + 1;
    root->mode = DFS_S_IFDIR | 0755;
    root->nlink = 2;
    root->parent = 1;
    root->atime = root->mtime = root->ctime = t;
    root->gen = 1;
    if ((r = dev->write(dev->ctx, sb.itable_start, 1, p)) < 0)
        return -DFS_EIO;
    if (dev->flush(dev->ctx) < 0)
        return -DFS_EIO;
    /* The superblock last: an interrupted mkfs leaves no file system. */
    memset(p, 0, DFS_BSIZE);
    sb.csum = sb_csum(&sb);
    memcpy(p, &sb, sizeof sb);
    if ((r = dev->write(dev->ctx, 0, 1, p)) < 0)
        return -DFS_EIO;
    return dev->flush(dev->ctx) < 0 ? -DFS_EIO : 0;
}

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

size_t dfs_cache_bytes(uint32_t nbuf)
{
    /* nbuf pages, the journal header page, a scratch page and the staging
     * pages, then the slots, the hash heads, the transaction list and its
     * sorted copy, and the directory index (two entries per buffer). */
    return (size_t)(nbuf + 2 + DFS_STAGE) * DFS_BSIZE + align8(nbuf * sizeof(struct dfs_buf)) +
           align8(pow2_at_least(nbuf) * sizeof(struct dfs_buf *)) +
           2 * align8(nbuf * sizeof(struct dfs_buf *)) +
           align8(2 * pow2_at_least(nbuf) * sizeof(struct dfs_dix));
}

int dfs_mount(struct dfs *fs, const struct dfs_dev *dev, const struct dfs_hooks *hooks, void *mem,
              size_t len)
{
    memset(fs, 0, sizeof *fs);
    fs->dev = *dev;
    if (hooks)
        fs->hooks = *hooks;
    if (!mem || ((uintptr_t)mem & (DFS_BSIZE - 1)))
        return -DFS_EINVAL;
    uint32_t nbuf = DFS_CACHE_MIN;
    if (dfs_cache_bytes(nbuf) > len)
        return -DFS_ENOMEM;
    while (nbuf < (1u << 24) && dfs_cache_bytes(nbuf + 1) <= len)
        nbuf++;
    uint8_t *p = mem;
    uint8_t *pages = p;
    fs->mem = mem;
    fs->hdr = p + (size_t)nbuf * DFS_BSIZE;
    uint8_t *scratch = p + (size_t)(nbuf + 1) * DFS_BSIZE;
    fs->stage = p + (size_t)(nbuf + 2) * DFS_BSIZE;
    p += (size_t)(nbuf + 2 + DFS_STAGE) * DFS_BSIZE;
    fs->bufs = (struct dfs_buf *)p;
    p += align8(nbuf * sizeof(struct dfs_buf));
    fs->nhash = pow2_at_least(nbuf);
    fs->hash = (struct dfs_buf **)p;
    p += align8(fs->nhash * sizeof(struct dfs_buf *));
    fs->txn = (struct dfs_buf **)p;
    p += align8(nbuf * sizeof(struct dfs_buf *));
    fs->sorted = (struct dfs_buf **)p;
    p += align8(nbuf * sizeof(struct dfs_buf *));
    fs->dix = (struct dfs_dix *)p;
    fs->ndix = 2 * pow2_at_least(nbuf);
    memset(fs->dix, 0, fs->ndix * sizeof(struct dfs_dix));
    fs->nbuf = nbuf;
    fs->npages = nbuf;
    fs->ngen = (uint32_t)(len / DFS_BSIZE < (1u << 24) ? len / DFS_BSIZE : (1u << 24));
    /* Every page is about to hold something else than before. */
    for (uint32_t i = 0; fs->hooks.gen && i < fs->ngen; i++)
        fs->hooks.gen[i]++;
    memset(fs->bufs, 0, nbuf * sizeof(struct dfs_buf));
    memset(fs->hash, 0, fs->nhash * sizeof(struct dfs_buf *));
    fs->lru.next = fs->lru.prev = &fs->lru;
    for (uint32_t i = 0; i < nbuf; i++) {
        fs->bufs[i].data = pages + (size_t)i * DFS_BSIZE;
        lru_front(fs, &fs->bufs[i]);
    }
    /* The superblock. */
    int r = dev_read(fs, 0, scratch);
    if (r < 0)
        return r;
    struct dfs_super sb, want;
    memcpy(&sb, scratch, sizeof sb);
    if (memcmp(sb.magic, "SPNLDFS1", 8) != 0 || sb.version != 1 || sb.block_size != DFS_BSIZE ||
        sb.csum != sb_csum(&sb) || sb.nblocks > dev->nblocks ||
        layout(&want, sb.nblocks, sb.ninodes, sb.log_blocks) < 0 ||
        want.data_start != sb.data_start || want.itable_start != sb.itable_start || sb.root != 1 ||
        sb.orphan_head >= sb.ninodes)
        return -DFS_EINVAL;
    fs->sb = sb;
    set_cap(fs);
    if ((r = replay(fs, fs->hdr, scratch)) < 0)
        return r;
    /* The superblock again: replay may have changed it (orphan list). */
    if ((r = dev_read(fs, 0, scratch)) < 0)
        return r;
    memcpy(&sb, scratch, sizeof sb);
    if (sb.csum != sb_csum(&sb) || sb.orphan_head >= sb.ninodes)
        return -DFS_EIO;
    fs->sb = sb;
    if ((r = count_free(fs, sb.bbmap_start, sb.bbmap_blocks, sb.nblocks, &fs->free_blocks)) < 0 ||
        (r = count_free(fs, sb.ibmap_start, sb.ibmap_blocks, sb.ninodes, &fs->free_inodes)) < 0)
        return r;
    fs->bhint = sb.data_start;
    fs->ihint = 2;
    /* Finish what the orphan list names: nothing is open now. */
    for (uint32_t n = 0; fs->sb.orphan_head && n < sb.ninodes; n++)
        if ((r = reclaim(fs, fs->sb.orphan_head)) < 0)
            return r;
    if (fs->sb.orphan_head)
        return -DFS_EIO;
    return commit(fs);
}

int dfs_unmount(struct dfs *fs, bool force)
{
    if (fs->nopen && !force)
        return -DFS_EBUSY;
    int r = commit(fs);
    fs->nopen = 0;
    if (r < 0 || fs->stats.commits == 0)
        return r;
    /* Everything is home: empty the journal, so the next mount has nothing
     * to replay (replaying it would be harmless, only slower). */
    struct dfs_loghdr *h = hdr_page(fs);
    memset(h, 0, DFS_BSIZE);
    memcpy(h->magic, "SPNLLOG1", 8);
    h->seq = fs->seq - 1;
    if ((r = dev_write(fs, fs->sb.log_start, h)) < 0)
        return r;
    return dev_flush(fs);
}
