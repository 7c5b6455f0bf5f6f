/*
 * check.c - dfs_check: every invariant of an unmounted image (fsck).
 *
 * Reads only.  A committed transaction still in the journal is checked as
 * if it had been replayed: reads of its home blocks come from the journal.
 * Two passes over the inode table: the first walks every live inode's
 * block tree (marking blocks used, catching blocks out of range, used
 * twice, past the end of file), the second reads every directory's
 * entries (counting links, checking names, types and parents).  Then
 * link counts, reachability, the orphan list and both bitmaps are
 * compared with what the passes found.
 */
#include <stdarg.h>

#include "diskfs.h"
#include "diskfs_env.h"

#define IF_ORPHAN 0x1
#define BPB       (DFS_BSIZE * 8)
#define DUP_MAX   16384 /* entries per directory checked for duplicate names */

/* per-inode flags */
#define F_LIVE   0x1
#define F_DIR    0x2
#define F_ORPHAN 0x4 /* IF_ORPHAN set */
#define F_LISTED 0x8 /* found on the orphan list */

struct ck {
    const struct dfs_dev *dev;
    struct dfs_super sb;
    struct dfs_check *out;
    void (*report)(void *ctx, const char *line);
    void *ctx;
    struct dfs_loghdr *hdr; /* overlay when log_state == 1 */
    uint8_t *page, *lvl[4], *leaf;
    uint8_t *used;      /* block bitmap built from the trees */
    uint8_t *flags;     /* F_* per inode */
    uint16_t *nlink;    /* per inode */
    uint32_t *links;    /* directory entries naming each inode */
    uint32_t *dparent;  /* directories: the directory whose entry names it */
    uint32_t *parent;   /* directories: the parent field */
    uint32_t *dup_hash; /* hashes of the current directory's entries */
    uint64_t *dup_pos;
    uint32_t *dup_blk;
    uint32_t ndup;
};

