/* The filesystem, KFS (fs/kfs.c; the on-disk format is in docs/kfs.md). Paths are absolute
 * ("/bin/sh"); "." and ".." components are resolved; repeated slashes are allowed.
 * Every function returns 0 or a positive value on success, -errno (uapi/errno.h) on failure:
 * a corrupt image gives -EUCLEAN, never a crash or a hang. The caller serialises calls (the kernel
 * is not preemptible while it runs filesystem code, or holds one lock around it). */
#ifndef KERNELIST_FS_H
#define KERNELIST_FS_H

#include <stdint.h>
#include "blockdev.h"
#include "../uapi/types.h"

/* Checks the superblock and makes dev the root filesystem. */
int fs_mount(struct blockdev *dev);
/* Writes back everything cached (the kernel calls it at shutdown and after each write). */
int fs_sync(void);

/* The inode number of path, or -ENOENT/-ENOTDIR/-ENAMETOOLONG/-EUCLEAN. */
int fs_lookup(const char *path);
int fs_stat_inode(uint32_t ino, struct kl_stat *out);
/* Reads up to n bytes at offset; returns bytes read (0 at or past the end). */
int fs_read(uint32_t ino, uint32_t offset, void *buf, uint32_t n);
/* Writes n bytes at offset, growing the file (holes read as zeros); returns n or -ENOSPC/-EFBIG. */
int fs_write(uint32_t ino, uint32_t offset, const void *buf, uint32_t n);
int fs_truncate(uint32_t ino, uint32_t size);
/* Creates a file or directory (KL_TYPE_*); returns the new inode, -EEXIST if path exists. */
int fs_create(const char *path, uint32_t type);
/* Removes a file, or an empty directory (-ENOTEMPTY otherwise). */
int fs_unlink(const char *path);
/* Moves or renames; replaces an existing file at to; a directory may not move into itself (-EINVAL). */
int fs_rename(const char *from, const char *to);
/* The index-th entry of directory ino ("." and ".." are not listed): 1 and *out filled, or 0 at the end. */
int fs_readdir(uint32_t ino, uint32_t index, struct kl_dirent *out);
/* Free and total data blocks, for `mem`/`df`. */
int fs_usage(uint32_t *free_blocks, uint32_t *total_blocks);

#endif
