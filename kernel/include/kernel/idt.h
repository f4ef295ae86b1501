/* The IDT (arch/idt.c): every vector goes to its generated stub in arch/trap_entry.asm. */
#ifndef KERNELIST_IDT_H
#define KERNELIST_IDT_H

#include <kernel/descriptor.h>

/* Fills the 256 gates (DPL 0 interrupt gates, int 0x80 a DPL 3 trap gate) and loads IDTR. */
void idt_init(void);
const struct gate_descriptor *idt_entry(unsigned vector);

#endif
