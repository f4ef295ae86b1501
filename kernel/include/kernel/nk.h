/* The Nested Kernel (kernel/nk/, docs/nested-kernel.md): a small trusted core that owns the MMU, the
 * control registers and write-protected memory, and an untrusted outer kernel (everything else) that
 * changes them only through these calls.
 *
 * NK=1 (the default build): every call below enters through a gate in kernel/nk/gate.asm (save flags, CLI,
 * clear CR0.WP, CLI again, switch to the nested kernel's stack; exit: switch back, set WP until it reads back
 * set, restore flags). Page-table pages, kernel code, the nested kernel's own sections and every region from
 * nk_alloc are mapped read-only, so the outer kernel cannot write them even with an arbitrary-write bug.
 * NK=0 (make NK=0, build-nk0/): the same calls are plain functions doing the direct writes (PerspicuOS's
 * stock configuration), with no checks and no protection; the write policies still run (so logs fill). */
#ifndef KERNELIST_NK_H
#define KERNELIST_NK_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <kernel/descriptor.h>

#ifndef NK
#define NK 1
#endif

/* --- the vMMU ------------------------------------------------------------------------------------- */
enum nk_ptp_level {
    NK_PDPT = 1, /* a PAE page-directory-pointer table: the only thing CR3 may hold */
    NK_PD = 2,   /* a page directory (user half) */
    NK_PT = 3,   /* a page table */
    NK_KPD = 4,  /* the one kernel page directory (PDPT entry 3 of every address space); declared once */
};

/* Makes the free frame phys a page-table page of level: zeroes it and maps it read-only everywhere.
 * 0, -EINVAL (bad frame or level), -EBUSY (not a free data frame, or mapped writable somewhere). */
int nk_declare_ptp(uint32_t phys, unsigned level);
/* Writes one entry of a declared PTP after validating it (type hierarchy; no writable mapping of a PTP,
 * kernel code or nested-kernel memory; kernel data NX; kernel code never remapped). 0 = written as given,
 * 1 = written downgraded (W cleared / NX set / the hidden CR3 page left unmapped), -EPERM = refused. */
int nk_write_pte(uint64_t *entry, uint64_t value);
/* Turns a PTP that no entry references any more back into an ordinary writable frame: its entries are
 * dropped, the page zeroed. 0, -EINVAL (not a PTP), -EBUSY (still referenced, loaded, or the kernel's). */
int nk_remove_ptp(uint32_t phys);
/* Loads CR3 with a declared PDPT (through the hidden CR3 page). 0 or -EPERM. */
int nk_load_cr3(uint32_t pdpt_phys);
/* CR0 / CR4 / EFER writers: WP, PE and PG; PAE and SMEP; NXE are forced on (SMEP/NXE when the CPU has them). */
void nk_load_cr0(uint32_t value);
void nk_load_cr4(uint32_t value);
/* Only EFER is accepted; 0 or -EPERM. */
int nk_wrmsr(uint32_t msr, uint64_t value);
/* Descriptor-table registers: GDTR, IDTR (which must be an nk_alloc region), TR, LDTR. 0 or -EPERM. */
int nk_lgdt(uint32_t base, uint32_t limit);
int nk_lidt(uint32_t base, uint32_t limit);
int nk_ltr(uint32_t selector);
int nk_lldt(uint32_t selector);

/* --- write mediation --------------------------------------------------------------------------------- */
enum nk_policy {
    NK_NO_WRITE = 1,    /* writable through nk_write until nk_seal, immutable afterwards (and never freed) */
    NK_WRITE_ONCE = 2,  /* every byte may be written once */
    NK_APPEND_ONLY = 3, /* writes only at the end; nothing written can change; never freed */
    NK_WRITE_LOG = 4,   /* any write, each recorded in the write log with its writer's return address */
    NK_LDT = 5,         /* LDTs: entries only through nk_write_ldt, each validated; never freed */
};

/* A zeroed protected region of size bytes (16-byte aligned), or NULL when the pool is exhausted. */
void *nk_alloc(size_t size, unsigned policy);
/* Copies len bytes from src into a protected region, if its policy allows. 0, -EFAULT (not inside one
 * region), -EPERM (the policy refuses). */
int nk_write(void *dst, const void *src, size_t len);
/* Seals an NK_NO_WRITE region. 0, -EINVAL. */
int nk_seal(void *region);
/* Frees a region (not sealed no-write, not append-only). 0, -EINVAL, -EPERM. */
int nk_free(void *region);

/* --- the descriptor tables (kernel/nk/systab.c) ------------------------------------------------------
 * NK=1: the GDT is a write-once region (nk_lgdt accepts one, once), the TSS is kernel_tss below (in the
 * nested kernel's memory), LDTs are NK_LDT regions: all read-only to the outer kernel. There is no hardware
 * task switch with NK=1 (no double-fault task), so the CPU itself writes none of them after LTR. */
