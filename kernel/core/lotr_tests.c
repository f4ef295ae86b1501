/* Tests of LOTRx86 (kernel/lotr/, docs/lotrx86.md): the descriptor layout (M-SR2 by construction), the
 * privcall ABI, preemption at CPL 2, the process life cycle, and every attack of issue 5, each of which
 * must be stopped (the program is killed by the named CPU exception, or the call fails), reported, and
 * survived (/bin/true runs afterwards). Tests of M-SR2 that rest on segment limits skip only when the
 * boot probe found that this CPU does not enforce them (QEMU TCG). The user programs are
 * kernel/user/tests/lotr_priv.c (behaviour) and lotr_attack.c (attacks). */
#include <kernel/ktest.h>
#include <kernel/lotr.h>
#include <kernel/sched.h>
#include <kernel/gdt.h>
#include <kernel/tss.h>
#include <kernel/paging.h>
#include <kernel/pit.h>
#include <kernel/cpu.h>
#include <kernel/lib.h>
#include <kernel/nk.h>
#include <uapi/wait.h>
#include <uapi/errno.h>

#define VEC_GP 13
#define VEC_PF 14
#define UTEST_SURVIVED 3
#define NO_LIMITS "the boot probe found that this CPU does not enforce data-segment limits (QEMU TCG): M-SR2 is not in force"

/* Runs argv; its wait status, or -1 after failing the test when it cannot run. */
static int run(char *const argv[])
{
    int status = 0;
    int r = ktest_run_program(argv[0], argv, &status);
    if (r < 0) {
        ktest_fail("%s %s: could not run it (%d)", argv[0], argv[1] ? argv[1] : "", r);
        return -1;
    }
    return status;
}

/* The kernel still runs programs. */
static void expect_alive(void)
{
    char *argv[] = { "/bin/true", NULL };
    int s = run(argv);
    if (s >= 0 && s != W_EXITED(0))
        ktest_fail("/bin/true after the attack: status 0x%x", s);
}

/* Runs "/test/lotr_priv MODE..." and expects exit 0. */
static void expect_priv_ok(char *mode, char *a1, char *a2)
{
    char *argv[] = { "/test/lotr_priv", mode, a1, a2, NULL };
    int s = run(argv);
    if (s >= 0 && s != W_EXITED(0))
        ktest_fail("lotr_priv %s: status 0x%x, want exit 0 (its checks print on the console)", mode, s);
}

/* Runs "/test/lotr_attack CASE A1 A2"; returns its wait status (or -1). */
static int attack(const char *c, const char *a1, const char *a2)
{
    char *argv[] = { "/test/lotr_attack", (char *)c, (char *)a1, (char *)a2, NULL };
    return run(argv);
}

/* The attack must be stopped by vector (or by alt, when alt >= 0); then the kernel must be alive. */
static void expect_stopped(const char *c, const char *a1, const char *a2, int vector, int alt)
{
    unsigned kills = lotr_ring2_kills;
    int s = attack(c, a1, a2);
    if (s < 0)
        return;
    if (s != (int)W_KILLED(vector) && !(alt >= 0 && s == (int)W_KILLED(alt)))
        ktest_fail("lotr_attack %s %s %s: status 0x%x, want killed by vector %d", c, a1 ? a1 : "", a2 ? a2 : "", s,
                   vector);
    if (c[1] == '2' && lotr_ring2_kills != kills + 1)
        ktest_fail("lotr_attack %s: the kill was not reported as a ring-2 fault", c);
    expect_alive();
}

/* Every present code/data descriptor with DPL 2 or 3 must end below the kernel (M-SR2 by construction). */
static void check_table_fence(const struct seg_descriptor *t, unsigned n, const char *which)
{
    for (unsigned i = 0; i < n; i++) {
        const struct seg_descriptor *d = &t[i];
        if (!seg_present(d) || !(d->access & 0x10) || seg_dpl(d) < 2)
            continue;
        uint64_t end = (uint64_t)seg_base(d) + seg_limit(d);
        if (end >= KERNEL_VMA)
            ktest_fail("%s[%u]: DPL %u segment reaches 0x%x", which, i, seg_dpl(d), (uint32_t)end);
    }
}

