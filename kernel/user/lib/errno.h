/* errno: the last error a libc wrapper saw (one per process: programs are single-threaded). */
#ifndef KL_USER_ERRNO_H
#define KL_USER_ERRNO_H

#include <uapi/errno.h>

extern int errno;

#endif
