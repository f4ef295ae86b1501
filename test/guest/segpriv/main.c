/* segpriv: segment-register loads at CPL 3, 2 and 1 with every check (Intel SDM Vol. 2 MOV/POP "protected mode"
 * and Vol. 3A §5.5-§5.7: null selectors, type, DPL/RPL/CPL, #NP and #SS, the accessed bit), the TI bit and LLDT/
 * SLDT, LTR/STR and the TSS busy bit, privileged instructions at CPL > 0 (#GP(0)), and SGDT SLDT STR SMSW, which
 * are not privileged (no UMIP). */
#include "ring.h"

extern void s_load_ds(void *), s_load_es(void *), s_load_fs(void *), s_load_gs(void *), s_load_ss(void *),
    s_pop_ds(void *), s_pop_ss(void *), s_read_ldt_ds(void *);
extern void s_mov_from_cr0(void *), s_mov_from_cr3(void *), s_mov_to_cr0(void *), s_mov_to_cr3(void *),
    s_mov_from_dr7(void *), s_mov_to_dr0(void *), s_lgdt(void *), s_lidt(void *), s_lldt(void *), s_ltr(void *),
    s_lmsw(void *), s_clts(void *), s_hlt(void *), s_invlpg(void *), s_rdmsr(void *), s_wrmsr(void *),
    s_wbinvd(void *), s_invd(void *), s_sldt(void *), s_str(void *), s_smsw(void *), s_sgdt_limit(void *),
    s_ltr_sel(void *), s_lldt_sel(void *);
extern u32 seg_value;

/* GDT slots */
#define G_DATA3_RO 0x1b      /* DPL 3 read-only data */
#define G_DATA3_ABSENT 0x23  /* DPL 3 writable data, P=0 */
#define G_DATA0_ABSENT 0x28  /* DPL 0 writable data, P=0 */
#define G_CODE3_XO 0x33      /* DPL 3 execute-only code */
#define G_CODE3_RX 0x3b      /* DPL 3 readable code */
#define G_CODE0_CONF 0x40    /* DPL 0 readable conforming code */
#define G_FRESH3 0x4b        /* DPL 3 data, accessed bit clear */
#define G_TSS2 0x50          /* a second 32-bit TSS, available */
#define G_TSS_ABSENT 0x58    /* 32-bit TSS, P=0 */
#define G_LDT2 0x60          /* a second LDT descriptor */
#define G_LDT_ABSENT 0x68    /* LDT descriptor, P=0 */
#define G_DATA1 0x70         /* DPL 1 data, base 0 */
#define G_BASED3 0x7b        /* GDT index 15: DPL 3 data, base 0 (TI=0 twin of LDT 15) */
#define L_BASED3 0x7f        /* LDT index 15: DPL 3 data, base 0x1000 */

static void setup(void)
{
    gdt_set(G_DATA3_RO >> 3, 0, 0xfffff, 0xf0, 0xc);
    gdt_set(G_DATA3_ABSENT >> 3, 0, 0xfffff, 0x72, 0xc);
    gdt_set(G_DATA0_ABSENT >> 3, 0, 0xfffff, 0x12, 0xc);
    gdt_set(G_CODE3_XO >> 3, 0, 0xfffff, 0xf8, 0xc);
    gdt_set(G_CODE3_RX >> 3, 0, 0xfffff, 0xfa, 0xc);
    gdt_set(G_CODE0_CONF >> 3, 0, 0xfffff, 0x9e, 0xc);
    gdt_set(G_TSS2 >> 3, RING_TSS_ADDR + 0x3000, 0x67, 0x89, 0x0);
    gdt_set(G_TSS_ABSENT >> 3, RING_TSS_ADDR + 0x3000, 0x67, 0x09, 0x0);
    gdt_set(G_LDT2 >> 3, RING_LDT_ADDR + 0x800, 0x7f, 0x82, 0x0);
    gdt_set(G_LDT_ABSENT >> 3, RING_LDT_ADDR, 0x7f, 0x02, 0x0);
    gdt_set(G_DATA1 >> 3, 0, 0xfffff, 0xb2, 0xc);
    gdt_set(G_BASED3 >> 3, 0, 0xfffff, 0xf2, 0xc);
    memcpy((void *)(RING_TSS_ADDR + 0x3000), ring_tss(), TSS_SIZE); /* the second TSS: the same stacks */
    memset((void *)(RING_LDT_ADDR + 0x800), 0, 0x80);                /* the second LDT: empty */
    ldt_install();
    ring_ldt()[L_BASED3 >> 3] = gdt_descriptor(0x1000, 0xfffff, 0xf2, 0xc);
    *(u32 *)SCRATCH_BASE = 0x0a0a0a0a;
    *(u32 *)(SCRATCH_BASE + 0x1000) = 0x0b0b0b0b;
}

static void load(const char *what, int ring, void (*fn)(void *), u32 selector)
{
    printf("%s 0x%04x at CPL %d -> ", what, selector, ring);
    int v = ring_run(ring, fn, (void *)selector);
    printf("%s\n", v < 0 ? "ok" : fault_str(v));
}

