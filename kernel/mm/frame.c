/* The physical frame allocator: one bit per 4 KiB frame below DIRECT_MAP_LIMIT (1 = in use). */
#include <kernel/frame.h>
#include <kernel/multiboot.h>
#include <kernel/paging.h>
#include <kernel/lib.h>
#include <kernel/x86.h>

#define MAX_FRAMES (DIRECT_MAP_LIMIT / PAGE_SIZE)
#define LOW_MEMORY_END 0x100000u /* the BIOS area and the loader's structures stay untouched */

extern char _kernel_phys_start[], _kernel_end[];

static uint32_t bitmap[MAX_FRAMES / 32];
static uint32_t frame_limit;  /* frames below this index exist */
static uint32_t free_frames, total_frames;
static uint32_t next_hint;
static uint32_t test_limit = ~0u;

static bool used(uint32_t f) { return (bitmap[f / 32] >> (f % 32)) & 1; }
static void set_used(uint32_t f) { bitmap[f / 32] |= 1u << (f % 32); }
static void set_free(uint32_t f) { bitmap[f / 32] &= ~(1u << (f % 32)); }

/* Marks [start, end) (bytes, rounded outwards) as in use. */
static void reserve(uint64_t start, uint64_t end)
{
    for (uint64_t f = start / PAGE_SIZE; f < (end + PAGE_SIZE - 1) / PAGE_SIZE && f < frame_limit; f++) {
        if (!used((uint32_t)f)) {
            set_used((uint32_t)f);
            free_frames--;
        }
    }
}

/* Marks the whole frames inside [start, end) as free. */
static void release(uint64_t start, uint64_t end)
{
    uint64_t first = (start + PAGE_SIZE - 1) / PAGE_SIZE, last = end / PAGE_SIZE;
    if (last > MAX_FRAMES)
        last = MAX_FRAMES;
    for (uint64_t f = first; f < last; f++) {
        if (f + 1 > frame_limit)
            frame_limit = (uint32_t)f + 1;
        if (used((uint32_t)f)) {
            set_free((uint32_t)f);
            free_frames++;
        }
    }
}

uint32_t frame_init(void)
{
    memset(bitmap, 0xFF, sizeof bitmap);
    frame_limit = 0;
    free_frames = 0;
    if (boot_info.mmap_count > 0) {
        for (unsigned i = 0; i < boot_info.mmap_count; i++)
            if (boot_info.mmap[i].type == 1)
                release(boot_info.mmap[i].base, boot_info.mmap[i].base + boot_info.mmap[i].length);
    } else {
        release(LOW_MEMORY_END, LOW_MEMORY_END + (uint64_t)boot_info.mem_upper_kib * 1024);
    }
    reserve(0, LOW_MEMORY_END);
    reserve((uint32_t)_kernel_phys_start, virt_to_phys(_kernel_end)); /* _kernel_phys_start is physical */
    for (unsigned i = 0; i < boot_info.module_count; i++)
        reserve(boot_info.modules[i].start, boot_info.modules[i].end);
    total_frames = free_frames;
    next_hint = 0;
    if (free_frames < 1024)
        panic("frame_init: less than 4 MiB of free memory");
    return frame_limit * PAGE_SIZE;
}

/* Finds and takes one free frame at or after the hint; 0 when none. */
static uint32_t take_one(void)
{
    for (uint32_t n = 0; n < frame_limit; n++) {
        uint32_t f = (next_hint + n) % frame_limit;
        if (bitmap[f / 32] == 0xFFFFFFFFu) {
            n += 31 - (f % 32); /* skip the rest of a full word */
            continue;
        }
        if (!used(f)) {
            set_used(f);
            free_frames--;
            next_hint = f + 1;
            return f * PAGE_SIZE;
        }
    }
    return 0;
}

/* True when the test limit (the frames that may still be taken) allows count more. */
static bool under_test_limit(uint32_t count)
{
    return test_limit == ~0u || count <= test_limit;
}

uint32_t frame_alloc(void)
{
    uint32_t f = irq_save();
    uint32_t phys = 0;
    if (free_frames > 0 && under_test_limit(1)) {
        phys = take_one();
        if (test_limit != ~0u && phys)
            test_limit--;
    }
    irq_restore(f);
    return phys;
}

uint32_t frame_alloc_user(void)
{
    if (free_frames <= FRAME_USER_RESERVE)
        return 0;
    return frame_alloc();
}

uint32_t frame_alloc_contiguous(uint32_t count)
{
    if (count == 0)
        return 0;
    if (count == 1)
        return frame_alloc();
    uint32_t f = irq_save();
    uint32_t run = 0, phys = 0;
    if (under_test_limit(count)) {
        for (uint32_t i = 0; i < frame_limit; i++) {
            run = used(i) ? 0 : run + 1;
            if (run == count) {
                uint32_t first = i + 1 - count;
                for (uint32_t j = first; j <= i; j++)
                    set_used(j);
                free_frames -= count;
                if (test_limit != ~0u)
                    test_limit -= count;
                phys = first * PAGE_SIZE;
                break;
            }
        }
    }
    irq_restore(f);
    return phys;
}

void frame_free(uint32_t phys)
{
    uint32_t fr = phys / PAGE_SIZE;
    if ((phys & (PAGE_SIZE - 1)) || fr >= frame_limit || !used(fr) || phys < LOW_MEMORY_END)
        panic("frame_free: not an allocated frame");
    uint32_t f = irq_save();
    set_free(fr);
    free_frames++;
    if (test_limit != ~0u)
        test_limit++;
    irq_restore(f);
}

uint32_t frame_free_count(void) { return free_frames; }
uint32_t frame_total_count(void) { return total_frames; }

void frame_set_test_limit(uint32_t limit) { test_limit = limit; }
