/* lotr_attack CASE [ARGS]: one attack on LOTRx86 that the CPU must stop by killing this program
 * (kernel/core/lotr_tests.c checks the vector). Exits UTEST_SURVIVED (3) if the attack was not stopped.
 * From ring 3:
 *   r3_read r3_write r3_exec      read, write, call PrivUser memory (#PF: supervisor pages)
 *   r3_farcall r3_farjmp          far call / jump to the PrivUser code selector itself, not the gate (#GP)
 *   r3_gate_jmp                   JMP through the gate (a jump cannot raise privilege: #GP)
 *   r3_load_ds RPL                load the PrivUser data selector with RPL 2 or 3 into DS (#GP)
 * From ring 2 (inside a secret function):
 *   r2_read SEL ADDR              load SEL into ES and read ES:ADDR (M-SR2: #GP from the segment limit,
 *                                 or from the load itself for a DPL-0 or system selector)
 *   r2_ss SEL                     load SEL into SS (#GP: only a DPL-2 stack segment is allowed)
 *   r2_cli r2_sti r2_hlt r2_in r2_out r2_mov_cr3 r2_read_cr0 r2_lgdt r2_lidt r2_lldt r2_wrmsr r2_rdmsr
 *                                 privileged or I/O instructions at CPL 2 with IOPL 0 (#GP)
 *   r2_write_text r2_write_table  write the secret code or the kernel's dispatch table (#PF: read-only, WP=1)
 *   r2_exec_heap                  run PrivUser heap bytes (#PF: NX)
 *   r2_exec_user                  run ring-3 code at CPL 2 (#GP: CS limit; #PF under SMEP where limits fail) */
#include "utest.h"
#include <privuser.h>
#include <stdint.h>

enum { ID_RING2 = 0 };
enum { A_READ = 1, A_SS, A_CLI, A_STI, A_HLT, A_IN, A_OUT, A_MOV_CR3, A_READ_CR0, A_LGDT, A_LIDT, A_LLDT, A_WRMSR,
       A_RDMSR, A_WRITE_TEXT, A_WRITE_TABLE, A_EXEC_HEAP, A_EXEC_USER };

PRIVUSER_DATA static volatile uint32_t secret_word = 0x5EC12E7u;
PRIVUSER_DATA static uint8_t descriptor_operand[8];

static void ring3_target(void) { }

PRIVUSER_FN static int ring2_attack(uint32_t what, uint32_t a, uint32_t b)
{
    uint32_t v = 0;
    if (what == A_READ) {
        __asm__ volatile("mov %w1, %%es; mov %%es:(%2), %0" : "=r"(v) : "r"(a), "r"(b) : "memory");
        __asm__ volatile("mov %w0, %%es" : : "r"(PRIV_DS));
    } else if (what == A_SS) {
        __asm__ volatile("mov %%ss, %%ecx; mov %w0, %%ss; mov %%cx, %%ss" : : "r"(a) : "ecx", "memory");
    } else if (what == A_CLI) {
        __asm__ volatile("cli; sti");
    } else if (what == A_STI) {
        __asm__ volatile("sti");
    } else if (what == A_HLT) {
        __asm__ volatile("hlt");
    } else if (what == A_IN) {
        uint8_t x;
        __asm__ volatile("inb $0x60, %0" : "=a"(x));
        v = x;
    } else if (what == A_OUT) {
        __asm__ volatile("outb %0, $0x80" : : "a"((uint8_t)0));
    } else if (what == A_MOV_CR3) {
        __asm__ volatile("mov %0, %%cr3" : : "r"(0u) : "memory");
    } else if (what == A_READ_CR0) {
        __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    } else if (what == A_LGDT) {
        __asm__ volatile("lgdt %0" : : "m"(descriptor_operand));
    } else if (what == A_LIDT) {
        __asm__ volatile("lidt %0" : : "m"(descriptor_operand));
    } else if (what == A_LLDT) {
        __asm__ volatile("lldt %w0" : : "r"(0));
    } else if (what == A_WRMSR) {
        __asm__ volatile("wrmsr" : : "c"(0xC0000080u), "a"(0), "d"(0));
    } else if (what == A_RDMSR) {
        uint32_t lo, hi;
        __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xC0000080u));
        v = lo ^ hi;
    } else if (what == A_WRITE_TEXT) {
        *(volatile uint8_t *)(uint32_t)ring2_attack = 0xC3;
    } else if (what == A_WRITE_TABLE) {
        *(volatile uint32_t *)(PRIVUSER_TABLE_VA + 16) = a; /* slot 0's function pointer */
    } else if (what == A_EXEC_HEAP) {
        uint8_t *code = priv_alloc(16);
        if (code) {
            code[0] = 0xC3; /* ret */
            ((void (*)(void))code)();
        }
    } else if (what == A_EXEC_USER) {
        ((void (*)(void))a)();
    }
    return (int)v;
}
PRIVCALL_EXPORT(ID_RING2, ring2_attack, PRIV_VAL, 0, PRIV_VAL, 0, PRIV_VAL, 0);

