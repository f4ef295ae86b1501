/* The IDT (interrupt gates to lib/isr.asm's stubs, Intel SDM Vol. 3A §6.10-6.11) and the C side of dispatch:
 * a registered handler, else recovery to try_call's caller for an expected fault, else an "UNEXPECTED" line and exit. */
#include "guest.h"

u64 idt[256] __attribute__((aligned(8)));
struct fault last_fault;
static handler_fn handlers[256];
extern u32 recovery_eip;

const char *const vector_names[32] = {
    "DE", "DB", "NMI", "BP", "OF", "BR", "UD", "NM", "DF", "CSO", "TS", "NP", "SS", "GP", "PF", "15",
    "MF", "AC", "MC", "XM", "VE", "CP", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
};

int vector_has_error(int vector)
{
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 ||
           vector == 30;
}

void idt_set_gate(int vector, u32 offset, u16 selector, u8 type_attr)
{
    u32 lo = (offset & 0xffff) | ((u32)selector << 16);
    u32 hi = (offset & 0xffff0000) | ((u32)type_attr << 8);
    idt[vector] = ((u64)hi << 32) | lo;
}

void idt_set_present(int vector, int present)
{
    const u64 p = 1ull << 47;
    idt[vector] = present ? (idt[vector] | p) : (idt[vector] & ~p);
}

void idt_reload(u32 limit)
{
    struct __attribute__((packed)) {
        u16 limit;
        u32 base;
    } desc = { (u16)limit, (u32)idt };
    __asm__ volatile("lidt %0" ::"m"(desc) : "memory");
}

void idt_init(void)
{
    for (int v = 0; v < 256; v++)
        idt_set_gate(v, isr_stubs[v], KERNEL_CS, 0x8e); /* present, DPL 0, 32-bit interrupt gate */
    idt_reload(sizeof idt - 1);
}

void set_handler(int vector, handler_fn h)
{
    handlers[vector] = h;
}

static void recover(struct frame *f)
{
    last_fault.vector = f->vector;
    last_fault.error = f->error;
    last_fault.eip = f->eip;
    last_fault.cr2 = f->vector == 14 ? read_cr2() : 0;
    last_fault.taken++;
    f->eip = recovery_eip;
    f->cs = KERNEL_CS;
    f->eflags = 0x2;
    f->ds = f->es = f->fs = f->gs = KERNEL_DS;
    recovery_eip = 0;
}

void isr_dispatch(struct frame *f)
{
    if (handlers[f->vector]) {
        handlers[f->vector](f);
        return;
    }
    if (recovery_eip) {
        recover(f);
        return;
    }
    printf("UNEXPECTED vector=0x%02x error=0x%x eip=0x%08x cr2=0x%08x\n", f->vector, f->error, f->eip,
           f->vector == 14 ? read_cr2() : 0);
    test_exit(EXIT_UNEXPECTED_FAULT);
}

const char *fault_str(int vector)
{
    static char buf[24];
    static const char hex[] = "0123456789abcdef";
    char *p = buf;
    if (vector < 0)
        return "none";
    if (vector >= 32) {
        const char *s = "int 0x";
        while (*s)
            *p++ = *s++;
        *p++ = hex[(vector >> 4) & 0xf];
        *p++ = hex[vector & 0xf];
        *p = 0;
        return buf;
    }
    *p++ = '#';
    for (const char *s = vector_names[vector]; *s;)
        *p++ = *s++;
    if (vector_has_error(vector)) {
        u32 e = last_fault.error & 0xffff;
        *p++ = '(';
        *p++ = '0';
        *p++ = 'x';
        for (int shift = 12; shift >= 0; shift -= 4)
            *p++ = hex[(e >> shift) & 0xf];
        *p++ = ')';
    }
    *p = 0;
    return buf;
}
