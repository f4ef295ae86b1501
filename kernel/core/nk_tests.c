/* Tests of the Nested Kernel (kernel/nk/) and the rogue-driver demo (demo=rogue-driver): the exploit
 * /bin/nk_exploit runs each attack in its own process; NK=1 must stop every one, NK=0 must let every one
 * succeed (and the exploit puts things back, so the kernel goes on). */
#include <kernel/ktest.h>
#include <kernel/nk.h>
#include <kernel/paging.h>
#include <kernel/probe.h>
#include <kernel/idt.h>
#include <kernel/gdt.h>
#include <kernel/tss.h>
#include <kernel/syscall.h>
#include <kernel/serial.h>
#include <kernel/sched.h>
#include <kernel/frame.h>
#include <kernel/x86.h>
#include <kernel/ktest_run.h>
#include <kernel/lib.h>
#include <uapi/wait.h>
#include <uapi/errno.h>
#include <uapi/syscall.h>

#define CR0_WP (1u << 16)
#define CR4_SMEP (1u << 20)
#define EFER_NXE (1u << 11)

static const char *const attacks[] = {
    "syscall-table", "code-patch", "idt", "pte", "cr3-gate", "clear-wp", "audit-log", "gdt", "tss-cr3",
};
#define ATTACKS (sizeof attacks / sizeof attacks[0])

/* Runs one attack in a child: "succeeded", "stopped" (killed by the fault, or refused), or NULL (broken). */
static const char *run_attack(const char *name, int *status)
{
    char *argv[] = { "/bin/nk_exploit", (char *)name, NULL };
    if (ktest_run_program("/bin/nk_exploit", argv, status) < 0)
        return NULL;
    if (*status == W_EXITED(0))
        return "succeeded";
    if (*status == W_EXITED(1) || *status == W_KILLED(14))
        return "stopped";
    return NULL;
}

void nk_demo_rogue_driver(void)
{
    unsigned bad = 0;
    for (unsigned i = 0; i < ATTACKS; i++) {
        int status = 0;
        const char *verdict = run_attack(attacks[i], &status);
        if (verdict)
            kprintf("rogue-driver NK=%d %s: %s\n", NK, attacks[i], verdict);
        else
            kprintf("rogue-driver NK=%d %s: error (wait status 0x%x)\n", NK, attacks[i], status), bad++;
    }
    kprintf("rogue-driver NK=%d: %u attacks, nested-kernel refusals %u\n", NK, (unsigned)ATTACKS, nk_refusals());
    serial_flush();
    outb(0xF4, bad ? 1 : 0);
    cli();
    for (;;)
        hlt();
}

KTEST(nk_rogue_driver)
{
    const char *want = NK ? "stopped" : "succeeded";
    for (unsigned i = 0; i < ATTACKS; i++) {
        int status = 0;
        const char *verdict = run_attack(attacks[i], &status);
        kprintf("rogue-driver NK=%d %s: %s\n", NK, attacks[i], verdict ? verdict : "error");
        if (!verdict || strcmp(verdict, want) != 0)
            ktest_fail("%s: %s (status 0x%x), expected %s", attacks[i], verdict ? verdict : "error", status, want);
    }
}

KTEST(nk_control_registers_forced)
{
    KCHECK(read_cr0() & CR0_WP);
    if (!NK)
        return;
    nk_load_cr0(read_cr0() & ~CR0_WP);
    KCHECK(read_cr0() & CR0_WP);
    uint32_t cr4 = read_cr4();
    nk_load_cr4(cr4 & ~CR4_SMEP);
    if (cr4 & CR4_SMEP)
        KCHECK(read_cr4() & CR4_SMEP);
    uint64_t efer = rdmsr(0xC0000080u);
    KCHECK(nk_wrmsr(0xC0000080u, efer & ~(uint64_t)EFER_NXE) == 0);
    KCHECK((rdmsr(0xC0000080u) & EFER_NXE) == (efer & EFER_NXE));
    KCHECK(nk_wrmsr(0x176, 0) == -EPERM); /* only EFER */
}

/* A fresh frame declared as a page table, for the vMMU tests; 0 when out of memory. */
static uint32_t fresh_pt(void)
{
    uint32_t phys = frame_alloc();
    if (phys && nk_declare_ptp(phys, NK_PT) < 0) {
        frame_free(phys);
        return 0;
    }
    return phys;
}

