/* pae: PAE paging (Intel SDM Vol. 3A §4.4, §4.6, §4.7, §4.10): 64-bit entries through a PDPT, 4 KiB and 2 MiB
 * pages with their A and D bits, IA32_EFER.NXE and the XD bit (in the PTE and the PDE), reserved bits (RSVD in
 * the #PF error code, with P=1), the I/D bit, U/S at CPL 3 and at CPL 1 and 2 (supervisor), CR0.WP, SMEP and
 * SMAP (EFLAGS.AC, STAC/CLAC, CPL 2), PDPTE reserved bits on a CR3 load, and CR0.WP, CR4.SMEP, CR4.SMAP and
 * EFER.NXE taking effect at once (the first three on a translation already in the TLB). */
#include "pae.h"
#include "ring.h"

#define SNIPPET(name) extern void name(void *); extern const u8 name##_insn[];
SNIPPET(p_read) SNIPPET(p_write) SNIPPET(p_call) SNIPPET(p_read_ac) SNIPPET(p_read_stac) SNIPPET(p_read_clac)
SNIPPET(p_stac) SNIPPET(p_load_cr3) SNIPPET(p_load_ds) SNIPPET(p_ud2)
#undef SNIPPET

#define PAGE_A (SCRATCH_BASE + 0x100000) /* data */
#define PAGE_X (SCRATCH_BASE + 0x101000) /* code: a RET at its start */
#define PAGE_N (SCRATCH_BASE + 0x102000) /* not present */
#define BIG_LINEAR 0x40000000u           /* PD1[0]: a 2 MiB page onto physical 8 MiB */
#define BIG_PHYSICAL 0x00800000u
#define RSVD_BIT51 (1ull << 51)
#define RSVD_BIT62 (1ull << 62)

static void report(const char *name, const u8 *insn, int vector)
{
    printf("%s -> %s", name, vector < 0 ? "ok" : fault_str(vector));
    if (vector == 14) {
        if (last_fault.eip == (u32)insn)
            puts(" eip=insn");
        else if (last_fault.eip == last_fault.cr2)
            puts(" eip=cr2");
        else
            printf(" eip=0x%08x", last_fault.eip);
        printf(" cr2=0x%08x", last_fault.cr2);
    }
    puts("\n");
}

static void check(const char *name, void (*fn)(void *), const u8 *insn, u32 arg)
{
    report(name, insn, try_call(fn, (void *)arg));
}

static void check_ring(const char *name, int ring, void (*fn)(void *), const u8 *insn, u32 arg)
{
    report(name, insn, ring_run(ring, fn, (void *)arg));
}

static void set_pte(u32 linear, u64 value)
{
    *pae_pte_of(linear) = value;
    invlpg(linear);
}

static void set_efer_nxe(int on)
{
    u64 efer = rdmsr(MSR_EFER);
    wrmsr(MSR_EFER, on ? (efer | EFER_NXE) : (efer & ~EFER_NXE));
}

static void entry_bits(const char *what, u64 e)
{
    printf("  %s: P=%u RW=%u US=%u A=%u D=%u PS=%u XD=%u\n", what, (u32)(e & 1), (u32)(e >> 1) & 1,
           (u32)(e >> 2) & 1, (u32)(e >> 5) & 1, (u32)(e >> 6) & 1, (u32)(e >> 7) & 1, (u32)(e >> 63));
}

static void structure(void)
{
    printf("PAE on: CR0.PG=%u CR4.PAE=%u CR3=0x%08x\n", !!(read_cr0() & CR0_PG), !!(read_cr4() & CR4_PAE),
           read_cr3());
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_RW);
    entry_bits("pte A", *pae_pte_of(PAGE_A));
    check("read page A", p_read, p_read_insn, PAGE_A + 0x10);
    check("write page A", p_write, p_write_insn, PAGE_A + 0x10);
    entry_bits("pte A", *pae_pte_of(PAGE_A));
    set_pte(PAGE_N, PAGE_N);
    check("read not-present page", p_read, p_read_insn, PAGE_N + 0x20);
    check("write not-present page", p_write, p_write_insn, PAGE_N + 0x20);
    check("read 0x80000000 (PDPTE 2 not present)", p_read, p_read_insn, 0x80000000u);
    check("read 0x40200000 (PDE not present)", p_read, p_read_insn, 0x40200000u);

    *(u32 *)(BIG_PHYSICAL + 0x1ff000) = 0x2b16b00b;
    PAE_PD1[0] = BIG_PHYSICAL | PTE_P | PTE_RW | PTE_PS;
    invlpg(BIG_LINEAR);
    entry_bits("2 MiB pde", PAE_PD1[0]);
    check("read 2 MiB page at +0x1ff000", p_read, p_read_insn, BIG_LINEAR + 0x1ff000);
    printf("  value 0x%08x\n", *(volatile u32 *)(BIG_LINEAR + 0x1ff000));
    check("write 2 MiB page at +0x1234", p_write, p_write_insn, BIG_LINEAR + 0x1234);
    printf("  physical 0x%08x holds 0x%08x\n", BIG_PHYSICAL + 0x1234, *(u32 *)(BIG_PHYSICAL + 0x1234));
    entry_bits("2 MiB pde", PAE_PD1[0]);
    PAE_PD1[0] &= ~(u64)PTE_RW;
    invlpg(BIG_LINEAR);
    check("write read-only 2 MiB page, CR0.WP=1", p_write, p_write_insn, BIG_LINEAR + 0x2000);
    PAE_PD1[0] |= PTE_RW;
    invlpg(BIG_LINEAR);
}

