/* bits: BT BTS BTR BTC (register, immediate, and memory forms with offsets far outside the addressed dword),
 * BSF BSR, BSWAP, SETcc and CMOVcc for all 16 conditions over every OF/SF/ZF/PF/CF combination, LAHF SAHF,
 * CBW CWDE CWD CDQ, MOVZX MOVSX, XCHG, XADD, CMPXCHG, CMPXCHG8B, and LEA in every addressing form (Intel SDM Vol. 2). */
#include "guest.h"

#define X(name) extern void name(struct regs *);
X(x_bt_r32) X(x_bts_r32) X(x_btr_r32) X(x_btc_r32) X(x_bt_r16) X(x_btc_r16)
X(x_bt_m32) X(x_bts_m32) X(x_btr_m32) X(x_btc_m32) X(x_bt_m16) X(x_bts_m16)
X(x_bt_i32) X(x_bts_i32) X(x_btr_i16) X(x_btc_mi32) X(x_bt_mi16) X(x_lock_bts_m32)
X(x_bsf32) X(x_bsr32) X(x_bsf16) X(x_bsr16) X(x_bsf_m32) X(x_bsr_m32)
X(x_bswap_eax) X(x_bswap_edi) X(x_lahf) X(x_sahf) X(x_cbw) X(x_cwde) X(x_cwd) X(x_cdq)
X(x_movzx_r32_r8) X(x_movzx_r32_ah) X(x_movzx_r32_r16) X(x_movzx_r16_r8) X(x_movzx_r32_m8) X(x_movzx_r32_m16)
X(x_movsx_r32_r8) X(x_movsx_r32_bh) X(x_movsx_r32_r16) X(x_movsx_r16_r8) X(x_movsx_r32_m8) X(x_movsx_r32_m16)
X(x_xchg_eax_ecx) X(x_xchg_ax_cx) X(x_xchg_ebx_edx) X(x_xchg_al_ah) X(x_xchg_m32) X(x_xchg_m8) X(x_nop90)
X(x_xadd_r32) X(x_xadd_r16) X(x_xadd_r8) X(x_xadd_m32)
X(x_cmpxchg_r32) X(x_cmpxchg_r16) X(x_cmpxchg_r8) X(x_cmpxchg_m32) X(x_cmpxchg8b)
#undef X
extern const insn_fn setcc_table[16], setcc_m_table[16], cmovcc_table[16], cmovcc_m_table[16];
extern void x_lea_all(void);
extern const u32 lea_results[];
extern const char *const lea_names[];
extern const u32 lea_count, lea_esp;

static const char *const cc_names[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                                          "s", "ns", "p", "np", "l", "ge", "le", "g" };

/* a 32 KiB bit string around BIT_BASE, byte k of it (k*37 + 11) & 0xff */
#define BIT_BASE ((u8 *)(SCRATCH_BASE + 0x10000))
#define BIT_SPAN 0x4000

static u8 pattern(s32 at) { return (u8)((at + BIT_SPAN) * 37 + 11); }

static void fill_bits(void)
{
    for (s32 at = -BIT_SPAN; at < BIT_SPAN; at++)
        BIT_BASE[at] = pattern(at);
}

static int others_unchanged(s32 except)
{
    for (s32 at = -BIT_SPAN; at < BIT_SPAN; at++)
        if (at != except && BIT_BASE[at] != pattern(at))
            return 0;
    return 1;
}

#define CF_ZF (EFLAGS_CF | EFLAGS_ZF)

static void bit_reg(const char *name, insn_fn fn, u32 size, u32 value, u32 offset)
{
    static const u32 inputs[2] = { 0x2 | EFLAGS_ZF, 0x2 | EFLAGS_CF };
    static const char *const input_names[2] = { "in:Z", "in:C" };
    for (int i = 0; i < 2; i++) {
        struct regs r = { .eax = value, .ecx = offset, .eflags = inputs[i] };
        fn(&r);
        if (size == 16)
            printf("%s %s 0x%04x,%u -> 0x%08x %s\n", name, input_names[i], value & 0xffff, offset & 0xffff, r.eax,
                   flags_str(r.eflags, CF_ZF));
        else
            printf("%s %s 0x%08x,%d -> 0x%08x %s\n", name, input_names[i], value, (s32)offset, r.eax,
                   flags_str(r.eflags, CF_ZF));
    }
}

