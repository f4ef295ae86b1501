/* Typed IA-32 descriptors and their encoders (arch/descriptor.c, pure C, also compiled for the host
 * by test/kernel/descriptor_test.c). SDM Vol. 3A §3.4.5 (segments), §6.11 (gates), §7.2.1 (TSS). */
#ifndef KERNELIST_DESCRIPTOR_H
#define KERNELIST_DESCRIPTOR_H

#include <stdint.h>
#include <stdbool.h>

/* A segment descriptor as the GDT/LDT holds it, 8 bytes. */
struct seg_descriptor {
    uint16_t limit_low;
    uint16_t base_low;
    uint8_t base_mid;
    uint8_t access;          /* P, DPL, S, type */
    uint8_t limit_high_flags; /* G, D/B, L, AVL, limit 19:16 */
    uint8_t base_high;
} __attribute__((packed));

/* An IDT gate, 8 bytes. */
struct gate_descriptor {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t reserved;
    uint8_t type_attr;       /* P, DPL, 0, type */
    uint16_t offset_high;
} __attribute__((packed));

/* The operand of LGDT/LIDT (and what SGDT/SIDT store). */
struct descriptor_table_register {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

/* The 32-bit task-state segment, 104 bytes (SDM Vol. 3A Figure 7-2). */
struct tss32 {
    uint16_t link, link_hi;
    uint32_t esp0;
    uint16_t ss0, ss0_hi;
    uint32_t esp1;
    uint16_t ss1, ss1_hi;
    uint32_t esp2;
    uint16_t ss2, ss2_hi;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, es_hi, cs, cs_hi, ss, ss_hi, ds, ds_hi, fs, fs_hi, gs, gs_hi;
    uint16_t ldt, ldt_hi;
    uint16_t trap;
    uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct seg_descriptor) == 8, "segment descriptors are 8 bytes");
_Static_assert(sizeof(struct gate_descriptor) == 8, "gates are 8 bytes");
_Static_assert(sizeof(struct tss32) == 104, "the 32-bit TSS is 104 bytes");

/* Segment kinds the kernel uses. */
enum seg_kind {
    SEG_CODE,      /* 32-bit execute/read code, non-conforming (type 0xA) */
    SEG_DATA,      /* 32-bit read/write data, expand-up (type 0x2) */
    SEG_TSS32,     /* available 32-bit TSS (system type 0x9) */
    SEG_LDT,       /* LDT (system type 0x2) */
};

enum gate_kind {
    GATE_INTERRUPT32, /* type 0xE: clears IF */
    GATE_TRAP32,      /* type 0xF: keeps IF */
    GATE_TASK,        /* type 0x5: switches to the TSS named by the selector (the offset is unused, 0) */
};

/* What a segment descriptor says, in plain numbers. limit is the last valid byte offset. */
struct seg_spec {
    enum seg_kind kind;
    uint32_t base;
    uint32_t limit;
    unsigned dpl;
};

/* Encodes spec into *out. False (and *out zeroed) when it cannot be encoded: dpl > 3, or a limit above
 * 0xFFFFF that is not of the form 0xXXXXXFFF (page granularity), or a system segment over 1 MiB. */
bool seg_encode(struct seg_descriptor *out, const struct seg_spec *spec);
/* The base, the byte limit (G applied), the DPL and whether it is present. */
uint32_t seg_base(const struct seg_descriptor *d);
uint32_t seg_limit(const struct seg_descriptor *d);
unsigned seg_dpl(const struct seg_descriptor *d);
bool seg_present(const struct seg_descriptor *d);

/* Encodes a present gate to selector:offset (a task gate ignores offset). False (and *out zeroed) when dpl > 3. */
bool gate_encode(struct gate_descriptor *out, enum gate_kind kind, uint16_t selector, uint32_t offset, unsigned dpl);
uint32_t gate_offset(const struct gate_descriptor *g);

/* Builds a selector from a table index, table (0 = GDT, 1 = LDT) and RPL. */
static inline uint16_t selector_make(unsigned index, unsigned ldt, unsigned rpl)
{
    return (uint16_t)((index << 3) | ((ldt & 1) << 2) | (rpl & 3));
}

#endif
