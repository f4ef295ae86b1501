/* string: MOVS STOS LODS CMPS SCAS (b/w/d) with REP, REPE, REPNE, DF=0 and DF=1, ECX=0, overlapping copies,
 * 16-bit addressing, segment overrides (source only), and REP MOVS/STOS that page-fault partway: ECX ESI EDI
 * at the fault show the elements done, and after the handler maps the page the instruction completes.
 * Intel SDM Vol. 2 (MOVS, REP/REPE/REPNE) and Vol. 1 §7.3.9. */
#include "guest.h"

#define X(name) extern void name(struct regs *);
X(s_movsb) X(s_movsw) X(s_movsd) X(s_rep_movsb) X(s_rep_movsw) X(s_rep_movsd)
X(s_stosb) X(s_stosw) X(s_stosd) X(s_rep_stosb) X(s_rep_stosw) X(s_rep_stosd)
X(s_lodsb) X(s_lodsw) X(s_lodsd) X(s_rep_lodsd)
X(s_cmpsb) X(s_cmpsd) X(s_repe_cmpsb) X(s_repe_cmpsw) X(s_repne_cmpsb) X(s_repe_cmpsd)
X(s_scasb) X(s_scasw) X(s_repne_scasb) X(s_repe_scasd) X(s_repne_scasw)
X(s_a16_rep_movsb) X(s_a16_rep_stosw) X(s_rep_movsb_es) X(s_rep_movsb_fs) X(s_lodsd_fs)
#undef X
extern u16 string_es, string_fs;

#define SRC (SCRATCH_BASE + 0x20000)
#define DST (SCRATCH_BASE + 0x21000)
#define DF EFLAGS_DF

static void reset(void)
{
    u8 *s = (u8 *)SRC, *d = (u8 *)DST;
    for (u32 i = 0; i < 256; i++) {
        s[i] = (u8)(i * 3 + 1);
        d[i] = 0xee;
    }
}

static void dump(const char *label, u32 addr, u32 n)
{
    const u8 *p = (const u8 *)addr;
    printf("  %s", label);
    for (u32 i = 0; i < n; i++)
        printf(" %02x", p[i]);
    puts("\n");
}

static void show(const char *name, const struct regs *r, u32 defined)
{
    printf("%s -> eax=0x%08x ecx=0x%08x esi=0x%08x edi=0x%08x df=%u %s\n", name, r->eax, r->ecx, r->esi, r->edi,
           (r->eflags & DF) ? 1 : 0, flags_str(r->eflags, defined));
}

/* runs fn on a fresh source and destination, prints the registers and the first 16 destination bytes */
static void copy_test(const char *name, insn_fn fn, u32 esi, u32 edi, u32 ecx, u32 eflags)
{
    reset();
    struct regs r = { .eax = 0x11223344u, .ecx = ecx, .esi = esi, .edi = edi, .eflags = 0x2 | eflags };
    fn(&r);
    show(name, &r, EFLAGS_STATUS);
    dump("dst", DST, 16);
}

