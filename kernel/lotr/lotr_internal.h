/* Internal interfaces of kernel/lotr/. */
#ifndef KERNELIST_LOTR_INTERNAL_H
#define KERNELIST_LOTR_INTERNAL_H

#include <kernel/descriptor.h>

/* The LDT of process slot (LOTR_LDT_ENTRIES descriptors in the nested kernel's LDT region). */
struct seg_descriptor *lotr_ldt_storage(unsigned slot);
/* Encodes a code/data segment into ldt[index], panicking if it cannot be encoded. */
void lotr_ldt_set_segment(struct seg_descriptor *ldt, unsigned index, enum seg_kind kind, uint32_t base,
                          uint32_t limit, unsigned dpl);
/* Writes a present 32-bit call gate to selector:offset copying params dwords into ldt[index]. */
void lotr_ldt_set_call_gate(struct seg_descriptor *ldt, unsigned index, uint16_t selector, uint32_t offset,
                            unsigned params, unsigned dpl);
/* Makes every entry of ldt null. */
void lotr_ldt_clear(struct seg_descriptor *ldt);

#endif
