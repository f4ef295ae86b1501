/* paging: 32-bit paging with 4 KiB and 4 MiB pages (Intel SDM Vol. 3A chapter 4): accessed and dirty bits as
 * the PTEs and PDEs show them, #PF error codes and CR2, CR0.WP at CPL 0, accesses and instructions that straddle
 * a page boundary, and the TLB invalidations whose effect is architectural: INVLPG, a CR3 load (non-global
 * entries), and clearing CR4.PGE (all entries). Stale TLB entries are allowed, not required: never printed. */
#include "guest.h"

#define SNIPPET(name) extern void name(void *); extern const u8 name##_insn[];
SNIPPET(p_read) SNIPPET(p_write) SNIPPET(p_write_byte) SNIPPET(p_call)
#undef SNIPPET
extern u32 paging_value;

#define PAGE_A (SCRATCH_BASE + 0x100000) /* pages the tests play with */
#define PAGE_B (SCRATCH_BASE + 0x101000)
#define PAGE_C (SCRATCH_BASE + 0x102000)
#define FRAME_1 (SCRATCH_BASE + 0x110000) /* physical frames with known contents */
#define FRAME_2 (SCRATCH_BASE + 0x111000)
#define FRAME_3 (SCRATCH_BASE + 0x112000)
#define FRAME_4 (SCRATCH_BASE + 0x113000)
#define BIG_LINEAR 0x40000000u           /* a 4 MiB page onto physical 8 MiB */
#define BIG_PHYSICAL 0x00800000u

static u32 *pd;

static void flags_of(const char *what, u32 entry)
{
    printf("  %s: P=%u RW=%u US=%u A=%u D=%u\n", what, entry & PTE_P, !!(entry & PTE_RW), !!(entry & PTE_US),
           !!(entry & PTE_A), !!(entry & PTE_D));
}

static void set_pte(u32 linear, u32 value)
{
    *pte_of(linear) = value;
    invlpg(linear);
}

static void report(const char *name, const u8 *insn, int vector)
{
    printf("%s -> %s", name, fault_str(vector));
    if (vector == 14) {
        s32 offset = (s32)(last_fault.eip - (u32)insn);
        if (offset == 0)
            puts(" eip=insn");
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

static void accessed_dirty(void)
{
    u32 pde_index = PAGE_A >> 22;
    pd[pde_index] &= ~(PTE_A | PTE_D);
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_RW);
    set_pte(PAGE_B, PAGE_B | PTE_P | PTE_RW);
    write_cr3(read_cr3());
    puts("fresh PTEs for page A and page B\n");
    flags_of("pte A", *pte_of(PAGE_A));
    check("read page A", p_read, p_read_insn, PAGE_A + 0x10);
    flags_of("pte A", *pte_of(PAGE_A));
    flags_of("pde", pd[pde_index]);
    check("write page A", p_write, p_write_insn, PAGE_A + 0x10);
    flags_of("pte A", *pte_of(PAGE_A));
    check("write page B (first access)", p_write_byte, p_write_byte_insn, PAGE_B + 0xfff);
    flags_of("pte B", *pte_of(PAGE_B));
}

static void fault_codes(void)
{
    write_cr0(read_cr0() | CR0_WP);
    set_pte(PAGE_A, PAGE_A); /* not present */
    check("read not-present page", p_read, p_read_insn, PAGE_A + 0x123);
    check("write not-present page", p_write, p_write_insn, PAGE_A + 0x456);
    set_pte(PAGE_A, PAGE_A | PTE_P); /* read-only */
    check("read read-only page", p_read, p_read_insn, PAGE_A + 0x10);
    check("write read-only page, CR0.WP=1", p_write, p_write_insn, PAGE_A + 0x20);
    flags_of("pte A", *pte_of(PAGE_A));
    write_cr0(read_cr0() & ~CR0_WP);
    check("write read-only page, CR0.WP=0", p_write, p_write_insn, PAGE_A + 0x20);
    flags_of("pte A", *pte_of(PAGE_A));
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_RW | PTE_US);
    check("supervisor write to a user page", p_write, p_write_insn, PAGE_A + 0x30);
    /* the rights of the PDE and the PTE combine: a read-only PDE makes its whole 4 MiB read-only */
    u32 pde_index = PAGE_A >> 22;
    pd[pde_index] &= ~PTE_RW;
    write_cr3(read_cr3());
    write_cr0(read_cr0() | CR0_WP);
    check("write through a read-only PDE, CR0.WP=1", p_write, p_write_insn, PAGE_A + 0x40);
    write_cr0(read_cr0() & ~CR0_WP);
    check("write through a read-only PDE, CR0.WP=0", p_write, p_write_insn, PAGE_A + 0x40);
    pd[pde_index] |= PTE_RW;
    write_cr3(read_cr3());
    write_cr0(read_cr0() | CR0_WP);
    check("read 0x01000000 (no PDE)", p_read, p_read_insn, 0x01000000u);
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_RW);
}

