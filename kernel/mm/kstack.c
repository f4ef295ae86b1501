/* Kernel stacks in KSTACK_REGION: slot i spans (KSTACK_PAGES + 1) pages; its lowest page is never
 * mapped (the guard), so running off the bottom of a stack is a page fault, not silent corruption. */
#include <kernel/kstack.h>
#include <kernel/paging.h>
#include <kernel/frame.h>
#include <kernel/lib.h>
#include <kernel/x86.h>

#define SLOT_BYTES ((KSTACK_PAGES + 1) * PAGE_SIZE)

static bool slot_used[KSTACK_SLOTS];

uint32_t kstack_guard(int slot) { return KSTACK_REGION + (uint32_t)slot * SLOT_BYTES; }

int kstack_alloc(uint32_t *top)
{
    uint32_t f = irq_save();
    int slot = -1;
    for (int i = 0; i < KSTACK_SLOTS; i++) {
        if (!slot_used[i]) {
            slot_used[i] = true;
            slot = i;
            break;
        }
    }
    irq_restore(f);
    if (slot < 0)
        return -1;
    uint32_t base = kstack_guard(slot) + PAGE_SIZE;
    for (unsigned p = 0; p < KSTACK_PAGES; p++) {
        uint32_t phys = frame_alloc();
        if (!phys) {
            for (unsigned q = 0; q < p; q++) {
                uint32_t va = base + q * PAGE_SIZE;
                frame_free((uint32_t)(*aspace_pte(&kernel_aspace, va, false) & PTE_ADDR_MASK));
                kernel_unmap_page(va);
            }
            slot_used[slot] = false;
            return -1;
        }
        kernel_map_page(base + p * PAGE_SIZE, phys, MAP_WRITE);
    }
    *top = base + KSTACK_PAGES * PAGE_SIZE;
    return slot;
}

void kstack_free(int slot)
{
    KASSERT(slot >= 0 && slot < KSTACK_SLOTS && slot_used[slot], "kstack_free: not an allocated stack");
    uint32_t base = kstack_guard(slot) + PAGE_SIZE;
    for (unsigned p = 0; p < KSTACK_PAGES; p++) {
        uint32_t va = base + p * PAGE_SIZE;
        uint64_t *pte = aspace_pte(&kernel_aspace, va, false);
        frame_free((uint32_t)(*pte & PTE_ADDR_MASK));
        kernel_unmap_page(va);
    }
    slot_used[slot] = false;
}
