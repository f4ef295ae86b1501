/* RAM disks (drivers/ramdisk.c): a blockdev over a range of kernel memory, such as the Multiboot
 * module that holds the root filesystem. Reads and writes are memcpy; writes last until reboot. */
#ifndef KERNELIST_RAMDISK_H
#define KERNELIST_RAMDISK_H

#include <stdint.h>
#include "blockdev.h"

/* Makes "ram0" over bytes of memory at mem, a kernel virtual address the caller has mapped
 * read-write (for a Multiboot module: its physical start + the kernel's offset). A size that is not
 * a multiple of SECTOR_SIZE is cut down to one. Returns the device, or NULL if mem is NULL or
 * bytes < SECTOR_SIZE. Calling it again re-points ram0. */
struct blockdev *ramdisk_init(void *mem, uint32_t bytes);

/* Fills in caller-owned *dev as a RAM disk called name over bytes at mem (tests use it for scratch
 * images). Returns 0, or -EINVAL on the same conditions as ramdisk_init. */
int ramdisk_setup(struct blockdev *dev, const char *name, void *mem, uint32_t bytes);

#endif
