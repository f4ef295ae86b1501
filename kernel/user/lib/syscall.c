/* The raw system calls (uapi/syscall.h): one int 0x80 helper, and one sys_* function per call.
 * Each returns what the kernel returned: a value >= 0 (or a pointer), or -errno. Nothing here touches
 * errno; unistd.c wraps these for the POSIX convention. */
#include <kernelist.h>
#include <uapi/syscall.h>

/* Traps into the kernel with call number n and up to five arguments; returns EAX. */
static inline int kl_syscall(int n, int a, int b, int c, int d, int e)
{
    int result;
    __asm__ volatile("int $0x80"
                     : "=a"(result)
                     : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
                     : "memory", "cc");
    return result;
}

#define SC0(n)             kl_syscall((n), 0, 0, 0, 0, 0)
#define SC1(n, a)          kl_syscall((n), (int)(a), 0, 0, 0, 0)
#define SC2(n, a, b)       kl_syscall((n), (int)(a), (int)(b), 0, 0, 0)
#define SC3(n, a, b, c)    kl_syscall((n), (int)(a), (int)(b), (int)(c), 0, 0)

void sys_exit(int status)
{
    SC1(SYS_exit, status);
    for (;;)
        __asm__ volatile("ud2"); /* the kernel never returns from exit */
}

int sys_read(int fd, void *buf, unsigned n) { return SC3(SYS_read, fd, buf, n); }
int sys_write(int fd, const void *buf, unsigned n) { return SC3(SYS_write, fd, buf, n); }
int sys_open(const char *path, int flags) { return SC2(SYS_open, path, flags); }
int sys_close(int fd) { return SC1(SYS_close, fd); }
int sys_readdir(int fd, struct kl_dirent *out) { return SC2(SYS_readdir, fd, out); }
int sys_unlink(const char *path) { return SC1(SYS_unlink, path); }
int sys_spawn(const char *path, char *const argv[]) { return SC2(SYS_spawn, path, argv); }
int sys_wait(int pid, int *status) { return SC2(SYS_wait, pid, status); }
int sys_getpid(void) { return SC0(SYS_getpid); }
int sys_kill(int pid) { return SC1(SYS_kill, pid); }
int sys_yield(void) { return SC0(SYS_yield); }
int sys_sleep(unsigned ms) { return SC1(SYS_sleep, ms); }
void *sys_sbrk(int increment) { return (void *)SC1(SYS_sbrk, increment); }
int sys_time(void) { return SC0(SYS_time); }
int sys_pipe(int fds[2]) { return SC1(SYS_pipe, fds); }
int sys_dup2(int oldfd, int newfd) { return SC2(SYS_dup2, oldfd, newfd); }
int sys_mkdir(const char *path) { return SC1(SYS_mkdir, path); }
int sys_rename(const char *from, const char *to) { return SC2(SYS_rename, from, to); }
int sys_stat(const char *path, struct kl_stat *out) { return SC2(SYS_stat, path, out); }
int sys_procinfo(int index, struct kl_procinfo *out) { return SC2(SYS_procinfo, index, out); }
int sys_meminfo(struct kl_meminfo *out) { return SC1(SYS_meminfo, out); }
int sys_uptime(void) { return SC0(SYS_uptime); }
int sys_lseek(int fd, int offset, int whence) { return SC3(SYS_lseek, fd, offset, whence); }

/* Calls any system call by number: for tests of unknown numbers and raw argument values. */
int sys_call(int n, int a, int b, int c, int d, int e) { return kl_syscall(n, a, b, c, d, e); }
