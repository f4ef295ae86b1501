/* Directories (docs/kfs.md, "Directories"): files of 64-byte entries, slot 0 "." and slot 1 "..";
 * every entry is checked as it is read. Also fs_readdir. */
#include <kernel/fs.h>
#include <kernel/lib.h>
#include <uapi/errno.h>
#include "kfs.h"

/* 0 if name can be a KFS entry (1-59 printable ASCII bytes, no '/'), -ENAMETOOLONG or -EINVAL. */
int kfs_name_check(const char *name)
{
    size_t len = strnlen(name, KFS_NAME_FIELD);
    if (len == 0)
        return -EINVAL;
    if (len >= KFS_NAME_FIELD)
        return -ENAMETOOLONG;
    for (size_t i = 0; i < len; i++)
        if ((uint8_t)name[i] < 0x20 || (uint8_t)name[i] > 0x7e || name[i] == '/')
            return -EINVAL;
    return 0;
}

/* Whether the name field holds exactly want (then zeros). */
static int name_is(const struct kfs_dirent *d, const char *want)
{
    size_t len = strlen(want);
    if (memcmp(d->name, want, len) != 0)
        return 0;
    for (size_t i = len; i < KFS_NAME_FIELD; i++)
        if (d->name[i] != 0)
            return 0;
    return 1;
}

/* Checks a used entry's name field: NUL-terminated, zero after the NUL, a valid name. */
static int check_entry_name(uint32_t dir, uint32_t slot, const struct kfs_dirent *d)
{
    size_t len = strnlen(d->name, KFS_NAME_FIELD);
    if (len == KFS_NAME_FIELD)
        return kfs_corrupt("directory %u entry %u: name not NUL-terminated", dir, slot);
    for (size_t i = len; i < KFS_NAME_FIELD; i++)
        if (d->name[i] != 0)
            return kfs_corrupt("directory %u entry %u: bytes after the name", dir, slot);
    if (kfs_name_check(d->name) < 0 || name_is(d, ".") || name_is(d, ".."))
        return kfs_corrupt("directory %u entry %u: invalid name", dir, slot);
    return 0;
}

/* Reads and checks slot of directory dir (an empty slot gives ino 0). */
int kfs_dir_slot(uint32_t dir, struct kfs_inode *inode, uint32_t slot, struct kfs_dirent *out)
{
    uint32_t b;
    int r = kfs_bmap(dir, inode, slot * KFS_DIRENT_SIZE / KFS_BLOCK_SIZE, 0, &b);
    if (r < 0)
        return r;
    if (b == 0)
        return kfs_corrupt("directory %u has a hole", dir);
    r = kfs_file_read(dir, inode, slot * KFS_DIRENT_SIZE, out, KFS_DIRENT_SIZE);
    if (r < 0)
        return r;
    if (slot < 2) {
        if (!name_is(out, slot == 0 ? "." : "..") || out->ino == 0 || out->ino >= kfs.sb.inode_count ||
            (slot == 0 && out->ino != dir))
            return kfs_corrupt("directory %u: bad '%s' entry", dir, slot == 0 ? "." : "..");
        return 0;
    }
    if (out->ino == 0) {
        for (uint32_t i = 0; i < KFS_NAME_FIELD; i++)
            if (out->name[i] != 0)
                return kfs_corrupt("directory %u entry %u: empty slot with a name", dir, slot);
        return 0;
    }
    if (out->ino >= kfs.sb.inode_count)
        return kfs_corrupt("directory %u entry %u: inode %u out of range", dir, slot, out->ino);
    return check_entry_name(dir, slot, out);
}

/* Reads directory inode dir; -ENOTDIR if it is a file. */
static int dir_inode(uint32_t dir, struct kfs_inode *inode)
{
    int r = kfs_inode_get(dir, inode);
    if (r == 0 && inode->type != KFS_TYPE_DIR)
        return -ENOTDIR;
    return r;
}

