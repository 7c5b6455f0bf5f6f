/*
 * fs.h - Spinel's shared in-memory file system (lib/unix/fs).
 *
 * The whole file system lives in one region of memory shared by every
 * process of the Unix library OS.  The region holds only block numbers and
 * inode numbers, never pointers, so it may even be mapped at different
 * addresses in different processes.  Each process keeps a small private
 * handle (struct fs) that records where it mapped the region, its lock
 * owner id and its yield hook.
 *
 * Every call takes one lock word stored in the region (see README.md for
 * what happens when a process dies holding it).  Errors are returned as
 * negative values of the FS_E* codes below, which use the Linux errno
 * numbers so a caller can pass them straight through.
 *
 * Freestanding: needs only memcpy/memset/memcmp from the embedder
 * (see fs_env.h).
 */
#ifndef SPINEL_UNIX_FS_H
#define SPINEL_UNIX_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FS_BLOCK_SIZE 4096
#define FS_NAME_MAX   255   /* longest name of a directory entry, in bytes */
#define FS_PATH_MAX   4096  /* longest path accepted, in bytes (without NUL) */
#define FS_LINK_MAX   65000 /* most links to one inode (bounds dir nlink) */

/* Error codes (returned negated). */
#define FS_EPERM        1
#define FS_ENOENT       2
#define FS_EIO          5 /* the region is inconsistent (see fs_check) */
#define FS_EBADF        9 /* inode number not in use */
#define FS_EBUSY        16
#define FS_EEXIST       17
#define FS_ENOTDIR      20
#define FS_EISDIR       21
#define FS_EINVAL       22
#define FS_EFBIG        27
#define FS_ENOSPC       28
#define FS_EMLINK       31
#define FS_ENAMETOOLONG 36
#define FS_ENOTEMPTY    39
#define FS_ELOOP        40 /* more than FS_SYMLOOP_MAX symbolic links in a path */
#define FS_SYMLOOP_MAX  40

/* Inode types. */
#define FS_TYPE_FILE 1
#define FS_TYPE_DIR  2
#define FS_TYPE_LINK 3 /* a symbolic link: its data is the target path */

/* fs_open flags. */
#define FS_O_CREAT     0x1 /* create a regular file if missing */
#define FS_O_EXCL      0x2 /* with FS_O_CREAT: fail with EEXIST if present */
#define FS_O_TRUNC     0x4 /* truncate a regular file to 0 */
#define FS_O_DIRECTORY 0x8 /* fail with ENOTDIR unless a directory */

/* Per-process handle.  The fields are private; the caller only provides
 * the storage (no malloc here). */
struct fs {
    struct fs_super *sb; /* start of the shared region */
    uint8_t *base;
    size_t size;
    void (*yield)(void); /* called while the lock is contended */
    uint32_t owner;      /* lock owner id of this process; 0: a reader (no lock) */
};

struct fs_stat {
    uint32_t ino;
    int type;      /* FS_TYPE_FILE, FS_TYPE_DIR or FS_TYPE_LINK */
    uint32_t mode; /* permission bits (07777); not enforced here */
    uint32_t nlink;
    uint32_t refs; /* open references (fs_ref) */
    uint64_t size; /* bytes; directories: a multiple of FS_BLOCK_SIZE */
};

struct fs_dirent {
    uint32_t ino;
    int type;
    char name[FS_NAME_MAX + 1]; /* NUL-terminated */
};

/* ---- region ---- */

/* Lays out an empty file system (just "/") in [base, base + size).
 * base must be 8-byte aligned (page aligned is best); size is rounded down
 * to whole blocks and must be at least 16 blocks.  Not locked: format
 * before sharing the region. */
int fs_format(void *base, size_t size);

/* Fills *fs for this process.  Checks the magic and the layout against
 * size (the size of the mapping).  yield may be NULL (then a contended lock
 * spins); owner identifies this process in the lock word and must be
 * unique among live processes.  Owner 0 makes a reader's handle: it takes
 * no lock, so the region may be mapped read-only, and only the calls that
 * read (lookup, stat, readdir, read, free counts) may be used through it;
 * their consistency against a concurrent writer is the caller's business
 * (the Unix library OS checks a sequence count around them).  Returns 0 or
 * -FS_EINVAL. */
int fs_attach(struct fs *fs, void *base, size_t size, void (*yield)(void), uint32_t owner);

/* If the lock is held by dead_owner (a process that died), takes it over,
 * repairs the file system (fs_check with repair) and releases it.
 * Returns 1 if the lock was broken, 0 if dead_owner did not hold it. */
int fs_break_lock(struct fs *fs, uint32_t dead_owner);

