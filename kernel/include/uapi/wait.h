/* The status word wait() stores (uapi/syscall.h).
 *   bits 0-7   exit code, when the process called exit()
 *   bit  8     set when the process was killed instead
 *   bits 16-23 why it was killed: the CPU exception vector (0-31) or KILL_BY_SIGNAL for kill() */
#ifndef KERNELIST_UAPI_WAIT_H
#define KERNELIST_UAPI_WAIT_H

#define KILL_BY_SIGNAL 0xff

#define W_EXITED(code)     ((code) & 0xff)
#define W_KILLED(reason)   (0x100 | (((reason) & 0xff) << 16))
#define WIFKILLED(status)  (((status) & 0x100) != 0)
#define WEXITSTATUS(status) ((status) & 0xff)
#define WKILLREASON(status) (((status) >> 16) & 0xff)

#endif
