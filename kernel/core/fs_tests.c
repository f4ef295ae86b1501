/* In-kernel tests of the filesystem (fs.h over KFS, docs/kfs.md). Each test builds a scratch KFS
 * image in heap memory, mounts it as a RAM disk, works through fs.h, and then gives the root
 * filesystem back (the fs lock is held all along, so no process sees the scratch image). */
#include <kernel/fs.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/ktest.h>
#include <kernel/lib.h>
#include <kernel/ramdisk.h>
#include <uapi/errno.h>
#include "../fs/kfs.h"

struct scratch {
    uint8_t *mem;
    uint32_t bytes;
    struct blockdev dev;
    struct blockdev *saved_root;
};

/* Sets bit b of the bitmap of image mem. */
static void scratch_mark(uint8_t *mem, uint32_t b)
{
    mem[KFS_BLOCK_SIZE + b / 8] |= (uint8_t)(1u << (b % 8));
}

/* Writes an empty KFS of kib KiB with inodes inodes into mem, laid out as mkfs does. */
static void scratch_format(uint8_t *mem, uint32_t kib, uint32_t inodes)
{
    struct kfs_superblock *sb = (struct kfs_superblock *)mem;
    memset(mem, 0, kib * 1024);
    sb->magic = KFS_MAGIC;
    sb->version = KFS_VERSION;
    sb->block_size = KFS_BLOCK_SIZE;
    sb->total_blocks = kib;
    sb->inode_count = inodes;
    sb->bitmap_start = 1;
    sb->bitmap_blocks = (kib + KFS_BITS_PER_BLOCK - 1) / KFS_BITS_PER_BLOCK;
    sb->inode_start = 1 + sb->bitmap_blocks;
    sb->inode_blocks = inodes / KFS_INODES_PER_BLOCK;
    sb->data_start = sb->inode_start + sb->inode_blocks;
    sb->root_inode = KFS_ROOT_INODE;
    sb->inode_size = KFS_INODE_SIZE;
    sb->dirent_size = KFS_DIRENT_SIZE;
    sb->checksum = kfs_crc32(sb, KFS_CHECKED_BYTES);
    for (uint32_t b = 0; b <= sb->data_start; b++)
        scratch_mark(mem, b);
    struct kfs_inode *root = (struct kfs_inode *)(mem + sb->inode_start * KFS_BLOCK_SIZE) + KFS_ROOT_INODE;
    root->type = KFS_TYPE_DIR;
    root->links = 2;
    root->size = 2 * KFS_DIRENT_SIZE;
    root->direct[0] = sb->data_start;
    struct kfs_dirent *dots = (struct kfs_dirent *)(mem + sb->data_start * KFS_BLOCK_SIZE);
    dots[0].ino = dots[1].ino = KFS_ROOT_INODE;
    dots[0].name[0] = dots[1].name[0] = dots[1].name[1] = '.';
}

/* Takes the fs lock, builds and mounts a scratch image; 0, or the test is failed. */
static int scratch_begin(struct scratch *s, uint32_t kib, uint32_t inodes)
{
    s->bytes = kib * 1024;
    s->mem = kmalloc(s->bytes);
    if (!s->mem) {
        ktest_fail("kmalloc(%u) failed", s->bytes);
        return -ENOMEM;
    }
    scratch_format(s->mem, kib, inodes);
    fs_lock();
    s->saved_root = kfs_mounted_device();
    int r = ramdisk_setup(&s->dev, "scratch", s->mem, s->bytes);
    if (r == 0)
        r = fs_mount(&s->dev);
    if (r < 0)
        ktest_fail("mounting the scratch image: %d", r);
    return r;
}

/* Gives the root filesystem back, drops the lock and frees the scratch image. */
static void scratch_end(struct scratch *s)
{
    if (s->saved_root) {
        int r = fs_mount(s->saved_root);
        if (r < 0)
            ktest_fail("remounting the root filesystem: %d", r);
    } else {
        kfs_unmount();
    }
    fs_unlock();
    kfree(s->mem);
}

/* Writes the text to a new file at path; returns its inode (or a negative error). */
static int put_text(const char *path, const char *text)
{
    int ino = fs_create(path, KL_TYPE_FILE);
    if (ino < 0)
        return ino;
    int r = fs_write((uint32_t)ino, 0, text, (uint32_t)strlen(text));
    return r < 0 ? r : ino;
}

/* 1 if the file at path holds exactly text. */
static int has_text(const char *path, const char *text)
{
    char buf[128];
    int ino = fs_lookup(path);
    if (ino < 0)
        return 0;
    int n = fs_read((uint32_t)ino, 0, buf, sizeof buf - 1);
    if (n < 0)
        return 0;
    buf[n] = 0;
    return strcmp(buf, text) == 0;
}