static void loads(void)
{
    load("mov ds, null", 3, s_load_ds, 0);
    load("mov ds, null RPL 3", 3, s_load_ds, 3);
    load("mov gs, null", 3, s_load_gs, 0);
    load("mov ss, null", 3, s_load_ss, 0);
    load("mov ss, null RPL 3", 3, s_load_ss, 3);
    load("mov ss, DPL-3 data", 3, s_load_ss, SEL_R3_DATA);
    load("mov ss, DPL-3 data RPL 2", 3, s_load_ss, SEL_R3_DATA & ~1);
    load("mov ss, DPL-2 data RPL 3", 3, s_load_ss, SEL_R2_DATA | 3);
    load("mov ss, DPL-3 read-only data", 3, s_load_ss, G_DATA3_RO);
    load("mov ss, DPL-3 readable code", 3, s_load_ss, G_CODE3_RX);
    load("mov ss, DPL-3 data not present", 3, s_load_ss, G_DATA3_ABSENT);
    load("pop ss, DPL-3 data not present", 3, s_pop_ss, G_DATA3_ABSENT);
    load("mov ss, DPL-2 data", 2, s_load_ss, SEL_R2_DATA);
    load("mov ss, DPL-3 data", 2, s_load_ss, SEL_R3_DATA);
    load("mov ss, DPL-1 data RPL 2", 2, s_load_ss, G_DATA1 | 2);
    load("mov ds, DPL-3 data", 3, s_load_ds, SEL_R3_DATA);
    load("mov ds, DPL-3 data RPL 0", 3, s_load_ds, SEL_R3_DATA & ~3);
    load("mov ds, DPL-0 data", 3, s_load_ds, KERNEL_DS | 3);
    load("mov ds, DPL-2 data", 3, s_load_ds, SEL_R2_DATA | 3);
    load("mov ds, DPL-3 read-only data", 3, s_load_ds, G_DATA3_RO);
    load("mov ds, DPL-3 execute-only code", 3, s_load_ds, G_CODE3_XO);
    load("mov ds, DPL-3 readable code", 3, s_load_ds, G_CODE3_RX);
    load("mov es, DPL-0 readable code", 3, s_load_es, KERNEL_CS | 3);
    load("mov es, DPL-0 conforming readable code", 3, s_load_es, G_CODE0_CONF | 3);
    load("mov fs, DPL-3 data not present", 3, s_load_fs, G_DATA3_ABSENT);
    load("mov fs, DPL-0 data not present (privilege first)", 3, s_load_fs, G_DATA0_ABSENT | 3);
    load("mov ds, TSS descriptor", 3, s_load_ds, SEL_TSS | 3);
    load("mov ds, LDT descriptor", 3, s_load_ds, SEL_LDT | 3);
    load("mov ds, call gate", 3, s_load_ds, SEL_EXIT_GATE | 3);
    load("mov ds, beyond the GDT limit", 3, s_load_ds, 0x1003);
    load("mov ds, LDT index 15 (TI=1)", 3, s_load_ds, L_BASED3);
    load("mov ds, LDT index 16 (beyond the LDT limit)", 3, s_load_ds, 0x87);
    load("pop ds, DPL-0 data", 3, s_pop_ds, KERNEL_DS | 3);
    load("mov ds, DPL-2 data", 2, s_load_ds, SEL_R2_DATA);
    load("mov ds, DPL-2 data RPL 3", 2, s_load_ds, SEL_R2_DATA | 3);
    load("mov ds, DPL-3 data", 2, s_load_ds, SEL_R3_DATA);
    load("mov ds, DPL-1 data", 2, s_load_ds, G_DATA1 | 2);
    load("mov ds, DPL-1 data", 1, s_load_ds, G_DATA1 | 1);
    load("mov ds, DPL-0 data", 1, s_load_ds, KERNEL_DS | 1);

    gdt_set(G_FRESH3 >> 3, 0, 0xfffff, 0xf2, 0xc);
    printf("accessed bit of 0x%04x before -> %u\n", G_FRESH3, (u32)(gdt[G_FRESH3 >> 3] >> 40) & 1);
    load("mov es, DPL-3 data with the accessed bit clear", 3, s_load_es, G_FRESH3);
    printf("accessed bit of 0x%04x after the load at CPL 3 -> %u\n", G_FRESH3, (u32)(gdt[G_FRESH3 >> 3] >> 40) & 1);
}

