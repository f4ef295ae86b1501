/* The block cache: CACHE_BUFS pinned-or-free 1 KiB buffers of the mounted device, write-back,
 * evicting the least recently used unpinned buffer. The filesystem never nests more than a few
 * cache_get calls, so running out of unpinned buffers is a bug (a panic), not an error. */
#include <kernel/lib.h>
#include <uapi/errno.h>
#include "kfs.h"

#define CACHE_BUFS 32

struct cache_buf {
    uint32_t block;
    uint32_t last_use;  /* stamp of the latest cache_get, for LRU */
    uint8_t valid;
    uint8_t dirty;
    uint16_t pins;
    uint8_t data[KFS_BLOCK_SIZE];
};

static struct cache_buf bufs[CACHE_BUFS];
static uint32_t use_clock;

/* Writes buf back to the device if it is modified. */
static int cache_write_back(struct cache_buf *buf)
{
    if (!buf->valid || !buf->dirty)
        return 0;
    int r = kfs.dev->write(kfs.dev, buf->block * KFS_SECTORS_PER_BLOCK, KFS_SECTORS_PER_BLOCK, buf->data);
    if (r < 0) {
        kprintf("kfs: %s: write of block %u failed (%d)\n", kfs.dev->name, buf->block, r);
        return -EIO;
    }
    buf->dirty = 0;
    return 0;
}

/* The buffer holding block b, or NULL. */
static struct cache_buf *cache_find(uint32_t b)
{
    for (int i = 0; i < CACHE_BUFS; i++)
        if (bufs[i].valid && bufs[i].block == b)
            return &bufs[i];
    return NULL;
}

/* An unpinned buffer to reuse (an invalid one first, else the least recently used), written back. */
static int cache_victim(struct cache_buf **out)
{
    struct cache_buf *best = NULL;
    for (int i = 0; i < CACHE_BUFS; i++) {
        struct cache_buf *c = &bufs[i];
        if (c->pins)
            continue;
        if (!c->valid) { best = c; break; }
        if (!best || c->last_use < best->last_use)
            best = c;
    }
    if (!best)
        panic("cache_victim: every buffer is pinned");
    int r = cache_write_back(best);
    if (r < 0)
        return r;
    best->valid = 0;
    *out = best;
    return 0;
}

/* Pins block b and gives its 1 KiB of data (read from disk unless fresh, then zeroed). */
int cache_get(uint32_t b, int fresh, struct cache_buf **out)
{
    KASSERT(kfs.dev != NULL, "cache_get: nothing mounted");
    if (b >= kfs.sb.total_blocks)
        return kfs_corrupt("block %u past the end (%u blocks)", b, kfs.sb.total_blocks);
    struct cache_buf *buf = cache_find(b);
    if (!buf) {
        int r = cache_victim(&buf);
        if (r < 0)
            return r;
        if (!fresh) {
            r = kfs.dev->read(kfs.dev, b * KFS_SECTORS_PER_BLOCK, KFS_SECTORS_PER_BLOCK, buf->data);
            if (r < 0) {
                kprintf("kfs: %s: read of block %u failed (%d)\n", kfs.dev->name, b, r);
                return -EIO;
            }
        }
        buf->block = b;
        buf->valid = 1;
        buf->dirty = 0;
    }
    if (fresh) {
        memset(buf->data, 0, KFS_BLOCK_SIZE);
        buf->dirty = 1;
    }
    buf->pins++;
    buf->last_use = ++use_clock;
    *out = buf;
    return 0;
}

/* The data of a pinned buffer. */
uint8_t *cache_data(struct cache_buf *buf)
{
    return buf->data;
}

/* Marks a pinned buffer modified. */
void cache_dirty(struct cache_buf *buf)
{
    KASSERT(buf->pins > 0, "cache_dirty: buffer not pinned");
    buf->dirty = 1;
}

/* Unpins a buffer from cache_get. */
void cache_put(struct cache_buf *buf)
{
    KASSERT(buf->pins > 0, "cache_put: buffer not pinned");
    buf->pins--;
}

/* Writes every modified block back; 0 or -EIO (the others are still tried). */
int cache_flush(void)
{
    int result = 0;
    if (!kfs.dev)
        return 0;
    for (int i = 0; i < CACHE_BUFS; i++)
        if (cache_write_back(&bufs[i]) < 0)
            result = -EIO;
    return result;
}

/* Forgets every block: the next mount starts empty. */
void cache_invalidate(void)
{
    for (int i = 0; i < CACHE_BUFS; i++) {
        KASSERT(bufs[i].pins == 0, "cache_invalidate: buffer still pinned");
        bufs[i].valid = 0;
        bufs[i].dirty = 0;
    }
}
