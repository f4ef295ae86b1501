/* The CPU feature probe: CPUID for PAE, NX, SMEP and SMAP, turning each protection on when present,
 * and the boot probe of whether data-segment limits are enforced (QEMU TCG does not). */
#include <kernel/cpu.h>
#include <kernel/probe.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <kernel/nk.h>

#define MSR_EFER 0xC0000080u
#define EFER_NXE (1u << 11)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define CR0_WP (1u << 16)

struct cpu_features cpu;
uint8_t trap_clac_needed; /* read by arch/trap_entry.asm: CLAC exists only with SMAP */

void cpu_init(void)
{
    uint32_t a, b, c, d;
    cpuid(0, 0, &a, &b, &c, &d);
    uint32_t max_leaf = a;
    memcpy(cpu.vendor, &b, 4);
    memcpy(cpu.vendor + 4, &d, 4);
    memcpy(cpu.vendor + 8, &c, 4);
    cpu.vendor[12] = 0;
    cpuid(1, 0, &a, &b, &c, &d);
    cpu.pae = (d >> 6) & 1;
    if (!cpu.pae)
        panic("cpu_init: no PAE");
    cpuid(0x80000000u, 0, &a, &b, &c, &d);
    if (a >= 0x80000001u) {
        cpuid(0x80000001u, 0, &a, &b, &c, &d);
        cpu.nx = (d >> 20) & 1;
    }
    if (max_leaf >= 7) {
        cpuid(7, 0, &a, &b, &c, &d);
        cpu.smep = (b >> 7) & 1;
        cpu.smap = (b >> 20) & 1;
    }
    if (cpu.nx)
        nk_wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE); /* through the nested kernel (include/kernel/nk.h) */
    uint32_t cr4 = read_cr4();
    if (cpu.smep)
        cr4 |= CR4_SMEP;
    if (cpu.smap)
        cr4 |= CR4_SMAP;
    nk_load_cr4(cr4);
    trap_clac_needed = cpu.smap;
}

void cpu_report(bool quiet)
{
    struct probe_result r = probe_user_segment_limit();
    cpu.seg_limits_enforced = (r.vector == 13);
    if (!quiet)
        kprintf("cpu: %s; protections: PAE paging, WP %s, NX %s, SMEP %s, SMAP %s, ring-3 segment limit %s\n",
            cpu.vendor, (read_cr0() & CR0_WP) ? "on" : "OFF", cpu.nx ? "on" : "absent",
            cpu.smep ? "on" : "absent", cpu.smap ? "on" : "absent",
            cpu.seg_limits_enforced ? "enforced" : "NOT enforced");
    if (!cpu.nx)
        kprintf("warning: no NX: user data and stacks are executable\n");
    if (!cpu.smep)
        kprintf("warning: no SMEP: the kernel could be made to run user pages\n");
    if (!cpu.smap)
        kprintf("warning: no SMAP: kernel reads of user pages are not trapped\n");
    if (!cpu.seg_limits_enforced)
        kprintf("warning: this CPU does not enforce data-segment limits (QEMU TCG?): LOTRx86 M-SR2 is not in force\n");
}
