/* trap_dispatch: where every interrupt, exception and system call arrives (through the generated stubs
 * in trap_entry.asm). Ring-3 faults kill the program; ring-0 faults are expected (an armed probe) or
 * a kernel bug (panic with the frame). */
#include <kernel/trap.h>
#include <kernel/irq.h>
#include <kernel/probe.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <uapi/syscall.h>

static const char *const exception_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF(9)", "#TS", "#NP", "#SS", "#GP",
    "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27",
    "#HV", "#VC", "#SX", "#31",
};

const char *trap_name(uint32_t vector)
{
    if (vector < 32)
        return exception_names[vector];
    if (vector >= IRQ_BASE_VECTOR && vector < IRQ_BASE_VECTOR + IRQ_COUNT)
        return "IRQ";
    return "INT";
}

void trap_dump(const struct trap_frame *f)
{
    kprintf("trap %u (%s) error 0x%x at %04x:%08x eflags %08x cr2 %08x cr3 %08x\n", f->vector,
            trap_name(f->vector), f->error, f->cs, f->eip, f->eflags, read_cr2(), read_cr3());
    kprintf("eax %08x ebx %08x ecx %08x edx %08x esi %08x edi %08x ebp %08x esp %08x\n", f->eax, f->ebx,
            f->ecx, f->edx, f->esi, f->edi, f->ebp, f->esp_at_pushad + 12);
    kprintf("ds %04x es %04x fs %04x gs %04x\n", f->ds, f->es, f->fs, f->gs);
}

/* A fault in ring 0 that no probe expected. */
static void kernel_fault(struct trap_frame *f)
{
    char why[96];
    trap_dump(f);
    ksnprintf(why, sizeof why, "trap_dispatch: kernel fault, vector %u (%s) at eip 0x%x", f->vector,
              trap_name(f->vector), f->eip);
    panic(why);
}

void trap_dispatch(struct trap_frame *f)
{
    uint32_t v = f->vector;
    if (v < 32) {
        if (TRAP_FROM_USER(f))
            proc_kill_by_fault(f);
        if (!probe_fixup(f))
            kernel_fault(f);
        return;
    }
    if (v >= IRQ_BASE_VECTOR && v < IRQ_BASE_VECTOR + IRQ_COUNT)
        irq_dispatch(v - IRQ_BASE_VECTOR);
    else if (v == SYSCALL_VECTOR && TRAP_FROM_USER(f))
        syscall_dispatch(f);
    else
        kernel_fault(f);
    if (TRAP_FROM_USER(f))
        sched_return_to_user(f);
}
