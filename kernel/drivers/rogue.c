/* The rogue driver: a deliberately buggy ioctl (SYS_rogue) for the Nested Kernel demo. ROGUE_WRITE and
 * ROGUE_READ take an offset into the driver's buffer and never check it: an arbitrary kernel read/write
 * from user space. ROGUE_CALL calls a function pointer kept in ordinary driver data: with the write bug it
 * is arbitrary code reuse (the Nested Kernel assumes no control-flow integrity). ROGUE_SYM hands out kernel
 * addresses, standing in for an attacker who has read the kernel image. */
#include <kernel/rogue.h>
#include <kernel/nk.h>
#include <kernel/paging.h>
#include <kernel/idt.h>
#include <kernel/gdt.h>
#include <kernel/tss.h>
#include <kernel/syscall.h>
#include <kernel/sched.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <uapi/rogue.h>
#include <uapi/errno.h>

extern uint32_t nk_cr3_value;

static bool enabled;
static uint8_t buffer[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static int32_t value;
static int default_callback(uint32_t a, uint32_t b) { return (int)(a + b); }
static struct { int (*callback)(uint32_t a, uint32_t b); } ops = { default_callback };

void rogue_enable(void) { enabled = true; }

int rogue_get_value(uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
    (void)a; (void)b; (void)c; (void)d; (void)e;
    return value;
}

/* The permission check of ROGUE_PRIV: only process 0 (the kernel) may. The exploit patches this code. */
__attribute__((noinline)) static int rogue_caller_permitted(void)
{
    return sched_current()->pid == 0;
}

/* Kernel code an attacker's call gate can target: returns the CPL it runs at (0) with a far return. */
extern char rogue_gate_target[];
__asm__(".text\n"
        ".globl rogue_gate_target\n"
        "rogue_gate_target:\n"
        "    movl %cs, %eax\n"
        "    andl $3, %eax\n"
        "    lret\n");

/* The PTE that maps kernel address va (NULL if none). */
static uint64_t *kernel_pte_of(uint32_t va) { return aspace_pte(&kernel_aspace, va & ~(PAGE_SIZE - 1), false); }

static uint32_t symbol(uint32_t id)
{
    switch (id) {
    case ROGUE_SYM_BUFFER: return (uint32_t)buffer;
    case ROGUE_SYM_SYSCALL_TABLE: return (uint32_t)syscall_table_base();
    case ROGUE_SYM_IDT: return (uint32_t)idt_entry(0);
    case ROGUE_SYM_PERMITTED: return (uint32_t)rogue_caller_permitted;
    case ROGUE_SYM_GET_VALUE: return (uint32_t)rogue_get_value;
    case ROGUE_SYM_CALLBACK: return (uint32_t)&ops.callback;
    case ROGUE_SYM_LOAD_CR0: return (uint32_t)nk_load_cr0;
    case ROGUE_SYM_CR3_INSN: return (uint32_t)nk_cr3_insn;
    case ROGUE_SYM_CR3_VALUE: return (uint32_t)&nk_cr3_value;
    case ROGUE_SYM_AUDIT_LOG: return (uint32_t)nk_audit_records();
    case ROGUE_SYM_TEXT_PTE: return (uint32_t)kernel_pte_of((uint32_t)rogue_caller_permitted);
    case ROGUE_SYM_PTP_PTE: return (uint32_t)kernel_pte_of((uint32_t)kernel_pte_of((uint32_t)rogue_caller_permitted));
    case ROGUE_SYM_NK: return NK;
    case ROGUE_SYM_GDT: return (uint32_t)gdt_entry(0);
    case ROGUE_SYM_TSS: return (uint32_t)&kernel_tss;
    case ROGUE_SYM_GATE_TARGET: return (uint32_t)rogue_gate_target;
    default: return 0;
    }
}

int rogue_ioctl(uint32_t cmd, uint32_t a, uint32_t b, uint32_t c)
{
    if (!enabled)
        return -ENOSYS;
    switch (cmd) {
    case ROGUE_WRITE: /* the bug: buffer + a may be anywhere */
        if (c == 1)
            *(volatile uint8_t *)(buffer + a) = (uint8_t)b;
        else
            *(volatile uint32_t *)(buffer + a) = b;
        return 0;
    case ROGUE_READ: return (int)*(volatile uint32_t *)(buffer + a);
    case ROGUE_CALL: return ops.callback(a, b);
    case ROGUE_SYM: return (int)symbol(a);
    case ROGUE_CR: return (int)(a == 3 ? read_cr3() : read_cr0());
    case ROGUE_PRIV: return rogue_caller_permitted() ? 0 : -EPERM;
    case ROGUE_VALUE: value = (int32_t)a; return 0;
    default: return -EINVAL;
    }
}
