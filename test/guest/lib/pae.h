/* PAE paging for the guest test programs (lib/pae.c; Intel SDM Vol. 3A §4.4): a PDPT, 64-bit entries, an
 * identity map of the first 16 MiB in 4 KiB pages, and the MSRs that go with it (IA32_EFER.NXE). */
#ifndef PAE_H
#define PAE_H
#include "guest.h"

#define PAE_PDPT ((u64 *)0x00f08000)
#define PAE_PD0 ((u64 *)0x00f09000) /* linear 0..1 GiB */
#define PAE_PD1 ((u64 *)0x00f0a000) /* linear 1..2 GiB: empty until a test fills it */
#define PAE_PT ((u64 *)0x00f0b000)  /* 8 page tables for 16 MiB */
#define PTE_XD (1ull << 63)
#define CR4_PAE (1u << 5)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define MSR_EFER 0xc0000080u
#define EFER_NXE (1ull << 11)
#define EFLAGS_AC (1u << 18)

static inline u64 rdmsr(u32 msr) { u32 lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return ((u64)hi << 32) | lo; }
static inline void wrmsr(u32 msr, u64 v) { __asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory"); }

void pae_identity_map(void); /* PDPT[0] -> PD0 -> 8 tables, PDPT[1] -> PD1 (empty), PDPT[2..3] not present */
void pae_enable(void);       /* CR4.PAE, CR3 = PDPT, CR0.PG */
void pae_disable(void);      /* CR0.PG off, then CR4.PAE off */
u64 *pae_pte_of(u32 linear); /* the PTE of a linear address under 16 MiB */
void pae_set_user(u32 first, u32 end, int user); /* U/S of the PTEs (and their PDEs) of [first, end) */
#endif