static void no_execute(void)
{
    *(u8 *)PAGE_X = 0xc3; /* ret */
    set_pte(PAGE_X, PAGE_X | PTE_P | PTE_RW);
    printf("EFER.NXE before: %u\n", (u32)(rdmsr(MSR_EFER) >> 11) & 1);
    set_efer_nxe(1);
    printf("EFER.NXE after wrmsr: %u\n", (u32)(rdmsr(MSR_EFER) >> 11) & 1);
    check("call a page with XD=0", p_call, p_call_insn, PAGE_X);
    set_pte(PAGE_X, PAGE_X | PTE_P | PTE_RW | PTE_XD);
    check("call an XD page (NXE=1)", p_call, p_call_insn, PAGE_X);
    check("read an XD page (NXE=1)", p_read, p_read_insn, PAGE_X);
    check("call a not-present page (NXE=1: I/D)", p_call, p_call_insn, PAGE_N);
    set_pte(PAGE_X, PAGE_X | PTE_P | PTE_RW);
    PAE_PD0[PAGE_X >> 21] |= PTE_XD;
    write_cr3(read_cr3());
    check("call a page whose PDE has XD=1", p_call, p_call_insn, PAGE_X);
    PAE_PD0[PAGE_X >> 21] &= ~PTE_XD;
    write_cr3(read_cr3());
    PAE_PD1[0] = BIG_PHYSICAL | PTE_P | PTE_RW | PTE_PS | PTE_XD;
    invlpg(BIG_LINEAR);
    *(u8 *)(BIG_PHYSICAL + 0x3000) = 0xc3;
    check("call an XD 2 MiB page", p_call, p_call_insn, BIG_LINEAR + 0x3000);
    PAE_PD1[0] = BIG_PHYSICAL | PTE_P | PTE_RW | PTE_PS;
    invlpg(BIG_LINEAR);
    check("call a 2 MiB page with XD=0", p_call, p_call_insn, BIG_LINEAR + 0x3000);

    /* EFER.NXE=0 makes bit 63 reserved at once for the next walk. A TLB entry filled while NXE=1 may survive
     * the WRMSR (SDM §4.10.2.2 caches XD as NXE saw it), so the page is flushed and not touched before. */
    set_pte(PAGE_X, PAGE_X | PTE_P | PTE_RW | PTE_XD);
    set_efer_nxe(0);
    printf("EFER.NXE after clearing it: %u\n", (u32)(rdmsr(MSR_EFER) >> 11) & 1);
    check("read an XD page right after clearing NXE (bit 63 reserved)", p_read, p_read_insn, PAGE_X);
    check("call the XD page with NXE=0", p_call, p_call_insn, PAGE_X);
    check("call a not-present page (NXE=0, SMEP=0: no I/D)", p_call, p_call_insn, PAGE_N);
    set_efer_nxe(1);
    set_pte(PAGE_X, PAGE_X | PTE_P | PTE_RW);
}

static void reserved_bits(void)
{
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_RW | RSVD_BIT51);
    check("read, PTE bit 51 set (reserved)", p_read, p_read_insn, PAGE_A + 0x40);
    check("write, PTE bit 51 set (reserved)", p_write, p_write_insn, PAGE_A + 0x40);
    set_pte(PAGE_X, PAGE_X | PTE_P | PTE_RW | RSVD_BIT51);
    check("call, PTE bit 51 set (reserved)", p_call, p_call_insn, PAGE_X);
    set_pte(PAGE_X, PAGE_X | PTE_P | PTE_RW);
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_RW | RSVD_BIT62);
    check("read, PTE bit 62 set (reserved in PAE paging)", p_read, p_read_insn, PAGE_A + 0x40);
    set_pte(PAGE_A, PAGE_A | RSVD_BIT51);
    check("read, PTE not present with bit 51 set", p_read, p_read_insn, PAGE_A + 0x40);
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_RW);
    PAE_PD1[0] = BIG_PHYSICAL | PTE_P | PTE_RW | PTE_PS | (1u << 13);
    invlpg(BIG_LINEAR);
    check("read, 2 MiB PDE bit 13 set (reserved)", p_read, p_read_insn, BIG_LINEAR + 0x10);
    PAE_PD1[0] = BIG_PHYSICAL | PTE_P | PTE_RW | PTE_PS;
    invlpg(BIG_LINEAR);
    PAE_PDPT[3] = (u32)PAE_PD1 | PTE_P | PTE_RW; /* R/W is reserved in a PAE PDPTE */
    check("mov cr3, PDPTE 3 with reserved bit 1", p_load_cr3, p_load_cr3_insn, (u32)PAE_PDPT);
    PAE_PDPT[3] = 0;
    write_cr3(read_cr3());
}

