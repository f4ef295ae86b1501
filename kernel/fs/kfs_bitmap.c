/* The free-block bitmap (docs/kfs.md): bit i of the bitmap blocks is block i; first-fit allocation
 * from the start of the data area, so that the kernel and the host tool lay files out alike. */
#include <kernel/lib.h>
#include <uapi/errno.h>
#include "kfs.h"

/* Pins the bitmap block holding block b's bit; *byte and *mask locate the bit. */
static int bitmap_locate(uint32_t b, struct cache_buf **buf, uint32_t *byte, uint8_t *mask)
{
    int r = cache_get(kfs.sb.bitmap_start + b / KFS_BITS_PER_BLOCK, 0, buf);
    if (r < 0)
        return r;
    *byte = (b % KFS_BITS_PER_BLOCK) / 8;
    *mask = (uint8_t)(1u << (b % 8));
    return 0;
}

/* Allocates the lowest free data block, zeroed; -ENOSPC when full. */
int kfs_block_alloc(uint32_t *out)
{
    for (uint32_t b = kfs.sb.data_start; b < kfs.sb.total_blocks;) {
        struct cache_buf *buf;
        uint32_t byte;
        uint8_t mask;
        int r = bitmap_locate(b, &buf, &byte, &mask);
        if (r < 0)
            return r;
        uint8_t *bits = cache_data(buf);
        uint32_t block_end = (b / KFS_BITS_PER_BLOCK + 1) * KFS_BITS_PER_BLOCK;
        for (; b < kfs.sb.total_blocks && b < block_end; b++) {
            byte = (b % KFS_BITS_PER_BLOCK) / 8;
            mask = (uint8_t)(1u << (b % 8));
            if (bits[byte] & mask)
                continue;
            bits[byte] |= mask;
            cache_dirty(buf);
            cache_put(buf);
            struct cache_buf *fresh;
            if ((r = cache_get(b, 1, &fresh)) < 0)
                return r;
            cache_put(fresh);
            *out = b;
            return 0;
        }
        cache_put(buf);
    }
    return -ENOSPC;
}

/* Frees data block b; -EUCLEAN if it is outside the data area or already free. */
int kfs_block_free(uint32_t b)
{
    if (b < kfs.sb.data_start || b >= kfs.sb.total_blocks)
        return kfs_corrupt("freeing block %u outside the data area", b);
    struct cache_buf *buf;
    uint32_t byte;
    uint8_t mask;
    int r = bitmap_locate(b, &buf, &byte, &mask);
    if (r < 0)
        return r;
    uint8_t *bits = cache_data(buf);
    if (!(bits[byte] & mask)) {
        cache_put(buf);
        return kfs_corrupt("block %u freed twice (the bitmap says it is free)", b);
    }
    bits[byte] &= (uint8_t)~mask;
    cache_dirty(buf);
    cache_put(buf);
    return 0;
}

/* Counts the free data blocks. */
int kfs_block_count_free(uint32_t *out)
{
    uint32_t free = 0;
    for (uint32_t b = kfs.sb.data_start; b < kfs.sb.total_blocks; b++) {
        struct cache_buf *buf;
        uint32_t byte;
        uint8_t mask;
        int r = bitmap_locate(b, &buf, &byte, &mask);
        if (r < 0)
            return r;
        free += !(cache_data(buf)[byte] & mask);
        cache_put(buf);
    }
    *out = free;
    return 0;
}
