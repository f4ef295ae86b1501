/* The case tables that the assembly programs (alu, shift) build with lib/cases.inc, and the helpers that print
 * their results: one line per run, "<op><size> <form> [in:..] <a>[,<b>] -> <result> <flags> [CLOBBERED]". */
#ifndef ASM_CASE_H
#define ASM_CASE_H
#include "guest.h"

enum { KIND_BIN = 0, KIND_IMM = 1, KIND_UNARY = 2 };
enum { CF_NONE = 0, CF_BOTH = 1, CF_FLAGS = 2 };

typedef u32 (*asm_case_fn)(u32 a, u32 b, u32 flags_in, u32 *flags_out);

struct asm_case {
    const char *op, *form;
    u32 size, kind, imm, defined, cfmode, shift;
    asm_case_fn fn;
};

/* fills the bits of a register or memory word that the operation must leave alone */
#define CANARY 0xa5c3e17bu

static inline u32 size_mask(u32 size) { return size == 32 ? 0xffffffffu : (1u << size) - 1; }

/* prints v as 2, 4 or 8 hex digits */
static inline void print_sized(u32 v, u32 size)
{
    if (size == 8)
        printf("0x%02x", v & 0xff);
    else if (size == 16)
        printf("0x%04x", v & 0xffff);
    else
        printf("0x%08x", v);
}
#endif
