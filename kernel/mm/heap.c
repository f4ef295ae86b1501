/* The kernel heap. Small blocks (up to 2 KiB) come from slab pages of one size class each, with the
 * page header at the page start; larger blocks are runs of contiguous frames with a header in front.
 * Empty slab pages and large runs go straight back to the frame allocator. */
#include <kernel/heap.h>
#include <kernel/heap_stats.h>
#include <kernel/frame.h>
#include <kernel/paging.h>
#include <kernel/lib.h>
#include <kernel/x86.h>

#define SLAB_MAGIC  0x51AB51ABu
#define LARGE_MAGIC 0x1A26E0B1u
#define FREE_POISON 0xDEADF4EEu
#define MIN_CLASS_SHIFT 4  /* 16 bytes */
#define MAX_CLASS_SHIFT 11 /* 2048 bytes */
#define CLASSES (MAX_CLASS_SHIFT - MIN_CLASS_SHIFT + 1)
#define HEADER_SIZE 32u    /* keeps objects 16-byte aligned */

struct slab {              /* at the start of each slab page */
    uint32_t magic;
    uint16_t cls, inuse;
    void *free;            /* free objects, linked through their first word */
    struct slab *next, *prev;
    uint32_t pad[3];
};

struct large {             /* at the start of each large run */
    uint32_t magic;
    uint32_t pages;
    uint32_t pad[2];
};

_Static_assert(sizeof(struct slab) == HEADER_SIZE, "slab header size");
_Static_assert(sizeof(struct large) == 16, "large header size");

static struct slab *partial[CLASSES]; /* slabs with at least one free object */
static uint32_t heap_pages;

/* The size class of n bytes. */
static unsigned class_of(size_t n)
{
    unsigned c = 0;
    while (((size_t)1 << (c + MIN_CLASS_SHIFT)) < n)
        c++;
    return c;
}

static size_t class_size(unsigned c) { return (size_t)1 << (c + MIN_CLASS_SHIFT); }

/* Unlinks s from its class list. */
static void list_remove(struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        partial[s->cls] = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

/* Links s at the front of its class list. */
static void list_push(struct slab *s)
{
    s->prev = NULL;
    s->next = partial[s->cls];
    if (s->next)
        s->next->prev = s;
    partial[s->cls] = s;
}

/* A new slab page for class c, or NULL. */
static struct slab *slab_new(unsigned c)
{
    uint32_t phys = frame_alloc();
    if (!phys)
        return NULL;
    heap_pages++;
    struct slab *s = phys_to_virt(phys);
    s->magic = SLAB_MAGIC;
    s->cls = (uint16_t)c;
    s->inuse = 0;
    s->free = NULL;
    size_t size = class_size(c);
    for (int off = (int)(PAGE_SIZE - size); off >= (int)HEADER_SIZE; off -= (int)size) {
        void **obj = (void **)((char *)s + off);
        *obj = s->free;
        s->free = obj;
    }
    list_push(s);
    return s;
}

void *kmalloc(size_t size)
{
    if (size == 0)
        size = 1;
    uint32_t f = irq_save();
    void *p = NULL;
    if (size <= class_size(CLASSES - 1)) {
        unsigned c = class_of(size);
        struct slab *s = partial[c] ? partial[c] : slab_new(c);
        if (s) {
            void **obj = s->free;
            s->free = *obj;
            s->inuse++;
            if (!s->free)
                list_remove(s);
            p = obj;
        }
    } else if (size < 0x40000000u) {
        uint32_t pages = (uint32_t)((size + 16 + PAGE_SIZE - 1) / PAGE_SIZE);
        uint32_t phys = frame_alloc_contiguous(pages);
        if (phys) {
            struct large *l = phys_to_virt(phys);
            l->magic = LARGE_MAGIC;
            l->pages = pages;
            heap_pages += pages;
            p = (char *)l + 16;
        }
    }
    irq_restore(f);
    return p;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    uintptr_t a = (uintptr_t)p;
    if (a < KERNEL_VMA || a >= KERNEL_VMA + DIRECT_MAP_LIMIT || (a & 15))
        panic("kfree: not a heap pointer");
    uint32_t f = irq_save();
    void *page = (void *)(a & ~(uintptr_t)(PAGE_SIZE - 1));
    struct slab *s = page;
    if (s->magic == SLAB_MAGIC && a - (uintptr_t)page >= HEADER_SIZE) {
        size_t size = class_size(s->cls);
        if (((PAGE_SIZE - (a - (uintptr_t)page)) % size) != 0 || s->inuse == 0)
            panic("kfree: not a heap pointer");
        bool was_full = (s->free == NULL);
        *(void **)p = s->free;
        s->free = p;
        s->inuse--;
        if (was_full)
            list_push(s);
        if (s->inuse == 0) {
            list_remove(s);
            s->magic = FREE_POISON;
            frame_free(virt_to_phys(s));
            heap_pages--;
        }
    } else if (((struct large *)page)->magic == LARGE_MAGIC && a - (uintptr_t)page == 16) {
        struct large *l = page;
        uint32_t pages = l->pages;
        l->magic = FREE_POISON;
        for (uint32_t i = 0; i < pages; i++)
            frame_free(virt_to_phys(page) + i * PAGE_SIZE);
        heap_pages -= pages;
    } else {
        panic("kfree: not a heap pointer");
    }
    irq_restore(f);
}

/* Pages the heap holds now (for meminfo). */
uint32_t heap_page_count(void) { return heap_pages; }
