/* Kernel tests of kernel/arch: descriptors read back from the CPU (SGDT/SIDT/SLDT/STR), the TSS, the
 * protections in force (WP, NX, SMEP, SMAP, the guard page, segment limits), the PIC/PIT and helpers. */
#include <kernel/ktest.h>
#include <kernel/gdt.h>
#include <kernel/idt.h>
#include <kernel/tss.h>
#include <kernel/cpu.h>
#include <kernel/probe.h>
#include <kernel/paging.h>
#include <kernel/frame.h>
#include <kernel/sched.h>
#include <kernel/pit.h>
#include <kernel/keyboard.h>
#include <kernel/rtc.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <uapi/layout.h>

#define PF_P 0x1u
#define PF_W 0x2u
#define PF_U 0x4u
#define PF_I 0x10u

extern const uint32_t trap_stub_table[256];
extern char _text_start[], boot_stack_guard[];

/* The GDT as the CPU sees it (SGDT). */
static const struct seg_descriptor *cpu_gdt(uint16_t *limit)
{
    struct descriptor_table_register r;
    __asm__ volatile("sgdt %0" : "=m"(r));
    *limit = r.limit;
    return (const struct seg_descriptor *)r.base;
}

/* Checks the 8 bytes of GDT slot index against want, ignoring the accessed bit the CPU sets on load. */
static void expect_gdt_bytes(unsigned index, const uint8_t want[8])
{
    uint16_t limit;
    uint8_t b[8];
    memcpy(b, &cpu_gdt(&limit)[index], 8);
    b[5] &= (uint8_t)~1u;
    if (memcmp(b, want, 8) != 0)
        ktest_fail("GDT[%u] = %02x %02x %02x %02x %02x %02x %02x %02x", index, b[0], b[1], b[2], b[3], b[4], b[5],
                   b[6], b[7]);
}

KTEST(gdt_descriptor_bytes)
{
    uint16_t limit;
    const struct seg_descriptor *g = cpu_gdt(&limit);
    KCHECK(limit == GDT_ENTRIES * 8 - 1);
    KCHECK(g == gdt_entry(0));
    expect_gdt_bytes(GDT_KERNEL_CODE, (const uint8_t[8]){ 0xFF, 0xFF, 0, 0, 0, 0x9A, 0xCF, 0 });
    expect_gdt_bytes(GDT_KERNEL_DATA, (const uint8_t[8]){ 0xFF, 0xFF, 0, 0, 0, 0x92, 0xCF, 0 });
    expect_gdt_bytes(GDT_USER_CODE, (const uint8_t[8]){ 0xFF, 0xFF, 0, 0, 0, 0xFA, 0xCB, 0 });
    expect_gdt_bytes(GDT_USER_DATA, (const uint8_t[8]){ 0xFF, 0xFF, 0, 0, 0, 0xF2, 0xCB, 0 });
    KCHECK(seg_limit(&g[GDT_USER_CODE]) == USER_TOP - 1);
    KCHECK(seg_limit(&g[GDT_USER_DATA]) == USER_TOP - 1);
}

KTEST(segment_registers_and_lsl)
{
    uint16_t cs, ds, ss, tr, ldtr;
    __asm__ volatile("mov %%cs, %0; mov %%ds, %1; mov %%ss, %2" : "=r"(cs), "=r"(ds), "=r"(ss));
    __asm__ volatile("str %0; sldt %1" : "=r"(tr), "=r"(ldtr));
    KCHECK(cs == KERNEL_CS && ds == KERNEL_DS && ss == KERNEL_DS);
    KCHECK(tr == TSS_SEL);
    KCHECK(ldtr == LDT_SEL);
    uint32_t limit = 0;
    __asm__ volatile("lsl %1, %0" : "=r"(limit) : "r"((uint32_t)USER_DS) : "cc");
    KCHECK(limit == USER_TOP - 1); /* the CPU's own view of the ring-3 limit */
    __asm__ volatile("lsl %1, %0" : "=r"(limit) : "r"((uint32_t)USER_CS) : "cc");
    KCHECK(limit == USER_TOP - 1);
}

KTEST(ldt_slot_reserved)
{
    uint16_t limit;
    const struct seg_descriptor *d = &cpu_gdt(&limit)[GDT_LDT];
    KCHECK(d->access == 0x82); /* present, DPL 0, system type 2 (LDT) */
    KCHECK(seg_base(d) == (uint32_t)ldt_table());
    KCHECK(seg_limit(d) == LDT_ENTRIES * 8 - 1);
    for (unsigned i = 0; i < LDT_ENTRIES; i++)
        KCHECK(!seg_present(&ldt_table()[i]));
}