/* memory bit string: the bit at BIT_BASE + offset/8 (rounded down), bit offset%8 */
static void bit_mem(const char *name, insn_fn fn, u32 size, s32 offset)
{
    fill_bits();
    s32 at = offset >> 3;
    u8 before = BIT_BASE[at];
    u32 ecx = size == 16 ? 0xabcd0000u | (u16)offset : (u32)offset;
    struct regs r = { .esi = (u32)BIT_BASE, .ecx = ecx, .eflags = 0x2 | EFLAGS_ZF };
    fn(&r);
    printf("%s off=%d -> byte[%d] 0x%02x->0x%02x others_unchanged=%u %s\n", name, offset, at, before, BIT_BASE[at],
           others_unchanged(at), flags_str(r.eflags, CF_ZF));
}

static void bit_tests(void)
{
    static const u32 offsets32[] = { 0, 5, 31, 32, 37, 0xffffffff };
    static const u32 offsets16[] = { 0, 5, 15, 16, 21 };
    static const s32 mem32[] = { 0, 7, 31, 32, 100, 0x10000, -1, -32, -33, -0x10000 };
    static const s32 mem16[] = { 0, 15, 16, 100, 0x7fff, -0x8000, -1 };
    for (u32 i = 0; i < 6; i++) {
        bit_reg("bt r32", x_bt_r32, 32, 0x80000021u, offsets32[i]);
        bit_reg("bts r32", x_bts_r32, 32, 0x80000021u, offsets32[i]);
        bit_reg("btr r32", x_btr_r32, 32, 0x80000021u, offsets32[i]);
        bit_reg("btc r32", x_btc_r32, 32, 0x80000021u, offsets32[i]);
    }
    for (u32 i = 0; i < 5; i++) {
        bit_reg("bt r16", x_bt_r16, 16, 0x55558021u, 0xffff0000u | offsets16[i]);
        bit_reg("btc r16", x_btc_r16, 16, 0x55558021u, 0xffff0000u | offsets16[i]);
    }
    bit_reg("bt r32,35", x_bt_i32, 32, 0x00000008u, 0);
    bit_reg("bts r32,31", x_bts_i32, 32, 0x00000008u, 0);
    bit_reg("btr r16,17", x_btr_i16, 16, 0xffffffffu, 0);
    for (u32 i = 0; i < sizeof mem32 / sizeof mem32[0]; i++) {
        bit_mem("bt m32", x_bt_m32, 32, mem32[i]);
        bit_mem("bts m32", x_bts_m32, 32, mem32[i]);
        bit_mem("btr m32", x_btr_m32, 32, mem32[i]);
        bit_mem("btc m32", x_btc_m32, 32, mem32[i]);
    }
    for (u32 i = 0; i < sizeof mem16 / sizeof mem16[0]; i++) {
        bit_mem("bt m16", x_bt_m16, 16, mem16[i]);
        bit_mem("bts m16", x_bts_m16, 16, mem16[i]);
    }
    bit_mem("btc m32,35", x_btc_mi32, 32, 3);
    bit_mem("bt m16,20", x_bt_mi16, 16, 4);
    bit_mem("lock bts m32", x_lock_bts_m32, 32, -100);
}

static void scan(const char *name, insn_fn fn, u32 size, u32 value)
{
    static u32 cell;
    cell = value;
    struct regs r = { .eax = value, .ecx = 0xdeadbeefu, .esi = (u32)&cell, .eflags = 0x2 | EFLAGS_STATUS };
    fn(&r);
    if (size == 16)
        printf("%s 0x%04x -> ", name, value & 0xffff);
    else
        printf("%s 0x%08x -> ", name, value);
    if ((size == 16 ? value & 0xffff : value) == 0)
        puts("undefined");
    else if (size == 16)
        printf("0x%08x", r.ecx);
    else
        printf("%u", r.ecx);
    printf(" %s\n", flags_str(r.eflags, EFLAGS_ZF));
}

