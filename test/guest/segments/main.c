/* segments: segment bases and limits on access (Intel SDM Vol. 3A §3.4, §5.3, §5.4): expand-up and expand-down
 * data segments, byte- and page-granular limits, read-only and execute-only segments, null selectors, stack
 * segment limits (#SS), the descriptor cache, the accessed bit, and LAR LSL VERR VERW.
 * QEMU TCG checks none of this on access (qemu-deviations.md #1-#5): golden/segments.sdm carries the SDM's
 * outcome for those lines, each marked with its reason. Every test prints one line, so a fault or its absence
 * changes only that line. */
#include "guest.h"

struct seg_op {
    u32 selector, offset, value;
};
#define SNIPPET(name) extern void name(void *); extern const u8 name##_insn[];
SNIPPET(s_read8) SNIPPET(s_read16) SNIPPET(s_read32) SNIPPET(s_write8) SNIPPET(s_write16) SNIPPET(s_write32)
SNIPPET(s_cs_read) SNIPPET(s_cs_write) SNIPPET(s_xo_read) SNIPPET(s_xo_run)
SNIPPET(s_ss_pop) SNIPPET(s_ss_ebp) SNIPPET(s_ss_esp_disp) SNIPPET(s_ss_push) SNIPPET(s_ssdown_ebp)
#undef SNIPPET
extern void s_default_segments(void);
extern const u32 default_results[3];
extern void x_lsl(struct regs *), x_lar(struct regs *), x_verr(struct regs *), x_verw(struct regs *);

#define SEG_BASE 0x00010000u
#define SEL_SMALL 0x18      /* base 0x10000, limit 0xfff, expand-up */
#define SEL_DOWN32 0x20     /* base 0x10000, limit 0xfff, expand-down, B=1: offsets 0x1000..0xffffffff */
#define SEL_DOWN16 0x28     /* base 0x10000, limit 0xfff, expand-down, B=0: offsets 0x1000..0xffff */
#define SEL_PAGES 0x30      /* base 0x10000, limit 1 with G=1: 0x1fff */
#define SEL_MEG 0x38        /* base 0x10000, limit 0xfffff bytes */
#define SEL_WRAP 0x40       /* base 0x10000, limit 4 GiB: offsets wrap around */
#define SEL_READ_ONLY 0x48  /* base 0, limit 4 GiB, read-only */
#define SEL_CS_EXEC_ONLY 0x50
#define SEL_SS_LIMITED 0x58
#define SEL_SS_DOWN 0x60
#define SEL_CS_READABLE 0x68 /* like 0x08, for LAR/VERR */
#define SEL_FRESH 0x70      /* accessed-bit and cache tests */
#define SEL_SS_BASED 0x78   /* base 0x10000, limit 4 GiB, writable: a stack segment with a base */

static void setup_gdt(void)
{
    gdt_set(3, SEG_BASE, 0xfff, 0x92, 0x4);
    gdt_set(4, SEG_BASE, 0xfff, 0x96, 0x4);
    gdt_set(5, SEG_BASE, 0xfff, 0x96, 0x0);
    gdt_set(6, SEG_BASE, 0x1, 0x92, 0xc);
    gdt_set(7, SEG_BASE, 0xfffff, 0x92, 0x4);
    gdt_set(8, SEG_BASE, 0xfffff, 0x92, 0xc);
    gdt_set(9, 0, 0xfffff, 0x90, 0xc);
    gdt_set(10, 0, 0xfffff, 0x98, 0xc);
    gdt_set(11, 0, 0x853, 0x92, 0xc);
    gdt_set(12, 0, 0x852, 0x96, 0xc);
    gdt_set(13, 0, 0xfffff, 0x9a, 0xc);
    gdt_set(14, SEG_BASE, 0xffff, 0x92, 0x4);
    gdt_set(15, SEG_BASE, 0xfffff, 0x92, 0xc);
}

static void outcome(const char *name, int vector, const struct seg_op *op, int show_value)
{
    printf("%s -> ", name);
    if (vector >= 0)
        printf("%s\n", fault_str(vector));
    else if (show_value)
        printf("ok value=0x%08x\n", op->value);
    else
        puts("ok\n");
}

/* known contents at the linear addresses the tests reach, refilled before each one: a write that QEMU lets
 * through where the SDM faults must not change what a later line prints */
static void fill_low(void)
{
    u8 *low = 0;
    __asm__("" : "+r"(low)); /* linear 0 is ordinary memory here */
    for (u32 i = 0; i < 0x3000; i += 4)
        *(u32 *)(low + SEG_BASE + i) = 0x5e000000u | i;
    *(u32 *)(low + 0x20) = 0x00000020u;
    *(u32 *)(low + 0xfff0) = 0xfff0fff0u;
    *(u32 *)(low + 0xfffc) = 0xfffcfffcu;
    *(u32 *)(low + SEG_BASE + 0xfffc) = 0x0001fffcu;
}

