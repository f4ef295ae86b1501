/* Heap statistics beside the fixed heap.h contract (mm/heap.c). */
#ifndef KERNELIST_HEAP_STATS_H
#define KERNELIST_HEAP_STATS_H

#include <stdint.h>

/* Pages the kernel heap holds now. */
uint32_t heap_page_count(void);

#endif
