/* Kernelist-specific calls: the raw system calls and the calls POSIX has no name for.
 *
 * sys_* are the raw calls (lib/syscall.c): they return the kernel's answer unchanged, a value >= 0 on
 * success or -errno (uapi/errno.h) on failure, and never touch errno. Tests use them to check exact
 * error numbers. sys_sbrk returns the old break, or (void *)-ENOMEM.
 *
 * The other functions follow the POSIX convention of unistd.h: -1 with errno set on failure. */
#ifndef KL_USER_KERNELIST_H
#define KL_USER_KERNELIST_H

#include <uapi/types.h>
#include <uapi/wait.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/layout.h>
#include <uapi/syscall.h>

__attribute__((noreturn)) void sys_exit(int status);
int sys_read(int fd, void *buf, unsigned n);
int sys_write(int fd, const void *buf, unsigned n);
int sys_open(const char *path, int flags);
int sys_close(int fd);
int sys_readdir(int fd, struct kl_dirent *out);
int sys_unlink(const char *path);
int sys_spawn(const char *path, char *const argv[]);
int sys_wait(int pid, int *status);
int sys_getpid(void);
int sys_kill(int pid);
int sys_yield(void);
int sys_sleep(unsigned ms);
void *sys_sbrk(int increment);
int sys_time(void);
int sys_pipe(int fds[2]);
int sys_dup2(int oldfd, int newfd);
int sys_mkdir(const char *path);
int sys_rename(const char *from, const char *to);
int sys_stat(const char *path, struct kl_stat *out);
int sys_procinfo(int index, struct kl_procinfo *out);
int sys_meminfo(struct kl_meminfo *out);
int sys_uptime(void);
int sys_lseek(int fd, int offset, int whence);
int sys_call(int n, int a, int b, int c, int d, int e);

/* True when a raw result is -errno rather than a value (the ABI's [-4095, -1] range). */
#define KL_IS_ERR(r) ((unsigned int)(r) >= (unsigned int)-4095)

/* POSIX-style wrappers (-1 and errno on failure). */
int spawn(const char *path, char *const argv[]);  /* pid of the child; it shares our open files */
int kill(int pid);                                /* ends pid; its wait status is W_KILLED(KILL_BY_SIGNAL) */
int yield(void);
int msleep(unsigned ms);
int uptime_ms(void);                              /* milliseconds since boot */
int readdir(int fd, struct kl_dirent *out);       /* 1 = one entry, 0 = end; fd from opendir() */
int opendir(const char *path);                    /* open(path, O_RDONLY | O_DIRECTORY) */
int stat(const char *path, struct kl_stat *out);
int procinfo(int index, struct kl_procinfo *out); /* 1 = filled, 0 = no such slot */
int meminfo(struct kl_meminfo *out);
int mkdir(const char *path);

/* Spawns path with argv and waits for it; returns its wait status, or -1 and errno. */
int run_program(const char *path, char *const argv[]);

/* "#GP" for 13, "kill" for KILL_BY_SIGNAL (lib/status.c). */
const char *vector_name(int vector);
/* "exit 3", "killed", or "killed by #PF (vector 14)" for a wait status, written into buf. */
char *status_text(int status, char *buf, int size);

#endif
