/* POSIX-style wrappers over the raw calls (lib/syscall.c): -errno becomes -1 with errno set. */
#include <unistd.h>
#include <errno.h>
#include <kernelist.h>
#include <time.h>

/* Turns a raw result into the POSIX convention. */
static int check(int raw)
{
    if (KL_IS_ERR(raw)) {
        errno = -raw;
        return -1;
    }
    return raw;
}

void _exit(int status) { sys_exit(status); }
ssize_t read(int fd, void *buf, size_t n) { return check(sys_read(fd, buf, n)); }
ssize_t write(int fd, const void *buf, size_t n) { return check(sys_write(fd, buf, n)); }
int open(const char *path, int flags, ...) { return check(sys_open(path, flags)); }
int close(int fd) { return check(sys_close(fd)); }
int unlink(const char *path) { return check(sys_unlink(path)); }
int rmdir(const char *path) { return check(sys_unlink(path)); }
pid_t getpid(void) { return sys_getpid(); }
int pipe(int fds[2]) { return check(sys_pipe(fds)); }
int dup2(int oldfd, int newfd) { return check(sys_dup2(oldfd, newfd)); }
off_t lseek(int fd, off_t offset, int whence) { return check(sys_lseek(fd, offset, whence)); }

void *sbrk(int increment)
{
    void *old = sys_sbrk(increment);
    if (KL_IS_ERR(old)) {
        errno = -(int)old;
        return (void *)-1;
    }
    return old;
}

unsigned sleep(unsigned seconds)
{
    check(sys_sleep(seconds * 1000u));
    return 0;
}

pid_t waitpid(pid_t pid, int *status, int options)
{
    int ignored;
    if (options != 0) {
        errno = EINVAL;
        return -1;
    }
    return check(sys_wait(pid, status ? status : &ignored));
}

pid_t wait(int *status) { return waitpid(-1, status, 0); }

ssize_t write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    size_t done = 0;
    while (done < n) {
        int r = write(fd, p + done, n - done);
        if (r < 0)
            return -1;
        if (r == 0) {
            errno = EIO;
            return -1;
        }
        done += (size_t)r;
    }
    return (ssize_t)n;
}

int spawn(const char *path, char *const argv[]) { return check(sys_spawn(path, argv)); }
int kill(int pid) { return check(sys_kill(pid)); }
int yield(void) { return check(sys_yield()); }
int msleep(unsigned ms) { return check(sys_sleep(ms)); }
int uptime_ms(void) { return check(sys_uptime()); }
int readdir(int fd, struct kl_dirent *out) { return check(sys_readdir(fd, out)); }
int opendir(const char *path) { return check(sys_open(path, O_RDONLY | O_DIRECTORY)); }
int stat(const char *path, struct kl_stat *out) { return check(sys_stat(path, out)); }
int procinfo(int index, struct kl_procinfo *out) { return check(sys_procinfo(index, out)); }
int meminfo(struct kl_meminfo *out) { return check(sys_meminfo(out)); }
int mkdir(const char *path) { return check(sys_mkdir(path)); }

int run_program(const char *path, char *const argv[])
{
    int pid = spawn(path, argv);
    if (pid < 0)
        return -1;
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return status;
}

time_t time(time_t *out)
{
    time_t now = sys_time();
    if (out)
        *out = now;
    return now;
}