KTEST(lotr_descriptor_layout)
{
    check_table_fence(gdt_entry(0), GDT_ENTRIES, "GDT");
    char *argv[] = { "/test/lotr_priv", "basic", NULL };
    int pid = proc_spawn(argv[0], 2, argv);
    if (pid < 0) {
        ktest_fail("spawn lotr_priv: %d", pid);
        return;
    }
    struct proc *p = NULL;
    for (unsigned i = 0; i < MAX_PROCS; i++)
        if (proc_table()[i].pid == pid && proc_table()[i].state != PROC_UNUSED)
            p = &proc_table()[i];
    KCHECK(p && lotr_active(p));
    if (p) {
        const struct seg_descriptor *ldt = lotr_ldt_of(p);
        check_table_fence(ldt, LOTR_LDT_ENTRIES, "LDT");
        KCHECK(ldt[0].access == 0xDB); /* present, DPL 2, code exec/read, accessed (preset: the LDT is read-only) */
        KCHECK(seg_base(&ldt[0]) == 0 && seg_limit(&ldt[0]) < PRIVUSER_ELF_END);
        KCHECK(ldt[1].access == 0xD3); /* present, DPL 2, data read/write, accessed */
        KCHECK(seg_base(&ldt[1]) == 0 && seg_limit(&ldt[1]) == PRIVUSER_END - 1);
        const struct gate_descriptor *g = (const struct gate_descriptor *)&ldt[2];
        KCHECK(g->type_attr == 0xEC && g->reserved == PRIVCALL_GATE_PARAMS); /* present, DPL 3, call gate */
        KCHECK(g->selector == PRIV_CS && gate_offset(g) == PRIVUSER_STUB_VA);
        KCHECK(!seg_present(&ldt[3]));
    }
    int status = 0;
    KCHECK(proc_wait(pid, &status) == pid && status == W_EXITED(0));
    KCHECK(kernel_tss.ss2 == 0 && kernel_tss.esp2 == 0); /* the kernel process has no ring-2 stack */
}

KTEST(lotr_privcall_basic) { expect_priv_ok("basic", NULL, NULL); }
KTEST(lotr_bad_privcall_id) { expect_priv_ok("badid", NULL, NULL); }
KTEST(lotr_pointer_into_privuser_or_kernel) { expect_priv_ok("badptr", NULL, NULL); }
KTEST(lotr_copy_limit) { expect_priv_ok("toobig", NULL, NULL); }
KTEST(lotr_nested_privcall_refused) { expect_priv_ok("nested", NULL, NULL); }
KTEST(lotr_gate_rpl_gives_nothing) { expect_priv_ok("rpl", NULL, NULL); }
KTEST(lotr_read_into_privuser) { expect_priv_ok("deputy", NULL, NULL); }

KTEST(lotr_syscall_from_ring2_refused)
{
    unsigned before = lotr_refused_syscalls;
    expect_priv_ok("syscall", NULL, NULL);
    KCHECK(lotr_refused_syscalls == before + 1);
}

/* Two PrivUser processes computing in ring 2 at once: timer interrupts at CPL 2 switch between them
 * (and process 0), and each resumes in ring 2 with its own LDT, stack and result. */
KTEST(lotr_preemption_in_ring2)
{
    unsigned before = lotr_ring2_preemptions;
    char *a[] = { "/test/lotr_priv", "spin", "200000", "0x1234", NULL };
    char *b[] = { "/test/lotr_priv", "spin", "200000", "0xabcdef", NULL };
    int pa = proc_spawn(a[0], 4, a), pb = proc_spawn(b[0], 4, b);
    if (pa < 0 || pb < 0) {
        ktest_fail("spawn: %d %d", pa, pb);
        return;
    }
    int sa = -1, sb = -1;
    KCHECK(proc_wait(pa, &sa) == pa && proc_wait(pb, &sb) == pb);
    if (sa != W_EXITED(0) || sb != W_EXITED(0))
        ktest_fail("the ring-2 spins: status 0x%x and 0x%x, want exit 0 (a wrong result prints on the console)", sa, sb);
    if (lotr_ring2_preemptions == before)
        ktest_fail("no process was switched out at CPL 2 and resumed there");
}

