/* The one 32-bit TSS. The kernel uses no hardware task switching (except, with NK=0, the double-fault task):
 * the CPU reads only SS0:ESP0 from it, on every ring 3 -> ring 0 transition (SS2:ESP2 on a call into
 * LOTRx86's ring 2), and core/sched.c sets ESP0 on every context switch. The TSS itself (kernel_tss) lives in
 * the nested kernel's memory (kernel/nk/systab.c): with NK=1 it is read-only here and these functions write
 * it through the nested kernel's narrow calls, which change only those fields. */
#include <kernel/tss.h>
#include <kernel/gdt.h>
#include <kernel/lib.h>
#include <kernel/nk.h>
#include <kernel/x86.h>

void tss_init(uint32_t esp0)
{
    struct tss32 t;
    memset(&t, 0, sizeof t);
    t.ss0 = KERNEL_DS;
    t.ldt = LDT_SEL; /* a task switch back into this TSS (from the NK=0 double-fault task) loads LDTR from it */
    t.esp0 = esp0;
    t.cr3 = read_cr3();
    t.iomap_base = sizeof t; /* past the limit: no I/O permission bitmap, so no port for ring 3 */
    if (nk_tss_init(&t) < 0)
        panic("tss_init: the nested kernel refused the TSS");
}

void tss_set_kernel_stack(uint32_t esp0)
{
    if (nk_tss_set_esp0(esp0) < 0)
        panic("tss_set_kernel_stack: the nested kernel refused ESP0");
}

void tss_set_ring2_stack(uint16_t ss2, uint32_t esp2)
{
    if (nk_tss_set_ring2(ss2, esp2) < 0)
        panic("tss_set_ring2_stack: the nested kernel refused SS2:ESP2");
}

void tss_set_cr3(uint32_t cr3)
{
#if NK
    (void)cr3; /* no task switch exists with NK=1, so the CPU never loads the TSS's CR3: it stays as written once */
#else
    kernel_tss.cr3 = cr3;
#endif
}
