/* Host unit test of kernel/arch/descriptor.c (the very file the kernel links): exact descriptor bytes
 * for every descriptor the kernel builds, the decoders, and the encodings that must be refused.
 * Built by `make -C kernel hosttest`; test/kernel/descriptor.test.ts runs it. Prints one line per
 * check ("ok ..." / "FAIL ...") and exits 1 if any failed. */
#include <stdio.h>
#include <string.h>
#include <kernel/descriptor.h>

static int failures, checks;

/* Compares the 8 bytes of a descriptor with want. */
static void expect_bytes(const char *what, const void *desc, const unsigned char want[8])
{
    const unsigned char *b = desc;
    checks++;
    if (memcmp(b, want, 8) == 0) {
        printf("ok %s\n", what);
        return;
    }
    failures++;
    printf("FAIL %s: got", what);
    for (int i = 0; i < 8; i++)
        printf(" %02x", b[i]);
    printf(", want");
    for (int i = 0; i < 8; i++)
        printf(" %02x", want[i]);
    printf("\n");
}

static void expect_true(const char *what, int cond)
{
    checks++;
    if (cond) {
        printf("ok %s\n", what);
    } else {
        failures++;
        printf("FAIL %s\n", what);
    }
}

/* Encodes spec and checks the bytes. */
static void segment(const char *what, enum seg_kind kind, unsigned base, unsigned limit, unsigned dpl,
                    const unsigned char want[8])
{
    struct seg_descriptor d;
    struct seg_spec spec = { kind, base, limit, dpl };
    expect_true(what, seg_encode(&d, &spec));
    expect_bytes(what, &d, want);
    char name[128];
    snprintf(name, sizeof name, "%s decodes back", what);
    expect_true(name, seg_base(&d) == base && seg_limit(&d) == limit && seg_dpl(&d) == dpl && seg_present(&d));
}

int main(void)
{
    /* SDM Vol. 3A Figure 3-8: limit 15:0, base 15:0, base 23:16, P|DPL|S|type, G|D|L|AVL|limit 19:16, base 31:24 */
    segment("kernel code: flat, DPL 0", SEG_CODE, 0, 0xFFFFFFFF, 0,
            (const unsigned char[8]){ 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x9A, 0xCF, 0x00 });
    segment("kernel data: flat, DPL 0", SEG_DATA, 0, 0xFFFFFFFF, 0,
            (const unsigned char[8]){ 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x92, 0xCF, 0x00 });
    segment("user code: limit 0xBFFFFFFF, DPL 3", SEG_CODE, 0, 0xBFFFFFFF, 3,
            (const unsigned char[8]){ 0xFF, 0xFF, 0x00, 0x00, 0x00, 0xFA, 0xCB, 0x00 });
    segment("user data: limit 0xBFFFFFFF, DPL 3", SEG_DATA, 0, 0xBFFFFFFF, 3,
            (const unsigned char[8]){ 0xFF, 0xFF, 0x00, 0x00, 0x00, 0xF2, 0xCB, 0x00 });
    segment("TSS: 104 bytes at 0xC0123480", SEG_TSS32, 0xC0123480, 103, 0,
            (const unsigned char[8]){ 0x67, 0x00, 0x80, 0x34, 0x12, 0x89, 0x00, 0xC0 });
    segment("LDT: 4 entries at 0xC0200010", SEG_LDT, 0xC0200010, 31, 0,
            (const unsigned char[8]){ 0x1F, 0x00, 0x10, 0x00, 0x20, 0x82, 0x00, 0xC0 });
    segment("byte-granular data segment, DPL 2", SEG_DATA, 0x12345678, 0xABCDE, 2,
            (const unsigned char[8]){ 0xDE, 0xBC, 0x78, 0x56, 0x34, 0xD2, 0x4A, 0x12 });

    struct seg_descriptor d;
    struct seg_spec bad_limit = { SEG_DATA, 0, 0x00200000, 0 }; /* > 1 MiB but not 4 KiB granular */
    expect_true("refuses a limit that is neither byte- nor page-granular", !seg_encode(&d, &bad_limit));
    expect_bytes("a refused descriptor is all zero", &d, (const unsigned char[8]){ 0 });
    struct seg_spec bad_dpl = { SEG_CODE, 0, 0xFFFFFFFF, 4 };
    expect_true("refuses DPL 4", !seg_encode(&d, &bad_dpl));
    struct seg_spec big_tss = { SEG_TSS32, 0, 0x1FFFFF, 0 };
    expect_true("refuses a system segment over 1 MiB", !seg_encode(&d, &big_tss));

    /* SDM Vol. 3A Figure 6-2: offset 15:0, selector, 0, P|DPL|0|type, offset 31:16 */
    struct gate_descriptor g;
    expect_true("interrupt gate encodes", gate_encode(&g, GATE_INTERRUPT32, 0x08, 0xC0105A30, 0));
    expect_bytes("interrupt gate, DPL 0, 0x08:0xC0105A30", &g,
                 (const unsigned char[8]){ 0x30, 0x5A, 0x08, 0x00, 0x00, 0x8E, 0x10, 0xC0 });
    expect_true("trap gate encodes", gate_encode(&g, GATE_TRAP32, 0x08, 0xC0100123, 3));
    expect_bytes("syscall trap gate, DPL 3, 0x08:0xC0100123", &g,
                 (const unsigned char[8]){ 0x23, 0x01, 0x08, 0x00, 0x00, 0xEF, 0x10, 0xC0 });
    expect_true("gate offset decodes", gate_offset(&g) == 0xC0100123);
    expect_true("task gate encodes", gate_encode(&g, GATE_TASK, 0x38, 0xC0100123, 0));
    expect_bytes("double-fault task gate to TSS 0x38", &g,
                 (const unsigned char[8]){ 0x00, 0x00, 0x38, 0x00, 0x00, 0x85, 0x00, 0x00 });
    expect_true("refuses a DPL 5 gate", !gate_encode(&g, GATE_TRAP32, 0x08, 0, 5));

    expect_true("selector_make(3, GDT, RPL 3) == 0x1B", selector_make(3, 0, 3) == 0x1B);
    expect_true("selector_make(1, LDT, RPL 3) == 0x0F", selector_make(1, 1, 3) == 0x0F);
    expect_true("struct tss32 is 104 bytes", sizeof(struct tss32) == 104);
    expect_true("TSS esp0 at offset 4, ss0 at 8, iomap base at 102",
                __builtin_offsetof(struct tss32, esp0) == 4 && __builtin_offsetof(struct tss32, ss0) == 8 &&
                    __builtin_offsetof(struct tss32, iomap_base) == 102);

    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