static void scan_tests(void)
{
    static const u32 values32[] = { 0, 1, 0x80000000u, 0x00f0f000u, 0xffffffffu, 0x00010000u };
    static const u32 values16[] = { 0xffff0000u, 0x8000, 0x0100, 0x0001 };
    for (u32 i = 0; i < 6; i++) {
        scan("bsf r32", x_bsf32, 32, values32[i]);
        scan("bsr r32", x_bsr32, 32, values32[i]);
        scan("bsf m32", x_bsf_m32, 32, values32[i]);
        scan("bsr m32", x_bsr_m32, 32, values32[i]);
    }
    for (u32 i = 0; i < 4; i++) {
        scan("bsf r16", x_bsf16, 16, values16[i]);
        scan("bsr r16", x_bsr16, 16, values16[i]);
    }
}

static void show(const char *name, const struct regs *r)
{
    printf("%s -> eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x %s\n", name, r->eax, r->ebx, r->ecx, r->edx,
           flags_str(r->eflags, EFLAGS_STATUS));
}

static void run_show(const char *name, insn_fn fn, struct regs r)
{
    fn(&r);
    show(name, &r);
}

static void misc_tests(void)
{
    struct regs r;
    r = (struct regs){ .eax = 0x12345678u, .edi = 0x80000001u, .eflags = 0x2 };
    x_bswap_eax(&r);
    x_bswap_edi(&r);
    printf("bswap eax=0x%08x edi=0x%08x\n", r.eax, r.edi);

    run_show("lahf all", x_lahf, (struct regs){ .eax = 0x11223344u, .eflags = 0x2 | EFLAGS_STATUS });
    run_show("lahf none", x_lahf, (struct regs){ .eax = 0x11223344u, .eflags = 0x2 });
    run_show("sahf 0xff", x_sahf, (struct regs){ .eax = 0x0000ff00u, .eflags = 0x2 });
    run_show("sahf 0x00", x_sahf, (struct regs){ .eax = 0x00000000u, .eflags = 0x2 | EFLAGS_STATUS });
    run_show("sahf 0x2a", x_sahf, (struct regs){ .eax = 0x00002a00u, .eflags = 0x2 });

    run_show("cbw 0x7f", x_cbw, (struct regs){ .eax = 0x1234567fu, .edx = 0x55555555u, .eflags = 0x2 });
    run_show("cbw 0x80", x_cbw, (struct regs){ .eax = 0x12345680u, .edx = 0x55555555u, .eflags = 0x2 });
    run_show("cwde 0x7fff", x_cwde, (struct regs){ .eax = 0x12347fffu, .edx = 0x55555555u, .eflags = 0x2 });
    run_show("cwde 0x8000", x_cwde, (struct regs){ .eax = 0x12348000u, .edx = 0x55555555u, .eflags = 0x2 });
    run_show("cwd 0x7fff", x_cwd, (struct regs){ .eax = 0x12347fffu, .edx = 0x55555555u, .eflags = 0x2 });
    run_show("cwd 0x8000", x_cwd, (struct regs){ .eax = 0x12348000u, .edx = 0x55555555u, .eflags = 0x2 });
    run_show("cdq 0x7fffffff", x_cdq, (struct regs){ .eax = 0x7fffffffu, .edx = 0x55555555u, .eflags = 0x2 });
    run_show("cdq 0x80000000", x_cdq, (struct regs){ .eax = 0x80000000u, .edx = 0x55555555u, .eflags = 0x2 });

    static u32 cell;
    cell = 0x8081fe7fu;
    const struct regs ext = { .eax = 0x1234ab80u, .ebx = 0x5566f7aau, .ecx = 0xccccccccu, .esi = (u32)&cell,
                              .eflags = 0x2 };
    run_show("movzx r32,r8", x_movzx_r32_r8, ext);
    run_show("movzx r32,ah", x_movzx_r32_ah, ext);
    run_show("movzx r32,r16", x_movzx_r32_r16, ext);
    run_show("movzx r16,r8", x_movzx_r16_r8, ext);
    run_show("movzx r32,m8", x_movzx_r32_m8, ext);
    run_show("movzx r32,m16", x_movzx_r32_m16, ext);
    run_show("movsx r32,r8", x_movsx_r32_r8, ext);
    run_show("movsx r32,bh", x_movsx_r32_bh, ext);
    run_show("movsx r32,r16", x_movsx_r32_r16, ext);
    run_show("movsx r16,r8", x_movsx_r16_r8, ext);
    run_show("movsx r32,m8", x_movsx_r32_m8, ext);
    run_show("movsx r32,m16", x_movsx_r32_m16, ext);

    const struct regs two = { .eax = 0x11112233u, .ebx = 0x33334444u, .ecx = 0x55556666u, .edx = 0x77778888u,
                              .esi = (u32)&cell, .eflags = 0x2 };
    run_show("xchg eax,ecx", x_xchg_eax_ecx, two);
    run_show("xchg ax,cx", x_xchg_ax_cx, two);
    run_show("xchg ebx,edx", x_xchg_ebx_edx, two);
    run_show("xchg al,ah", x_xchg_al_ah, two);
    cell = 0x9999aaaau;
    run_show("xchg m32,ecx", x_xchg_m32, two);
    printf("  memory 0x%08x\n", cell);
    run_show("xchg m8,dl", x_xchg_m8, two);
    printf("  memory 0x%08x\n", cell);
    run_show("nop (90)", x_nop90, two);

    run_show("xadd r32", x_xadd_r32, (struct regs){ .eax = 0x7fffffffu, .ecx = 1, .eflags = 0x2 });
    run_show("xadd r16", x_xadd_r16, (struct regs){ .eax = 0x1111ffffu, .ecx = 0x22220001u, .eflags = 0x2 });
    run_show("xadd r8", x_xadd_r8, (struct regs){ .eax = 0x1111110fu, .ecx = 0x22222201u, .eflags = 0x2 });
    cell = 0x80000000u;
    run_show("xadd m32", x_xadd_m32, (struct regs){ .ecx = 0x80000000u, .esi = (u32)&cell, .eflags = 0x2 });
    printf("  memory 0x%08x\n", cell);
}

