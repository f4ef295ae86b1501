/* The system calls (uapi/syscall.h): int 0x80, number in EAX, arguments in EBX, ECX, EDX, ESI, EDI,
 * result in EAX. Every user pointer goes through mm/uaccess.c. */
#include <kernel/syscall.h>
#include <kernel/sched.h>
#include <kernel/file.h>
#include <kernel/fs.h>
#include <kernel/uaccess.h>
#include <kernel/frame.h>
#include <kernel/heap.h>
#include <kernel/heap_stats.h>
#include <kernel/rtc.h>
#include <kernel/lib.h>
#include <kernel/nk.h>
#include <kernel/rogue.h>
#include <kernel/lotr.h>
#include <uapi/syscall.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/types.h>
#include <uapi/layout.h>
#include <uapi/wait.h>

#define SBRK_GAP_PAGES 16 /* unmapped pages kept between the heap and the stack */

/* The open file at fd of the running process, or NULL. */
static struct file *fd_file(int fd)
{
    if (fd < 0 || fd >= MAX_FDS)
        return NULL;
    return sched_current()->fds[fd];
}

/* The lowest free descriptor, or -EMFILE. */
static int fd_free_slot(void)
{
    struct proc *p = sched_current();
    for (int i = 0; i < MAX_FDS; i++)
        if (!p->fds[i])
            return i;
    return -EMFILE;
}

/* Copies a path from user space: its length or -EFAULT/-ENAMETOOLONG/-ENOENT (empty). */
static int get_path(uint32_t upath, char *path)
{
    int r = copy_string_from_user(path, upath, KL_PATH_MAX);
    if (r == 0)
        return -ENOENT;
    return r;
}

static int sys_exit(uint32_t status) { proc_exit(W_EXITED(status)); }

static int sys_read(int fd, uint32_t buf, uint32_t n)
{
    struct file *f = fd_file(fd);
    return f ? file_read(f, buf, n) : -EBADF;
}

static int sys_write(int fd, uint32_t buf, uint32_t n)
{
    struct file *f = fd_file(fd);
    return f ? file_write(f, buf, n) : -EBADF;
}

static int sys_open(uint32_t upath, int flags)
{
    char path[KL_PATH_MAX];
    int r = get_path(upath, path);
    if (r < 0)
        return r;
    int fd = fd_free_slot();
    if (fd < 0)
        return fd;
    int err = 0;
    struct file *f = file_open(path, flags, &err);
    if (!f)
        return err;
    sched_current()->fds[fd] = f;
    return fd;
}

static int sys_close(int fd)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    sched_current()->fds[fd] = NULL;
    file_close(f);
    return 0;
}

static int sys_readdir(int fd, uint32_t out)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    if (!user_range_ok(out, sizeof(struct kl_dirent), true))
        return -EFAULT;
    struct kl_dirent d;
    memset(&d, 0, sizeof d);
    int r = file_readdir(f, &d);
    if (r == 1 && copy_to_user(out, &d, sizeof d) < 0)
        return -EFAULT;
    return r;
}

/* Runs a path-only filesystem call under the lock. */
static int path_call(uint32_t upath, int (*op)(const char *))
{
    char path[KL_PATH_MAX];
    int r = get_path(upath, path);
    if (r < 0)
        return r;
    fs_lock();
    r = op(path);
    fs_unlock();
    return r;
}

static int do_mkdir(const char *path) { int r = fs_create(path, KL_TYPE_DIR); return r < 0 ? r : 0; }

static int sys_unlink(uint32_t upath) { return path_call(upath, fs_unlink); }
static int sys_mkdir(uint32_t upath) { return path_call(upath, do_mkdir); }

static int sys_rename(uint32_t ufrom, uint32_t uto)
{
    char from[KL_PATH_MAX], to[KL_PATH_MAX];
    int r = get_path(ufrom, from);
    if (r >= 0)
        r = get_path(uto, to);
    if (r < 0)
        return r;
    fs_lock();
    r = fs_rename(from, to);
    fs_unlock();
    return r;
}

