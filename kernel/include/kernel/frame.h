/* The physical frame allocator (mm/frame.c): a bitmap over RAM below DIRECT_MAP_LIMIT, filled from the
 * Multiboot memory map, minus low memory, the kernel image and the modules. */
#ifndef KERNELIST_FRAME_H
#define KERNELIST_FRAME_H

#include <stdint.h>

#define FRAME_USER_RESERVE 256 /* frames only the kernel may take: user growth stops before them */

/* Builds the bitmap; returns the top of usable RAM (the end of the direct map). */
uint32_t frame_init(void);
/* One free frame's physical address (not zeroed), or 0 when none is left. */
uint32_t frame_alloc(void);
/* The same for user memory: 0 once fewer than FRAME_USER_RESERVE frames are free. */
uint32_t frame_alloc_user(void);
/* count physically contiguous frames, or 0. */
uint32_t frame_alloc_contiguous(uint32_t count);
/* Returns a frame; freeing a frame that is not allocated panics. */
void frame_free(uint32_t phys);
uint32_t frame_free_count(void);
uint32_t frame_total_count(void);
/* Testing hook: makes frame_alloc behave as if only limit frames were free (limit ~0u = no limit). */
void frame_set_test_limit(uint32_t limit);

#endif
