/*
 * test_random.c - random operation sequences checked against a model:
 * every call's result (value or error), then the whole tree (types, sizes,
 * link counts, contents, directory listings), fsck after syncs, and
 * remounts along the way.
 */
#include <stdlib.h>

#include "test.h"

#define MAXN     128         /* names in the model */
#define MAXI     128         /* inodes in the model */
#define FILE_CAP (96 * 1024) /* largest file the test makes */

struct mino {
    bool used, dir;
    uint32_t ino; /* the file system's number */
    uint32_t nlink, opens;
    uint8_t *data;
    size_t size;
};

struct mname {
    bool used;
    char path[64];
    int mi;
};

static struct mino mi[MAXI];
static struct mname mn[MAXN];
static uint32_t rng;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static int find(const char *path)
{
    for (int i = 0; i < MAXN; i++)
        if (mn[i].used && !strcmp(mn[i].path, path))
            return i;
    return -1;
}

static void rand_path(char *p, size_t cap)
{
    static const char *const comp[] = {"a", "b", "c", "dd", "e"};
    int depth = 1 + (int)(rnd() % 3);
    p[0] = 0;
    for (int i = 0; i < depth; i++) {
        strncat(p, "/", cap - strlen(p) - 1);
        strncat(p, comp[rnd() % 5], cap - strlen(p) - 1);
    }
}

/* Resolves every proper prefix of path: 0, -ENOENT or -ENOTDIR. */
static int parent_ok(const char *path)
{
    char pre[64];
    for (const char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
        size_t n = (size_t)(s - path);
        memcpy(pre, path, n);
        pre[n] = 0;
        int k = find(pre);
        if (k < 0)
            return -DFS_ENOENT;
        if (!mi[mn[k].mi].dir)
            return -DFS_ENOTDIR;
    }
    return 0;
}

static bool has_children(const char *path)
{
    size_t n = strlen(path);
    for (int i = 0; i < MAXN; i++)
        if (mn[i].used && !strncmp(mn[i].path, path, n) && mn[i].path[n] == '/')
            return true;
    return false;
}

static int new_name(const char *path, int m)
{
    for (int i = 0; i < MAXN; i++)
        if (!mn[i].used) {
            mn[i].used = true;
            snprintf(mn[i].path, sizeof mn[i].path, "%s", path);
            mn[i].mi = m;
            return i;
        }
    return -1;
}

static int new_inode(bool dir, uint32_t ino)
{
    for (int i = 0; i < MAXI; i++)
        if (!mi[i].used) {
            memset(&mi[i], 0, sizeof mi[i]);
            mi[i].used = true;
            mi[i].dir = dir;
            mi[i].ino = ino;
            mi[i].nlink = 1;
            mi[i].data = dir ? NULL : calloc(1, FILE_CAP);
            return i;
        }
    return -1;
}

static void put_inode(int m)
{
    if (mi[m].nlink == 0 && mi[m].opens == 0) {
        free(mi[m].data);
        mi[m].used = false;
    }
}

static int free_names(void)
{
    int n = 0;
    for (int i = 0; i < MAXN; i++)
        n += !mn[i].used;
    return n;
}

/* Checks the whole tree against the model. */
static bool verify(struct dfs *fs)
{
    bool ok = true;
    static uint8_t buf[FILE_CAP + 16];
    for (int i = 0; i < MAXN; i++) {
        if (!mn[i].used)
            continue;
        struct mino *m = &mi[mn[i].mi];
        int ino = dfs_lookup(fs, mn[i].path);
        struct dfs_stat st;
        if (ino != (int)m->ino || dfs_stat(fs, (uint32_t)ino, &st) != 0) {
            printf("  verify: %s: lookup %d, want %u\n", mn[i].path, ino, m->ino);
            ok = false;
            continue;
        }
        if (DFS_S_ISDIR(st.mode) != m->dir) {
            printf("  verify: %s: type\n", mn[i].path);
            ok = false;
        }
        if (m->dir) {
            /* Entries: the model's children, plus "." and "..". */
            int want = 2, got = 0;
            size_t n = strlen(mn[i].path);
            for (int j = 0; j < MAXN; j++)
                if (mn[j].used && !strncmp(mn[j].path, mn[i].path, n) && mn[j].path[n] == '/' &&
                    !strchr(mn[j].path + n + 1, '/'))
                    want++;
            uint64_t pos = 0;
            struct dfs_dirent de;
            while (dfs_readdir(fs, (uint32_t)ino, &pos, &de) == 1)
                got++;
            if (got != want) {
                printf("  verify: %s: %d entries, want %d\n", mn[i].path, got, want);
                ok = false;
            }
            continue;
        }
        if (st.size != m->size || st.nlink != m->nlink) {
            printf("  verify: %s: size %llu nlink %u, want %zu %u\n", mn[i].path,
                   (unsigned long long)st.size, st.nlink, m->size, m->nlink);
            ok = false;
            continue;
        }
        if (dfs_read(fs, (uint32_t)ino, 0, buf, sizeof buf) != (int64_t)m->size ||
            memcmp(buf, m->data, m->size) != 0) {
            printf("  verify: %s: contents differ\n", mn[i].path);
            ok = false;
        }
    }
    return ok;
}

