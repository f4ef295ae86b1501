/* Open files over the console, the filesystem (fs.h) and pipes, and the lock around the filesystem. */
#include <kernel/file.h>
#include <kernel/fs.h>
#include <kernel/console.h>
#include <kernel/heap.h>
#include <kernel/sched.h>
#include <kernel/uaccess.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/types.h>

#define IO_CHUNK 4096u

static bool fs_busy;
static int fs_waiters;

void fs_lock(void)
{
    uint32_t f = irq_save();
    while (fs_busy)
        sched_sleep_on(&fs_waiters);
    fs_busy = true;
    irq_restore(f);
}

void fs_unlock(void)
{
    uint32_t f = irq_save();
    fs_busy = false;
    sched_wakeup(&fs_waiters);
    irq_restore(f);
}

/* A new file of kind with one reference, or NULL. */
static struct file *file_new(enum file_kind kind)
{
    struct file *f = kzalloc(sizeof *f);
    if (f) {
        f->kind = kind;
        f->refs = 1;
    }
    return f;
}

struct file *file_console(void)
{
    struct file *f = file_new(FILE_CONSOLE);
    if (f)
        f->flags = O_RDWR;
    return f;
}

/* True when the open mode allows reading / writing. */
static bool can_read(const struct file *f) { return (f->flags & O_ACCMODE) != O_WRONLY; }
static bool can_write(const struct file *f) { return (f->flags & O_ACCMODE) != O_RDONLY; }

struct file *file_open(const char *path, int flags, int *err)
{
    if ((flags & O_ACCMODE) == O_ACCMODE) {
        *err = -EINVAL;
        return NULL;
    }
    fs_lock();
    int ino = fs_lookup(path);
    if (ino == -ENOENT && (flags & O_CREAT))
        ino = fs_create(path, KL_TYPE_FILE);
    struct kl_stat st;
    int r = ino < 0 ? ino : fs_stat_inode((uint32_t)ino, &st);
    bool writes = (flags & O_ACCMODE) != O_RDONLY;
    if (r >= 0 && (flags & O_DIRECTORY) && st.type != KL_TYPE_DIR)
        r = -ENOTDIR;
    if (r >= 0 && st.type == KL_TYPE_DIR && writes)
        r = -EISDIR;
    if (r >= 0 && st.type == KL_TYPE_FILE && writes && (flags & O_TRUNC))
        r = fs_truncate((uint32_t)ino, 0);
    fs_unlock();
    if (r < 0) {
        *err = r;
        return NULL;
    }
    struct file *f = file_new(FILE_INODE);
    if (!f) {
        *err = -ENOMEM;
        return NULL;
    }
    f->flags = flags & (O_ACCMODE | O_APPEND);
    f->ino = (uint32_t)ino;
    f->type = st.type;
    return f;
}

struct file *file_dup(struct file *f)
{
    f->refs++;
    return f;
}

void file_close(struct file *f)
{
    if (--f->refs > 0)
        return;
    if (f->kind == FILE_PIPE_READ || f->kind == FILE_PIPE_WRITE)
        pipe_close_end(f->pipe, f->kind == FILE_PIPE_WRITE);
    kfree(f);
}

/* read() on a filesystem file, through a kernel buffer. */
static int inode_read(struct file *f, uint32_t ubuf, uint32_t n)
{
    if (f->type == KL_TYPE_DIR)
        return -EISDIR;
    if (!user_range_ok(ubuf, n, true))
        return -EFAULT;
    char *buf = kmalloc(IO_CHUNK);
    if (!buf)
        return -ENOMEM;
    uint32_t done = 0;
    int r = 0;
    while (done < n) {
        uint32_t want = n - done < IO_CHUNK ? n - done : IO_CHUNK;
        fs_lock();
        r = fs_read(f->ino, f->offset, buf, want);
        fs_unlock();
        if (r <= 0)
            break;
        if (copy_to_user(ubuf + done, buf, (uint32_t)r) < 0) {
            r = -EFAULT;
            break;
        }
        f->offset += (uint32_t)r;
        done += (uint32_t)r;
        if ((uint32_t)r < want)
            break;
    }
    kfree(buf);
    return done > 0 ? (int)done : r;
}

