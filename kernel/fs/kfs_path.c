/* Paths and the namespace calls of fs.h: lookup, create, unlink, rename. Paths are absolute, at
 * most KL_PATH_MAX - 1 bytes, so a lookup takes a bounded number of steps whatever the image holds. */
#include <kernel/fs.h>
#include <kernel/lib.h>
#include <uapi/errno.h>
#include "kfs.h"

/* Copies the next component of *path into name and advances; 1 with one, 0 at the end. */
static int next_component(const char **path, char name[KFS_NAME_FIELD])
{
    const char *p = *path;
    while (*p == '/')
        p++;
    if (*p == 0)
        return 0;
    size_t len = 0;
    while (p[len] != 0 && p[len] != '/')
        len++;
    if (len >= KFS_NAME_FIELD)
        return -ENAMETOOLONG;
    memcpy(name, p, len);
    name[len] = 0;
    *path = p + len;
    return 1;
}

/* Checks that path is absolute and not too long. */
static int path_check(const char *path)
{
    if (!path || path[0] != '/')
        return -EINVAL;
    if (strnlen(path, KL_PATH_MAX) >= KL_PATH_MAX)
        return -ENAMETOOLONG;
    return kfs.dev ? 0 : -EIO;
}

/* One lookup step: name in directory dir, with "." and ".." resolved. */
static int step(uint32_t dir, const char *name, uint32_t *out)
{
    uint32_t slot;
    if (strcmp(name, "..") == 0)
        return kfs_dir_parent(dir, out);
    if (strcmp(name, ".") == 0) {
        int r = kfs_dir_is_empty(dir); /* only to check dir is a good directory */
        *out = dir;
        return r < 0 ? r : 0;
    }
    return kfs_dir_find(dir, name, &slot, out);
}

/* The directory holding the last component of path, and that component (a real name). */
static int split_parent(const char *path, uint32_t *dir, char name[KFS_NAME_FIELD])
{
    int r = path_check(path);
    if (r < 0)
        return r;
    char next[KFS_NAME_FIELD];
    uint32_t at = KFS_ROOT_INODE;
    if ((r = next_component(&path, name)) <= 0)
        return r < 0 ? r : -EBUSY; /* "/" has no parent */
    while ((r = next_component(&path, next)) > 0) {
        if ((r = step(at, name, &at)) < 0)
            return r;
        memcpy(name, next, KFS_NAME_FIELD);
    }
    if (r < 0)
        return r;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return -EINVAL;
    if ((r = kfs_name_check(name)) < 0)
        return r;
    *dir = at;
    return 0;
}

/* Flushes after a change and returns result, or the flush's error when result is a success. */
static int flushed(int result)
{
    int r = cache_flush();
    return result >= 0 && r < 0 ? r : result;
}

/* Adds delta to the link count of ino. */
static int adjust_links(uint32_t ino, int delta)
{
    struct kfs_inode inode;
    int r = kfs_inode_get(ino, &inode);
    if (r < 0)
        return r;
    if ((delta < 0 && inode.links == 0) || (delta > 0 && inode.links == 0xffff))
        return kfs_corrupt("inode %u: link count %u out of range", ino, inode.links);
    inode.links = (uint16_t)(inode.links + delta);
    return kfs_inode_put(ino, &inode);
}

/* The inode number of path. */
int fs_lookup(const char *path)
{
    int r = path_check(path);
    if (r < 0)
        return r;
    char name[KFS_NAME_FIELD];
    uint32_t at = KFS_ROOT_INODE;
    while ((r = next_component(&path, name)) > 0)
        if ((r = step(at, name, &at)) < 0)
            return r;
    struct kfs_inode inode;
    if (r < 0 || (r = kfs_inode_get(at, &inode)) < 0)
        return r;
    return (int)at;
}

/* Gives the fresh directory inode ino (size 0) its "." and ".." (parent) entries. */
static int fill_new_directory(uint32_t ino, struct kfs_inode *inode, uint32_t parent)
{
    struct kfs_dirent pair[2];
    memset(pair, 0, sizeof pair);
    pair[0].ino = ino;
    pair[0].name[0] = '.';
    pair[1].ino = parent;
    pair[1].name[0] = pair[1].name[1] = '.';
    int r = kfs_file_write(ino, inode, 0, pair, sizeof pair);
    return r < 0 ? r : 0;
}

