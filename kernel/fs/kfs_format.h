/* The KFS on-disk format (docs/kfs.md): constants and the three structures, as they lie on disk
 * (little-endian, which IA-32 is, so they are used in place). Private to kernel/fs/. */
#ifndef KERNELIST_FS_KFS_FORMAT_H
#define KERNELIST_FS_KFS_FORMAT_H

#include <stdint.h>

#define KFS_MAGIC            0x3153464bu /* "KFS1" */
#define KFS_VERSION          1u
#define KFS_BLOCK_SIZE       1024u
#define KFS_SECTORS_PER_BLOCK 2u
#define KFS_SUPERBLOCK_BYTES 64u
#define KFS_CHECKED_BYTES    60u         /* the checksum covers bytes 0-59 */
#define KFS_INODE_SIZE       64u
#define KFS_INODES_PER_BLOCK (KFS_BLOCK_SIZE / KFS_INODE_SIZE)
#define KFS_DIRENT_SIZE      64u
#define KFS_NAME_FIELD       60u         /* with the NUL: names are 1..59 bytes */
#define KFS_DIRECT           12u
#define KFS_PTRS_PER_BLOCK   (KFS_BLOCK_SIZE / 4u)
#define KFS_MAX_FILE_BLOCKS  (KFS_DIRECT + KFS_PTRS_PER_BLOCK + KFS_PTRS_PER_BLOCK * KFS_PTRS_PER_BLOCK)
#define KFS_MAX_FILE_SIZE    (KFS_MAX_FILE_BLOCKS * KFS_BLOCK_SIZE)
#define KFS_BITS_PER_BLOCK   (KFS_BLOCK_SIZE * 8u)
#define KFS_ROOT_INODE       1u
#define KFS_MIN_BLOCKS       8u

#define KFS_TYPE_FREE 0u
#define KFS_TYPE_FILE 1u /* KL_TYPE_FILE */
#define KFS_TYPE_DIR  2u /* KL_TYPE_DIR */

struct kfs_superblock {
    uint32_t magic, version, block_size, total_blocks, inode_count;
    uint32_t bitmap_start, bitmap_blocks, inode_start, inode_blocks, data_start;
    uint32_t root_inode, inode_size, dirent_size, reserved[2], checksum;
};

struct kfs_inode {
    uint16_t type;
    uint16_t links;
    uint32_t size;
    uint32_t direct[KFS_DIRECT];
    uint32_t indirect;
    uint32_t double_indirect;
};

struct kfs_dirent {
    uint32_t ino;                /* 0: an empty slot */
    char name[KFS_NAME_FIELD];   /* NUL-terminated, zero after the NUL */
};

_Static_assert(sizeof(struct kfs_superblock) == KFS_SUPERBLOCK_BYTES, "superblock is 64 bytes");
_Static_assert(sizeof(struct kfs_inode) == KFS_INODE_SIZE, "inode is 64 bytes");
_Static_assert(sizeof(struct kfs_dirent) == KFS_DIRENT_SIZE, "directory entry is 64 bytes");

#endif