static void movs_tests(void)
{
    copy_test("movsb", s_movsb, SRC, DST, 0x77, 0);
    copy_test("movsw", s_movsw, SRC, DST, 0x77, 0);
    copy_test("movsd", s_movsd, SRC, DST, 0x77, 0);
    copy_test("movsb df=1", s_movsb, SRC + 8, DST + 8, 0x77, DF);
    copy_test("movsw df=1", s_movsw, SRC + 8, DST + 8, 0x77, DF);
    copy_test("movsd df=1", s_movsd, SRC + 8, DST + 8, 0x77, DF);
    copy_test("rep movsb ecx=7", s_rep_movsb, SRC, DST, 7, 0);
    copy_test("rep movsw ecx=3", s_rep_movsw, SRC, DST, 3, 0);
    copy_test("rep movsd ecx=3", s_rep_movsd, SRC, DST, 3, 0);
    copy_test("rep movsb ecx=5 df=1", s_rep_movsb, SRC + 15, DST + 15, 5, DF);
    copy_test("rep movsd ecx=3 df=1", s_rep_movsd, SRC + 12, DST + 12, 3, DF);
    copy_test("rep movsb ecx=0", s_rep_movsb, SRC, DST, 0, EFLAGS_STATUS);
    copy_test("rep movsd ecx=0 df=1", s_rep_movsd, SRC, DST, 0, DF);
    /* overlapping: element by element, so the first byte spreads */
    reset();
    struct regs r = { .ecx = 12, .esi = DST, .edi = DST + 1, .eflags = 0x2 };
    ((u8 *)DST)[0] = 0x5a;
    s_rep_movsb(&r);
    show("rep movsb overlap +1", &r, EFLAGS_STATUS);
    dump("dst", DST, 16);
    reset();
    r = (struct regs){ .ecx = 3, .esi = SRC, .edi = DST, .eflags = 0x2 };
    string_es = 0x18;
    gdt_set(3, 0x1000, 0xfffff, 0x92, 0xc); /* ES base 0x1000 */
    r.edi = DST - 0x1000;
    s_rep_movsb_es(&r);
    show("rep movsb es.base=0x1000", &r, EFLAGS_STATUS);
    dump("dst", DST, 16);
    reset();
    gdt_set(4, 0x2000, 0xfffff, 0x92, 0xc); /* FS base 0x2000 */
    string_fs = 0x20;
    r = (struct regs){ .ecx = 4, .esi = SRC - 0x2000, .edi = DST, .eflags = 0x2 };
    s_rep_movsb_fs(&r);
    show("rep fs movsb fs.base=0x2000", &r, EFLAGS_STATUS);
    dump("dst", DST, 16);
    r = (struct regs){ .esi = SRC + 4 - 0x2000, .eflags = 0x2 };
    s_lodsd_fs(&r);
    show("fs lodsd fs.base=0x2000", &r, EFLAGS_STATUS);
}

static void stos_lods_tests(void)
{
    copy_test("stosb", s_stosb, 0, DST, 0x77, 0);
    copy_test("stosw", s_stosw, 0, DST, 0x77, 0);
    copy_test("stosd", s_stosd, 0, DST, 0x77, 0);
    copy_test("rep stosb ecx=9", s_rep_stosb, 0, DST, 9, 0);
    copy_test("rep stosw ecx=5", s_rep_stosw, 0, DST, 5, 0);
    copy_test("rep stosd ecx=2 df=1", s_rep_stosd, 0, DST + 12, 2, DF);
    copy_test("rep stosw ecx=0", s_rep_stosw, 0, DST, 0, 0);
    copy_test("lodsb", s_lodsb, SRC + 2, 0, 0x77, 0);
    copy_test("lodsw df=1", s_lodsw, SRC + 2, 0, 0x77, DF);
    copy_test("lodsd", s_lodsd, SRC + 2, 0, 0x77, 0);
    copy_test("rep lodsd ecx=3", s_rep_lodsd, SRC, 0, 3, 0);
}

/* compares: a copy of the source with one byte changed at 'at' (or none) */
static void compare_test(const char *name, insn_fn fn, u32 ecx, int at, u32 eflags)
{
    reset();
    memcpy((void *)DST, (const void *)SRC, 64);
    if (at >= 0)
        ((u8 *)DST)[at] ^= 0x40;
    struct regs r = { .eax = 0x11223344u, .ecx = ecx, .esi = SRC, .edi = DST, .eflags = 0x2 | eflags };
    if (eflags & DF) {
        r.esi += 32;
        r.edi += 32;
    }
    fn(&r);
    show(name, &r, EFLAGS_STATUS);
}

