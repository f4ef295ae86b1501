/* File contents: reading, writing (growing, with holes), truncating; and the fs.h calls on inode
 * numbers. Every public call that changes the image flushes the cache before it returns. */
#include <kernel/fs.h>
#include <kernel/lib.h>
#include <uapi/errno.h>
#include "kfs.h"

/* Reads into buf up to n bytes of the already-read inode at offset; returns bytes read. */
int kfs_file_read(uint32_t ino, struct kfs_inode *inode, uint32_t offset, void *buf, uint32_t n)
{
    if (offset >= inode->size)
        return 0;
    if (n > inode->size - offset)
        n = inode->size - offset;
    uint8_t *dst = buf;
    for (uint32_t done = 0; done < n;) {
        uint32_t pos = offset + done, within = pos % KFS_BLOCK_SIZE;
        uint32_t chunk = KFS_BLOCK_SIZE - within < n - done ? KFS_BLOCK_SIZE - within : n - done;
        uint32_t b;
        int r = kfs_bmap(ino, inode, pos / KFS_BLOCK_SIZE, 0, &b);
        if (r < 0)
            return r;
        if (b == 0) {
            memset(dst + done, 0, chunk);
        } else {
            struct cache_buf *cb;
            if ((r = cache_get(b, 0, &cb)) < 0)
                return r;
            memcpy(dst + done, cache_data(cb) + within, chunk);
            cache_put(cb);
        }
        done += chunk;
    }
    return (int)n;
}

/* Frees the entries of pointer block *pb (depth 1: indirect, 2: double) that cover file blocks
 * keep and up (counted from the block's first), and *pb itself when keep is 0. */
static int free_pointer_block(uint32_t ino, uint32_t *pb, uint32_t keep, int depth)
{
    int r = kfs_check_pointer(ino, *pb);
    if (r < 0 || *pb == 0)
        return r;
    uint32_t per = depth == 1 ? 1 : KFS_PTRS_PER_BLOCK; /* data blocks under one entry */
    struct cache_buf *buf;
    if ((r = cache_get(*pb, 0, &buf)) < 0)
        return r;
    uint32_t *ptrs = (uint32_t *)cache_data(buf);
    for (uint32_t i = keep / per; i < KFS_PTRS_PER_BLOCK && r == 0; i++) {
        if (ptrs[i] == 0)
            continue;
        uint32_t child_keep = keep > i * per ? keep - i * per : 0;
        if (depth == 1) {
            if ((r = kfs_check_pointer(ino, ptrs[i])) == 0 && (r = kfs_block_free(ptrs[i])) == 0)
                ptrs[i] = 0;
        } else {
            r = free_pointer_block(ino, &ptrs[i], child_keep, 1);
        }
        cache_dirty(buf);
    }
    cache_put(buf);
    if (r < 0 || keep > 0)
        return r;
    if ((r = kfs_block_free(*pb)) == 0)
        *pb = 0;
    return r;
}

/* Frees every block of the inode for file blocks keep and up. */
static int free_from(uint32_t ino, struct kfs_inode *inode, uint32_t keep)
{
    int r;
    for (uint32_t i = keep; i < KFS_DIRECT; i++) {
        if (inode->direct[i] == 0)
            continue;
        if ((r = kfs_check_pointer(ino, inode->direct[i])) < 0 || (r = kfs_block_free(inode->direct[i])) < 0)
            return r;
        inode->direct[i] = 0;
    }
    uint32_t ind_keep = keep > KFS_DIRECT ? keep - KFS_DIRECT : 0;
    if ((r = free_pointer_block(ino, &inode->indirect, ind_keep, 1)) < 0)
        return r;
    uint32_t dind_keep = keep > KFS_DIRECT + KFS_PTRS_PER_BLOCK ? keep - KFS_DIRECT - KFS_PTRS_PER_BLOCK : 0;
    return free_pointer_block(ino, &inode->double_indirect, dind_keep, 2);
}

