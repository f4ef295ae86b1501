/* The POSIX subset Kernelist has. Each returns -1 and sets errno on failure (lib/unistd.c). */
#ifndef KL_USER_UNISTD_H
#define KL_USER_UNISTD_H

#include <stddef.h>
#include <uapi/fcntl.h>

typedef int ssize_t;
typedef int off_t;
typedef int pid_t;

__attribute__((noreturn)) void _exit(int status);
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int open(const char *path, int flags, ...); /* no modes: the third argument is ignored */
int close(int fd);
int unlink(const char *path);
int rmdir(const char *path);                 /* unlink() removes empty directories too */
pid_t getpid(void);
int pipe(int fds[2]);
int dup2(int oldfd, int newfd);
off_t lseek(int fd, off_t offset, int whence);
void *sbrk(int increment);                   /* old break, or (void *)-1 with errno ENOMEM */
unsigned sleep(unsigned seconds);            /* 0; msleep() in kernelist.h takes milliseconds */
pid_t waitpid(pid_t pid, int *status, int options); /* options must be 0; pid -1 = any child */
pid_t wait(int *status);                     /* waitpid(-1, status, 0) */

/* Writes all n bytes unless an error stops it; returns n or -1. */
ssize_t write_all(int fd, const void *buf, size_t n);

#endif