static int sys_stat(uint32_t upath, uint32_t out)
{
    char path[KL_PATH_MAX];
    int r = get_path(upath, path);
    if (r < 0)
        return r;
    if (!user_range_ok(out, sizeof(struct kl_stat), true))
        return -EFAULT;
    struct kl_stat st;
    fs_lock();
    r = fs_lookup(path);
    if (r >= 0)
        r = fs_stat_inode((uint32_t)r, &st);
    fs_unlock();
    if (r < 0)
        return r;
    return copy_to_user(out, &st, sizeof st);
}

/* Copies argv (a NULL-terminated user array of user strings) into one kernel block. */
static int copy_argv(uint32_t uargv, char ***out_argv, int *out_argc, void **block)
{
    char *buf = kmalloc(2 * KL_ARG_MAX + 16);
    if (!buf)
        return -ENOMEM;
    char **ptrs = (char **)buf; /* pointers first, strings after them, within KL_ARG_MAX bytes */
    uint32_t *uptr = (uint32_t *)(buf + KL_ARG_MAX + 16); /* the user's pointers, past that */
    int argc = 0;
    for (;; argc++) {
        if ((uint32_t)(argc + 1) * 4 > KL_ARG_MAX) {
            kfree(buf);
            return -E2BIG;
        }
        if (copy_from_user(&uptr[argc], uargv + 4u * argc, 4) < 0) {
            kfree(buf);
            return -EFAULT;
        }
        if (!uptr[argc])
            break;
    }
    size_t used = (size_t)(argc + 1) * sizeof(char *);
    for (int i = 0; i < argc; i++) {
        if (used >= KL_ARG_MAX) {
            kfree(buf);
            return -E2BIG;
        }
        int len = copy_string_from_user(buf + used, uptr[i], KL_ARG_MAX - used);
        if (len < 0) {
            kfree(buf);
            return len == -ENAMETOOLONG ? -E2BIG : len;
        }
        ptrs[i] = buf + used;
        used += (size_t)len + 1;
    }
    ptrs[argc] = NULL;
    *out_argv = ptrs;
    *out_argc = argc;
    *block = buf;
    return 0;
}

static int sys_spawn(uint32_t upath, uint32_t uargv)
{
    char path[KL_PATH_MAX];
    int r = get_path(upath, path);
    if (r < 0)
        return r;
    char **argv;
    int argc;
    void *block;
    r = copy_argv(uargv, &argv, &argc, &block); /* a NULL argv is a bad pointer like any other */
    if (r < 0)
        return r;
    r = proc_spawn(path, argc, argv);
    kfree(block);
    return r;
}

static int sys_wait(int pid, uint32_t ustatus)
{
    if (!user_range_ok(ustatus, 4, true)) /* checked first: a bad pointer must not lose the child */
        return -EFAULT;
    int status = 0;
    int r = proc_wait(pid, &status);
    if (r >= 0 && copy_to_user(ustatus, &status, 4) < 0)
        return -EFAULT;
    return r;
}

static int sys_getpid(void) { return sched_current()->pid; }
static int sys_kill(int pid) { return proc_kill(pid); }
static int sys_yield(void) { sched_yield(); return 0; }
static int sys_sleep(uint32_t ms) { return sched_sleep_ms(ms); }

static int sys_sbrk(int increment)
{
    struct proc *p = sched_current();
    uint32_t old = p->brk;
    int64_t wanted = (int64_t)old + increment;
    if (wanted < p->brk_base || wanted > (int64_t)p->stack_low - SBRK_GAP_PAGES * PAGE_SIZE)
        return -ENOMEM;
    uint32_t new_brk = (uint32_t)wanted;
    uint32_t old_top = ALIGN_UP(old, PAGE_SIZE), new_top = ALIGN_UP(new_brk, PAGE_SIZE);
    for (uint32_t va = old_top; va < new_top; va += PAGE_SIZE) {
        if (aspace_map_new(p->as, va, MAP_WRITE) < 0) {
            for (uint32_t undo = old_top; undo < va; undo += PAGE_SIZE)
                aspace_unmap(p->as, undo);
            return -ENOMEM;
        }
    }
    for (uint32_t va = new_top; va < old_top; va += PAGE_SIZE)
        aspace_unmap(p->as, va);
    p->brk = new_brk;
    return (int)old;
}

