/* shift: shifts, rotates and double shifts on 8, 16 and 32 bits with counts 0, 1, around the operand size and
 * past 31 (the count is masked to 5 bits first). Prints the result and the flags the SDM defines for that count:
 * none change for a masked count of 0; OF only for a count of 1; AF never after a shift; CF not after SHL/SHR by
 * the operand size or more; rotates keep SF ZF AF PF. SHLD/SHRD on 16 bits with a count above 16 are undefined. */
#include "asm_case.h"

extern const struct asm_case shift_cases[], shift_cases_end[];

static const u32 values8[2] = { 0x81, 0x56 };
static const u32 values16[2] = { 0x8001, 0x5a3c };
static const u32 values32[2] = { 0x80000001, 0x5a3cc3a5 };
static const u32 counts8[] = { 0, 1, 4, 7, 8, 9, 16, 17, 31, 32, 33 };
static const u32 counts16[] = { 0, 1, 4, 15, 16, 17, 31, 32, 33 };
static const u32 counts32[] = { 0, 1, 4, 31, 32, 33 };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int is(const struct asm_case *c, const char *op)
{
    const char *p = c->op;
    while (*p && *p == *op)
        p++, op++;
    return *p == *op;
}

static int is_double(const struct asm_case *c) { return is(c, "shld") || is(c, "shrd"); }
static int is_rotate(const struct asm_case *c) { return c->op[0] == 'r'; }

/* the double shifts leave a 16-bit result undefined for a masked count above 16 */
static int result_defined(const struct asm_case *c, u32 count)
{
    return !(is_double(c) && c->size == 16 && (count & 0x1f) > 16);
}

static u32 defined_flags(const struct asm_case *c, u32 count)
{
    u32 masked = count & 0x1f;
    u32 defined;
    if (masked == 0)
        return EFLAGS_STATUS;
    if (is_rotate(c)) {
        defined = EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF | EFLAGS_CF;
    } else {
        defined = EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF;
        if ((is(c, "shl") || is(c, "shr")) && masked >= c->size)
            defined &= ~EFLAGS_CF;
    }
    if (masked == 1)
        defined |= EFLAGS_OF;
    return defined;
}

static void run_one(const struct asm_case *c, u32 a, u32 count, u32 flags_in)
{
    u32 mask = size_mask(c->size);
    u32 flags_out = 0;
    u32 raw = c->fn((CANARY & ~mask) | a, count, flags_in, &flags_out);
    printf("%s%u %s in:all=%u ", c->op, c->size, c->form, (flags_in & EFLAGS_STATUS) ? 1 : 0);
    print_sized(a, c->size);
    printf(" count=%u -> ", count);
    print_sized(raw & mask, c->size);
    printf(" %s", flags_str(flags_out, defined_flags(c, count)));
    if ((raw & ~mask) != (CANARY & ~mask))
        puts(" CLOBBERED");
    puts("\n");
}

static void run_case(const struct asm_case *c)
{
    const u32 *values = c->size == 8 ? values8 : c->size == 16 ? values16 : values32;
    const u32 *counts = c->size == 8 ? counts8 : c->size == 16 ? counts16 : counts32;
    u32 n = c->size == 8 ? COUNT(counts8) : c->size == 16 ? COUNT(counts16) : COUNT(counts32);
    u32 fixed = c->kind == KIND_IMM ? c->imm : 1;
    for (int v = 0; v < 2; v++) {
        for (u32 i = 0; i < (c->kind == KIND_BIN ? n : 1); i++) {
            u32 count = c->kind == KIND_BIN ? counts[i] : fixed;
            if (!result_defined(c, count))
                continue;
            run_one(c, values[v], count, 0x2);
            run_one(c, values[v], count, 0x2 | EFLAGS_STATUS);
        }
    }
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("shift: begin\n");
    for (const struct asm_case *c = shift_cases; c < shift_cases_end; c++)
        run_case(c);
    puts("shift: end\n");
}
