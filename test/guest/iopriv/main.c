/* iopriv: I/O privilege (Intel SDM Vol. 1 §19.5, Vol. 3A §5.x): IN OUT INS OUTS against IOPL and the TSS I/O
 * permission bitmap (single ports, words and dwords needing every bit clear, a word straddling two bitmap bytes,
 * the two bytes the CPU reads against the TSS limit, a bitmap base beyond the limit), IOPL shared by rings 1 and
 * 2, CLI/STI, and POPF and IRET changing IF only when CPL <= IOPL and IOPL only at CPL 0, silently otherwise. */
#include "ring.h"

extern u32 io_flags, io_value, io_buffer;
extern void io_in8(void *), io_in8_imm(void *), io_in16(void *), io_in32(void *), io_out8(void *),
    io_out8_imm(void *), io_out16(void *), io_out32(void *), io_ins8(void *), io_outs8(void *), io_cli(void *),
    io_sti(void *), io_popf(void *), io_iret(void *), io_pushf(void *);

#define IOPL(n) ((u32)(n) << 12)

static int at(int ring, u32 iopl, void (*fn)(void *), u32 arg)
{
    io_flags = 0xffffffffu;
    if (ring == 0) { /* CPL 0: this very ring, with the chosen IOPL */
        u32 saved = read_eflags();
        write_eflags(0x2 | IOPL(iopl));
        int v = try_call(fn, (void *)arg);
        write_eflags(saved);
        return v;
    }
    u16 data = ring_data_sel(ring);
    struct ring_entry e = { (u32)ring, 0x2 | IOPL(iopl), data, data, data, data };
    return ring_run_with(&e, fn, (void *)arg);
}

static void io(const char *what, int ring, u32 iopl, void (*fn)(void *), u32 port)
{
    printf("%s at CPL %d IOPL %u -> %s\n", what, ring, iopl, at(ring, iopl, fn, port) < 0 ? "ok" : fault_str((int)last_fault.vector));
}

static void flags(const char *what, int ring, u32 iopl, void (*fn)(void *), u32 arg)
{
    int v = at(ring, iopl, fn, arg);
    printf("%s at CPL %d IOPL %u -> ", what, ring, iopl);
    if (v >= 0)
        printf("%s\n", fault_str(v));
    else
        printf("ok IF=%u IOPL=%u\n", !!(io_flags & EFLAGS_IF), (io_flags >> 12) & 3);
}

static void bitmap(void)
{
    iomap_deny_all();
    io("in al, 0x21 (bitmap denies all)", 3, 0, io_in8_imm, 0);
    io("in al, dx=0x21 (bitmap denies all)", 3, 0, io_in8, 0x21);
    io("out 0x80, al (bitmap denies all)", 3, 0, io_out8_imm, 0);
    io("insb dx=0x21 (bitmap denies all)", 3, 0, io_ins8, 0x21);
    io("outsb dx=0x80 (bitmap denies all)", 3, 0, io_outs8, 0x80);
    io("in al, 0x21 (bitmap denies all)", 0, 0, io_in8_imm, 0);
    iomap_set(0x21, 1, 1);
    iomap_set(0x80, 1, 1);
    io_value = 0;
    io("in al, 0x21 (port 0x21 allowed)", 3, 0, io_in8_imm, 0);
    printf("  value 0x%02x\n", io_value & 0xff);
    io("in al, dx=0x21 (port 0x21 allowed)", 3, 0, io_in8, 0x21);
    io_buffer = 0;
    io("insb dx=0x21 (port 0x21 allowed)", 3, 0, io_ins8, 0x21);
    printf("  buffer 0x%02x\n", io_buffer & 0xff);
    io("in al, dx=0x20 (0x20 denied)", 3, 0, io_in8, 0x20);
    io("in ax, dx=0x20 (0x20 denied, 0x21 allowed)", 3, 0, io_in16, 0x20);
    iomap_set(0x20, 1, 1);
    io("in ax, dx=0x20 (0x20 0x21 allowed)", 3, 0, io_in16, 0x20);
    io("in eax, dx=0x20 (0x22 0x23 denied)", 3, 0, io_in32, 0x20);
    iomap_set(0x22, 2, 1);
    io("in eax, dx=0x20 (0x20..0x23 allowed)", 3, 0, io_in32, 0x20);
    iomap_set(0x27, 1, 1);
    io("in ax, dx=0x27 (0x27 allowed, 0x28 in the next bitmap byte denied)", 3, 0, io_in16, 0x27);
    iomap_set(0x28, 1, 1);
    io("in ax, dx=0x27 (0x27 0x28 allowed)", 3, 0, io_in16, 0x27);
    io("out 0x80, al (port 0x80 allowed)", 3, 0, io_out8_imm, 0);
    io("outsb dx=0x80 (port 0x80 allowed)", 3, 0, io_outs8, 0x80);
    io("out dx=0x80, ax (0x81 denied)", 3, 0, io_out16, 0x80);
    io("in al, dx=0x21 (bitmap allows)", 2, 1, io_in8, 0x21);
    io("in al, dx=0x20 (bitmap allows)", 1, 0, io_in8, 0x20);

    /* the CPU reads two bitmap bytes, at iomap + port/8 and the next: both must lie within the TSS limit */
    tss_reload(TSS_SIZE + 4); /* bitmap byte 4 (ports 0x20..0x27) inside, byte 5 beyond */
    io("in al, dx=0x21 allowed, TSS limit 108 (second bitmap byte beyond)", 3, 0, io_in8, 0x21);
    tss_reload(TSS_SIZE + 5);
    io("in al, dx=0x21 allowed, TSS limit 109 (both bytes inside)", 3, 0, io_in8, 0x21);
    io("in al, dx=0x30, TSS limit 109 (its byte beyond)", 3, 0, io_in8, 0x30);
    tss_reload(TSS_FULL_LIMIT);
    ring_tss()->iomap = 0xffff;
    io("in al, dx=0x21 with the bitmap base 0xffff (beyond the limit)", 3, 0, io_in8, 0x21);
    ring_tss()->iomap = TSS_SIZE;
    iomap_deny_all();
}