KTEST(nk_ptp_declared_zeroed_readonly)
{
    if (!NK)
        return;
    uint32_t phys = frame_alloc();
    KCHECK(phys != 0);
    memset(phys_to_virt(phys), 0xAB, PAGE_SIZE);
    KCHECK(nk_declare_ptp(phys, NK_PT) == 0);
    KCHECK(((uint8_t *)phys_to_virt(phys))[100] == 0);         /* zeroed */
    struct probe_result r = probe_write32((uint32_t)phys_to_virt(phys), 1);
    KCHECK(r.vector == 14);                                     /* its direct-map alias is read-only */
    KCHECK(nk_declare_ptp(phys, NK_PT) == -EPERM);              /* not twice */
    KCHECK(nk_remove_ptp(phys) == 0);
    r = probe_write32((uint32_t)phys_to_virt(phys), 1);
    KCHECK(r.vector == -1);                                     /* writable again once retired */
    frame_free(phys);
}

KTEST(nk_pte_validation)
{
    if (!NK)
        return;
    uint32_t pt = fresh_pt();
    KCHECK(pt != 0);
    if (!pt)
        return;
    uint64_t *e = phys_to_virt(pt);
    extern char _text_start[];
    uint32_t code = virt_to_phys(_text_start);
    KCHECK(nk_write_pte(&e[0], code | PTE_P | PTE_W) == 1);     /* kernel code: W dropped */
    KCHECK(!(e[0] & PTE_W));
    KCHECK(nk_write_pte(&e[1], pt | PTE_P | PTE_W) == 1);       /* a PTP: W dropped */
    KCHECK(!(e[1] & PTE_W));
    KCHECK(nk_write_pte(&e[2], virt_to_phys(nk_cr3_insn) | PTE_P) == 1); /* the hidden page stays unmapped */
    KCHECK(e[2] == 0);
    uint32_t data = frame_alloc();
    KCHECK(nk_write_pte(&e[3], data | PTE_P | PTE_W) == 0);     /* ordinary data: as asked */
    KCHECK(nk_write_pte(&e[3], 0) == 0);
    uint64_t not_ptp = 0;
    KCHECK(nk_write_pte(&not_ptp, 1) == -EPERM);                /* not in a declared PTP */
    KCHECK(nk_load_cr3(pt) == -EPERM);                          /* CR3: declared PDPTs only */
    KCHECK(nk_load_cr3(data) == -EPERM);
    for (unsigned i = 0; i < 3; i++)
        KCHECK(nk_write_pte(&e[i], 0) == 0);
    KCHECK(nk_remove_ptp(pt) == 0);
    frame_free(pt);
    frame_free(data);
}

KTEST(nk_kernel_code_and_tables_readonly)
{
    if (!NK)
        return;
    uint64_t *pte = aspace_pte(&kernel_aspace, (uint32_t)nk_init, false);
    KCHECK(pte && !(*pte & PTE_W));
    KCHECK(nk_write_pte(pte, *pte) == 0 || nk_write_pte(pte, *pte) == 1);
    KCHECK(nk_write_pte(pte, 0) == -EPERM);                     /* kernel code is never remapped */
    KCHECK(probe_write32((uint32_t)pte, 0).vector == 14);       /* the page table is read-only */
    KCHECK(probe_write32((uint32_t)nk_init, 0).vector == 14);   /* text is read-only */
    KCHECK(probe_write32((uint32_t)syscall_table_base(), 0).vector == 14);
    KCHECK(probe_write32((uint32_t)idt_entry(0x81), 0).vector == 14);
    KCHECK(probe_exec((uint32_t)nk_cr3_insn).vector == 14);     /* the hidden CR3 page is not mapped */
}

KTEST(nk_write_policies)
{
    uint32_t *once = nk_alloc(16, NK_WRITE_ONCE);
    uint32_t *fixed = nk_alloc(16, NK_NO_WRITE);
    uint32_t *log = nk_alloc(16, NK_APPEND_ONLY);
    uint32_t *logged = nk_alloc(16, NK_WRITE_LOG);
    KCHECK(once && fixed && log && logged);
    if (!once || !fixed || !log || !logged)
        return;
    uint32_t v = 7;
    KCHECK(nk_write(&once[0], &v, 4) == 0);
    KCHECK(nk_write(&once[0], &v, 4) == -EPERM);
    KCHECK(nk_write(&once[1], &v, 4) == 0);
    KCHECK(nk_write(&fixed[0], &v, 4) == 0);
    KCHECK(nk_seal(fixed) == 0);
    KCHECK(nk_write(&fixed[1], &v, 4) == -EPERM);
    KCHECK(nk_free(fixed) == -EPERM);
    KCHECK(nk_write(&log[1], &v, 4) == -EPERM);                 /* not at the end */
    KCHECK(nk_write(&log[0], &v, 4) == 0);
    KCHECK(nk_write(&log[1], &v, 4) == 0);
    KCHECK(nk_write(&log[0], &v, 4) == -EPERM);                 /* no rewriting */
    KCHECK(nk_free(log) == -EPERM);
    uint32_t before = nk_write_log_count();
    v = 0xC0FFEE;
    KCHECK(nk_write(&logged[2], &v, 4) == 0);
    KCHECK(nk_write_log_count() == before + 1);
    const struct nk_write_record *w = nk_write_log_entry(before);
    KCHECK(w && w->dst == (uint32_t)&logged[2] && w->first_word == 0xC0FFEE);
    KCHECK(w && w->writer >= 0xC0000000u);                     /* the writer's return address */
    KCHECK(logged[2] == 0xC0FFEE && once[0] == 7 && log[1] == 7);
    uint32_t plain = 0;
    KCHECK(nk_write(&plain, &v, 4) == -EPERM);                  /* only protected regions */
    if (NK) {
        KCHECK(probe_write32((uint32_t)&once[2], 1).vector == 14);
        KCHECK(probe_write32((uint32_t)&logged[0], 1).vector == 14);
    }
    KCHECK(nk_free(once) == 0);
    KCHECK(nk_free(logged) == 0);
}

