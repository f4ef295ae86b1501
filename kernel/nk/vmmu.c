/* The vMMU: the nested kernel's view of every physical frame (data, page-table page of a level, kernel
 * code, nested-kernel memory, the hidden CR3 page), validated page-table writes, CR3 loads of declared
 * PDPTs only, and the CR0/CR4/EFER/descriptor-register writers. Invariants: docs/nested-kernel.md. */
#include "nk_internal.h"
#include <kernel/paging.h>
#include <kernel/lib.h>
#include <kernel/x86.h>
#include <uapi/errno.h>

#define MSR_EFER 0xC0000080u
#define EFER_NXE (1u << 11)
#define CR4_SMEP (1u << 20)
#define CR0_FORCED 0x80010001u /* PG, WP, PE */
#define ENTRIES 512u
#define PTE_PS 0x80ull
#define PDPTE_FLAGS 0x19ull /* P, PWT, PCD: PAE PDPTEs have nothing else */

static bool nk_nx; /* EFER.NXE is on: kernel data gets NX */

#if NK
/* Frame kinds (low 3 bits) and flags. */
enum { F_DATA, F_PDPT, F_PD, F_PT, F_KPD, F_CODE, F_NK, F_HIDDEN };
#define F_KIND 0x07u
#define F_KERNEL 0x40u /* a page table under the kernel page directory */
#define F_PINNED 0x80u /* a kernel page table mapping kernel code: its PDE never changes */
#define NK_FRAMES (DIRECT_MAP_LIMIT / PAGE_SIZE)

extern char _text_start[], _text_end[], _nk_data_start[], _nk_data_end[], nk_cr3_insn[];

static uint8_t ftype[NK_FRAMES];
static uint8_t fparents[NK_FRAMES]; /* PDPT/PD entries pointing at this frame */
static uint16_t fwmaps[NK_FRAMES];  /* writable leaf (PT) mappings of this frame */
static uint32_t kpd_phys;
static uint32_t hidden_phys;

static unsigned kind_of(uint32_t phys)
{
    uint32_t f = phys / PAGE_SIZE;
    return f < NK_FRAMES ? ftype[f] & F_KIND : F_DATA;
}

static bool is_ptp_kind(unsigned k) { return k == F_PDPT || k == F_PD || k == F_PT || k == F_KPD; }

/* The direct-map PTE of phys in the kernel page directory, or NULL (no such table yet). */
static uint64_t *dm_pte(uint32_t phys)
{
    if (!kpd_phys || phys >= DIRECT_MAP_LIMIT)
        return NULL;
    uint32_t va = phys + KERNEL_VMA;
    uint64_t pde = ((uint64_t *)phys_to_virt(kpd_phys))[(va >> 21) & (ENTRIES - 1)];
    if (!(pde & PTE_P))
        return NULL;
    return &((uint64_t *)phys_to_virt((uint32_t)(pde & PTE_ADDR_MASK)))[(va >> 12) & (ENTRIES - 1)];
}

/* The counts an entry of a table of kind k contributes for value v: +1 (add) or -1 (remove). */
static void account(unsigned k, uint64_t v, int delta)
{
    if (!(v & PTE_P))
        return;
    uint32_t f = (uint32_t)(v & PTE_ADDR_MASK) / PAGE_SIZE;
    if (f >= NK_FRAMES)
        return;
    if (k == F_PT) {
        if (v & PTE_W)
            fwmaps[f] = (uint16_t)(fwmaps[f] + delta);
    } else {
        fparents[f] = (uint8_t)(fparents[f] + delta);
    }
}

/* Stores v into entry (of a table of kind k) keeping the counts; no checks (callers validated). */
static void store(uint64_t *entry, unsigned k, uint64_t v)
{
    account(k, *entry, -1);
    account(k, v, +1);
    *entry = v;
}

/* The direct-map alias of phys becomes read-only (or writable again); TLB entry flushed. */
static void dm_set_writable(uint32_t phys, bool writable)
{
    uint64_t *e = dm_pte(phys);
    if (!e || !(*e & PTE_P))
        return;
    store(e, F_PT, writable ? (*e | PTE_W) : (*e & ~PTE_W));
    invlpg(phys + KERNEL_VMA);
}

void nk_vmmu_init(void)
{
    for (uint32_t va = (uint32_t)_text_start; va < (uint32_t)_text_end; va += PAGE_SIZE)
        ftype[virt_to_phys((void *)va) / PAGE_SIZE] = F_CODE;
    for (uint32_t va = (uint32_t)_nk_data_start; va < (uint32_t)_nk_data_end; va += PAGE_SIZE)
        ftype[virt_to_phys((void *)va) / PAGE_SIZE] = F_NK;
    hidden_phys = virt_to_phys(nk_cr3_insn);
    ftype[hidden_phys / PAGE_SIZE] = F_HIDDEN;
}

