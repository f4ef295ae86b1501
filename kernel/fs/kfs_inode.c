/* Inodes (docs/kfs.md, "Inodes"): reading them checked, writing, allocating, and the block map
 * through the direct, indirect and double-indirect pointers. */
#include <kernel/lib.h>
#include <uapi/errno.h>
#include "kfs.h"

/* Checks a block pointer of inode ino: 0 (hole) or in the data area; else -EUCLEAN. */
int kfs_check_pointer(uint32_t ino, uint32_t b)
{
    if (b != 0 && (b < kfs.sb.data_start || b >= kfs.sb.total_blocks))
        return kfs_corrupt("inode %u: block %u outside the data area", ino, b);
    return 0;
}

/* Pins the inode-table block of ino; *index is its place in the block. -EUCLEAN if out of range. */
static int inode_locate(uint32_t ino, struct cache_buf **buf, uint32_t *index)
{
    if (ino == 0 || ino >= kfs.sb.inode_count)
        return kfs_corrupt("inode number %u out of range", ino);
    *index = ino % KFS_INODES_PER_BLOCK;
    return cache_get(kfs.sb.inode_start + ino / KFS_INODES_PER_BLOCK, 0, buf);
}

/* Reads inode ino without checking its contents. */
static int inode_get_raw(uint32_t ino, struct kfs_inode *out)
{
    struct cache_buf *buf;
    uint32_t index = 0;
    int r = inode_locate(ino, &buf, &index);
    if (r < 0)
        return r;
    memcpy(out, cache_data(buf) + index * KFS_INODE_SIZE, KFS_INODE_SIZE);
    cache_put(buf);
    return 0;
}

/* Reads inode ino, checked to be a file or directory with a sane size. */
int kfs_inode_get(uint32_t ino, struct kfs_inode *out)
{
    int r = inode_get_raw(ino, out);
    if (r < 0)
        return r;
    if (out->type != KFS_TYPE_FILE && out->type != KFS_TYPE_DIR)
        return kfs_corrupt("inode %u: bad type %u", ino, out->type);
    if (out->size > KFS_MAX_FILE_SIZE)
        return kfs_corrupt("inode %u: size %u too large", ino, out->size);
    if (out->type == KFS_TYPE_DIR && (out->size % KFS_DIRENT_SIZE || out->size < 2 * KFS_DIRENT_SIZE))
        return kfs_corrupt("inode %u: directory size %u is not a whole number of entries", ino, out->size);
    return 0;
}

/* Writes inode ino. */
int kfs_inode_put(uint32_t ino, const struct kfs_inode *in)
{
    struct cache_buf *buf;
    uint32_t index = 0;
    int r = inode_locate(ino, &buf, &index);
    if (r < 0)
        return r;
    memcpy(cache_data(buf) + index * KFS_INODE_SIZE, in, KFS_INODE_SIZE);
    cache_dirty(buf);
    cache_put(buf);
    return 0;
}

/* Allocates the lowest free inode as an empty one of type; -ENOSPC when the table is full. */
int kfs_inode_alloc(uint32_t type, uint32_t *out)
{
    for (uint32_t ino = KFS_ROOT_INODE; ino < kfs.sb.inode_count; ino++) {
        struct kfs_inode inode;
        int r = inode_get_raw(ino, &inode);
        if (r < 0)
            return r;
        if (inode.type != KFS_TYPE_FREE)
            continue;
        memset(&inode, 0, sizeof inode);
        inode.type = (uint16_t)type;
        inode.links = type == KFS_TYPE_DIR ? 2 : 1;
        if ((r = kfs_inode_put(ino, &inode)) < 0)
            return r;
        *out = ino;
        return 0;
    }
    return -ENOSPC;
}

/* Zeroes inode ino (its blocks must already be freed). */
int kfs_inode_free(uint32_t ino)
{
    struct kfs_inode zero;
    memset(&zero, 0, sizeof zero);
    return kfs_inode_put(ino, &zero);
}

/* Entry index of pointer block pb, checked; allocated (and stored) when 0 and allocate is set. */
static int pointer_in(uint32_t ino, uint32_t pb, uint32_t index, int allocate, uint32_t *out)
{
    struct cache_buf *buf;
    int r = cache_get(pb, 0, &buf);
    if (r < 0)
        return r;
    uint32_t *ptrs = (uint32_t *)cache_data(buf);
    uint32_t b = ptrs[index];
    if ((r = kfs_check_pointer(ino, b)) == 0 && b == 0 && allocate && (r = kfs_block_alloc(&b)) == 0) {
        ptrs[index] = b;
        cache_dirty(buf);
    }
    cache_put(buf);
    *out = b;
    return r;
}

/* A pointer held in the inode itself, checked; allocated when 0 and allocate is set. */
static int pointer_at(uint32_t ino, uint32_t *slot, int allocate)
{
    int r = kfs_check_pointer(ino, *slot);
    if (r == 0 && *slot == 0 && allocate)
        r = kfs_block_alloc(slot);
    return r;
}

/* The block of file block fb of ino (0 for a hole), allocating on the way if allocate is set. */
int kfs_bmap(uint32_t ino, struct kfs_inode *inode, uint32_t fb, int allocate, uint32_t *out)
{
    int r;
    *out = 0;
    if (fb >= KFS_MAX_FILE_BLOCKS)
        return -EFBIG;
    if (fb < KFS_DIRECT) {
        if ((r = pointer_at(ino, &inode->direct[fb], allocate)) < 0)
            return r;
        *out = inode->direct[fb];
        return 0;
    }
    fb -= KFS_DIRECT;
    if (fb < KFS_PTRS_PER_BLOCK) {
        if ((r = pointer_at(ino, &inode->indirect, allocate)) < 0 || inode->indirect == 0)
            return r;
        return pointer_in(ino, inode->indirect, fb, allocate, out);
    }
    fb -= KFS_PTRS_PER_BLOCK;
    if ((r = pointer_at(ino, &inode->double_indirect, allocate)) < 0 || inode->double_indirect == 0)
        return r;
    uint32_t ind;
    if ((r = pointer_in(ino, inode->double_indirect, fb / KFS_PTRS_PER_BLOCK, allocate, &ind)) < 0 || ind == 0)
        return r;
    return pointer_in(ino, ind, fb % KFS_PTRS_PER_BLOCK, allocate, out);
}
