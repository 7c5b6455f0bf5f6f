/*
 * diskd.h - the protocol of diskd (user/diskd.c), the disk file system as a
 * server env reached by protected control transfer.
 *
 * A client binds (DISKD_BIND) and gets a copy of a page of the server's
 * (its argument page), which only it and the server map. A call is
 * sys_pct_call(server, op, a1, a2): paths and data travel on the argument
 * page, the answer is the return value (>= 0, or a negative DFS_E* code).
 * Holding a call capability to diskd is what lets an env bind; up to
 * DISKD_CLIENTS envs are bound at once, each with its own page, its own
 * credentials and its own table of the inodes it opened. The first env to
 * bind is the mounter (in Spinel, unixd): it alone mounts, unmounts, checks,
 * and sets the credentials its calls are made with (DISKD_CRED: unixd's
 * processes' uid and gid). Every other client is uid/gid DISKD_NOBODY.
 * An inode a call names must be one the caller opened (DFS_EBADF else: a
 * client cannot read, write, close or list what another opened, even by
 * guessing numbers). The server copies and terminates paths before use,
 * bounds every length by the page, and keeps all file-system state (struct
 * dfs, the buffer cache, the block capability) in its own memory: a client
 * can write anything on its argument page and pass any number, and the worst
 * it gets is an error.
 *
 * Bulk data: each client's argument area is DISKD_AREA bytes (a read or
 * write moves up to 128 KiB per call, and the server reads and writes file
 * data in place on it: no copy of its own), and the mounter may map the
 * buffer cache read-only (DISKD_CACHEMAP) and read through it (DISKD_READMAP):
 * one copy, from the cache page to its buffer (docs/design.md, "Zero-copy
 * reads").
 */
#ifndef DISKFS_DISKD_H
#define DISKFS_DISKD_H

#define DISKD_PAGE      4096   /* paths and small answers: the first page of the area */
#define DISKD_AREA      131072 /* a client's argument area: 32 pages, one frame block */
#define DISKD_DATA      131072 /* most bytes moved by one read (a write: DISKD_AREA - 8) */
#define DISKD_MAP_BYTES 65536  /* most bytes one DISKD_READMAP answers for */
#define DISKD_CLIENTS   8      /* envs bound at once */
#define DISKD_NOBODY    65534  /* the uid and gid of clients other than the mounter */

/* The shared cache (asked for at the first mount with DISKD_MOUNT_SHARED;
 * DISKD_CACHEMAP, DISKD_READMAP): diskd's buffer-cache pages are then up to
 * 16 MiB of DISKD_CACHE_PIECE_PAGES-page frame blocks, which the mounter may map
 * read-only, piece i at base + i * DISKD_CACHE_PIECE_PAGES pages, and a
 * block of generation counters (one uint32_t per cache page,
 * lib/diskfs/diskfs.h's hooks.gen).  An answer to DISKD_READMAP names
 * cache pages and their counters; the client copies, then checks that
 * each counter still holds the value answered (else it asks again). */
#define DISKD_CACHE_PIECE_PAGES 512         /* 2 MiB, FRAME_MAX_ORDER */
#define DISKD_CACHE_GEN         0xffffffffu /* DISKD_CACHEMAP's a1 for the counters */
#define DISKD_MOUNT_SHARED      2           /* DISKD_MOUNT's a2: the shared cache */
#define DISKD_MAP_MAX           17          /* extents in one DISKD_READMAP answer */

/* A deferred close: any call's op may carry, in its high 32 bits, an inode
 * the caller closes before the call proper (as DISKD_CLOSE would; an inode
 * the caller does not hold is ignored, and a close's result is not
 * reported). diskc uses it to send a close with its next call, as Linux
 * defers the last fput of a file to the return to user space: a
 * protected call, two address-space switches, fewer per file. */
#define DISKD_OP(op) ((uint32_t)(op))
/* DISKD_OPEN's a1 may add DISKD_OPEN_MAP to a read-only open (no
 * DFS_O_WRITE, CREAT, TRUNC, DIRECTORY) by the mounter of a shared cache:
 * the answer then also holds, as DISKD_READMAP's would, the map of the
 * file's first DISKD_OPEN_MAP_BYTES (page[0..8): bytes, 0 for none;
 * page[8..): struct dfs_extent[]). One call, two address-space switches,
 * fewer for an open that reads; the client's copy is checked against the
 * counters as after DISKD_READMAP (the access time moves at the open). */
#define DISKD_OPEN_MAP       0x80000000u
#define DISKD_OPEN_MAP_BYTES 4096
#define DISKD_CLOSING(i)     ((uint64_t)(i) << 32)

enum diskd_op {
    DISKD_BIND = 1, /* -> the slot of the argument page's capability in the caller's table
                       (DFS_ENFILE: DISKD_CLIENTS bound already) */
    DISKD_MOUNT,    /* a1: block capability slot in the server's table, a2: 1 = mkfs first, |
                       DISKD_MOUNT_SHARED (at the first mount: the shared cache)
                       (this and UNMOUNT, CHECK, CRED: the mounter only, else DFS_EPERM) */
    DISKD_UNMOUNT,  /* -> 0 */
    DISKD_CHECK,    /* fsck of the unmounted disk -> problems found */
    DISKD_OPEN,     /* a1: DFS_O_* flags, a2: mode; page: path -> inode */
    DISKD_CLOSE,    /* a1: inode */
    DISKD_READ,     /* a1: inode, a2: offset; page[0..8): length -> bytes, on the area */
    DISKD_WRITE,    /* a1: inode, a2: offset; area: u64 length, then the bytes -> bytes */
    DISKD_STAT,     /* a1: inode -> 0; page: struct dfs_stat */
    DISKD_READDIR, /* a1: inode, a2: position -> 1 (page: new position, struct dfs_dirent), 0 at the
                      end */
    DISKD_MKDIR,   /* a1: mode; page: path */
    DISKD_UNLINK,  /* page: path */
    DISKD_RMDIR,   /* page: path */
    DISKD_RENAME,  /* page: old path, NUL, new path */
    DISKD_FSYNC,   /* a1: inode */
    DISKD_SYNC,
    DISKD_TRUNCATE, /* a1: inode, a2: size */
    DISKD_CHMOD,    /* a1: inode, a2: mode (07777; the owner or root) */
    DISKD_CHOWN,    /* a1: inode, a2: uid | gid << 32 (root) */
    DISKD_CRED,     /* the mounter only: a1 uid, a2 gid for its calls from now on */
    DISKD_UNBIND,   /* closes what the caller has open and frees its place */
    DISKD_LINK,     /* page: existing path, NUL, new name (a hard link; files only) */
    DISKD_CACHE,    /* -> the pages of cache memory the server holds (fewer after it gave some
                       back to the kernel: repossession, user/diskd.c) */
    DISKD_CACHEMAP, /* the mounter only, shared cache only: a1: piece (or DISKD_CACHE_GEN) -> the
                       slot of a read-only copy of it in the caller's table; DFS_ENOENT past the
                       last piece */
    DISKD_READMAP, /* the mounter only, shared cache only: a1: inode, a2: offset; page[0..8): length
                      (<= DISKD_MAP_BYTES) -> bytes; page[8..): struct dfs_extent[] (one per block
                      touched, DISKD_MAP_MAX at most) */
    DISKD_NOPS
};

#endif