int NK_API(nk_declare_ptp)(uint32_t phys, unsigned level)
{
    uint32_t f = phys / PAGE_SIZE;
    if ((phys & (PAGE_SIZE - 1)) || f >= NK_FRAMES || level < NK_PDPT || level > NK_KPD)
        return -EINVAL;
    if (ftype[f] != F_DATA || fparents[f])
        return nk_refuse("nk_declare_ptp: the frame is not a free data frame");
    if (level == NK_KPD && kpd_phys)
        return nk_refuse("nk_declare_ptp: the kernel page directory is declared already");
    static const uint8_t kinds[] = { 0, F_PDPT, F_PD, F_PT, F_KPD };
    ftype[f] = kinds[level];
    dm_set_writable(phys, false);
    if (fwmaps[f]) { /* another writable mapping exists (a user page?): refuse, undo */
        dm_set_writable(phys, true);
        ftype[f] = F_DATA;
        return nk_refuse("nk_declare_ptp: the frame is mapped writable elsewhere");
    }
    memset(phys_to_virt(phys), 0, PAGE_SIZE);
    if (level == NK_KPD) /* only now: dm_pte walks it */
        kpd_phys = phys;
    return 0;
}

/* Validates v for a PDPT entry at index i: the value to store, or a refusal. */
static int check_pdpte(unsigned i, uint64_t old, uint64_t *v)
{
    if (i >= 4)
        return *v ? nk_refuse("nk_write_pte: a PDPT has 4 entries") : 0;
    if (i == 3 && (old & PTE_P) && *v != old)
        return nk_refuse("nk_write_pte: PDPT entry 3 is the kernel page directory");
    if (!(*v & PTE_P))
        return 0;
    uint32_t t = (uint32_t)(*v & PTE_ADDR_MASK);
    if (i == 3 ? t != kpd_phys : kind_of(t) != F_PD)
        return nk_refuse("nk_write_pte: a PDPT entry must point at a declared page directory");
    if (i != 3 && fparents[t / PAGE_SIZE] && (old & PTE_ADDR_MASK) != t)
        return nk_refuse("nk_write_pte: that page directory has a parent already");
    int rc = (*v & ~(PTE_ADDR_MASK | PDPTE_FLAGS)) ? 1 : 0;
    *v &= PTE_ADDR_MASK | PDPTE_FLAGS;
    return rc;
}

/* Validates v for an entry of page directory pd (kernel or user). */
static int check_pde(uint32_t pd, uint64_t old, uint64_t *v)
{
    bool kernel = (pd == kpd_phys);
    if ((old & PTE_P) && *v != old && (ftype[(uint32_t)(old & PTE_ADDR_MASK) / PAGE_SIZE] & F_PINNED))
        return nk_refuse("nk_write_pte: kernel code is never remapped (its page table is pinned)");
    if (!(*v & PTE_P))
        return 0;
    if (*v & PTE_PS)
        return nk_refuse("nk_write_pte: no large pages");
    uint32_t t = (uint32_t)(*v & PTE_ADDR_MASK);
    if (kind_of(t) != F_PT)
        return nk_refuse("nk_write_pte: a PDE must point at a declared page table");
    if (fparents[t / PAGE_SIZE] && (old & PTE_ADDR_MASK) != t)
        return nk_refuse("nk_write_pte: that page table has a parent already");
    if (!kernel && (ftype[t / PAGE_SIZE] & F_KERNEL))
        return nk_refuse("nk_write_pte: a kernel page table in a user directory");
    if (kernel)
        ftype[t / PAGE_SIZE] |= F_KERNEL;
    return 0;
}

/* Validates v for an entry of page table pt: W cleared for protected frames, NX set for kernel data. */
static int check_pte(uint32_t pt, uint64_t old, uint64_t *v)
{
    bool kernel = ftype[pt / PAGE_SIZE] & F_KERNEL;
    unsigned old_kind = kind_of((uint32_t)(old & PTE_ADDR_MASK));
    if (kernel && (old & PTE_P) && old_kind == F_CODE && *v != old)
        return nk_refuse("nk_write_pte: kernel code is never remapped");
    if (!(*v & PTE_P))
        return 0;
    uint64_t want = *v;
    unsigned k = kind_of((uint32_t)(*v & PTE_ADDR_MASK));
    if (k == F_HIDDEN) {
        *v = 0; /* the hidden CR3 page stays unmapped */
        return 1;
    }
    if (is_ptp_kind(k) || k == F_NK || k == F_CODE)
        *v &= ~PTE_W;
    if (kernel && k != F_CODE && nk_nx)
        *v |= PTE_NX;
    if (kernel && k == F_CODE)
        ftype[pt / PAGE_SIZE] |= F_PINNED;
    return *v != want ? 1 : 0;
}