static void run(unsigned seed, int nops, uint32_t nbuf)
{
    struct ramdisk rd;
    struct dfs_dev dev;
    struct dfs fs;
    t_fresh(&rd, &dev, &fs, 3072, nbuf);
    memset(mi, 0, sizeof mi);
    memset(mn, 0, sizeof mn);
    rng = seed * 2654435761u + 1;
    static uint8_t src[FILE_CAP];
    int bad = 0, remounts = 0, checks = 0;
    int counts[12] = {0}, okops[12] = {0};
    for (int it = 0; it < nops && bad < 5; it++) {
        char p1[64], p2[64];
        rand_path(p1, sizeof p1);
        rand_path(p2, sizeof p2);
        int op = (int)(rnd() % 12), got = 0, want = 0;
        /* Mostly existing names, so that most calls do something. */
        int used[MAXN], nused = 0;
        for (int i = 0; i < MAXN; i++)
            if (mn[i].used)
                used[nused++] = i;
        if (nused && op >= 2 && rnd() % 4 != 0)
            snprintf(p1, sizeof p1, "%s", mn[used[rnd() % nused]].path);
        if (nused && rnd() % 3 == 0)
            snprintf(p2, sizeof p2, "%s", mn[used[rnd() % nused]].path);
        int k1 = find(p1), k2 = find(p2);
        counts[op]++;
        switch (op) {
        case 0: /* create */
        case 1: /* mkdir */
            want = parent_ok(p1);
            if (!want && k1 >= 0)
                want = -DFS_EEXIST;
            if (!want && free_names() == 0)
                break;
            got = op == 0 ? dfs_create(&fs, p1, 0644) : dfs_mkdir(&fs, p1, 0755);
            if (!want && got > 0) {
                new_name(p1, new_inode(op == 1, (uint32_t)got));
                got = 0;
            }
            break;
        case 2: /* unlink */
            want = parent_ok(p1);
            if (!want)
                want = k1 < 0 ? -DFS_ENOENT : mi[mn[k1].mi].dir ? -DFS_EISDIR : 0;
            got = dfs_unlink(&fs, p1);
            if (!want && !got) {
                int m = mn[k1].mi;
                mn[k1].used = false;
                mi[m].nlink--;
                put_inode(m);
            }
            break;
        case 3: /* rmdir */
            want = parent_ok(p1);
            if (!want)
                want = k1 < 0               ? -DFS_ENOENT
                       : !mi[mn[k1].mi].dir ? -DFS_ENOTDIR
                       : has_children(p1)   ? -DFS_ENOTEMPTY
                                            : 0;
            got = dfs_rmdir(&fs, p1);
            if (!want && !got) {
                mi[mn[k1].mi].nlink = 0;
                put_inode(mn[k1].mi);
                mn[k1].used = false;
            }
            break;
        case 4: /* link */
            want = parent_ok(p1);
            if (!want && k1 < 0)
                want = -DFS_ENOENT;
            if (!want)
                want = parent_ok(p2);
            if (!want && mi[mn[k1].mi].dir)
                want = -DFS_EPERM;
            if (!want && k2 >= 0)
                want = -DFS_EEXIST;
            if (!want && free_names() == 0)
                break;
            got = dfs_link(&fs, p1, p2);
            if (!want && !got) {
                new_name(p2, mn[k1].mi);
                mi[mn[k1].mi].nlink++;
            }
            break;
        case 5: /* rename */
        {
            want = parent_ok(p1);
            if (!want)
                want = parent_ok(p2);
            if (!want && k1 < 0)
                want = -DFS_ENOENT;
            bool moved = false;
            if (!want && k2 >= 0 && mn[k2].mi == mn[k1].mi) {
                want = 0; /* the same inode: nothing happens */
            } else if (!want) {
                bool dir = mi[mn[k1].mi].dir;
                size_t n1 = strlen(p1);
                bool inside = !strncmp(p2, p1, n1) && p2[n1] == '/';
                if (dir && k2 >= 0 && !mi[mn[k2].mi].dir)
                    want = -DFS_ENOTDIR;
                else if (dir && k2 >= 0 && has_children(p2))
                    want = -DFS_ENOTEMPTY;
                else if (dir && inside)
                    want = -DFS_EINVAL;
                else if (!dir && k2 >= 0 && mi[mn[k2].mi].dir)
                    want = -DFS_EISDIR;
                else
                    moved = true;
            }
            got = dfs_rename(&fs, p1, p2);
            if (moved && !got) {
                if (k2 >= 0) {
                    int m = mn[k2].mi;
                    mn[k2].used = false;
                    mi[m].nlink = mi[m].dir ? 0 : mi[m].nlink - 1;
                    put_inode(m);
                }
                size_t n1 = strlen(p1);
                for (int i = 0; i < MAXN; i++) {
                    if (!mn[i].used)
                        continue;
                    if (!strcmp(mn[i].path, p1)) {
                        snprintf(mn[i].path, sizeof mn[i].path, "%s", p2);
                    } else if (!strncmp(mn[i].path, p1, n1) && mn[i].path[n1] == '/') {
                        char t[128];
                        snprintf(t, sizeof t, "%s%s", p2, mn[i].path + n1);
                        size_t tl = strlen(t);
                        if (tl >= sizeof mn[i].path) {
                            printf("FAIL: path too long for the model\n");
                            bad++;
                            tl = sizeof mn[i].path - 1;
                        }
                        memcpy(mn[i].path, t, tl);
                        mn[i].path[tl] = 0;
                    }
                }
            }
            break;
        }
        case 6: /* write */
        case 7:
        case 8: {
            if (k1 < 0 || mi[mn[k1].mi].dir)
                break;
            struct mino *m = &mi[mn[k1].mi];
            size_t off = rnd() % FILE_CAP, big = rnd() % 4 == 0, n = rnd() % (big ? 40000 : 3000);
            if (rnd() % 3 == 0)
                off = m->size; /* append */
            if (off > FILE_CAP)
                off = FILE_CAP;
            if (off + n > FILE_CAP)
                n = FILE_CAP - off;
            for (size_t i = 0; i < n; i++)
                src[i] = (uint8_t)rnd();
            int64_t w = dfs_write(&fs, m->ino, off, src, n);
            if (w == -DFS_ENOSPC) {
                got = 0; /* the small disk may fill: then nothing was written */
                break;
            }
            if (w > 0) {
                memcpy(m->data + off, src, (size_t)w);
                if (off + (size_t)w > m->size)
                    m->size = off + (size_t)w;
            }
            got = w == (int64_t)n ? 0 : -1;
            if (w >= 0 && w < (int64_t)n)
                got = 0; /* partial: disk full */
            break;
        }
        case 9: { /* truncate */
            if (k1 < 0 || mi[mn[k1].mi].dir)
                break;
            struct mino *m = &mi[mn[k1].mi];
            size_t ns = rnd() % 2 ? rnd() % (m->size + 1) : rnd() % FILE_CAP;
            got = dfs_truncate(&fs, m->ino, ns);
            if (!got) {
                if (ns < m->size)
                    memset(m->data + ns, 0, m->size - ns);
                m->size = ns;
            }
            break;
        }
        case 10: { /* open (held), close */
            if (rnd() % 2) {
                if (k1 < 0 || mi[mn[k1].mi].dir || mi[mn[k1].mi].opens >= 3)
                    break;
                got = dfs_open(&fs, p1, DFS_O_READ, 0);
                want = (int)mi[mn[k1].mi].ino;
                if (got == want)
                    mi[mn[k1].mi].opens++;
            } else {
                for (int i = 0; i < MAXI; i++)
                    if (mi[i].used && mi[i].opens) {
                        got = dfs_close(&fs, mi[i].ino);
                        mi[i].opens--;
                        put_inode(i);
                        break;
                    }
            }
            break;
        }
        case 11: /* sync, fsck, sometimes a remount */
            got = dfs_sync(&fs);
            if (!got && t_fsck(&dev) != 0) {
                printf("FAIL: fsck after op %d\n", it);
                bad++;
            }
            checks++;
            if (rnd() % 4 == 0) {
                /* open inodes would be orphans on the new mount: close */
                for (int i = 0; i < MAXI; i++)
                    while (mi[i].used && mi[i].opens) {
                        dfs_close(&fs, mi[i].ino);
                        mi[i].opens--;
                        put_inode(i);
                    }
                t_remount(&fs, &dev, nbuf);
                remounts++;
            }
            break;
        }
        if (got == want && want == 0)
            okops[op]++;
        if (got != want) {
            printf("FAIL: seed %u op %d (%d) %s %s: got %d, want %d\n", seed, it, op, p1, p2, got,
                   want);
            bad++;
        }
        if (it % 50 == 49 && !verify(&fs)) {
            printf("FAIL: seed %u: tree differs after op %d\n", seed, it);
            bad++;
        }
    }
    CHECK_EQ(bad, 0);
    CHECK(verify(&fs));
    CHECK(checks > 0);
    for (int i = 0; i < MAXI; i++)
        while (mi[i].used && mi[i].opens) {
            dfs_close(&fs, mi[i].ino);
            mi[i].opens--;
        }
    CHECK_EQ(hostdev_umount(&fs, false), 0);
    CHECK_EQ(t_fsck(&dev), 0);
    for (int i = 0; i < MAXI; i++)
        if (mi[i].used)
            free(mi[i].data);
    ramdisk_free(&rd);
    if (getenv("DFS_TEST_VERBOSE")) {
        printf("seed %u: %d remounts, %d checks; op: tried/succeeded", seed, remounts, checks);
        for (int i = 0; i < 12; i++)
            printf(" %d/%d", counts[i], okops[i]);
        printf("\n");
    }
}

void test_random(void)
{
    for (unsigned seed = 1; seed <= 6; seed++)
        run(seed, 1500, seed % 2 ? 64 : 256);
}