/* The byte a pattern file holds at offset (not a multiple of anything the format uses). */
static uint8_t pattern_byte(uint32_t offset)
{
    return (uint8_t)(offset * 7 + offset / 1021);
}

KTEST(fs_file_create_read_write)
{
    struct scratch s;
    if (scratch_begin(&s, 128, 32) < 0)
        return;
    int ino = put_text("/hello", "hello, world");
    KCHECK(ino > 0);
    KCHECK(has_text("/hello", "hello, world"));
    KCHECK(fs_write((uint32_t)ino, 7, "there", 5) == 5);
    KCHECK(has_text("/hello", "hello, there"));
    KCHECK(fs_create("/hello", KL_TYPE_FILE) == -EEXIST);
    struct kl_stat st;
    KCHECK(fs_stat_inode((uint32_t)ino, &st) == 0 && st.type == KL_TYPE_FILE && st.size == 12 && st.links == 1);
    /* A write far past the end leaves a hole that reads as zeros. */
    KCHECK(fs_write((uint32_t)ino, 5000, "end", 3) == 3);
    char buf[16];
    KCHECK(fs_read((uint32_t)ino, 4000, buf, 16) == 16);
    int zeros = 1;
    for (int i = 0; i < 16; i++)
        zeros &= buf[i] == 0;
    KCHECK(zeros);
    KCHECK(fs_read((uint32_t)ino, 5003, buf, 16) == 0);
    KCHECK(fs_truncate((uint32_t)ino, 5) == 0);
    KCHECK(has_text("/hello", "hello"));
    KCHECK(fs_unlink("/hello") == 0);
    KCHECK(fs_lookup("/hello") == -ENOENT);
    KCHECK(fs_unlink("/hello") == -ENOENT);
    KCHECK(fs_lookup("relative") == -EINVAL);
    KCHECK(fs_create("/bad\x01name", KL_TYPE_FILE) == -EINVAL);
    KCHECK(fs_create("/0123456789012345678901234567890123456789012345678901234567890", KL_TYPE_FILE) == -ENAMETOOLONG);
    scratch_end(&s);
}

KTEST(fs_directories)
{
    struct scratch s;
    if (scratch_begin(&s, 128, 32) < 0)
        return;
    KCHECK(fs_create("/d", KL_TYPE_DIR) > 0);
    KCHECK(fs_create("/d/e", KL_TYPE_DIR) > 0);
    KCHECK(put_text("/d/e/f", "deep") > 0);
    KCHECK(put_text("/d/g", "g") > 0);
    KCHECK(has_text("//d/./e/../e//f", "deep"));
    KCHECK(fs_lookup("/..") == (int)KFS_ROOT_INODE);
    KCHECK(fs_lookup("/d/g/x") == -ENOTDIR);
    KCHECK(fs_create("/nope/x", KL_TYPE_FILE) == -ENOENT);
    int d = fs_lookup("/d");
    struct kl_dirent ent;
    KCHECK(fs_readdir((uint32_t)d, 0, &ent) == 1 && strcmp(ent.name, "e") == 0 && ent.type == KL_TYPE_DIR);
    KCHECK(fs_readdir((uint32_t)d, 1, &ent) == 1 && strcmp(ent.name, "g") == 0 && ent.type == KL_TYPE_FILE && ent.size == 1);
    KCHECK(fs_readdir((uint32_t)d, 2, &ent) == 0);
    KCHECK(fs_readdir((uint32_t)fs_lookup("/d/g"), 0, &ent) == -ENOTDIR);
    struct kl_stat st;
    KCHECK(fs_stat_inode((uint32_t)d, &st) == 0 && st.type == KL_TYPE_DIR && st.links == 3);
    KCHECK(fs_unlink("/d") == -ENOTEMPTY);
    KCHECK(fs_unlink("/d/e/f") == 0 && fs_unlink("/d/e") == 0);
    KCHECK(fs_stat_inode((uint32_t)d, &st) == 0 && st.links == 2);
    KCHECK(fs_unlink("/") == -EBUSY);
    /* Many entries: the directory grows past one block, and freed slots are reused. */
    char name[16];
    int made = 0;
    for (int i = 0; i < 20; i++) {
        ksnprintf(name, sizeof name, "/d/n%d", i);
        made += put_text(name, name) > 0;
    }
    KCHECK(made == 20);
    KCHECK(has_text("/d/n19", "/d/n19"));
    KCHECK(fs_unlink("/d/n3") == 0 && put_text("/d/new", "x") > 0);
    KCHECK(fs_stat_inode((uint32_t)d, &st) == 0 && st.size == 23 * KFS_DIRENT_SIZE);
    scratch_end(&s);
}

