/* The IDT: 256 gates to the generated stubs. Exceptions and IRQs are DPL 0 interrupt gates (so ring 3
 * cannot raise them with INT n: that is a #GP); int 0x80 is the one DPL 3 trap gate; #DF (8) is a task
 * gate to the double-fault task, so a kernel stack overflow is reported instead of resetting the CPU. */
#include <kernel/idt.h>
#include <kernel/gdt.h>
#include <kernel/lib.h>
#include <uapi/syscall.h>

extern const uint32_t trap_stub_table[256];
static struct gate_descriptor idt[256] __attribute__((aligned(8)));

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++) {
        bool syscall = (v == SYSCALL_VECTOR);
        if (!gate_encode(&idt[v], syscall ? GATE_TRAP32 : GATE_INTERRUPT32, KERNEL_CS, trap_stub_table[v],
                         syscall ? 3 : 0))
            panic("idt_init: a gate cannot be encoded");
    }
    if (!gate_encode(&idt[8], GATE_TASK, DF_TSS_SEL, 0, 0)) /* #DF: a fresh stack even when ours overflowed */
        panic("idt_init: the double-fault gate cannot be encoded");
    struct descriptor_table_register idtr = { sizeof idt - 1, (uint32_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

const struct gate_descriptor *idt_entry(unsigned vector)
{
    KASSERT(vector < 256, "idt_entry: vector out of range");
    return &idt[vector];
}