/* Minimal formatter: %s, %u (uint32_t), %llu (uint64_t). */
static void ck_err(struct ck *ck, const char *fmt, ...)
{
    char line[160];
    size_t n = 0;
    va_list ap;
    va_start(ap, fmt);
    for (const char *f = fmt; *f && n + 1 < sizeof line; f++) {
        if (*f != '%') {
            line[n++] = *f;
            continue;
        }
        char num[24];
        const char *s = num;
        if (f[1] == 's') {
            s = va_arg(ap, const char *);
            f++;
        } else {
            unsigned long long v;
            if (f[1] == 'l') {
                v = va_arg(ap, unsigned long long);
                f += 3;
            } else {
                v = va_arg(ap, unsigned);
                f++;
            }
            int k = 23;
            num[k] = 0;
            do {
                num[--k] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            s = num + k;
        }
        while (*s && n + 1 < sizeof line)
            line[n++] = *s++;
    }
    va_end(ap);
    line[n] = 0;
    if (ck->out->errors == 0)
        memcpy(ck->out->first, line, n + 1);
    ck->out->errors++;
    if (ck->report)
        ck->report(ck->ctx, line);
}

static int raw_read(struct ck *ck, uint32_t b, void *buf)
{
    return ck->dev->read(ck->dev->ctx, b, 1, buf) < 0 ? -DFS_EIO : 0;
}

/* Reads block b as it will be after the journal's replay. */
static int ck_read(struct ck *ck, uint32_t b, void *buf)
{
    if (ck->out->log_state == 1)
        for (uint32_t i = ck->hdr->n; i-- > 0;)
            if (ck->hdr->home[i] == b)
                return raw_read(ck, ck->sb.log_start + 1 + i, buf);
    return raw_read(ck, b, buf);
}

static bool bit(const uint8_t *m, uint64_t i)
{
    return (m[i / 8] >> (i % 8)) & 1;
}

/* Reads the journal header and decides what replay would do. */
static int check_log(struct ck *ck)
{
    struct dfs_loghdr *h = ck->hdr;
    int r = raw_read(ck, ck->sb.log_start, h);
    if (r < 0)
        return r;
    ck->out->log_state = 0;
    if (memcmp(h->magic, "SPNLLOG1", 8) != 0) {
        ck_err(ck, "journal: bad header magic");
        return 0;
    }
    if (h->n == 0)
        return 0;
    if (h->n > ck->sb.log_blocks || h->n > DFS_LOG_MAX) {
        ck->out->log_state = 2;
        return 0;
    }
    /* (dfs_log_sum over the blocks; journals written before it: dfs_log_sum1,
     * or CRC32C) */
    uint32_t c[3];
    c[0] = dfs_crc32c(0, &h->seq, 8);
    c[0] = dfs_crc32c(c[0], &h->n, 4);
    c[0] = dfs_crc32c(c[0], h->home, 4 * (size_t)h->n);
    c[1] = c[2] = c[0];
    for (uint32_t i = 0; i < h->n; i++) {
        if ((r = raw_read(ck, ck->sb.log_start + 1 + i, ck->page)) < 0)
            return r;
        c[0] = dfs_log_sum(c[0], ck->page);
        c[1] = dfs_log_sum1(c[1], ck->page);
        c[2] = dfs_crc32c(c[2], ck->page, DFS_BSIZE);
    }
    bool ok = c[0] == h->csum || c[1] == h->csum || c[2] == h->csum;
    if (!ok) {
        ck->out->log_state = 2; /* torn: mount ignores it */
        return 0;
    }
    for (uint32_t i = 0; i < h->n; i++) {
        uint32_t b = h->home[i];
        if (b >= ck->sb.nblocks ||
            (b >= ck->sb.log_start && b <= ck->sb.log_start + ck->sb.log_blocks)) {
            ck_err(ck, "journal: entry %u has home %u outside the file system", i, b);
            return 0;
        }
    }
    ck->out->log_state = 1;
    ck->out->log_n = h->n;
    return 0;
}

/* ---- block trees ---- */

struct tree {
    uint32_t ino;
    bool pass2;
    bool dir, orphan;
    uint64_t eof_blocks; /* file blocks below the end of file */
    uint64_t count;      /* blocks in the tree (pass 1) */
    uint64_t below;      /* data blocks below the end (pass 1) */
    uint32_t subdirs;    /* pass 2 */
};

static void dir_block(struct ck *ck, struct tree *t, uint32_t b, uint64_t fb);

static void tree(struct ck *ck, struct tree *t, uint32_t b, int depth, uint64_t base)
{
    if (!b)
        return;
    if (b < ck->sb.data_start || b >= ck->sb.nblocks) {
        if (!t->pass2)
            ck_err(ck, "inode %u: block %u out of range", t->ino, b);
        return;
    }
    if (!t->pass2) {
        if (bit(ck->used, b)) {
            ck_err(ck, "inode %u: block %u used twice", t->ino, b);
            return;
        }
        ck->used[b / 8] |= (uint8_t)(1u << (b % 8));
        t->count++;
    }
    if (depth == 0) {
        if (t->pass2) {
            if (base < t->eof_blocks)
                dir_block(ck, t, b, base);
        } else if (base < t->eof_blocks) {
            t->below++;
        } else if (!t->orphan) {
            ck_err(ck, "inode %u: data block %u past the end of file (file block %llu)", t->ino, b,
                   (unsigned long long)base);
        }
        return;
    }
    if (ck_read(ck, b, ck->lvl[depth]) < 0) {
        ck_err(ck, "inode %u: cannot read index block %u", t->ino, b);
        return;
    }
    const uint32_t *arr = (const uint32_t *)ck->lvl[depth];
    uint64_t span = 1ull << (10 * (depth - 1));
    for (uint32_t i = 0; i < DFS_BSIZE / 4; i++)
        if (arr[i])
            tree(ck, t, arr[i], depth - 1, base + i * span);
}

static void walk_inode(struct ck *ck, struct tree *t, const struct dfs_dinode *ip)
{
    const uint64_t b1 = DFS_NDIRECT, b2 = b1 + 1024, b3 = b2 + 1024ull * 1024;
    for (int i = 0; i < DFS_NDIRECT; i++)
        tree(ck, t, ip->addr[i], 0, (uint64_t)i);
    tree(ck, t, ip->ind, 1, b1);
    tree(ck, t, ip->dind, 2, b2);
    tree(ck, t, ip->tind, 3, b3);
}

/* Pass 2: the entries of one directory block. */
static void dir_block(struct ck *ck, struct tree *t, uint32_t b, uint64_t fb)
{
    if (ck_read(ck, b, ck->leaf) < 0) {
        ck_err(ck, "directory %u: cannot read block %u", t->ino, b);
        return;
    }
    for (int s = 0; s < DFS_DPB; s++) {
        const struct dfs_ddirent *e = (const void *)(ck->leaf + s * DFS_DIRENT);
        if (!e->ino)
            continue;
        uint64_t pos = fb * DFS_DPB + (uint64_t)s;
        if (t->orphan)
            ck_err(ck, "removed directory %u still has entries", t->ino);
        if (e->ino >= ck->sb.ninodes || !(ck->flags[e->ino] & F_LIVE)) {
            ck_err(ck, "directory %u: entry %llu names free inode %u", t->ino,
                   (unsigned long long)pos, e->ino);
            continue;
        }
        bool bad = e->namelen == 0 || (e->namelen == 1 && e->name[0] == '.') ||
                   (e->namelen == 2 && e->name[0] == '.' && e->name[1] == '.');
        for (int i = 0; i < e->namelen; i++)
            if (e->name[i] == '/' || e->name[i] == 0)
                bad = true;
        if (bad)
            ck_err(ck, "directory %u: entry %llu has a bad name", t->ino, (unsigned long long)pos);
        else if (e->hash != dfs_name_hash(e->name, e->namelen))
            ck_err(ck, "directory %u: entry %llu has a wrong hash", t->ino,
                   (unsigned long long)pos);
        bool cdir = ck->flags[e->ino] & F_DIR;
        if (e->type != (cdir ? 2 : 1))
            ck_err(ck, "directory %u: entry %llu has type %u, inode %u is not", t->ino,
                   (unsigned long long)pos, e->type, e->ino);
        if (e->ino == ck->sb.root)
            ck_err(ck, "directory %u: entry %llu names the root", t->ino, (unsigned long long)pos);
        ck->links[e->ino]++;
        if (cdir) {
            t->subdirs++;
            if (ck->dparent[e->ino])
                ck_err(ck, "directory %u is named twice (in %u and %u)", e->ino,
                       ck->dparent[e->ino], t->ino);
            else
                ck->dparent[e->ino] = t->ino;
        }
        /* Duplicate names: same hash, then the name (the earlier entry may
         * be in another block: read it again). */
        for (uint32_t i = 0; !bad && i < ck->ndup; i++) {
            if (ck->dup_hash[i] != e->hash)
                continue;
            uint64_t p = ck->dup_pos[i];
            const uint8_t *blk = ck->leaf;
            if (p / DFS_DPB != fb) {
                if (ck_read(ck, ck->dup_blk[i], ck->page) < 0)
                    continue;
                blk = ck->page;
            }
            const struct dfs_ddirent *o = (const void *)(blk + (p % DFS_DPB) * DFS_DIRENT);
            if (o->namelen == e->namelen && memcmp(o->name, e->name, e->namelen) == 0)
                ck_err(ck, "directory %u: entries %llu and %llu have the same name", t->ino,
                       (unsigned long long)p, (unsigned long long)pos);
        }
        if (ck->ndup < DUP_MAX) {
            ck->dup_hash[ck->ndup] = e->hash;
            ck->dup_blk[ck->ndup] = b;
            ck->dup_pos[ck->ndup++] = pos;
        }
    }
}

size_t dfs_check_scratch(uint32_t nblocks, uint32_t ninodes)
{
    return 8 * (size_t)DFS_BSIZE + ((size_t)nblocks + 63) / 64 * 8 + (size_t)ninodes * 19 +
           DUP_MAX * 16 + 64;
}

static void *carve(uint8_t **p, size_t n)
{
    void *r = *p;
    *p += (n + 7) & ~(size_t)7;
    return r;
}

int dfs_check(const struct dfs_dev *dev, void *scratch, size_t len, struct dfs_check *out,
              void (*report)(void *ctx, const char *line), void *ctx)
{
    struct ck c, *ck = &c;
    memset(ck, 0, sizeof c);
    memset(out, 0, sizeof *out);
    ck->dev = dev;
    ck->out = out;
    ck->report = report;
    ck->ctx = ctx;
    if (len < 8 * DFS_BSIZE)
        return -DFS_ENOMEM;
    uint8_t *p = scratch;
    ck->page = carve(&p, DFS_BSIZE);
    ck->hdr = carve(&p, DFS_BSIZE);
    for (int i = 1; i < 4; i++)
        ck->lvl[i] = carve(&p, DFS_BSIZE);
    ck->leaf = carve(&p, DFS_BSIZE);
    /* The superblock: its journal geometry first, then as replayed. */
    if (raw_read(ck, 0, ck->page) < 0)
        return -DFS_EIO;
    struct dfs_super sb;
    memcpy(&sb, ck->page, sizeof sb);
    uint32_t csum = dfs_crc32c(0, &sb, __builtin_offsetof(struct dfs_super, csum));
    if (memcmp(sb.magic, "SPNLDFS1", 8) != 0 || sb.version != 1 || sb.block_size != DFS_BSIZE ||
        csum != sb.csum) {
        ck_err(ck, "superblock: bad magic, version or checksum");
        return (int)out->errors;
    }
    if (sb.nblocks > dev->nblocks || sb.log_start != 1 || sb.log_blocks < 32 ||
        sb.log_blocks > DFS_LOG_MAX || sb.ninodes % DFS_IPB || sb.ninodes < DFS_IPB ||
        sb.ibmap_start != 2 + sb.log_blocks || sb.ibmap_blocks != (sb.ninodes + BPB - 1) / BPB ||
        sb.bbmap_start != sb.ibmap_start + sb.ibmap_blocks ||
        sb.bbmap_blocks != (sb.nblocks + (uint64_t)BPB - 1) / BPB ||
        sb.itable_start != sb.bbmap_start + sb.bbmap_blocks ||
        sb.itable_blocks != sb.ninodes / DFS_IPB ||
        sb.data_start != sb.itable_start + sb.itable_blocks ||
        (uint64_t)sb.data_start + 16 > sb.nblocks || sb.root != 1) {
        ck_err(ck, "superblock: inconsistent geometry");
        return (int)out->errors;
    }
    if (len < dfs_check_scratch(sb.nblocks, sb.ninodes))
        return -DFS_ENOMEM;
    ck->sb = sb;
    int r = check_log(ck);
    if (r < 0)
        return r;
    if (out->log_state == 1) {
        if (ck_read(ck, 0, ck->page) < 0)
            return -DFS_EIO;
        memcpy(&sb, ck->page, sizeof sb);
        if (sb.csum != dfs_crc32c(0, &sb, __builtin_offsetof(struct dfs_super, csum)) ||
            sb.nblocks != ck->sb.nblocks || sb.ninodes != ck->sb.ninodes) {
            ck_err(ck, "superblock in the journal is bad");
            return (int)out->errors;
        }
        ck->sb = sb;
    }
    sb = ck->sb;
    if (sb.orphan_head >= sb.ninodes)
        ck_err(ck, "superblock: orphan list head %u out of range", sb.orphan_head);
    ck->used = carve(&p, ((size_t)sb.nblocks + 63) / 64 * 8);
    ck->flags = carve(&p, sb.ninodes);
    ck->nlink = carve(&p, (size_t)sb.ninodes * 2);
    ck->links = carve(&p, (size_t)sb.ninodes * 4);
    ck->dparent = carve(&p, (size_t)sb.ninodes * 4);
    ck->parent = carve(&p, (size_t)sb.ninodes * 4);
    ck->dup_hash = carve(&p, DUP_MAX * 4);
    ck->dup_pos = carve(&p, DUP_MAX * 8);
    ck->dup_blk = carve(&p, DUP_MAX * 4);
    memset(ck->used, 0, ((size_t)sb.nblocks + 63) / 64 * 8);
    memset(ck->flags, 0, sb.ninodes);
    memset(ck->links, 0, (size_t)sb.ninodes * 4);
    memset(ck->dparent, 0, (size_t)sb.ninodes * 4);

    /* Pass 1: the inode table, the inode bitmap, the block trees. */
    uint8_t *itab = ck->leaf, *ibm = ck->page;
    for (uint32_t ino = 0; ino < sb.ninodes; ino++) {
        if (ino % BPB == 0 && ck_read(ck, sb.ibmap_start + ino / BPB, ibm) < 0)
            return -DFS_EIO;
        if (ino % DFS_IPB == 0 && ck_read(ck, sb.itable_start + ino / DFS_IPB, itab) < 0)
            return -DFS_EIO;
        struct dfs_dinode ip;
        memcpy(&ip, itab + (ino % DFS_IPB) * sizeof ip, sizeof ip);
        bool set = bit(ibm, ino % BPB);
        if (ino == 0) {
            if (!set)
                ck_err(ck, "inode bitmap: inode 0 not marked used");
            continue;
        }
        if (set != (ip.mode != 0)) {
            ck_err(ck, "inode %u: bitmap says %s, mode %u", ino, set ? "used" : "free", ip.mode);
            continue;
        }
        if (!ip.mode)
            continue;
        bool dir = DFS_S_ISDIR(ip.mode);
        if (!dir && !DFS_S_ISREG(ip.mode)) {
            ck_err(ck, "inode %u: bad type in mode %u", ino, ip.mode);
            continue;
        }
        ck->flags[ino] = F_LIVE | (dir ? F_DIR : 0) | ((ip.pad & IF_ORPHAN) ? F_ORPHAN : 0);
        ck->nlink[ino] = ip.nlink;
        ck->parent[ino] = ip.parent;
        if (dir)
            out->dirs++;
        else
            out->files++;
        if (ip.size > DFS_MAX_FILE) {
            ck_err(ck, "inode %u: size %llu too large", ino, (unsigned long long)ip.size);
            continue;
        }
        if (dir && ip.size % DFS_BSIZE)
            ck_err(ck, "directory %u: size %llu not whole blocks", ino,
                   (unsigned long long)ip.size);
        struct tree t = {.ino = ino,
                         .dir = dir,
                         .orphan = (ip.pad & IF_ORPHAN) != 0,
                         .eof_blocks = (ip.size + DFS_BSIZE - 1) / DFS_BSIZE};
        walk_inode(ck, &t, &ip);
        if (t.count != ip.blocks)
            ck_err(ck, "inode %u: %llu blocks in its tree, inode says %llu", ino,
                   (unsigned long long)t.count, (unsigned long long)ip.blocks);
        if (dir && t.below != t.eof_blocks)
            ck_err(ck, "directory %u: holes (%llu of %llu blocks)", ino,
                   (unsigned long long)t.below, (unsigned long long)t.eof_blocks);
        /* (Pass 1 walks use lvl[] only: itab and ibm stay.) */
    }
    if (!(ck->flags[sb.root] & F_DIR)) {
        ck_err(ck, "root inode is not a live directory");
        return (int)out->errors;
    }

    /* Pass 2: directory entries. */
    for (uint32_t ino = 1; ino < sb.ninodes; ino++) {
        if (!(ck->flags[ino] & F_DIR))
            continue;
        if (ck_read(ck, sb.itable_start + ino / DFS_IPB, itab) < 0)
            return -DFS_EIO;
        struct dfs_dinode ip;
        memcpy(&ip, itab + (ino % DFS_IPB) * sizeof ip, sizeof ip);
        struct tree t = {.ino = ino,
                         .pass2 = true,
                         .dir = true,
                         .orphan = ip.nlink == 0,
                         .eof_blocks = ip.size / DFS_BSIZE};
        ck->ndup = 0;
        walk_inode(ck, &t, &ip);
        if (ip.nlink != 0 && ip.nlink != 2 + t.subdirs)
            ck_err(ck, "directory %u: nlink %u, expected %u", ino, ip.nlink, 2 + t.subdirs);
    }

    /* Links, parents, reachability. */
    for (uint32_t ino = 1; ino < sb.ninodes; ino++) {
        uint8_t f = ck->flags[ino];
        if (!(f & F_LIVE))
            continue;
        if (ino == sb.root) {
            if (ck->parent[ino] != sb.root)
                ck_err(ck, "root: parent %u", ck->parent[ino]);
            continue;
        }
        if (ck->nlink[ino] == 0) {
            if (!(f & F_ORPHAN))
                ck_err(ck, "inode %u: no links and not on the orphan list", ino);
            if (ck->links[ino])
                ck_err(ck, "inode %u: nlink 0 but %u entries", ino, ck->links[ino]);
            continue;
        }
        if (f & F_DIR) {
            if (ck->links[ino] != 1 || ck->dparent[ino] != ck->parent[ino]) {
                ck_err(ck, "directory %u: %u entries name it, parent field %u, found in %u", ino,
                       ck->links[ino], ck->parent[ino], ck->dparent[ino]);
                continue;
            }
            /* Up to the root without a cycle. */
            uint32_t cur = ino, n = 0;
            while (cur != sb.root && n++ < sb.ninodes && cur < sb.ninodes &&
                   (ck->flags[cur] & F_DIR))
                cur = ck->dparent[cur];
            if (cur != sb.root)
                ck_err(ck, "directory %u is not reachable from the root", ino);
        } else if (ck->links[ino] != ck->nlink[ino]) {
            ck_err(ck, "inode %u: nlink %u, %u entries", ino, ck->nlink[ino], ck->links[ino]);
        }
    }

    /* The orphan list. */
    uint32_t cur = sb.orphan_head, n = 0;
    while (cur) {
        if (cur >= sb.ninodes || !(ck->flags[cur] & F_LIVE) || !(ck->flags[cur] & F_ORPHAN) ||
            (ck->flags[cur] & F_LISTED)) {
            ck_err(ck, "orphan list: bad or repeated inode %u", cur);
            break;
        }
        ck->flags[cur] |= F_LISTED;
        n++;
        if (ck_read(ck, sb.itable_start + cur / DFS_IPB, itab) < 0)
            return -DFS_EIO;
        cur = ((const struct dfs_dinode *)itab)[cur % DFS_IPB].orphan_next;
    }
    out->orphans = n;
    for (uint32_t ino = 1; ino < sb.ninodes; ino++)
        if ((ck->flags[ino] & F_ORPHAN) && !(ck->flags[ino] & F_LISTED))
            ck_err(ck, "inode %u: marked orphan but not on the list", ino);

    /* The block bitmap against the trees; the inode bitmap was pass 1. */
    uint32_t used = 0, freeb = 0;
    for (uint32_t k = 0; k < sb.bbmap_blocks; k++) {
        if (ck_read(ck, sb.bbmap_start + k, ck->page) < 0)
            return -DFS_EIO;
        uint32_t reported = 0;
        for (uint64_t i = (uint64_t)k * BPB; i < (uint64_t)(k + 1) * BPB; i++) {
            bool set = bit(ck->page, i % BPB);
            bool want = i < sb.data_start || i >= sb.nblocks || bit(ck->used, i);
            if (i >= sb.data_start && i < sb.nblocks)
                set ? used++ : freeb++;
            if (set != want && reported++ < 8)
                ck_err(ck, "block bitmap: block %llu is %s but %s", (unsigned long long)i,
                       set ? "marked used" : "marked free", want ? "in use" : "not referenced");
        }
    }
    out->used_blocks = used;
    out->free_blocks = freeb;
    uint32_t fi = 0;
    for (uint32_t ino = 1; ino < sb.ninodes; ino++)
        if (!(ck->flags[ino] & F_LIVE))
            fi++;
    out->free_inodes = fi;
    return (int)out->errors;
}