KTEST(nk_audit_and_proclist)
{
    uint32_t writes = nk_write_log_count();
    char *argv[] = { "/bin/true", NULL };
    int status = 0;
    KCHECK(ktest_run_program("/bin/true", argv, &status) == 0 && status == W_EXITED(0));
    KCHECK(nk_write_log_count() >= writes + 2); /* its slot was written at spawn and at reaping */
    uint32_t n = nk_audit_count();
    const struct nk_audit_record *r = nk_audit_records();
    KCHECK(r && n > 0); /* /bin/true made system calls (exit at least) */
    if (!r || n == 0)
        return;
    KCHECK(r[n - 1].seq == n - 1 && r[n - 1].kind == NK_AUDIT_SYSCALL && r[n - 1].number < SYSCALL_COUNT);
    if (NK)
        KCHECK(probe_write32((uint32_t)&r[0], 0).vector == 14);
}

/* A 32-bit call gate descriptor (type 0xC) to selector:offset with dpl, as an LDT entry. */
static struct seg_descriptor call_gate(uint16_t selector, uint32_t offset, unsigned dpl)
{
    struct gate_descriptor g = { (uint16_t)offset, selector, 0, (uint8_t)(0x80u | (dpl << 5) | 0xCu),
                                 (uint16_t)(offset >> 16) };
    struct seg_descriptor d;
    memcpy(&d, &g, sizeof d);
    return d;
}

/* A segment descriptor of kind over [base, base + limit] with dpl. */
static struct seg_descriptor segment(enum seg_kind kind, uint32_t base, uint32_t limit, unsigned dpl)
{
    struct seg_spec spec = { kind, base, limit, dpl };
    struct seg_descriptor d;
    KCHECK(seg_encode(&d, &spec));
    return d;
}

/* NK=1: the GDT, the TSS (its CR3 and EIP above all) and the LDTs are read-only to the outer kernel, and
 * the descriptor-table registers are set once. */
KTEST(nk_descriptor_tables_readonly)
{
    if (!NK)
        return;
    KCHECK(probe_write32((uint32_t)gdt_entry(GDT_DF_TSS), 0x1234).vector == 14);
    KCHECK(probe_write32((uint32_t)gdt_entry(GDT_USER_CODE) + 4, 0).vector == 14);
    KCHECK(probe_write32((uint32_t)&kernel_tss.cr3, 0x1000).vector == 14);
    KCHECK(probe_write32((uint32_t)&kernel_tss.eip, 0xC0100000u).vector == 14);
    KCHECK(probe_write32((uint32_t)&kernel_tss.esp0, 0x1000).vector == 14);
    KCHECK(probe_write32((uint32_t)ldt_table(), 0xFFFF).vector == 14);
    struct seg_descriptor forged = segment(SEG_CODE, 0, 0xFFFFFFFF, 3);
    KCHECK(nk_write((void *)gdt_entry(GDT_DF_TSS), &forged, 8) == -EPERM); /* every GDT byte was written once */
    struct descriptor_table_register gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    KCHECK(nk_lgdt((uint32_t)nk_audit_records(), 63) == -EPERM);  /* one GDT, loaded once */
    KCHECK(nk_lgdt(gdtr.base, gdtr.limit) == 0);                   /* the same one again is harmless */
    KCHECK(nk_ltr(TSS_SEL) == -EPERM);                             /* TR is loaded once */
    uint32_t esp0 = kernel_tss.esp0;
    KCHECK(nk_tss_set_esp0(0x08048000u) == -EPERM);               /* a ring-0 stack in user memory */
    KCHECK(nk_tss_set_ring2(USER_DS, 0x1000) == -EPERM);          /* SS2 must be an LDT selector, RPL 2 */
    KCHECK(nk_tss_set_ring2(0x0E, 0xC0001000u) == -EPERM);        /* ESP2 in the kernel */
    KCHECK(kernel_tss.esp0 == esp0 && kernel_tss.ss2 == 0);
}

