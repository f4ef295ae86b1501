/* The PrivUser heap and byte helpers (user/lib/privuser.h). Everything here runs in ring 2 inside the
 * PrivUser window: a first-fit allocator over the 64 KiB heap the kernel maps at PRIVUSER_HEAP_VA, with
 * a header before each block and neighbouring free blocks merged on free. */
#include <privuser.h>

#define BLOCK_ALIGN 8u

struct priv_block {
    uint32_t size;  /* bytes of the block including this header; multiple of BLOCK_ALIGN */
    uint32_t used;
};

PRIVUSER_DATA static uint32_t heap_ready;

PRIVUSER_FN void priv_memcpy(void *dst, const void *src, size_t n)
{
    volatile uint8_t *d = dst;
    const volatile uint8_t *s = src;
    while (n--)
        *d++ = *s++;
}

PRIVUSER_FN void priv_memset(void *dst, int c, size_t n)
{
    volatile uint8_t *d = dst; /* volatile: a scrub must not be optimised away */
    while (n--)
        *d++ = (uint8_t)c;
}

/* Makes the whole heap one free block, the first time. */
PRIVUSER_FN static void heap_init(void)
{
    struct priv_block *b = (struct priv_block *)PRIVUSER_HEAP_VA;
    b->size = PRIVUSER_HEAP_SIZE;
    b->used = 0;
    heap_ready = 1;
}

PRIVUSER_FN void *priv_alloc(size_t size)
{
    if (!heap_ready)
        heap_init();
    if (size == 0 || size > PRIVUSER_HEAP_SIZE)
        return NULL;
    uint32_t need = ((uint32_t)size + sizeof(struct priv_block) + BLOCK_ALIGN - 1) & ~(BLOCK_ALIGN - 1);
    uint32_t end = PRIVUSER_HEAP_VA + PRIVUSER_HEAP_SIZE;
    for (uint32_t a = PRIVUSER_HEAP_VA; a < end;) {
        struct priv_block *b = (struct priv_block *)a;
        if (!b->used && b->size >= need) {
            if (b->size - need >= 2 * sizeof(struct priv_block)) {
                struct priv_block *rest = (struct priv_block *)(a + need);
                rest->size = b->size - need;
                rest->used = 0;
                b->size = need;
            }
            b->used = 1;
            priv_memset(b + 1, 0, b->size - sizeof *b);
            return b + 1;
        }
        a += b->size;
    }
    return NULL;
}

PRIVUSER_FN void priv_free(void *p)
{
    if (!p)
        return;
    struct priv_block *b = (struct priv_block *)p - 1;
    priv_memset(p, 0, b->size - sizeof *b); /* freed secrets do not linger */
    b->used = 0;
    uint32_t end = PRIVUSER_HEAP_VA + PRIVUSER_HEAP_SIZE;
    for (uint32_t a = PRIVUSER_HEAP_VA; a < end;) { /* merge each free block with free successors */
        struct priv_block *c = (struct priv_block *)a;
        while (!c->used && a + c->size < end && !((struct priv_block *)(a + c->size))->used)
            c->size += ((struct priv_block *)(a + c->size))->size;
        a += c->size;
    }
}