/* Checks the invariants of the whole file system (block bitmap against the
 * inodes' block trees, free counters, directory entries, link counts,
 * orphans).  With repair, fixes what it finds (the bitmap and counters are
 * rebuilt, bad entries dropped, orphan inodes freed).  Returns the number
 * of problems found (0 = consistent). */
int fs_check(struct fs *fs, bool repair);

uint32_t fs_free_blocks(struct fs *fs); /* free data blocks */
uint32_t fs_free_inodes(struct fs *fs);

/* ---- paths ----
 * Paths are resolved from "/": a relative path is taken relative to the
 * root (the caller joins its working directory in front).  Empty
 * components and "." are skipped, ".." goes to the parent ("/.." is "/").
 * A trailing slash requires a directory. */

/* Returns the inode number (> 0) or a negative error.  Symbolic links are
 * followed (a relative target from the link's directory); a path through
 * more than FS_SYMLOOP_MAX of them is -FS_ELOOP. */
int fs_lookup(struct fs *fs, const char *path);
/* The same, but a symbolic link as the last component is the answer
 * (lstat, readlink). */
int fs_lookup_nofollow(struct fs *fs, const char *path);

/* Makes path a symbolic link to target (kept as given: up to 511 bytes,
 * not checked, may dangle).  EEXIST if the name exists.  Returns the new
 * inode number. */
int fs_symlink(struct fs *fs, const char *target, const char *path);
/* Hard links: newpath becomes another name of the file (or symbolic link,
 * not followed) at oldpath; EPERM for a directory, EEXIST if newpath
 * exists. */
int fs_link(struct fs *fs, const char *oldpath, const char *newpath);
/* A link's target (no NUL): bytes copied, at most len; EINVAL if ino is
 * not a symbolic link. */
int64_t fs_readlink(struct fs *fs, uint32_t ino, char *buf, uint64_t len);

/* Creates a file or directory (FS_TYPE_FILE, FS_TYPE_DIR); EEXIST if the name exists.
 * Returns the new inode number. */
int fs_create(struct fs *fs, const char *path, int type);
int fs_mkdir(struct fs *fs, const char *path);

/* Lookup (+ create, + truncate) and fs_ref in one atomic step, for open().
 * Returns the inode number, which holds one reference: fs_unref it on
 * close. */
int fs_open(struct fs *fs, const char *path, unsigned flags);

int fs_unlink(struct fs *fs, const char *path); /* files only (EISDIR) */
int fs_rmdir(struct fs *fs, const char *path);  /* empty directories only */
int fs_remove(struct fs *fs, const char *path); /* either */

/* POSIX rename: replaces an existing file, or an empty directory by a
 * directory; a directory cannot move below itself (EINVAL). */
int fs_rename(struct fs *fs, const char *oldpath, const char *newpath);

/* ---- inodes ---- */

int fs_stat(struct fs *fs, uint32_t ino, struct fs_stat *st);
int fs_chmod(struct fs *fs, uint32_t ino, uint32_t mode);

/* Directory iteration.  *pos starts at 0 and is advanced by each call;
 * "." and ".." come first.  Returns 1 with *out filled, 0 at the end, or a
 * negative error.  Entries added or removed while iterating may or may not
 * be seen; the others are seen exactly once. */
int fs_readdir(struct fs *fs, uint32_t dir, uint32_t *pos, struct fs_dirent *out);

/* Data of regular files (EISDIR on directories).  Return the number of
 * bytes moved or a negative error.  fs_read returns 0 at or past end of
 * file.  fs_write grows the file; a write past the end leaves a hole that
 * reads as zeros (no blocks are allocated for it).  A write that runs out
 * of space returns the bytes written so far, or -FS_ENOSPC if none. */
int64_t fs_read(struct fs *fs, uint32_t ino, uint64_t off, void *buf, uint64_t len);
int64_t fs_write(struct fs *fs, uint32_t ino, uint64_t off, const void *buf, uint64_t len);
int fs_truncate(struct fs *fs, uint32_t ino, uint64_t size);

/* Open-file references: an inode whose last name is removed keeps its data
 * until its reference count drops to 0. */
int fs_ref(struct fs *fs, uint32_t ino);
int fs_unref(struct fs *fs, uint32_t ino);

/* ---- boot image ---- */

/* Imports a cpio "newc" archive (magic 070701 or 070702): directories and
 * regular files (with their permission bits) are created under prefix
 * ("" or "/" for the root; created if missing).  An existing file is
 * overwritten.  Symlinks and device nodes are skipped, and so are names with
 * a ".." component (they could escape prefix).  Every header field is
 * checked against len; a malformed archive or one without its
 * "TRAILER!!!" returns -FS_EINVAL, keeping what was imported before the
 * bad entry.  Returns the number of files and directories imported. */
int fs_import_cpio(struct fs *fs, const void *cpio, size_t len, const char *prefix);

#endif /* SPINEL_UNIX_FS_H */
