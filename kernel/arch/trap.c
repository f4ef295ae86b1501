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
#include <kernel/nk.h>
#include <kernel/lotr.h>
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

/* A ring-0 #PF on nested-kernel-protected memory during a user process's system call (an arbitrary-write
 * bug such as the rogue driver's, or a jump to the nested kernel's hidden CR3 page): reported with the
 * kernel and user EIPs, and the process is killed; the kernel survives. Returns if it is not one. */
static void nk_stop_fault(const struct trap_frame *f)
{
    if (f->vector != 14)
        return;
    uint32_t cr2 = read_cr2();
    const char *what = nk_protected_what(cr2);
    struct proc *p = sched_current();
    if (!what || !p->user || !p->tf)
        return;
    kprintf("nk: stopped a %s %s at 0x%x: kernel eip 0x%x, pid %d (%s) user eip 0x%x\n",
            (f->error & 0x10) ? "jump into" : "write to", what, cr2, f->eip, p->pid, p->name, p->tf->eip);
    proc_kill_by_fault(f);
}

void trap_dispatch(struct trap_frame *f)
{
    uint32_t v = f->vector;
    if ((f->cs & 3) == 2) { /* LOTRx86's PrivUser (ring 2): kernel/lotr/lotr.c */
        lotr_trap(f);
        return;
    }
    if (v < 32) {
        if (TRAP_FROM_USER(f))
            proc_kill_by_fault(f);
        if (!probe_fixup(f)) {
            nk_stop_fault(f);
            kernel_fault(f);
        }
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
