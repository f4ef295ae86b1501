/* Private to kernel/nk/: how one source gives both builds. NK=1: the C functions are nki_<name>, reached
 * only through the gates of gate.asm (which set nk_caller); NK=0: they are the public names themselves. */
#ifndef KERNELIST_NK_INTERNAL_H
#define KERNELIST_NK_INTERNAL_H

#include <kernel/nk.h>

#if NK
#define NK_API(name) nki_##name
#define NK_CALLER() nk_caller
#else
#define NK_API(name) name
#define NK_CALLER() ((uint32_t)__builtin_return_address(0))
#endif

extern uint32_t nk_caller, nk_cr3_value, nk_cr4_forced, nk_efer_forced;
extern uint16_t nk_tr, nk_ldtr;
extern struct __attribute__((packed)) nk_pseudo_descriptor { uint16_t limit; uint32_t base; } nk_gdtr, nk_idtr;

void nk_hw_load_cr0(uint32_t value);
void nk_hw_load_cr4(uint32_t value);
void nk_hw_wrmsr(uint32_t msr, uint32_t lo, uint32_t hi);
void nk_hw_lgdt(void);
void nk_hw_lidt(void);
void nk_hw_ltr(void);
void nk_hw_lldt(void);

/* Records a refusal (reason, caller) and returns -EPERM. */
int nk_refuse(const char *why);
/* vmmu.c: types the kernel's frames at boot. */
void nk_vmmu_init(void);
/* mediate.c: the pool, the audit log (when audit_on) and the process list. */
void nk_mediate_init(bool audit_on);
/* mediate.c: true when [p, p+len) lies inside one protected region; its policy name in *what. */
bool nk_region_of(uint32_t va, const char **what);

/* mediate.c: true when [va, va+len) lies inside one protected region of policy. */
bool nk_region_has_policy(uint32_t va, uint32_t len, unsigned policy);
/* systab.c: the checks nk_lgdt and nk_ltr make (NK=1): the GDT is one write-once region, accepted once;
 * TR is the kernel TSS's descriptor, loaded once. */
bool nk_gdt_acceptable(uint32_t base, uint32_t limit);
bool nk_tr_acceptable(uint32_t selector);

/* The C side of every gate (NK=1). */
int nki_nk_declare_ptp(uint32_t phys, unsigned level);
int nki_nk_write_pte(uint64_t *entry, uint64_t value);
int nki_nk_remove_ptp(uint32_t phys);
int nki_nk_load_cr3(uint32_t pdpt_phys);
void nki_nk_load_cr0(uint32_t value);
void nki_nk_load_cr4(uint32_t value);
int nki_nk_wrmsr(uint32_t msr, uint64_t value);
int nki_nk_lgdt(uint32_t base, uint32_t limit);
int nki_nk_lidt(uint32_t base, uint32_t limit);
int nki_nk_ltr(uint32_t selector);
int nki_nk_lldt(uint32_t selector);
void *nki_nk_alloc(size_t size, unsigned policy);
int nki_nk_write(void *dst, const void *src, size_t len);
int nki_nk_seal(void *region);
int nki_nk_free(void *region);
void nki_nk_audit(uint32_t kind, uint32_t pid, uint32_t number);
void nki_nk_init(bool audit_on);
void nki_nk_proclist_set(unsigned slot, int pid);
int nki_nk_tss_init(const struct tss32 *tss);
int nki_nk_tss_set_esp0(uint32_t esp0);
int nki_nk_tss_set_ring2(uint32_t ss2, uint32_t esp2);
int nki_nk_write_ldt(struct seg_descriptor *ldt, unsigned index, const struct seg_descriptor *d);
int nki_nk_set_ldt(const struct seg_descriptor *d);

#endif
