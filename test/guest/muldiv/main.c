/* muldiv: MUL, IMUL (1-, 2- and 3-operand forms) and DIV, IDIV on 8, 16 and 32 bits (Intel SDM Vol. 2).
 * Multiplication prints the full result and CF/OF (SF ZF AF PF are undefined); division prints quotient and
 * remainder, or #DE for a zero divisor and for a quotient too large (also -2^31 / -1), where nothing may change. */
#include "guest.h"

struct md_regs {
    u32 eax, edx, src, ecx, flags_in, flags_out;
};
typedef void (*md_fn)(struct md_regs *);

#define DECLARE(name) extern void md_##name(struct md_regs *); extern const u8 md_##name##_insn[];
DECLARE(mul8_r) DECLARE(mul16_r) DECLARE(mul32_r) DECLARE(mul8_m) DECLARE(mul32_m)
DECLARE(imul8_r) DECLARE(imul16_r) DECLARE(imul32_r) DECLARE(imul16_m) DECLARE(imul32_m)
DECLARE(imul16_rr) DECLARE(imul32_rr) DECLARE(imul32_rm)
DECLARE(imul32_ri8) DECLARE(imul32_ri32) DECLARE(imul32_mi8) DECLARE(imul16_ri8) DECLARE(imul16_ri16)
DECLARE(div8_r) DECLARE(div16_r) DECLARE(div32_r) DECLARE(div8_m) DECLARE(div32_m)
DECLARE(idiv8_r) DECLARE(idiv16_r) DECLARE(idiv32_r) DECLARE(idiv32_m)

#define CF_OF (EFLAGS_CF | EFLAGS_OF)
#define FLAGS_IN (0x2 | EFLAGS_STATUS)

static const u32 values8[6] = { 0x00, 0x01, 0x0f, 0x7f, 0x80, 0xff };
static const u32 values16[6] = { 0x0000, 0x0001, 0x00ff, 0x7fff, 0x8000, 0xffff };
static const u32 values32[6] = { 0x00000000, 0x00000001, 0x0000ffff, 0x7fffffff, 0x80000000, 0xffffffff };

static void hex(u32 v, u32 size)
{
    if (size == 8)
        printf("0x%02x", v & 0xff);
    else if (size == 16)
        printf("0x%04x", v & 0xffff);
    else
        printf("0x%08x", v);
}

/* one-operand MUL/IMUL: AL*src -> AX, AX*src -> DX:AX, EAX*src -> EDX:EAX */
static void widening(const char *name, md_fn fn, u32 size, u32 a, u32 b)
{
    struct md_regs r = { 0xa5a5a5a5u, 0x5a5a5a5au, 0, 0, FLAGS_IN, 0 };
    u32 mask = size == 8 ? 0xff : size == 16 ? 0xffff : 0xffffffffu;
    r.eax = (r.eax & ~mask) | a;
    r.src = (0xc3c3c3c3u & ~mask) | b;
    fn(&r);
    printf("%s ", name);
    hex(a, size);
    puts("*");
    hex(b, size);
    puts(" -> ");
    if (size == 8) {
        printf("ax=0x%04x", r.eax & 0xffff);
    } else {
        hex(r.edx, size);
        puts(":");
        hex(r.eax, size);
    }
    printf(" %s\n", flags_str(r.flags_out, CF_OF));
}

/* two- and three-operand IMUL: ECX (CX) = truncated product; 'c' is the first factor of the two-operand form */
static void truncating(const char *name, md_fn fn, u32 size, int two_operands, u32 c, u32 b)
{
    struct md_regs r = { 0, 0, b, c, FLAGS_IN, 0 };
    u32 mask = size == 16 ? 0xffff : 0xffffffffu;
    r.ecx = (0x5a5a5a5au & ~mask) | c;
    fn(&r);
    printf("%s ", name);
    if (two_operands) {
        hex(c, size);
        puts(",");
    }
    hex(b, size);
    puts(" -> ");
    hex(r.ecx, size);
    if ((r.ecx & ~mask) != (0x5a5a5a5au & ~mask))
        puts(" CLOBBERED");
    printf(" %s\n", flags_str(r.flags_out, CF_OF));
}

