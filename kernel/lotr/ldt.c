/* Writers of per-process LDT entries (LOTRx86): code and data segments through the typed encoder of
 * arch/descriptor.c, and the 32-bit call gate, which that encoder does not make. Every write to an LDT
 * goes through these functions, and they write through the Nested Kernel: the LDTs are one NK_LDT region
 * (read-only with NK=1), each entry validated by nk_write_ldt (kernel/nk/systab.c). */
#include <kernel/lotr.h>
#include <kernel/descriptor.h>
#include <kernel/sched.h>
#include <kernel/nk.h>
#include <kernel/lib.h>
#include "lotr_internal.h"

#define GATE_CALL32_TYPE 0xCu /* SDM Vol. 3A §5.8.3: 32-bit call gate */
#define GATE_PRESENT 0x80u

static struct seg_descriptor *ldts; /* MAX_PROCS LDTs of LOTR_LDT_ENTRIES each, one NK_LDT region */

struct seg_descriptor *lotr_ldt_storage(unsigned slot)
{
    KASSERT(slot < MAX_PROCS, "lotr_ldt_storage: slot out of range");
    if (!ldts && !(ldts = nk_alloc(MAX_PROCS * LOTR_LDT_ENTRIES * sizeof *ldts, NK_LDT)))
        panic("lotr_ldt_storage: no protected memory for the LDTs");
    return &ldts[slot * LOTR_LDT_ENTRIES];
}

/* Has the nested kernel write d into ldt[index], panicking if it refuses. */
static void ldt_write(struct seg_descriptor *ldt, unsigned index, const void *d)
{
    if (nk_write_ldt(ldt, index, d) < 0)
        panic("lotr_ldt: the nested kernel refused an LDT entry");
}

void lotr_ldt_set_segment(struct seg_descriptor *ldt, unsigned index, enum seg_kind kind, uint32_t base,
                          uint32_t limit, unsigned dpl)
{
    KASSERT(index < LOTR_LDT_ENTRIES, "lotr_ldt_set_segment: index out of range");
    struct seg_spec spec = { kind, base, limit, dpl };
    struct seg_descriptor d;
    if (!seg_encode(&d, &spec))
        panic("lotr_ldt_set_segment: a descriptor cannot be encoded");
    d.access |= 1; /* accessed: the CPU would set it on the first load, a write the read-only LDT forbids */
    ldt_write(ldt, index, &d);
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
    ldt_write(ldt, index, &g);
}

void lotr_ldt_clear(struct seg_descriptor *ldt)
{
    static const struct seg_descriptor null;
    for (unsigned i = 0; i < LOTR_LDT_ENTRIES; i++)
        ldt_write(ldt, i, &null);
}
