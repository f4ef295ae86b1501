/* fault CASE: does one forbidden thing, which must kill the program with a CPU exception.
 * If the program is still alive afterwards it prints why and exits UTEST_SURVIVED (3).
 * kernel/core/user_tests.c lists the vector each case must die with. */
#include "utest.h"
#include <stdint.h>

/* mov eax, 42; ret: the bytes executed from pages that must not be executable. */
#define RET42 { 0xb8, 42, 0, 0, 0, 0xc3 }

static unsigned char data_code[16] = RET42;   /* .data: RW, NX */
static unsigned char bss_code[16];            /* .bss: RW, NX */
static const unsigned char rodata_code[16] = RET42; /* .rodata: R, NX */
static const char rodata_text[] = "read-only";

typedef int (*code_fn)(void);

/* Calls code at p; returns what it returned (only reached when p was executable). */
static int call_at(const void *p)
{
    code_fn fn;
    uintptr_t addr = (uintptr_t)p;
    memcpy(&fn, &addr, sizeof fn);
    return fn();
}

static volatile uint32_t zero = 0;
static volatile int32_t minus_one = -1;

static int do_kread(void) { return *(volatile int *)0xc0000000u; }
static int do_kread_high(void) { return *(volatile int *)0xfffff000u; }
static int do_kwrite(void) { *(volatile int *)0xc0000000u = 0x12345678; return 0; }
static int do_kwrite_high(void) { *(volatile int *)0xfffffffcu = 0x12345678; return 0; }
static int do_kexec(void) { return call_at((const void *)0xc0100000u); }
static int do_cli(void) { __asm__ volatile("cli"); return 0; }
static int do_sti(void) { __asm__ volatile("sti"); return 0; }
static int do_hlt(void) { __asm__ volatile("hlt"); return 0; }
static int do_out(void) { __asm__ volatile("outb %%al, $0x80" :: "a"(0)); return 0; }
static int do_in(void) { uint8_t v; __asm__ volatile("inb $0x60, %0" : "=a"(v)); return v; }
static int do_in_dx(void) { uint8_t v; __asm__ volatile("inb %%dx, %0" : "=a"(v) : "d"(0x3f8)); return v; }
static int do_mov_cr3(void) { __asm__ volatile("mov %0, %%cr3" :: "r"(0u)); return 0; }
static int do_read_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return (int)v; }
static int do_lidt(void) { static const uint8_t idtr[6]; __asm__ volatile("lidt %0" :: "m"(idtr)); return 0; }
static int do_rdmsr(void) { uint32_t lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080u)); return (int)(lo ^ hi); }
static int do_int_gate(void) { __asm__ volatile("int $0x0d"); return 0; }
static int do_int_irq(void) { __asm__ volatile("int $0x20"); return 0; }
static int do_divzero(void) { return (int)(100u / zero); }
static int do_divoverflow(void) { return (int32_t)0x80000000 / minus_one; }
static int do_ud2(void) { __asm__ volatile("ud2"); return 0; }
static int do_null_read(void) { return *(volatile int *)0; }
static int do_null_write(void) { *(volatile int *)0 = 1; return 0; }
static int do_null_exec(void) { return call_at((const void *)0); }

static int do_stack_exec(void)
{
    unsigned char code[16] = RET42;
    return call_at(code);
}

static int do_data_exec(void) { return call_at(data_code); }

static int do_bss_exec(void)
{
    static const unsigned char bytes[] = RET42;
    memcpy(bss_code, bytes, sizeof bytes);
    return call_at(bss_code);
}

static int do_heap_exec(void)
{
    static const unsigned char bytes[] = RET42;
    unsigned char *p = malloc(sizeof bytes);
    if (!p)
        return -1;
    memcpy(p, bytes, sizeof bytes);
    return call_at(p);
}

static int do_rodata_exec(void) { return call_at(rodata_code); }

static int do_text_write(void)
{
    code_fn self = do_text_write;
    volatile unsigned char *p;
    memcpy(&p, &self, sizeof p);
    *p = 0xc3;
    return 0;
}

static int do_rodata_write(void)
{
    volatile char *p = (volatile char *)(uintptr_t)rodata_text;
    *p = 'X';
    return 0;
}

static int do_stack_guard(void) { *(volatile int *)USER_STACK_TOP = 1; return 0; }

struct fault_case {
    const char *name;
    int (*run)(void);
};

static const struct fault_case cases[] = {
    { "kread", do_kread }, { "kread_high", do_kread_high }, { "kwrite", do_kwrite },
    { "kwrite_high", do_kwrite_high }, { "kexec", do_kexec },
    { "cli", do_cli }, { "sti", do_sti }, { "hlt", do_hlt }, { "out", do_out }, { "in", do_in },
    { "in_dx", do_in_dx }, { "mov_cr3", do_mov_cr3 }, { "read_cr0", do_read_cr0 }, { "lidt", do_lidt },
    { "rdmsr", do_rdmsr }, { "int_gate", do_int_gate }, { "int_irq", do_int_irq },
    { "divzero", do_divzero }, { "divoverflow", do_divoverflow }, { "ud2", do_ud2 },
    { "null_read", do_null_read }, { "null_write", do_null_write }, { "null_exec", do_null_exec },
    { "stack_exec", do_stack_exec }, { "data_exec", do_data_exec }, { "bss_exec", do_bss_exec },
    { "heap_exec", do_heap_exec }, { "rodata_exec", do_rodata_exec },
    { "text_write", do_text_write }, { "rodata_write", do_rodata_write },
    { "stack_guard", do_stack_guard },
};

int main(int argc, char **argv)
{
    utest_name = "fault";
    if (argc == 2) {
        for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            if (strcmp(argv[1], cases[i].name) == 0) {
                int r = cases[i].run();
                dprintf(2, "fault %s: no fault (result %d)\n", cases[i].name, r);
                return UTEST_SURVIVED;
            }
        }
    }
    dprintf(2, "usage: fault CASE; cases:");
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        dprintf(2, " %s", cases[i].name);
    dprintf(2, "\n");
    return 2;
}