static void compare_exchange_tests(void)
{
    static u32 cell;
    static u32 pair[2];
    run_show("cmpxchg r32 equal", x_cmpxchg_r32,
             (struct regs){ .eax = 0x1234u, .ecx = 0x1234u, .edx = 0xabcdu, .eflags = 0x2 });
    run_show("cmpxchg r32 differ", x_cmpxchg_r32,
             (struct regs){ .eax = 0x1234u, .ecx = 0x8765u, .edx = 0xabcdu, .eflags = 0x2 });
    run_show("cmpxchg r16 equal", x_cmpxchg_r16,
             (struct regs){ .eax = 0xaaaa0005u, .ecx = 0xbbbb0005u, .edx = 0xcccc0007u, .eflags = 0x2 });
    run_show("cmpxchg r16 differ", x_cmpxchg_r16,
             (struct regs){ .eax = 0xaaaa0005u, .ecx = 0xbbbb8000u, .edx = 0xcccc0007u, .eflags = 0x2 });
    run_show("cmpxchg r8 equal", x_cmpxchg_r8,
             (struct regs){ .eax = 0xaaaaaa80u, .ecx = 0xbbbbbb80u, .edx = 0xcccccc01u, .eflags = 0x2 });
    run_show("cmpxchg r8 differ", x_cmpxchg_r8,
             (struct regs){ .eax = 0xaaaaaa00u, .ecx = 0xbbbbbb80u, .edx = 0xcccccc01u, .eflags = 0x2 });
    cell = 42;
    run_show("cmpxchg m32 equal", x_cmpxchg_m32,
             (struct regs){ .eax = 42, .edx = 99, .esi = (u32)&cell, .eflags = 0x2 });
    printf("  memory 0x%08x\n", cell);
    run_show("cmpxchg m32 differ", x_cmpxchg_m32,
             (struct regs){ .eax = 42, .edx = 7, .esi = (u32)&cell, .eflags = 0x2 });
    printf("  memory 0x%08x\n", cell);
    pair[0] = 0x22222222u;
    pair[1] = 0x11111111u;
    run_show("cmpxchg8b equal", x_cmpxchg8b,
             (struct regs){ .eax = 0x22222222u, .edx = 0x11111111u, .ebx = 0x44444444u, .ecx = 0x33333333u,
                            .esi = (u32)pair, .eflags = 0x2 | (EFLAGS_STATUS & ~EFLAGS_ZF) });
    printf("  memory 0x%08x:0x%08x\n", pair[1], pair[0]);
    run_show("cmpxchg8b differ", x_cmpxchg8b,
             (struct regs){ .eax = 0, .edx = 0, .ebx = 0x66666666u, .ecx = 0x55555555u, .esi = (u32)pair,
                            .eflags = 0x2 | EFLAGS_STATUS });
    printf("  memory 0x%08x:0x%08x\n", pair[1], pair[0]);
}

