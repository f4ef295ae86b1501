/* Encoders and decoders of segment descriptors and gates (include/kernel/descriptor.h). Pure C with no
 * kernel dependencies, so the host unit test compiles this very file. */
#include <kernel/descriptor.h>

#define ACCESS_PRESENT 0x80u
#define ACCESS_S       0x10u /* code or data, not system */
#define FLAG_G         0x80u
#define FLAG_DB        0x40u

/* The 4-bit type field and S bit of kind. */
static unsigned kind_type(enum seg_kind kind, bool *s)
{
    switch (kind) {
    case SEG_CODE: *s = true; return 0xA;
    case SEG_DATA: *s = true; return 0x2;
    case SEG_TSS32: *s = false; return 0x9;
    case SEG_LDT: *s = false; return 0x2;
    }
    *s = false;
    return 0;
}

/* Zeroes one descriptor. */
static void seg_zero(struct seg_descriptor *out)
{
    out->limit_low = 0;
    out->base_low = 0;
    out->base_mid = 0;
    out->access = 0;
    out->limit_high_flags = 0;
    out->base_high = 0;
}

bool seg_encode(struct seg_descriptor *out, const struct seg_spec *spec)
{
    seg_zero(out);
    bool s;
    unsigned type = kind_type(spec->kind, &s);
    if (spec->dpl > 3 || type == 0)
        return false;
    uint32_t limit_field = spec->limit;
    unsigned flags = s ? FLAG_DB : 0;
    if (spec->limit > 0xFFFFF) {
        if (!s || (spec->limit & 0xFFF) != 0xFFF)
            return false;
        limit_field = spec->limit >> 12;
        flags |= FLAG_G;
    }
    out->limit_low = (uint16_t)(limit_field & 0xFFFF);
    out->base_low = (uint16_t)(spec->base & 0xFFFF);
    out->base_mid = (uint8_t)((spec->base >> 16) & 0xFF);
    out->access = (uint8_t)(ACCESS_PRESENT | (spec->dpl << 5) | (s ? ACCESS_S : 0) | type);
    out->limit_high_flags = (uint8_t)(flags | ((limit_field >> 16) & 0xF));
    out->base_high = (uint8_t)(spec->base >> 24);
    return true;
}

uint32_t seg_base(const struct seg_descriptor *d)
{
    return (uint32_t)d->base_low | ((uint32_t)d->base_mid << 16) | ((uint32_t)d->base_high << 24);
}

uint32_t seg_limit(const struct seg_descriptor *d)
{
    uint32_t field = (uint32_t)d->limit_low | (((uint32_t)d->limit_high_flags & 0xF) << 16);
    return (d->limit_high_flags & FLAG_G) ? (field << 12) | 0xFFF : field;
}

unsigned seg_dpl(const struct seg_descriptor *d) { return (d->access >> 5) & 3; }

bool seg_present(const struct seg_descriptor *d) { return (d->access & ACCESS_PRESENT) != 0; }

bool gate_encode(struct gate_descriptor *out, enum gate_kind kind, uint16_t selector, uint32_t offset, unsigned dpl)
{
    out->offset_low = 0;
    out->selector = 0;
    out->reserved = 0;
    out->type_attr = 0;
    out->offset_high = 0;
    if (dpl > 3)
        return false;
    unsigned type = kind == GATE_TRAP32 ? 0xF : kind == GATE_TASK ? 0x5 : 0xE;
    if (kind == GATE_TASK)
        offset = 0;
    out->offset_low = (uint16_t)(offset & 0xFFFF);
    out->selector = selector;
    out->type_attr = (uint8_t)(ACCESS_PRESENT | (dpl << 5) | type);
    out->offset_high = (uint16_t)(offset >> 16);
    return true;
}

uint32_t gate_offset(const struct gate_descriptor *g)
{
    return (uint32_t)g->offset_low | ((uint32_t)g->offset_high << 16);
}