KTEST(tss_descriptor_and_esp0)
{
    uint16_t limit;
    const struct seg_descriptor *d = &cpu_gdt(&limit)[GDT_TSS];
    KCHECK(d->access == 0x8B); /* present, 32-bit TSS, busy (LTR marked it) */
    KCHECK(seg_base(d) == (uint32_t)&kernel_tss);
    KCHECK(seg_limit(d) == 103);
    KCHECK(kernel_tss.ss0 == KERNEL_DS);
    KCHECK(kernel_tss.iomap_base == 104);
    KCHECK(kernel_tss.esp0 == sched_current()->kstack_top);
    KCHECK(kernel_tss.ldt == LDT_SEL);
    d = &cpu_gdt(&limit)[GDT_DF_TSS];
    if (NK) { /* no double-fault task with NK=1: the slot stays null */
        KCHECK(!seg_present(d));
        return;
    }
    KCHECK(d->access == 0x89); /* the double-fault TSS: present, available */
    KCHECK(seg_limit(d) == 103);
}

KTEST(idt_gates)
{
    struct descriptor_table_register r;
    __asm__ volatile("sidt %0" : "=m"(r));
    KCHECK(r.limit == 256 * 8 - 1);
    const struct gate_descriptor *idt = (const struct gate_descriptor *)r.base;
    KCHECK(idt == idt_entry(0));
    for (unsigned v = 0; v < 256 && !ktest_stopped(); v++) {
        if (v == 8 && !NK) { /* with NK=1 #DF is an interrupt gate like the others */
            KCHECK(idt[v].type_attr == 0x85 && idt[v].selector == DF_TSS_SEL); /* task gate */
            continue;
        }
        KCHECK(gate_offset(&idt[v]) == trap_stub_table[v]);
        KCHECK(idt[v].selector == KERNEL_CS);
        KCHECK(idt[v].type_attr == (v == 0x80 ? 0xEF : 0x8E));
    }
}

KTEST(control_registers)
{
    KCHECK(read_cr0() & (1u << 31)); /* PG */
    KCHECK(read_cr0() & (1u << 16)); /* WP */
    KCHECK(read_cr4() & (1u << 5));  /* PAE */
    KCHECK(((read_cr4() >> 20) & 1) == cpu.smep);
    KCHECK(((read_cr4() >> 21) & 1) == cpu.smap);
    if (cpu.nx)
        KCHECK(rdmsr(0xC0000080u) & (1u << 11));
}

KTEST(kernel_text_read_only)
{
    uint32_t addr = (uint32_t)_text_start;
    uint32_t before = *(volatile uint32_t *)addr;
    struct probe_result r = probe_write32(addr, before ^ 0xFFFFFFFFu);
    KCHECK(r.vector == 14);
    KCHECK(r.error == (PF_P | PF_W));
    KCHECK(r.cr2 == addr);
    KCHECK(*(volatile uint32_t *)addr == before);
}

static uint8_t data_ret[16] __attribute__((aligned(16))) = { 0xC3 }; /* RET, in a .data (NX) page */

KTEST(kernel_data_nx)
{
    if (!cpu.nx) {
        ktest_skip("the CPU has no NX (CPUID.80000001H:EDX bit 20)");
        return;
    }
    struct probe_result r = probe_exec((uint32_t)data_ret);
    KCHECK(r.vector == 14);
    KCHECK(r.error == (PF_P | PF_I));
    KCHECK(r.cr2 == (uint32_t)data_ret);
}

KTEST(kernel_stack_guard_page)
{
    uint32_t guard = (uint32_t)boot_stack_guard;
    struct probe_result r = probe_read32(guard + 0xFFC, NULL);
    KCHECK(r.vector == 14 && r.error == 0 && r.cr2 == guard + 0xFFC);
    r = probe_write32(guard, 0);
    KCHECK(r.vector == 14 && r.error == PF_W);
}

KTEST(kernel_null_page_unmapped)
{
    struct probe_result r = probe_read32(0, NULL);
    KCHECK(r.vector == 14 && r.error == 0 && r.cr2 == 0);
    r = probe_read32(0x100000, NULL); /* the identity map of boot time is gone */
    KCHECK(r.vector == 14);
}

/* Runs fn with a scratch address space holding one user page at va (filled with RET). */
static void with_user_page(uint32_t va, void (*fn)(uint32_t va))
{
    struct aspace *as = aspace_create();
    if (!as) {
        ktest_fail("aspace_create: out of memory");
        return;
    }
    if (aspace_map_new(as, va, MAP_EXEC | MAP_WRITE) < 0) {
        ktest_fail("aspace_map_new failed");
    } else {
        uint8_t ret = 0xC3;
        aspace_write(as, va, &ret, 1);
        uint32_t f = irq_save();
        struct proc *me = sched_current();
        struct aspace *saved = me->as;
        me->as = as;
        aspace_switch(as);
        fn(va);
        me->as = saved;
        aspace_switch(saved);
        irq_restore(f);
    }
    aspace_destroy(as);
}

static void smep_body(uint32_t va)
{
    struct probe_result r = probe_exec(va);
    KCHECK(r.vector == 14);
    KCHECK(r.error == (PF_P | PF_I));
}

KTEST(smep_blocks_user_code)
{
    if (!cpu.smep) {
        ktest_skip("the CPU has no SMEP (CPUID.7:EBX bit 7)");
        return;
    }
    with_user_page(0x08048000, smep_body);
}