/* write() on a filesystem file, through a kernel buffer. */
static int inode_write(struct file *f, uint32_t ubuf, uint32_t n)
{
    if (f->type == KL_TYPE_DIR)
        return -EISDIR;
    if (!user_range_ok(ubuf, n, false))
        return -EFAULT;
    char *buf = kmalloc(IO_CHUNK);
    if (!buf)
        return -ENOMEM;
    uint32_t done = 0;
    int r = 0;
    while (done < n) {
        uint32_t want = n - done < IO_CHUNK ? n - done : IO_CHUNK;
        if (copy_from_user(buf, ubuf + done, want) < 0) {
            r = -EFAULT;
            break;
        }
        fs_lock();
        if (f->flags & O_APPEND) {
            struct kl_stat st;
            r = fs_stat_inode(f->ino, &st);
            if (r >= 0)
                f->offset = st.size;
        }
        if (r >= 0)
            r = fs_write(f->ino, f->offset, buf, want);
        fs_unlock();
        if (r <= 0)
            break;
        f->offset += (uint32_t)r;
        done += (uint32_t)r;
    }
    kfree(buf);
    return done > 0 ? (int)done : r;
}

/* read() on the console, a line at most. */
static int console_file_read(uint32_t ubuf, uint32_t n)
{
    if (!user_range_ok(ubuf, n, true))
        return -EFAULT;
    char buf[256];
    int r = console_read(buf, n < sizeof buf ? n : sizeof buf);
    if (r > 0 && copy_to_user(ubuf, buf, (uint32_t)r) < 0)
        return -EFAULT;
    return r;
}

/* write() on the console. */
static int console_file_write(uint32_t ubuf, uint32_t n)
{
    if (!user_range_ok(ubuf, n, false))
        return -EFAULT;
    char buf[256];
    for (uint32_t done = 0; done < n;) {
        uint32_t k = n - done < sizeof buf ? n - done : sizeof buf;
        if (copy_from_user(buf, ubuf + done, k) < 0)
            return -EFAULT;
        console_write(buf, k);
        done += k;
    }
    return (int)n;
}

int file_read(struct file *f, uint32_t ubuf, uint32_t n)
{
    if (!can_read(f) || f->kind == FILE_PIPE_WRITE)
        return -EBADF;
    switch (f->kind) {
    case FILE_CONSOLE: return console_file_read(ubuf, n);
    case FILE_INODE: return inode_read(f, ubuf, n);
    case FILE_PIPE_READ: return pipe_read(f->pipe, ubuf, n);
    default: return -EBADF;
    }
}

int file_write(struct file *f, uint32_t ubuf, uint32_t n)
{
    if (f->kind == FILE_PIPE_READ || (f->kind != FILE_PIPE_WRITE && !can_write(f)))
        return -EBADF;
    switch (f->kind) {
    case FILE_CONSOLE: return console_file_write(ubuf, n);
    case FILE_INODE: return inode_write(f, ubuf, n);
    case FILE_PIPE_WRITE: return pipe_write(f->pipe, ubuf, n);
    default: return -EBADF;
    }
}

int file_readdir(struct file *f, void *dirent)
{
    if (f->kind != FILE_INODE || f->type != KL_TYPE_DIR)
        return -ENOTDIR;
    fs_lock();
    int r = fs_readdir(f->ino, f->offset, dirent);
    fs_unlock();
    if (r == 1)
        f->offset++;
    return r;
}

int file_lseek(struct file *f, int offset, int whence)
{
    if (f->kind != FILE_INODE)
        return -ESPIPE;
    int64_t base;
    if (whence == SEEK_SET) {
        base = 0;
    } else if (whence == SEEK_CUR) {
        base = f->offset;
    } else if (whence == SEEK_END) {
        struct kl_stat st;
        fs_lock();
        int r = fs_stat_inode(f->ino, &st);
        fs_unlock();
        if (r < 0)
            return r;
        base = st.size;
    } else {
        return -EINVAL;
    }
    int64_t pos = base + offset;
    if (pos < 0 || pos > 0x7FFFFFFF)
        return -EINVAL;
    f->offset = (uint32_t)pos;
    return (int)pos;
}