static void cmps_scas_tests(void)
{
    compare_test("cmpsb equal", s_cmpsb, 0x77, -1, 0);
    compare_test("cmpsb differ", s_cmpsb, 0x77, 0, 0);
    compare_test("cmpsd differ", s_cmpsd, 0x77, 1, 0);
    compare_test("repe cmpsb ecx=16 all equal", s_repe_cmpsb, 16, -1, 0);
    compare_test("repe cmpsb ecx=16 differ at 5", s_repe_cmpsb, 16, 5, 0);
    compare_test("repe cmpsb ecx=16 differ at 15", s_repe_cmpsb, 16, 15, 0);
    compare_test("repe cmpsw ecx=8 differ at 6", s_repe_cmpsw, 8, 6, 0);
    compare_test("repe cmpsd ecx=4 differ at 9", s_repe_cmpsd, 4, 9, 0);
    compare_test("repe cmpsb ecx=0", s_repe_cmpsb, 0, 0, EFLAGS_STATUS);
    compare_test("repe cmpsb df=1 ecx=16 differ at 30", s_repe_cmpsb, 16, 30, DF);
    /* REPNE CMPS stops at the first equal pair: make the buffers differ everywhere except at 10 */
    reset();
    for (u32 i = 0; i < 32; i++)
        ((u8 *)DST)[i] = (u8)(((u8 *)SRC)[i] ^ 0xff);
    ((u8 *)DST)[10] = ((u8 *)SRC)[10];
    struct regs r = { .ecx = 32, .esi = SRC, .edi = DST, .eflags = 0x2 };
    s_repne_cmpsb(&r);
    show("repne cmpsb ecx=32 equal at 10", &r, EFLAGS_STATUS);

    reset();
    const char *text = "Kernelist string scan";
    memcpy((void *)DST, text, strlen(text) + 1);
    r = (struct regs){ .eax = 0xffffff00u, .ecx = 0xffffffffu, .edi = DST, .eflags = 0x2 };
    s_repne_scasb(&r);
    show("repne scasb for 0 (strlen)", &r, EFLAGS_STATUS);
    r = (struct regs){ .eax = 't', .ecx = 8, .edi = DST, .eflags = 0x2 };
    s_repne_scasb(&r);
    show("repne scasb 't' ecx=8 not found", &r, EFLAGS_STATUS);
    r = (struct regs){ .eax = 0x6e72u, .ecx = 10, .edi = DST, .eflags = 0x2 };
    s_repne_scasw(&r);
    show("repne scasw 'rn'", &r, EFLAGS_STATUS);
    r = (struct regs){ .eax = 'K', .ecx = 5, .edi = DST, .eflags = 0x2 };
    s_scasb(&r);
    show("scasb 'K'", &r, EFLAGS_STATUS);
    r = (struct regs){ .eax = 0x0000654bu, .ecx = 5, .edi = DST, .eflags = 0x2 | DF };
    s_scasw(&r);
    show("scasw df=1", &r, EFLAGS_STATUS);
    for (u32 i = 0; i < 16; i++)
        ((u32 *)DST)[i] = 0xabababab;
    ((u32 *)DST)[6] = 0;
    r = (struct regs){ .eax = 0xabababab, .ecx = 16, .edi = DST, .eflags = 0x2 };
    s_repe_scasd(&r);
    show("repe scasd stops at 6", &r, EFLAGS_STATUS);
}

