/* Kernel stacks (mm/kstack.c): KSTACK_PAGES pages each, in the KSTACK_REGION, with an unmapped guard
 * page under each so an overflow faults instead of corrupting memory. */
#ifndef KERNELIST_KSTACK_H
#define KERNELIST_KSTACK_H

#include <stdint.h>

#define KSTACK_PAGES 3
#define KSTACK_SLOTS 128

/* A new stack: its slot, or -1 when out of slots or memory. *top gets the address above it. */
int kstack_alloc(uint32_t *top);
void kstack_free(int slot);
/* The address of slot's guard page (for tests). */
uint32_t kstack_guard(int slot);

#endif
