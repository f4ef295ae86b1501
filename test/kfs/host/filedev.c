/* A blockdev over a host file, the host stand-in for the ATA disk (kernel/include/kernel/blockdev.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "filedev.h"

static int filedev_io(struct blockdev *dev, uint32_t lba, uint32_t count, void *buf, int writing)
{
    if (lba > dev->sectors || count > dev->sectors - lba)
        return -EINVAL;
    int fd = (int)(intptr_t)dev->priv;
    size_t bytes = (size_t)count * SECTOR_SIZE;
    off_t at = (off_t)lba * SECTOR_SIZE;
    ssize_t n = writing ? pwrite(fd, buf, bytes, at) : pread(fd, buf, bytes, at);
    return n == (ssize_t)bytes ? 0 : -EIO;
}

static int filedev_read(struct blockdev *dev, uint32_t lba, uint32_t count, void *buf)
{
    return filedev_io(dev, lba, count, buf, 0);
}

static int filedev_write(struct blockdev *dev, uint32_t lba, uint32_t count, const void *buf)
{
    return filedev_io(dev, lba, count, (void *)buf, 1);
}

int filedev_open(struct blockdev *dev, const char *path)
{
    int fd = open(path, O_RDWR);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return -1;
    dev->name = "file0";
    dev->sectors = (uint32_t)(st.st_size / SECTOR_SIZE);
    dev->read = filedev_read;
    dev->write = filedev_write;
    dev->priv = (void *)(intptr_t)fd;
    return 0;
}