/* 16-bit addressing wraps SI and DI at 64 KiB and counts CX only */
static void address_size_tests(void)
{
    u8 *low = (u8 *)0;
    __asm__("" : "+r"(low)); /* address 0 is ordinary memory here: keep the compiler from treating it as null */
    low[0xfffe] = 0xa1;
    low[0xffff] = 0xa2;
    low[0x0000] = 0xa3;
    low[0x0001] = 0xa4;
    memset(low + 0x8000, 0xee, 8);
    struct regs r = { .ecx = 0xffff0004u, .esi = 0xabcdfffeu, .edi = 0x12348000u, .eflags = 0x2 };
    s_a16_rep_movsb(&r);
    show("a16 rep movsb si=0xfffe", &r, EFLAGS_STATUS);
    dump("0x8000", 0x8000, 6);
    memset(low + 0xfff8, 0xee, 8);
    memset(low, 0xee, 8);
    r = (struct regs){ .eax = 0x5555c0deu, .ecx = 0x00010003u, .edi = 0x0000fffcu, .eflags = 0x2 };
    s_a16_rep_stosw(&r);
    show("a16 rep stosw di=0xfffc", &r, EFLAGS_STATUS);
    dump("0xfff8", 0xfff8, 8);
    dump("0x0000", 0x0000, 8);
}

/* ---- page faults in the middle of a REP string instruction ---- */

#define FAULT_PAGE (SCRATCH_BASE + 0x30000)
#define FAULT_DST (SCRATCH_BASE + 0x40000)

static struct {
    u32 count, error, cr2, ecx, esi, edi;
} pf;

static void map_on_fault(struct frame *f)
{
    pf.count++;
    pf.error = f->error;
    pf.cr2 = read_cr2();
    pf.ecx = f->ecx;
    pf.esi = f->esi;
    pf.edi = f->edi;
    *pte_of(pf.cr2) |= PTE_P;
    invlpg(pf.cr2);
}

static void print_fault(void)
{
    printf("  #PF count=%u error=0x%x cr2=0x%08x at fault: ecx=%u esi=0x%08x edi=0x%08x\n", pf.count, pf.error,
           pf.cr2, pf.ecx, pf.esi, pf.edi);
    memset(&pf, 0, sizeof pf);
}

static void unmap(u32 page)
{
    *pte_of(page) &= ~PTE_P;
    invlpg(page);
}

static void fault_tests(void)
{
    u32 *pd = paging_identity_map();
    paging_enable(pd);
    set_handler(14, map_on_fault);

    u8 *src = (u8 *)(FAULT_PAGE - 5);
    for (u32 i = 0; i < 32; i++) {
        src[i] = (u8)(0x40 + i);
        ((u8 *)FAULT_DST)[i] = 0xee;
    }
    unmap(FAULT_PAGE);
    struct regs r = { .ecx = 12, .esi = FAULT_PAGE - 5, .edi = FAULT_DST, .eflags = 0x2 };
    s_rep_movsb(&r);
    show("rep movsb source crosses into a not-present page", &r, EFLAGS_STATUS);
    print_fault();
    dump("dst", FAULT_DST, 16);

    for (u32 i = 0; i < 8; i++)
        ((u32 *)(FAULT_PAGE - 16))[i] = 0xeeeeeeee;
    unmap(FAULT_PAGE);
    r = (struct regs){ .eax = 0xc0ffee00u, .ecx = 6, .edi = FAULT_PAGE - 12, .eflags = 0x2 };
    s_rep_stosd(&r);
    show("rep stosd destination crosses into a not-present page", &r, EFLAGS_STATUS);
    print_fault();
    dump("dst", FAULT_PAGE - 16, 32);

    unmap(FAULT_PAGE - 0x1000);
    for (u32 i = 0; i < 16; i++)
        ((u8 *)FAULT_DST)[i] = 0xee;
    r = (struct regs){ .ecx = 4, .esi = FAULT_PAGE + 4, .edi = FAULT_DST + 12, .eflags = 0x2 | DF };
    s_rep_movsd(&r);
    show("rep movsd df=1 source crosses down into a not-present page", &r, EFLAGS_STATUS);
    print_fault();
    dump("dst", FAULT_DST, 16);

    set_handler(14, 0);
    paging_disable();
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("string: begin\n");
    movs_tests();
    stos_lods_tests();
    cmps_scas_tests();
    address_size_tests();
    fault_tests();
    puts("string: end\n");
}
