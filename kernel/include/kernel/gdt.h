/* The GDT (arch/gdt.c): flat kernel segments, ring-3 segments ending below the kernel, the TSS, one LDT
 * slot reserved for LOTRx86, and the TSS of the double-fault task. */
#ifndef KERNELIST_GDT_H
#define KERNELIST_GDT_H

#include <kernel/descriptor.h>

#define GDT_KERNEL_CODE 1
#define GDT_KERNEL_DATA 2
#define GDT_USER_CODE   3
#define GDT_USER_DATA   4
#define GDT_TSS         5
#define GDT_LDT         6
#define GDT_DF_TSS      7 /* the double-fault task (arch/double_fault.c) */
#define GDT_ENTRIES     8

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_CS   0x1B
#define USER_DS   0x23
#define TSS_SEL   0x28
#define LDT_SEL   0x30
#define DF_TSS_SEL 0x38

#define LDT_ENTRIES 4 /* all null for now: the slot LOTRx86 fills */

/* Builds the GDT and the LDT, loads GDTR, reloads every segment register, LTR and LLDT. */
void gdt_init(void);
/* The descriptor in GDT slot index (for tests). */
const struct seg_descriptor *gdt_entry(unsigned index);
/* The LDT's address and size in bytes (for tests). */
const struct seg_descriptor *ldt_table(void);
/* Points the GDT's LDT slot at table (entries descriptors; NULL: the empty reserved LDT) and runs LLDT
 * (LOTRx86: on every context switch, kernel/lotr/lotr.c). */
void gdt_load_ldt(const struct seg_descriptor *table, unsigned entries);

#endif
