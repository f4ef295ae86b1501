/* The Kernelist system-call ABI (ring 3 -> ring 0 through int 0x80, a DPL-3 trap gate).
 *
 *   EAX = call number (SYS_*), arguments in EBX, ECX, EDX, ESI, EDI (at most five);
 *   the result comes back in EAX; every other register is preserved.
 *   A negative result in [-4095, -1] is -errno (uapi/errno.h); anything else is success.
 *   Pointers are user addresses (below USER_TOP); the kernel checks every byte it touches for
 *   range, presence and U/S, and answers -EFAULT instead of faulting.
 *
 * Numbers are stable: append new calls, never renumber. */
#ifndef KERNELIST_UAPI_SYSCALL_H
#define KERNELIST_UAPI_SYSCALL_H

#define SYSCALL_VECTOR 0x80

#define SYS_exit     1  /* void exit(int status)                        never returns */
#define SYS_read     2  /* int read(int fd, void *buf, unsigned n)       bytes read, 0 at end of file */
#define SYS_write    3  /* int write(int fd, const void *buf, unsigned n) bytes written */
#define SYS_open     4  /* int open(const char *path, int flags)         fd; flags from uapi/fcntl.h */
#define SYS_close    5  /* int close(int fd) */
#define SYS_readdir  6  /* int readdir(int fd, struct kl_dirent *out)   1 = one entry, 0 = end */
#define SYS_unlink   7  /* int unlink(const char *path)                  files and empty directories */
#define SYS_spawn    8  /* int spawn(const char *path, char *const argv[]) pid of the new process */
#define SYS_wait     9  /* int wait(int pid, int *status)                pid; pid -1 = any child; status: uapi/wait.h */
#define SYS_getpid  10  /* int getpid(void) */
#define SYS_kill    11  /* int kill(int pid)                             ends the process, status KILLED(KILL_BY_SIGNAL) */
#define SYS_yield   12  /* int yield(void) */
#define SYS_sleep   13  /* int sleep(unsigned ms) */
#define SYS_sbrk    14  /* void *sbrk(int increment)                     old break, or -ENOMEM */
#define SYS_time    15  /* int time(void)                                seconds since 1970-01-01 UTC, from the RTC */
#define SYS_pipe    16  /* int pipe(int fds[2])                          fds[0] reads, fds[1] writes */
#define SYS_dup2    17  /* int dup2(int oldfd, int newfd)                newfd */
#define SYS_mkdir   18  /* int mkdir(const char *path) */
#define SYS_rename  19  /* int rename(const char *from, const char *to) */
#define SYS_stat    20  /* int stat(const char *path, struct kl_stat *out) */
#define SYS_procinfo 21 /* int procinfo(int index, struct kl_procinfo *out) 1 = filled, 0 = no such slot */
#define SYS_meminfo 22  /* int meminfo(struct kl_meminfo *out) */
#define SYS_uptime  23  /* int uptime(void)                              milliseconds since boot */
#define SYS_lseek   24  /* int lseek(int fd, int offset, int whence)     new offset; whence from uapi/fcntl.h */
#define SYS_audit   25  /* int audit(int index, struct kl_audit_record *out) 1 = filled, 0 = past the end;
                           index -1: the number of records (the nested kernel's append-only log) */
#define SYS_rogue   26  /* int rogue(unsigned cmd, unsigned a, unsigned b, unsigned c) the rogue driver of
                           demo=rogue-driver (an ioctl with an arbitrary-write bug); -ENOSYS otherwise */

#define SYSCALL_COUNT 27

#endif
