/* The rogue driver (drivers/rogue.c): an ioctl-style system call with an arbitrary-write bug, for the
 * Nested Kernel's demo (docs/nested-kernel.md). Off unless the command line has demo= or test=. */
#ifndef KERNELIST_ROGUE_H
#define KERNELIST_ROGUE_H

#include <stdint.h>
#include <stdbool.h>

/* Makes SYS_rogue reachable (otherwise it answers -ENOSYS). */
void rogue_enable(void);
/* SYS_rogue: cmd from uapi/rogue.h. */
int rogue_ioctl(uint32_t cmd, uint32_t a, uint32_t b, uint32_t c);
/* Syscall-shaped: returns the value set by ROGUE_VALUE (the hijack target). */
int rogue_get_value(uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e);

#endif