int NK_API(nk_write_pte)(uint64_t *entry, uint64_t value)
{
    uint32_t va = (uint32_t)entry;
    if ((va & 7) || va < KERNEL_VMA || va - KERNEL_VMA >= DIRECT_MAP_LIMIT)
        return nk_refuse("nk_write_pte: the entry is not in the direct map");
    uint32_t table = (va - KERNEL_VMA) & ~(PAGE_SIZE - 1);
    unsigned k = kind_of(table);
    int rc;
    if (k == F_PDPT)
        rc = check_pdpte((va & (PAGE_SIZE - 1)) / 8, *entry, &value);
    else if (k == F_PD || k == F_KPD)
        rc = check_pde(table, *entry, &value);
    else if (k == F_PT)
        rc = check_pte(table, *entry, &value);
    else
        return nk_refuse("nk_write_pte: the entry is not in a declared page-table page");
    if (rc < 0)
        return rc;
    store(entry, k == F_KPD ? F_PD : k, value);
    return rc;
}

int NK_API(nk_remove_ptp)(uint32_t phys)
{
    uint32_t f = phys / PAGE_SIZE;
    if ((phys & (PAGE_SIZE - 1)) || f >= NK_FRAMES)
        return -EINVAL;
    unsigned k = ftype[f] & F_KIND;
    if (k != F_PDPT && k != F_PD && k != F_PT)
        return -EINVAL;
    if (fparents[f] || (ftype[f] & F_PINNED) || read_cr3() == phys)
        return nk_refuse("nk_remove_ptp: the page-table page is still in use");
    uint64_t *e = phys_to_virt(phys);
    for (unsigned i = 0; i < ENTRIES; i++)
        account(k, e[i], -1);
    memset(e, 0, PAGE_SIZE);
    ftype[f] = F_DATA;
    dm_set_writable(phys, true);
    return 0;
}

int NK_API(nk_load_cr3)(uint32_t pdpt_phys)
{
    if (kind_of(pdpt_phys) != F_PDPT || (pdpt_phys & (PAGE_SIZE - 1)))
        return nk_refuse("nk_load_cr3: not a declared PDPT");
    if ((((uint64_t *)phys_to_virt(pdpt_phys))[3] & PTE_ADDR_MASK) != kpd_phys)
        return nk_refuse("nk_load_cr3: the PDPT lacks the kernel page directory");
    nk_cr3_value = pdpt_phys;
    uint64_t *e = dm_pte(hidden_phys);
    if (e) { /* map the hidden page just for this call */
        *e = hidden_phys | PTE_P;
        invlpg((uint32_t)nk_cr3_insn);
    }
    ((void (*)(void))nk_cr3_insn)();
    if (e) {
        *e = 0;
        invlpg((uint32_t)nk_cr3_insn);
    }
    return 0;
}

enum nk_frame_kind nk_frame_kind(uint32_t phys)
{
    switch (kind_of(phys)) {
    case F_PDPT: case F_PD: case F_PT: case F_KPD: return NK_FRAME_PTP;
    case F_CODE: return NK_FRAME_CODE;
    case F_NK: return NK_FRAME_NK;
    case F_HIDDEN: return NK_FRAME_HIDDEN;
    default: return NK_FRAME_DATA;
    }
}

#else /* NK=0: the stock configuration, direct writes */
extern char nk_cr3_insn[];

void nk_vmmu_init(void) {}

int nk_declare_ptp(uint32_t phys, unsigned level)
{
    (void)level;
    memset(phys_to_virt(phys), 0, PAGE_SIZE);
    return 0;
}

int nk_write_pte(uint64_t *entry, uint64_t value)
{
    *entry = value;
    return 0;
}

int nk_remove_ptp(uint32_t phys)
{
    (void)phys;
    return 0;
}

int nk_load_cr3(uint32_t pdpt_phys)
{
    nk_cr3_value = pdpt_phys; /* the same MOV CR3 (gate.asm), always mapped and with no checks */
    ((void (*)(void))nk_cr3_insn)();
    return 0;
}

enum nk_frame_kind nk_frame_kind(uint32_t phys)
{
    (void)phys;
    return NK_FRAME_DATA;
}
#endif

