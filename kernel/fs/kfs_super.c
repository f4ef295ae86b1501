/* Mounting KFS: the superblock check (docs/kfs.md, "The superblock"), the mount state, fs_sync and
 * fs_usage, and the one place corruption is reported. */
#include <stdarg.h>
#include <kernel/fs.h>
#include <kernel/lib.h>
#include <uapi/errno.h>
#include "kfs.h"

struct kfs_mount kfs;

/* One block read straight from a device at mount, before the cache belongs to it. */
static uint8_t mount_block[KFS_BLOCK_SIZE];

/* Prints "kfs: corrupt image: <what>" and returns -EUCLEAN. */
int kfs_corrupt(const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    kprintf("kfs: corrupt image: %s\n", what);
    return -EUCLEAN;
}

/* ceil(a / b) without overflow. */
static uint32_t div_up(uint32_t a, uint32_t b)
{
    return a / b + (a % b != 0);
}

/* Checks a superblock read from a device of dev_sectors sectors; 0 or -EUCLEAN. */
int kfs_check_superblock(const struct kfs_superblock *sb, uint32_t dev_sectors)
{
    if (sb->magic != KFS_MAGIC)
        return kfs_corrupt("bad magic 0x%x (not a KFS image)", sb->magic);
    if (sb->checksum != kfs_crc32(sb, KFS_CHECKED_BYTES))
        return kfs_corrupt("superblock checksum mismatch");
    if (sb->version != KFS_VERSION || sb->block_size != KFS_BLOCK_SIZE ||
        sb->inode_size != KFS_INODE_SIZE || sb->dirent_size != KFS_DIRENT_SIZE)
        return kfs_corrupt("unsupported version %u or sizes", sb->version);
    if (sb->total_blocks < KFS_MIN_BLOCKS || sb->total_blocks > dev_sectors / KFS_SECTORS_PER_BLOCK)
        return kfs_corrupt("%u blocks on a device of %u sectors", sb->total_blocks, dev_sectors);
    if (sb->inode_count < KFS_INODES_PER_BLOCK || sb->inode_count % KFS_INODES_PER_BLOCK)
        return kfs_corrupt("bad inode count %u", sb->inode_count);
    uint32_t bitmap_blocks = div_up(sb->total_blocks, KFS_BITS_PER_BLOCK);
    if (sb->bitmap_start != 1 || sb->bitmap_blocks != bitmap_blocks ||
        sb->inode_start != 1 + bitmap_blocks || sb->inode_blocks != sb->inode_count / KFS_INODES_PER_BLOCK)
        return kfs_corrupt("bad bitmap or inode table location");
    if (sb->data_start != sb->inode_start + sb->inode_blocks || sb->data_start >= sb->total_blocks)
        return kfs_corrupt("bad data area start %u", sb->data_start);
    if (sb->root_inode != KFS_ROOT_INODE || sb->reserved[0] || sb->reserved[1])
        return kfs_corrupt("bad root inode or reserved fields");
    return 0;
}

/* Reads block b of dev into mount_block, bypassing the cache. */
static int mount_read(struct blockdev *dev, uint32_t b)
{
    if (dev->read(dev, b * KFS_SECTORS_PER_BLOCK, KFS_SECTORS_PER_BLOCK, mount_block) < 0) {
        kprintf("kfs: %s: cannot read block %u\n", dev->name, b);
        return -EIO;
    }
    return 0;
}

/* Checks that the root inode of a checked superblock on dev is a directory. */
static int mount_check_root(struct blockdev *dev, const struct kfs_superblock *sb)
{
    int r = mount_read(dev, sb->inode_start + KFS_ROOT_INODE / KFS_INODES_PER_BLOCK);
    if (r < 0)
        return r;
    const struct kfs_inode *root = (const struct kfs_inode *)mount_block + KFS_ROOT_INODE % KFS_INODES_PER_BLOCK;
    if (root->type != KFS_TYPE_DIR || root->size < 2 * KFS_DIRENT_SIZE || root->size % KFS_DIRENT_SIZE)
        return kfs_corrupt("the root inode is not a directory");
    return 0;
}

/* Checks the superblock and makes dev the root filesystem; the old one stays if this fails. */
int fs_mount(struct blockdev *dev)
{
    if (!dev || dev->sectors < KFS_MIN_BLOCKS * KFS_SECTORS_PER_BLOCK)
        return -EINVAL;
    struct kfs_superblock sb;
    int r = mount_read(dev, 0);
    if (r < 0)
        return r;
    memcpy(&sb, mount_block, sizeof sb);
    if ((r = kfs_check_superblock(&sb, dev->sectors)) < 0 || (r = mount_check_root(dev, &sb)) < 0)
        return r;
    if (kfs.dev && cache_flush() < 0)
        kprintf("kfs: %s: unmounted with unwritten blocks\n", kfs.dev->name);
    cache_invalidate();
    kfs.dev = dev;
    kfs.sb = sb;
    return 0;
}

/* The device mounted now, or NULL. */
struct blockdev *kfs_mounted_device(void)
{
    return kfs.dev;
}

/* Writes back and forgets the mounted filesystem. */
void kfs_unmount(void)
{
    if (kfs.dev && cache_flush() < 0)
        kprintf("kfs: %s: unmounted with unwritten blocks\n", kfs.dev->name);
    cache_invalidate();
    kfs.dev = NULL;
}

/* Writes back everything cached. */
int fs_sync(void)
{
    return cache_flush();
}

/* Free and total data blocks. */
int fs_usage(uint32_t *free_blocks, uint32_t *total_blocks)
{
    if (!kfs.dev)
        return -EIO;
    int r = kfs_block_count_free(free_blocks);
    if (r < 0)
        return r;
    *total_blocks = kfs.sb.total_blocks - kfs.sb.data_start;
    return 0;
}