/* Sets the size, freeing blocks past the end and zeroing the tail of the last one; stores the inode. */
int kfs_file_truncate(uint32_t ino, struct kfs_inode *inode, uint32_t size)
{
    if (size > KFS_MAX_FILE_SIZE)
        return -EFBIG;
    if (size <= inode->size) { /* also when equal: a failed write may have left blocks past the end */
        uint32_t keep = size / KFS_BLOCK_SIZE + (size % KFS_BLOCK_SIZE != 0);
        int r = free_from(ino, inode, keep);
        if (r == 0 && size % KFS_BLOCK_SIZE) {
            uint32_t last;
            struct cache_buf *cb;
            if ((r = kfs_bmap(ino, inode, keep - 1, 0, &last)) == 0 && last != 0 && (r = cache_get(last, 0, &cb)) == 0) {
                memset(cache_data(cb) + size % KFS_BLOCK_SIZE, 0, KFS_BLOCK_SIZE - size % KFS_BLOCK_SIZE);
                cache_dirty(cb);
                cache_put(cb);
            }
        }
        if (r < 0) {
            kfs_inode_put(ino, inode); /* keep what was freed consistent with the bitmap */
            return r;
        }
    }
    inode->size = size;
    return kfs_inode_put(ino, inode);
}

/* Writes n bytes at offset and stores the inode; on -ENOSPC the file is cut back to its old size. */
int kfs_file_write(uint32_t ino, struct kfs_inode *inode, uint32_t offset, const void *buf, uint32_t n)
{
    if (offset > KFS_MAX_FILE_SIZE || n > KFS_MAX_FILE_SIZE - offset)
        return -EFBIG;
    const uint8_t *src = buf;
    uint32_t old_size = inode->size;
    for (uint32_t done = 0; done < n;) {
        uint32_t pos = offset + done, within = pos % KFS_BLOCK_SIZE;
        uint32_t chunk = KFS_BLOCK_SIZE - within < n - done ? KFS_BLOCK_SIZE - within : n - done;
        uint32_t b;
        struct cache_buf *cb;
        int r = kfs_bmap(ino, inode, pos / KFS_BLOCK_SIZE, 1, &b);
        if (r == 0)
            r = cache_get(b, 0, &cb);
        if (r < 0) {
            int w = kfs_inode_put(ino, inode); /* record what was allocated, so that it can be freed */
            if (r == -ENOSPC && w == 0)
                kfs_file_truncate(ino, inode, old_size);
            return r;
        }
        memcpy(cache_data(cb) + within, src + done, chunk);
        cache_dirty(cb);
        cache_put(cb);
        done += chunk;
    }
    if (offset + n > inode->size)
        inode->size = offset + n;
    int r = kfs_inode_put(ino, inode);
    return r < 0 ? r : (int)n;
}

/* Flushes after a change and returns result, or the flush's error when result is a success. */
static int flushed(int result)
{
    int r = cache_flush();
    return result >= 0 && r < 0 ? r : result;
}

/* Reads up to n bytes at offset; returns bytes read (0 at or past the end). */
int fs_read(uint32_t ino, uint32_t offset, void *buf, uint32_t n)
{
    struct kfs_inode inode;
    if (!kfs.dev)
        return -EIO;
    int r = kfs_inode_get(ino, &inode);
    if (r < 0)
        return r;
    if (inode.type == KFS_TYPE_DIR)
        return -EISDIR;
    if (n > 0x7fffffffu)
        n = 0x7fffffffu; /* the count must fit the int result */
    return kfs_file_read(ino, &inode, offset, buf, n);
}

/* Writes n bytes at offset, growing the file; returns n or -ENOSPC/-EFBIG. */
int fs_write(uint32_t ino, uint32_t offset, const void *buf, uint32_t n)
{
    struct kfs_inode inode;
    if (!kfs.dev)
        return -EIO;
    int r = kfs_inode_get(ino, &inode);
    if (r < 0)
        return r;
    if (inode.type == KFS_TYPE_DIR)
        return -EISDIR;
    return flushed(kfs_file_write(ino, &inode, offset, buf, n));
}

/* Sets the size of file ino (growing reads as zeros). */
int fs_truncate(uint32_t ino, uint32_t size)
{
    struct kfs_inode inode;
    if (!kfs.dev)
        return -EIO;
    int r = kfs_inode_get(ino, &inode);
    if (r < 0)
        return r;
    if (inode.type == KFS_TYPE_DIR)
        return -EISDIR;
    return flushed(kfs_file_truncate(ino, &inode, size));
}

/* The type, size and link count of inode ino. */
int fs_stat_inode(uint32_t ino, struct kl_stat *out)
{
    struct kfs_inode inode;
    if (!kfs.dev)
        return -EIO;
    int r = kfs_inode_get(ino, &inode);
    if (r < 0)
        return r;
    out->ino = ino;
    out->type = inode.type;
    out->size = inode.size;
    out->links = inode.links;
    return 0;
}
