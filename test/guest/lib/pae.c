/* PAE paging: the tables at fixed physical addresses (lib/pae.h), so that printed entries are stable. */
#include "pae.h"

void pae_identity_map(void)
{
    memset(PAE_PDPT, 0, 32);
    memset(PAE_PD0, 0, 4096);
    memset(PAE_PD1, 0, 4096);
    for (u32 t = 0; t < IDENTITY_MIB / 2; t++) {
        u64 *pt = PAE_PT + t * 512;
        for (u32 i = 0; i < 512; i++)
            pt[i] = (u64)((t * 512 + i) << 12) | PTE_P | PTE_RW;
        PAE_PD0[t] = (u32)pt | PTE_P | PTE_RW;
    }
    PAE_PDPT[0] = (u32)PAE_PD0 | PTE_P; /* PDPTEs have no R/W or U/S bits: those are reserved */
    PAE_PDPT[1] = (u32)PAE_PD1 | PTE_P;
}

void pae_enable(void)
{
    write_cr4(read_cr4() | CR4_PAE);
    write_cr3((u32)PAE_PDPT);
    write_cr0(read_cr0() | CR0_PG);
}

void pae_disable(void)
{
    write_cr0(read_cr0() & ~CR0_PG);
    write_cr4(read_cr4() & ~CR4_PAE);
}

u64 *pae_pte_of(u32 linear)
{
    return PAE_PT + (linear >> 12);
}

void pae_set_user(u32 first, u32 end, int user)
{
    for (u32 a = first; a < end; a += 4096) {
        u64 *pte = pae_pte_of(a);
        *pte = user ? (*pte | PTE_US) : (*pte & ~(u64)PTE_US);
        if (user)
            PAE_PD0[a >> 21] |= PTE_US;
    }
    write_cr3(read_cr3());
}
