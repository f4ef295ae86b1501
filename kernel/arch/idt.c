/* The IDT: 256 gates to the generated stubs. Exceptions and IRQs are DPL 0 interrupt gates (so ring 3
 * cannot raise them with INT n: that is a #GP); int 0x80 is the one DPL 3 trap gate; with NK=0 #DF (8) is a
 * task gate to the double-fault task, so a kernel stack overflow is reported instead of resetting the CPU
 * (with NK=1 it is an interrupt gate: docs/nested-kernel.md "The descriptor tables"). */
#include <kernel/idt.h>
#include <kernel/gdt.h>
#include <kernel/lib.h>
#include <kernel/nk.h>
#include <uapi/syscall.h>

extern const uint32_t trap_stub_table[256];
/* A write-once region of the nested kernel (read-only with NK=1): each gate is written once, here. */
static struct gate_descriptor *idt;
#define IDT_BYTES (256 * sizeof(struct gate_descriptor))

void idt_init(void)
{
    idt = nk_alloc(IDT_BYTES, NK_WRITE_ONCE);
    if (!idt)
        panic("idt_init: no protected memory for the IDT");
    for (unsigned v = 0; v < 256; v++) {
        bool syscall = (v == SYSCALL_VECTOR);
        struct gate_descriptor g;
        /* #DF with NK=0: a task gate (a fresh stack even when ours overflowed). With NK=1 an interrupt gate like
         * the others (trap_dispatch panics): a task switch would make the CPU write the read-only GDT and TSS. */
        bool ok = v == 8 && !NK ? gate_encode(&g, GATE_TASK, DF_TSS_SEL, 0, 0)
                         : gate_encode(&g, syscall ? GATE_TRAP32 : GATE_INTERRUPT32, KERNEL_CS, trap_stub_table[v],
                                       syscall ? 3 : 0);
        if (!ok)
            panic("idt_init: a gate cannot be encoded");
        if (nk_write(&idt[v], &g, sizeof g) < 0)
            panic("idt_init: the nested kernel refused an IDT write");
    }
    if (nk_lidt((uint32_t)idt, IDT_BYTES - 1) < 0)
        panic("idt_init: the nested kernel refused the IDT");
}

const struct gate_descriptor *idt_entry(unsigned vector)
{
    KASSERT(vector < 256, "idt_entry: vector out of range");
    return &idt[vector];
}
