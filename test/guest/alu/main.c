/* alu: integer arithmetic and logic (Intel SDM Vol. 2: ADD ADC SUB SBB AND OR XOR CMP TEST INC DEC NEG NOT) on 8-, 16-
 * and 32-bit operands over a table of edge values, in several encodings (ops.asm). Prints each result and the
 * status flags the SDM defines for the operation ('.' where it leaves a flag undefined: AF after logic ops). */
#include "asm_case.h"

extern const struct asm_case alu_cases[], alu_cases_end[];

/* zero, one, a carry into the next byte or word, largest positive, smallest negative, all ones */
static const u32 values8[6] = { 0x00, 0x01, 0x0f, 0x7f, 0x80, 0xff };
static const u32 values16[6] = { 0x0000, 0x0001, 0x00ff, 0x7fff, 0x8000, 0xffff };
static const u32 values32[6] = { 0x00000000, 0x00000001, 0x0000ffff, 0x7fffffff, 0x80000000, 0xffffffff };

/* operand pairs (indices into the value table) for the encodings other than the register form */
static const u8 form_pairs[6][2] = { { 0, 1 }, { 1, 3 }, { 3, 1 }, { 4, 4 }, { 5, 1 }, { 2, 5 } };
static const u8 imm_values[3] = { 1, 3, 5 };

static const u32 *values_for(u32 size)
{
    return size == 8 ? values8 : size == 16 ? values16 : values32;
}

static u32 with_canary(u32 v, u32 size, u32 shift)
{
    u32 mask = size_mask(size) << shift;
    return (CANARY & ~mask) | ((v << shift) & mask);
}

static void run_one(const struct asm_case *c, u32 a, u32 b, u32 flags_in)
{
    u32 mask = size_mask(c->size);
    u32 flags_out = 0;
    u32 raw = c->fn(with_canary(a, c->size, c->shift), with_canary(b, c->size, c->shift), flags_in, &flags_out);
    u32 result = (raw >> c->shift) & mask;
    printf("%s%u %s ", c->op, c->size, c->form);
    if (c->cfmode == CF_BOTH)
        printf("in:cf=%u ", flags_in & EFLAGS_CF);
    else if (c->cfmode == CF_FLAGS)
        printf("in:all=%u ", (flags_in & EFLAGS_STATUS) ? 1 : 0);
    print_sized(a, c->size);
    if (c->kind != KIND_UNARY) {
        puts(",");
        print_sized(b, c->size);
    }
    puts(" -> ");
    print_sized(result, c->size);
    printf(" %s", flags_str(flags_out, c->defined));
    if ((raw & ~(mask << c->shift)) != (CANARY & ~(mask << c->shift)))
        puts(" CLOBBERED");
    puts("\n");
}

/* the flag inputs a case runs with */
static void run_flags(const struct asm_case *c, u32 a, u32 b)
{
    if (c->cfmode == CF_BOTH) {
        run_one(c, a, b, 0x2 | (EFLAGS_STATUS & ~EFLAGS_CF));
        run_one(c, a, b, 0x2 | EFLAGS_STATUS);
    } else if (c->cfmode == CF_FLAGS) {
        run_one(c, a, b, 0x2);
        run_one(c, a, b, 0x2 | EFLAGS_STATUS);
    } else {
        run_one(c, a, b, 0x2 | EFLAGS_STATUS);
    }
}

static void run_case(const struct asm_case *c)
{
    const u32 *v = values_for(c->size);
    int full_matrix = c->form[0] == 'r' && c->form[1] == 'r' && c->form[2] == 0;
    if (c->kind == KIND_UNARY) {
        for (int i = 0; i < 6; i++)
            run_flags(c, v[i], 0);
    } else if (c->kind == KIND_IMM) {
        for (int i = 0; i < 3; i++)
            run_flags(c, v[imm_values[i]], c->imm);
    } else if (full_matrix) {
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                run_flags(c, v[i], v[j]);
    } else {
        for (int i = 0; i < 6; i++)
            run_flags(c, v[form_pairs[i][0]], v[form_pairs[i][1]]);
    }
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("alu: begin\n");
    for (const struct asm_case *c = alu_cases; c < alu_cases_end; c++)
        run_case(c);
    puts("alu: end\n");
}
