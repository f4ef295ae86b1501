/* The descriptor tables under the Nested Kernel: the TSS (kernel_tss, in nested-kernel memory: written
 * once, then only ESP0 and SS2:ESP2), the GDT (a write-once region nk_lgdt accepts once; afterwards only its
 * LDT slot changes, through nk_set_ldt), and the LDTs (NK_LDT regions whose entries are validated one by
 * one). With NK=1 all of them are read-only to the outer kernel. None of them lets ring 3 or ring 2 reach
 * ring 0 or the kernel half: no LDT entry can describe kernel memory or lead to ring 0, and the GDT and the
 * TSS are frozen. docs/nested-kernel.md "The descriptor tables". */
#include "nk_internal.h"
#include <kernel/gdt.h>
#include <kernel/lib.h>
#include <uapi/errno.h>

#define USER_END 0xC0000000u   /* every LDT segment and ring-2 stack ends below the kernel */
#define ACC_PRESENT 0x80u
#define ACC_S 0x10u            /* code or data (not a system descriptor) */
#define ACC_ACCESSED 0x01u
#define TYPE_CODE 0x8u
#define TYPE_CONFORMING_OR_DOWN 0x4u
#define SYS_LDT 0x2u
#define SYS_TSS32 0x9u
#define SYS_CALL_GATE32 0xCu
#define FLAG_G 0x80u

struct tss32 kernel_tss __attribute__((aligned(128)));

#if NK
static bool tss_written, tr_loaded;

bool nk_gdt_acceptable(uint32_t base, uint32_t limit)
{
    if (nk_gdtr.base) /* once: a second GDT, even a write-once one the attacker filled, is refused */
        return base == nk_gdtr.base && limit == nk_gdtr.limit;
    return limit < 0x10000u && (limit + 1) % 8 == 0 && nk_region_has_policy(base, limit + 1, NK_WRITE_ONCE);
}

bool nk_tr_acceptable(uint32_t selector)
{
    uint32_t index = selector >> 3;
    if (tr_loaded || (selector & 7) || !nk_gdtr.base || index * 8 + 7 > nk_gdtr.limit)
        return false;
    const struct seg_descriptor *d = (const struct seg_descriptor *)nk_gdtr.base + index;
    if (d->access != (ACC_PRESENT | SYS_TSS32) || seg_base(d) != (uint32_t)&kernel_tss ||
        seg_limit(d) != sizeof kernel_tss - 1)
        return false;
    tr_loaded = true;
    return true;
}

/* 0 when d may sit in entry index of ldt (and sets its accessed bit), else a refusal. */
static int check_ldt_entry(const struct seg_descriptor *ldt, struct seg_descriptor *d)
{
    static const struct seg_descriptor null;
    if (memcmp(d, &null, sizeof null) == 0)
        return 0;
    unsigned type = d->access & 0xFu;
    if (!(d->access & ACC_PRESENT))
        return nk_refuse("nk_write_ldt: a non-present LDT entry must be null");
    if (d->access & ACC_S) {
        if (seg_dpl(d) < 2)
            return nk_refuse("nk_write_ldt: LDT segments have DPL 2 or 3");
        if (type & TYPE_CONFORMING_OR_DOWN)
            return nk_refuse("nk_write_ldt: no conforming code or expand-down data segments");
        uint32_t base = seg_base(d), limit = seg_limit(d);
        if (base >= USER_END || limit >= USER_END - base)
            return nk_refuse("nk_write_ldt: the segment reaches the kernel (base + limit >= 0xC0000000)");
        d->access |= ACC_ACCESSED; /* else the CPU would write it into the read-only LDT on the first load */
        return 0;
    }
    const struct gate_descriptor *g = (const struct gate_descriptor *)d;
    if (type != SYS_CALL_GATE32 || seg_dpl(d) != 3 || (g->reserved & 0xE0u))
        return nk_refuse("nk_write_ldt: the only system descriptor an LDT may hold is a DPL-3 32-bit call gate");
    const struct seg_descriptor *t = ldt + (g->selector >> 3);
    if (!(g->selector & 4) || !nk_region_has_policy((uint32_t)t, sizeof *t, NK_LDT))
        return nk_refuse("nk_write_ldt: a call gate must target a segment of this LDT (not the GDT's)");
    if ((t->access & (ACC_PRESENT | ACC_S | TYPE_CODE)) != (ACC_PRESENT | ACC_S | TYPE_CODE) || seg_dpl(t) != 2)
        return nk_refuse("nk_write_ldt: a call gate's target must be a DPL-2 code segment");
    return 0;
}
#endif

int NK_API(nk_tss_init)(const struct tss32 *tss)
{
#if NK
    if (tss_written)
        return nk_refuse("nk_tss_init: the TSS is written once");
    if (tss->ss0 != KERNEL_DS || tss->esp0 < USER_END || tss->iomap_base < sizeof *tss)
        return nk_refuse("nk_tss_init: SS0:ESP0 must be the kernel's and there is no I/O bitmap");
    tss_written = true;
#endif
    memcpy(&kernel_tss, tss, sizeof kernel_tss);
    return 0;
}

int NK_API(nk_tss_set_esp0)(uint32_t esp0)
{
#if NK
    if (esp0 < USER_END)
        return nk_refuse("nk_tss_set_esp0: the ring-0 stack must lie in the kernel half");
#endif
    kernel_tss.esp0 = esp0;
    return 0;
}

int NK_API(nk_tss_set_ring2)(uint32_t ss2, uint32_t esp2)
{
#if NK
    if ((ss2 && (ss2 & 7) != 6) || ss2 > 0xFFFFu || esp2 >= USER_END)
        return nk_refuse("nk_tss_set_ring2: SS2 must be null or an LDT selector with RPL 2, ESP2 below the kernel");
#endif
    kernel_tss.ss2 = (uint16_t)ss2;
    kernel_tss.esp2 = esp2;
    return 0;
}

int NK_API(nk_write_ldt)(struct seg_descriptor *ldt, unsigned index, const struct seg_descriptor *d)
{
    struct seg_descriptor v = *d;
#if NK
    if (index >= 8192 || !nk_region_has_policy((uint32_t)&ldt[index], sizeof *ldt, NK_LDT) || ((uint32_t)ldt & 7))
        return nk_refuse("nk_write_ldt: the entry is not inside an LDT region");
    int rc = check_ldt_entry(ldt, &v);
    if (rc < 0)
        return rc;
#endif
    ldt[index] = v;
    return 0;
}

int NK_API(nk_set_ldt)(const struct seg_descriptor *d)
{
    struct seg_descriptor v = *d;
#if NK
    uint32_t base = seg_base(&v), bytes = seg_limit(&v) + 1;
    if (v.access != (ACC_PRESENT | SYS_LDT) || (v.limit_high_flags & FLAG_G) || (base & 7) || bytes % 8)
        return nk_refuse("nk_set_ldt: not a present DPL-0 LDT descriptor of whole entries");
    if (!nk_region_has_policy(base, bytes, NK_LDT))
        return nk_refuse("nk_set_ldt: the LDT does not lie wholly inside one LDT region");
    if (!nk_gdtr.base)
        return nk_refuse("nk_set_ldt: no GDT yet");
#endif
    ((struct seg_descriptor *)nk_gdtr.base)[GDT_LDT] = v;
    nk_ldtr = LDT_SEL;
    nk_hw_lldt();
    return 0;
}