KTEST(lotr_fresh_privuser_on_spawn) { expect_priv_ok("fresh", NULL, NULL); }

KTEST(lotr_wipe_on_exit)
{
    uint8_t marker[16];
    char hex[33];
    uint32_t seed = pit_ticks() * 2654435761u + 0x9E3779B9u;
    for (int i = 0; i < 16; i++) {
        seed = seed * 1103515245u + 12345u;
        marker[i] = (uint8_t)(seed >> 24) | 1;
        ksnprintf(hex + 2 * i, 3, "%02x", marker[i]);
    }
    expect_priv_ok("marker", hex, NULL);
    /* stub + table + stack (4) + heap (16) + the ELF's three segments */
    KCHECK(lotr_last_wipe.pages >= 1 + 1 + 4 + 16 + 3);
    unsigned logged = lotr_last_wipe.pages < LOTR_WIPE_LOG ? lotr_last_wipe.pages : LOTR_WIPE_LOG;
    for (unsigned f = 0; f < logged; f++) {
        const uint8_t *page = phys_to_virt(lotr_last_wipe.frames[f]);
        for (unsigned off = 0; off + 16 <= PAGE_SIZE; off++)
            if (page[off] == marker[0] && memcmp(page + off, marker, 16) == 0)
                ktest_fail("the marker is still in frame 0x%x at offset %u", lotr_last_wipe.frames[f], off);
    }
}

/* --- attacks from ring 3 --- */
KTEST(lotr_ring3_reads_privuser) { expect_stopped("r3_read", NULL, NULL, VEC_PF, -1); }
KTEST(lotr_ring3_writes_privuser) { expect_stopped("r3_write", NULL, NULL, VEC_PF, -1); }
KTEST(lotr_ring3_executes_privuser) { expect_stopped("r3_exec", NULL, NULL, VEC_PF, -1); }
KTEST(lotr_ring3_far_call_privuser_cs) { expect_stopped("r3_farcall", NULL, NULL, VEC_GP, -1); }
KTEST(lotr_ring3_far_jmp_privuser_cs) { expect_stopped("r3_farjmp", NULL, NULL, VEC_GP, -1); }
KTEST(lotr_ring3_jmp_through_gate) { expect_stopped("r3_gate_jmp", NULL, NULL, VEC_GP, -1); }
KTEST(lotr_ring3_loads_privuser_ds)
{
    expect_stopped("r3_load_ds", "2", NULL, VEC_GP, -1);
    expect_stopped("r3_load_ds", "3", NULL, VEC_GP, -1);
}

/* --- attacks from ring 2 --- */
KTEST(lotr_ring2_privileged_instructions)
{
    static const char *const cases[] = { "r2_cli", "r2_sti", "r2_hlt", "r2_in", "r2_out", "r2_mov_cr3", "r2_read_cr0",
                                         "r2_lgdt", "r2_lidt", "r2_lldt", "r2_wrmsr", "r2_rdmsr" };
    for (unsigned i = 0; i < ARRAY_SIZE(cases) && !ktest_stopped(); i++)
        expect_stopped(cases[i], NULL, NULL, VEC_GP, -1);
}

KTEST(lotr_ring2_writes_its_code_and_table)
{
    expect_stopped("r2_write_text", NULL, NULL, VEC_PF, -1);
    expect_stopped("r2_write_table", NULL, NULL, VEC_PF, -1);
}

/* Heap bytes at CPL 2: the heap lies past the PrivUser code segment's limit (#GP); where limits are not
 * enforced, NX stops it (#PF). */
KTEST(lotr_ring2_executes_heap)
{
    if (!cpu.seg_limits_enforced && !cpu.nx) {
        ktest_skip(NO_LIMITS ", and there is no NX");
        return;
    }
    expect_stopped("r2_exec_heap", NULL, NULL, cpu.seg_limits_enforced ? VEC_GP : VEC_PF, -1);
}

/* Ring-3 code at CPL 2: beyond the PrivUser code segment's limit (#GP); where limits are not enforced,
 * SMEP still stops it (#PF). */