/* flag combination k: CF = bit 0, PF = bit 1, ZF = bit 2, SF = bit 3, OF = bit 4 */
static u32 combination(int k)
{
    return 0x2 | (k & 1 ? EFLAGS_CF : 0) | (k & 2 ? EFLAGS_PF : 0) | (k & 4 ? EFLAGS_ZF : 0) |
           (k & 8 ? EFLAGS_SF : 0) | (k & 16 ? EFLAGS_OF : 0);
}

static void condition_tests(void)
{
    static u8 byte_cell;
    static u16 word_cell;
    puts("conditions: flag combination k has CF=bit0 PF=bit1 ZF=bit2 SF=bit3 OF=bit4, k=0..31\n");
    for (int cc = 0; cc < 16; cc++) {
        char set[33], set_m[33], mov[33], mov_m[33];
        for (int k = 0; k < 32; k++) {
            struct regs r = { .eax = 0x5555aaaau, .ecx = 0x12345678u, .esi = (u32)&byte_cell, .eflags = combination(k) };
            setcc_table[cc](&r);
            set[k] = (r.eax & 0xffffff00u) != 0x5555aa00u ? '?' : (char)('0' + (r.eax & 0xff));
            byte_cell = 0x77;
            setcc_m_table[cc](&r);
            set_m[k] = byte_cell > 1 ? '?' : (char)('0' + byte_cell);
            r = (struct regs){ .eax = 0x11111111u, .ecx = 0x22222222u, .eflags = combination(k) };
            cmovcc_table[cc](&r);
            mov[k] = r.eax == 0x22222222u ? '1' : r.eax == 0x11111111u ? '0' : '?';
            word_cell = 0x3333;
            r = (struct regs){ .eax = 0x11111111u, .esi = (u32)&word_cell, .eflags = combination(k) };
            cmovcc_m_table[cc](&r);
            mov_m[k] = r.eax == 0x11113333u ? '1' : r.eax == 0x11111111u ? '0' : '?';
        }
        set[32] = set_m[32] = mov[32] = mov_m[32] = 0;
        printf("set%s r8 %s m8 %s\n", cc_names[cc], set, set_m);
        printf("cmov%s r32 %s r16,m16 %s\n", cc_names[cc], mov, mov_m);
    }
}

static int contains_esp(const char *s)
{
    for (; *s; s++)
        if (s[0] == 'e' && s[1] == 's' && s[2] == 'p')
            return 1;
    return 0;
}

static void lea_tests(void)
{
    x_lea_all();
    puts("lea: ecx=0x00002000 edx=0x00031234 ebx=0x0040fff0 ebp=0x05008000 esi=0x60000010 edi=0x7000fffe\n");
    for (u32 i = 0; i < lea_count; i++) {
        if (contains_esp(lea_names[i]))
            printf("%s -> esp+0x%x\n", lea_names[i], lea_results[i] - lea_esp);
        else
            printf("%s -> 0x%08x\n", lea_names[i], lea_results[i]);
    }
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("bits: begin\n");
    bit_tests();
    scan_tests();
    misc_tests();
    compare_exchange_tests();
    condition_tests();
    lea_tests();
    puts("bits: end\n");
}