static void iopl_levels(void)
{
    io("in al, dx=0x21 (IOPL 3, bitmap denies)", 3, 3, io_in8, 0x21);
    io("in al, dx=0x21 (IOPL 2, bitmap denies)", 3, 2, io_in8, 0x21);
    io("in al, dx=0x21 (IOPL 2, bitmap denies)", 2, 2, io_in8, 0x21);
    io("in al, dx=0x21 (IOPL 1, bitmap denies)", 2, 1, io_in8, 0x21);
    io("in al, dx=0x21 (IOPL 1, bitmap denies)", 1, 1, io_in8, 0x21);
    io("out dx=0x80, al (IOPL 1, bitmap denies)", 1, 1, io_out8, 0x80);
}

static void interrupt_flag(void)
{
    flags("cli", 3, 0, io_cli, 0);
    flags("sti", 3, 0, io_sti, 0);
    flags("cli", 3, 3, io_cli, 0);
    flags("sti", 3, 3, io_sti, 0);
    flags("sti", 2, 1, io_sti, 0);
    flags("sti", 2, 2, io_sti, 0);
    flags("sti", 1, 1, io_sti, 0);
    flags("pushf", 3, 2, io_pushf, 0);
    flags("popf IF=1 IOPL=3", 3, 0, io_popf, 0x2 | EFLAGS_IF | IOPL(3));
    flags("popf IF=1 IOPL=0", 3, 3, io_popf, 0x2 | EFLAGS_IF);
    flags("popf IF=1 IOPL=3", 2, 1, io_popf, 0x2 | EFLAGS_IF | IOPL(3));
    flags("popf IF=1 IOPL=0", 1, 1, io_popf, 0x2 | EFLAGS_IF);
    flags("popf IF=1 IOPL=3", 0, 0, io_popf, 0x2 | EFLAGS_IF | IOPL(3));
    flags("iret (same ring) IF=1 IOPL=3", 3, 0, io_iret, 0x2 | EFLAGS_IF | IOPL(3));
    flags("iret (same ring) IF=1 IOPL=0", 3, 3, io_iret, 0x2 | EFLAGS_IF);
    flags("iret (same ring) IF=1 IOPL=3", 2, 1, io_iret, 0x2 | EFLAGS_IF | IOPL(3));
    flags("iret (same ring) IF=1 IOPL=2", 2, 2, io_iret, 0x2 | EFLAGS_IF | IOPL(2));
    flags("iret (same ring) IF=1 IOPL=3", 0, 0, io_iret, 0x2 | EFLAGS_IF | IOPL(3));
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("iopriv: begin\n");
    ring_init();
    bitmap();
    iopl_levels();
    interrupt_flag();
    puts("iopriv: end\n");
}
