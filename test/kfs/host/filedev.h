/* A blockdev over a host file (filedev.c). */
#ifndef KFS_HOST_FILEDEV_H
#define KFS_HOST_FILEDEV_H
#include <stdint.h>
#include <kernel/blockdev.h>
/* Opens path read-write as dev ("file0"); 0, or -1 with errno set. */
int filedev_open(struct blockdev *dev, const char *path);
#endif