/* Creates a file or directory; returns the new inode, -EEXIST if path exists. */
static int do_create(const char *path, uint32_t type)
{
    uint32_t dir, slot, ino;
    char name[KFS_NAME_FIELD];
    if (type != KFS_TYPE_FILE && type != KFS_TYPE_DIR)
        return -EINVAL;
    int r = split_parent(path, &dir, name);
    if (r < 0)
        return r;
    if ((r = kfs_dir_find(dir, name, &slot, &ino)) != -ENOENT)
        return r == 0 ? -EEXIST : r;
    if ((r = kfs_inode_alloc(type, &ino)) < 0)
        return r;
    struct kfs_inode inode;
    memset(&inode, 0, sizeof inode);
    inode.type = (uint16_t)type;
    inode.links = type == KFS_TYPE_DIR ? 2 : 1;
    if ((type != KFS_TYPE_DIR || (r = fill_new_directory(ino, &inode, dir)) == 0) &&
        (r = kfs_dir_add(dir, name, ino)) == 0) {
        r = type == KFS_TYPE_DIR ? adjust_links(dir, +1) : 0;
        return r < 0 ? r : (int)ino;
    }
    if (kfs_file_truncate(ino, &inode, 0) == 0)
        kfs_inode_free(ino);
    return r;
}

int fs_create(const char *path, uint32_t type)
{
    return flushed(do_create(path, type));
}

/* Frees the inode that slot of dir names (a directory must be empty); the entry stays. */
static int remove_inode(uint32_t dir, uint32_t ino)
{
    struct kfs_inode inode;
    int r = kfs_inode_get(ino, &inode);
    if (r < 0)
        return r;
    if (inode.type == KFS_TYPE_DIR) {
        if ((r = kfs_dir_is_empty(ino)) <= 0)
            return r < 0 ? r : -ENOTEMPTY;
        if ((r = adjust_links(dir, -1)) < 0)
            return r;
    }
    if ((r = kfs_file_truncate(ino, &inode, 0)) < 0)
        return r;
    return kfs_inode_free(ino);
}

/* Removes a file, or an empty directory. */
static int do_unlink(const char *path)
{
    uint32_t dir, slot, ino;
    char name[KFS_NAME_FIELD];
    int r = split_parent(path, &dir, name);
    if (r < 0 || (r = kfs_dir_find(dir, name, &slot, &ino)) < 0 || (r = remove_inode(dir, ino)) < 0)
        return r;
    return kfs_dir_set(dir, slot, 0);
}

int fs_unlink(const char *path)
{
    return flushed(do_unlink(path));
}

/* 1 if directory ancestor is dir or above it (walking ".."), 0 if not; bounded against cycles. */
static int is_ancestor_or_self(uint32_t ancestor, uint32_t dir)
{
    for (uint32_t steps = 0; steps <= kfs.sb.inode_count; steps++) {
        if (dir == ancestor)
            return 1;
        if (dir == KFS_ROOT_INODE)
            return 0;
        int r = kfs_dir_parent(dir, &dir);
        if (r < 0)
            return r;
    }
    return kfs_corrupt("a cycle of '..' entries");
}

/* The type of inode ino. */
static int inode_type(uint32_t ino)
{
    struct kfs_inode inode;
    int r = kfs_inode_get(ino, &inode);
    return r < 0 ? r : inode.type;
}

/* Moves or renames; replaces a file (or, for a directory, an empty directory) at to. */
static int do_rename(const char *from, const char *to)
{
    uint32_t src_dir, src_slot, src, dst_dir, dst_slot, dst;
    char src_name[KFS_NAME_FIELD], dst_name[KFS_NAME_FIELD];
    int r = split_parent(from, &src_dir, src_name);
    if (r < 0 || (r = kfs_dir_find(src_dir, src_name, &src_slot, &src)) < 0 ||
        (r = split_parent(to, &dst_dir, dst_name)) < 0)
        return r;
    int type = inode_type(src);
    if (type < 0)
        return type;
    if (type == KFS_TYPE_DIR && (r = is_ancestor_or_self(src, dst_dir)) != 0)
        return r < 0 ? r : -EINVAL;
    r = kfs_dir_find(dst_dir, dst_name, &dst_slot, &dst);
    if (r == 0) {
        if (dst == src)
            return 0;
        int dst_type = inode_type(dst);
        if (dst_type < 0)
            return dst_type;
        if (dst_type != type)
            return type == KFS_TYPE_FILE ? -EISDIR : -ENOTDIR;
        if ((r = remove_inode(dst_dir, dst)) < 0 || (r = kfs_dir_set(dst_dir, dst_slot, src)) < 0)
            return r;
    } else if (r != -ENOENT || (r = kfs_dir_add(dst_dir, dst_name, src)) < 0) {
        return r;
    }
    if ((r = kfs_dir_set(src_dir, src_slot, 0)) < 0)
        return r;
    if (type == KFS_TYPE_DIR && src_dir != dst_dir) {
        if ((r = kfs_dir_set(src, 1, dst_dir)) < 0 || (r = adjust_links(src_dir, -1)) < 0)
            return r;
        return adjust_links(dst_dir, +1);
    }
    return 0;
}

int fs_rename(const char *from, const char *to)
{
    return flushed(do_rename(from, to));
}
