/* Writers of per-process LDT entries (LOTRx86): code and data segments through the typed encoder of
 * arch/descriptor.c, and the 32-bit call gate, which that encoder does not make. Every write to an LDT
 * goes through these two functions, so a write-mediating layer (the Nested Kernel) has one place to hook. */
#include <kernel/lotr.h>
#include <kernel/descriptor.h>
#include <kernel/lib.h>
#include "lotr_internal.h"

#define GATE_CALL32_TYPE 0xCu /* SDM Vol. 3A §5.8.3: 32-bit call gate */
#define GATE_PRESENT 0x80u

void lotr_ldt_set_segment(struct seg_descriptor *ldt, unsigned index, enum seg_kind kind, uint32_t base,
                          uint32_t limit, unsigned dpl)
{
    KASSERT(index < LOTR_LDT_ENTRIES, "lotr_ldt_set_segment: index out of range");
    struct seg_spec spec = { kind, base, limit, dpl };
    if (!seg_encode(&ldt[index], &spec))
        panic("lotr_ldt_set_segment: a descriptor cannot be encoded");
}

void lotr_ldt_set_call_gate(struct seg_descriptor *ldt, unsigned index, uint16_t selector, uint32_t offset,
                            unsigned params, unsigned dpl)
{
    KASSERT(index < LOTR_LDT_ENTRIES && params < 32 && dpl < 4, "lotr_ldt_set_call_gate: bad gate");
    struct gate_descriptor g;
    g.offset_low = (uint16_t)(offset & 0xFFFF);
    g.selector = selector;
    g.reserved = (uint8_t)params; /* bits 0-4: dwords copied to the inner stack */
    g.type_attr = (uint8_t)(GATE_PRESENT | (dpl << 5) | GATE_CALL32_TYPE);
    g.offset_high = (uint16_t)(offset >> 16);
    memcpy(&ldt[index], &g, sizeof g);
}

void lotr_ldt_clear(struct seg_descriptor *ldt)
{
    memset(ldt, 0, LOTR_LDT_ENTRIES * sizeof *ldt);
}