/* The kernel's one TSS (nested-kernel memory; read it freely, write it only through the calls below). */
extern struct tss32 kernel_tss;
/* Writes the whole TSS once (SS0 must be the kernel data segment, ESP0 in the kernel half, no I/O bitmap).
 * 0 or -EPERM (a second time, or a bad TSS). */
int nk_tss_init(const struct tss32 *tss);
/* The TSS's ESP0 (must lie in the kernel half); nothing else is written. 0 or -EPERM. */
int nk_tss_set_esp0(uint32_t esp0);
/* The TSS's SS2:ESP2 (SS2 null, or an LDT selector with RPL 2; ESP2 below 0xC0000000). 0 or -EPERM. */
int nk_tss_set_ring2(uint32_t ss2, uint32_t esp2);
/* Writes entry index of the LDT at ldt (inside an NK_LDT region) after validating d: null; a present
 * expand-up data or non-conforming code segment of DPL 2 or 3 with base + limit below 0xC0000000 (its
 * accessed bit is set, so the CPU never writes the read-only LDT); or a present DPL-3 32-bit call gate
 * whose target is an LDT selector naming a present DPL-2 code segment of this LDT. 0 or -EPERM. */
int nk_write_ldt(struct seg_descriptor *ldt, unsigned index, const struct seg_descriptor *d);
/* Writes the GDT's LDT slot (LDT_SEL) with d, which must describe an LDT (system type 2, DPL 0, present)
 * lying wholly inside one NK_LDT region, then loads LDTR with LDT_SEL. 0 or -EPERM. */
int nk_set_ldt(const struct seg_descriptor *d);

/* --- the audit log (append-only) --------------------------------------------------------------------- */
#define NK_AUDIT_SYSCALL 1
#define NK_AUDIT_PRIVCALL 2
/* Appends one record {sequence, pid, kind, number} to the append-only audit log (when enabled). */
void nk_audit(uint32_t kind, uint32_t pid, uint32_t number);

/* --- trusted boot -------------------------------------------------------------------------------------- */
/* First call of kmain: probes the CPU, types the kernel's frames (code, nested kernel), forces WP, SMEP and
 * NXE on, and creates the audit log (audit_on). */
void nk_init(bool audit_on);

/* --- read-only queries (plain functions: they only read nested-kernel memory, no gate) ------------------ */
enum nk_frame_kind { NK_FRAME_DATA, NK_FRAME_PTP, NK_FRAME_CODE, NK_FRAME_NK, NK_FRAME_HIDDEN };
/* What the frame at phys is to the nested kernel. */
enum nk_frame_kind nk_frame_kind(uint32_t phys);
/* A name for what a kernel write to va hit when it is nested-kernel protected ("page-table page", "kernel
 * code", "nested-kernel memory", "protected region (write-once)"...), or NULL. */
const char *nk_protected_what(uint32_t va);
/* The audit log: records appended so far (those dropped when it was full are counted too). */
struct nk_audit_record { uint32_t seq; int32_t pid; uint16_t kind, number; };
uint32_t nk_audit_count(void);
uint32_t nk_audit_dropped(void);
const struct nk_audit_record *nk_audit_records(void);
/* The write log of NK_WRITE_LOG regions (a ring of the last NK_WRITE_LOG_SIZE writes). */
#define NK_WRITE_LOG_SIZE 256
struct nk_write_record { uint32_t dst, len, writer, first_word; };
uint32_t nk_write_log_count(void);
const struct nk_write_record *nk_write_log_entry(uint32_t index); /* index < count, the last 256 kept */
/* The last refusal of the nested kernel (a reason and the caller's return address), and how many so far. */
uint32_t nk_refusals(void);
const char *nk_last_refusal(uint32_t *caller);

/* The process list (allproc): slot -> pid in a write-log region, so every change is recorded. */
void nk_proclist_set(unsigned slot, int pid);
int nk_proclist_get(unsigned slot);

/* demo=rogue-driver (core/nk_tests.c): runs /bin/nk_exploit once per attack, prints one verdict line each,
 * then powers off through port 0xF4 (0 when every attack gave a verdict). */
__attribute__((noreturn)) void nk_demo_rogue_driver(void);
/* bench=nk (core/nk_bench.c): runs /bin/nk_bench (nk=FIGURE:N,... its arguments), then powers off. */
__attribute__((noreturn)) void nk_bench(void);

/* Symbols the demo and the tests name (kernel/nk/gate.asm): the hidden page with the one MOV CR3. */
extern char nk_cr3_insn[];

#endif
