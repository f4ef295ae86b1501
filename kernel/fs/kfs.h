/* KFS internals shared by the files of kernel/fs/ (and the filesystem tests); the public interface
 * is <kernel/fs.h>. Every function returns 0 (or a count) or -errno; -EUCLEAN means the image is
 * corrupt and one line has already been printed. */
#ifndef KERNELIST_FS_KFS_H
#define KERNELIST_FS_KFS_H

#include <stdint.h>
#include <kernel/blockdev.h>
#include "kfs_format.h"

struct kfs_mount {
    struct blockdev *dev;        /* NULL until a mount succeeds */
    struct kfs_superblock sb;    /* checked at mount */
};
extern struct kfs_mount kfs;

/* crc32.c: CRC-32 (IEEE 802.3, as zlib) of n bytes. */
uint32_t kfs_crc32(const void *data, uint32_t n);

/* kfs_super.c */
/* Prints "kfs: corrupt image: <what>" and returns -EUCLEAN. */
int kfs_corrupt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Checks a superblock read from a device of dev_sectors sectors; 0 or -EUCLEAN (with a message). */
int kfs_check_superblock(const struct kfs_superblock *sb, uint32_t dev_sectors);
/* The device mounted now, or NULL (tests use it to remount the root after scratch images). */
struct blockdev *kfs_mounted_device(void);
/* Writes back and forgets the mounted filesystem; fs.h calls then fail with -EIO until a mount. */
void kfs_unmount(void);

/* block_cache.c: a write-back cache of filesystem blocks of the mounted device. */
struct cache_buf;
/* Pins block b and gives its 1 KiB of data (read from disk unless fresh, then zeroed). */
int cache_get(uint32_t b, int fresh, struct cache_buf **out);
uint8_t *cache_data(struct cache_buf *buf);
/* Marks a pinned buffer modified, to be written back by cache_flush or eviction. */
void cache_dirty(struct cache_buf *buf);
/* Unpins a buffer from cache_get. */
void cache_put(struct cache_buf *buf);
/* Writes every modified block back; 0 or -EIO. */
int cache_flush(void);
/* Forgets every block (after a flush): the next mount starts empty. */
void cache_invalidate(void);

/* kfs_bitmap.c */
/* Allocates the lowest free data block, zeroed; -ENOSPC when full. */
int kfs_block_alloc(uint32_t *out);
/* Frees data block b; -EUCLEAN if the bitmap already says it is free. */
int kfs_block_free(uint32_t b);
/* Counts the free data blocks. */
int kfs_block_count_free(uint32_t *out);

/* kfs_inode.c */
/* Checks a block pointer of inode ino: 0 (hole) or in the data area; else -EUCLEAN. */
int kfs_check_pointer(uint32_t ino, uint32_t b);
/* Reads inode ino, checked to be a file or directory with a sane size. */
int kfs_inode_get(uint32_t ino, struct kfs_inode *out);
/* Writes inode ino. */
int kfs_inode_put(uint32_t ino, const struct kfs_inode *in);
/* Allocates the lowest free inode as an empty one of type; -ENOSPC when the table is full. */
int kfs_inode_alloc(uint32_t type, uint32_t *out);
/* Zeroes inode ino (its blocks must already be freed). */
int kfs_inode_free(uint32_t ino);
/* The block of file block fb of ino (0 for a hole), allocating on the way if allocate is set
 * (the in-memory inode is updated; the caller writes it back). */
int kfs_bmap(uint32_t ino, struct kfs_inode *inode, uint32_t fb, int allocate, uint32_t *out);

/* kfs_file.c */
/* Reads into buf up to n bytes of the already-read inode at offset; returns bytes read. */
int kfs_file_read(uint32_t ino, struct kfs_inode *inode, uint32_t offset, void *buf, uint32_t n);
/* Writes n bytes at offset and stores the inode; on -ENOSPC the file is cut back to its old size. */
int kfs_file_write(uint32_t ino, struct kfs_inode *inode, uint32_t offset, const void *buf, uint32_t n);
/* Sets the size, freeing blocks past the end and zeroing the tail of the last one; stores the inode. */
int kfs_file_truncate(uint32_t ino, struct kfs_inode *inode, uint32_t size);

/* kfs_dir.c */
/* Reads and checks slot of directory dir (an empty slot gives ino 0). */
int kfs_dir_slot(uint32_t dir, struct kfs_inode *inode, uint32_t slot, struct kfs_dirent *out);
/* The slot and inode of name in directory dir; -ENOENT if absent, -ENOTDIR if dir is a file. */
int kfs_dir_find(uint32_t dir, const char *name, uint32_t *slot, uint32_t *ino);
/* Adds name -> ino to directory dir: the first empty slot, else a new one at the end. */
int kfs_dir_add(uint32_t dir, const char *name, uint32_t ino);
/* Points slot of dir at ino (0 empties the slot and zeroes its name). */
int kfs_dir_set(uint32_t dir, uint32_t slot, uint32_t ino);
/* 1 if directory dir has no entries but "." and "..", 0 if it has some. */
int kfs_dir_is_empty(uint32_t dir);
/* The parent of directory dir (its ".." entry), checked to be a directory. */
int kfs_dir_parent(uint32_t dir, uint32_t *out);
/* 0 if name can be a KFS entry (1-59 printable ASCII bytes, no '/'), -ENAMETOOLONG or -EINVAL. */
int kfs_name_check(const char *name);

#endif
