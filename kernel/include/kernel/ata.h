/* The ATA disk driver (drivers/ata.c): PIO, LBA28, polling (nIEN set, so it never raises IRQ 14),
 * primary channel (ports 0x1F0-0x1F7, control 0x3F6), master drive only. */
#ifndef KERNELIST_ATA_H
#define KERNELIST_ATA_H

#include "blockdev.h"

/* Probes the primary master with IDENTIFY and returns it as the blockdev "ata0", or NULL (after one
 * console line saying why) when there is no ATA disk there, it is ATAPI, lacks LBA, or times out.
 * Calling it again returns the same device without probing again. */
struct blockdev *ata_init(void);

#endif