/* The slot and inode of name in directory dir; -ENOENT if absent, -ENOTDIR if dir is a file. */
int kfs_dir_find(uint32_t dir, const char *name, uint32_t *slot, uint32_t *ino)
{
    struct kfs_inode inode;
    int r = dir_inode(dir, &inode);
    if (r < 0)
        return r;
    for (uint32_t s = 2; s < inode.size / KFS_DIRENT_SIZE; s++) {
        struct kfs_dirent d;
        if ((r = kfs_dir_slot(dir, &inode, s, &d)) < 0)
            return r;
        if (d.ino != 0 && strcmp(d.name, name) == 0) {
            *slot = s;
            *ino = d.ino;
            return 0;
        }
    }
    return -ENOENT;
}

/* Adds name -> ino to directory dir: the first empty slot, else a new one at the end. */
int kfs_dir_add(uint32_t dir, const char *name, uint32_t ino)
{
    struct kfs_inode inode;
    int r = dir_inode(dir, &inode);
    if (r < 0)
        return r;
    uint32_t s = 2, slots = inode.size / KFS_DIRENT_SIZE;
    for (; s < slots; s++) {
        struct kfs_dirent d;
        if ((r = kfs_dir_slot(dir, &inode, s, &d)) < 0)
            return r;
        if (d.ino == 0)
            break;
    }
    struct kfs_dirent entry;
    memset(&entry, 0, sizeof entry);
    entry.ino = ino;
    strncpy_safe(entry.name, name, KFS_NAME_FIELD);
    r = kfs_file_write(dir, &inode, s * KFS_DIRENT_SIZE, &entry, KFS_DIRENT_SIZE);
    return r < 0 ? r : 0;
}

/* Points slot of dir at ino (0 empties the slot and zeroes its name). */
int kfs_dir_set(uint32_t dir, uint32_t slot, uint32_t ino)
{
    struct kfs_inode inode;
    struct kfs_dirent d;
    int r = dir_inode(dir, &inode);
    if (r < 0 || (r = kfs_dir_slot(dir, &inode, slot, &d)) < 0)
        return r;
    if (ino == 0)
        memset(&d, 0, sizeof d);
    d.ino = ino;
    r = kfs_file_write(dir, &inode, slot * KFS_DIRENT_SIZE, &d, KFS_DIRENT_SIZE);
    return r < 0 ? r : 0;
}

/* 1 if directory dir has no entries but "." and "..", 0 if it has some. */
int kfs_dir_is_empty(uint32_t dir)
{
    struct kfs_inode inode;
    int r = dir_inode(dir, &inode);
    if (r < 0)
        return r;
    for (uint32_t s = 2; s < inode.size / KFS_DIRENT_SIZE; s++) {
        struct kfs_dirent d;
        if ((r = kfs_dir_slot(dir, &inode, s, &d)) < 0)
            return r;
        if (d.ino != 0)
            return 0;
    }
    return 1;
}

/* The parent of directory dir (its ".." entry), checked to be a directory. */
int kfs_dir_parent(uint32_t dir, uint32_t *out)
{
    struct kfs_inode inode;
    struct kfs_dirent d;
    int r = dir_inode(dir, &inode);
    if (r < 0 || (r = kfs_dir_slot(dir, &inode, 1, &d)) < 0)
        return r;
    struct kfs_inode parent;
    if ((r = kfs_inode_get(d.ino, &parent)) < 0)
        return r;
    if (parent.type != KFS_TYPE_DIR)
        return kfs_corrupt("directory %u: '..' is not a directory", dir);
    *out = d.ino;
    return 0;
}

/* The index-th entry of directory ino ("." and ".." not listed): 1 and *out filled, or 0 at the end. */
int fs_readdir(uint32_t ino, uint32_t index, struct kl_dirent *out)
{
    struct kfs_inode inode;
    if (!kfs.dev)
        return -EIO;
    int r = dir_inode(ino, &inode);
    if (r < 0)
        return r;
    for (uint32_t s = 2; s < inode.size / KFS_DIRENT_SIZE; s++) {
        struct kfs_dirent d;
        if ((r = kfs_dir_slot(ino, &inode, s, &d)) < 0)
            return r;
        if (d.ino == 0 || index-- != 0)
            continue;
        struct kfs_inode target;
        if ((r = kfs_inode_get(d.ino, &target)) < 0)
            return r;
        out->ino = d.ino;
        out->type = target.type;
        out->size = target.size;
        strncpy_safe(out->name, d.name, sizeof out->name);
        return 1;
    }
    return 0;
}
