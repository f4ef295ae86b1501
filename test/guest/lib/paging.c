/* 32-bit paging for the tests that need it (Intel SDM Vol. 3A §4.3): an identity map of the first 16 MiB in 4 KiB
 * pages, with the page directory and tables at fixed physical addresses (so printed PTE addresses are stable). */
#include "guest.h"

u32 *paging_identity_map(void)
{
    u32 *pd = PAGE_DIRECTORY;
    memset(pd, 0, 4096);
    for (u32 t = 0; t < IDENTITY_MIB / 4; t++) {
        u32 *pt = PAGE_TABLES + t * 1024;
        for (u32 i = 0; i < 1024; i++)
            pt[i] = ((t * 1024 + i) << 12) | PTE_P | PTE_RW;
        pd[t] = (u32)pt | PTE_P | PTE_RW;
    }
    return pd;
}

void paging_enable(u32 *pd)
{
    write_cr3((u32)pd);
    write_cr0(read_cr0() | CR0_PG);
}

void paging_disable(void)
{
    write_cr0(read_cr0() & ~CR0_PG);
}

u32 *pte_of(u32 linear)
{
    u32 pde = PAGE_DIRECTORY[linear >> 22];
    return (u32 *)(pde & ~0xfffu) + ((linear >> 12) & 0x3ff);
}
