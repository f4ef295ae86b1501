/* The one 32-bit TSS (arch/tss.c): SS0:ESP0 (and CR3) are switched on every context switch. */
#ifndef KERNELIST_TSS_H
#define KERNELIST_TSS_H

#include <kernel/descriptor.h>

extern struct tss32 kernel_tss;

/* Sets SS0 to the kernel data segment, ESP0 to esp0 and the I/O map base past the limit (no I/O). */
void tss_init(uint32_t esp0);
/* The stack the CPU loads on the next ring 3 -> ring 0 transition. */
void tss_set_kernel_stack(uint32_t esp0);
/* The stack the CPU loads on a call through a gate into ring 2 (LOTRx86's PrivUser; 0:0 when none). */
void tss_set_ring2_stack(uint16_t ss2, uint32_t esp2);
/* The address space a task switch back into this TSS loads (CR3 is a static TSS field: the CPU never
 * saves it), kept current for the return from the double-fault task. */
void tss_set_cr3(uint32_t cr3);

#endif