KTEST(fs_rename)
{
    struct scratch s;
    if (scratch_begin(&s, 128, 32) < 0)
        return;
    KCHECK(fs_create("/a", KL_TYPE_DIR) > 0 && fs_create("/b", KL_TYPE_DIR) > 0);
    KCHECK(put_text("/a/x", "x") > 0 && put_text("/b/y", "y") > 0);
    KCHECK(fs_rename("/a/x", "/a/x2") == 0 && has_text("/a/x2", "x") && fs_lookup("/a/x") == -ENOENT);
    KCHECK(fs_rename("/a/x2", "/b/y") == 0 && has_text("/b/y", "x")); /* replaces y */
    KCHECK(fs_rename("/a", "/b/a") == 0 && fs_lookup("/b/a/..") == fs_lookup("/b"));
    struct kl_stat st;
    KCHECK(fs_stat_inode((uint32_t)fs_lookup("/b"), &st) == 0 && st.links == 3);
    KCHECK(fs_stat_inode(KFS_ROOT_INODE, &st) == 0 && st.links == 3);
    KCHECK(fs_rename("/b", "/b/a/inside") == -EINVAL);
    KCHECK(fs_rename("/b", "/b") == 0);
    KCHECK(fs_rename("/b/y", "/b/a") == -EISDIR);
    KCHECK(fs_rename("/missing", "/z") == -ENOENT);
    scratch_end(&s);
}

KTEST(fs_large_file)
{
    struct scratch s;
    const uint32_t size = 600 * 1024 + 123; /* past the direct and single-indirect blocks */
    if (scratch_begin(&s, 1024, 32) < 0)
        return;
    uint8_t *buf = kmalloc(4096);
    int ino = fs_create("/big", KL_TYPE_FILE);
    KCHECK(buf && ino > 0);
    for (uint32_t off = 0; buf && ino > 0 && off < size && !ktest_stopped(); off += 4000) {
        uint32_t n = size - off < 4000 ? size - off : 4000;
        for (uint32_t i = 0; i < n; i++)
            buf[i] = pattern_byte(off + i);
        KCHECK(fs_write((uint32_t)ino, off, buf, n) == (int)n);
    }
    int same = 1;
    for (uint32_t off = 0; buf && ino > 0 && off < size && same; off += 3333) {
        int n = fs_read((uint32_t)ino, off, buf, 3333);
        same = n == (int)(size - off < 3333 ? size - off : 3333);
        for (int i = 0; same && i < n; i++)
            same = buf[i] == pattern_byte(off + (uint32_t)i);
    }
    KCHECK(same);
    uint32_t free_before, free_after, total;
    KCHECK(fs_usage(&free_before, &total) == 0);
    KCHECK(fs_truncate((uint32_t)ino, 1000) == 0);
    KCHECK(fs_usage(&free_after, &total) == 0 && free_after > free_before + 590);
    KCHECK(fs_unlink("/big") == 0);
    KCHECK(fs_usage(&free_after, &total) == 0 && free_after == total - 1); /* only the root's block */
    kfree(buf);
    scratch_end(&s);
}

KTEST(fs_persists_across_remount)
{
    struct scratch s, other;
    if (scratch_begin(&s, 128, 32) < 0)
        return;
    KCHECK(fs_create("/keep", KL_TYPE_DIR) > 0 && put_text("/keep/me", "still here") > 0);
    KCHECK(fs_sync() == 0);
    /* Mount a different image in between, so that nothing can come from the cache. */
    other.mem = kmalloc(64 * 1024);
    if (other.mem) {
        scratch_format(other.mem, 64, 16);
        KCHECK(ramdisk_setup(&other.dev, "other", other.mem, 64 * 1024) == 0 && fs_mount(&other.dev) == 0);
        KCHECK(fs_lookup("/keep") == -ENOENT);
        KCHECK(fs_mount(&s.dev) == 0);
        kfree(other.mem);
    }
    KCHECK(has_text("/keep/me", "still here"));
    scratch_end(&s);
}

KTEST(fs_enospc)
{
    struct scratch s;
    if (scratch_begin(&s, 64, 16) < 0)
        return;
    static uint8_t block[KFS_BLOCK_SIZE];
    memset(block, 'z', sizeof block);
    int ino = fs_create("/fill", KL_TYPE_FILE);
    KCHECK(ino > 0);
    uint32_t off = 0;
    int r = 0;
    while (ino > 0 && (r = fs_write((uint32_t)ino, off, block, sizeof block)) == (int)sizeof block && off < 1024 * 1024)
        off += sizeof block;
    KCHECK(r == -ENOSPC);
    struct kl_stat st;
    KCHECK(fs_stat_inode((uint32_t)ino, &st) == 0 && st.size == off); /* the failed write left nothing */
    uint32_t free_blocks, total;
    KCHECK(fs_usage(&free_blocks, &total) == 0 && free_blocks == 0);
    KCHECK(fs_create("/more", KL_TYPE_DIR) == -ENOSPC); /* a directory needs a block */
    KCHECK(fs_unlink("/fill") == 0);
    KCHECK(fs_usage(&free_blocks, &total) == 0 && free_blocks == total - 1);
    /* The inode table fills up too: 16 inodes, minus the reserved 0 and the root. */
    char name[16];
    int made = 0;
    for (int i = 0; i < 20; i++) {
        ksnprintf(name, sizeof name, "/f%d", i);
        if (fs_create(name, KL_TYPE_FILE) > 0)
            made++;
    }
    KCHECK(made == 14);
    KCHECK(fs_create("/one-more", KL_TYPE_FILE) == -ENOSPC);
    scratch_end(&s);
}