static void access(const char *name, void (*fn)(void *), u32 selector, u32 offset, u32 value, int show_value)
{
    struct seg_op op = { selector, offset, value };
    fill_low();
    outcome(name, try_call(fn, &op), &op, show_value);
}

static void limit_tests(void)
{
    fill_low();
    puts("fs base 0x10000, limit 0xfff (byte granular), expand-up\n");
    access("read dword fs:0x0", s_read32, SEL_SMALL, 0x0, 0, 1);
    access("read dword fs:0xffc", s_read32, SEL_SMALL, 0xffc, 0, 1);
    access("read byte fs:0xfff", s_read8, SEL_SMALL, 0xfff, 0, 1);
    access("read dword fs:0xffe (crosses the limit)", s_read32, SEL_SMALL, 0xffe, 0, 0);
    access("read byte fs:0x1000", s_read8, SEL_SMALL, 0x1000, 0, 0);
    access("write word fs:0xfff (crosses the limit)", s_write16, SEL_SMALL, 0xfff, 0x1234, 0);
    access("write dword fs:0x800", s_write32, SEL_SMALL, 0x800, 0x12345678, 0);
    printf("  linear 0x10800 holds 0x%08x\n", *(u32 *)(SEG_BASE + 0x800));
    access("read dword fs:0xffffffff", s_read32, SEL_SMALL, 0xffffffffu, 0, 0);

    puts("fs base 0x10000, limit 0xfff, expand-down, B=1: offsets 0x1000..0xffffffff\n");
    access("read byte fs:0xfff (expand-down)", s_read8, SEL_DOWN32, 0xfff, 0, 0);
    access("read dword fs:0x1000 (expand-down)", s_read32, SEL_DOWN32, 0x1000, 0, 1);
    access("read dword fs:0xffe (expand-down, crosses the limit)", s_read32, SEL_DOWN32, 0xffe, 0, 0);
    access("read dword fs:0xfffffffc (expand-down)", s_read32, SEL_DOWN32, 0xfffffffcu, 0, 1);
    puts("fs base 0x10000, limit 0xfff, expand-down, B=0: offsets 0x1000..0xffff\n");
    access("read dword fs:0xfffc (expand-down 16)", s_read32, SEL_DOWN16, 0xfffc, 0, 1);
    access("read dword fs:0xfffe (expand-down 16, crosses 0xffff)", s_read32, SEL_DOWN16, 0xfffe, 0, 0);
    access("read byte fs:0x10000 (expand-down 16)", s_read8, SEL_DOWN16, 0x10000, 0, 0);
    access("read byte fs:0x800 (expand-down 16)", s_read8, SEL_DOWN16, 0x800, 0, 0);

    puts("fs base 0x10000, limit 1 with G=1 (0x1fff)\n");
    access("read byte fs:0x1fff (G=1)", s_read8, SEL_PAGES, 0x1fff, 0, 1);
    access("read byte fs:0x2000 (G=1)", s_read8, SEL_PAGES, 0x2000, 0, 0);
    puts("fs base 0x10000, limit 0xfffff bytes (G=0)\n");
    access("read byte fs:0xfffff (G=0)", s_read8, SEL_MEG, 0xfffff, 0, 0);
    access("read byte fs:0x100000 (G=0)", s_read8, SEL_MEG, 0x100000, 0, 0);
    puts("fs base 0x10000, limit 4 GiB: the linear address wraps\n");
    access("read dword fs:0xfffffff0 (linear 0xfff0)", s_read32, SEL_WRAP, 0xfffffff0u, 0, 1);
}

static void type_and_null_tests(void)
{
    access("read dword through read-only data", s_read32, SEL_READ_ONLY, SCRATCH_BASE, 0, 0);
    access("write dword through read-only data", s_write32, SEL_READ_ONLY, SCRATCH_BASE, 0x1234, 0);
    access("read dword fs:0 with FS null", s_read32, 0, 0x10, 0, 0);
    access("write byte fs:0x10 with FS null (RPL 3)", s_write8, 3, 0x10, 0x55, 0);
    struct seg_op none = { 0, 0, 0 };
    outcome("read through CS (readable code)", try_call(s_cs_read, 0), &none, 0);
    outcome("write through CS (code)", try_call(s_cs_write, 0), &none, 0);
    outcome("run in an execute-only code segment", try_call(s_xo_run, 0), &none, 0);
    outcome("read through CS (execute-only code)", try_call(s_xo_read, 0), &none, 0);
}

