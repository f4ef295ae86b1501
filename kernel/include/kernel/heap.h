/* The kernel heap (implemented in kernel/mm/heap.c). */
#ifndef KERNELIST_HEAP_H
#define KERNELIST_HEAP_H

#include <stddef.h>

/* Returns size bytes aligned to 16, or NULL when memory is exhausted (never panics for that). */
void *kmalloc(size_t size);
/* Returns zeroed memory, or NULL. */
void *kzalloc(size_t size);
/* Frees a block from kmalloc/kzalloc; NULL is ignored; a pointer not from the heap panics. */
void kfree(void *p);

#endif
