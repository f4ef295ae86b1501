/* RAM disks: a blockdev over kernel memory (the Multiboot module holding the root filesystem, or a
 * scratch buffer in tests). Reads and writes are copies; nothing reaches a disk. */
#include <kernel/ramdisk.h>
#include <kernel/lib.h>
#include <uapi/errno.h>

/* Checks that sectors [lba, lba + count) lie on dev. */
static int ramdisk_in_range(const struct blockdev *dev, uint32_t lba, uint32_t count)
{
    return lba <= dev->sectors && count <= dev->sectors - lba;
}

/* Copies count sectors from lba into buf. */
static int ramdisk_read(struct blockdev *dev, uint32_t lba, uint32_t count, void *buf)
{
    if (!ramdisk_in_range(dev, lba, count))
        return -EINVAL;
    memcpy(buf, (const uint8_t *)dev->priv + (size_t)lba * SECTOR_SIZE, (size_t)count * SECTOR_SIZE);
    return 0;
}

/* Copies count sectors from buf to lba. */
static int ramdisk_write(struct blockdev *dev, uint32_t lba, uint32_t count, const void *buf)
{
    if (!ramdisk_in_range(dev, lba, count))
        return -EINVAL;
    memcpy((uint8_t *)dev->priv + (size_t)lba * SECTOR_SIZE, buf, (size_t)count * SECTOR_SIZE);
    return 0;
}

/* Fills in *dev as a RAM disk called name over bytes at mem; 0 or -EINVAL. */
int ramdisk_setup(struct blockdev *dev, const char *name, void *mem, uint32_t bytes)
{
    if (!dev || !mem || bytes < SECTOR_SIZE)
        return -EINVAL;
    dev->name = name;
    dev->sectors = bytes / SECTOR_SIZE;
    dev->read = ramdisk_read;
    dev->write = ramdisk_write;
    dev->priv = mem;
    return 0;
}

static struct blockdev ram0;

/* Makes "ram0" over bytes at mem; returns it, or NULL. */
struct blockdev *ramdisk_init(void *mem, uint32_t bytes)
{
    if (ramdisk_setup(&ram0, "ram0", mem, bytes) < 0)
        return NULL;
    return &ram0;
}