/* NK=1: the forged LDT entries and LDT descriptors nk_write_ldt and nk_set_ldt must refuse (ldt[0] is a
 * DPL-2 code segment, ldt[3] null). */
static __attribute__((noinline)) void ldt_refusals(struct seg_descriptor *ldt, const struct seg_descriptor *code2)
{
    struct seg_descriptor d;
    KCHECK(ldt[0].access & 1);                                  /* accessed, so the CPU never writes it */
    KCHECK(probe_write32((uint32_t)&ldt[3], 0xFFFF).vector == 14);
    d = call_gate(KERNEL_CS, (uint32_t)nk_init, 3);             /* a ring-0 call gate */
    KCHECK(nk_write_ldt(ldt, 3, &d) == -EPERM);
    d = call_gate(0x0E, 0x01000000, 3);                         /* to a DPL-3 segment: not ring-2 code */
    KCHECK(nk_write_ldt(ldt, 3, &d) == -EPERM);
    d = call_gate(0x06, 0x01000000, 0);                         /* a DPL-0 gate */
    KCHECK(nk_write_ldt(ldt, 3, &d) == -EPERM);
    d = segment(SEG_DATA, 0, 0xFFFFFFFF, 3);                    /* a DPL-3 segment reaching the kernel */
    KCHECK(nk_write_ldt(ldt, 3, &d) == -EPERM);
    d = segment(SEG_CODE, 0xBFFFF000u, 0x1FFF, 3);              /* ... by its base + limit */
    KCHECK(nk_write_ldt(ldt, 3, &d) == -EPERM);
    d = segment(SEG_CODE, 0, 0xFFFF, 0);                        /* a ring-0 code segment */
    KCHECK(nk_write_ldt(ldt, 3, &d) == -EPERM);
    d = segment(SEG_TSS32, (uint32_t)&kernel_tss, 103, 0);     /* a TSS: a task switch loads its CR3 */
    KCHECK(nk_write_ldt(ldt, 3, &d) == -EPERM);
    uint32_t plain[2] = { 0, 0 };
    KCHECK(nk_write_ldt((struct seg_descriptor *)plain, 0, code2) == -EPERM); /* not an LDT region */
    d = segment(SEG_LDT, (uint32_t)gdt_entry(0), GDT_ENTRIES * 8 - 1, 0); /* the GDT as an LDT */
    KCHECK(nk_set_ldt(&d) == -EPERM);
    d = segment(SEG_TSS32, (uint32_t)ldt, 31, 0);               /* not an LDT descriptor */
    KCHECK(nk_set_ldt(&d) == -EPERM);
    d = segment(SEG_LDT, (uint32_t)ldt, 39, 0);                 /* past the end of the region */
    KCHECK(nk_set_ldt(&d) == -EPERM);
}

/* nk_write_ldt lets through only what cannot reach ring 0 or the kernel; nk_set_ldt only a real LDT. */
KTEST(nk_ldt_validation)
{
    struct seg_descriptor *ldt = nk_alloc(4 * sizeof *ldt, NK_LDT);
    KCHECK(ldt != NULL);
    if (!ldt)
        return;
    struct seg_descriptor code2 = segment(SEG_CODE, 0, 0x01011FFF, 2), data3 = segment(SEG_DATA, 0, 0xBFFFFFFF, 3);
    struct seg_descriptor gate = call_gate(0x06, 0x01000000, 3); /* to LDT entry 0, RPL 2 */
    KCHECK(nk_write_ldt(ldt, 0, &code2) == 0);
    KCHECK(nk_write_ldt(ldt, 1, &data3) == 0);
    KCHECK(nk_write_ldt(ldt, 2, &gate) == 0);
    KCHECK(seg_base(&ldt[0]) == 0 && seg_limit(&ldt[0]) == 0x01011FFF && seg_dpl(&ldt[0]) == 2);
    KCHECK(nk_write(&ldt[3], &data3, 8) == -EPERM);               /* LDT regions: nk_write_ldt only */
    if (NK)
        ldt_refusals(ldt, &code2);
    struct seg_descriptor d;
    KCHECK(ldt[3].access == 0);
    d = segment(SEG_LDT, (uint32_t)ldt, 31, 0);
    KCHECK(nk_set_ldt(&d) == 0);
    uint16_t ldtr;
    __asm__ volatile("sldt %0" : "=r"(ldtr));
    KCHECK(ldtr == LDT_SEL && seg_base(gdt_entry(GDT_LDT)) == (uint32_t)ldt);
    gdt_load_ldt(NULL, 0); /* back to the kernel process's (empty) LDT */
    KCHECK(seg_base(gdt_entry(GDT_LDT)) == (uint32_t)ldt_table());
}