struct div_case {
    u32 hi, lo, divisor;
};

static void divide(const char *name, md_fn fn, const u8 *insn, u32 size, const struct div_case *c)
{
    struct md_regs r = { c->lo, c->hi, c->divisor, 0x12345678u, FLAGS_IN, 0 };
    if (size == 8) {
        r.eax = (0xa5a50000u) | ((c->hi & 0xff) << 8) | (c->lo & 0xff);
        r.edx = 0x5a5a5a5au;
    } else if (size == 16) {
        r.eax = 0xa5a50000u | (c->lo & 0xffff);
        r.edx = 0x5a5a0000u | (c->hi & 0xffff);
    }
    struct md_regs before = r;
    int v = try_call((void (*)(void *))fn, &r);
    printf("%s ", name);
    hex(c->hi, size);
    puts(":");
    hex(c->lo, size);
    puts("/");
    hex(c->divisor, size);
    puts(" -> ");
    if (v >= 0) {
        int unchanged = r.eax == before.eax && r.edx == before.edx && r.ecx == before.ecx;
        printf("%s at_insn=%u regs_unchanged=%u\n", fault_str(v), last_fault.eip == (u32)insn, unchanged);
    } else if (size == 8) {
        printf("q=0x%02x r=0x%02x upper=0x%04x\n", r.eax & 0xff, (r.eax >> 8) & 0xff, r.eax >> 16);
    } else {
        puts("q=");
        hex(r.eax, size);
        puts(" r=");
        hex(r.edx, size);
        if (size == 16)
            printf(" upper=0x%04x,0x%04x", r.eax >> 16, r.edx >> 16);
        puts("\n");
    }
}