void NK_API(nk_load_cr0)(uint32_t value)
{
#if NK
    if (!(value & (1u << 16)))
        nk_refuse("nk_load_cr0: WP cannot be cleared (forced on)");
    nk_hw_load_cr0(value | CR0_FORCED);
#else
    __asm__ volatile("mov %0, %%cr0" : : "r"(value) : "memory");
#endif
}

void NK_API(nk_load_cr4)(uint32_t value)
{
#if NK
    if ((value & nk_cr4_forced) != nk_cr4_forced)
        nk_refuse("nk_load_cr4: PAE and SMEP cannot be cleared (forced on)");
    nk_hw_load_cr4(value);
#else
    __asm__ volatile("mov %0, %%cr4" : : "r"(value) : "memory");
#endif
}

int NK_API(nk_wrmsr)(uint32_t msr, uint64_t value)
{
#if NK
    if (msr != MSR_EFER)
        return nk_refuse("nk_wrmsr: only EFER may be written");
    if (nk_nx && !(value & EFER_NXE)) {
        nk_refuse("nk_wrmsr: EFER.NXE cannot be cleared (forced on)");
        value |= EFER_NXE;
    }
    nk_hw_wrmsr(msr, (uint32_t)value, (uint32_t)(value >> 32));
#else
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
#endif
    return 0;
}

int NK_API(nk_lgdt)(uint32_t base, uint32_t limit)
{
#if NK
    if (!nk_gdt_acceptable(base, limit))
        return nk_refuse("nk_lgdt: the GDT is one write-once region, loaded once");
#endif
    nk_gdtr.base = base;
    nk_gdtr.limit = (uint16_t)limit;
#if NK
    nk_hw_lgdt();
#else
    __asm__ volatile("lgdt %0" : : "m"(nk_gdtr) : "memory");
#endif
    return 0;
}

int NK_API(nk_lidt)(uint32_t base, uint32_t limit)
{
#if NK
    const char *what;
    if (!nk_region_of(base, &what) || !nk_region_of(base + limit, &what))
        return nk_refuse("nk_lidt: the IDT must be a protected region");
    if (nk_idtr.base && (base != nk_idtr.base || limit != nk_idtr.limit))
        return nk_refuse("nk_lidt: the IDT is loaded once");
#endif
    nk_idtr.base = base;
    nk_idtr.limit = (uint16_t)limit;
#if NK
    nk_hw_lidt();
#else
    __asm__ volatile("lidt %0" : : "m"(nk_idtr) : "memory");
#endif
    return 0;
}

int NK_API(nk_ltr)(uint32_t selector)
{
#if NK
    if (!nk_tr_acceptable(selector))
        return nk_refuse("nk_ltr: TR is the kernel TSS's descriptor, loaded once");
#endif
    nk_tr = (uint16_t)selector; /* with NK=1 the CPU's busy-bit write into the GDT happens here, WP clear */
#if NK
    nk_hw_ltr();
#else
    __asm__ volatile("ltr %0" : : "m"(nk_tr) : "memory");
#endif
    return 0;
}

int NK_API(nk_lldt)(uint32_t selector)
{
    nk_ldtr = (uint16_t)selector;
#if NK
    nk_hw_lldt();
#else
    __asm__ volatile("lldt %0" : : "m"(nk_ldtr) : "memory");
#endif
    return 0;
}

void NK_API(nk_init)(bool audit_on)
{
    uint32_t a, b, c, d;
    cpuid(0, 0, &a, &b, &c, &d);
    uint32_t max_leaf = a;
    bool smep = false;
    if (max_leaf >= 7) {
        cpuid(7, 0, &a, &b, &c, &d);
        smep = (b >> 7) & 1;
    }
    cpuid(0x80000000u, 0, &a, &b, &c, &d);
    if (a >= 0x80000001u) {
        cpuid(0x80000001u, 0, &a, &b, &c, &d);
        nk_nx = (d >> 20) & 1;
    }
    nk_vmmu_init();
    nk_mediate_init(audit_on);
#if NK
    if (smep)
        nk_cr4_forced |= CR4_SMEP;
    if (nk_nx)
        nk_efer_forced = EFER_NXE;
    uint64_t efer = nk_nx ? (rdmsr(MSR_EFER) | EFER_NXE) : 0;
    if (nk_nx)
        nk_hw_wrmsr(MSR_EFER, (uint32_t)efer, (uint32_t)(efer >> 32));
    nk_hw_load_cr4(read_cr4());
    nk_hw_load_cr0(read_cr0()); /* last: WP is on from here (the gate's exit sets it anyway) */
#else
    (void)smep;
#endif
}
