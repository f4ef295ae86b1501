/* A block device: 512-byte sectors addressed by LBA. The ATA disk (drivers/ata.c) and the RAM disk
 * (drivers/ramdisk.c) are both one; the filesystem (fs/) only ever sees this interface. */
#ifndef KERNELIST_BLOCKDEV_H
#define KERNELIST_BLOCKDEV_H

#include <stdint.h>

#define SECTOR_SIZE 512

struct blockdev {
    const char *name;       /* "ata0", "ram0" */
    uint32_t sectors;       /* capacity */
    /* Each returns 0, or -EIO (a device error) or -EINVAL (a range past the end). */
    int (*read)(struct blockdev *dev, uint32_t lba, uint32_t count, void *buf);
    int (*write)(struct blockdev *dev, uint32_t lba, uint32_t count, const void *buf);
    void *priv;
};

#endif