static const struct div_case div8[] = {
    { 0x00, 0x64, 0x07 }, { 0x00, 0xff, 0x01 }, { 0x01, 0x00, 0x02 }, { 0x06, 0xff, 0x07 }, { 0x07, 0x00, 0x07 },
    { 0x01, 0x00, 0x01 }, { 0x00, 0x05, 0x00 }, { 0xff, 0xff, 0xff },
};
static const struct div_case idiv8[] = {
    { 0xff, 0xf9, 0x02 }, { 0x00, 0x07, 0xfe }, { 0xff, 0xf9, 0xfe }, { 0xff, 0x80, 0xff }, { 0xff, 0x80, 0x01 },
    { 0x00, 0x80, 0x01 }, { 0x40, 0x00, 0x80 }, { 0xc0, 0x00, 0x80 }, { 0x00, 0x05, 0x00 }, { 0x3f, 0x80, 0x7f },
};
static const struct div_case div16[] = {
    { 0x0000, 0x0064, 0x0007 }, { 0x0000, 0xffff, 0x0001 }, { 0x0001, 0x0000, 0x0002 }, { 0x0006, 0xffff, 0x0007 },
    { 0x0007, 0x0000, 0x0007 }, { 0x0000, 0x0005, 0x0000 }, { 0xffff, 0xffff, 0xffff },
};
static const struct div_case idiv16[] = {
    { 0xffff, 0xfff9, 0x0002 }, { 0x0000, 0x0007, 0xfffe }, { 0xffff, 0xfff9, 0xfffe }, { 0xffff, 0x8000, 0xffff },
    { 0xffff, 0x8000, 0x0001 }, { 0x0000, 0x8000, 0x0001 }, { 0x4000, 0x0000, 0x8000 }, { 0xc000, 0x0000, 0x8000 },
    { 0x0000, 0x0005, 0x0000 },
};
static const struct div_case div32[] = {
    { 0, 100, 7 }, { 0, 0xffffffffu, 1 }, { 1, 0, 2 }, { 6, 0xffffffffu, 7 }, { 7, 0, 7 },
    { 0, 5, 0 }, { 0xffffffffu, 0xffffffffu, 0xffffffffu }, { 0x12345678u, 0x9abcdef0u, 0x87654321u },
};
static const struct div_case idiv32[] = {
    { 0xffffffffu, 0xfffffff9u, 2 }, { 0, 7, 0xfffffffeu }, { 0xffffffffu, 0xfffffff9u, 0xfffffffeu },
    { 0xffffffffu, 0x80000000u, 0xffffffffu }, { 0xffffffffu, 0x80000000u, 1 }, { 0, 0x80000000u, 1 },
    { 0x40000000u, 0, 0x80000000u }, { 0xc0000000u, 0, 0x80000000u }, { 0xc0000000u, 0, 0x7fffffffu },
    { 0, 5, 0 }, { 0xfedcba98u, 0x76543210u, 0x12345678u },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void run_widening(const char *name, md_fn fn, u32 size, const u32 *values)
{
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            widening(name, fn, size, values[i], values[j]);
}

static void run_widening_pairs(const char *name, md_fn fn, u32 size, const u32 *values)
{
    for (int i = 0; i < 6; i++)
        widening(name, fn, size, values[i], values[5 - i]);
}

static void run_divide(const char *name, md_fn fn, const u8 *insn, u32 size, const struct div_case *cases, u32 n)
{
    for (u32 i = 0; i < n; i++)
        divide(name, fn, insn, size, &cases[i]);
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("muldiv: begin\n");
    run_widening("mul8 r", md_mul8_r, 8, values8);
    run_widening("mul16 r", md_mul16_r, 16, values16);
    run_widening("mul32 r", md_mul32_r, 32, values32);
    run_widening_pairs("mul8 m", md_mul8_m, 8, values8);
    run_widening_pairs("mul32 m", md_mul32_m, 32, values32);
    run_widening("imul8 r", md_imul8_r, 8, values8);
    run_widening("imul16 r", md_imul16_r, 16, values16);
    run_widening("imul32 r", md_imul32_r, 32, values32);
    run_widening_pairs("imul16 m", md_imul16_m, 16, values16);
    run_widening_pairs("imul32 m", md_imul32_m, 32, values32);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            truncating("imul16 r,r", md_imul16_rr, 16, 1, values16[i], values16[j]);
            truncating("imul32 r,r", md_imul32_rr, 32, 1, values32[i], values32[j]);
        }
    for (int i = 0; i < 6; i++) {
        truncating("imul32 r,m", md_imul32_rm, 32, 1, values32[i], values32[5 - i]);
        truncating("imul32 r,r,-2", md_imul32_ri8, 32, 0, 0x5a5a5a5au, values32[i]);
        truncating("imul32 r,r,0x40000001", md_imul32_ri32, 32, 0, 0x5a5a5a5au, values32[i]);
        truncating("imul32 r,m,0x7f", md_imul32_mi8, 32, 0, 0x5a5a5a5au, values32[i]);
        truncating("imul16 r,r,-128", md_imul16_ri8, 16, 0, 0x5a5a5a5au, values16[i]);
        truncating("imul16 r,r,0x1234", md_imul16_ri16, 16, 0, 0x5a5a5a5au, values16[i]);
    }
    run_divide("div8 r", md_div8_r, md_div8_r_insn, 8, div8, COUNT(div8));
    run_divide("div8 m", md_div8_m, md_div8_m_insn, 8, div8, COUNT(div8));
    run_divide("idiv8 r", md_idiv8_r, md_idiv8_r_insn, 8, idiv8, COUNT(idiv8));
    run_divide("div16 r", md_div16_r, md_div16_r_insn, 16, div16, COUNT(div16));
    run_divide("idiv16 r", md_idiv16_r, md_idiv16_r_insn, 16, idiv16, COUNT(idiv16));
    run_divide("div32 r", md_div32_r, md_div32_r_insn, 32, div32, COUNT(div32));
    run_divide("div32 m", md_div32_m, md_div32_m_insn, 32, div32, COUNT(div32));
    run_divide("idiv32 r", md_idiv32_r, md_idiv32_r_insn, 32, idiv32, COUNT(idiv32));
    run_divide("idiv32 m", md_idiv32_m, md_idiv32_m_insn, 32, idiv32, COUNT(idiv32));
    printf("faults taken: %u\n", last_fault.taken);
    puts("muldiv: end\n");
}
