/* The double-fault task (arch/double_fault.c, arch/double_fault_entry.asm). #DF goes through a task gate
 * to its own TSS and stack, because the usual cause, a kernel stack overflow into a guard page, leaves no
 * stack to push an exception frame on. */
#ifndef KERNELIST_DOUBLE_FAULT_H
#define KERNELIST_DOUBLE_FAULT_H

#include <stdint.h>
#include <kernel/descriptor.h>

extern struct tss32 double_fault_tss;

/* Fills the double-fault TSS (needs the kernel address space: call after paging_init). */
void double_fault_init(uint32_t cr3);
/* For tests: the next #DF resumes the interrupted task at eip with esp instead of panicking. */
void double_fault_expect(uint32_t eip, uint32_t esp);
/* How many #DFs were recovered that way. */
unsigned double_fault_recovered(void);

#endif