/* an access or an instruction that straddles into a page that faults: nothing of it may happen */
static void straddling(void)
{
    set_pte(PAGE_B, PAGE_B | PTE_P | PTE_RW);
    set_pte(PAGE_C, PAGE_C); /* not present */
    *(u32 *)(PAGE_B + 0xffc) = 0x11223344;
    check("read dword at page end - 2, next page not present", p_read, p_read_insn, PAGE_C - 2);
    check("write dword at page end - 1, next page not present", p_write, p_write_insn, PAGE_C - 1);
    printf("  last dword of the first page: 0x%08x\n", *(u32 *)(PAGE_B + 0xffc));
    set_pte(PAGE_C, PAGE_C | PTE_P); /* read-only */
    check("write dword at page end - 3, next page read-only", p_write, p_write_insn, PAGE_C - 3);
    printf("  last dword of the first page: 0x%08x\n", *(u32 *)(PAGE_B + 0xffc));
    /* mov eax, 0x12345678; ret, placed so that the MOV's immediate runs into the not-present page */
    static const u8 code[6] = { 0xb8, 0x78, 0x56, 0x34, 0x12, 0xc3 };
    set_pte(PAGE_C, PAGE_C | PTE_P | PTE_RW);
    memcpy((void *)(PAGE_C - 2), code, sizeof code);
    set_pte(PAGE_C, PAGE_C);
    check("instruction fetch straddling into a not-present page", p_call, p_call_insn, PAGE_C - 2);
    printf("  eip - (page end - 2) = %d\n", (s32)(last_fault.eip - (PAGE_C - 2)));
    set_pte(PAGE_C, PAGE_C | PTE_P | PTE_RW);
    check("the same instruction, page present", p_call, p_call_insn, PAGE_C - 2);
}

static u32 read_linear(u32 linear)
{
    return *(volatile u32 *)linear;
}

static void invalidation(void)
{
    *(u32 *)FRAME_1 = 0x11111111;
    *(u32 *)FRAME_2 = 0x22222222;
    *(u32 *)FRAME_3 = 0x33333333;
    *(u32 *)FRAME_4 = 0x44444444;
    set_pte(PAGE_A, FRAME_1 | PTE_P | PTE_RW);
    printf("page A -> frame 1: reads 0x%08x\n", read_linear(PAGE_A));
    *pte_of(PAGE_A) = FRAME_2 | PTE_P | PTE_RW;
    invlpg(PAGE_A);
    printf("PTE -> frame 2, INVLPG: reads 0x%08x\n", read_linear(PAGE_A));
    *pte_of(PAGE_A) = FRAME_3 | PTE_P | PTE_RW;
    write_cr3(read_cr3());
    printf("PTE -> frame 3, CR3 reloaded: reads 0x%08x\n", read_linear(PAGE_A));

    write_cr4(read_cr4() | CR4_PGE);
    set_pte(PAGE_A, FRAME_1 | PTE_P | PTE_RW | PTE_G);
    printf("CR4.PGE=1, global page A -> frame 1: reads 0x%08x\n", read_linear(PAGE_A));
    *pte_of(PAGE_A) = FRAME_4 | PTE_P | PTE_RW | PTE_G;
    write_cr4(read_cr4() & ~CR4_PGE);
    printf("PTE -> frame 4, CR4.PGE cleared: reads 0x%08x\n", read_linear(PAGE_A));
    write_cr4(read_cr4() | CR4_PGE);
    *pte_of(PAGE_A) = FRAME_2 | PTE_P | PTE_RW | PTE_G;
    invlpg(PAGE_A);
    printf("PTE -> frame 2, INVLPG of a global page: reads 0x%08x\n", read_linear(PAGE_A));
    write_cr4(read_cr4() & ~CR4_PGE);
    set_pte(PAGE_A, PAGE_A | PTE_P | PTE_RW);
}

static void large_pages(void)
{
    write_cr4(read_cr4() | CR4_PSE);
    u32 index = BIG_LINEAR >> 22;
    pd[index] = BIG_PHYSICAL | PTE_P | PTE_RW | PTE_PS;
    write_cr3(read_cr3());
    *(u32 *)(BIG_PHYSICAL + 0x3ff000) = 0xb16b00b5;
    flags_of("4 MiB pde", pd[index]);
    check("read 4 MiB page at +0x3ff000", p_read, p_read_insn, BIG_LINEAR + 0x3ff000);
    printf("  value 0x%08x\n", paging_value);
    flags_of("4 MiB pde", pd[index]);
    check("write 4 MiB page at +0x1234", p_write, p_write_insn, BIG_LINEAR + 0x1234);
    printf("  physical 0x%08x holds 0x%08x\n", BIG_PHYSICAL + 0x1234, *(u32 *)(BIG_PHYSICAL + 0x1234));
    flags_of("4 MiB pde", pd[index]);
    pd[index] &= ~PTE_RW;
    invlpg(BIG_LINEAR);
    check("write read-only 4 MiB page, CR0.WP=1", p_write, p_write_insn, BIG_LINEAR + 0x2000);
    pd[index] = 0;
    invlpg(BIG_LINEAR);
    check("read after the 4 MiB PDE is cleared", p_read, p_read_insn, BIG_LINEAR + 0x2000);
    write_cr4(read_cr4() & ~CR4_PSE);
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("paging: begin\n");
    pd = paging_identity_map();
    paging_enable(pd);
    printf("paging on: CR0.PG=%u CR3=0x%08x\n", !!(read_cr0() & CR0_PG), read_cr3());
    accessed_dirty();
    fault_codes();
    straddling();
    invalidation();
    large_pages();
    paging_disable();
    puts("paging: end\n");
}