static int sys_time(void) { return (int)rtc_unix_time(); }

static int sys_pipe(uint32_t ufds)
{
    if (!user_range_ok(ufds, 8, true))
        return -EFAULT;
    struct proc *p = sched_current();
    int fds[2], found = 0;
    for (int i = 0; i < MAX_FDS && found < 2; i++)
        if (!p->fds[i])
            fds[found++] = i;
    if (found < 2)
        return -EMFILE;
    struct file *r, *w;
    int e = pipe_create(&r, &w);
    if (e < 0)
        return e;
    if (copy_to_user(ufds, fds, sizeof fds) < 0) { /* checked above; cannot fail */
        file_close(r);
        file_close(w);
        return -EFAULT;
    }
    p->fds[fds[0]] = r;
    p->fds[fds[1]] = w;
    return 0;
}

static int sys_dup2(int oldfd, int newfd)
{
    struct file *f = fd_file(oldfd);
    if (!f || newfd < 0 || newfd >= MAX_FDS)
        return -EBADF;
    if (oldfd == newfd)
        return newfd;
    struct proc *p = sched_current();
    if (p->fds[newfd])
        file_close(p->fds[newfd]);
    p->fds[newfd] = file_dup(f);
    return newfd;
}

static int sys_procinfo(int index, uint32_t out)
{
    if (index < 0)
        return -EINVAL;
    if (!user_range_ok(out, sizeof(struct kl_procinfo), true))
        return -EFAULT;
    struct proc *p = proc_by_index(index);
    if (!p)
        return 0;
    struct kl_procinfo info;
    memset(&info, 0, sizeof info);
    info.pid = p->pid;
    info.parent = p->parent ? p->parent->pid : -1;
    static const unsigned states[] = { 0, KL_PROC_RUNNABLE, KL_PROC_SLEEPING, KL_PROC_BLOCKED, KL_PROC_ZOMBIE };
    info.state = states[p->state];
    info.memory_kib = p->as->user_pages * (PAGE_SIZE / 1024);
    strncpy_safe(info.name, p->name, sizeof info.name);
    return copy_to_user(out, &info, sizeof info) < 0 ? -EFAULT : 1;
}

static int sys_meminfo(uint32_t out)
{
    if (!user_range_ok(out, sizeof(struct kl_meminfo), true))
        return -EFAULT;
    struct kl_meminfo m;
    m.total_kib = frame_total_count() * (PAGE_SIZE / 1024);
    m.free_kib = frame_free_count() * (PAGE_SIZE / 1024);
    m.kernel_heap_kib = heap_page_count() * (PAGE_SIZE / 1024);
    uint32_t pages = 0;
    for (int i = 0; i < proc_count(); i++)
        pages += proc_by_index(i)->as->user_pages;
    m.user_kib = pages * (PAGE_SIZE / 1024);
    return copy_to_user(out, &m, sizeof m);
}

static int sys_uptime(void) { return (int)sched_uptime_ms(); }

static int sys_lseek(int fd, int offset, int whence)
{
    struct file *f = fd_file(fd);
    return f ? file_lseek(f, offset, whence) : -EBADF;
}

static int sys_audit(int index, uint32_t out)
{
    uint32_t n = nk_audit_count();
    if (index == -1)
        return (int)n;
    if (index < 0 || (uint32_t)index >= n)
        return 0;
    const struct nk_audit_record *r = &nk_audit_records()[index];
    struct kl_audit_record rec = { r->seq, r->pid, r->kind, r->number };
    return copy_to_user(out, &rec, sizeof rec) < 0 ? -EFAULT : 1;
}

/* One adapter per call, so the table holds uniform pointers. */
typedef int (*syscall_fn)(uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e);
#define ADAPTER(name, call)                                                                 \
    static int sc_##name(uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)       \
    {                                                                                       \
        (void)a; (void)b; (void)c; (void)d; (void)e;                                        \
        return call;                                                                        \
    }