static uint32_t num(const char *s) { return (uint32_t)strtoul(s, NULL, 0); }

/* Runs attack what in ring 2; returns only if nothing stopped it. */
static void ring2(uint32_t what, uint32_t a, uint32_t b)
{
    int r = privcall(ID_RING2, what, a, b);
    dprintf(2, "lotr_attack: the ring-2 attack %u was not stopped (result 0x%x)\n", what, (unsigned)r);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        goto usage;
    const char *c = argv[1];
    if (!strcmp(c, "r3_read")) {
        volatile uint32_t v = secret_word;
        dprintf(2, "lotr_attack: ring 3 read PrivUser: 0x%x\n", (unsigned)v);
    } else if (!strcmp(c, "r3_write")) {
        secret_word = 0;
    } else if (!strcmp(c, "r3_exec")) {
        ((int (*)(uint32_t, uint32_t, uint32_t))ring2_attack)(0, 0, 0);
    } else if (!strcmp(c, "r3_farcall")) {
        __asm__ volatile("lcall $0x06, $0x01000000" : : : "memory");
    } else if (!strcmp(c, "r3_farjmp")) {
        __asm__ volatile("ljmp $0x06, $0x01000000" : : : "memory");
    } else if (!strcmp(c, "r3_gate_jmp")) {
        __asm__ volatile("ljmp $0x17, $0" : : : "memory");
    } else if (!strcmp(c, "r3_load_ds") && argc == 3) {
        __asm__ volatile("mov %w0, %%ds; mov %%ss, %%ax; mov %%ax, %%ds" : : "a"((PRIV_DS & ~3) | (num(argv[2]) & 3)));
    } else if (!strcmp(c, "r2_read") && argc == 4) {
        ring2(A_READ, num(argv[2]), num(argv[3]));
    } else if (!strcmp(c, "r2_ss") && argc == 3) {
        ring2(A_SS, num(argv[2]), 0);
    } else {
        static const struct { const char *name; uint32_t what; } simple[] = {
            { "r2_cli", A_CLI }, { "r2_sti", A_STI }, { "r2_hlt", A_HLT }, { "r2_in", A_IN }, { "r2_out", A_OUT },
            { "r2_mov_cr3", A_MOV_CR3 }, { "r2_read_cr0", A_READ_CR0 }, { "r2_lgdt", A_LGDT }, { "r2_lidt", A_LIDT },
            { "r2_lldt", A_LLDT }, { "r2_wrmsr", A_WRMSR }, { "r2_rdmsr", A_RDMSR }, { "r2_write_text", A_WRITE_TEXT },
            { "r2_write_table", A_WRITE_TABLE }, { "r2_exec_heap", A_EXEC_HEAP }, { "r2_exec_user", A_EXEC_USER },
        };
        unsigned i;
        for (i = 0; i < sizeof simple / sizeof simple[0]; i++)
            if (!strcmp(c, simple[i].name))
                break;
        if (i == sizeof simple / sizeof simple[0])
            goto usage;
        ring2(simple[i].what, (uint32_t)ring3_target, 0);
    }
    return UTEST_SURVIVED;
usage:
    dprintf(2, "usage: lotr_attack CASE [ARGS] (see the source)\n");
    return 2;
}
