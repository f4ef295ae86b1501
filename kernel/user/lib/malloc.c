/* malloc and free over sbrk: an address-ordered free list, first fit, split on allocation and
 * merged with both neighbours on free. Every block starts with a 16-byte header, so payloads stay
 * 16-byte aligned. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <stdint.h>

#define BLOCK_MAGIC_USED 0x55534544u /* "USED" */
#define BLOCK_MAGIC_FREE 0x46524545u /* "FREE" */
#define HEADER_SIZE 16u
#define MIN_GROWTH (64u * 1024u)

struct block {
    size_t size;          /* bytes of the whole block, header included; a multiple of 16 */
    uint32_t magic;       /* BLOCK_MAGIC_* */
    struct block *next;   /* the next free block by address, while free */
    uint32_t pad;
};

static struct block *free_list;

/* Rounds n up to a multiple of 16, or returns 0 when that would overflow. */
static size_t round16(size_t n)
{
    if (n > SIZE_MAX - 15)
        return 0;
    return (n + 15) & ~(size_t)15;
}

/* Puts b into the free list in address order and merges it with adjacent free blocks. */
static void insert_free(struct block *b)
{
    b->magic = BLOCK_MAGIC_FREE;
    struct block *prev = NULL, *cur = free_list;
    while (cur && cur < b) {
        prev = cur;
        cur = cur->next;
    }
    b->next = cur;
    if (prev)
        prev->next = b;
    else
        free_list = b;
    if (cur && (char *)b + b->size == (char *)cur) {
        b->size += cur->size;
        b->next = cur->next;
    }
    if (prev && (char *)prev + prev->size == (char *)b) {
        prev->size += b->size;
        prev->next = b->next;
    }
}

/* Grows the heap by at least need bytes (a multiple of 16); false when sbrk refuses. */
static int grow(size_t need)
{
    static int aligned;
    if (!aligned) {
        uintptr_t brk = (uintptr_t)sbrk(0);
        if (brk == (uintptr_t)-1)
            return 0;
        if (brk & 15 && sbrk((int)(16 - (brk & 15))) == (void *)-1)
            return 0;
        aligned = 1;
    }
    size_t want = need < MIN_GROWTH ? MIN_GROWTH : need;
    if (want > 0x7ffffff0u)
        return 0;
    void *p = sbrk((int)want);
    if (p == (void *)-1 && want != need) {
        want = need;
        p = sbrk((int)want);
    }
    if (p == (void *)-1)
        return 0;
    struct block *b = p;
    b->size = want;
    insert_free(b);
    return 1;
}

void *malloc(size_t size)
{
    size_t need = round16(size);
    if (need == 0 && size != 0)
        goto no_memory;
    if (need > SIZE_MAX - HEADER_SIZE)
        goto no_memory;
    need += HEADER_SIZE;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct block *prev = NULL;
        for (struct block *b = free_list; b; prev = b, b = b->next) {
            if (b->size < need)
                continue;
            struct block *rest = b->next;
            if (b->size - need >= HEADER_SIZE + 16) {
                struct block *tail = (struct block *)((char *)b + need);
                tail->size = b->size - need;
                tail->magic = BLOCK_MAGIC_FREE;
                tail->next = b->next;
                rest = tail;
                b->size = need;
            }
            if (prev)
                prev->next = rest;
            else
                free_list = rest;
            b->magic = BLOCK_MAGIC_USED;
            b->next = NULL;
            return (char *)b + HEADER_SIZE;
        }
        if (!grow(need))
            break;
    }
no_memory:
    errno = ENOMEM;
    return NULL;
}

/* The header of a payload pointer, or the end of the program if p was not given by malloc. */
static struct block *header_of(void *p)
{
    struct block *b = (struct block *)((char *)p - HEADER_SIZE);
    if (((uintptr_t)p & 15) || b->magic != BLOCK_MAGIC_USED) {
        static const char msg[] = "free: pointer not from malloc, or freed twice\n";
        write(2, msg, sizeof msg - 1);
        abort();
    }
    return b;
}

void free(void *p)
{
    if (!p)
        return;
    insert_free(header_of(p));
}

void *calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *realloc(void *p, size_t size)
{
    if (!p)
        return malloc(size);
    struct block *b = header_of(p);
    size_t have = b->size - HEADER_SIZE;
    if (size <= have)
        return p;
    void *q = malloc(size);
    if (!q)
        return NULL;
    memcpy(q, p, have);
    free(p);
    return q;
}
