/* CPU features found by CPUID at boot, and the protections turned on (arch/cpu.c). */
#ifndef KERNELIST_CPU_H
#define KERNELIST_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_features {
    bool pae, nx, smep, smap;
    bool seg_limits_enforced; /* the boot probe: a ring-3 data segment cannot reach 0xC0000000 */
    char vendor[13];
};

extern struct cpu_features cpu;

/* CPUID: fills cpu, panics without PAE, enables EFER.NXE, CR4.SMEP and CR4.SMAP when present. */
void cpu_init(void);
/* Runs the segment-limit probe (needs the GDT and IDT) and prints the protections line (unless quiet)
 * and a warning for each protection not in force (always). */
void cpu_report(bool quiet);

/* Brackets kernel accesses to user pages (STAC/CLAC when SMAP is on). */
static inline void user_access_begin(void)
{
    if (cpu.smap)
        __asm__ volatile("stac" : : : "memory", "cc");
}
static inline void user_access_end(void)
{
    if (cpu.smap)
        __asm__ volatile("clac" : : : "memory", "cc");
}

#endif