static void smap_body(uint32_t va)
{
    struct probe_result r = probe_read32(va, NULL);
    KCHECK(r.vector == 14);
    KCHECK(r.error == PF_P);
    uint32_t v = 0;
    user_access_begin(); /* with STAC the same read works */
    r = probe_read32(va, &v);
    user_access_end();
    KCHECK(r.vector == -1 && (v & 0xFF) == 0xC3);
}

KTEST(smap_blocks_user_data)
{
    if (!cpu.smap) {
        ktest_skip("the CPU has no SMAP (CPUID.7:EBX bit 20)");
        return;
    }
    with_user_page(0x08048000, smap_body);
}

#define EFLAGS_AC (1u << 18)

/* Ring 3 can set EFLAGS.AC with POPF; the CPU keeps it on entry to the kernel, so the entry stubs CLAC. */
KTEST(trap_entry_clears_ac)
{
    if (!cpu.smap) {
        ktest_skip("the CPU has no SMAP, so EFLAGS.AC does not matter to the kernel (and CLAC does not exist)");
        return;
    }
    user_access_begin();
    struct probe_result r = probe_read32(0, NULL);
    user_access_end();
    KCHECK(r.vector == 14);
    KCHECK(r.frame_eflags & EFLAGS_AC);     /* the interrupted code had AC set... */
    KCHECK(!(r.handler_eflags & EFLAGS_AC)); /* ...and the handler ran without it */
    KCHECK(!(read_eflags() & EFLAGS_AC));
}

KTEST(user_segment_limit_enforced)
{
    if (!cpu.seg_limits_enforced) {
        ktest_skip("the boot probe found data-segment limits not enforced (QEMU TCG)");
        return;
    }
    struct probe_result r = probe_user_segment_limit();
    KCHECK(r.vector == 13 && r.error == 0);
}

KTEST(pit_100hz)
{
    uint32_t t0 = pit_ticks();
    KCHECK(sched_sleep_ms(100) == 0);
    uint32_t dt = pit_ticks() - t0;
    if (dt < 10 || dt > 30)
        ktest_fail("100 ms took %u ticks", dt);
}

KTEST(keyboard_set1_translation)
{
    KCHECK(keyboard_translate(0x1E) == 'a');
    KCHECK(keyboard_translate(0x9E) == 0);      /* release */
    KCHECK(keyboard_translate(0x2A) == 0);      /* left shift down */
    KCHECK(keyboard_translate(0x1E) == 'A');
    KCHECK(keyboard_translate(0x02) == '!');
    KCHECK(keyboard_translate(0xAA) == 0);      /* left shift up */
    KCHECK(keyboard_translate(0x02) == '1');
    KCHECK(keyboard_translate(0x1D) == 0);      /* ctrl down */
    KCHECK(keyboard_translate(0x2E) == 0x03);   /* ctrl-c */
    KCHECK(keyboard_translate(0x9D) == 0);
    KCHECK(keyboard_translate(0x1C) == '\n');
    KCHECK(keyboard_translate(0xE0) == 0);      /* an arrow key: no ASCII */
    KCHECK(keyboard_translate(0x48) == 0);
    KCHECK(keyboard_translate(0x39) == ' ');
}

KTEST(rtc_unix_conversion)
{
    struct rtc_time epoch = { 1970, 1, 1, 0, 0, 0 };
    struct rtc_time y2k = { 2000, 1, 1, 0, 0, 0 };
    struct rtc_time leap = { 2024, 2, 29, 12, 34, 56 };
    struct rtc_time end = { 2099, 12, 31, 23, 59, 59 };
    KCHECK(rtc_to_unix(&epoch) == 0);
    KCHECK(rtc_to_unix(&y2k) == 946684800u);
    KCHECK(rtc_to_unix(&leap) == 1709210096u);
    KCHECK(rtc_to_unix(&end) == 4102444799u);
    struct rtc_time now;
    rtc_read(&now);
    KCHECK(now.month >= 1 && now.month <= 12 && now.day >= 1 && now.day <= 31);
    KCHECK(now.hour < 24 && now.minute < 60 && now.second < 60);
    KCHECK(rtc_unix_time() >= 946684800u);
}

KTEST(kvsnprintf_formats)
{
    char buf[64];
    int n = ksnprintf(buf, sizeof buf, "%d|%5d|%-4x|%08X|%s|%c|%%|%u", -42, 7, 0xab, 0xBEEF, "ok", 'z', 4000000000u);
    KCHECK(strcmp(buf, "-42|    7|ab  |0000BEEF|ok|z|%|4000000000") == 0);
    KCHECK(n == (int)strlen(buf));
    n = ksnprintf(buf, 6, "%s", "truncated");
    KCHECK(n == 9 && strcmp(buf, "trunc") == 0);
    ksnprintf(buf, sizeof buf, "%p %s %05d", (void *)0xc0001000, (const char *)NULL, -12);
    KCHECK(strcmp(buf, "0xc0001000 (null) -0012") == 0);
}
