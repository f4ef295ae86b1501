/* kfsh: the kernel's filesystem code (kernel/fs/) run on the host over an image file, one command
 * per run, so tests can check it against the TypeScript tool (test/kfs/kernel-fs.test.ts).
 *   kfsh IMAGE ls PATH | cat PATH | put HOSTFILE PATH | mkdir PATH | rm PATH | mv FROM TO
 *              | stat PATH | usage | fill PATH | scan
 * Exit 0 on success; on a filesystem error prints "kfsh: error N" (N = errno) and exits 3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kernel/fs.h>
#include <uapi/errno.h>
#include "filedev.h"

static int fail(int r)
{
    printf("kfsh: error %d\n", -r);
    return 3;
}

static int cmd_ls(const char *path)
{
    int ino = fs_lookup(path);
    if (ino < 0)
        return fail(ino);
    struct kl_stat st;
    int r = fs_stat_inode((uint32_t)ino, &st);
    if (r < 0)
        return fail(r);
    if (st.type == KL_TYPE_FILE) {
        printf("- %u %s\n", st.size, path);
        return 0;
    }
    struct kl_dirent d;
    for (uint32_t i = 0; (r = fs_readdir((uint32_t)ino, i, &d)) == 1; i++)
        printf("%c %u %s\n", d.type == KL_TYPE_DIR ? 'd' : '-', d.size, d.name);
    return r < 0 ? fail(r) : 0;
}

static int cmd_cat(const char *path)
{
    int ino = fs_lookup(path);
    if (ino < 0)
        return fail(ino);
    static char buf[3001]; /* an odd size, so reads cross block boundaries */
    int n;
    for (uint32_t off = 0; (n = fs_read((uint32_t)ino, off, buf, sizeof buf)) > 0; off += (uint32_t)n)
        fwrite(buf, 1, (size_t)n, stdout);
    return n < 0 ? fail(n) : 0;
}

static int cmd_put(const char *host, const char *path)
{
    FILE *f = fopen(host, "rb");
    if (!f) { perror(host); return 2; }
    int ino = fs_lookup(path);
    if (ino == -ENOENT)
        ino = fs_create(path, KL_TYPE_FILE);
    if (ino < 0)
        return fail(ino);
    int r = fs_truncate((uint32_t)ino, 0);
    if (r < 0)
        return fail(r);
    static char buf[2999];
    size_t n;
    for (uint32_t off = 0; (n = fread(buf, 1, sizeof buf, f)) > 0; off += (uint32_t)n)
        if ((r = fs_write((uint32_t)ino, off, buf, (uint32_t)n)) < 0)
            return fail(r);
    fclose(f);
    return 0;
}

static int cmd_stat(const char *path)
{
    int ino = fs_lookup(path);
    struct kl_stat st;
    int r = ino < 0 ? ino : fs_stat_inode((uint32_t)ino, &st);
    if (r < 0)
        return fail(r);
    printf("ino %u type %u size %u links %u\n", st.ino, st.type, st.size, st.links);
    return 0;
}

/* Writes 1 KiB blocks to a new file until the disk is full; prints how far it got. */
static int cmd_fill(const char *path)
{
    int ino = fs_create(path, KL_TYPE_FILE);
    if (ino < 0)
        return fail(ino);
    static char block[1024];
    memset(block, 'x', sizeof block);
    uint32_t off = 0;
    int r;
    while ((r = fs_write((uint32_t)ino, off, block, sizeof block)) == (int)sizeof block)
        off += sizeof block;
    struct kl_stat st;
    fs_stat_inode((uint32_t)ino, &st);
    printf("filled %u bytes, then error %d, size %u\n", off, -r, st.size);
    return 0;
}

/* Reads every file and directory from the root, depth first; prints each path and any error. */
static int scan(const char *path, int ino, int depth)
{
    struct kl_stat st;
    int r = fs_stat_inode((uint32_t)ino, &st), errors = 0;
    if (r < 0) { printf("%s: error %d\n", path, -r); return 1; }
    if (st.type == KL_TYPE_FILE) {
        static char buf[4096];
        for (uint32_t off = 0; (r = fs_read((uint32_t)ino, off, buf, sizeof buf)) > 0; off += (uint32_t)r) {}
        if (r < 0) { printf("%s: error %d\n", path, -r); return 1; }
        return 0;
    }
    if (depth > 64) { printf("%s: too deep\n", path); return 1; }
    struct kl_dirent d;
    for (uint32_t i = 0; (r = fs_readdir((uint32_t)ino, i, &d)) == 1; i++) {
        char child[512];
        snprintf(child, sizeof child, "%s/%s", strcmp(path, "/") ? path : "", d.name);
        int c = fs_lookup(child);
        if (c < 0) { printf("%s: error %d\n", child, -c); errors++; continue; }
        errors += scan(child, c, depth + 1);
    }
    if (r < 0) { printf("%s: error %d\n", path, -r); errors++; }
    return errors;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: kfsh IMAGE COMMAND ARGS...\n"); return 2; }
    static struct blockdev dev;
    if (filedev_open(&dev, argv[1]) < 0) { perror(argv[1]); return 2; }
    int r = fs_mount(&dev);
    if (r < 0)
        return fail(r);
    const char *cmd = argv[2];
    int status;
    if (!strcmp(cmd, "ls") && argc == 4) status = cmd_ls(argv[3]);
    else if (!strcmp(cmd, "cat") && argc == 4) status = cmd_cat(argv[3]);
    else if (!strcmp(cmd, "put") && argc == 5) status = cmd_put(argv[3], argv[4]);
    else if (!strcmp(cmd, "mkdir") && argc == 4) status = (r = fs_create(argv[3], KL_TYPE_DIR)) < 0 ? fail(r) : 0;
    else if (!strcmp(cmd, "rm") && argc == 4) status = (r = fs_unlink(argv[3])) < 0 ? fail(r) : 0;
    else if (!strcmp(cmd, "mv") && argc == 5) status = (r = fs_rename(argv[3], argv[4])) < 0 ? fail(r) : 0;
    else if (!strcmp(cmd, "stat") && argc == 4) status = cmd_stat(argv[3]);
    else if (!strcmp(cmd, "fill") && argc == 4) status = cmd_fill(argv[3]);
    else if (!strcmp(cmd, "usage") && argc == 3) {
        uint32_t free_blocks, total;
        if ((r = fs_usage(&free_blocks, &total)) < 0) status = fail(r);
        else { printf("%u free of %u\n", free_blocks, total); status = 0; }
    } else if (!strcmp(cmd, "scan") && argc == 3) {
        int errors = scan("/", fs_lookup("/"), 0);
        printf("scan: %d errors\n", errors);
        status = errors ? 3 : 0;
    } else { fprintf(stderr, "kfsh: bad command\n"); return 2; }
    if ((r = fs_sync()) < 0 && status == 0)
        status = fail(r);
    return status;
}
