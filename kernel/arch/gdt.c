/* The GDT: null, kernel code/data (DPL 0, flat 4 GiB), user code/data (DPL 3, base 0, limit 0xBFFFFFFF
 * so no ring-3 segment reaches the kernel), the TSS, the LDT slot (LOTRx86: the running process's LDT), and
 * with NK=0 the double-fault TSS. */
#include <kernel/gdt.h>
#include <kernel/tss.h>
#include <kernel/double_fault.h>
#include <kernel/lib.h>
#include <kernel/nk.h>
#include <uapi/layout.h>

/* Both are nested-kernel regions (read-only with NK=1): the GDT write-once, filled once here, its LDT slot
 * changed later only through nk_set_ldt; the reserved empty LDT an NK_LDT region, never written. */
static struct seg_descriptor *gdt;
static struct seg_descriptor *ldt;
#define GDT_BYTES (GDT_ENTRIES * sizeof(struct seg_descriptor))

/* Encodes one descriptor into table[index], panicking if the spec cannot be encoded. Code and data
 * segments get their accessed bit now: the CPU would set it on the first load, a write the read-only
 * GDT (NK=1) forbids. */
static void set_entry(struct seg_descriptor *table, unsigned index, enum seg_kind kind, uint32_t base,
                      uint32_t limit, unsigned dpl)
{
    struct seg_spec spec = { kind, base, limit, dpl };
    if (!seg_encode(&table[index], &spec))
        panic("gdt_init: a descriptor cannot be encoded");
    if (kind == SEG_CODE || kind == SEG_DATA)
        table[index].access |= 1;
}

/* Loads GDTR and reloads CS (far return), the data segment registers, TR and LDTR. */
static void load_gdt(void)
{
    if (nk_lgdt((uint32_t)gdt, GDT_BYTES - 1) < 0) /* LGDT, LTR and LLDT only in the nested kernel */
        panic("gdt_init: the nested kernel refused the GDT");
    __asm__ volatile("pushl %0\n"
                     "pushl $1f\n"
                     "lret\n"
                     "1:\n"
                     "movw %w1, %%ds\n"
                     "movw %w1, %%es\n"
                     "movw %w1, %%fs\n"
                     "movw %w1, %%gs\n"
                     "movw %w1, %%ss\n"
                     : : "i"(KERNEL_CS), "r"(KERNEL_DS) : "memory");
    if (nk_ltr(TSS_SEL) < 0)
        panic("gdt_init: the nested kernel refused TR");
    gdt_load_ldt(NULL, 0);
}

void gdt_init(void)
{
    gdt = nk_alloc(GDT_BYTES, NK_WRITE_ONCE);
    ldt = nk_alloc(LDT_ENTRIES * sizeof *ldt, NK_LDT);
    if (!gdt || !ldt)
        panic("gdt_init: no protected memory for the GDT and the LDT");
    struct seg_descriptor table[GDT_ENTRIES];
    memset(table, 0, sizeof table);
    set_entry(table, GDT_KERNEL_CODE, SEG_CODE, 0, 0xFFFFFFFF, 0);
    set_entry(table, GDT_KERNEL_DATA, SEG_DATA, 0, 0xFFFFFFFF, 0);
    set_entry(table, GDT_USER_CODE, SEG_CODE, 0, USER_TOP - 1, 3);
    set_entry(table, GDT_USER_DATA, SEG_DATA, 0, USER_TOP - 1, 3);
    set_entry(table, GDT_TSS, SEG_TSS32, (uint32_t)&kernel_tss, sizeof kernel_tss - 1, 0);
    /* GDT_LDT stays null here: nk_set_ldt fills it (load_gdt). */
#if !NK /* the double-fault task exists only with NK=0 (docs/nested-kernel.md "The descriptor tables") */
    set_entry(table, GDT_DF_TSS, SEG_TSS32, (uint32_t)&double_fault_tss, sizeof double_fault_tss - 1, 0);
#endif
    if (nk_write(gdt, table, sizeof table) < 0) /* every byte written once: the GDT is frozen from here */
        panic("gdt_init: the nested kernel refused the GDT's contents");
    load_gdt();
}

const struct seg_descriptor *gdt_entry(unsigned index)
{
    KASSERT(index < GDT_ENTRIES, "gdt_entry: index out of range");
    return &gdt[index];
}

const struct seg_descriptor *ldt_table(void) { return ldt; }

void gdt_load_ldt(const struct seg_descriptor *table, unsigned entries)
{
    if (!table) {
        table = ldt;
        entries = LDT_ENTRIES;
    }
    KASSERT(entries > 0 && entries <= 8192, "gdt_load_ldt: bad LDT size");
    struct seg_descriptor d;
    struct seg_spec spec = { SEG_LDT, (uint32_t)table, entries * 8 - 1, 0 };
    if (!seg_encode(&d, &spec) || nk_set_ldt(&d) < 0) /* the nested kernel writes the slot, then LLDT */
        panic("gdt_load_ldt: the nested kernel refused the LDT");
}
