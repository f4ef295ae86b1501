/* Tests of the Nested Kernel (kernel/nk/) and the rogue-driver demo (demo=rogue-driver): the exploit
 * /bin/nk_exploit runs each attack in its own process; NK=1 must stop every one, NK=0 must let every one
 * succeed (and the exploit puts things back, so the kernel goes on). */
#include <kernel/ktest.h>
#include <kernel/nk.h>
#include <kernel/paging.h>
#include <kernel/probe.h>
#include <kernel/idt.h>
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
    "syscall-table", "code-patch", "idt", "pte", "cr3-gate", "clear-wp", "audit-log",
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