ADAPTER(exit, sys_exit(a))
ADAPTER(read, sys_read((int)a, b, c))
ADAPTER(write, sys_write((int)a, b, c))
ADAPTER(open, sys_open(a, (int)b))
ADAPTER(close, sys_close((int)a))
ADAPTER(readdir, sys_readdir((int)a, b))
ADAPTER(unlink, sys_unlink(a))
ADAPTER(spawn, sys_spawn(a, b))
ADAPTER(wait, sys_wait((int)a, b))
ADAPTER(getpid, sys_getpid())
ADAPTER(kill, sys_kill((int)a))
ADAPTER(yield, sys_yield())
ADAPTER(sleep, sys_sleep(a))
ADAPTER(sbrk, sys_sbrk((int)a))
ADAPTER(time, sys_time())
ADAPTER(pipe, sys_pipe(a))
ADAPTER(dup2, sys_dup2((int)a, (int)b))
ADAPTER(mkdir, sys_mkdir(a))
ADAPTER(rename, sys_rename(a, b))
ADAPTER(stat, sys_stat(a, b))
ADAPTER(procinfo, sys_procinfo((int)a, b))
ADAPTER(meminfo, sys_meminfo(a))
ADAPTER(uptime, sys_uptime())
ADAPTER(lseek, sys_lseek((int)a, (int)b, (int)c))
ADAPTER(audit, sys_audit((int)a, b))
ADAPTER(rogue, rogue_ioctl(a, b, c, d))

static const syscall_fn initial_table[SYSCALL_COUNT] = {
    [SYS_exit] = sc_exit, [SYS_read] = sc_read, [SYS_write] = sc_write, [SYS_open] = sc_open,
    [SYS_close] = sc_close, [SYS_readdir] = sc_readdir, [SYS_unlink] = sc_unlink, [SYS_spawn] = sc_spawn,
    [SYS_wait] = sc_wait, [SYS_getpid] = sc_getpid, [SYS_kill] = sc_kill, [SYS_yield] = sc_yield,
    [SYS_sleep] = sc_sleep, [SYS_sbrk] = sc_sbrk, [SYS_time] = sc_time, [SYS_pipe] = sc_pipe,
    [SYS_dup2] = sc_dup2, [SYS_mkdir] = sc_mkdir, [SYS_rename] = sc_rename, [SYS_stat] = sc_stat,
    [SYS_procinfo] = sc_procinfo, [SYS_meminfo] = sc_meminfo, [SYS_uptime] = sc_uptime,
    [SYS_lseek] = sc_lseek, [SYS_audit] = sc_audit, [SYS_rogue] = sc_rogue,
};

/* The live table: a write-once region of the nested kernel, each entry written once by syscall_init. */
static syscall_fn *syscall_table;

void syscall_init(void)
{
    syscall_table = nk_alloc(sizeof initial_table, NK_WRITE_ONCE);
    if (!syscall_table)
        panic("syscall_init: no protected memory for the system-call table");
    for (unsigned n = 0; n < SYSCALL_COUNT; n++)
        if (initial_table[n] && nk_write(&syscall_table[n], &initial_table[n], sizeof initial_table[n]) < 0)
            panic("syscall_init: the nested kernel refused a table entry");
}

void *syscall_table_base(void) { return syscall_table; }

int syscall_invoke(uint32_t n, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
    if (n >= SYSCALL_COUNT || !syscall_table[n])
        return -ENOSYS;
    return syscall_table[n](a, b, c, d, e);
}

void syscall_dispatch(struct trap_frame *f)
{
    lotr_audit_drain(sched_current()); /* the privcalls made since the last system call come first */
    nk_audit(NK_AUDIT_SYSCALL, (uint32_t)sched_current()->pid, f->eax); /* the append-only audit log */
    f->eax = (uint32_t)syscall_invoke(f->eax, f->ebx, f->ecx, f->edx, f->esi, f->edi);
}
