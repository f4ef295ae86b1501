/* The address map every process sees (kernel/README.md draws it).
 *   0x00000000-0x00000fff  never mapped: null pointers fault
 *   0x08048000-...         the program's ELF segments, then its heap (sbrk)
 *   ...-0xbfffefff         the user stack, growing down from USER_STACK_TOP
 *   0xc0000000-0xffffffff  the kernel (supervisor pages); no ring-2/3 segment reaches it
 * Every ring-3 segment descriptor has base 0 and limit USER_TOP - 1. */
#ifndef KERNELIST_UAPI_LAYOUT_H
#define KERNELIST_UAPI_LAYOUT_H

#define USER_TOP       0xc0000000u
#define USER_LOAD_BASE 0x08048000u
#define USER_STACK_TOP 0xbffff000u /* one unmapped guard page sits above it */

/* At a program's entry: ESP -> argc, then argv (a pointer to argc pointers and a NULL), both on the
 * user stack, so that crt0 can call main(argc, argv). */

#endif
