/* PAE address spaces: one PDPT per process, three user page directories, and one kernel page directory
 * (PDPT entry 3) shared by every address space, so kernel mappings are the same everywhere. */
#include <kernel/paging.h>
#include <kernel/frame.h>
#include <kernel/heap.h>
#include <kernel/cpu.h>
#include <kernel/lib.h>
#include <kernel/x86.h>
#include <kernel/nk.h>
#include <uapi/errno.h>
#include <uapi/layout.h>

#define ENTRIES 512u
#define PD_SHIFT 21
#define PDPT_SHIFT 30
#define KERNEL_PDPT_INDEX 3

extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[], boot_stack_guard[];

struct aspace kernel_aspace;
static uint64_t *kernel_pd;
static uint32_t kernel_pd_phys;

uint64_t pte_rights(unsigned rights)
{
    uint64_t e = PTE_P;
    if (rights & MAP_WRITE)
        e |= PTE_W;
    if (rights & MAP_USER)
        e |= PTE_U;
    if (!(rights & MAP_EXEC) && cpu.nx)
        e |= PTE_NX;
    return e;
}

/* A frame for a paging structure of level (enum nk_ptp_level), declared to the nested kernel (which zeroes it
 * and maps it read-only): its physical address, or 0. */
static uint32_t table_alloc(unsigned level)
{
    uint32_t phys = frame_alloc();
    if (phys && nk_declare_ptp(phys, level) < 0)
        panic("table_alloc: the nested kernel refused a fresh frame as a page-table page");
    return phys;
}

/* Writes one paging-structure entry through the vMMU; a refusal is a kernel bug here. */
static void set_entry(uint64_t *entry, uint64_t value)
{
    if (nk_write_pte(entry, value) < 0)
        panic("paging: the nested kernel refused a page-table write");
}

/* The page directory that covers va in as. */
static uint64_t *pd_of(struct aspace *as, uint32_t va)
{
    unsigned i = va >> PDPT_SHIFT;
    return i == KERNEL_PDPT_INDEX ? kernel_pd : as->pd[i];
}

uint64_t *aspace_pte(struct aspace *as, uint32_t va, bool create)
{
    uint64_t *pd = pd_of(as, va);
    uint64_t *pde = &pd[(va >> PD_SHIFT) & (ENTRIES - 1)];
    if (!(*pde & PTE_P)) {
        if (!create)
            return NULL;
        uint32_t pt = table_alloc(NK_PT);
        if (!pt)
            return NULL;
        bool user = va < USER_TOP;
        set_entry(pde, pt | PTE_P | PTE_W | (user ? PTE_U : 0));
    }
    uint64_t *pt = phys_to_virt((uint32_t)(*pde & PTE_ADDR_MASK));
    return &pt[(va >> 12) & (ENTRIES - 1)];
}

/* The rights of the kernel's direct-map page at physical phys. */
static unsigned kernel_rights(uint32_t phys)
{
    uint32_t va = phys + KERNEL_VMA;
    if (va >= (uint32_t)_text_start && va < (uint32_t)_text_end)
        return MAP_EXEC;
    if (va >= (uint32_t)_rodata_start && va < (uint32_t)_rodata_end)
        return 0;
    return MAP_WRITE;
}

void kernel_map_page(uint32_t va, uint32_t phys, unsigned rights)
{
    KASSERT(va >= KERNEL_VMA, "kernel_map_page: not a kernel address");
    uint64_t *pte = aspace_pte(&kernel_aspace, va, true);
    if (!pte)
        panic("kernel_map_page: no memory for a page table");
    set_entry(pte, phys | pte_rights(rights & ~MAP_USER));
    invlpg(va);
}

void kernel_unmap_page(uint32_t va)
{
    uint64_t *pte = aspace_pte(&kernel_aspace, va, false);
    if (pte) {
        set_entry(pte, 0);
        invlpg(va);
    }
}

/* Fills an aspace's PDPT: three fresh user directories and the shared kernel one. False on ENOMEM. */
static bool aspace_fill(struct aspace *as)
{
    memset(as, 0, sizeof *as);
    as->pdpt_phys = table_alloc(NK_PDPT);
    if (!as->pdpt_phys)
        return false;
    as->pdpt = phys_to_virt(as->pdpt_phys);
    for (unsigned i = 0; i < 3; i++) {
        uint32_t pd = table_alloc(NK_PD);
        if (!pd)
            return false;
        as->pd[i] = phys_to_virt(pd);
        set_entry(&as->pdpt[i], pd | PTE_P); /* PAE PDPTEs have no R/W, U/S or NX bits */
    }
    set_entry(&as->pdpt[KERNEL_PDPT_INDEX], kernel_pd_phys | PTE_P);
    return true;
}