KTEST(lotr_ring2_executes_ring3_code)
{
    if (!cpu.seg_limits_enforced && !cpu.smep) {
        ktest_skip(NO_LIMITS ", and there is no SMEP");
        return;
    }
    expect_stopped("r2_exec_user", NULL, NULL, cpu.seg_limits_enforced ? VEC_GP : VEC_PF, -1);
}

/* DPL-0 and system selectors cannot even be loaded at CPL 2; neither can a DPL-3 stack segment. */
KTEST(lotr_ring2_loads_kernel_selectors)
{
    static const char *const sels[] = { "0x08", "0x10", "0x12", "0x28", "0x30", "0x38" };
    for (unsigned i = 0; i < ARRAY_SIZE(sels) && !ktest_stopped(); i++)
        expect_stopped("r2_read", sels[i], "0xc0100000", VEC_GP, -1);
    static const char *const stacks[] = { "0x23", "0x1b", "0x0f", "0x10" };
    for (unsigned i = 0; i < ARRAY_SIZE(stacks) && !ktest_stopped(); i++)
        expect_stopped("r2_ss", stacks[i], NULL, VEC_GP, -1);
}

/* M-SR2: each DPL-2 and DPL-3 selector ring 2 can load, against kernel text, the GDT, the IDT, the TSS
 * and a page-table page: the segment limit must stop every access. */
KTEST(lotr_ring2_segments_exclude_kernel)
{
    struct descriptor_table_register gdtr, idtr;
    __asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
    uint32_t targets[] = { 0xC0100000u, gdtr.base, idtr.base, (uint32_t)&kernel_tss, (uint32_t)kernel_aspace.pdpt };
    static const char *const what[] = { "kernel text", "the GDT", "the IDT", "the TSS", "a page table" };
    static const char *const sels[] = { "0x0e", "0x06", "0x23", "0x1b" };
    unsigned survived = 0;
    for (unsigned s = 0; s < ARRAY_SIZE(sels) && !ktest_stopped(); s++) {
        for (unsigned t = 0; t < ARRAY_SIZE(targets) && !ktest_stopped(); t++) {
            char addr[16];
            ksnprintf(addr, sizeof addr, "0x%x", targets[t]);
            int st = attack("r2_read", sels[s], addr);
            if (st == W_EXITED(UTEST_SURVIVED) && !cpu.seg_limits_enforced) {
                survived++;
                continue;
            }
            if (st >= 0 && st != (int)W_KILLED(VEC_GP))
                ktest_fail("ring 2 read %s through %s: status 0x%x, want killed by #GP", what[t], sels[s], st);
        }
    }
    expect_alive();
    if (survived && !ktest_stopped())
        ktest_skip(NO_LIMITS " (%u of %u reads went through)", survived,
                   (unsigned)(ARRAY_SIZE(sels) * ARRAY_SIZE(targets)));
}

/* The Heartbleed demo: the attacker recovers the key from the baseline server and nothing from the
 * LOTRx86 one, and honest signing works in both (hb_demo exits 0 only then). */
KTEST(lotr_heartbleed)
{
    char *argv[] = { "/bin/hb_demo", NULL };
    int s = run(argv);
    if (s >= 0 && s != W_EXITED(0))
        ktest_fail("hb_demo: status 0x%x, want exit 0 (its verdict table is on the console)", s);
}

/* Privcalls never enter ring 0, so the stub counts them in the PrivUser window and the kernel moves the counts
 * into the Nested Kernel's append-only audit log at the next system call: lotr_priv's privcalls must be there. */
KTEST(lotr_privcalls_audited)
{
    uint32_t before = nk_audit_count(), dropped = nk_audit_dropped();
    expect_priv_ok("basic", NULL, NULL);
    uint32_t after = nk_audit_count();
    if (nk_audit_dropped() != dropped) {
        ktest_fail("the audit log filled up during the test (%u records)", after);
        return;
    }
    const struct nk_audit_record *r = nk_audit_records();
    uint32_t privcalls = 0;
    for (uint32_t i = before; r && i < after; i++)
        if (r[i].kind == NK_AUDIT_PRIVCALL)
            privcalls++;
    if (privcalls == 0)
        ktest_fail("no privcall records among the %u audit records lotr_priv left", after - before);
}
