/* The double-fault task: a second TSS with its own stack and the kernel's CR3. Its handler reports the
 * faulting task's state (saved by the CPU in kernel_tss) and panics, unless a test asked for recovery. */
#include <kernel/double_fault.h>
#include <kernel/tss.h>
#include <kernel/gdt.h>
#include <kernel/lib.h>
#include <kernel/x86.h>

struct tss32 double_fault_tss __attribute__((aligned(128)));
static uint8_t df_stack[4096] __attribute__((aligned(16)));
static volatile struct {
    bool armed;
    uint32_t eip, esp;
    unsigned recovered;
} expect;

void double_fault_entry(void);

void double_fault_init(uint32_t cr3)
{
    memset(&double_fault_tss, 0, sizeof double_fault_tss);
    double_fault_tss.eip = (uint32_t)double_fault_entry;
    double_fault_tss.esp = (uint32_t)(df_stack + sizeof df_stack);
    double_fault_tss.cs = KERNEL_CS;
    double_fault_tss.ds = double_fault_tss.es = double_fault_tss.fs = double_fault_tss.gs = KERNEL_DS;
    double_fault_tss.ss = double_fault_tss.ss0 = KERNEL_DS;
    double_fault_tss.esp0 = double_fault_tss.esp;
    double_fault_tss.cr3 = cr3;
    double_fault_tss.eflags = 0x2; /* interrupts off */
    double_fault_tss.ldt = LDT_SEL;
    double_fault_tss.iomap_base = sizeof double_fault_tss;
}

void double_fault_expect(uint32_t eip, uint32_t esp)
{
    expect.eip = eip;
    expect.esp = esp;
    expect.armed = true;
}

unsigned double_fault_recovered(void) { return expect.recovered; }

/* Runs in the double-fault task; returns only to resume the faulting task (as a test asked). */
void double_fault_handle(void)
{
    if (expect.armed) {
        expect.armed = false;
        expect.recovered++;
        kernel_tss.eip = expect.eip;
        kernel_tss.esp = expect.esp;
        kernel_tss.eflags &= ~EFLAGS_IF;
        return;
    }
    char why[160];
    ksnprintf(why, sizeof why, "double_fault: #DF at eip 0x%x esp 0x%x cr2 0x%x (a kernel stack overflow?)",
              kernel_tss.eip, kernel_tss.esp, read_cr2());
    panic(why);
}