static void stack_tests(void)
{
    struct seg_op none = { 0, 0, 0 };
    *(u32 *)0x853ffc = 0x853ffc00u;
    *(u32 *)0x853000 = 0x85300000u;
    puts("ss base 0, limit 0x853fff (G=1), ESP 0x853f00\n");
    outcome("push and pop within the limit", try_call(s_ss_push, 0), &none, 0);
    outcome("pop at esp=0x853ffc", try_call(s_ss_pop, (void *)0x853ffc), &none, 0);
    outcome("pop at esp=0x853ffe (crosses the limit)", try_call(s_ss_pop, (void *)0x853ffe), &none, 0);
    outcome("read [ebp] ebp=0x853ffc", try_call(s_ss_ebp, (void *)0x853ffc), &none, 0);
    outcome("read [ebp] ebp=0x854000", try_call(s_ss_ebp, (void *)0x854000), &none, 0);
    outcome("read [esp+0x200]", try_call(s_ss_esp_disp, 0), &none, 0);
    puts("ss expand-down, offsets above 0x852fff (G=1), ESP 0x853f00\n");
    outcome("read [ebp] ebp=0x853000 (expand-down ss)", try_call(s_ssdown_ebp, (void *)0x853000), &none, 0);
    outcome("read [ebp] ebp=0x852ffc (expand-down ss)", try_call(s_ssdown_ebp, (void *)0x852ffc), &none, 0);
}

static void segment_choice(void)
{
    fill_low();
    s_default_segments();
    puts("ss.base=0x10000, ds.base=0, offset 0x20 (linear 0x20 holds 0x20, linear 0x10020 holds 0x5e000020)\n");
    printf("[ebp+ecx] -> 0x%08x\n", default_results[0]);
    printf("[ecx+ebp] -> 0x%08x\n", default_results[1]);
    printf("[ds:ebp+ecx] -> 0x%08x\n", default_results[2]);
}

static void cache_and_accessed(void)
{
    *(u32 *)(SEG_BASE) = 0xaaaa0000u;
    *(u32 *)(SEG_BASE + 0x10000) = 0xbbbb0000u;
    gdt_set(14, SEG_BASE, 0xffff, 0x92, 0x4); /* accessed bit clear */
    printf("descriptor 0x70 accessed bit before loading: %u\n", (u32)(gdt[14] >> 40) & 1);
    load_gs(SEL_FRESH);
    printf("descriptor 0x70 accessed bit after mov gs: %u\n", (u32)(gdt[14] >> 40) & 1);
    gdt_set(14, SEG_BASE + 0x10000, 0xffff, 0x93, 0x4);
    u32 before, after;
    __asm__ volatile("movl %%gs:0, %0" : "=r"(before));
    load_gs(SEL_FRESH);
    __asm__ volatile("movl %%gs:0, %0" : "=r"(after));
    load_gs(KERNEL_DS);
    printf("base changed in the GDT: gs:0 reads 0x%08x until reloaded, then 0x%08x\n", before, after);
}

static void inspect(const char *name, u32 selector)
{
    struct regs r = { .eax = 0xeeeeeeeeu, .ecx = selector, .eflags = 0x2 };
    x_lsl(&r);
    printf("%s sel=0x%04x: lsl ", name, selector);
    if (r.eflags & EFLAGS_ZF)
        printf("0x%08x", r.eax);
    else
        puts("ZF=0");
    r = (struct regs){ .eax = 0xeeeeeeeeu, .ecx = selector, .eflags = 0x2 };
    x_lar(&r);
    puts(" lar ");
    if (r.eflags & EFLAGS_ZF)
        printf("0x%08x", r.eax & 0x00f0ff00u);
    else
        puts("ZF=0");
    r = (struct regs){ .ecx = selector, .eflags = 0x2 };
    x_verr(&r);
    printf(" verr %u", !!(r.eflags & EFLAGS_ZF));
    r = (struct regs){ .ecx = selector, .eflags = 0x2 };
    x_verw(&r);
    printf(" verw %u\n", !!(r.eflags & EFLAGS_ZF));
}

static void inspection(void)
{
    /* accessed, so that LAR's result does not depend on what ran before (QEMU does not set it when a far JMP
     * loads CS, Bochs does) */
    for (int i = 1; i <= 13; i++)
        gdt[i] |= 1ull << 40;
    inspect("flat code", KERNEL_CS);
    inspect("flat data", KERNEL_DS);
    inspect("small data", SEL_SMALL);
    inspect("expand-down B=1", SEL_DOWN32);
    inspect("expand-down B=0", SEL_DOWN16);
    inspect("G=1 limit 1", SEL_PAGES);
    inspect("read-only data", SEL_READ_ONLY);
    inspect("execute-only code", SEL_CS_EXEC_ONLY);
    inspect("readable code", SEL_CS_READABLE);
    inspect("null", 0);
    inspect("beyond the GDT", 0x1000);
    inspect("RPL 3 data", KERNEL_DS | 3);
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("segments: begin\n");
    setup_gdt();
    limit_tests();
    type_and_null_tests();
    stack_tests();
    segment_choice();
    cache_and_accessed();
    inspection();
    puts("segments: end\n");
}
