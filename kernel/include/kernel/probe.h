/* Accesses that are expected to fault, made safely from kernel mode (arch/probe.asm, arch/fixup.c):
 * the trap handler sees the armed probe, records the fault and resumes after it. */
#ifndef KERNELIST_PROBE_H
#define KERNELIST_PROBE_H

#include <stdint.h>
#include <stdbool.h>
#include <kernel/trap.h>

struct probe_result {
    int vector;          /* -1 when nothing faulted */
    uint32_t error, cr2;
    uint32_t frame_eflags;   /* EFLAGS of the faulting code, from the trap frame */
    uint32_t handler_eflags; /* EFLAGS while the trap handler ran */
};

/* Reads 32 bits at addr. */
struct probe_result probe_read32(uint32_t addr, uint32_t *value);
/* Writes 32 bits at addr. */
struct probe_result probe_write32(uint32_t addr, uint32_t value);
/* Calls addr (which should hold a RET). */
struct probe_result probe_exec(uint32_t addr);
/* Reads linear 0xC0000000 through the ring-3 data segment. */
struct probe_result probe_user_segment_limit(void);

/* Called by trap_dispatch for kernel-mode exceptions: true when an armed probe took the fault. */
bool probe_fixup(struct trap_frame *f);

#endif