/* The inode record of ino in a scratch image. */
static struct kfs_inode *scratch_inode(struct scratch *s, uint32_t ino)
{
    const struct kfs_superblock *sb = (const struct kfs_superblock *)s->mem;
    return (struct kfs_inode *)(s->mem + sb->inode_start * KFS_BLOCK_SIZE) + ino;
}

KTEST(fs_corrupt_image)
{
    struct scratch s;
    if (scratch_begin(&s, 128, 32) < 0)
        return;
    struct kfs_superblock *sb = (struct kfs_superblock *)s.mem;
    int ino = put_text("/file", "data");
    int dir = fs_create("/dir", KL_TYPE_DIR);
    KCHECK(ino > 0 && dir > 0 && fs_create("/a", KL_TYPE_DIR) > 0 && fs_sync() == 0);
    /* Bad magic, then a bad checksum: the mount is refused (and the scratch image stays mounted). */
    sb->magic ^= 1;
    KCHECK(fs_mount(&s.dev) == -EUCLEAN);
    sb->magic ^= 1;
    sb->total_blocks = 100000;
    KCHECK(fs_mount(&s.dev) == -EUCLEAN);
    sb->checksum = kfs_crc32(sb, KFS_CHECKED_BYTES);
    KCHECK(fs_mount(&s.dev) == -EUCLEAN); /* checksum right, but larger than the device */
    sb->total_blocks = 128;
    sb->checksum = kfs_crc32(sb, KFS_CHECKED_BYTES);
    KCHECK(fs_mount(&s.dev) == 0);
    /* A block pointer outside the image. */
    struct kfs_inode *file = scratch_inode(&s, (uint32_t)ino);
    uint32_t good = file->direct[0];
    file->direct[0] = 5000;
    KCHECK(fs_mount(&s.dev) == 0);
    char buf[8];
    KCHECK(fs_read((uint32_t)ino, 0, buf, sizeof buf) == -EUCLEAN);
    KCHECK(fs_unlink("/file") == -EUCLEAN);
    file->direct[0] = good;
    /* A garbage inode type, and a size no file can have. */
    file->type = 7;
    KCHECK(fs_mount(&s.dev) == 0 && fs_lookup("/file") == -EUCLEAN);
    file->type = KFS_TYPE_FILE;
    file->size = 0xfffffff0u;
    KCHECK(fs_mount(&s.dev) == 0 && fs_read((uint32_t)ino, 0, buf, sizeof buf) == -EUCLEAN);
    file->size = 4;
    /* A directory entry whose name has no NUL, then one naming an inode out of range. */
    struct kfs_inode *root = scratch_inode(&s, KFS_ROOT_INODE);
    struct kfs_dirent *entries = (struct kfs_dirent *)(s.mem + root->direct[0] * KFS_BLOCK_SIZE);
    memset(entries[2].name, 'A', KFS_NAME_FIELD);
    KCHECK(fs_mount(&s.dev) == 0 && fs_lookup("/dir") == -EUCLEAN);
    memset(entries[2].name, 0, KFS_NAME_FIELD);
    memcpy(entries[2].name, "file", 4);
    entries[2].ino = 9999;
    KCHECK(fs_mount(&s.dev) == 0 && fs_lookup("/file") == -EUCLEAN);
    entries[2].ino = (uint32_t)ino;
    /* A ".." cycle: /dir's parent is itself. Lookups are bounded by the path; a rename that walks
     * up from /dir (to check /a is not moved into itself) must stop with -EUCLEAN, not hang. */
    struct kfs_inode *d = scratch_inode(&s, (uint32_t)dir);
    struct kfs_dirent *dents = (struct kfs_dirent *)(s.mem + d->direct[0] * KFS_BLOCK_SIZE);
    dents[1].ino = (uint32_t)dir;
    KCHECK(fs_mount(&s.dev) == 0);
    KCHECK(fs_lookup("/dir/../../..") == dir);
    KCHECK(fs_rename("/a", "/dir/a") == -EUCLEAN);
    KCHECK(fs_lookup("/a") > 0);
    scratch_end(&s);
}
