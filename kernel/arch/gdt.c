/* The GDT: null, kernel code/data (DPL 0, flat 4 GiB), user code/data (DPL 3, base 0, limit 0xBFFFFFFF
 * so no ring-3 segment reaches the kernel), the TSS, an LDT reserved for LOTRx86, the double-fault TSS. */
#include <kernel/gdt.h>
#include <kernel/tss.h>
#include <kernel/double_fault.h>
#include <kernel/lib.h>
#include <kernel/nk.h>
#include <uapi/layout.h>

static struct seg_descriptor gdt[GDT_ENTRIES] __attribute__((aligned(8)));
static struct seg_descriptor ldt[LDT_ENTRIES] __attribute__((aligned(8)));

/* Encodes one GDT slot, panicking if the spec cannot be encoded. */
static void set_entry(unsigned index, enum seg_kind kind, uint32_t base, uint32_t limit, unsigned dpl)
{
    struct seg_spec spec = { kind, base, limit, dpl };
    if (!seg_encode(&gdt[index], &spec))
        panic("gdt_init: a descriptor cannot be encoded");
}

/* Loads GDTR and reloads CS (far return), the data segment registers, TR and LDTR. */
static void load_gdt(void)
{
    if (nk_lgdt((uint32_t)gdt, sizeof gdt - 1) < 0) /* LGDT, LTR and LLDT only in the nested kernel */
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
    nk_ltr(TSS_SEL);
    nk_lldt(LDT_SEL);
}

void gdt_init(void)
{
    memset(gdt, 0, sizeof gdt);
    memset(ldt, 0, sizeof ldt);
    set_entry(GDT_KERNEL_CODE, SEG_CODE, 0, 0xFFFFFFFF, 0);
    set_entry(GDT_KERNEL_DATA, SEG_DATA, 0, 0xFFFFFFFF, 0);
    set_entry(GDT_USER_CODE, SEG_CODE, 0, USER_TOP - 1, 3);
    set_entry(GDT_USER_DATA, SEG_DATA, 0, USER_TOP - 1, 3);
    set_entry(GDT_TSS, SEG_TSS32, (uint32_t)&kernel_tss, sizeof kernel_tss - 1, 0);
    set_entry(GDT_LDT, SEG_LDT, (uint32_t)ldt, sizeof ldt - 1, 0);
    set_entry(GDT_DF_TSS, SEG_TSS32, (uint32_t)&double_fault_tss, sizeof double_fault_tss - 1, 0);
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
    set_entry(GDT_LDT, SEG_LDT, (uint32_t)table, entries * 8 - 1, 0);
    nk_lldt(LDT_SEL);
}
