/* open() flags and lseek() whence values (uapi/syscall.h). The values follow Linux i386. */
#ifndef KERNELIST_UAPI_FCNTL_H
#define KERNELIST_UAPI_FCNTL_H

#define O_RDONLY    0x000
#define O_WRONLY    0x001
#define O_RDWR      0x002
#define O_ACCMODE   0x003
#define O_CREAT     0x040
#define O_TRUNC     0x200
#define O_APPEND    0x400
#define O_DIRECTORY 0x10000 /* fail with -ENOTDIR unless the path is a directory; needed for readdir */

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

#endif