struct __attribute__((packed)) table_register {
    u16 limit;
    u32 base;
};
#define GDT_COPY (SCRATCH_BASE + 0x200000)
#define IDT_COPY (SCRATCH_BASE + 0x201000)
#define SEL_FRESH3 0x1b /* GDT 3 of the copy: DPL 3 data, accessed bit clear */

/* The CPU's own reads and writes of the GDT, IDT and TSS are supervisor accesses, even at CPL 3 (SDM Vol. 3A
 * §4.6.1): ring 3 works with all three on supervisor pages, and setting an accessed bit in a read-only GDT page
 * faults as a supervisor write (U/S=0 in the error code) with CR0.WP=1. The tables are copied to pages of their own. */
static void implicit_supervisor(void)
{
    struct table_register gdtr, idtr, copy;
    __asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
    for (int i = 1; i < GDT_ENTRIES; i++)
        if (gdt[i] & (1ull << 44))
            gdt[i] |= 1ull << 40; /* accessed: no other descriptor write happens */
    memcpy((void *)GDT_COPY, gdt, sizeof(u64) * GDT_ENTRIES);
    memcpy((void *)IDT_COPY, idt, sizeof(u64) * 256);
    ((u64 *)GDT_COPY)[SEL_FRESH3 >> 3] = gdt_descriptor(0, 0xfffff, 0xf2, 0xc);
    copy.limit = gdtr.limit;
    copy.base = GDT_COPY;
    __asm__ volatile("lgdt %0" ::"m"(copy));
    copy.limit = idtr.limit;
    copy.base = IDT_COPY;
    __asm__ volatile("lidt %0" ::"m"(copy));
    pae_set_user(GDT_COPY, IDT_COPY + 0x1000, 0);
    pae_set_user(RING_TSS_ADDR, RING_TSS_ADDR + 0x3000, 0);
    check_ring("ring-3 mov ds (GDT, IDT, TSS on supervisor pages)", 3, p_load_ds, p_load_ds_insn, SEL_R3_DATA);
    check_ring("ring-3 ud2 (delivered through IDT, GDT, TSS on supervisor pages)", 3, p_ud2, p_ud2_insn, 0);
    *pae_pte_of(GDT_COPY) &= ~(u64)PTE_RW;
    invlpg(GDT_COPY);
    int v = ring_run(3, p_load_ds, (void *)SEL_FRESH3);
    printf("ring-3 mov ds with the accessed bit clear, GDT page read-only, WP=1 -> %s", v < 0 ? "ok" : fault_str(v));
    if (v == 14)
        printf(" eip=%s cr2=%s", last_fault.eip == (u32)p_load_ds_insn ? "insn" : "other",
               (last_fault.cr2 & ~7u) == GDT_COPY + (SEL_FRESH3 & ~7u) ? "descriptor" : "other");
    puts("\n");
    write_cr0(read_cr0() & ~CR0_WP);
    check_ring("ring-3 mov ds with the accessed bit clear, GDT page read-only, WP=0", 3, p_load_ds, p_load_ds_insn, SEL_FRESH3);
    printf("  accessed bit -> %u\n", (u32)(((u64 *)GDT_COPY)[SEL_FRESH3 >> 3] >> 40) & 1);
    write_cr0(read_cr0() | CR0_WP);
    *pae_pte_of(GDT_COPY) |= PTE_RW;
    invlpg(GDT_COPY);
    __asm__ volatile("lgdt %0; lidt %1" ::"m"(gdtr), "m"(idtr));
    pae_set_user(RING_TSS_ADDR, RING_TSS_ADDR + 0x3000, 1);
}