static void ti_bit(void)
{
    seg_value = 0;
    int v = ring_run(3, s_read_ldt_ds, (void *)G_BASED3);
    printf("read ds:0x800000 with 0x%04x (GDT 15, base 0) -> %s 0x%08x\n", G_BASED3, v < 0 ? "ok" : fault_str(v), seg_value);
    seg_value = 0;
    v = ring_run(3, s_read_ldt_ds, (void *)L_BASED3);
    printf("read ds:0x800000 with 0x%04x (LDT 15, base 0x1000) -> %s 0x%08x\n", L_BASED3, v < 0 ? "ok" : fault_str(v), seg_value);
    v = ring_run(3, s_sldt, 0);
    printf("sldt at CPL 3 -> %s 0x%04x\n", v < 0 ? "ok" : fault_str(v), seg_value & 0xffff);
    print_outcome("lldt 0x0060 (a second LDT)", try_call(s_lldt_sel, (void *)G_LDT2));
    try_call(s_sldt, 0);
    printf("sldt after it -> 0x%04x\n", seg_value & 0xffff);
    v = ring_run(3, s_read_ldt_ds, (void *)L_BASED3);
    printf("mov ds, LDT 15 in the second (empty) LDT at CPL 3 -> %s\n", v < 0 ? "ok" : fault_str(v));
    print_outcome("lldt with a TSS selector", try_call(s_lldt_sel, (void *)SEL_TSS));
    print_outcome("lldt with TI=1", try_call(s_lldt_sel, (void *)(G_LDT2 | 4)));
    print_outcome("lldt with a not-present LDT", try_call(s_lldt_sel, (void *)G_LDT_ABSENT));
    print_outcome("lldt null", try_call(s_lldt_sel, 0));
    try_call(s_sldt, 0);
    printf("sldt after it -> 0x%04x\n", seg_value & 0xffff);
    v = ring_run(3, s_load_ds, (void *)L_BASED3);
    printf("mov ds, LDT 15 with LDTR null -> %s\n", v < 0 ? "ok" : fault_str(v));
    __asm__ volatile("lldt %w0" ::"r"((u16)SEL_LDT));
}

static void task_register(void)
{
    printf("TSS descriptor type after ltr (busy) -> 0x%x\n", (u32)(gdt[SEL_TSS >> 3] >> 40) & 0xf);
    print_outcome("ltr of the busy TSS", try_call(s_ltr_sel, (void *)SEL_TSS));
    print_outcome("ltr null", try_call(s_ltr_sel, 0));
    print_outcome("ltr of a data segment", try_call(s_ltr_sel, (void *)KERNEL_DS));
    print_outcome("ltr of an LDT descriptor", try_call(s_ltr_sel, (void *)G_LDT2));
    print_outcome("ltr with TI=1", try_call(s_ltr_sel, (void *)(G_TSS2 | 4)));
    print_outcome("ltr of a not-present TSS", try_call(s_ltr_sel, (void *)G_TSS_ABSENT));
    printf("second TSS type before ltr -> 0x%x\n", (u32)(gdt[G_TSS2 >> 3] >> 40) & 0xf);
    print_outcome("ltr of an available TSS", try_call(s_ltr_sel, (void *)G_TSS2));
    printf("second TSS type after ltr -> 0x%x; first still 0x%x\n", (u32)(gdt[G_TSS2 >> 3] >> 40) & 0xf,
           (u32)(gdt[SEL_TSS >> 3] >> 40) & 0xf);
    int v = ring_run(3, s_str, 0);
    printf("str at CPL 3 -> %s 0x%04x\n", v < 0 ? "ok" : fault_str(v), seg_value & 0xffff);
    tss_reload(TSS_FULL_LIMIT);
}

static void privileged(int ring)
{
    static const struct {
        const char *name;
        void (*fn)(void *);
    } insns[] = {
        { "mov eax, cr0", s_mov_from_cr0 }, { "mov eax, cr3", s_mov_from_cr3 }, { "mov cr0, eax", s_mov_to_cr0 },
        { "mov cr3, eax", s_mov_to_cr3 },   { "mov eax, dr7", s_mov_from_dr7 }, { "mov dr0, eax", s_mov_to_dr0 },
        { "lgdt", s_lgdt },                 { "lidt", s_lidt },                 { "lldt", s_lldt },
        { "ltr", s_ltr },                   { "lmsw", s_lmsw },                 { "clts", s_clts },
        { "hlt", s_hlt },                   { "invlpg", s_invlpg },             { "rdmsr", s_rdmsr },
        { "wrmsr", s_wrmsr },               { "wbinvd", s_wbinvd },             { "invd", s_invd },
    };
    for (u32 i = 0; i < sizeof insns / sizeof insns[0]; i++) {
        printf("%s at CPL %d -> ", insns[i].name, ring);
        int v = ring_run(ring, insns[i].fn, 0);
        printf("%s\n", v < 0 ? "ok" : fault_str(v));
    }
}

static void unprivileged(void)
{
    int v = ring_run(3, s_smsw, 0);
    printf("smsw at CPL 3 -> %s PE=%u\n", v < 0 ? "ok" : fault_str(v), seg_value & 1);
    v = ring_run(3, s_sgdt_limit, 0);
    printf("sgdt at CPL 3 -> %s limit=0x%04x\n", v < 0 ? "ok" : fault_str(v), seg_value & 0xffff);
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("segpriv: begin\n");
    ring_init();
    setup();
    loads();
    ti_bit();
    task_register();
    privileged(3);
    privileged(1);
    unprivileged();
    puts("segpriv: end\n");
}
