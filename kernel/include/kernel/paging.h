/* PAE paging (mm/paging.c). Kernel virtual memory:
 *   0xC0000000 + phys   the direct map of physical memory below DIRECT_MAP_LIMIT (text RX, rodata R,
 *                       everything else RW + NX)
 *   0xF0000000-...      kernel stacks, each with an unmapped guard page under it (mm/kstack.c)
 * Every address space has its own PDPT and three user page directories; PDPT entry 3 points at the
 * one kernel page directory, shared by all. */
#ifndef KERNELIST_PAGING_H
#define KERNELIST_PAGING_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define KERNEL_VMA        0xC0000000u
#define DIRECT_MAP_LIMIT  0x30000000u /* 768 MiB of physical memory at most */
#define KSTACK_REGION     0xF0000000u
#define PAGE_SIZE         4096u

#define PTE_P   0x1ull
#define PTE_W   0x2ull
#define PTE_U   0x4ull
#define PTE_NX  (1ull << 63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ull

/* Rights for aspace_map: */
#define MAP_WRITE 1u
#define MAP_EXEC  2u
#define MAP_USER  4u

static inline void *phys_to_virt(uint32_t phys) { return (void *)(phys + KERNEL_VMA); }
static inline uint32_t virt_to_phys(const void *v) { return (uint32_t)v - KERNEL_VMA; }

struct aspace {
    uint32_t pdpt_phys;
    uint64_t *pdpt;      /* 4 entries; the page holding it */
    uint64_t *pd[3];     /* the user page directories (0-3 GiB) */
    uint32_t user_pages; /* pages mapped below USER_TOP */
};

extern struct aspace kernel_aspace; /* no user pages: kernel threads and processes being torn down */

/* Builds the kernel page directory over all of RAM with per-section rights, unmaps the boot stack's
 * guard page, and switches from the boot tables (dropping the identity map). */
void paging_init(uint32_t ram_top);
/* A new address space with no user pages, or NULL when memory is exhausted. */
struct aspace *aspace_create(void);
/* Frees every user page, page table and directory of as (which must not be the loaded one). */
void aspace_destroy(struct aspace *as);
/* Loads as into CR3 (PDPTEs are reloaded with it). */
void aspace_switch(struct aspace *as);
/* The PTE of va in as, creating its page table when create; NULL when absent or out of memory. */
uint64_t *aspace_pte(struct aspace *as, uint32_t va, bool create);
/* Maps a fresh zeroed page at va (user, rights from MAP_*); 0, -ENOMEM, or -EEXIST if mapped. */
int aspace_map_new(struct aspace *as, uint32_t va, unsigned rights);
/* The same, but the page is supervisor-only (U/S=0) unless rights has MAP_USER: LOTRx86's PrivUser pages. */
int aspace_map_new_supervisor(struct aspace *as, uint32_t va, unsigned rights);
/* Unmaps the user page at va and frees its frame (nothing if unmapped). */
void aspace_unmap(struct aspace *as, uint32_t va);
/* Copies n bytes to user address va of as through the direct map (the pages must be mapped). */
int aspace_write(struct aspace *as, uint32_t va, const void *src, size_t n);
/* Maps or unmaps one kernel page (in the shared kernel directory); rights from MAP_*. */
void kernel_map_page(uint32_t va, uint32_t phys, unsigned rights);
void kernel_unmap_page(uint32_t va);
/* The PTE bits for rights (NX only when the CPU has it). */
uint64_t pte_rights(unsigned rights);

#endif
