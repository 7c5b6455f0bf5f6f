/*
 * diskd.h - the protocol of diskd (user/diskd.c), the disk file system as a
 * server env reached by protected control transfer.
 *
 * The client binds (DISKD_BIND) and gets a copy of a page of the server's
 * (the argument page), which only it and the server map. A call is
 * sys_pct_call(server, op, a1, a2): paths and data travel on the argument
 * page, the answer is the return value (>= 0, or a negative DFS_E* code).
 * The server serves the env that bound first and refuses every other
 * (-DFS_EPERM), copies and terminates paths before use, bounds every
 * length by the page, and keeps all file-system state (struct dfs, the
 * buffer cache, the block capability) in its own memory: a client can
 * write anything on its argument page and pass any number, and the worst
 * it gets is an error.
 */
#ifndef DISKFS_DISKD_H
#define DISKFS_DISKD_H

#define DISKD_PAGE 4096
#define DISKD_DATA 4096 /* most bytes moved by one read or write */

enum diskd_op {
    DISKD_BIND = 1, /* -> the slot of the argument page's capability in the caller's table */
    DISKD_MOUNT,    /* a1: block capability slot in the server's table, a2: 1 = mkfs first */
    DISKD_UNMOUNT,  /* -> 0 */
    DISKD_CHECK,    /* fsck of the unmounted disk -> problems found */
    DISKD_OPEN,     /* a1: DFS_O_* flags, a2: mode; page: path -> inode */
    DISKD_CLOSE,    /* a1: inode */
    DISKD_READ,     /* a1: inode, a2: offset; page[0..8): length -> bytes, on the page */
    DISKD_WRITE,    /* a1: inode, a2: offset; page: u64 length, then the bytes -> bytes */
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
    DISKD_NOPS
};

#endif
