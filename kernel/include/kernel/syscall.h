/* The system-call dispatcher (core/syscall.c). */
#ifndef KERNELIST_SYSCALL_H
#define KERNELIST_SYSCALL_H

#include <stdint.h>
#include <kernel/trap.h>

/* Handles int 0x80: the result goes to the frame's EAX. */
void syscall_dispatch(struct trap_frame *f);
/* Runs call n with its arguments for the running process (also used by kernel tests). */
int syscall_invoke(uint32_t n, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e);
/* Fills the system-call table, a write-once region of the nested kernel (read-only with NK=1). */
void syscall_init(void);
/* The table's address (for the rogue-driver demo and the tests). */
void *syscall_table_base(void);

#endif
