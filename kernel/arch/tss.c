/* The one 32-bit TSS. The kernel uses no hardware task switching: the CPU reads only SS0:ESP0 from it,
 * on every ring 3 -> ring 0 transition, and core/sched.c sets ESP0 on every context switch. */
#include <kernel/tss.h>
#include <kernel/gdt.h>
#include <kernel/lib.h>
#include <kernel/x86.h>

struct tss32 kernel_tss __attribute__((aligned(128)));

void tss_init(uint32_t esp0)
{
    memset(&kernel_tss, 0, sizeof kernel_tss);
    kernel_tss.ss0 = KERNEL_DS;
    kernel_tss.ldt = LDT_SEL; /* a task switch back into this TSS (from the double-fault task) loads LDTR from it */
    kernel_tss.esp0 = esp0;
    kernel_tss.cr3 = read_cr3();
    kernel_tss.iomap_base = sizeof kernel_tss; /* past the limit: no I/O permission bitmap, so no port for ring 3 */
}

void tss_set_kernel_stack(uint32_t esp0)
{
    kernel_tss.esp0 = esp0;
}

void tss_set_ring2_stack(uint16_t ss2, uint32_t esp2)
{
    kernel_tss.ss2 = ss2;
    kernel_tss.esp2 = esp2;
}

void tss_set_cr3(uint32_t cr3)
{
    kernel_tss.cr3 = cr3;
}