static void user_supervisor(void)
{
    ring_init();
    pae_set_user(0, IDENTITY_MIB << 20, 1);
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_RW); /* supervisor */
    check_ring("ring-3 read of a supervisor page", 3, p_read, p_read_insn, PAGE_A);
    check_ring("ring-3 write of a supervisor page", 3, p_write, p_write_insn, PAGE_A);
    check_ring("ring-3 read of a not-present page", 3, p_read, p_read_insn, PAGE_N);
    check_ring("ring-2 read of a supervisor page", 2, p_read, p_read_insn, PAGE_A);
    check_ring("ring-1 write of a supervisor page", 1, p_write, p_write_insn, PAGE_A);
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_US); /* user, read-only */
    check_ring("ring-3 read of a read-only user page", 3, p_read, p_read_insn, PAGE_A);
    check_ring("ring-3 write of a read-only user page", 3, p_write, p_write_insn, PAGE_A);
    check_ring("ring-2 write of a read-only user page, WP=1", 2, p_write, p_write_insn, PAGE_A);
    write_cr0(read_cr0() & ~CR0_WP);
    check_ring("ring-2 write of a read-only user page, WP=0", 2, p_write, p_write_insn, PAGE_A);
    check_ring("ring-3 write of a read-only user page, WP=0", 3, p_write, p_write_insn, PAGE_A);
    write_cr0(read_cr0() | CR0_WP);
    implicit_supervisor();
    pae_set_user(0, IDENTITY_MIB << 20, 0);
}

static void write_protect(void)
{
    set_pte(PAGE_A, PAGE_A | PTE_P); /* supervisor, read-only */
    check("ring-0 write of a read-only page, WP=1", p_write, p_write_insn, PAGE_A + 0x80);
    write_cr0(read_cr0() & ~CR0_WP);
    check("ring-0 write of a read-only page, WP=0 (TLB filled)", p_write, p_write_insn, PAGE_A + 0x80);
    write_cr0(read_cr0() | CR0_WP);
    check("the same write right after setting WP, no INVLPG", p_write, p_write_insn, PAGE_A + 0x80);
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_RW);
}

static void smep(void)
{
    set_pte(PAGE_X, PAGE_X | PTE_P | PTE_RW | PTE_US);
    check("supervisor call into a user page, SMEP=0 (TLB filled)", p_call, p_call_insn, PAGE_X);
    write_cr4(read_cr4() | CR4_SMEP);
    printf("CR4.SMEP set: %u\n", !!(read_cr4() & CR4_SMEP));
    check("supervisor call into a user page, SMEP=1, no INVLPG", p_call, p_call_insn, PAGE_X);
    check("supervisor read of a user page, SMEP=1", p_read, p_read_insn, PAGE_X);
    check_ring("ring-2 call into a user page, SMEP=1", 2, p_call, p_call_insn, PAGE_X);
    set_efer_nxe(0);
    check("call a not-present page (NXE=0, SMEP=1: I/D)", p_call, p_call_insn, PAGE_N);
    set_efer_nxe(1);
    write_cr4(read_cr4() & ~CR4_SMEP);
    check("supervisor call into a user page after clearing SMEP", p_call, p_call_insn, PAGE_X);
    set_pte(PAGE_X, PAGE_X | PTE_P | PTE_RW);
}

static void smap(void)
{
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_RW | PTE_US);
    check("supervisor read of a user page, SMAP=0 (TLB filled)", p_read, p_read_insn, PAGE_A);
    write_cr4(read_cr4() | CR4_SMAP);
    printf("CR4.SMAP set: %u\n", !!(read_cr4() & CR4_SMAP));
    check("supervisor read of a user page, SMAP=1 AC=0, no INVLPG", p_read, p_read_insn, PAGE_A);
    check("supervisor write of a user page, SMAP=1 AC=0", p_write, p_write_insn, PAGE_A);
    check("supervisor read of a user page after STAC", p_read_stac, p_read_stac_insn, PAGE_A);
    check("supervisor read of a user page after STAC, CLAC", p_read_clac, p_read_clac_insn, PAGE_A);
    check("supervisor read of a user page with AC=1 from POPF", p_read_ac, p_read_ac_insn, PAGE_A);
    check_ring("ring-2 read of a user page, SMAP=1 AC=0", 2, p_read, p_read_insn, PAGE_A);
    check_ring("ring-2 read of a user page with AC=1 from POPF", 2, p_read_ac, p_read_ac_insn, PAGE_A);
    check_ring("stac at CPL 2", 2, p_stac, p_stac_insn, 0);
    check("supervisor read of a supervisor page, SMAP=1", p_read, p_read_insn, PAGE_A + 0x1000 * 5);
    write_cr4(read_cr4() & ~CR4_SMAP);
    check("supervisor read of a user page after clearing SMAP", p_read, p_read_insn, PAGE_A);
    check("stac with CR4.SMAP=0", p_stac, p_stac_insn, 0);
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_RW);
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("pae: begin\n");
    pae_identity_map();
    pae_enable();
    write_cr0(read_cr0() | CR0_WP);
    structure();
    no_execute();
    reserved_bits();
    user_supervisor();
    write_protect();
    smep();
    smap();
    set_efer_nxe(0);
    pae_disable();
    puts("pae: end\n");
}