void paging_init(uint32_t ram_top)
{
    if (ram_top > DIRECT_MAP_LIMIT)
        ram_top = DIRECT_MAP_LIMIT;
    kernel_pd_phys = table_alloc(NK_KPD);
    if (!kernel_pd_phys)
        panic("paging_init: no memory for the kernel page directory");
    kernel_pd = phys_to_virt(kernel_pd_phys);
    for (uint32_t phys = 0; phys < ram_top; phys += PAGE_SIZE) {
        uint64_t *pte = aspace_pte(&kernel_aspace, phys + KERNEL_VMA, true);
        if (!pte)
            panic("paging_init: no memory for the direct map");
        set_entry(pte, phys | pte_rights(kernel_rights(phys)));
    }
    if (!aspace_pte(&kernel_aspace, KSTACK_REGION, true))
        panic("paging_init: no memory for the kernel stack table");
    if (!aspace_fill(&kernel_aspace))
        panic("paging_init: no memory for the kernel address space");
    set_entry(aspace_pte(&kernel_aspace, (uint32_t)boot_stack_guard, false), 0);
    if (nk_load_cr3(kernel_aspace.pdpt_phys) < 0)
        panic("paging_init: the nested kernel refused the kernel PDPT");
}

struct aspace *aspace_create(void)
{
    struct aspace *as = kmalloc(sizeof *as);
    if (!as)
        return NULL;
    if (!aspace_fill(as)) {
        aspace_destroy(as);
        return NULL;
    }
    return as;
}

void aspace_destroy(struct aspace *as)
{
    KASSERT(as != &kernel_aspace, "aspace_destroy: the kernel address space");
    KASSERT(!as->pdpt_phys || read_cr3() != as->pdpt_phys, "aspace_destroy: the loaded address space");
    /* Top down, so each page-table page is unreferenced when the nested kernel retires it. */
    if (as->pdpt_phys && nk_remove_ptp(as->pdpt_phys) < 0)
        panic("aspace_destroy: the nested kernel refused to retire a PDPT");
    for (unsigned i = 0; i < 3; i++) {
        if (!as->pd[i])
            continue;
        for (unsigned d = 0; d < ENTRIES; d++) {
            uint64_t pde = as->pd[i][d];
            if (!(pde & PTE_P))
                continue;
            uint32_t pt_phys = (uint32_t)(pde & PTE_ADDR_MASK);
            uint64_t *pt = phys_to_virt(pt_phys);
            for (unsigned t = 0; t < ENTRIES; t++)
                if (pt[t] & PTE_P)
                    frame_free((uint32_t)(pt[t] & PTE_ADDR_MASK));
        }
        /* The PD goes before its PTs (their only parent); its entries are read first (retiring zeroes it). */
        uint32_t pd_phys = virt_to_phys(as->pd[i]);
        uint32_t pts[ENTRIES];
        unsigned npts = 0;
        for (unsigned d = 0; d < ENTRIES; d++)
            if (as->pd[i][d] & PTE_P)
                pts[npts++] = (uint32_t)(as->pd[i][d] & PTE_ADDR_MASK);
        if (nk_remove_ptp(pd_phys) < 0)
            panic("aspace_destroy: the nested kernel refused to retire a page directory");
        for (unsigned n = 0; n < npts; n++) {
            if (nk_remove_ptp(pts[n]) < 0)
                panic("aspace_destroy: the nested kernel refused to retire a page table");
            frame_free(pts[n]);
        }
        frame_free(pd_phys);
    }
    if (as->pdpt_phys)
        frame_free(as->pdpt_phys);
    kfree(as);
}

void aspace_switch(struct aspace *as)
{
    if (read_cr3() != as->pdpt_phys && nk_load_cr3(as->pdpt_phys) < 0)
        panic("aspace_switch: the nested kernel refused the PDPT");
}

int aspace_map_new(struct aspace *as, uint32_t va, unsigned rights)
{
    return aspace_map_new_supervisor(as, va, rights | MAP_USER);
}

int aspace_map_new_supervisor(struct aspace *as, uint32_t va, unsigned rights)
{
    KASSERT(va < USER_TOP && !(va & (PAGE_SIZE - 1)), "aspace_map_new: not a user page address");
    uint64_t *pte = aspace_pte(as, va, true);
    if (!pte)
        return -ENOMEM;
    if (*pte & PTE_P)
        return -EEXIST;
    uint32_t phys = frame_alloc_user();
    if (!phys)
        return -ENOMEM;
    memset(phys_to_virt(phys), 0, PAGE_SIZE);
    set_entry(pte, phys | pte_rights(rights));
    as->user_pages++;
    return 0;
}

void aspace_unmap(struct aspace *as, uint32_t va)
{
    uint64_t *pte = aspace_pte(as, va, false);
    if (!pte || !(*pte & PTE_P))
        return;
    frame_free((uint32_t)(*pte & PTE_ADDR_MASK));
    set_entry(pte, 0);
    as->user_pages--;
    if (read_cr3() == as->pdpt_phys)
        invlpg(va);
}

int aspace_write(struct aspace *as, uint32_t va, const void *src, size_t n)
{
    const uint8_t *s = src;
    while (n > 0) {
        uint64_t *pte = aspace_pte(as, va & ~(PAGE_SIZE - 1), false);
        if (!pte || !(*pte & PTE_P))
            return -EFAULT;
        uint32_t off = va & (PAGE_SIZE - 1);
        uint32_t chunk = PAGE_SIZE - off < n ? PAGE_SIZE - off : (uint32_t)n;
        memcpy((uint8_t *)phys_to_virt((uint32_t)(*pte & PTE_ADDR_MASK)) + off, s, chunk);
        s += chunk;
        va += chunk;
        n -= chunk;
    }
    return 0;
}
